// scf.parallel (what linalg/tensor/memref front ends give after bufferization
// and convert-linalg-to-parallel-loops) -> kokkos policies, then fusion of an
// elementwise producer into the reduction that consumes it.
#include "Kokkos/KokkosPasses.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mlir::kokkos {
#define GEN_PASS_DEF_CONVERTTOKOKKOS
#include "Kokkos/KokkosPasses.h.inc"
} // namespace mlir::kokkos

using namespace mlir;
using namespace mlir::kokkos;

namespace {

/// The built-in reducer an scf.reduce region computes, if any.
std::optional<StringRef> reducerKind(Region &r) {
  Block &b = r.front();
  if (b.getOperations().size() != 2)
    return std::nullopt;
  Operation &op = b.front();
  if (op.getNumOperands() != 2 || op.getOperand(0) != b.getArgument(0) ||
      op.getOperand(1) != b.getArgument(1))
    return std::nullopt;
  bool i1 = op.getResult(0).getType().isInteger(1);
  return llvm::TypeSwitch<Operation *, std::optional<StringRef>>(&op)
      .Case<arith::AddFOp, arith::AddIOp>([](auto) { return StringRef("sum"); })
      .Case<arith::MulFOp, arith::MulIOp>([](auto) { return StringRef("prod"); })
      .Case<arith::MaxNumFOp, arith::MaximumFOp, arith::MaxSIOp>([](auto) { return StringRef("max"); })
      .Case<arith::MinNumFOp, arith::MinimumFOp, arith::MinSIOp>([](auto) { return StringRef("min"); })
      .Case<arith::AndIOp>([&](auto) { return StringRef(i1 ? "land" : "band"); })
      .Case<arith::OrIOp>([&](auto) { return StringRef(i1 ? "lor" : "bor"); })
      .Default([](Operation *) { return std::nullopt; });
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
    std::optional<StringRef> k = reducerKind(r);
    if (!k)
      return failure(); // not a built-in reducer: leave the loop alone
    kinds.push_back(StringAttr::get(p.getContext(), *k));
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

/// parallel_for writing tmp[i] (and nothing else) directly followed by a
/// parallel_reduce over the same range reading tmp[i], tmp local and used by
/// nothing else: compute the value inside the reduction instead.
bool fuseProducer(ParallelForOp f) {
  auto r = dyn_cast_or_null<ParallelReduceOp>(f->getNextNode());
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
  // Producer body, minus the store, at the start of the reduction body.
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
    SmallVector<ParallelForOp> fors;
    getOperation().walk([&](ParallelForOp f) { fors.push_back(f); });
    for (ParallelForOp f : fors)
      fuseProducer(f);
  }
};
} // namespace
