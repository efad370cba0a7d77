// kokkos -> scf + memref for CPUs. Host execution spaces become scf.parallel
// (convert-scf-to-openmp then makes OpenMP worksharing loops); `serial`
// becomes scf.for. Reductions and scans are chunked so that every reducer,
// custom ones included, lowers one way and results do not depend on the
// thread count.
#include "Kokkos/KokkosPasses.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::kokkos {
#define GEN_PASS_DEF_KOKKOSLOWERTOSCF
#include "Kokkos/KokkosPasses.h.inc"
} // namespace mlir::kokkos

using namespace mlir;
using namespace mlir::kokkos;

namespace {

/// Clones a single-block region at the builder's point with its arguments
/// bound to `args`; returns what its kokkos.yield yields.
SmallVector<Value> inlineBody(OpBuilder &b, Region &region, ValueRange args) {
  IRMapping map;
  Block &block = region.front();
  map.map(block.getArguments(), args);
  for (Operation &op : block.without_terminator())
    b.clone(op, map);
  SmallVector<Value> out;
  for (Value v : block.getTerminator()->getOperands())
    out.push_back(map.lookupOrDefault(v));
  return out;
}

Value constIndex(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

struct Reducers {
  ArrayAttr kinds;
  SymbolTable &symbols;

  ReducerOp custom(unsigned i) const {
    auto sym = dyn_cast<FlatSymbolRefAttr>(kinds[i]);
    return sym ? symbols.lookup<ReducerOp>(sym.getValue()) : ReducerOp();
  }

  Value identity(OpBuilder &b, Location loc, unsigned i, Type t) const {
    if (ReducerOp r = custom(i))
      return inlineBody(b, r.getInit(), {})[0];
    StringRef k = cast<StringAttr>(kinds[i]).getValue();
    if (auto ft = dyn_cast<FloatType>(t)) {
      const llvm::fltSemantics &sem = ft.getFloatSemantics();
      APFloat v = k == "sum"   ? APFloat::getZero(sem)
                  : k == "min" ? APFloat::getInf(sem, /*Negative=*/false)
                  : k == "max" ? APFloat::getInf(sem, /*Negative=*/true)
                               : APFloat::getOne(sem);
      return arith::ConstantOp::create(b, loc, b.getFloatAttr(t, v));
    }
    unsigned w = t.getIntOrFloatBitWidth();
    APInt v = (k == "sum" || k == "lor" || k == "bor") ? APInt::getZero(w)
              : k == "prod"                             ? APInt(w, 1)
              : k == "min"                              ? APInt::getSignedMaxValue(w)
              : k == "max"                              ? APInt::getSignedMinValue(w)
                                                        : APInt::getAllOnes(w);
    return arith::ConstantOp::create(b, loc, b.getIntegerAttr(t, v));
  }

  Value join(OpBuilder &b, Location loc, unsigned i, Value x, Value y) const {
    if (ReducerOp r = custom(i))
      return inlineBody(b, r.getJoin(), {x, y})[0];
    StringRef k = cast<StringAttr>(kinds[i]).getValue();
    if (isa<FloatType>(x.getType())) {
      if (k == "sum")
        return arith::AddFOp::create(b, loc, x, y);
      if (k == "prod")
        return arith::MulFOp::create(b, loc, x, y);
      if (k == "min")
        return arith::MinNumFOp::create(b, loc, x, y);
      return arith::MaxNumFOp::create(b, loc, x, y);
    }
    if (k == "sum")
      return arith::AddIOp::create(b, loc, x, y);
    if (k == "prod")
      return arith::MulIOp::create(b, loc, x, y);
    if (k == "min")
      return arith::MinSIOp::create(b, loc, x, y);
    if (k == "max")
      return arith::MaxSIOp::create(b, loc, x, y);
    if (k == "land" || k == "band")
      return arith::AndIOp::create(b, loc, x, y);
    return arith::OrIOp::create(b, loc, x, y);
  }

  SmallVector<Value> identities(OpBuilder &b, Location loc, TypeRange ts) const {
    SmallVector<Value> v;
    for (auto [i, t] : llvm::enumerate(ts))
      v.push_back(identity(b, loc, i, t));
    return v;
  }
  SmallVector<Value> joinAll(OpBuilder &b, Location loc, ValueRange xs,
                             ValueRange ys) const {
    SmallVector<Value> v;
    for (unsigned i = 0; i < xs.size(); ++i)
      v.push_back(join(b, loc, i, xs[i], ys[i]));
    return v;
  }
};

/// A parallel (or, for `serial`, sequential) loop nest running `body`.
void buildNest(OpBuilder &b, Location loc, bool parallel, ValueRange lbs,
               ValueRange ubs,
               function_ref<void(OpBuilder &, Location, ValueRange)> body) {
  SmallVector<Value> steps(lbs.size(), constIndex(b, loc, 1));
  if (!parallel) {
    scf::buildLoopNest(b, loc, lbs, ubs, steps, body);
    return;
  }
  // Threads split the outermost dimension; inner ones stay sequential loops
  // so they vectorize (collapsing would linearize the indices with div/mod).
  scf::ParallelOp::create(
      b, loc, lbs.take_front(), ubs.take_front(), ValueRange(steps).take_front(),
      [&](OpBuilder &nb, Location l, ValueRange outer) {
        scf::buildLoopNest(nb, l, lbs.drop_front(), ubs.drop_front(),
                           ValueRange(steps).drop_front(),
                           [&](OpBuilder &ib, Location il, ValueRange inner) {
                             SmallVector<Value> ivs{outer[0]};
                             ivs.append(inner.begin(), inner.end());
                             body(ib, il, ivs);
                           });
      });
}

/// Splits [lb, ub) into at most `maxChunks` balanced chunks: returns
/// (number of chunks, function giving chunk c's begin).
struct Chunks {
  Value lb, n, count;
  Value begin(OpBuilder &b, Location loc, Value c) const {
    Value off = arith::DivUIOp::create(b, 
        loc, arith::MulIOp::create(b, loc, c, n), count);
    return arith::AddIOp::create(b, loc, lb, off);
  }
};
Chunks makeChunks(OpBuilder &b, Location loc, Value lb, Value ub,
                  int64_t maxChunks) {
  Value zero = constIndex(b, loc, 0);
  Value n = arith::MaxSIOp::create(b, loc, arith::SubIOp::create(b, loc, ub, lb), zero);
  Value count = arith::MinSIOp::create(b, loc, n, constIndex(b, loc, maxChunks));
  return {lb, n, count};
}

struct LowerToSCF : kokkos::impl::KokkosLowerToSCFBase<LowerToSCF> {
  using KokkosLowerToSCFBase::KokkosLowerToSCFBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<Operation *> ops;
    // Post-order: nested kokkos ops are lowered before the body that holds
    // them is cloned.
    module.walk([&](Operation *op) {
      if (isa<KokkosDialect>(op->getDialect()) && !isa<ReducerOp, YieldOp>(op))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      OpBuilder b(op);
      if (failed(lower(b, op, symbols)))
        return signalPassFailure();
    }
    for (auto r : llvm::make_early_inc_range(module.getOps<ReducerOp>()))
      r.erase();
  }

  LogicalResult lower(OpBuilder &b, Operation *op, SymbolTable &symbols) {
    Location loc = op->getLoc();
    SmallVector<Value> results;
    if (auto f = dyn_cast<ParallelForOp>(op)) {
      buildNest(b, loc, f.getExec() != ExecSpace::serial, f.getLower(),
                f.getUpper(), [&](OpBuilder &nb, Location, ValueRange ivs) {
                  inlineBody(nb, f.getBody(), ivs);
                });
    } else if (auto r = dyn_cast<ParallelReduceOp>(op)) {
      results = lowerReduce(b, loc, r, {r.getReducers(), symbols});
    } else if (auto s = dyn_cast<ParallelScanOp>(op)) {
      results.push_back(lowerScan(b, loc, s));
    } else if (auto t = dyn_cast<TeamParallelOp>(op)) {
      lowerTeam(b, loc, t);
    } else if (isa<TeamThreadForOp, ThreadVectorForOp>(op)) {
      Region &body = op->getRegion(0);
      scf::ForOp::create(b, loc, op->getOperand(0), op->getOperand(1),
                           constIndex(b, loc, 1), ValueRange(),
                           [&](OpBuilder &nb, Location l, Value iv, ValueRange) {
                             inlineBody(nb, body, iv);
                             scf::YieldOp::create(nb, l);
                           });
    } else if (auto tr = dyn_cast<TeamThreadReduceOp>(op)) {
      Reducers red{tr.getReducers(), symbols};
      auto loop = scf::ForOp::create(b, 
          loc, tr.getLower(), tr.getUpper(), constIndex(b, loc, 1),
          red.identities(b, loc, tr.getResultTypes()),
          [&](OpBuilder &nb, Location l, Value iv, ValueRange acc) {
            SmallVector<Value> y = inlineBody(nb, tr.getBody(), iv);
            scf::YieldOp::create(nb, l, red.joinAll(nb, l, acc, y));
          });
      results.append(loop.getResults().begin(), loop.getResults().end());
    } else if (auto sc = dyn_cast<TeamScratchOp>(op)) {
      // Team size is 1 on CPUs, so team scratch is per league iteration. It
      // is heap memory freed at the end of the team body: a stack alloca
      // would need an alloca scope, which cannot survive scf-to-cf inside
      // OpenMP loops.
      results.push_back(memref::AllocOp::create(b, loc, sc.getType()));
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPoint(op->getBlock()->getTerminator());
      memref::DeallocOp::create(b, loc, results.back());
    } else if (auto c = dyn_cast<DeepCopyOp>(op)) {
      lowerDeepCopy(b, loc, c);
    } else if (auto m = dyn_cast<CreateMirrorViewOp>(op)) {
      // Every space is host memory on CPUs, so the mirror is the view itself.
      auto src = cast<MemRefType>(m.getSrc().getType());
      Value v = m.getSrc();
      if (src.getMemorySpace() != m.getType().getMemorySpace())
        v = memref::MemorySpaceCastOp::create(b, 
            loc,
            MemRefType(MemRefType::Builder(src).setMemorySpace(m.getType().getMemorySpace())),
            v);
      if (v.getType() != m.getType())
        v = memref::CastOp::create(b, loc, m.getType(), v);
      results.push_back(v);
    } else if (auto sv = dyn_cast<SubviewOp>(op)) {
      SmallVector<OpFoldResult> offs(sv.getOffsets()), sizes(sv.getSizes());
      SmallVector<OpFoldResult> strides(offs.size(), b.getIndexAttr(1));
      Value v = memref::SubViewOp::create(b, loc, sv.getSrc(), offs, sizes, strides);
      if (v.getType() != sv.getType())
        v = memref::CastOp::create(b, loc, sv.getType(), v);
      results.push_back(v);
    } else if (auto a = dyn_cast<AtomicOp>(op)) {
      results.push_back(lowerAtomic(b, loc, a));
    } else if (!isa<TeamBarrierOp, FenceOp>(op)) {
      // Team size 1 makes barriers no-ops; host kernels are synchronous.
      return op->emitOpError("has no CPU lowering");
    }
    op->replaceAllUsesWith(results);
    op->erase();
    return success();
  }

  SmallVector<Value> lowerReduce(OpBuilder &b, Location loc, ParallelReduceOp r,
                                 const Reducers &red) {
    TypeRange types = r.getResultTypes();
    auto lbs = r.getLower(), ubs = r.getUpper();
    auto nestBody = [&](OpBuilder &nb, Location l, Value begin, Value end,
                        ValueRange init) {
      SmallVector<Value> lo{begin}, hi{end}, steps(lbs.size(), constIndex(nb, l, 1));
      lo.append(lbs.begin() + 1, lbs.end());
      hi.append(ubs.begin() + 1, ubs.end());
      scf::LoopNest nest = scf::buildLoopNest(
          nb, l, lo, hi, steps, init,
          [&](OpBuilder &ib, Location il, ValueRange ivs, ValueRange acc) {
            SmallVector<Value> y = inlineBody(ib, r.getBody(), ivs);
            return red.joinAll(ib, il, acc, y);
          });
      return nest.results;
    };
    if (r.getExec() == ExecSpace::serial)
      return nestBody(b, loc, lbs[0], ubs[0], red.identities(b, loc, types));

    Chunks ch = makeChunks(b, loc, lbs[0], ubs[0], numChunks);
    SmallVector<Value> partials;
    for (Type t : types)
      partials.push_back(memref::AllocaOp::create(b, 
          loc, MemRefType::get({numChunks}, t)));
    Value zero = constIndex(b, loc, 0), one = constIndex(b, loc, 1);
    scf::ParallelOp::create(b, 
        loc, ValueRange{zero}, ValueRange{ch.count}, ValueRange{one},
        [&](OpBuilder &nb, Location l, ValueRange c) {
          Value begin = ch.begin(nb, l, c[0]);
          Value end = ch.begin(nb, l, arith::AddIOp::create(nb, l, c[0], one));
          SmallVector<Value> acc =
              nestBody(nb, l, begin, end, red.identities(nb, l, types));
          for (auto [v, p] : llvm::zip(acc, partials))
            memref::StoreOp::create(nb, l, v, p, c[0]);
        });
    // Join the chunks in order, so non-commutative custom joins stay right.
    auto loop = scf::ForOp::create(b, 
        loc, zero, ch.count, one, red.identities(b, loc, types),
        [&](OpBuilder &nb, Location l, Value c, ValueRange acc) {
          SmallVector<Value> y;
          for (Value p : partials)
            y.push_back(memref::LoadOp::create(nb, l, p, c));
          scf::YieldOp::create(nb, l, red.joinAll(nb, l, acc, y));
        });
    return SmallVector<Value>(loop.getResults());
  }

  Value add(OpBuilder &b, Location loc, Value x, Value y) {
    if (isa<FloatType>(x.getType()))
      return arith::AddFOp::create(b, loc, x, y);
    return arith::AddIOp::create(b, loc, x, y);
  }

  /// Runs the scan body over [begin, end) starting from `init`.
  Value scanChunk(OpBuilder &b, Location loc, ParallelScanOp s, Value begin,
                  Value end, Value init, bool final) {
    Value flag = arith::ConstantIntOp::create(b, loc, b.getI1Type(), final);
    auto loop = scf::ForOp::create(b, 
        loc, begin, end, constIndex(b, loc, 1), init,
        [&](OpBuilder &nb, Location l, Value i, ValueRange acc) {
          Value y = inlineBody(nb, s.getBody(), {i, acc[0], flag})[0];
          scf::YieldOp::create(nb, l, add(nb, l, acc[0], y));
        });
    return loop.getResult(0);
  }

  /// Two passes over chunks: chunk totals (final = false), an exclusive scan
  /// of the totals, then each chunk again from its offset (final = true).
  Value lowerScan(OpBuilder &b, Location loc, ParallelScanOp s) {
    Type t = s.getType();
    Value zeroT = arith::ConstantOp::create(b, loc, b.getZeroAttr(t));
    if (s.getExec() == ExecSpace::serial)
      return scanChunk(b, loc, s, s.getLower(), s.getUpper(), zeroT, true);
    Chunks ch = makeChunks(b, loc, s.getLower(), s.getUpper(), numChunks);
    Value sums = memref::AllocaOp::create(b, loc, MemRefType::get({numChunks}, t));
    Value zero = constIndex(b, loc, 0), one = constIndex(b, loc, 1);
    auto pass = [&](bool final) {
      scf::ParallelOp::create(b, 
          loc, ValueRange{zero}, ValueRange{ch.count}, ValueRange{one},
          [&](OpBuilder &nb, Location l, ValueRange c) {
            Value begin = ch.begin(nb, l, c[0]);
            Value end = ch.begin(nb, l, arith::AddIOp::create(nb, l, c[0], one));
            Value init = final ? memref::LoadOp::create(nb, l, sums, c[0]).getResult()
                               : zeroT;
            Value v = scanChunk(nb, l, s, begin, end, init, final);
            if (!final)
              memref::StoreOp::create(nb, l, v, sums, c[0]);
          });
    };
    pass(false);
    auto offsets = scf::ForOp::create(b, 
        loc, zero, ch.count, one, ValueRange{zeroT},
        [&](OpBuilder &nb, Location l, Value c, ValueRange run) {
          Value chunk = memref::LoadOp::create(nb, l, sums, c);
          memref::StoreOp::create(nb, l, run[0], sums, c);
          scf::YieldOp::create(nb, l, add(nb, l, run[0], chunk));
        });
    pass(true);
    return offsets.getResult(0);
  }

  void lowerTeam(OpBuilder &b, Location loc, TeamParallelOp t) {
    Value one = constIndex(b, loc, 1);
    buildNest(b, loc, t.getExec() != ExecSpace::serial,
              ValueRange{constIndex(b, loc, 0)}, ValueRange{t.getLeagueSize()},
              [&](OpBuilder &nb, Location l, ValueRange lr) {
                Value zero = constIndex(nb, l, 0);
                inlineBody(nb, t.getBody(), {lr[0], zero, t.getLeagueSize(), one});
              });
  }

  void lowerDeepCopy(OpBuilder &b, Location loc, DeepCopyOp c) {
    auto type = cast<MemRefType>(c.getDst().getType());
    SmallVector<Value> lbs, ubs;
    for (int64_t d = 0; d < type.getRank(); ++d) {
      lbs.push_back(constIndex(b, loc, 0));
      ubs.push_back(memref::DimOp::create(b, loc, c.getDst(), d));
    }
    if (type.getRank() == 0) {
      memref::StoreOp::create(b, loc, memref::LoadOp::create(b, loc, c.getSrc()),
                                c.getDst());
      return;
    }
    buildNest(b, loc, true, lbs, ubs, [&](OpBuilder &nb, Location l, ValueRange iv) {
      Value v = memref::LoadOp::create(nb, l, c.getSrc(), iv);
      memref::StoreOp::create(nb, l, v, c.getDst(), iv);
    });
  }

  Value lowerAtomic(OpBuilder &b, Location loc, AtomicOp a) {
    bool isFloat = isa<FloatType>(a.getValue().getType());
    Value v = a.getValue();
    arith::AtomicRMWKind kind = arith::AtomicRMWKind::addi;
    switch (a.getKind()) {
    case AtomicKind::sub:
      v = isFloat ? arith::NegFOp::create(b, loc, v).getResult()
                  : arith::SubIOp::create(b, 
                         loc, arith::ConstantOp::create(b, loc, b.getZeroAttr(v.getType())), v)
                        .getResult();
      [[fallthrough]];
    case AtomicKind::add:
      kind = isFloat ? arith::AtomicRMWKind::addf : arith::AtomicRMWKind::addi;
      break;
    case AtomicKind::min:
      kind = isFloat ? arith::AtomicRMWKind::minnumf : arith::AtomicRMWKind::mins;
      break;
    case AtomicKind::max:
      kind = isFloat ? arith::AtomicRMWKind::maxnumf : arith::AtomicRMWKind::maxs;
      break;
    case AtomicKind::band:
      kind = arith::AtomicRMWKind::andi;
      break;
    case AtomicKind::bor:
      kind = arith::AtomicRMWKind::ori;
      break;
    }
    return memref::AtomicRMWOp::create(b, loc, kind, v, a.getView(), a.getIndices());
  }
};

} // namespace
