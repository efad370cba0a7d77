// kokkos-opt: mlir-opt with the kokkos dialect and its passes registered.
#include "Kokkos/KokkosPasses.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::kokkos::registerKokkosPasses();
  mlir::kokkos::registerKokkosPipelines();
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  registry.insert<mlir::kokkos::KokkosDialect>();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Kokkos dialect optimizer\n", registry));
}
