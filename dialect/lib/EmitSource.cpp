#include "Kokkos/KokkosPasses.h"
mlir::LogicalResult mlir::kokkos::emitSource(Operation *, SourceFlavor, llvm::raw_ostream &) { return failure(); }
void mlir::kokkos::registerKokkosTranslations() {}
