// kokkos-translate: kokkos IR -> Kokkos C++, C/OpenMP or CUDA source.
#include "Kokkos/KokkosPasses.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"

int main(int argc, char **argv) {
  mlir::kokkos::registerKokkosTranslations();
  return mlir::failed(
      mlir::mlirTranslateMain(argc, argv, "Kokkos dialect translator\n"));
}
