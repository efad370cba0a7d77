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

MlirType mlirKokkosViewTypeGetWithLayout(MlirContext ctx, intptr_t rank, const int64_t *shape,
                                         MlirType element, int space, int layout,
                                         const int64_t *strides, int64_t offset) {
  Attribute s = unwrap(mlirKokkosMemorySpaceAttrGet(ctx, space));
  if (!s)
    return {nullptr};
  ArrayRef<int64_t> dims(shape, rank);
  MemRefLayoutAttrInterface l;
  MLIRContext *c = unwrap(ctx);
  switch (layout) {
  case MlirKokkosLayoutRight:
    break;
  case MlirKokkosLayoutLeft: {
    // Column-major: each stride is the product of the extents before it.
    SmallVector<int64_t> st;
    int64_t prod = 1;
    for (int64_t d : dims) {
      st.push_back(prod);
      prod = ShapedType::isDynamic(d) || ShapedType::isDynamic(prod) ? ShapedType::kDynamic : prod * d;
    }
    l = StridedLayoutAttr::get(c, 0, st);
    break;
  }
  case MlirKokkosLayoutStride:
    if (!strides && rank > 0)
      return {nullptr};
    l = StridedLayoutAttr::get(c, offset, ArrayRef<int64_t>(strides, rank));
    break;
  default:
    return {nullptr};
  }
  return wrap(MemRefType::get(dims, unwrap(element), l, s));
}

int mlirKokkosViewTypeGetLayout(MlirType type) {
  auto m = dyn_cast<MemRefType>(unwrap(type));
  if (!m)
    return -1;
  if (m.getLayout().isIdentity())
    return MlirKokkosLayoutRight;
  SmallVector<int64_t> strides;
  int64_t off;
  if (failed(m.getStridesAndOffset(strides, off)))
    return -1;
  // The emitters' rule: unit stride first = LayoutLeft.
  return !strides.empty() && strides[0] == 1 ? MlirKokkosLayoutLeft : MlirKokkosLayoutStride;
}

/// The value of an enum attribute of kind A as an int, -1 if attr is another attribute.
template <typename A> static int enumValue(MlirAttribute attr) {
  auto a = dyn_cast<A>(unwrap(attr));
  return a ? static_cast<int>(a.getValue()) : -1;
}

bool mlirKokkosAttributeIsAMemorySpace(MlirAttribute attr) {
  return isa<MemorySpaceAttr>(unwrap(attr));
}

int mlirKokkosMemorySpaceAttrGetValue(MlirAttribute attr) {
  return enumValue<MemorySpaceAttr>(attr);
}

MlirAttribute mlirKokkosExecSpaceAttrGet(MlirContext ctx, int exec) {
  std::optional<ExecSpace> e = symbolizeExecSpace(exec);
  return e ? wrap(ExecSpaceAttr::get(unwrap(ctx), *e)) : MlirAttribute{nullptr};
}

bool mlirKokkosAttributeIsAExecSpace(MlirAttribute attr) {
  return isa<ExecSpaceAttr>(unwrap(attr));
}

int mlirKokkosExecSpaceAttrGetValue(MlirAttribute attr) {
  return enumValue<ExecSpaceAttr>(attr);
}

MlirAttribute mlirKokkosAtomicKindAttrGet(MlirContext ctx, int kind) {
  std::optional<AtomicKind> k = symbolizeAtomicKind(kind);
  return k ? wrap(AtomicKindAttr::get(unwrap(ctx), *k)) : MlirAttribute{nullptr};
}

bool mlirKokkosAttributeIsAAtomicKind(MlirAttribute attr) {
  return isa<AtomicKindAttr>(unwrap(attr));
}

int mlirKokkosAtomicKindAttrGetValue(MlirAttribute attr) {
  return enumValue<AtomicKindAttr>(attr);
}

/// Names of the built-in reducers, by MlirKokkosReducerKind.
static const char *const reducerNames[] = {"sum", "prod", "min", "max", "land", "lor", "band", "bor"};

MlirAttribute mlirKokkosReducerAttrGet(MlirContext ctx, int kind) {
  if (kind < MlirKokkosReducerSum || kind > MlirKokkosReducerBOr)
    return {nullptr};
  return wrap(Attribute(StringAttr::get(unwrap(ctx), reducerNames[kind])));
}

MlirAttribute mlirKokkosCustomReducerAttrGet(MlirContext ctx, MlirStringRef name) {
  return wrap(Attribute(FlatSymbolRefAttr::get(unwrap(ctx), unwrap(name))));
}

int mlirKokkosReducerAttrGetKind(MlirAttribute attr) {
  Attribute a = unwrap(attr);
  if (isa_and_nonnull<FlatSymbolRefAttr>(a))
    return MlirKokkosReducerCustom;
  if (auto s = dyn_cast_or_null<StringAttr>(a))
    for (int k = MlirKokkosReducerSum; k <= MlirKokkosReducerBOr; ++k)
      if (s.getValue() == reducerNames[k])
        return k;
  return -1;
}

bool mlirKokkosAttributeIsAReducer(MlirAttribute attr) {
  return mlirKokkosReducerAttrGetKind(attr) >= 0;
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
