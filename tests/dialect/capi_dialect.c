/* The kokkos dialect's C API: registration, view types in memory spaces,
 * lowering and source emission from C. */
#include "Kokkos-c/Kokkos.h"
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
