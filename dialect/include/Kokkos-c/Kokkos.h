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

/** View layouts (memref layouts: identity, strided<[1, ...]>, other strided). */
enum MlirKokkosLayout {
  MlirKokkosLayoutRight = 0,
  MlirKokkosLayoutLeft = 1,
  MlirKokkosLayoutStride = 2
};

/** Kokkos execution spaces (the `exec` attribute of parallel ops). */
enum MlirKokkosExecSpace {
  MlirKokkosExecDefault = 0,
  MlirKokkosExecDefaultHost = 1,
  MlirKokkosExecSerial = 2,
  MlirKokkosExecOpenMP = 3,
  MlirKokkosExecCuda = 4
};

/** Atomic fetch-ops (the `kind` of kokkos.atomic). */
enum MlirKokkosAtomicKind {
  MlirKokkosAtomicAdd = 0,
  MlirKokkosAtomicSub = 1,
  MlirKokkosAtomicMin = 2,
  MlirKokkosAtomicMax = 3,
  MlirKokkosAtomicBAnd = 4,
  MlirKokkosAtomicBOr = 5
};

/** Built-in reducers (entries of a `reducers` array). */
enum MlirKokkosReducerKind {
  MlirKokkosReducerSum = 0,
  MlirKokkosReducerProd = 1,
  MlirKokkosReducerMin = 2,
  MlirKokkosReducerMax = 3,
  MlirKokkosReducerLAnd = 4,
  MlirKokkosReducerLOr = 5,
  MlirKokkosReducerBAnd = 6,
  MlirKokkosReducerBOr = 7,
  MlirKokkosReducerCustom = 8 /* a kokkos.reducer symbol */
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

/** A view of any layout. LayoutRight: row-major (identity layout);
 *  LayoutLeft: column-major, strided<[1, n0, n0*n1, ...]> with dynamic
 *  strides where the extents before are not static; LayoutStride: `strides`
 *  (rank of them) and `offset`, in elements, each possibly
 *  mlirShapedTypeGetDynamicStrideOrOffset(). Null type for a bad space or
 *  layout, or strides a LayoutStride view needs but lacks. */
MLIR_CAPI_EXPORTED MlirType mlirKokkosViewTypeGetWithLayout(
    MlirContext ctx, intptr_t rank, const int64_t *shape, MlirType element,
    int space, int layout, const int64_t *strides, int64_t offset);

/** Layout of a memref type (MlirKokkosLayout); -1 when `type` is not a
 *  memref or has a layout without strides. */
MLIR_CAPI_EXPORTED int mlirKokkosViewTypeGetLayout(MlirType type);

/** Whether `attr` is a #kokkos.space; its space (-1 when it is not one). */
MLIR_CAPI_EXPORTED bool mlirKokkosAttributeIsAMemorySpace(MlirAttribute attr);
MLIR_CAPI_EXPORTED int mlirKokkosMemorySpaceAttrGetValue(MlirAttribute attr);

/** Execution space attribute (an i32 enum attribute, as ops carry it); null
 *  for an unknown space. Is-a and value (-1 when not one). An i32 attribute
 *  of a valid value is both an execution space and an atomic kind: the
 *  attribute name (`exec`, `kind`) tells them apart. */
MLIR_CAPI_EXPORTED MlirAttribute mlirKokkosExecSpaceAttrGet(MlirContext ctx, int exec);
MLIR_CAPI_EXPORTED bool mlirKokkosAttributeIsAExecSpace(MlirAttribute attr);
MLIR_CAPI_EXPORTED int mlirKokkosExecSpaceAttrGetValue(MlirAttribute attr);

/** Atomic kind attribute (i32 enum attribute); null for an unknown kind. */
MLIR_CAPI_EXPORTED MlirAttribute mlirKokkosAtomicKindAttrGet(MlirContext ctx, int kind);
MLIR_CAPI_EXPORTED bool mlirKokkosAttributeIsAAtomicKind(MlirAttribute attr);
MLIR_CAPI_EXPORTED int mlirKokkosAtomicKindAttrGetValue(MlirAttribute attr);

/** A built-in reducer (a string attribute: "sum", "prod", ...); null for an
 *  unknown kind or MlirKokkosReducerCustom. */
MLIR_CAPI_EXPORTED MlirAttribute mlirKokkosReducerAttrGet(MlirContext ctx, int kind);
/** A custom reducer: a reference to the kokkos.reducer symbol `name`. */
MLIR_CAPI_EXPORTED MlirAttribute mlirKokkosCustomReducerAttrGet(MlirContext ctx,
                                                                MlirStringRef name);
/** Whether `attr` names a reducer (built-in or custom); its kind
 *  (MlirKokkosReducerKind; -1 when it is not a reducer). */
MLIR_CAPI_EXPORTED bool mlirKokkosAttributeIsAReducer(MlirAttribute attr);
MLIR_CAPI_EXPORTED int mlirKokkosReducerAttrGetKind(MlirAttribute attr);

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
