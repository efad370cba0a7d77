// kokkos IR -> source: Kokkos C++ (Views, policies, KOKKOS_LAMBDA), plain
// C/OpenMP, and CUDA C (one __global__ kernel per parallel pattern, launched
// from a host function taking device pointers). The CUDA comes in two forms:
// for nvcc (runtime API, <<<>>> launches), and for run-time compilation
// (device part for NVRTC, host part in plain C that launches through the
// driver-API table `situ_kk_cuda_rt` the loader passes in). Bodies may use
// arith, math, memref (load/store/dim/static alloca), scf.for/if and
// func.return.
#include "Kokkos/KokkosPasses.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/TypeSwitch.h"

#include <map>

using namespace mlir;
using namespace mlir::kokkos;

namespace {

/// Pointer, extents and strides (in elements) of a view, as C expressions.
struct ViewInfo {
  std::string ptr;
  SmallVector<std::string> ext, str;
};

class Emitter {
public:
  Emitter(SourceFlavor flavor) : fl(flavor) {}
  LogicalResult emitModule(ModuleOp m, raw_ostream &os);

private:
  SourceFlavor fl;
  DenseMap<Value, std::string> names;
  DenseMap<Value, ViewInfo> views;
  std::string kernels;       // CUDA: __global__ functions
  std::string globals;       // memref.global arrays
  // By name, emitted once before the code: CUDA device functions, Kokkos
  // reducer structs.
  std::map<std::string, std::string> deviceHelpers;
  std::string *out = nullptr; // where statements go
  std::string *hostOut = nullptr; // host function bodies (vs. kernel bodies)
  int indent = 0, counter = 0;
  SymbolTable *symbols = nullptr;

  bool kokkos() const { return fl == SourceFlavor::KokkosCpp; }
  bool cuda() const { return fl == SourceFlavor::Cuda || fl == SourceFlavor::CudaRtc; }
  /// CUDA for run-time compilation: host code is C and calls the loader's
  /// table `rt` instead of the CUDA runtime.
  bool rtc() const { return fl == SourceFlavor::CudaRtc; }
  /// C linkage under run-time compilation: the loader looks kernels up by name.
  std::string kernelDecl() const { return rtc() ? "extern \"C\" __global__ void " : "__global__ void "; }

  void line(const Twine &s) {
    out->append(2 * indent, ' ');
    out->append(s.str());
    out->push_back('\n');
  }
  /// One __global__ function: created before captureForKernel renames values for
  /// the kernel, so that leave() gives the host its names and views back; between
  /// enter() and leave() statements go to the kernel's own text, which leave()
  /// appends to `kernels`.
  struct KernelText {
    Emitter &e;
    DenseMap<Value, std::string> hostNames;
    DenseMap<Value, ViewInfo> hostViews;
    std::string text, *host = nullptr;
    int hostIndent = 0;
    explicit KernelText(Emitter &e) : e(e), hostNames(e.names), hostViews(e.views) {}
    void enter() {
      host = e.out;
      hostIndent = e.indent;
      e.out = &text;
      e.indent = 0;
    }
    void leave() {
      e.kernels += text;
      e.names = hostNames;
      e.views = hostViews;
      e.out = host;
      e.indent = hostIndent;
    }
  };

  std::string fresh(StringRef p = "v") { return (p + Twine(counter++)).str(); }
  // By value: a reference into the map would dangle when it grows.
  std::string name(Value v) {
    auto &n = names[v];
    if (n.empty())
      n = fresh();
    return n;
  }

  FailureOr<std::string> ctype(Type t, Operation *where);
  std::string viewType(MemRefType t);
  std::string index(Value view, ValueRange idx);
  LogicalResult declareView(Value v, MemRefType t, StringRef base,
                            SmallVectorImpl<std::string> *decl);

  LogicalResult emitFunc(func::FuncOp f);
  void emitXlaEntry(func::FuncOp f);
  void emitPackedEntry(func::FuncOp f, ArrayRef<std::string> params);
  LogicalResult emitGlobal(memref::GlobalOp g);
  LogicalResult emitMemory(Operation *op, bool &handled);
  void staticView(Value v, MemRefType t, const std::string &ptr);
  LogicalResult emitReducerFns(ReducerOp r);
  LogicalResult emitBlock(Block &b, SmallVectorImpl<std::string> *yields);
  LogicalResult emitOp(Operation *op);
  LogicalResult emitArith(Operation *op);
  LogicalResult emitScf(Operation *op);
  LogicalResult emitKokkosOp(Operation *op);
  LogicalResult emitParallel(Operation *op);
  LogicalResult emitCudaParallel(Operation *op);
  LogicalResult emitCudaScan(ParallelScanOp op);
  LogicalResult emitCudaTeam(TeamParallelOp op);
  LogicalResult captureForKernel(Operation *op, SmallVectorImpl<std::string> &params,
                                 SmallVectorImpl<std::string> &args);
  std::string hostName(Value v);
  SmallVector<Value> privatisable(Operation *op);
  void launch(const std::string &kernel, const std::string &grid, const std::string &block,
              ArrayRef<std::string> params, ArrayRef<std::string> args);
  FailureOr<std::string> cudaAtomic(AtomicKind kind, Type t, const std::string &ptr,
                                    const std::string &v, Operation *op);
  std::string hostCopy(const std::string &dst, const std::string &src, const std::string &bytes,
                       const char *kind);
  std::string scratch(const std::string &bytes);
  void blockReduce(Attribute reducer, Type t, const std::string &var, Operation *op);
  DenseMap<Value, std::string> hostNames;
  LogicalResult emitTeam(TeamParallelOp t);

  std::string identity(Attribute reducer, Type t);
  std::string join(Attribute reducer, Type t, StringRef a, StringRef b);
  std::string ompReduction(Attribute reducer);
  std::string kokkosReducer(Attribute reducer, Type t, StringRef target);
  bool intAccumulator(Attribute reducer, Type t);
  std::string accType(Attribute reducer, Type t);
  std::string execSpace(ExecSpace e);
  void assign(Value v, const Twine &expr);
};

std::string Emitter::execSpace(ExecSpace e) {
  switch (e) {
  case ExecSpace::default_: return "Kokkos::DefaultExecutionSpace";
  case ExecSpace::default_host: return "Kokkos::DefaultHostExecutionSpace";
  case ExecSpace::serial: return "Kokkos::Serial";
  case ExecSpace::openmp: return "Kokkos::OpenMP";
  case ExecSpace::cuda: return "Kokkos::Cuda";
  }
  return "Kokkos::DefaultExecutionSpace";
}

FailureOr<std::string> Emitter::ctype(Type t, Operation *where) {
  if (t.isF64()) return std::string("double");
  if (t.isF32()) return std::string("float");
  if (t.isInteger(1)) return std::string("bool");
  if (t.isInteger(8)) return std::string("int8_t");
  if (t.isInteger(16)) return std::string("int16_t");
  if (t.isInteger(32)) return std::string("int32_t");
  if (t.isInteger(64) || t.isIndex()) return std::string("int64_t");
  if (where)
    where->emitError("the source emitter has no C type for ") << t;
  return failure();
}

std::string Emitter::viewType(MemRefType t) {
  std::string s = "Kokkos::View<" + *ctype(t.getElementType(), nullptr);
  s.append(t.getRank(), '*');
  if (t.getLayout().isIdentity()) {
    s += ", Kokkos::LayoutRight";
  } else {
    SmallVector<int64_t> strides;
    int64_t off;
    bool left = succeeded(t.getStridesAndOffset(strides, off)) && !strides.empty() &&
                strides[0] == 1;
    s += left ? ", Kokkos::LayoutLeft" : ", Kokkos::LayoutStride";
  }
  switch (getMemorySpace(t)) {
  case MemorySpace::host: s += ", Kokkos::HostSpace>"; break;
  case MemorySpace::device: s += ", Kokkos::DefaultExecutionSpace::memory_space>"; break;
  case MemorySpace::host_pinned: s += ", Kokkos::SharedHostPinnedSpace>"; break;
  case MemorySpace::shared: s += ", Kokkos::SharedSpace>"; break;
  case MemorySpace::scratch: s += ", Kokkos::AnonymousSpace>"; break;
  }
  return s;
}

/// Declares a C view parameter: pointer, extents and (for layouts other than
/// LayoutRight) strides; records how to index it.
LogicalResult Emitter::declareView(Value v, MemRefType t, StringRef base,
                                   SmallVectorImpl<std::string> *decl) {
  auto elem = ctype(t.getElementType(), v.getParentBlock()->getParentOp());
  if (failed(elem))
    return failure();
  ViewInfo info;
  info.ptr = base.str();
  SmallVector<int64_t> strides;
  int64_t off;
  if (failed(t.getStridesAndOffset(strides, off)))
    return v.getParentBlock()->getParentOp()->emitError("unsupported view layout");
  decl->push_back(*elem + " *" + base.str());
  for (int64_t d = 0; d < t.getRank(); ++d) {
    std::string e = (base + "_n" + Twine(d)).str();
    decl->push_back("int64_t " + e);
    info.ext.push_back(e);
  }
  bool identity = t.getLayout().isIdentity();
  for (int64_t d = 0; d < t.getRank(); ++d) {
    if (identity) {
      std::string s = "1";
      for (int64_t e = t.getRank() - 1; e > d; --e)
        s = info.ext[e] + "*" + s;
      info.str.push_back("(" + s + ")");
    } else {
      std::string s = (base + "_s" + Twine(d)).str();
      decl->push_back("int64_t " + s);
      info.str.push_back(s);
    }
  }
  views[v] = info;
  names[v] = base.str();
  return success();
}

std::string Emitter::index(Value view, ValueRange idx) {
  if (kokkos()) {
    std::string s = name(view) + "(";
    for (auto [i, v] : llvm::enumerate(idx))
      s += (i ? ", " : "") + name(v);
    return s + ")";
  }
  ViewInfo &vi = views[view];
  std::string s = vi.ptr + "[";
  for (auto [i, v] : llvm::enumerate(idx))
    s += (i ? " + " : "") + name(v) + "*" + vi.str[i];
  if (idx.empty())
    s += "0";
  return s + "]";
}

void Emitter::assign(Value v, const Twine &expr) {
  auto t = ctype(v.getType(), v.getDefiningOp());
  line("const " + *t + " " + name(v) + " = " + expr + ";");
}

std::string Emitter::identity(Attribute r, Type t) {
  if (auto sym = dyn_cast<FlatSymbolRefAttr>(r))
    return sym.getValue().str() + "_init()";
  StringRef k = cast<StringAttr>(r).getValue();
  bool f = isa<FloatType>(t);
  std::string ty = *ctype(t, nullptr);
  if (k == "sum" || k == "lor" || k == "bor") return "(" + ty + ")0";
  if (k == "prod") return "(" + ty + ")1";
  if (k == "land") return "true";
  if (k == "band") return "(" + ty + ")~(" + ty + ")0";
  if (f) return k == "min" ? "INFINITY" : "-INFINITY";
  unsigned w = t.getIntOrFloatBitWidth();
  return k == "min" ? "INT" + std::to_string(w) + "_MAX" : "INT" + std::to_string(w) + "_MIN";
}

std::string Emitter::join(Attribute r, Type t, StringRef a, StringRef b) {
  if (auto sym = dyn_cast<FlatSymbolRefAttr>(r))
    return (sym.getValue() + "_join(" + a + ", " + b + ")").str();
  StringRef k = cast<StringAttr>(r).getValue();
  bool f32 = t.isF32();
  if (k == "sum") return (a + " + " + b).str();
  if (k == "prod") return (a + " * " + b).str();
  if (k == "land") return (a + " && " + b).str();
  if (k == "lor") return (a + " || " + b).str();
  if (k == "band") return (a + " & " + b).str();
  if (k == "bor") return (a + " | " + b).str();
  if (isa<FloatType>(t))
    return ((k == "min" ? "fmin" : "fmax") + Twine(f32 ? "f(" : "(") + a + ", " + b + ")").str();
  return k == "min" ? (b + " < " + a + " ? " + b + " : " + a).str()
                    : (b + " > " + a + " ? " + b + " : " + a).str();
}

std::string Emitter::ompReduction(Attribute r) {
  if (auto sym = dyn_cast<FlatSymbolRefAttr>(r))
    return sym.getValue().str();
  StringRef k = cast<StringAttr>(r).getValue();
  return llvm::StringSwitch<std::string>(k)
      .Case("sum", "+").Case("prod", "*").Case("min", "min").Case("max", "max")
      .Case("land", "&&").Case("lor", "||").Case("band", "&").Default("|");
}

/// Kokkos C++: built-in reducers of i1 (land/lor) accumulate in an int;
/// Kokkos (3.x) has no reduction_identity<bool> for LAnd/LOr<bool>.
bool Emitter::intAccumulator(Attribute r, Type t) {
  return kokkos() && t.isInteger(1) && isa<StringAttr>(r);
}
std::string Emitter::accType(Attribute r, Type t) {
  return intAccumulator(r, t) ? "int" : *ctype(t, nullptr);
}

std::string Emitter::kokkosReducer(Attribute r, Type t, StringRef target) {
  std::string ty = accType(r, t);
  if (auto sym = dyn_cast<FlatSymbolRefAttr>(r))
    return (sym.getValue() + "_reducer(" + target + ")").str();
  StringRef k = cast<StringAttr>(r).getValue();
  std::string kk = llvm::StringSwitch<std::string>(k)
                       .Case("sum", "Sum").Case("prod", "Prod").Case("min", "Min")
                       .Case("max", "Max").Case("land", "LAnd").Case("lor", "LOr")
                       .Case("band", "BAnd").Default("BOr");
  return "Kokkos::" + kk + "<" + ty + ">(" + target.str() + ")";
}

LogicalResult Emitter::emitModule(ModuleOp m, raw_ostream &os) {
  SymbolTable table(m);
  symbols = &table;
  // Reducers first: kernels and functions call their init/join.
  std::string reducers, body;
  out = &reducers;
  for (auto r : m.getOps<ReducerOp>())
    if (failed(emitReducerFns(r)))
      return failure();
  out = &globals;
  for (auto g : m.getOps<memref::GlobalOp>())
    if (failed(emitGlobal(g)))
      return failure();
  out = &body;
  hostOut = &body;
  for (auto f : m.getOps<func::FuncOp>())
    if (!f.isExternal() && failed(emitFunc(f)))
      return failure();
  os << "// Generated by kokkos-translate from the kokkos MLIR dialect.\n";
  if (kokkos()) {
    os << "#include <Kokkos_Core.hpp>\n#include <cmath>\n#include <cstdint>\n#include <cstring>\n\n";
  } else {
    os << "#include <math.h>\n#include <stdbool.h>\n#include <stdint.h>\n#include <stdlib.h>\n"
          "#include <string.h>\n"
          "// Every SSA value is named, so some are unused.\n"
          "#pragma GCC diagnostic ignored \"-Wunused-variable\"\n"
          "#pragma GCC diagnostic ignored \"-Wunused-parameter\"\n"
          "#pragma GCC diagnostic ignored \"-Wunused-but-set-variable\"\n";
    if (rtc())
      os << "\n// Host part: plain C; the loader passes the driver-API table.\n"
            "typedef struct situ_kk_cuda_rt {\n"
            "  void *self;\n"
            "  int (*launch)(void *self, const char *kernel, unsigned grid, unsigned block, void **args);\n"
            "  void *(*scratch)(void *self, size_t bytes); /* grows; reduction partials */\n"
            "  void *(*alloc)(void *self, size_t bytes);\n"
            "  void (*release)(void *self, void *p);\n"
            "  void (*copy)(void *self, void *dst, const void *src, size_t bytes);\n"
            "  void *(*symbol)(void *self, const char *name); /* a __device__ global */\n"
            "  void (*sync)(void *self);\n"
            "} situ_kk_cuda_rt;\n"
            "const int situ_kk_cuda_rt_version = 1;\n";
    else if (cuda())
      os << "#include <cuda_runtime.h>\n#pragma nv_diag_suppress 177 // unused values\n\n"
            "// Grows one device scratch buffer for reduction partials.\n"
            "static void *situ_scratch(size_t bytes) {\n"
            "  static void *p = 0;\n  static size_t have = 0;\n"
            "  if (bytes > have) {\n    if (p) cudaFree(p);\n"
            "    if (cudaMalloc(&p, bytes) != cudaSuccess) { p = 0; have = 0; return 0; }\n"
            "    have = bytes;\n  }\n  return p;\n}\n";
    else
      os << "#include <omp.h>\n";
    os << "\n";
  }
  // i32 <-> f32 bit casts through memcpy, for C and CUDA host code (nvcc's
  // form also for device code). NVRTC has no libc headers: the run-time
  // form's device part uses CUDA's intrinsics instead.
  // Kokkos: for host and device (CUDA device code has memcpy too), guarded, as emitted
  // files may share a translation unit.
  std::string q = kokkos()           ? "KOKKOS_INLINE_FUNCTION "
                  : cuda() && !rtc() ? "__host__ __device__ static inline "
                                     : "static inline ";
  if (kokkos())
    os << "#ifndef SITU_KK_BIT_CASTS\n#define SITU_KK_BIT_CASTS\n";
  os << q << "float situ_bits_to_f32(int32_t i) { float f; memcpy(&f, &i, sizeof f); return f; }\n"
     << q << "int32_t situ_f32_to_bits(float f) { int32_t i; memcpy(&i, &f, sizeof i); return i; }\n";
  os << (kokkos() ? "#endif\n\n" : "\n");
  std::string helpers;
  for (auto &h : deviceHelpers)
    helpers += h.second;
  if (rtc()) {
    os << "// BEGIN DEVICE CODE\n"
       << "__device__ static inline float situ_bits_to_f32(int32_t i) { return __int_as_float(i); }\n"
       << "__device__ static inline int32_t situ_f32_to_bits(float f) { return __float_as_int(f); }\n"
       << helpers << globals << reducers << kernels << "// END DEVICE CODE\n" << body;
    return success();
  }
  if (cuda()) // markers let a runtime compiler (NVRTC) take the device part
    os << "// BEGIN DEVICE CODE\n" << helpers << globals << reducers << kernels << "// END DEVICE CODE\n" << body;
  else // Kokkos: the team reducer structs call the custom reducers' joins
    os << globals << reducers << helpers << kernels << body;
  return success();
}

LogicalResult Emitter::emitReducerFns(ReducerOp r) {
  auto t = ctype(r.getType(), r);
  if (failed(t))
    return failure();
  std::string q = kokkos()  ? "KOKKOS_INLINE_FUNCTION "
                  : rtc()   ? "__device__ static inline "
                  : cuda()  ? "__host__ __device__ static inline "
                            : "static inline ";
  std::string n = r.getSymName().str();
  SmallVector<std::string> ys;
  line(q + *t + " " + n + "_init(void) {");
  ++indent;
  if (failed(emitBlock(r.getInit().front(), &ys)))
    return failure();
  line("return " + ys[0] + ";");
  --indent;
  line("}");
  Block &j = r.getJoin().front();
  names[j.getArgument(0)] = "a";
  names[j.getArgument(1)] = "b";
  line(q + *t + " " + n + "_join(" + *t + " a, " + *t + " b) {");
  ++indent;
  ys.clear();
  if (failed(emitBlock(j, &ys)))
    return failure();
  line("return " + ys[0] + ";");
  --indent;
  line("}");
  if (kokkos()) {
    // A Kokkos reducer (init/join/reference) for parallel_reduce.
    line("struct " + n + "_reducer {");
    ++indent;
    line("using reducer = " + n + "_reducer;");
    line("using value_type = " + *t + ";");
    line("using result_view_type = Kokkos::View<value_type, Kokkos::HostSpace, Kokkos::MemoryUnmanaged>;");
    line("value_type &ref;");
    line("KOKKOS_INLINE_FUNCTION " + n + "_reducer(value_type &r) : ref(r) {}");
    line("KOKKOS_INLINE_FUNCTION void join(value_type &dst, const value_type &src) const { dst = " + n + "_join(dst, src); }");
    line("KOKKOS_INLINE_FUNCTION void init(value_type &v) const { v = " + n + "_init(); }");
    line("KOKKOS_INLINE_FUNCTION value_type &reference() const { return ref; }");
    line("result_view_type view() const { return result_view_type(&ref); }");
    line("KOKKOS_INLINE_FUNCTION bool references_scalar() const { return true; }");
    --indent;
    line("};");
  } else if (!cuda()) {
    line("#pragma omp declare reduction(" + n + " : " + *t + " : omp_out = " + n +
         "_join(omp_out, omp_in)) initializer(omp_priv = " + n + "_init())");
  }
  line("");
  return success();
}

LogicalResult Emitter::emitFunc(func::FuncOp f) {
  SmallVector<std::string> params;
  Block &entry = f.getBody().front();
  for (BlockArgument a : entry.getArguments()) {
    std::string base = "a" + std::to_string(a.getArgNumber());
    if (auto mt = dyn_cast<MemRefType>(a.getType())) {
      if (failed(ctype(mt.getElementType(), f)))
        return failure();
      if (kokkos()) {
        params.push_back("const " + viewType(mt) + " &" + base);
        names[a] = base;
      } else if (failed(declareView(a, mt, base, &params))) {
        return failure();
      }
      continue;
    }
    auto t = ctype(a.getType(), f);
    if (failed(t))
      return failure();
    params.push_back(*t + " " + base);
    names[a] = base;
  }
  for (auto [i, t] : llvm::enumerate(f.getResultTypes())) {
    auto ct = ctype(t, f);
    if (failed(ct))
      return failure();
    params.push_back(*ct + (kokkos() ? " &r" : " *r") + std::to_string(i));
  }
  if (rtc())
    params.insert(params.begin(), "const situ_kk_cuda_rt *rt");
  // C linkage: CUDA output is C++, and callers find the function by name.
  line((cuda() && !rtc() ? "extern \"C\" void " : "void ") + f.getSymName() + "(" +
       llvm::join(params, ", ") + ") {");
  ++indent;
  if (failed(emitBlock(entry, nullptr)))
    return failure();
  --indent;
  line("}");
  line("");
  if (rtc())
    emitPackedEntry(f, params);
  else if (cuda())
    emitXlaEntry(f);
  return success();
}

/// CUDA: `NAME_xla(stream, buffers)`, the shape XLA's FFI hands buffers in,
/// for functions whose arguments are all static views and that return nothing.
/// It orders the kernel after XLA's stream (the launches use the default
/// stream) and finishes before returning.
void Emitter::emitXlaEntry(func::FuncOp f) {
  if (f.getNumResults())
    return;
  SmallVector<std::string> args;
  for (BlockArgument a : f.getArguments()) {
    auto mt = dyn_cast<MemRefType>(a.getType());
    if (!mt || !mt.hasStaticShape() || !mt.getLayout().isIdentity())
      return;
    args.push_back("(" + *ctype(mt.getElementType(), f) + " *)bufs[" + std::to_string(a.getArgNumber()) + "]");
    for (int64_t d : mt.getShape())
      args.push_back(std::to_string(d));
  }
  line("extern \"C\" void " + f.getSymName().str() + "_xla(void *stream, void **bufs) {");
  line("  cudaStreamSynchronize((cudaStream_t)stream);");
  line("  " + f.getSymName().str() + "(" + llvm::join(args, ", ") + ");");
  line("  cudaDeviceSynchronize();");
  line("}");
  line("");
}

/// The type part of a C parameter declaration ("double *p3" -> "double *").
static std::string paramType(StringRef param) {
  return param.rtrim("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_").str();
}

/// CUDA for run-time compilation: `NAME_packed(rt, p)`, where p[i] points to
/// the i-th C parameter after `rt` (views: pointer, extents, strides), the
/// one calling convention the loader needs for every signature.
void Emitter::emitPackedEntry(func::FuncOp f, ArrayRef<std::string> params) {
  SmallVector<std::string> args{"rt"};
  for (auto [i, p] : llvm::enumerate(params.drop_front()))
    args.push_back("*(" + paramType(p) + "*)p[" + std::to_string(i) + "]");
  line("void " + f.getSymName().str() + "_packed(const situ_kk_cuda_rt *rt, void **p) {");
  line("  " + f.getSymName().str() + "(" + llvm::join(args, ", ") + ");");
  line("}");
  line("");
}

/// A kernel launch: `<<<grid, block>>>` for nvcc; for run-time compilation,
/// the arguments in typed temporaries and their addresses to rt->launch.
void Emitter::launch(const std::string &kernel, const std::string &grid, const std::string &block,
                     ArrayRef<std::string> params, ArrayRef<std::string> args) {
  if (!rtc()) {
    line(kernel + "<<<" + grid + ", " + block + ">>>(" + llvm::join(args, ", ") + ");");
    return;
  }
  std::string decls, ptrs;
  for (auto [i, a] : llvm::enumerate(args)) {
    std::string t = "k" + std::to_string(i) + "_";
    decls += paramType(params[i]) + t + " = " + a + "; ";
    ptrs += (i ? ", &" : "&") + t;
  }
  line("{ " + decls + "void *args_[] = {" + ptrs + "}; rt->launch(rt->self, \"" + kernel + "\", " +
       grid + ", " + block + ", args_); }");
}

/// CUDA: the expression for an atomic fetch-op on `ptr` (old value in the
/// element type). CUDA's 64-bit integer atomics take unsigned long long (add,
/// and/or: the bits are the same) or long long (min/max: a signed compare);
/// it has no 64-bit atomicSub and no floating-point min/max, so those are an
/// add of the negation and a compare-and-swap loop with minnum/maxnum
/// semantics, as the CPU lowering (a NaN value is ignored, a NaN in the view
/// replaced).
FailureOr<std::string> Emitter::cudaAtomic(AtomicKind kind, Type t, const std::string &ptr,
                                           const std::string &v, Operation *op) {
  bool i32 = t.isInteger(32), i64 = t.isInteger(64), f32 = t.isF32(), f64 = t.isF64();
  if (!(i32 || i64 || f32 || f64))
    return op->emitError("the CUDA emitter has atomics on i32, i64, f32 and f64 only, not ") << t;
  std::string fn = llvm::StringSwitch<std::string>(stringifyAtomicKind(kind))
                       .Case("add", "atomicAdd").Case("sub", "atomicSub").Case("min", "atomicMin")
                       .Case("max", "atomicMax").Case("band", "atomicAnd").Default("atomicOr");
  if (i32) // int32_t is int: CUDA's overloads match
    return fn + "(" + ptr + ", " + v + ")";
  if (i64) {
    const std::string ull = "(unsigned long long)";
    if (kind == AtomicKind::sub) // unsigned: negating INT64_MIN is defined
      return "(int64_t)atomicAdd((unsigned long long *)" + ptr + ", 0ULL - " + ull + v + ")";
    if (kind == AtomicKind::min || kind == AtomicKind::max)
      return "(int64_t)" + fn + "((long long *)" + ptr + ", (long long)" + v + ")";
    return "(int64_t)" + fn + "((unsigned long long *)" + ptr + ", " + ull + v + ")";
  }
  if (kind == AtomicKind::add)
    return "atomicAdd(" + ptr + ", " + v + ")";
  if (kind == AtomicKind::sub)
    return "atomicAdd(" + ptr + ", -" + v + ")";
  // min/max of floats: swap in v while it beats the current value.
  std::string ty = f32 ? "float" : "double", bits = f32 ? "unsigned int" : "unsigned long long";
  std::string toBits = f32 ? "__float_as_uint" : "(unsigned long long)__double_as_longlong";
  std::string fromBits = f32 ? "__uint_as_float(" : "__longlong_as_double((long long)";
  std::string close = ")";
  std::string h = std::string("situ_atomic_") + (kind == AtomicKind::min ? "min" : "max") + "_" +
                  (f32 ? "f32" : "f64");
  deviceHelpers[h] =
      "__device__ static inline " + ty + " " + h + "(" + ty + " *p, " + ty + " v) {\n"
      "  " + bits + " *q = (" + bits + " *)p, seen, old = *q;\n"
      "  do {\n"
      "    seen = old;\n"
      "    const " + ty + " cur = " + fromBits + "seen" + close + ";\n"
      "    if (!(v " + (kind == AtomicKind::min ? "<" : ">") + " cur || (cur != cur && v == v))) break;\n"
      "    old = atomicCAS(q, seen, " + toBits + "(v));\n"
      "  } while (old != seen);\n"
      "  return " + fromBits + "seen" + close + ";\n"
      "}\n";
  return h + "(" + ptr + ", " + v + ")";
}

/// A copy between host and device memory (`kind`: cudaMemcpyKind for nvcc;
/// the driver infers the direction from unified addresses).
std::string Emitter::hostCopy(const std::string &dst, const std::string &src, const std::string &bytes,
                              const char *kind) {
  if (rtc())
    return "rt->copy(rt->self, " + dst + ", " + src + ", " + bytes + ");";
  return "cudaMemcpy(" + dst + ", " + src + ", " + bytes + ", " + kind + ");";
}

std::string Emitter::scratch(const std::string &bytes) {
  return rtc() ? "rt->scratch(rt->self, " + bytes + ")" : "situ_scratch(" + bytes + ")";
}

LogicalResult Emitter::emitBlock(Block &b, SmallVectorImpl<std::string> *yields) {
  for (Operation &op : b) {
    if (op.hasTrait<OpTrait::IsTerminator>()) {
      if (isa<func::ReturnOp>(op)) {
        for (auto [i, v] : llvm::enumerate(op.getOperands()))
          line((kokkos() ? "r" : "*r") + Twine(i) + " = " + name(v) + ";");
        continue;
      }
      if (yields)
        for (Value v : op.getOperands())
          yields->push_back(name(v));
      continue;
    }
    if (failed(emitOp(&op)))
      return failure();
  }
  return success();
}

/// The view of a statically shaped, row-major buffer at `ptr`.
void Emitter::staticView(Value v, MemRefType t, const std::string &ptr) {
  ViewInfo vi{ptr, {}, {}};
  for (int64_t d = 0; d < t.getRank(); ++d) {
    vi.ext.push_back(std::to_string(t.getDimSize(d)));
    int64_t s = 1;
    for (int64_t e = d + 1; e < t.getRank(); ++e)
      s *= t.getDimSize(e);
    vi.str.push_back(std::to_string(s));
  }
  views[v] = vi;
  names[v] = ptr;
}

/// A constant array (memref.global): `static T name[N] = {...}` in C,
/// `__device__ T name[N]` in CUDA, `static const T name[N]` in Kokkos C++
/// (host data; memref.get_global copies it into a View of the global's space).
LogicalResult Emitter::emitGlobal(memref::GlobalOp g) {
  if (kokkos() && !g.getType().getLayout().isIdentity())
    return g.emitError("the Kokkos C++ emitter takes row-major (LayoutRight) memref.global only");
  auto init = dyn_cast_or_null<DenseElementsAttr>(g.getInitialValueAttr());
  MemRefType t = g.getType();
  auto ct = ctype(t.getElementType(), g);
  if (failed(ct))
    return failure();
  if (!init || !t.hasStaticShape())
    return g.emitError("the source emitter needs a statically shaped, initialised memref.global");
  SmallVector<std::string> vals;
  Type et = t.getElementType();
  if (isa<FloatType>(et)) {
    for (APFloat v : init.getValues<APFloat>()) {
      double d = v.convertToDouble();
      if (std::isinf(d)) vals.push_back(d > 0 ? "INFINITY" : "-INFINITY");
      else if (std::isnan(d)) vals.push_back("NAN");
      else {
        char buf[64];
        snprintf(buf, sizeof buf, "%.17g", d);
        vals.push_back(buf);
      }
    }
  } else {
    bool b = et.isInteger(1);
    for (APInt v : init.getValues<APInt>())
      vals.push_back(b ? (v.isZero() ? "false" : "true") : std::to_string(v.getSExtValue()) + "LL");
  }
  line(std::string(cuda() ? "__device__ " : kokkos() ? "static const " : "static ") + *ct + " " + g.getSymName().str() + "[" +
       std::to_string(std::max<int64_t>(1, t.getNumElements())) + "] = {" + llvm::join(vals, ", ") + "};");
  return success();
}

/// Temporaries (memref.alloc/dealloc: malloc or cudaMalloc in the host
/// function), constant arrays (memref.get_global), and, in CUDA host code,
/// scalar loads and stores of device views (one cudaMemcpy each).
LogicalResult Emitter::emitMemory(Operation *op, bool &handled) {
  handled = true;
  if (auto a = dyn_cast<memref::AllocOp>(op); a && kokkos()) {
    // A temporary View in the alloc's memory space; uninitialised, as memref.alloc.
    MemRefType t = a.getType();
    if (!t.getLayout().isIdentity())
      return op->emitError("the Kokkos C++ emitter allocates row-major (LayoutRight) views only");
    if (op->getParentOfType<ParallelForOp>() || op->getParentOfType<ParallelReduceOp>() ||
        op->getParentOfType<ParallelScanOp>() || op->getParentOfType<TeamParallelOp>())
      return op->emitError("the source emitter allocates in host code only");
    if (failed(ctype(t.getElementType(), op)))
      return failure();
    std::string ext;
    unsigned dyn = 0;
    for (int64_t d : t.getShape())
      ext += ", " + (ShapedType::isDynamic(d) ? name(a.getDynamicSizes()[dyn++]) : std::to_string(d));
    line(viewType(t) + " " + name(a) + "(Kokkos::view_alloc(\"" + name(a) + "\", Kokkos::WithoutInitializing)" +
         ext + ");");
    return success();
  }
  if (auto d = dyn_cast<memref::DeallocOp>(op); d && kokkos()) {
    // Views are reference-counted: dropping this handle frees the memory here.
    std::string n = name(d.getMemref());
    line(n + " = decltype(" + n + ")();");
    return success();
  }
  if (auto a = dyn_cast<memref::AllocOp>(op)) {
    MemRefType t = a.getType();
    if (!t.getLayout().isIdentity())
      return op->emitError("the source emitter allocates row-major buffers only");
    if (out != hostOut)
      return op->emitError("the source emitter allocates in host code only");
    auto ct = ctype(t.getElementType(), op);
    if (failed(ct))
      return failure();
    std::string n = fresh("tmp");
    // Extents: constants or the alloc's dynamic sizes; at least one element.
    SmallVector<std::string> ext;
    unsigned dyn = 0;
    for (int64_t d : t.getShape())
      ext.push_back(ShapedType::isDynamic(d) ? name(a.getDynamicSizes()[dyn++]) : std::to_string(d));
    std::string count = t.hasStaticShape() ? std::to_string(std::max<int64_t>(1, t.getNumElements()))
                                           : "(" + llvm::join(ext, " * ") + " > 0 ? " + llvm::join(ext, " * ") + " : 1)";
    std::string bytes = count + " * sizeof(" + *ct + ")";
    if (rtc()) {
      line(*ct + " *" + n + " = (" + *ct + " *)rt->alloc(rt->self, " + bytes + ");");
    } else if (cuda()) { // stream-ordered: from the pool, not a device-wide cudaMalloc per call
      line(*ct + " *" + n + " = 0;");
      line("cudaMallocAsync((void **)&" + n + ", " + bytes + ", 0);");
    } else {
      line(*ct + " *" + n + " = (" + *ct + " *)malloc(" + bytes + ");");
    }
    if (t.hasStaticShape()) {
      staticView(a, t, n);
      return success();
    }
    ViewInfo vi{n, ext, {}}; // row-major strides from the extents
    for (int64_t d = 0; d < t.getRank(); ++d) {
      std::string st = "1";
      for (int64_t e = d + 1; e < t.getRank(); ++e)
        st += "*" + ext[e];
      vi.str.push_back("(" + st + ")");
    }
    views[a] = vi;
    names[a] = n;
    return success();
  }
  if (auto d = dyn_cast<memref::DeallocOp>(op)) {
    line(rtc()    ? "rt->release(rt->self, " + name(d.getMemref()) + ");"
         : cuda() ? "cudaFreeAsync(" + name(d.getMemref()) + ", 0);"
                  : "free(" + name(d.getMemref()) + ");");
    return success();
  }
  if (auto g = dyn_cast<memref::GetGlobalOp>(op); g && kokkos()) {
    // A View of the global's space and shape, filled from the host array (a deep_copy
    // per call: these are small tables).
    MemRefType t = g.getType();
    if (op->getParentOfType<ParallelForOp>() || op->getParentOfType<ParallelReduceOp>() ||
        op->getParentOfType<ParallelScanOp>() || op->getParentOfType<TeamParallelOp>())
      return op->emitError("the Kokkos C++ emitter takes memref.get_global in host code only");
    if (!t.getLayout().isIdentity() || !t.hasStaticShape())
      return op->emitError("the Kokkos C++ emitter takes row-major, statically shaped memref.get_global only");
    auto ct = ctype(t.getElementType(), op);
    if (failed(ct))
      return failure();
    std::string ext;
    for (int64_t d : t.getShape())
      ext += ", " + std::to_string(d);
    std::string v = name(g), host = "const " + *ct + std::string(t.getRank(), '*');
    line(viewType(t) + " " + v + "(Kokkos::view_alloc(\"" + g.getName().str() + "\", Kokkos::WithoutInitializing)" +
         ext + ");");
    line("Kokkos::deep_copy(" + v + ", Kokkos::View<" + host +
         ", Kokkos::LayoutRight, Kokkos::HostSpace, Kokkos::MemoryTraits<Kokkos::Unmanaged>>(" +
         g.getName().str() + ext + "));");
    return success();
  }
  if (auto g = dyn_cast<memref::GetGlobalOp>(op)) {
    MemRefType t = g.getType();
    auto ct = ctype(t.getElementType(), op);
    if (failed(ct))
      return failure();
    std::string n = fresh("glob");
    if (rtc() && out == hostOut) {
      line(*ct + " *" + n + " = (" + *ct + " *)rt->symbol(rt->self, \"" + g.getName().str() + "\");");
    } else if (cuda() && out == hostOut) {
      line(*ct + " *" + n + " = 0;");
      line("cudaGetSymbolAddress((void **)&" + n + ", " + g.getName().str() + ");");
    } else {
      line(*ct + " *" + n + " = " + g.getName().str() + ";");
    }
    staticView(g, t, n);
    return success();
  }
  if (cuda() && out == hostOut) {
    if (auto load = dyn_cast<memref::LoadOp>(op)) {
      auto ct = ctype(load.getType(), op);
      line(*ct + " " + name(load) + ";");
      line(hostCopy("&" + name(load), "&" + index(load.getMemRef(), load.getIndices()),
                    "sizeof(" + *ct + ")", "cudaMemcpyDeviceToHost"));
      return success();
    }
    if (auto store = dyn_cast<memref::StoreOp>(op)) {
      auto ct = ctype(store.getValue().getType(), op);
      line("{ const " + *ct + " v_ = " + name(store.getValue()) + "; " +
           hostCopy("&" + index(store.getMemRef(), store.getIndices()), "&v_", "sizeof v_",
                    "cudaMemcpyHostToDevice") + " }");
      return success();
    }
  }
  handled = false;
  return success();
}

LogicalResult Emitter::emitOp(Operation *op) {
  if (isa<KokkosDialect>(op->getDialect()))
    return emitKokkosOp(op);
  if (isa<scf::SCFDialect>(op->getDialect()))
    return emitScf(op);
  bool handled = false;
  if (failed(emitMemory(op, handled)))
    return failure();
  if (handled)
    return success();
  if (auto load = dyn_cast<memref::LoadOp>(op)) {
    assign(load, index(load.getMemRef(), load.getIndices()));
    return success();
  }
  if (auto store = dyn_cast<memref::StoreOp>(op)) {
    line(index(store.getMemRef(), store.getIndices()) + " = " + name(store.getValue()) + ";");
    return success();
  }
  if (auto dim = dyn_cast<memref::DimOp>(op)) {
    auto c = dim.getConstantIndex();
    if (!c)
      return op->emitError("the source emitter needs memref.dim with a constant index");
    auto mt = cast<MemRefType>(dim.getSource().getType());
    if (!mt.isDynamicDim(*c))
      assign(dim, Twine(mt.getDimSize(*c)));
    else if (kokkos())
      assign(dim, name(dim.getSource()) + ".extent(" + Twine(*c) + ")");
    else
      assign(dim, views[dim.getSource()].ext[*c]);
    return success();
  }
  if (auto a = dyn_cast<memref::AllocaOp>(op)) {
    MemRefType t = a.getType();
    if (!t.hasStaticShape() || !t.getLayout().isIdentity())
      return op->emitError("the source emitter handles statically shaped allocas only");
    std::string n = fresh("buf");
    if (kokkos()) {
      line(*ctype(t.getElementType(), op) + " " + n + "_data[" + Twine(t.getNumElements()) + "];");
      std::string ty = viewType(t);
      ty.replace(ty.rfind(", "), std::string::npos, ", Kokkos::AnonymousSpace, Kokkos::MemoryUnmanaged>");
      line(ty + " " + name(a) + "(" + n + "_data" + [&] {
             std::string e;
             for (int64_t d : t.getShape()) e += ", " + std::to_string(d);
             return e; }() + ");");
      return success();
    }
    line(*ctype(t.getElementType(), op) + " " + n + "[" + Twine(t.getNumElements()) + "];");
    staticView(a, t, n);
    return success();
  }
  return emitArith(op);
}

LogicalResult Emitter::emitArith(Operation *op) {
  if (auto c = dyn_cast<arith::ConstantOp>(op)) {
    Attribute v = c.getValue();
    if (auto f = dyn_cast<FloatAttr>(v)) {
      double d = f.getValueAsDouble();
      std::string s;
      if (std::isinf(d)) s = d > 0 ? "INFINITY" : "-INFINITY";
      else if (std::isnan(d)) s = "NAN";
      else {
        char buf[64];
        snprintf(buf, sizeof buf, "%.17g", d);
        s = buf;
        if (s.find_first_of(".e") == std::string::npos) s += ".0";
        if (f.getType().isF32()) s += "f";
      }
      assign(c, s);
      return success();
    }
    if (auto i = dyn_cast<IntegerAttr>(v)) {
      if (i.getType().isInteger(1))
        assign(c, i.getValue().isZero() ? "false" : "true");
      else
        assign(c, std::to_string(i.getValue().getSExtValue()) +
                      (i.getType().isIndex() || i.getType().getIntOrFloatBitWidth() > 32 ? "LL" : ""));
      return success();
    }
    return op->emitError("the source emitter cannot print this constant");
  }
  auto bin = [&](StringRef o) {
    assign(op->getResult(0), name(op->getOperand(0)) + " " + o + " " + name(op->getOperand(1)));
    return success();
  };
  auto call = [&](StringRef fn) {
    bool f32 = op->getResult(0).getType().isF32();
    std::string args;
    for (auto [i, v] : llvm::enumerate(op->getOperands()))
      args += (i ? ", " : "") + name(v);
    assign(op->getResult(0), fn + Twine(f32 ? "f(" : "(") + args + ")");
    return success();
  };
  auto cast_ = [&]() {
    assign(op->getResult(0), "(" + *ctype(op->getResult(0).getType(), op) + ")" + name(op->getOperand(0)));
    return success();
  };
  // Operands are reinterpreted as unsigned (of the operand type: comparisons
  // give bool); the result is cast back to the result type.
  auto unsignedBin = [&](StringRef o) {
    std::string r = *ctype(op->getResult(0).getType(), op);
    std::string t = *ctype(op->getOperand(0).getType(), op);
    assign(op->getResult(0), "(" + r + ")((u" + t + ")" + name(op->getOperand(0)) + " " + o +
                                 " (u" + t + ")" + name(op->getOperand(1)) + ")");
    return success();
  };
  return TypeSwitch<Operation *, LogicalResult>(op)
      .Case<arith::AddFOp, arith::AddIOp>([&](auto) { return bin("+"); })
      .Case<arith::SubFOp, arith::SubIOp>([&](auto) { return bin("-"); })
      .Case<arith::MulFOp, arith::MulIOp>([&](auto) { return bin("*"); })
      .Case<arith::DivFOp, arith::DivSIOp>([&](auto) { return bin("/"); })
      .Case<arith::RemSIOp>([&](auto) { return bin("%"); })
      .Case<arith::DivUIOp>([&](auto) { return unsignedBin("/"); })
      .Case<arith::RemUIOp>([&](auto) { return unsignedBin("%"); })
      .Case<arith::AndIOp>([&](auto) { return bin("&"); })
      .Case<arith::OrIOp>([&](auto) { return bin("|"); })
      .Case<arith::XOrIOp>([&](auto) { return bin("^"); })
      .Case<arith::ShLIOp>([&](auto) { return bin("<<"); })
      .Case<arith::ShRSIOp>([&](auto) { return bin(">>"); })
      .Case<arith::MaxNumFOp>([&](auto) { return call("fmax"); })
      .Case<arith::MinNumFOp>([&](auto) { return call("fmin"); })
      .Case<arith::MaximumFOp, arith::MinimumFOp>([&](auto o) {
        // maximumf/minimumf propagate a NaN operand; fmax/fmin would drop it.
        std::string a = name(o.getLhs()), b = name(o.getRhs());
        bool f32 = o.getType().isF32();
        std::string fn = std::string(isa<arith::MaximumFOp>(o.getOperation()) ? "fmax" : "fmin") + (f32 ? "f" : "");
        assign(o, a + " != " + a + " ? " + a + " : " + b + " != " + b + " ? " + b + " : " + fn + "(" + a + ", " + b + ")");
        return success(); })
      .Case<arith::MaxSIOp>([&](auto o) {
        assign(o, name(o.getLhs()) + " > " + name(o.getRhs()) + " ? " + name(o.getLhs()) + " : " + name(o.getRhs()));
        return success(); })
      .Case<arith::MinSIOp>([&](auto o) {
        assign(o, name(o.getLhs()) + " < " + name(o.getRhs()) + " ? " + name(o.getLhs()) + " : " + name(o.getRhs()));
        return success(); })
      .Case<arith::NegFOp>([&](auto o) { assign(o, "-" + name(o.getOperand())); return success(); })
      .Case<arith::SelectOp>([&](auto o) {
        assign(o, name(o.getCondition()) + " ? " + name(o.getTrueValue()) + " : " + name(o.getFalseValue()));
        return success(); })
      .Case<arith::CmpFOp>([&](arith::CmpFOp o) {
        using P = arith::CmpFPredicate;
        std::string a = name(o.getLhs()), b = name(o.getRhs());
        StringRef s;
        switch (o.getPredicate()) {
        case P::UNO: assign(o, "(" + a + " != " + a + " || " + b + " != " + b + ")"); return success();
        case P::ORD: assign(o, "(" + a + " == " + a + " && " + b + " == " + b + ")"); return success();
        case P::ONE:
          assign(o, "(" + a + " == " + a + " && " + b + " == " + b + " && " + a + " != " + b + ")");
          return success();
        case P::OEQ: case P::UEQ: s = "=="; break;
        case P::UNE: s = "!="; break;
        case P::OLT: case P::ULT: s = "<"; break;
        case P::OLE: case P::ULE: s = "<="; break;
        case P::OGT: case P::UGT: s = ">"; break;
        case P::OGE: case P::UGE: s = ">="; break;
        default: return LogicalResult(o.emitError("unsupported cmpf predicate"));
        }
        return bin(s); })
      .Case<arith::CmpIOp>([&](arith::CmpIOp o) {
        using P = arith::CmpIPredicate;
        switch (o.getPredicate()) {
        case P::eq: return bin("==");
        case P::ne: return bin("!=");
        case P::slt: return bin("<");
        case P::sle: return bin("<=");
        case P::sgt: return bin(">");
        case P::sge: return bin(">=");
        case P::ult: return unsignedBin("<");
        case P::ule: return unsignedBin("<=");
        case P::ugt: return unsignedBin(">");
        case P::uge: return unsignedBin(">=");
        }
        return failure(); })
      .Case<arith::IndexCastOp, arith::SIToFPOp, arith::FPToSIOp, arith::ExtFOp,
            arith::TruncFOp, arith::ExtSIOp, arith::TruncIOp, arith::UIToFPOp>(
          [&](auto) { return cast_(); })
      .Case<arith::ExtUIOp>([&](auto o) {
        std::string t = *ctype(o.getIn().getType(), op);
        assign(o, "(" + *ctype(o.getType(), op) + ")(u" + (t == "bool" ? std::string("int8_t") : t) + ")" + name(o.getIn()));
        return success(); })
      .Case<math::ExpOp>([&](auto) { return call("exp"); })
      .Case<math::LogOp>([&](auto) { return call("log"); })
      .Case<math::SqrtOp>([&](auto) { return call("sqrt"); })
      .Case<math::AbsFOp>([&](auto) { return call("fabs"); })
      .Case<math::TanhOp>([&](auto) { return call("tanh"); })
      .Case<math::SinOp>([&](auto) { return call("sin"); })
      .Case<math::CosOp>([&](auto) { return call("cos"); })
      .Case<math::PowFOp>([&](auto) { return call("pow"); })
      .Case<math::FmaOp>([&](auto) { return call("fma"); })
      .Case<math::ErfOp>([&](auto) { return call("erf"); })
      .Case<math::ErfcOp>([&](auto) { return call("erfc"); })
      .Case<math::Exp2Op>([&](auto) { return call("exp2"); })
      .Case<math::ExpM1Op>([&](auto) { return call("expm1"); })
      .Case<math::Log1pOp>([&](auto) { return call("log1p"); })
      .Case<math::FloorOp>([&](auto) { return call("floor"); })
      .Case<math::CeilOp>([&](auto) { return call("ceil"); })
      .Case<math::RoundOp>([&](auto) { return call("round"); })
      .Case<math::RoundEvenOp>([&](auto) { return call("rint"); })
      .Case<math::TanOp>([&](auto) { return call("tan"); })
      .Case<math::AtanOp>([&](auto) { return call("atan"); })
      .Case<math::Atan2Op>([&](auto) { return call("atan2"); })
      .Case<math::CopySignOp>([&](auto) { return call("copysign"); })
      .Case<math::RsqrtOp>([&](auto o) {
        assign(o, "1 / sqrt(" + name(o.getOperand()) + ")");
        return success(); })
      .Case<arith::BitcastOp>([&](auto o) -> LogicalResult {
        Type from = o.getIn().getType(), to = o.getType();
        if (from.isInteger(32) && to.isF32())
          assign(o, "situ_bits_to_f32(" + name(o.getIn()) + ")");
        else if (from.isF32() && to.isInteger(32))
          assign(o, "situ_f32_to_bits(" + name(o.getIn()) + ")");
        else
          return o->emitError("the source emitter bit-casts between i32 and f32 only");
        return success(); })
      .Default([&](Operation *o) {
        return o->emitError("the source emitter does not handle this op");
      });
}

LogicalResult Emitter::emitScf(Operation *op) {
  if (auto f = dyn_cast<scf::ForOp>(op)) {
    for (auto [r, init] : llvm::zip(f.getResults(), f.getInitArgs()))
      line(*ctype(r.getType(), op) + " " + name(r) + " = " + name(init) + ";");
    std::string iv = name(f.getInductionVar());
    line("for (int64_t " + iv + " = " + name(f.getLowerBound()) + "; " + iv + " < " +
         name(f.getUpperBound()) + "; " + iv + " += " + name(f.getStep()) + ") {");
    ++indent;
    for (auto [arg, r] : llvm::zip(f.getRegionIterArgs(), f.getResults()))
      line("const " + *ctype(arg.getType(), op) + " " + name(arg) + " = " + name(r) + ";");
    SmallVector<std::string> ys;
    if (failed(emitBlock(*f.getBody(), &ys)))
      return failure();
    for (auto [r, y] : llvm::zip(f.getResults(), ys))
      line(name(r) + " = " + y + ";");
    --indent;
    line("}");
    return success();
  }
  if (auto i = dyn_cast<scf::IfOp>(op)) {
    for (Value r : i.getResults())
      line(*ctype(r.getType(), op) + " " + name(r) + ";");
    auto branch = [&](Region &reg) -> LogicalResult {
      ++indent;
      SmallVector<std::string> ys;
      if (failed(emitBlock(reg.front(), &ys)))
        return failure();
      for (auto [r, y] : llvm::zip(i.getResults(), ys))
        line(name(r) + " = " + y + ";");
      --indent;
      return success();
    };
    line("if (" + name(i.getCondition()) + ") {");
    if (failed(branch(i.getThenRegion())))
      return failure();
    if (!i.getElseRegion().empty()) {
      line("} else {");
      if (failed(branch(i.getElseRegion())))
        return failure();
    }
    line("}");
    return success();
  }
  return op->emitError("the source emitter handles scf.for and scf.if only");
}

/// Loop headers of a policy in C: one `for` per dimension.
static std::string forHeader(StringRef iv, StringRef lo, StringRef hi) {
  return ("for (int64_t " + iv + " = " + lo + "; " + iv + " < " + hi + "; ++" + iv + ") {").str();
}

LogicalResult Emitter::emitParallel(Operation *op) {
  if (cuda())
    return emitCudaParallel(op);
  Region &body = op->getRegion(0);
  Block &b = body.front();
  ExecSpace exec = op->getAttrOfType<ExecSpaceAttr>("exec").getValue();
  auto reduce = dyn_cast<ParallelReduceOp>(op);
  auto scan = dyn_cast<ParallelScanOp>(op);
  auto forOp = dyn_cast<ParallelForOp>(op);
  SmallVector<Value> lower, upper;
  if (scan) {
    lower = {scan.getLower()};
    upper = {scan.getUpper()};
  } else {
    lower.assign(op->getOperands().begin(), op->getOperands().begin() + op->getNumOperands() / 2);
    upper.assign(op->getOperands().begin() + op->getNumOperands() / 2, op->getOperands().end());
  }
  unsigned rank = lower.size();
  SmallVector<std::string> acc;
  for (Value r : op->getResults()) {
    acc.push_back(name(r));
  }
  if (kokkos()) {
    std::string policy;
    std::string es = execSpace(exec);
    if (rank == 1) {
      policy = "Kokkos::RangePolicy<" + es + ">(" + name(lower[0]) + ", " + name(upper[0]) + ")";
    } else {
      auto list = [&](ArrayRef<Value> vs) {
        std::string s = "{";
        for (auto [i, v] : llvm::enumerate(vs)) s += (i ? ", " : "") + name(v);
        return s + "}";
      };
      policy = "Kokkos::MDRangePolicy<" + es + ", Kokkos::Rank<" + std::to_string(rank) + ">>(" +
               list(lower) + ", " + list(upper);
      std::optional<ArrayRef<int64_t>> tile;
      if (forOp) tile = forOp.getTile();
      if (reduce) tile = reduce.getTile();
      if (tile) {
        policy += ", {";
        for (auto [i, t] : llvm::enumerate(*tile)) policy += (i ? ", " : "") + std::to_string(t);
        policy += "}";
      }
      policy += ")";
    }
    std::string params;
    for (unsigned d = 0; d < rank; ++d)
      params += (d ? ", " : "") + ("const int64_t " + name(b.getArgument(d)));
    SmallVector<std::string> target(acc);
    for (auto [i, r] : llvm::enumerate(op->getResults())) {
      if (reduce && intAccumulator(reduce.getReducers()[i], r.getType()))
        target[i] = acc[i] + "_acc";
      line((reduce ? accType(reduce.getReducers()[i], r.getType()) : *ctype(r.getType(), op)) + " " +
           target[i] + ";");
    }
    std::string pattern = reduce ? "parallel_reduce" : scan ? "parallel_scan" : "parallel_for";
    SmallVector<std::string> upd;
    if (reduce)
      for (auto [i, r] : llvm::enumerate(op->getResults())) {
        params += ", " + accType(reduce.getReducers()[i], r.getType()) + " &" + acc[i] + "_upd";
        upd.push_back(acc[i] + "_upd");
      }
    if (scan) {
      names[b.getArgument(1)] = "partial";
      names[b.getArgument(2)] = "final";
      params += ", " + *ctype(scan.getType(), op) + " &partial, const bool final";
    }
    line("Kokkos::" + pattern + "(\"" + pattern + "\", " + policy + ", KOKKOS_LAMBDA(" + params + ") {");
    ++indent;
    SmallVector<std::string> ys;
    if (failed(emitBlock(b, &ys)))
      return failure();
    if (reduce)
      for (auto [i, r] : llvm::enumerate(op->getResults()))
        line(upd[i] + " = " + join(reduce.getReducers()[i], r.getType(), upd[i], ys[i]) + ";");
    if (scan)
      line("partial += " + ys[0] + ";");
    --indent;
    std::string tail = "}";
    if (reduce)
      for (auto [i, r] : llvm::enumerate(op->getResults()))
        tail += ", " + kokkosReducer(reduce.getReducers()[i], r.getType(), target[i]);
    if (scan)
      tail += ", " + acc[0];
    line(tail + ");");
    for (auto [i, r] : llvm::enumerate(op->getResults()))
      if (target[i] != acc[i])
        line("const bool " + acc[i] + " = " + target[i] + " != 0;");
    return success();
  }
  // C/OpenMP.
  bool parallel = exec != ExecSpace::serial;
  for (auto [i, r] : llvm::enumerate(op->getResults()))
    line(*ctype(r.getType(), op) + " " + acc[i] + " = " +
         (reduce ? identity(reduce.getReducers()[i], r.getType())
                 : "(" + *ctype(r.getType(), op) + ")0") + ";");
  if (scan) {
    // Sequential scan: every index runs once, with final set.
    line("{");
    ++indent;
    std::string iv = name(b.getArgument(0));
    line(forHeader(iv, name(lower[0]), name(upper[0])));
    ++indent;
    line("const " + *ctype(scan.getType(), op) + " " + name(b.getArgument(1)) + " = " + acc[0] + ";");
    line("const bool " + name(b.getArgument(2)) + " = true;");
    SmallVector<std::string> ys;
    if (failed(emitBlock(b, &ys)))
      return failure();
    line(acc[0] + " += " + ys[0] + ";");
    --indent;
    line("}");
    --indent;
    line("}");
    return success();
  }
  if (parallel) {
    std::string pragma = "#pragma omp parallel for";
    if (rank > 1)
      pragma += " collapse(" + std::to_string(rank) + ")";
    if (reduce)
      for (auto [i, r] : llvm::enumerate(op->getResults()))
        pragma += " reduction(" + ompReduction(reduce.getReducers()[i]) + ":" + acc[i] + ")";
    line(pragma);
  }
  for (unsigned d = 0; d < rank; ++d) {
    line(forHeader(name(b.getArgument(d)), name(lower[d]), name(upper[d])));
    ++indent;
  }
  SmallVector<std::string> ys;
  if (failed(emitBlock(b, &ys)))
    return failure();
  if (reduce)
    for (auto [i, r] : llvm::enumerate(op->getResults()))
      line(acc[i] + " = " + join(reduce.getReducers()[i], r.getType(), acc[i], ys[i]) + ";");
  for (unsigned d = 0; d < rank; ++d) {
    --indent;
    line("}");
  }
  return success();
}

/// CUDA: a __global__ kernel per pattern over the flattened iteration space
/// (grid-stride loop, innermost dimension fastest for coalescing); reductions
/// reduce per block in shared memory, then one thread joins block partials.
LogicalResult Emitter::emitCudaParallel(Operation *op) {
  if (auto scan = dyn_cast<ParallelScanOp>(op))
    return emitCudaScan(scan);
  auto reduce = dyn_cast<ParallelReduceOp>(op);
  Region &body = op->getRegion(0);
  Block &b = body.front();
  unsigned rank = op->getNumOperands() / 2;
  ValueRange lower = op->getOperands().take_front(rank);
  ValueRange upper = op->getOperands().drop_front(rank);
  std::string kname = "situ_k" + std::to_string(counter++);
  SmallVector<std::string> params, args;
  KernelText kt(*this);
  if (failed(captureForKernel(op, params, args)))
    return failure();
  SmallVector<Value> priv = reduce ? SmallVector<Value>() : privatisable(op);
  for (unsigned d = 0; d < rank; ++d) {
    params.push_back("int64_t lo" + std::to_string(d));
    params.push_back("int64_t n" + std::to_string(d));
    args.push_back(hostName(lower[d]));
    std::string hu = hostName(upper[d]);
    args.push_back("(" + hu + " - " + args[args.size() - 1] + ")");
  }
  if (reduce)
    for (auto [i, r] : llvm::enumerate(op->getResults())) {
      params.push_back(*ctype(r.getType(), op) + " *part" + std::to_string(i));
    }

  kt.enter();
  line(kernelDecl() + kname + "(" + llvm::join(params, ", ") + ") {");
  ++indent;
  std::string total = "n0";
  for (unsigned d = 1; d < rank; ++d)
    total += " * n" + std::to_string(d);
  line("const int64_t total = " + total + ";");
  // Atomic-add targets small enough for shared memory: the block accumulates
  // in a private copy, then adds it to the view once (a histogram's atomics
  // then contend within a block instead of across the GPU).
  SmallVector<std::string> privGlobal, privShared;
  for (Value v : priv) {
    auto mt = cast<MemRefType>(v.getType());
    std::string sh = "sh_" + views[v].ptr, n = std::to_string(mt.getNumElements());
    line("__shared__ " + *ctype(mt.getElementType(), op) + " " + sh + "[" + n + "];");
    line("for (int64_t s = threadIdx.x; s < " + n + "; s += blockDim.x) " + sh + "[s] = 0;");
    privGlobal.push_back(views[v].ptr);
    privShared.push_back(sh);
    views[v].ptr = sh;
  }
  if (!priv.empty())
    line("__syncthreads();");
  SmallVector<std::string> acc;
  if (reduce)
    for (auto [i, r] : llvm::enumerate(op->getResults())) {
      acc.push_back("acc" + std::to_string(i));
      line(*ctype(r.getType(), op) + " " + acc[i] + " = " + identity(reduce.getReducers()[i], r.getType()) + ";");
    }
  line("for (int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; t < total; "
       "t += (int64_t)gridDim.x * blockDim.x) {");
  ++indent;
  line("int64_t rest = t;");
  for (int d = rank - 1; d >= 0; --d) {
    std::string iv = name(b.getArgument(d));
    if (d > 0) {
      line("const int64_t " + iv + " = lo" + std::to_string(d) + " + rest % n" + std::to_string(d) + ";");
      line("rest /= n" + std::to_string(d) + ";");
    } else {
      line("const int64_t " + iv + " = lo0 + rest;");
    }
  }
  SmallVector<std::string> ys;
  if (failed(emitBlock(b, &ys)))
    return failure();
  if (reduce)
    for (auto [i, r] : llvm::enumerate(op->getResults()))
      line(acc[i] + " = " + join(reduce.getReducers()[i], r.getType(), acc[i], ys[i]) + ";");
  --indent;
  line("}");
  if (!priv.empty())
    line("__syncthreads();");
  for (auto [v, global, shared] : llvm::zip(priv, privGlobal, privShared)) {
    auto mt = cast<MemRefType>(v.getType());
    bool wide = mt.getElementType().isInteger(64);
    line("for (int64_t s = threadIdx.x; s < " + std::to_string(mt.getNumElements()) + "; s += blockDim.x)");
    line("  if (" + shared + "[s] != 0) atomicAdd(" + (wide ? "(unsigned long long *)&" : "&") + global +
         "[s], " + (wide ? "(unsigned long long)" : "") + shared + "[s]);");
  }
  if (reduce) {
    for (auto [i, r] : llvm::enumerate(op->getResults()))
      blockReduce(reduce.getReducers()[i], r.getType(), acc[i], op);
    line("if (threadIdx.x == 0) {");
    for (unsigned i = 0; i < op->getNumResults(); ++i)
      line("  part" + std::to_string(i) + "[blockIdx.x] = " + acc[i] + ";");
    line("}");
  }
  --indent;
  line("}");
  if (reduce) {
    // One block of 1024 threads joins the (at most 1024) block partials.
    SmallVector<std::string> fp;
    for (auto [i, r] : llvm::enumerate(op->getResults()))
      fp.push_back(*ctype(r.getType(), op) + " *part" + std::to_string(i));
    line(kernelDecl() + kname + "_final(int nblocks, " + llvm::join(fp, ", ") + ") {");
    ++indent;
    for (auto [i, r] : llvm::enumerate(op->getResults())) {
      std::string p = "part" + std::to_string(i), a = "a" + std::to_string(i);
      line(*ctype(r.getType(), op) + " " + a + " = (int)threadIdx.x < nblocks ? " + p +
           "[threadIdx.x] : " + identity(reduce.getReducers()[i], r.getType()) + ";");
      blockReduce(reduce.getReducers()[i], r.getType(), a, op);
      line("if (threadIdx.x == 0) " + p + "[0] = " + a + ";");
    }
    --indent;
    line("}");
  }
  line("");
  kt.leave();

  // Host side: launch.
  std::string htotal;
  for (unsigned d = 0; d < rank; ++d)
    htotal += (d ? " * " : "") + args[args.size() - 2 * rank + 2 * d + 1];
  if (reduce) // results are host scalars
    for (Value r : op->getResults())
      line(*ctype(r.getType(), op) + " " + name(r) + ";");
  line("{");
  ++indent;
  line("const int64_t total = " + htotal + ";");
  line("int blocks = (int)((total + 255) / 256);");
  // Enough blocks to fill a GPU; fewer for reductions, whose block partials
  // are joined by one thread.
  // Fewer blocks where each one ends with a join (reduction partials,
  // private atomic targets).
  const char *maxBlocks = reduce || !priv.empty() ? "1024" : "65536";
  line(std::string("if (blocks > ") + maxBlocks + ") blocks = " + maxBlocks + ";");
  line("if (blocks < 1) blocks = 1;");
  if (reduce) {
    size_t off = 0;
    line("char *scratch = (char *)" + scratch("4096 * 8 * " + std::to_string(op->getNumResults())) + ";");
    for (auto [i, r] : llvm::enumerate(op->getResults())) {
      std::string t = *ctype(r.getType(), op);
      line(t + " *part" + std::to_string(i) + " = (" + t + " *)(scratch + " + std::to_string(off) + ");");
      args.push_back("part" + std::to_string(i));
      off += 4096 * 8;
    }
  }
  launch(kname, "blocks", "256", params, args);
  if (reduce) {
    SmallVector<std::string> fparams{"int nblocks"}, fargs{"blocks"};
    for (auto [i, r] : llvm::enumerate(op->getResults())) {
      fparams.push_back(*ctype(r.getType(), op) + " *part" + std::to_string(i));
      fargs.push_back("part" + std::to_string(i));
    }
    launch(kname + "_final", "1", "1024", fparams, fargs);
    for (auto [i, r] : llvm::enumerate(op->getResults()))
      line(hostCopy("&" + name(r), "part" + std::to_string(i), "sizeof " + name(r), "cudaMemcpyDeviceToHost"));
  }
  --indent;
  line("}");
  return success();
}

/// Reduces `var` over the block (blockDim.x a multiple of 32): shuffles
/// within warps, then the first warp over the warps' values. The result is
/// in thread 0's `var`.
void Emitter::blockReduce(Attribute reducer, Type t, const std::string &var, Operation *op) {
  std::string ty = *ctype(t, op), w = fresh("warps");
  // The shuffled value goes through a temporary: a join that names its
  // operand twice (min/max of integers) must not shuffle in one branch only.
  std::string step = "for (int o = 16; o > 0; o >>= 1) { const " + ty +
                     " other = __shfl_down_sync(0xffffffffu, " + var + ", o); " + var + " = " +
                     join(reducer, t, var, "other") + "; }";
  line(step);
  line("__shared__ " + ty + " " + w + "[32];");
  line("if ((threadIdx.x & 31) == 0) " + w + "[threadIdx.x >> 5] = " + var + ";");
  line("__syncthreads();");
  line("if (threadIdx.x < 32) {");
  line("  " + var + " = threadIdx.x < (blockDim.x >> 5) ? " + w + "[threadIdx.x] : " +
       identity(reducer, t) + ";");
  line("  " + step);
  line("}");
}

/// Kernel parameters for the host values a region uses: views become
/// pointer + extents (+ strides when not LayoutRight), scalars are passed by
/// value. Rebinds those values to the parameter names (callers restore).
LogicalResult Emitter::captureForKernel(Operation *op, SmallVectorImpl<std::string> &params,
                                        SmallVectorImpl<std::string> &args) {
  llvm::SetVector<Value> captured;
  for (Region &r : op->getRegions())
    getUsedValuesDefinedAbove(r, captured);
  DenseMap<Value, ViewInfo> hostViews = views;
  hostNames = names;
  for (Value v : captured) {
    if (auto mt = dyn_cast<MemRefType>(v.getType())) {
      ViewInfo hv = hostViews[v];
      std::string base = "p" + std::to_string(counter++);
      SmallVector<std::string> decl;
      if (failed(declareView(v, mt, base, &decl)))
        return failure();
      params.append(decl.begin(), decl.end());
      args.push_back(hv.ptr);
      for (auto &e : hv.ext) args.push_back(e);
      if (!mt.getLayout().isIdentity())
        for (auto &st : hv.str) args.push_back(st);
      continue;
    }
    auto t = ctype(v.getType(), op);
    if (failed(t))
      return failure();
    std::string p = "p" + std::to_string(counter++);
    params.push_back(*t + " " + p);
    args.push_back(hostName(v));
    names[v] = p;
  }
  return success();
}

/// Views of a parallel_for that are only updated by atomic adds whose old
/// value is unused, statically shaped, row-major and at most 2048 elements
/// (16 KiB of shared memory for 8-byte elements).
SmallVector<Value> Emitter::privatisable(Operation *op) {
  llvm::SetVector<Value> captured;
  for (Region &r : op->getRegions())
    getUsedValuesDefinedAbove(r, captured);
  SmallVector<Value> out;
  int64_t bytes = 0;
  for (Value v : captured) {
    auto mt = dyn_cast<MemRefType>(v.getType());
    if (!mt || !mt.hasStaticShape() || !mt.getLayout().isIdentity() || mt.getNumElements() > 2048)
      continue;
    Type e = mt.getElementType();
    if (!(e.isInteger(32) || e.isInteger(64) || e.isF32() || e.isF64()))
      continue;
    bool onlyAdds = true;
    for (OpOperand &use : v.getUses()) {
      if (!op->isProperAncestor(use.getOwner()))
        continue;
      auto a = dyn_cast<AtomicOp>(use.getOwner());
      onlyAdds &= a && a.getKind() == AtomicKind::add && a.getView() == v && a.getOld().use_empty();
    }
    int64_t b = mt.getNumElements() * (e.getIntOrFloatBitWidth() / 8);
    if (onlyAdds && bytes + b <= 16384) {
      out.push_back(v);
      bytes += b;
    }
  }
  return out;
}

std::string Emitter::hostName(Value v) {
  auto it = hostNames.find(v);
  return it != hostNames.end() ? it->second : name(v);
}

/// CUDA scan: like the CPU lowering, chunks (one per thread) summed with
/// final = false, an exclusive scan of the chunk sums by one thread, then the
/// chunks again with final = true.
LogicalResult Emitter::emitCudaScan(ParallelScanOp op) {
  Block &b = op.getBody().front();
  std::string t = *ctype(op.getType(), op);
  std::string kname = "situ_k" + std::to_string(counter++);
  SmallVector<std::string> params, args;
  KernelText kt(*this);
  if (failed(captureForKernel(op, params, args)))
    return failure();
  params.push_back("int64_t lo0");
  params.push_back("int64_t n0");
  params.push_back(t + " *sums");
  params.push_back("int pass");
  std::string lo = hostName(op.getLower()), hi = hostName(op.getUpper());
  args.push_back(lo);
  args.push_back("(" + hi + " - " + lo + ")");
  args.push_back("sums");
  kt.enter();
  line(kernelDecl() + kname + "(" + llvm::join(params, ", ") + ") {");
  ++indent;
  line("const int64_t nch = (int64_t)gridDim.x * blockDim.x;");
  line("const int64_t c = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;");
  line("const int64_t n = n0 > 0 ? n0 : 0;");
  line(t + " acc = pass ? sums[c] : (" + t + ")0;");
  line("const bool " + name(b.getArgument(2)) + " = pass != 0;");
  std::string iv = name(b.getArgument(0));
  line("for (int64_t " + iv + " = lo0 + c * n / nch; " + iv + " < lo0 + (c + 1) * n / nch; ++" + iv + ") {");
  ++indent;
  line("const " + t + " " + name(b.getArgument(1)) + " = acc;");
  SmallVector<std::string> ys;
  if (failed(emitBlock(b, &ys)))
    return failure();
  line("acc += " + ys[0] + ";");
  --indent;
  line("}");
  line("if (!pass) sums[c] = acc;");
  --indent;
  line("}");
  line(kernelDecl() + kname + "_offsets(" + t + " *sums, int64_t nch) {");
  line("  " + t + " run = 0;");
  line("  for (int64_t c = 0; c < nch; ++c) { " + t + " s = sums[c]; sums[c] = run; run += s; }");
  line("  sums[nch] = run;");
  line("}");
  line("");
  kt.leave();
  line(t + " " + name(op) + ";");
  line("{");
  ++indent;
  line(t + " *sums = (" + t + " *)" + scratch("(8192 + 1) * sizeof(" + t + ")") + ";");
  args.push_back("0");
  launch(kname, "32", "256", params, args);
  launch(kname + "_offsets", "1", "1", {t + " *sums", "int64_t nch"}, {"sums", "8192"});
  args.back() = "1";
  launch(kname, "32", "256", params, args);
  line(hostCopy("&" + name(op), "sums + 8192", "sizeof " + name(op), "cudaMemcpyDeviceToHost"));
  --indent;
  line("}");
  return success();
}

/// CUDA TeamPolicy: one block per league rank, the team's threads are the
/// block's (team(auto) = 128), scratch is __shared__, barriers __syncthreads.
LogicalResult Emitter::emitCudaTeam(TeamParallelOp op) {
  Block &b = op.getBody().front();
  std::string kname = "situ_k" + std::to_string(counter++);
  SmallVector<std::string> params, args;
  KernelText kt(*this);
  if (failed(captureForKernel(op, params, args)))
    return failure();
  std::string league = hostName(op.getLeagueSize());
  std::string team = op.getTeamSize() ? hostName(op.getTeamSize()) : std::string("128");
  kt.enter();
  line(kernelDecl() + kname + "(" + llvm::join(params, ", ") + ") {");
  ++indent;
  line("const int64_t " + name(b.getArgument(0)) + " = blockIdx.x;");
  line("const int64_t " + name(b.getArgument(1)) + " = threadIdx.x;");
  line("const int64_t " + name(b.getArgument(2)) + " = gridDim.x;");
  line("const int64_t " + name(b.getArgument(3)) + " = blockDim.x;");
  if (failed(emitBlock(b, nullptr)))
    return failure();
  --indent;
  line("}");
  line("");
  kt.leave();
  line("if (" + league + " > 0) {");
  ++indent;
  launch(kname, "(unsigned)" + league, "(unsigned)" + team, params, args);
  --indent;
  line("}");
  return success();
}

LogicalResult Emitter::emitTeam(TeamParallelOp t) {
  Block &b = t.getBody().front();
  if (cuda())
    return emitCudaTeam(t);
  if (kokkos()) {
    std::string es = execSpace(t.getExec());
    std::string pol = "Kokkos::TeamPolicy<" + es + ">(" + name(t.getLeagueSize()) + ", " +
                      (t.getTeamSize() ? name(t.getTeamSize()) : std::string("Kokkos::AUTO"));
    if (t.getVectorLength())
      pol += ", " + name(t.getVectorLength());
    pol += ")";
    if (t.getScratchBytes())
      pol += ".set_scratch_size(0, Kokkos::PerTeam(" + std::to_string(t.getScratchBytes()) + "))";
    line("Kokkos::parallel_for(\"team_parallel\", " + pol + ", KOKKOS_LAMBDA(const Kokkos::TeamPolicy<" + es +
         ">::member_type &team) {");
    ++indent;
    line("const int64_t " + name(b.getArgument(0)) + " = team.league_rank();");
    line("const int64_t " + name(b.getArgument(1)) + " = team.team_rank();");
    line("const int64_t " + name(b.getArgument(2)) + " = team.league_size();");
    line("const int64_t " + name(b.getArgument(3)) + " = team.team_size();");
    if (failed(emitBlock(b, nullptr)))
      return failure();
    --indent;
    line("});");
    return success();
  }
  if (t.getExec() != ExecSpace::serial)
    line("#pragma omp parallel for");
  line(forHeader(name(b.getArgument(0)), "0", name(t.getLeagueSize())));
  ++indent;
  line("const int64_t " + name(b.getArgument(1)) + " = 0;  /* teams of one thread */");
  line("const int64_t " + name(b.getArgument(2)) + " = " + name(t.getLeagueSize()) + ";");
  line("const int64_t " + name(b.getArgument(3)) + " = 1;");
  if (failed(emitBlock(b, nullptr)))
    return failure();
  --indent;
  line("}");
  return success();
}

LogicalResult Emitter::emitKokkosOp(Operation *op) {
  if (isa<ParallelForOp, ParallelReduceOp, ParallelScanOp>(op))
    return emitParallel(op);
  if (auto t = dyn_cast<TeamParallelOp>(op))
    return emitTeam(t);
  if (isa<TeamThreadForOp, ThreadVectorForOp>(op)) {
    Block &b = op->getRegion(0).front();
    std::string iv = name(b.getArgument(0));
    if (kokkos()) {
      line(std::string("Kokkos::parallel_for(Kokkos::") +
           (isa<TeamThreadForOp>(op) ? "TeamThreadRange" : "ThreadVectorRange") + "(team, " +
           name(op->getOperand(0)) + ", " + name(op->getOperand(1)) + "), [&](const int64_t " + iv + ") {");
      ++indent;
      if (failed(emitBlock(b, nullptr)))
        return failure();
      --indent;
      line("});");
      return success();
    }
    if (cuda() && isa<TeamThreadForOp>(op))
      line("for (int64_t " + iv + " = " + name(op->getOperand(0)) + " + threadIdx.x; " + iv + " < " +
           name(op->getOperand(1)) + "; " + iv + " += blockDim.x) {");
    else
      line(forHeader(iv, name(op->getOperand(0)), name(op->getOperand(1))));
    ++indent;
    if (failed(emitBlock(b, nullptr)))
      return failure();
    --indent;
    line("}");
    return success();
  }
  if (auto r = dyn_cast<TeamThreadReduceOp>(op); r && cuda()) {
    // Each thread reduces its strided share; thread 0 joins the shares.
    Block &b = r.getBody().front();
    std::string iv = name(b.getArgument(0));
    SmallVector<std::string> acc;
    for (auto [i, v] : llvm::enumerate(r.getResults())) {
      acc.push_back(fresh("acc"));
      line(*ctype(v.getType(), op) + " " + acc[i] + " = " + identity(r.getReducers()[i], v.getType()) + ";");
    }
    line("for (int64_t " + iv + " = " + name(r.getLower()) + " + threadIdx.x; " + iv + " < " +
         name(r.getUpper()) + "; " + iv + " += blockDim.x) {");
    ++indent;
    SmallVector<std::string> ys;
    if (failed(emitBlock(b, &ys)))
      return failure();
    for (auto [i, v] : llvm::enumerate(r.getResults()))
      line(acc[i] + " = " + join(r.getReducers()[i], v.getType(), acc[i], ys[i]) + ";");
    --indent;
    line("}");
    for (auto [i, v] : llvm::enumerate(r.getResults())) {
      // Warp shuffles when the team is whole warps, else thread 0 joins.
      std::string t = *ctype(v.getType(), op), sh = fresh("red");
      line("__shared__ " + t + " " + sh + "[1024];");
      line("if (blockDim.x % 32 == 0) {");
      ++indent;
      blockReduce(r.getReducers()[i], v.getType(), acc[i], op);
      line("if (threadIdx.x == 0) " + sh + "[0] = " + acc[i] + ";");
      --indent;
      line("} else {");
      ++indent;
      line(sh + "[threadIdx.x] = " + acc[i] + ";");
      line("__syncthreads();");
      line("if (threadIdx.x == 0) {");
      line("  " + t + " a = " + sh + "[0];");
      line("  for (unsigned k = 1; k < blockDim.x; ++k) a = " + join(r.getReducers()[i], v.getType(), "a", sh + "[k]") + ";");
      line("  " + sh + "[0] = a;");
      line("}");
      --indent;
      line("}");
      line("__syncthreads();");
      line("const " + t + " " + name(v) + " = " + sh + "[0];");
      line("__syncthreads();");
    }
    return success();
  }
  if (auto r = dyn_cast<TeamThreadReduceOp>(op)) {
    Block &b = r.getBody().front();
    std::string iv = name(b.getArgument(0));
    SmallVector<std::string> ys;
    if (kokkos() && r.getNumResults() > 1) {
      // Kokkos (3.x) takes one reducer in a nested parallel_reduce: several
      // results reduce as one struct through a generated reducer.
      std::string sn = fresh("situ_team_red"), fields, joins, inits, tmp = fresh("red");
      for (auto [i, v] : llvm::enumerate(r.getResults())) {
        std::string f = "v" + std::to_string(i), t = *ctype(v.getType(), op);
        Attribute k = r.getReducers()[i];
        fields += "  " + t + " " + f + ";\n";
        joins += " dst." + f + " = " + join(k, v.getType(), "dst." + f, "src." + f) + ";";
        // Kokkos' identities for min/max, as Kokkos::Min/Max (floats: the
        // largest finite value); bool has none in Kokkos 3.
        auto ks = dyn_cast<StringAttr>(k);
        bool minmax = ks && (ks.getValue() == "min" || ks.getValue() == "max");
        inits += " v." + f + " = " +
                 (minmax ? "Kokkos::reduction_identity<" + t + ">::" + ks.getValue().str() + "()"
                         : identity(k, v.getType())) + ";";
      }
      deviceHelpers[sn] =
          "struct " + sn + " {\n" + fields + "};\n" +
          "struct " + sn + "_reducer {\n"
          "  using reducer = " + sn + "_reducer;\n"
          "  using value_type = " + sn + ";\n"
          "  using result_view_type = Kokkos::View<value_type, Kokkos::HostSpace, Kokkos::MemoryUnmanaged>;\n"
          "  value_type &ref;\n"
          "  KOKKOS_INLINE_FUNCTION " + sn + "_reducer(value_type &r) : ref(r) {}\n"
          "  KOKKOS_INLINE_FUNCTION void join(value_type &dst, const value_type &src) const {" + joins + " }\n"
          "  KOKKOS_INLINE_FUNCTION void init(value_type &v) const {" + inits + " }\n"
          "  KOKKOS_INLINE_FUNCTION value_type &reference() const { return ref; }\n"
          "  result_view_type view() const { return result_view_type(&ref); }\n"
          "  KOKKOS_INLINE_FUNCTION bool references_scalar() const { return true; }\n"
          "};\n\n";
      line(sn + " " + tmp + ";");
      line("Kokkos::parallel_reduce(Kokkos::TeamThreadRange(team, " + name(r.getLower()) + ", " +
           name(r.getUpper()) + "), [&](const int64_t " + iv + ", " + sn + " &upd) {");
      ++indent;
      if (failed(emitBlock(b, &ys)))
        return failure();
      for (auto [i, v] : llvm::enumerate(r.getResults())) {
        std::string f = "upd.v" + std::to_string(i);
        line(f + " = " + join(r.getReducers()[i], v.getType(), f, ys[i]) + ";");
      }
      --indent;
      line("}, " + sn + "_reducer(" + tmp + "));");
      for (auto [i, v] : llvm::enumerate(r.getResults()))
        line("const " + *ctype(v.getType(), op) + " " + name(v) + " = " + tmp + ".v" + std::to_string(i) + ";");
      return success();
    }
    if (kokkos()) {
      std::string params = "const int64_t " + iv;
      SmallVector<std::string> target;
      for (auto [i, v] : llvm::enumerate(r.getResults())) {
        Attribute k = r.getReducers()[i];
        target.push_back(name(v) + (intAccumulator(k, v.getType()) ? "_acc" : ""));
        line(accType(k, v.getType()) + " " + target.back() + ";");
        params += ", " + accType(k, v.getType()) + " &" + name(v) + "_upd";
      }
      line("Kokkos::parallel_reduce(Kokkos::TeamThreadRange(team, " + name(r.getLower()) + ", " +
           name(r.getUpper()) + "), [&](" + params + ") {");
      ++indent;
      if (failed(emitBlock(b, &ys)))
        return failure();
      for (auto [i, v] : llvm::enumerate(r.getResults()))
        line(name(v) + "_upd = " + join(r.getReducers()[i], v.getType(), name(v) + "_upd", ys[i]) + ";");
      --indent;
      std::string tail = "}";
      for (auto [i, v] : llvm::enumerate(r.getResults()))
        tail += ", " + kokkosReducer(r.getReducers()[i], v.getType(), target[i]);
      line(tail + ");");
      for (auto [i, v] : llvm::enumerate(r.getResults()))
        if (target[i] != name(v))
          line("const bool " + name(v) + " = " + target[i] + " != 0;");
      return success();
    }
    for (auto [i, v] : llvm::enumerate(r.getResults()))
      line(*ctype(v.getType(), op) + " " + name(v) + " = " + identity(r.getReducers()[i], v.getType()) + ";");
    line(forHeader(iv, name(r.getLower()), name(r.getUpper())));
    ++indent;
    if (failed(emitBlock(b, &ys)))
      return failure();
    for (auto [i, v] : llvm::enumerate(r.getResults()))
      line(name(v) + " = " + join(r.getReducers()[i], v.getType(), name(v), ys[i]) + ";");
    --indent;
    line("}");
    return success();
  }
  if (isa<TeamBarrierOp>(op)) {
    line(kokkos() ? "team.team_barrier();"
                  : cuda() ? "__syncthreads();" : "/* team_barrier: teams of one thread */");
    return success();
  }
  if (auto s = dyn_cast<TeamScratchOp>(op)) {
    MemRefType t = s.getType();
    std::string elem = *ctype(t.getElementType(), op);
    if (kokkos()) {
      std::string dims;
      for (int64_t d : t.getShape()) dims += "[" + std::to_string(d) + "]";
      line("Kokkos::View<" + elem + dims + ", Kokkos::DefaultExecutionSpace::scratch_memory_space, "
           "Kokkos::MemoryUnmanaged> " + name(s) + "(team.team_scratch(0));");
      return success();
    }
    std::string n = fresh("scratch");
    line((cuda() ? "__shared__ " : "") + elem + " " + n + "[" + std::to_string(t.getNumElements()) + "];");
    ViewInfo vi{n, {}, {}};
    for (int64_t d = 0; d < t.getRank(); ++d) {
      vi.ext.push_back(std::to_string(t.getDimSize(d)));
      int64_t st = 1;
      for (int64_t e = d + 1; e < t.getRank(); ++e) st *= t.getDimSize(e);
      vi.str.push_back(std::to_string(st));
    }
    views[s] = vi;
    names[s] = n;
    return success();
  }
  if (auto a = dyn_cast<AtomicOp>(op)) {
    std::string target = index(a.getView(), a.getIndices());
    std::string v = name(a.getValue());
    std::string kind = stringifyAtomicKind(a.getKind()).str();
    if (kokkos()) {
      std::string fn = llvm::StringSwitch<std::string>(kind)
                           .Case("band", "and").Case("bor", "or").Default(kind);
      assign(a, "Kokkos::atomic_fetch_" + fn + "(&" + target + ", " + v + ")");
    } else if (cuda()) {
      FailureOr<std::string> e = cudaAtomic(a.getKind(), a.getType(), "&" + target, v, op);
      if (failed(e))
        return failure();
      assign(a, *e);
    } else {
      std::string t = *ctype(a.getType(), op);
      line(t + " " + name(a) + ";");
      std::string upd = kind == "add" ? "+" : kind == "sub" ? "-" : kind == "band" ? "&" : kind == "bor" ? "|" : "";
      if (!upd.empty() && t != "float" && t != "double") {
        line("#pragma omp atomic capture");
        line("{ " + name(a) + " = " + target + "; " + target + " " + upd + "= " + v + "; }");
      } else if (!upd.empty()) {
        line("#pragma omp atomic capture");
        line("{ " + name(a) + " = " + target + "; " + target + " = " + target + " " + upd + " " + v + "; }");
      } else {
        // min/max: compare-and-swap is not expressible in OpenMP 4.5; use a
        // critical section. Floats follow minnum/maxnum, as the CPU lowering
        // and CUDA do: a NaN value is ignored, a NaN in the view is replaced.
        std::string cmp = v + (kind == "min" ? " < " : " > ") + target;
        if (t == "float" || t == "double")
          cmp += " || (" + target + " != " + target + " && " + v + " == " + v + ")";
        line("#pragma omp critical(situ_atomic)");
        line("{ " + name(a) + " = " + target + "; if (" + cmp + ") " + target + " = " + v + "; }");
      }
    }
    return success();
  }
  if (auto c = dyn_cast<DeepCopyOp>(op)) {
    if (kokkos()) {
      line("Kokkos::deep_copy(" + name(c.getDst()) + ", " + name(c.getSrc()) + ");");
      return success();
    }
    auto t = cast<MemRefType>(c.getDst().getType());
    ViewInfo &d = views[c.getDst()];
    ViewInfo &s = views[c.getSrc()];
    if (cuda()) {
      // One cudaMemcpy: both views must be row-major and dense; the spaces
      // pick the direction.
      if (!t.getLayout().isIdentity() || !cast<MemRefType>(c.getSrc().getType()).getLayout().isIdentity())
        return op->emitError("the CUDA emitter deep_copies row-major (LayoutRight) views only, with one "
                             "cudaMemcpy; copy other layouts in a parallel_for");
      std::string n = "1";
      for (auto &e : d.ext) n += "*" + e;
      auto space = [](Value v) { return getMemorySpace(cast<MemRefType>(v.getType())); };
      auto plain = [&](Value v) { return space(v) == MemorySpace::host || space(v) == MemorySpace::device; };
      // Pinned and managed memory: the unified address tells the direction.
      std::string kind = !plain(c.getDst()) || !plain(c.getSrc()) ? "cudaMemcpyDefault"
                         : space(c.getDst()) == MemorySpace::host
                             ? (space(c.getSrc()) == MemorySpace::host ? "cudaMemcpyHostToHost" : "cudaMemcpyDeviceToHost")
                             : (space(c.getSrc()) == MemorySpace::host ? "cudaMemcpyHostToDevice" : "cudaMemcpyDeviceToDevice");
      line(hostCopy(d.ptr, s.ptr, "(" + n + ") * sizeof *" + d.ptr, kind.c_str()));
      return success();
    }
    line("#pragma omp parallel for collapse(" + std::to_string(std::max<int64_t>(1, t.getRank())) + ")");
    std::string di, si;
    for (int64_t k = 0; k < t.getRank(); ++k) {
      std::string iv = "c" + std::to_string(counter) + "_" + std::to_string(k);
      line(forHeader(iv, "0", d.ext[k]));
      ++indent;
      di += (k ? " + " : "") + iv + "*" + d.str[k];
      si += (k ? " + " : "") + iv + "*" + s.str[k];
    }
    ++counter;
    line(d.ptr + "[" + di + "] = " + s.ptr + "[" + si + "];");
    for (int64_t k = 0; k < t.getRank(); ++k) {
      --indent;
      line("}");
    }
    return success();
  }
  if (auto m = dyn_cast<CreateMirrorViewOp>(op)) {
    if (kokkos()) {
      line("auto " + name(m) + " = Kokkos::create_mirror_view(" + name(m.getSrc()) + ");");
      return success();
    }
    if (cuda() && getMemorySpace(cast<MemRefType>(m.getSrc().getType())) == MemorySpace::device)
      return op->emitError("the CUDA emitter cannot allocate host mirrors; pass a host view");
    views[m] = views[m.getSrc()];
    names[m] = names[m.getSrc()];
    return success();
  }
  if (auto sv = dyn_cast<SubviewOp>(op)) {
    if (kokkos()) {
      std::string s = "auto " + name(sv) + " = Kokkos::subview(" + name(sv.getSrc());
      for (auto [o, n] : llvm::zip(sv.getOffsets(), sv.getSizes()))
        s += ", Kokkos::make_pair(" + name(o) + ", " + name(o) + " + " + name(n) + ")";
      line(s + ");");
      return success();
    }
    ViewInfo src = views[sv.getSrc()];
    ViewInfo vi;
    std::string off;
    for (auto [k, o] : llvm::enumerate(sv.getOffsets()))
      off += " + " + name(o) + "*" + src.str[k];
    std::string p = fresh("sub");
    line("__typeof__(" + src.ptr + ") " + p + " = " + src.ptr + off + ";");
    vi.ptr = p;
    for (auto [k, n] : llvm::enumerate(sv.getSizes())) {
      vi.ext.push_back(name(n));
      vi.str.push_back(src.str[k]);
    }
    views[sv] = vi;
    names[sv] = p;
    return success();
  }
  if (auto f = dyn_cast<FenceOp>(op)) {
    line(kokkos() ? "Kokkos::fence();"
         : rtc()  ? "rt->sync(rt->self);"
         : cuda() ? "cudaDeviceSynchronize();"
                  : "/* fence: host loops are synchronous */");
    return success();
  }
  return op->emitError("the source emitter does not handle this op");
}

} // namespace

LogicalResult mlir::kokkos::emitSource(Operation *op, SourceFlavor flavor,
                                       raw_ostream &os) {
  auto m = dyn_cast<ModuleOp>(op);
  if (!m)
    return op->emitError("the source emitter expects a module");
  Emitter e(flavor);
  return e.emitModule(m, os);
}

void mlir::kokkos::registerKokkosTranslations() {
  auto reg = [](StringRef flag, StringRef desc, SourceFlavor fl) {
    TranslateFromMLIRRegistration(
        flag, desc,
        [fl](Operation *op, raw_ostream &os) { return emitSource(op, fl, os); },
        [](DialectRegistry &registry) {
          registry.insert<KokkosDialect, func::FuncDialect, arith::ArithDialect,
                          math::MathDialect, memref::MemRefDialect, scf::SCFDialect>();
        });
  };
  reg("kokkos-to-kokkos-cpp", "Emit Kokkos C++ (Views, policies, KOKKOS_LAMBDA)",
      SourceFlavor::KokkosCpp);
  reg("kokkos-to-c", "Emit C with OpenMP", SourceFlavor::COpenMP);
  reg("kokkos-to-cuda", "Emit CUDA C (kernels + host launch function)", SourceFlavor::Cuda);
  reg("kokkos-to-cuda-rtc",
      "Emit CUDA for run-time compilation (NVRTC device part, C host part on the driver API)",
      SourceFlavor::CudaRtc);
}
