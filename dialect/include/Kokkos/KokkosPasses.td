#ifndef KOKKOS_PASSES_TD
#define KOKKOS_PASSES_TD

include "mlir/Pass/PassBase.td"

def KokkosLowerToSCF : Pass<"kokkos-lower-to-scf", "ModuleOp"> {
  let summary = "Lower kokkos ops to scf.parallel/scf.for and memref for CPUs";
  let description = [{
    Host execution spaces map to `scf.parallel` (which `convert-scf-to-openmp`
    turns into OpenMP worksharing loops); `serial` maps to `scf.for`.
    Reductions and scans are chunked (a fixed number of chunks, each reduced
    sequentially, then joined in order), so every reducer, custom ones
    included, lowers the same way and results are deterministic.
    Teams run with team size 1, as Kokkos' host backends may.
  }];
  let dependentDialects = ["scf::SCFDialect", "memref::MemRefDialect",
                           "arith::ArithDialect"];
  let options = [Option<"numChunks", "chunks", "int64_t", "256",
                        "Chunks per parallel_reduce / parallel_scan">];
}

def KokkosEraseMemorySpaces : Pass<"kokkos-erase-memory-spaces", "ModuleOp"> {
  let summary = "Drop #kokkos.space from memref types (all spaces are host memory on CPUs)";
  let description = [{
    Runs after `kokkos-lower-to-scf` (as in `kokkos-to-llvm`): a remaining
    `kokkos.team_scratch`, whose view must be in the scratch space, is an
    error.
  }];
  let dependentDialects = ["memref::MemRefDialect"];
}

def ConvertToKokkos : Pass<"convert-to-kokkos", "ModuleOp"> {
  let summary = "Map scf.parallel loop nests (from linalg, tensor, memref) onto Kokkos policies";
  let description = [{
    Run after bufferization and `convert-linalg-to-parallel-loops`. Each
    outermost `scf.parallel` becomes a `kokkos.parallel_for` (MDRangePolicy
    when it has several dimensions) or, with `scf.reduce`, a
    `kokkos.parallel_reduce` whose built-in reducer is recognised from the
    reduce body. An elementwise `parallel_for` whose only consumer is the
    next `parallel_reduce` over the same range, through a buffer allocated
    locally, is fused into the reduction and the buffer removed.
  }];
  let dependentDialects = ["kokkos::KokkosDialect"];
  let options = [Option<"execSpace", "exec", "std::string", "\"default\"",
                        "Execution space of the generated policies">];
}

#endif
