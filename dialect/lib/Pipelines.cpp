// The CPU pipeline kokkos -> scf -> (OpenMP) -> LLVM dialect, shared by
// kokkos-opt (`--kokkos-to-llvm`) and libsitu-kokkos.
#include "Kokkos/KokkosPasses.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

void kokkos::buildLowerToLLVMPipeline(OpPassManager &pm, bool openmp) {
  std::string p = "kokkos-lower-to-scf,kokkos-erase-memory-spaces,canonicalize,";
  if (openmp)
    // scf-to-openmp wraps loop bodies in alloca scopes; canonicalize inlines
    // those without allocas, which scf-to-cf could not lower otherwise.
    p += "convert-scf-to-openmp,canonicalize,";
  p += "func.func(lower-affine),convert-scf-to-cf,expand-strided-metadata,"
       "lower-affine,finalize-memref-to-llvm,convert-to-llvm,"
       "reconcile-unrealized-casts";
  // Every pass named here is registered by registerAllPasses(), which all
  // users of this pipeline call first.
  (void)parsePassPipeline(p, pm);
}

namespace {
struct PipelineOptions : PassPipelineOptions<PipelineOptions> {
  Option<bool> openmp{*this, "openmp",
                      llvm::cl::desc("Run parallel loops on OpenMP threads"),
                      llvm::cl::init(true)};
};
} // namespace

void kokkos::registerKokkosPipelines() {
  PassPipelineRegistration<PipelineOptions>(
      "kokkos-to-llvm", "Lower kokkos to the LLVM dialect for CPUs",
      [](OpPassManager &pm, const PipelineOptions &o) {
        buildLowerToLLVMPipeline(pm, o.openmp);
      });
}
