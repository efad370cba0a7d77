#ifndef KOKKOS_PASSES_H
#define KOKKOS_PASSES_H

#include "Kokkos/KokkosDialect.h"
#include "mlir/Pass/Pass.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::kokkos {
#define GEN_PASS_DECL
#define GEN_PASS_REGISTRATION
#include "Kokkos/KokkosPasses.h.inc"

/// Adds kokkos -> scf -> (omp) -> llvm to `pm`; with `openmp` false the
/// parallel loops run sequentially (no OpenMP runtime needed).
void buildLowerToLLVMPipeline(OpPassManager &pm, bool openmp);
/// Adds bufferization + linalg -> loops + convert-to-kokkos (with fusion).
void buildLinalgToKokkosPipeline(OpPassManager &pm, StringRef exec);
void registerKokkosPipelines();

/// Source emitters (kokkos-translate).
enum class SourceFlavor { KokkosCpp, COpenMP, Cuda, CudaRtc };
LogicalResult emitSource(Operation *module, SourceFlavor flavor,
                         llvm::raw_ostream &os);
void registerKokkosTranslations();
} // namespace mlir::kokkos

#endif
