/* The kokkos dialect's C API: registration, view types in memory spaces and
 * layouts, execution space / atomic kind / reducer attributes, lowering and
 * source emission from C. */
#include "Kokkos-c/Kokkos.h"
#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/Dialect/Func.h"
#include "mlir-c/IR.h"
#include "check.h"

#include <stdio.h>
#include <string.h>

static char buf[8192];
static size_t len;
static void append(MlirStringRef s, void *ud) {
  (void)ud;
  if (len + s.length < sizeof buf) {
    memcpy(buf + len, s.data, s.length);
    len += s.length;
    buf[len] = '\0';
  }
}

static const char *kernel =
    "func.func @scale(%a: f64, %x: memref<?xf64, #kokkos.space<device>>) {\n"
    "  %c0 = arith.constant 0 : index\n"
    "  %n = memref.dim %x, %c0 : memref<?xf64, #kokkos.space<device>>\n"
    "  kokkos.parallel_for default (%i) = (%c0) to (%n) {\n"
    "    %v = memref.load %x[%i] : memref<?xf64, #kokkos.space<device>>\n"
    "    %s = arith.mulf %a, %v : f64\n"
    "    memref.store %s, %x[%i] : memref<?xf64, #kokkos.space<device>>\n"
    "  }\n"
    "  return\n"
    "}\n"
    "func.func @unused() { return }\n";

int main(void) {
  MlirContext ctx = mlirContextCreate();
  mlirDialectHandleRegisterDialect(mlirGetDialectHandle__kokkos__(), ctx);
  mlirDialectHandleLoadDialect(mlirGetDialectHandle__kokkos__(), ctx);
  mlirDialectHandleRegisterDialect(mlirGetDialectHandle__func__(), ctx);

  int64_t shape[2] = {mlirShapedTypeGetDynamicSize(), 4};
  MlirType t = mlirKokkosViewTypeGet(ctx, 2, shape, mlirF64TypeGet(ctx), MlirKokkosDeviceSpace);
  len = 0;
  mlirTypePrint(t, append, NULL);
  CHECK(strcmp(buf, "memref<?x4xf64, #kokkos.space<device>>") == 0, "view type printed as '%s'", buf);
  CHECK(mlirKokkosViewTypeGetMemorySpace(t) == MlirKokkosDeviceSpace, "space of view");
  CHECK(mlirKokkosViewTypeGetMemorySpace(mlirF64TypeGet(ctx)) == -1, "space of a non-view");
  CHECK(mlirAttributeIsNull(mlirKokkosMemorySpaceAttrGet(ctx, 99)), "bad space accepted");
  CHECK(mlirTypeIsNull(mlirKokkosViewTypeGet(ctx, 2, shape, mlirF64TypeGet(ctx), -1)), "bad space type");
  len = 0;
  mlirAttributePrint(mlirKokkosMemorySpaceAttrGet(ctx, MlirKokkosScratchSpace), append, NULL);
  CHECK(strcmp(buf, "#kokkos.space<scratch>") == 0, "attribute printed as '%s'", buf);

  /* Layouts: LayoutLeft strides from the extents before (dynamic after a
   * dynamic one), LayoutStride as given. */
  int64_t dyn = mlirShapedTypeGetDynamicStrideOrOffset();
  MlirType left = mlirKokkosViewTypeGetWithLayout(ctx, 2, shape, mlirF64TypeGet(ctx), MlirKokkosDeviceSpace,
                                                  MlirKokkosLayoutLeft, NULL, 0);
  len = 0;
  mlirTypePrint(left, append, NULL);
  CHECK(strcmp(buf, "memref<?x4xf64, strided<[1, ?]>, #kokkos.space<device>>") == 0, "LayoutLeft printed as '%s'", buf);
  CHECK(mlirKokkosViewTypeGetLayout(left) == MlirKokkosLayoutLeft, "layout of LayoutLeft");
  int64_t shape3[3] = {3, 4, 5};
  MlirType left3 = mlirKokkosViewTypeGetWithLayout(ctx, 3, shape3, mlirIntegerTypeGet(ctx, 32), MlirKokkosHostSpace,
                                                   MlirKokkosLayoutLeft, NULL, 0);
  len = 0;
  mlirTypePrint(left3, append, NULL);
  CHECK(strcmp(buf, "memref<3x4x5xi32, strided<[1, 3, 12]>, #kokkos.space<host>>") == 0, "static LayoutLeft printed as '%s'", buf);
  int64_t st[2] = {dyn, 3};
  MlirType strided = mlirKokkosViewTypeGetWithLayout(ctx, 2, shape, mlirF32TypeGet(ctx), MlirKokkosSharedSpace,
                                                     MlirKokkosLayoutStride, st, dyn);
  len = 0;
  mlirTypePrint(strided, append, NULL);
  CHECK(strcmp(buf, "memref<?x4xf32, strided<[?, 3], offset: ?>, #kokkos.space<shared>>") == 0,
        "LayoutStride printed as '%s'", buf);
  CHECK(mlirKokkosViewTypeGetLayout(strided) == MlirKokkosLayoutStride, "layout of LayoutStride");
  CHECK(mlirKokkosViewTypeGetMemorySpace(strided) == MlirKokkosSharedSpace, "space of LayoutStride");
  MlirType right = mlirKokkosViewTypeGetWithLayout(ctx, 2, shape, mlirF64TypeGet(ctx), MlirKokkosDeviceSpace,
                                                   MlirKokkosLayoutRight, NULL, 0);
  CHECK(mlirTypeEqual(right, t) && mlirKokkosViewTypeGetLayout(right) == MlirKokkosLayoutRight, "LayoutRight");
  CHECK(mlirTypeIsNull(mlirKokkosViewTypeGetWithLayout(ctx, 2, shape, mlirF64TypeGet(ctx), 0, 7, NULL, 0)),
        "bad layout accepted");
  CHECK(mlirTypeIsNull(mlirKokkosViewTypeGetWithLayout(ctx, 2, shape, mlirF64TypeGet(ctx), 0,
                                                       MlirKokkosLayoutStride, NULL, 0)),
        "LayoutStride without strides accepted");
  CHECK(mlirKokkosViewTypeGetLayout(mlirF64TypeGet(ctx)) == -1, "layout of a non-view");
  MlirType parsed = mlirTypeParseGet(ctx, mlirStringRefCreateFromCString("memref<?x?xf64, strided<[?, 1]>>"));
  CHECK(mlirKokkosViewTypeGetLayout(parsed) == MlirKokkosLayoutStride, "layout of a parsed strided type");

  /* Attributes: execution spaces, atomic kinds, reducers; is-a and values. */
  MlirAttribute exec = mlirKokkosExecSpaceAttrGet(ctx, MlirKokkosExecOpenMP);
  CHECK(mlirKokkosAttributeIsAExecSpace(exec) && mlirKokkosExecSpaceAttrGetValue(exec) == MlirKokkosExecOpenMP,
        "exec space attribute");
  CHECK(mlirAttributeIsNull(mlirKokkosExecSpaceAttrGet(ctx, 5)), "bad exec space accepted");
  MlirAttribute space = mlirKokkosMemorySpaceAttrGet(ctx, MlirKokkosHostPinnedSpace);
  CHECK(mlirKokkosAttributeIsAMemorySpace(space) && mlirKokkosMemorySpaceAttrGetValue(space) == MlirKokkosHostPinnedSpace,
        "memory space attribute");
  CHECK(!mlirKokkosAttributeIsAMemorySpace(exec) && mlirKokkosMemorySpaceAttrGetValue(exec) == -1,
        "exec space taken for a memory space");
  CHECK(!mlirKokkosAttributeIsAExecSpace(space) && mlirKokkosExecSpaceAttrGetValue(space) == -1,
        "memory space taken for an exec space");
  MlirAttribute bor = mlirKokkosAtomicKindAttrGet(ctx, MlirKokkosAtomicBOr);
  CHECK(mlirKokkosAttributeIsAAtomicKind(bor) && mlirKokkosAtomicKindAttrGetValue(bor) == MlirKokkosAtomicBOr,
        "atomic kind attribute");
  CHECK(mlirAttributeIsNull(mlirKokkosAtomicKindAttrGet(ctx, 6)), "bad atomic kind accepted");
  MlirAttribute land = mlirKokkosReducerAttrGet(ctx, MlirKokkosReducerLAnd);
  len = 0;
  mlirAttributePrint(land, append, NULL);
  CHECK(strcmp(buf, "\"land\"") == 0 && mlirKokkosReducerAttrGetKind(land) == MlirKokkosReducerLAnd,
        "land reducer printed as '%s'", buf);
  MlirAttribute custom = mlirKokkosCustomReducerAttrGet(ctx, mlirStringRefCreateFromCString("absmax"));
  len = 0;
  mlirAttributePrint(custom, append, NULL);
  CHECK(strcmp(buf, "@absmax") == 0 && mlirKokkosAttributeIsAReducer(custom) &&
            mlirKokkosReducerAttrGetKind(custom) == MlirKokkosReducerCustom,
        "custom reducer printed as '%s'", buf);
  CHECK(mlirAttributeIsNull(mlirKokkosReducerAttrGet(ctx, MlirKokkosReducerCustom)), "custom as a built-in");
  MlirAttribute avg = mlirStringAttrGet(ctx, mlirStringRefCreateFromCString("avg"));
  CHECK(!mlirKokkosAttributeIsAReducer(avg) && mlirKokkosReducerAttrGetKind(avg) == -1, "avg taken for a reducer");
  CHECK(mlirKokkosReducerAttrGetKind(exec) == -1, "exec space taken for a reducer");

  /* A kernel built from C with these attributes parses back as kokkos ops:
   * the generic form, with the attributes printed by the C API. */
  {
    char ir[2048], ex[64], re[64], ak[64];
    len = 0;
    mlirAttributePrint(mlirKokkosExecSpaceAttrGet(ctx, MlirKokkosExecSerial), append, NULL);
    snprintf(ex, sizeof ex, "%.60s", buf);
    len = 0;
    mlirAttributePrint(mlirKokkosReducerAttrGet(ctx, MlirKokkosReducerMax), append, NULL);
    snprintf(re, sizeof re, "%.60s", buf);
    len = 0;
    mlirAttributePrint(mlirKokkosAtomicKindAttrGet(ctx, MlirKokkosAtomicMin), append, NULL);
    snprintf(ak, sizeof ak, "%.60s", buf);
    snprintf(ir, sizeof ir,
             "func.func @k(%%x: memref<?xi64>, %%n: index) -> i64 {\n"
             "  %%c0 = arith.constant 0 : index\n"
             "  %%r = \"kokkos.parallel_reduce\"(%%c0, %%n) <{exec = %s, operandSegmentSizes = array<i32: 1, 1>, reducers = [%s]}> ({\n"
             "  ^bb0(%%i: index):\n"
             "    %%v = memref.load %%x[%%i] : memref<?xi64>\n"
             "    %%o = \"kokkos.atomic\"(%%v, %%x, %%c0) <{kind = %s}> : (i64, memref<?xi64>, index) -> i64\n"
             "    \"kokkos.yield\"(%%v) : (i64) -> ()\n"
             "  }) : (index, index) -> i64\n"
             "  return %%r : i64\n"
             "}\n",
             ex, re, ak);
    MlirModule g = mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(ir));
    CHECK(!mlirModuleIsNull(g), "generic kernel from C attributes did not parse:\n%s", ir);
    if (!mlirModuleIsNull(g)) {
      len = 0;
      mlirOperationPrint(mlirModuleGetOperation(g), append, NULL);
      CHECK(strstr(buf, "kokkos.parallel_reduce serial (%arg2) = (%c0) to (%arg1) reduce [max] -> i64") &&
                strstr(buf, "kokkos.atomic min %"),
            "custom form: %s", buf);
      mlirModuleDestroy(g);
    }
  }

  /* arith, memref and scf come with kokkos (dependent dialects). */
  MlirModule m = mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(kernel));
  CHECK(!mlirModuleIsNull(m), "parse");
  if (!mlirModuleIsNull(m)) {
    len = 0;
    CHECK(mlirLogicalResultIsSuccess(mlirKokkosEmitSource(mlirModuleGetOperation(m),
                                                          MlirKokkosSourceKokkosCpp, append, NULL)),
          "emit");
    CHECK(strstr(buf, "Kokkos::parallel_for(\"parallel_for\", Kokkos::RangePolicy<Kokkos::DefaultExecutionSpace>"),
          "emitted: %s", buf);
    CHECK(mlirLogicalResultIsFailure(mlirKokkosEmitSource(mlirModuleGetOperation(m), 7, append, NULL)),
          "bad flavour accepted");
    mlirKokkosKeepOnly(m, mlirStringRefCreateFromCString("scale"));
    len = 0;
    mlirOperationPrint(mlirModuleGetOperation(m), append, NULL);
    CHECK(!strstr(buf, "@unused") && strstr(buf, "@scale"), "keep-only left: %s", buf);
    mlirModuleDestroy(m);
  }
  mlirContextDestroy(ctx);
  if (failures)
    fprintf(stderr, "%d failure(s)\n", failures);
  return failures != 0;
}
