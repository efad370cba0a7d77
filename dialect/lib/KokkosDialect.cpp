// The kokkos dialect: registration and memory/execution space queries.
#include "Kokkos/KokkosDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::kokkos;

#include "Kokkos/KokkosOpsDialect.cpp.inc"
#include "Kokkos/KokkosOpsEnums.cpp.inc"
#define GET_ATTRDEF_CLASSES
#include "Kokkos/KokkosOpsAttributes.cpp.inc"

void KokkosDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "Kokkos/KokkosOpsAttributes.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "Kokkos/KokkosOps.cpp.inc"
      >();
}

MemorySpace mlir::kokkos::getMemorySpace(MemRefType type) {
  if (auto space = dyn_cast_or_null<MemorySpaceAttr>(type.getMemorySpace()))
    return space.getValue();
  return MemorySpace::host;
}

bool mlir::kokkos::isHostExecSpace(ExecSpace exec) {
  return exec == ExecSpace::default_host || exec == ExecSpace::serial ||
         exec == ExecSpace::openmp;
}

bool mlir::kokkos::isAccessible(ExecSpace exec, MemorySpace space) {
  if (exec == ExecSpace::default_)
    return true; // which one it is depends on the Kokkos build
  if (isHostExecSpace(exec))
    return space != MemorySpace::device;
  return space != MemorySpace::host;
}
