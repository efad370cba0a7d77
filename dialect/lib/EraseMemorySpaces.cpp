// On CPUs every Kokkos memory space is host memory: drop #kokkos.space from
// memref types so the standard memref -> LLVM lowering (which wants integer
// address spaces) applies.
#include "Kokkos/KokkosPasses.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::kokkos {
#define GEN_PASS_DEF_KOKKOSERASEMEMORYSPACES
#include "Kokkos/KokkosPasses.h.inc"
} // namespace mlir::kokkos

using namespace mlir;
using namespace mlir::kokkos;

namespace {
Type erase(Type t) {
  auto m = dyn_cast<MemRefType>(t);
  if (!m || !isa_and_nonnull<MemorySpaceAttr>(m.getMemorySpace()))
    return t;
  return MemRefType::Builder(m).setMemorySpace(Attribute());
}

struct EraseMemorySpaces
    : kokkos::impl::KokkosEraseMemorySpacesBase<EraseMemorySpaces> {
  void runOnOperation() override {
    // A team_scratch view must stay in the scratch space (its verifier says
    // so): erasing before the lowering would leave invalid IR.
    WalkResult scratch = getOperation().walk([](TeamScratchOp s) {
      s.emitOpError("is still here: run kokkos-erase-memory-spaces after kokkos-lower-to-scf, "
                    "which turns team scratch into plain buffers");
      return WalkResult::interrupt();
    });
    if (scratch.wasInterrupted())
      return signalPassFailure();
    getOperation().walk([](Operation *op) {
      for (Value r : op->getResults())
        r.setType(erase(r.getType()));
      for (Region &region : op->getRegions())
        for (Block &block : region)
          for (BlockArgument a : block.getArguments())
            a.setType(erase(a.getType()));
      if (auto f = dyn_cast<func::FuncOp>(op)) {
        FunctionType ft = f.getFunctionType();
        auto ins = llvm::map_to_vector(ft.getInputs(), erase);
        auto outs = llvm::map_to_vector(ft.getResults(), erase);
        f.setFunctionType(FunctionType::get(op->getContext(), ins, outs));
      }
    });
    // Casts between spaces became identities.
    getOperation().walk([](memref::MemorySpaceCastOp c) {
      if (c.getSource().getType() == c.getType()) {
        c.replaceAllUsesWith(c.getSource());
        c.erase();
      }
    });
  }
};
} // namespace
