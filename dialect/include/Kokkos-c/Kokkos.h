/* C API of the kokkos dialect, in MLIR's C API conventions. */
#ifndef KOKKOS_C_KOKKOS_H
#define KOKKOS_C_KOKKOS_H

#include "mlir-c/IR.h"
#include "mlir-c/Support.h"
#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

MLIR_DECLARE_CAPI_DIALECT_REGISTRATION(Kokkos, kokkos);

/** Kokkos memory spaces (values of #kokkos.space). */
enum MlirKokkosMemorySpace {
  MlirKokkosHostSpace = 0,
  MlirKokkosDeviceSpace = 1,
  MlirKokkosHostPinnedSpace = 2,
  MlirKokkosSharedSpace = 3,
  MlirKokkosScratchSpace = 4
};

/** Source flavours of mlirKokkosEmitSource. */
enum MlirKokkosSourceFlavor {
  MlirKokkosSourceKokkosCpp = 0,
  MlirKokkosSourceCOpenMP = 1,
  MlirKokkosSourceCuda = 2,
  MlirKokkosSourceCudaRtc = 3 /* NVRTC device part + C host part (driver API) */
};

/** Registers the kokkos passes, the kokkos-to-llvm pipeline and the upstream
 *  passes it uses. Idempotent and thread-safe. */
MLIR_CAPI_EXPORTED void mlirKokkosRegisterPasses(void);

/** `#kokkos.space<space>`; null attribute for an unknown space. */
MLIR_CAPI_EXPORTED MlirAttribute mlirKokkosMemorySpaceAttrGet(MlirContext ctx,
                                                              int space);

/** A LayoutRight view: memref<shape x elem, #kokkos.space<space>>
 *  (ShapedType dynamic size for runtime extents). */
MLIR_CAPI_EXPORTED MlirType mlirKokkosViewTypeGet(MlirContext ctx, intptr_t rank,
                                                  const int64_t *shape,
                                                  MlirType element, int space);

/** Kokkos memory space of a memref type (host when it has none); -1 when
 *  `type` is not a memref. */
MLIR_CAPI_EXPORTED int mlirKokkosViewTypeGetMemorySpace(MlirType type);

/** Lowers a module holding kokkos ops to the LLVM dialect for CPUs, in place.
 *  With `openmp` false, parallel loops run sequentially. */
MLIR_CAPI_EXPORTED MlirLogicalResult mlirKokkosLowerToLLVM(MlirModule module,
                                                           bool openmp);

/** Erases the functions of `module` that neither are `entry` nor are used,
 *  so that compiling one kernel of a multi-kernel module costs one kernel. */
MLIR_CAPI_EXPORTED void mlirKokkosKeepOnly(MlirModule module, MlirStringRef entry);

/** Prints `module` as source of the given flavour through `callback`. */
MLIR_CAPI_EXPORTED MlirLogicalResult
mlirKokkosEmitSource(MlirOperation module, int flavor,
                     MlirStringCallback callback, void *userData);

#ifdef __cplusplus
}
#endif
#endif
