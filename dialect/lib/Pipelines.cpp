// The CPU pipeline kokkos -> scf -> (OpenMP) -> LLVM dialect, shared by
// kokkos-opt (`--kokkos-to-llvm`) and libsitu-kokkos.
#include "Kokkos/KokkosPasses.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

void kokkos::buildLowerToLLVMPipeline(OpPassManager &pm, bool openmp) {
  // tanh and friends have no LLVM intrinsic: expand them into exp (which
  // vectorises); what is left (erf, atan, ...) becomes libm calls.
  std::string p = "kokkos-lower-to-scf,kokkos-erase-memory-spaces,"
                  "math-expand-ops{ops=tanh,sinh,cosh},canonicalize,";
  if (openmp)
    // scf-to-openmp wraps loop bodies in alloca scopes; canonicalize inlines
    // those without allocas, which scf-to-cf could not lower otherwise.
    p += "convert-scf-to-openmp,canonicalize,";
  p += "func.func(lower-affine),convert-scf-to-cf,expand-strided-metadata,"
       "lower-affine,finalize-memref-to-llvm,convert-math-to-llvm,"
       "convert-math-to-libm,convert-to-llvm,"
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

void kokkos::buildLinalgToKokkosPipeline(OpPassManager &pm, StringRef exec) {
  (void)parsePassPipeline(
      "one-shot-bufferize{bufferize-function-boundaries},"
      "convert-linalg-to-parallel-loops,canonicalize,cse,convert-to-kokkos{exec=" +
          exec.str() + "}",
      pm);
}

namespace {
struct FrontEndOptions : PassPipelineOptions<FrontEndOptions> {
  Option<std::string> exec{*this, "exec", llvm::cl::desc("Execution space"),
                           llvm::cl::init("default")};
};
} // namespace

void kokkos::registerKokkosPipelines() {
  PassPipelineRegistration<FrontEndOptions>(
      "linalg-to-kokkos",
      "Tensor/linalg programs (as JAX or PyTorch export them) to kokkos: "
      "bufferize, linalg to loops, loops to policies, fusion",
      [](OpPassManager &pm, const FrontEndOptions &o) {
        buildLinalgToKokkosPipeline(pm, o.exec);
      });
  PassPipelineRegistration<PipelineOptions>(
      "kokkos-to-llvm", "Lower kokkos to the LLVM dialect for CPUs",
      [](OpPassManager &pm, const PipelineOptions &o) {
        buildLowerToLLVMPipeline(pm, o.openmp);
      });
}
