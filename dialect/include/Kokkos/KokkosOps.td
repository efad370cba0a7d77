#ifndef KOKKOS_OPS_TD
#define KOKKOS_OPS_TD

include "Kokkos/KokkosDialect.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"

def AnyView : MemRefOf<[AnyType]>;
def AnySignlessIntegerOrFloatT : AnyTypeOf<[AnySignlessInteger, AnyFloat]>;

//===-- Parallel patterns -------------------------------------------------===//

def Kokkos_ParallelForOp : Kokkos_Op<"parallel_for", [
    RecursiveMemoryEffects, AttrSizedOperandSegments,
    SingleBlockImplicitTerminator<"YieldOp">]> {
  let summary = "Kokkos::parallel_for over a RangePolicy or MDRangePolicy";
  let description = [{
    One dimension is a RangePolicy, two to six an MDRangePolicy (optionally
    with tile hints). The body receives one index per dimension.

    ```mlir
    kokkos.parallel_for openmp (%i, %j) = (%c0, %c0) to (%n, %m) tile [32, 4] {
      ...
    }
    ```
  }];
  let arguments = (ins Kokkos_ExecSpace:$exec, Variadic<Index>:$lower,
                   Variadic<Index>:$upper, OptionalAttr<DenseI64ArrayAttr>:$tile);
  let regions = (region SizedRegion<1>:$body);
  let hasCustomAssemblyFormat = 1;
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
}

def Kokkos_ParallelReduceOp : Kokkos_Op<"parallel_reduce", [
    RecursiveMemoryEffects, AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "Kokkos::parallel_reduce with any number of reducers at once";
  let description = [{
    Each iteration yields one value per reducer; the results are the
    reductions. Reducers are built-in (`sum`, `prod`, `min`, `max`, `land`,
    `lor`, `band`, `bor`) or a `kokkos.reducer` symbol (custom init and join).

    ```mlir
    %s, %m = kokkos.parallel_reduce openmp (%i) = (%c0) to (%n)
        reduce [sum, max] -> f64, f64 {
      ...
      kokkos.yield %x, %x : f64, f64
    }
    ```
  }];
  let arguments = (ins Kokkos_ExecSpace:$exec, Variadic<Index>:$lower,
                   Variadic<Index>:$upper, OptionalAttr<DenseI64ArrayAttr>:$tile,
                   ArrayAttr:$reducers);
  let results = (outs Variadic<AnyType>:$results);
  let regions = (region SizedRegion<1>:$body);
  let hasCustomAssemblyFormat = 1;
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
}

def Kokkos_ParallelScanOp : Kokkos_Op<"parallel_scan", [RecursiveMemoryEffects]> {
  let summary = "Kokkos::parallel_scan (sum scan) over a RangePolicy";
  let description = [{
    The body gets the index, the exclusive prefix of the contributions before
    it and Kokkos' `final` flag, and yields its contribution. As in Kokkos the
    body may run more than once per index; side effects belong under `final`.
    The result is the total.

    ```mlir
    %total = kokkos.parallel_scan openmp (%i) = (%c0) to (%n)
        scan (%partial, %final) -> i64 { ... kokkos.yield %x : i64 }
    ```
  }];
  let arguments = (ins Kokkos_ExecSpace:$exec, Index:$lower, Index:$upper);
  let results = (outs AnySignlessIntegerOrFloatT:$total);
  let regions = (region SizedRegion<1>:$body);
  let hasCustomAssemblyFormat = 1;
  let hasRegionVerifier = 1;
}

//===-- Teams ---------------------------------------------------------------===//

def Kokkos_TeamParallelOp : Kokkos_Op<"team_parallel", [
    RecursiveMemoryEffects, AttrSizedOperandSegments,
    SingleBlockImplicitTerminator<"YieldOp">]> {
  let summary = "Kokkos::parallel_for over a TeamPolicy";
  let description = [{
    `league(%n)` teams of `team(%t)` threads (or `team(auto)`), each with
    `scratch(bytes)` of level-0 team scratch. The body gets league rank, team
    rank, league size and team size.

    ```mlir
    kokkos.team_parallel openmp league(%n) team(auto) scratch(512)
        (%lr, %tr, %ls, %ts) { ... }
    ```
  }];
  let arguments = (ins Kokkos_ExecSpace:$exec, Index:$league_size,
                   Optional<Index>:$team_size, Optional<Index>:$vector_length,
                   DefaultValuedAttr<I64Attr, "0">:$scratch_bytes);
  let regions = (region SizedRegion<1>:$body);
  let hasCustomAssemblyFormat = 1;
  let hasRegionVerifier = 1;
}

class Kokkos_NestedForOp<string mnemonic, string policy> : Kokkos_Op<mnemonic, [
    RecursiveMemoryEffects, SingleBlockImplicitTerminator<"YieldOp">]> {
  let summary = "Kokkos::parallel_for over a " # policy # " inside a team";
  let arguments = (ins Index:$lower, Index:$upper);
  let regions = (region SizedRegion<1>:$body);
  let hasCustomAssemblyFormat = 1;
  let hasRegionVerifier = 1;
}
def Kokkos_TeamThreadForOp : Kokkos_NestedForOp<"team_thread_for", "TeamThreadRange">;
def Kokkos_ThreadVectorForOp : Kokkos_NestedForOp<"thread_vector_for", "ThreadVectorRange">;

def Kokkos_TeamThreadReduceOp : Kokkos_Op<"team_thread_reduce", [
    RecursiveMemoryEffects, DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "Kokkos::parallel_reduce over a TeamThreadRange";
  let arguments = (ins Index:$lower, Index:$upper, ArrayAttr:$reducers);
  let results = (outs Variadic<AnyType>:$results);
  let regions = (region SizedRegion<1>:$body);
  let hasCustomAssemblyFormat = 1;
  let hasRegionVerifier = 1;
}

def Kokkos_TeamBarrierOp : Kokkos_Op<"team_barrier"> {
  let summary = "team_member.team_barrier()";
  let assemblyFormat = "attr-dict";
  let hasVerifier = 1;
}

def Kokkos_TeamScratchOp : Kokkos_Op<"team_scratch"> {
  let summary = "A view in the team's level-0 scratch memory";
  let description = [{
    ```mlir
    %tile = kokkos.team_scratch : memref<64xf64, #kokkos.space<scratch>>
    ```
  }];
  let results = (outs AnyStaticShapeMemRef:$view);
  let assemblyFormat = "attr-dict `:` type($view)";
  let hasVerifier = 1;
}

//===-- Reducers and terminators -------------------------------------------===//

def Kokkos_ReducerOp : Kokkos_Op<"reducer", [Symbol, IsolatedFromAbove]> {
  let summary = "A custom reducer: an init value and an associative join";
  let description = [{
    ```mlir
    kokkos.reducer @absmax : f64 init {
      %z = arith.constant 0.0 : f64
      kokkos.yield %z : f64
    } join {
    ^bb0(%a: f64, %b: f64):
      ...
      kokkos.yield %r : f64
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, TypeAttr:$type);
  let regions = (region SizedRegion<1>:$init, SizedRegion<1>:$join);
  let assemblyFormat = "$sym_name `:` $type `init` $init `join` $join attr-dict";
  let hasRegionVerifier = 1;
}

def Kokkos_YieldOp : Kokkos_Op<"yield", [Pure, Terminator, ReturnLike,
    ParentOneOf<["ParallelForOp", "ParallelReduceOp", "ParallelScanOp",
                 "TeamParallelOp", "TeamThreadForOp", "ThreadVectorForOp",
                 "TeamThreadReduceOp", "ReducerOp"]>]> {
  let summary = "Ends a kokkos region, passing its contributions out";
  let arguments = (ins Variadic<AnyType>:$values);
  let builders = [OpBuilder<(ins), [{ build($_builder, $_state, ValueRange()); }]>];
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
}

//===-- Views -----------------------------------------------------------===//

def Kokkos_DeepCopyOp : Kokkos_Op<"deep_copy"> {
  let summary = "Kokkos::deep_copy(dst, src)";
  let arguments = (ins Arg<AnyView, "", [MemWrite]>:$dst,
                   Arg<AnyView, "", [MemRead]>:$src);
  let assemblyFormat = "$dst `,` $src attr-dict `:` type($dst) `,` type($src)";
  let hasVerifier = 1;
}

def Kokkos_CreateMirrorViewOp : Kokkos_Op<"create_mirror_view", [Pure]> {
  let summary = "Kokkos::create_mirror_view: a host view of a view";
  let description = [{
    Like Kokkos, allocates only when the source is not host-accessible; the
    host mirror then needs a `deep_copy`.
  }];
  let arguments = (ins AnyView:$src);
  let results = (outs AnyView:$mirror);
  let assemblyFormat = "$src attr-dict `:` type($src) `to` type($mirror)";
  let hasVerifier = 1;
}

def Kokkos_SubviewOp : Kokkos_Op<"subview", [Pure, AttrSizedOperandSegments]> {
  let summary = "Kokkos::subview with a (begin, extent) pair per dimension";
  let arguments = (ins AnyView:$src, Variadic<Index>:$offsets,
                   Variadic<Index>:$sizes);
  let results = (outs AnyView:$view);
  let assemblyFormat = [{
    $src `[` $offsets `]` `[` $sizes `]` attr-dict `:` type($src) `to` type($view)
  }];
  let hasVerifier = 1;
}

def Kokkos_AtomicOp : Kokkos_Op<"atomic", [
    TypesMatchWith<"old value is a view element", "view", "old",
                   "::llvm::cast<::mlir::MemRefType>($_self).getElementType()">,
    TypesMatchWith<"value is a view element", "view", "value",
                   "::llvm::cast<::mlir::MemRefType>($_self).getElementType()">]> {
  let summary = "Kokkos::atomic_fetch_<op> on one view element; returns the old value";
  let arguments = (ins Kokkos_AtomicKind:$kind, AnySignlessIntegerOrFloatT:$value,
                   Arg<AnyView, "", [MemRead, MemWrite]>:$view,
                   Variadic<Index>:$indices);
  let results = (outs AnySignlessIntegerOrFloatT:$old);
  let assemblyFormat = [{
    $kind $value `,` $view `[` $indices `]` attr-dict `:` type($view)
  }];
  let hasVerifier = 1;
}

def Kokkos_FenceOp : Kokkos_Op<"fence"> {
  let summary = "Kokkos::fence(): wait for all work in the execution space";
  let arguments = (ins Kokkos_ExecSpace:$exec);
  let assemblyFormat = "$exec attr-dict";
}

#endif
