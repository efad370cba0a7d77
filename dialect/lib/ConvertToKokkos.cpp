// scf.parallel (what linalg/tensor/memref front ends give after bufferization
// and convert-linalg-to-parallel-loops) -> kokkos policies, then fusion of an
// elementwise producer into the reduction that consumes it.
#include "Kokkos/KokkosPasses.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/RegionUtils.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mlir::kokkos {
#define GEN_PASS_DEF_CONVERTTOKOKKOS
#include "Kokkos/KokkosPasses.h.inc"
} // namespace mlir::kokkos

using namespace mlir;
using namespace mlir::kokkos;

namespace {

/// arith.maximumf/minimumf propagate NaNs, which the built-in max/min
/// reducers (maxnum/minnum, like Kokkos::Max/Min) drop: their reductions get
/// a custom reducer joining with the op itself, one per module, op and type.
FlatSymbolRefAttr nanReducer(Operation *join) {
  auto m = join->getParentOfType<ModuleOp>();
  Type t = join->getResult(0).getType();
  bool max = isa<arith::MaximumFOp>(join);
  std::string name;
  llvm::raw_string_ostream os(name);
  os << "situ_" << (max ? "maximumf_" : "minimumf_") << t;
  auto ref = FlatSymbolRefAttr::get(join->getContext(), name);
  if (!m || SymbolTable::lookupSymbolIn(m, name))
    return ref;
  Location loc = join->getLoc();
  OpBuilder b = OpBuilder::atBlockBegin(m.getBody());
  auto r = ReducerOp::create(b, loc, name, t);
  // The identity: -inf for maximumf, +inf for minimumf (NaNs still win).
  OpBuilder ib = OpBuilder::atBlockEnd(&r.getInit().emplaceBlock());
  APFloat inf = APFloat::getInf(cast<FloatType>(t).getFloatSemantics(), /*Negative=*/max);
  YieldOp::create(ib, loc, ValueRange{arith::ConstantOp::create(ib, loc, ib.getFloatAttr(t, inf))});
  Block &jb = r.getJoin().emplaceBlock();
  jb.addArguments({t, t}, {loc, loc});
  ib.setInsertionPointToEnd(&jb);
  Value v = max ? arith::MaximumFOp::create(ib, loc, jb.getArgument(0), jb.getArgument(1)).getResult()
                : arith::MinimumFOp::create(ib, loc, jb.getArgument(0), jb.getArgument(1)).getResult();
  YieldOp::create(ib, loc, ValueRange{v});
  return ref;
}

/// The reducer of a two-operand join op: a built-in kind, or for
/// maximumf/minimumf a NaN-propagating custom reducer; null if none.
Attribute reducerOf(Operation &op) {
  MLIRContext *ctx = op.getContext();
  bool i1 = op.getResult(0).getType().isInteger(1);
  auto kind = [&](StringRef k) -> Attribute { return StringAttr::get(ctx, k); };
  return llvm::TypeSwitch<Operation *, Attribute>(&op)
      .Case<arith::AddFOp, arith::AddIOp>([&](auto) { return kind("sum"); })
      .Case<arith::MulFOp, arith::MulIOp>([&](auto) { return kind("prod"); })
      .Case<arith::MaxNumFOp, arith::MaxSIOp>([&](auto) { return kind("max"); })
      .Case<arith::MinNumFOp, arith::MinSIOp>([&](auto) { return kind("min"); })
      .Case<arith::MaximumFOp, arith::MinimumFOp>([&](auto) -> Attribute { return nanReducer(&op); })
      .Case<arith::AndIOp>([&](auto) { return kind(i1 ? "land" : "band"); })
      .Case<arith::OrIOp>([&](auto) { return kind(i1 ? "lor" : "bor"); })
      .Default([](Operation *) { return Attribute(); });
}

/// The reducer an scf.reduce region computes, if any.
Attribute reducerKind(Region &r) {
  Block &b = r.front();
  if (b.getOperations().size() != 2)
    return {};
  Operation &op = b.front();
  if (op.getNumOperands() != 2 || op.getOperand(0) != b.getArgument(0) ||
      op.getOperand(1) != b.getArgument(1))
    return {};
  return reducerOf(op);
}

/// Clones the body of `from` into `to`'s entry block, ivs mapped to its
/// arguments; returns the values scf.reduce passed on.
SmallVector<Value> cloneBody(OpBuilder &b, scf::ParallelOp from, Block &to) {
  IRMapping map;
  map.map(from.getInductionVars(), to.getArguments());
  b.setInsertionPointToEnd(&to);
  for (Operation &op : from.getBody()->without_terminator())
    b.clone(op, map);
  SmallVector<Value> out;
  for (Value v : from.getBody()->getTerminator()->getOperands())
    out.push_back(map.lookupOrDefault(v));
  return out;
}

LogicalResult convert(scf::ParallelOp p, ExecSpace exec) {
  if (!llvm::all_of(p.getStep(), [](Value s) { return matchPattern(s, m_One()); }))
    return failure(); // policies have unit stride
  auto reduce = cast<scf::ReduceOp>(p.getBody()->getTerminator());
  SmallVector<Attribute> kinds;
  for (Region &r : reduce.getReductions()) {
    Attribute k = reducerKind(r);
    if (!k)
      return failure(); // not a reducer we know: leave the loop alone
    kinds.push_back(k);
  }
  OpBuilder b(p);
  Location loc = p.getLoc();
  unsigned rank = p.getNumLoops();
  auto makeBlock = [&](Region &region) -> Block & {
    Block *blk = new Block();
    region.push_back(blk);
    for (unsigned i = 0; i < rank; ++i)
      blk->addArgument(b.getIndexType(), loc);
    return *blk;
  };
  if (kinds.empty()) {
    auto f = ParallelForOp::create(b, loc, exec, p.getLowerBound(), p.getUpperBound(),
                                   DenseI64ArrayAttr());
    Block &blk = makeBlock(f.getBody());
    OpBuilder ib(p.getContext());
    cloneBody(ib, p, blk);
    YieldOp::create(ib, loc);
    p.erase();
    return success();
  }
  auto r = ParallelReduceOp::create(b, loc, p.getResultTypes(), exec, p.getLowerBound(),
                                    p.getUpperBound(), DenseI64ArrayAttr(),
                                    b.getArrayAttr(kinds));
  Block &blk = makeBlock(r.getBody());
  OpBuilder ib(p.getContext());
  SmallVector<Value> ys = cloneBody(ib, p, blk);
  YieldOp::create(ib, loc, ys);
  // scf.parallel starts from its init values; Kokkos from the identity.
  SmallVector<Value> results;
  for (auto [i, region] : llvm::enumerate(reduce.getReductions())) {
    IRMapping map;
    map.map(region.front().getArgument(0), p.getInitVals()[i]);
    map.map(region.front().getArgument(1), r.getResult(i));
    Operation *joined = b.clone(region.front().front(), map);
    results.push_back(joined->getResult(0));
  }
  p.replaceAllUsesWith(results);
  p.erase();
  return success();
}

/// The bufferized linalg reduction idiom: a unit-step scf.for whose body
/// only reads memory, except `acc[] = op(g(i), acc[])` on a 0-d buffer read
/// and written nowhere else in the loop. Becomes a parallel_reduce of g(i),
/// joined into acc[] afterwards.
LogicalResult convertAccumulatorLoop(scf::ForOp loop, ExecSpace exec) {
  if (!loop.getInitArgs().empty() || !matchPattern(loop.getStep(), m_One()))
    return failure();
  Block *body = loop.getBody();
  memref::StoreOp store;
  for (Operation &op : body->without_terminator()) {
    if (auto s = dyn_cast<memref::StoreOp>(op)) {
      if (store)
        return failure();
      store = s;
    } else if (!isPure(&op) && !isa<memref::LoadOp>(op)) {
      return failure();
    }
  }
  if (!store || cast<MemRefType>(store.getMemRef().getType()).getRank() != 0)
    return failure();
  Value acc = store.getMemRef();
  // A fresh buffer used only through loads and stores cannot be aliased by
  // the other loads of the body, so the iterations are independent.
  if (!isa_and_nonnull<memref::AllocOp, memref::AllocaOp>(acc.getDefiningOp()) ||
      llvm::any_of(acc.getUsers(), [](Operation *u) {
        return !isa<memref::LoadOp, memref::StoreOp, memref::DeallocOp>(u) &&
               !u->hasTrait<OpTrait::IsTerminator>();
      }))
    return failure();
  Operation *join = store.getValue().getDefiningOp();
  if (!join || join->getBlock() != body || join->getNumOperands() != 2)
    return failure();
  // Exactly one load of acc, an operand of the join; the other operand g(i).
  memref::LoadOp accLoad;
  for (Operation &op : body->without_terminator())
    if (auto l = dyn_cast<memref::LoadOp>(op); l && l.getMemRef() == acc) {
      if (accLoad)
        return failure();
      accLoad = l;
    }
  if (!accLoad || !accLoad->hasOneUse() || *accLoad->getUsers().begin() != join)
    return failure();
  unsigned gIdx = join->getOperand(0) == accLoad.getResult() ? 1 : 0;
  Value g = join->getOperand(gIdx);
  // Logical/bitwise joins are not the bufferized reduction idiom.
  if (isa<arith::AndIOp, arith::OrIOp>(join))
    return failure();
  Attribute kind = reducerOf(*join);
  if (!kind)
    return failure();
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  auto r = ParallelReduceOp::create(b, loc, TypeRange{g.getType()}, exec,
                                    ValueRange{loop.getLowerBound()}, ValueRange{loop.getUpperBound()},
                                    DenseI64ArrayAttr(), b.getArrayAttr({kind}));
  Block *blk = new Block();
  r.getBody().push_back(blk);
  blk->addArgument(b.getIndexType(), loc);
  IRMapping map;
  map.map(loop.getInductionVar(), blk->getArgument(0));
  OpBuilder ib = OpBuilder::atBlockEnd(blk);
  for (Operation &op : body->without_terminator())
    if (&op != store.getOperation() && &op != join && &op != accLoad.getOperation())
      ib.clone(op, map);
  YieldOp::create(ib, loc, ValueRange{map.lookupOrDefault(g)});
  Value old = memref::LoadOp::create(b, loc, acc);
  IRMapping jm;
  jm.map(join->getOperand(1 - gIdx), old);
  jm.map(join->getOperand(gIdx), r.getResult(0));
  Value joined = b.clone(*join, jm)->getResult(0);
  memref::StoreOp::create(b, loc, joined, acc);
  loop.erase();
  return success();
}

/// Whether `v` is available before `op` (same block: defined earlier).
bool availableBefore(Value v, Operation *op) {
  Operation *def = v.getDefiningOp();
  if (!def)
    return v.getParentRegion()->isAncestor(op->getParentRegion());
  if (def->getBlock() == op->getBlock())
    return def->isBeforeInBlock(op);
  return def->getParentRegion()->isProperAncestor(op->getParentRegion()) ||
         def->getBlock() != op->getBlock();
}

/// The reduction that follows `f`, past ops that cannot interfere: pure ops,
/// fresh allocations and stores into them.
ParallelReduceOp nextReduce(ParallelForOp f) {
  DenseSet<Value> fresh;
  for (Operation *op = f->getNextNode(); op; op = op->getNextNode()) {
    if (auto r = dyn_cast<ParallelReduceOp>(op)) {
      llvm::SetVector<Value> used;
      getUsedValuesDefinedAbove(r.getBody(), used);
      used.insert(r->getOperands().begin(), r->getOperands().end());
      for (Value v : used)
        if (!availableBefore(v, f))
          return {};
      for (Value v : used)
        if (fresh.contains(v))
          return {};
      return r;
    }
    if (isa<memref::AllocOp, memref::AllocaOp>(op)) {
      fresh.insert(op->getResult(0));
      continue;
    }
    if (auto s = dyn_cast<memref::StoreOp>(op); s && fresh.contains(s.getMemRef()))
      continue;
    if (!isPure(op))
      return {};
  }
  return {};
}

/// parallel_for writing tmp[i] (and nothing else) directly followed by a
/// parallel_reduce over the same range reading tmp[i], tmp local and used by
/// nothing else: compute the value inside the reduction instead.
bool fuseProducer(ParallelForOp f) {
  ParallelReduceOp r = nextReduce(f);
  if (!r || f.getLower() != r.getLower() || f.getUpper() != r.getUpper() ||
      f.getLower().size() != 1)
    return false;
  SmallVector<memref::StoreOp> stores;
  f.getBody().walk([&](memref::StoreOp s) { stores.push_back(s); });
  if (stores.size() != 1 || stores[0]->getBlock() != &f.getBody().front() ||
      stores[0].getIndices().size() != 1 ||
      stores[0].getIndices()[0] != f.getBody().getArgument(0))
    return false;
  if (f.getBody().walk([](Operation *op) {
        return isa<AtomicOp>(op) || (!isPure(op) && !isa<memref::LoadOp, memref::StoreOp>(op))
                   ? WalkResult::interrupt() : WalkResult::advance();
      }).wasInterrupted())
    return false;
  Value tmp = stores[0].getMemRef();
  Operation *alloc = tmp.getDefiningOp();
  if (!isa_and_nonnull<memref::AllocOp, memref::AllocaOp>(alloc))
    return false;
  SmallVector<memref::LoadOp> loads;
  for (Operation *user : tmp.getUsers()) {
    if (user == stores[0] || isa<memref::DeallocOp>(user))
      continue;
    auto load = dyn_cast<memref::LoadOp>(user);
    if (!load || !r->isProperAncestor(load) || load.getIndices().size() != 1 ||
        load.getIndices()[0] != r.getBody().getArgument(0))
      return false;
    loads.push_back(load);
  }
  // The reduction moves up to the producer (nothing between interferes), and
  // the producer's body, minus the store, opens the reduction body.
  r->moveAfter(f);
  OpBuilder b(&r.getBody().front(), r.getBody().front().begin());
  IRMapping map;
  map.map(f.getBody().getArgument(0), r.getBody().getArgument(0));
  for (Operation &op : f.getBody().front().without_terminator())
    if (&op != stores[0].getOperation())
      b.clone(op, map);
  Value v = map.lookupOrDefault(stores[0].getValue());
  for (memref::LoadOp l : loads) {
    l.replaceAllUsesWith(v);
    l.erase();
  }
  f.erase();
  for (Operation *user : llvm::make_early_inc_range(tmp.getUsers()))
    user->erase();
  alloc->erase();
  return true;
}

struct ConvertToKokkos : kokkos::impl::ConvertToKokkosBase<ConvertToKokkos> {
  using ConvertToKokkosBase::ConvertToKokkosBase;
  void runOnOperation() override {
    std::optional<ExecSpace> exec = symbolizeExecSpace(execSpace);
    if (!exec) {
      getOperation().emitError("unknown execution space '") << execSpace << "'";
      return signalPassFailure();
    }
    SmallVector<scf::ParallelOp> loops;
    getOperation().walk([&](scf::ParallelOp p) {
      if (!p->getParentOfType<scf::ParallelOp>() && !p->getParentOfType<ParallelForOp>() &&
          !p->getParentOfType<ParallelReduceOp>())
        loops.push_back(p);
    });
    for (scf::ParallelOp p : loops)
      (void)convert(p, *exec); // loops that do not fit a policy stay as they are
    SmallVector<scf::ForOp> accLoops;
    getOperation().walk([&](scf::ForOp l) {
      if (!l->getParentOfType<ParallelForOp>() && !l->getParentOfType<ParallelReduceOp>() &&
          !l->getParentOfType<scf::ForOp>() && !l->getParentOfType<scf::ParallelOp>())
        accLoops.push_back(l);
    });
    for (scf::ForOp l : accLoops)
      (void)convertAccumulatorLoop(l, *exec);
    SmallVector<ParallelForOp> fors;
    getOperation().walk([&](ParallelForOp f) { fors.push_back(f); });
    for (ParallelForOp f : fors)
      fuseProducer(f);
  }
};
} // namespace
