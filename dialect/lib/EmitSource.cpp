#include "Kokkos/KokkosPasses.h"
void mlir::kokkos::registerKokkosTranslations() {}
