#ifndef KOKKOS_DIALECT_H
#define KOKKOS_DIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "Kokkos/KokkosOpsDialect.h.inc"
#include "Kokkos/KokkosOpsEnums.h.inc"
#define GET_ATTRDEF_CLASSES
#include "Kokkos/KokkosOpsAttributes.h.inc"
#define GET_OP_CLASSES
#include "Kokkos/KokkosOps.h.inc"

namespace mlir::kokkos {
/// The Kokkos memory space of a view; a memref without one is in HostSpace.
MemorySpace getMemorySpace(MemRefType type);
/// Whether code running in `exec` may dereference a view in `space`.
bool isAccessible(ExecSpace exec, MemorySpace space);
/// Whether `exec` runs on the host.
bool isHostExecSpace(ExecSpace exec);
} // namespace mlir::kokkos

#endif
