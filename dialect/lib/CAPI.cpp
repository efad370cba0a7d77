// C API of the kokkos dialect.
#include "Kokkos-c/Kokkos.h"
#include "Kokkos/KokkosPasses.h"
#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Registration.h"
#include "mlir/CAPI/Support.h"
#include "mlir/CAPI/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassManager.h"

using namespace mlir;
using namespace mlir::kokkos;

MLIR_DEFINE_CAPI_DIALECT_REGISTRATION(Kokkos, kokkos, KokkosDialect)

void mlirKokkosRegisterPasses(void) {
  // Function-local static: registered once per process, thread-safe.
  static bool done = [] {
    registerAllPasses();
    registerKokkosPasses();
    registerKokkosPipelines();
    return true;
  }();
  (void)done;
}

MlirAttribute mlirKokkosMemorySpaceAttrGet(MlirContext ctx, int space) {
  std::optional<MemorySpace> s = symbolizeMemorySpace(space);
  if (!s)
    return {nullptr};
  return wrap(MemorySpaceAttr::get(unwrap(ctx), *s));
}

MlirType mlirKokkosViewTypeGet(MlirContext ctx, intptr_t rank,
                               const int64_t *shape, MlirType element,
                               int space) {
  Attribute s = unwrap(mlirKokkosMemorySpaceAttrGet(ctx, space));
  if (!s)
    return {nullptr};
  return wrap(MemRefType::get(ArrayRef<int64_t>(shape, rank), unwrap(element),
                              MemRefLayoutAttrInterface(), s));
}

int mlirKokkosViewTypeGetMemorySpace(MlirType type) {
  auto m = dyn_cast<MemRefType>(unwrap(type));
  return m ? static_cast<int>(getMemorySpace(m)) : -1;
}

MlirLogicalResult mlirKokkosLowerToLLVM(MlirModule module, bool openmp) {
  mlirKokkosRegisterPasses();
  ModuleOp m = unwrap(module);
  PassManager pm(m->getContext());
  buildLowerToLLVMPipeline(pm, openmp);
  return wrap(pm.run(m));
}

void mlirKokkosKeepOnly(MlirModule module, MlirStringRef entry) {
  ModuleOp m = unwrap(module);
  StringRef keep = unwrap(entry);
  // Repeat: erasing a function can leave its callees unused.
  for (bool changed = true; changed;) {
    changed = false;
    for (auto f : llvm::make_early_inc_range(m.getOps<func::FuncOp>()))
      if (f.getSymName() != keep && SymbolTable::symbolKnownUseEmpty(f, m)) {
        f.erase();
        changed = true;
      }
  }
}

MlirLogicalResult mlirKokkosEmitSource(MlirOperation module, int flavor,
                                       MlirStringCallback callback,
                                       void *userData) {
  if (flavor < MlirKokkosSourceKokkosCpp || flavor > MlirKokkosSourceCudaRtc)
    return mlirLogicalResultFailure();
  mlir::detail::CallbackOstream os(callback, userData);
  LogicalResult r = emitSource(unwrap(module), static_cast<SourceFlavor>(flavor), os);
  os.flush();
  return wrap(r);
}
