// The kokkos dialect: Kokkos' programming model (execution policies, views in
// memory spaces, parallel patterns, teams) as MLIR operations.
#ifndef KOKKOS_DIALECT_TD
#define KOKKOS_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def Kokkos_Dialect : Dialect {
  let name = "kokkos";
  let cppNamespace = "::mlir::kokkos";
  let summary = "Kokkos execution and memory model";
  let description = [{
    Views are `memref`s whose memory space is a `#kokkos.space<...>` attribute
    (no space means HostSpace) and whose layout is LayoutRight (identity),
    LayoutLeft (`strided<[1, ?, ...]>`) or LayoutStride (`strided<[?, ...]>`).
    Parallel patterns carry their execution space and policy.
  }];
  let useDefaultAttributePrinterParser = 1;
  let dependentDialects = ["::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect"];
}

// Kokkos memory spaces. `shared` is CudaUVMSpace/SharedSpace; `host_pinned`
// is CudaHostPinnedSpace; `scratch` is team scratch (level 0).
def Kokkos_MemorySpace : I32EnumAttr<"MemorySpace", "Kokkos memory space", [
    I32EnumAttrCase<"host", 0>, I32EnumAttrCase<"device", 1>,
    I32EnumAttrCase<"host_pinned", 2>, I32EnumAttrCase<"shared", 3>,
    I32EnumAttrCase<"scratch", 4>]> {
  let cppNamespace = "::mlir::kokkos";
  let genSpecializedAttr = 0;
}
def Kokkos_MemorySpaceAttr : EnumAttr<Kokkos_Dialect, Kokkos_MemorySpace, "space"> {
  let assemblyFormat = "`<` $value `>`";
}

// Kokkos execution spaces; `default` is Kokkos::DefaultExecutionSpace,
// `default_host` is Kokkos::DefaultHostExecutionSpace.
def Kokkos_ExecSpace : I32EnumAttr<"ExecSpace", "Kokkos execution space", [
    I32EnumAttrCase<"default_", 0, "default">,
    I32EnumAttrCase<"default_host", 1>, I32EnumAttrCase<"serial", 2>,
    I32EnumAttrCase<"openmp", 3>, I32EnumAttrCase<"cuda", 4>]> {
  let cppNamespace = "::mlir::kokkos";
}

def Kokkos_AtomicKind : I32EnumAttr<"AtomicKind", "Kokkos atomic fetch-op", [
    I32EnumAttrCase<"add", 0>, I32EnumAttrCase<"sub", 1>,
    I32EnumAttrCase<"min", 2>, I32EnumAttrCase<"max", 3>,
    I32EnumAttrCase<"band", 4>, I32EnumAttrCase<"bor", 5>]> {
  let cppNamespace = "::mlir::kokkos";
}

class Kokkos_Op<string mnemonic, list<Trait> traits = []> :
    Op<Kokkos_Dialect, mnemonic, traits>;

#endif
