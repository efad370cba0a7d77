#include "Kokkos/KokkosPasses.h"
namespace mlir::kokkos {
#define GEN_PASS_DEF_CONVERTTOKOKKOS
#include "Kokkos/KokkosPasses.h.inc"
}
namespace {
struct ConvertToKokkos : mlir::kokkos::impl::ConvertToKokkosBase<ConvertToKokkos> {
  using ConvertToKokkosBase::ConvertToKokkosBase;
  void runOnOperation() override {}
};
}
