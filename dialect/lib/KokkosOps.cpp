// Kokkos ops: custom assembly for the ops with index regions (like scf.for,
// their induction variables are region arguments) and verifiers whose
// messages speak Kokkos.
#include "Kokkos/KokkosDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::kokkos;

//===-- Shared syntax ---------------------------------------------------===//

static ParseResult parseExec(OpAsmParser &parser, OperationState &result) {
  StringRef kw;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseKeyword(&kw))
    return failure();
  std::optional<ExecSpace> exec = symbolizeExecSpace(kw);
  if (!exec)
    return parser.emitError(loc, "unknown execution space '")
           << kw << "'; expected default, default_host, serial, openmp or cuda";
  result.addAttribute("exec", ExecSpaceAttr::get(parser.getContext(), *exec));
  return success();
}

/// `(%i, %j) = (%lb0, %lb1) to (%ub0, %ub1)`; appends index-typed ivs.
static ParseResult parseRange(OpAsmParser &parser, OperationState &result,
                              SmallVectorImpl<OpAsmParser::Argument> &ivs,
                              int &rank) {
  SmallVector<OpAsmParser::UnresolvedOperand> lower, upper;
  Type index = parser.getBuilder().getIndexType();
  if (parser.parseArgumentList(ivs, OpAsmParser::Delimiter::Paren) ||
      parser.parseEqual() ||
      parser.parseOperandList(lower, OpAsmParser::Delimiter::Paren) ||
      parser.parseKeyword("to") ||
      parser.parseOperandList(upper, OpAsmParser::Delimiter::Paren) ||
      parser.resolveOperands(lower, index, result.operands) ||
      parser.resolveOperands(upper, index, result.operands))
    return failure();
  for (auto &iv : ivs)
    iv.type = index;
  rank = static_cast<int>(lower.size());
  if (upper.size() != lower.size() || ivs.size() != lower.size())
    return parser.emitError(parser.getCurrentLocation(),
                            "a policy needs one index, one begin and one end "
                            "per dimension");
  return success();
}

static void printRange(OpAsmPrinter &p, ValueRange ivs, ValueRange lower,
                       ValueRange upper) {
  p << " (" << ivs << ") = (" << lower << ") to (" << upper << ")";
}

static ParseResult parseTile(OpAsmParser &parser, OperationState &result) {
  if (failed(parser.parseOptionalKeyword("tile")))
    return success();
  SmallVector<int64_t> tile;
  if (parser.parseCommaSeparatedList(OpAsmParser::Delimiter::Square, [&] {
        return parser.parseInteger(tile.emplace_back());
      }))
    return failure();
  result.addAttribute("tile", parser.getBuilder().getDenseI64ArrayAttr(tile));
  return success();
}

static void printTile(OpAsmPrinter &p, std::optional<ArrayRef<int64_t>> tile) {
  if (!tile)
    return;
  p << " tile [";
  llvm::interleaveComma(*tile, p);
  p << "]";
}

static bool isBuiltinReducer(StringRef kind) {
  return llvm::is_contained(
      {"sum", "prod", "min", "max", "land", "lor", "band", "bor"}, kind);
}

/// `reduce [sum, @custom] -> f64, f64`
static ParseResult parseReducers(OpAsmParser &parser, OperationState &result) {
  SmallVector<Attribute> reducers;
  MLIRContext *ctx = parser.getContext();
  if (parser.parseKeyword("reduce") ||
      parser.parseCommaSeparatedList(OpAsmParser::Delimiter::Square, [&]() -> ParseResult {
        StringAttr sym;
        if (succeeded(parser.parseOptionalSymbolName(sym))) {
          reducers.push_back(FlatSymbolRefAttr::get(sym));
          return success();
        }
        StringRef kind;
        SMLoc loc = parser.getCurrentLocation();
        if (parser.parseKeyword(&kind))
          return failure();
        if (!isBuiltinReducer(kind))
          return parser.emitError(loc, "unknown reducer '")
                 << kind << "'; built-in reducers are sum, prod, min, max, "
                 << "land, lor, band, bor (or name a kokkos.reducer @symbol)";
        reducers.push_back(StringAttr::get(ctx, kind));
        return success();
      }) ||
      parser.parseArrow() || parser.parseTypeList(result.types))
    return failure();
  result.addAttribute("reducers", ArrayAttr::get(ctx, reducers));
  return success();
}

static void printReducers(OpAsmPrinter &p, ArrayAttr reducers, TypeRange types) {
  p << " reduce [";
  llvm::interleaveComma(reducers, p, [&](Attribute r) {
    if (auto sym = dyn_cast<FlatSymbolRefAttr>(r))
      p.printSymbolName(sym.getValue());
    else
      p << cast<StringAttr>(r).getValue();
  });
  p << "] -> " << types;
}

static ParseResult parseBody(OpAsmParser &parser, OperationState &result,
                             ArrayRef<OpAsmParser::Argument> args,
                             bool implicitYield) {
  Region *body = result.addRegion();
  if (parser.parseRegion(*body, args) ||
      parser.parseOptionalAttrDictWithKeyword(result.attributes))
    return failure();
  if (implicitYield) {
    if (body->empty())
      body->emplaceBlock();
    Block &block = body->front();
    if (block.empty() || !block.back().hasTrait<OpTrait::IsTerminator>()) {
      OpBuilder b(parser.getContext());
      b.setInsertionPointToEnd(&block);
      YieldOp::create(b, result.location);
    }
  }
  return success();
}

static void printBody(OpAsmPrinter &p, Operation *op, Region &body,
                      bool implicitYield) {
  p << " ";
  p.printRegion(body, /*printEntryBlockArgs=*/false,
                /*printBlockTerminators=*/!implicitYield);
  p.printOptionalAttrDictWithKeyword(
      op->getAttrs(), {"exec", "tile", "reducers", "scratch_bytes",
                       "operandSegmentSizes"});
}

static void setSegments(OperationState &result, ArrayRef<int32_t> sizes) {
  result.addAttribute("operandSegmentSizes",
                      DenseI32ArrayAttr::get(result.getContext(), sizes));
}

//===-- Shared verification ---------------------------------------------===//

/// The innermost enclosing kokkos region op (scf and other ops in between
/// are fine).
static Operation *kokkosParent(Operation *op) {
  for (Operation *p = op->getParentOp(); p; p = p->getParentOp())
    if (isa<ParallelForOp, ParallelReduceOp, ParallelScanOp, TeamParallelOp,
            TeamThreadForOp, ThreadVectorForOp, TeamThreadReduceOp, ReducerOp>(p))
      return p;
  return nullptr;
}

static LogicalResult verifyNotNested(Operation *op, StringRef what) {
  Operation *parent = kokkosParent(op);
  if (parent && !isa<ReducerOp>(parent))
    return op->emitOpError()
           << "nested parallel dispatch: a " << what << " inside a "
           << parent->getName().getStringRef().drop_front(7)
           << " body is not allowed in Kokkos; use a TeamPolicy "
              "(kokkos.team_parallel) with team_thread_for / thread_vector_for";
  return success();
}

static LogicalResult verifyPolicy(Operation *op, ValueRange lower,
                                  ValueRange upper,
                                  std::optional<ArrayRef<int64_t>> tile) {
  if (lower.size() != upper.size())
    return op->emitOpError("needs as many begins as ends (")
           << lower.size() << " vs " << upper.size() << ")";
  if (lower.empty() || lower.size() > 6)
    return op->emitOpError("a RangePolicy has 1 dimension and an MDRangePolicy "
                           "2 to 6 (Kokkos::Rank<2..6>); got ")
           << lower.size();
  if (tile) {
    if (tile->size() != lower.size())
      return op->emitOpError("tile hints need one extent per dimension: ")
             << tile->size() << " tiles for a rank-" << lower.size() << " policy";
    if (lower.size() == 1)
      return op->emitOpError("tile hints need an MDRangePolicy (rank >= 2)");
    for (int64_t t : *tile)
      if (t <= 0)
        return op->emitOpError("tile extents must be positive, got ") << t;
  }
  return success();
}

static LogicalResult verifyIndexArgs(Operation *op, Region &body, unsigned n,
                                     StringRef what) {
  Block &block = body.front();
  if (block.getNumArguments() < n)
    return op->emitOpError("body needs ") << n << " " << what;
  for (unsigned i = 0; i < n; ++i)
    if (!block.getArgument(i).getType().isIndex())
      return op->emitOpError("body argument #") << i << " must be an index";
  return success();
}

/// Every view dereferenced in a parallel body must be reachable from the
/// execution space the body runs in.
static LogicalResult verifyAccess(Operation *op, ExecSpace exec, Region &body) {
  WalkResult r = body.walk([&](Operation *inner) {
    Value view;
    if (auto load = dyn_cast<memref::LoadOp>(inner))
      view = load.getMemRef();
    else if (auto store = dyn_cast<memref::StoreOp>(inner))
      view = store.getMemRef();
    else if (auto atomic = dyn_cast<AtomicOp>(inner))
      view = atomic.getView();
    else
      return WalkResult::advance();
    MemorySpace space = getMemorySpace(cast<MemRefType>(view.getType()));
    if (space == MemorySpace::scratch && !inner->getParentOfType<TeamParallelOp>()) {
      inner->emitOpError("team scratch views exist only inside a TeamPolicy body");
      return WalkResult::interrupt();
    }
    if (!isAccessible(exec, space)) {
      inner->emitOpError("view in memory space '")
          << stringifyMemorySpace(space)
          << "' is not accessible from execution space '"
          << stringifyExecSpace(exec)
          << "'; deep_copy it to a view in an accessible space (e.g. a "
             "create_mirror_view) first";
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return failure(r.wasInterrupted());
}

static LogicalResult verifyYield(Operation *op, Region &body, TypeRange types,
                                 StringRef what) {
  auto yield = cast<YieldOp>(body.front().getTerminator());
  if (yield.getValues().getTypes() != types)
    return op->emitOpError("body must yield ")
           << what << " (" << types.size() << " value(s) of type(s) " << types
           << "), but yields " << yield.getValues().getTypes();
  return success();
}

static LogicalResult verifyReducerKinds(Operation *op, ArrayAttr reducers,
                                        TypeRange types) {
  if (reducers.size() != types.size())
    return op->emitOpError("has ")
           << reducers.size() << " reducer(s) but " << types.size()
           << " result(s); each reducer produces one result";
  for (auto [i, r, type] : llvm::enumerate(reducers, types)) {
    auto kind = dyn_cast<StringAttr>(r);
    if (!kind)
      continue; // custom reducer, checked in verifySymbolUses
    StringRef k = kind.getValue();
    if (!isBuiltinReducer(k))
      return op->emitOpError("unknown reducer '") << k << "'";
    bool isInt = type.isSignlessInteger(), isFloat = isa<FloatType>(type);
    if ((k == "land" || k == "lor") && !type.isInteger(1))
      return op->emitOpError("reducer #")
             << i << " (" << k << ") is a logical reduction of booleans (i1), "
             << "not " << type << "; use band/bor for bitwise reductions";
    if ((k == "band" || k == "bor") && !isInt)
      return op->emitOpError("reducer #")
             << i << " (" << k << ") needs an integer type, not " << type;
    if (!isInt && !isFloat)
      return op->emitOpError("reducer #")
             << i << " (" << k << ") needs an integer or floating-point type, "
             << "not " << type << "; use a custom kokkos.reducer";
  }
  return success();
}

static LogicalResult verifyCustomReducers(Operation *op, ArrayAttr reducers,
                                          TypeRange types,
                                          SymbolTableCollection &tables) {
  for (auto [i, r, type] : llvm::enumerate(reducers, types)) {
    auto sym = dyn_cast<FlatSymbolRefAttr>(r);
    if (!sym)
      continue;
    auto red = tables.lookupNearestSymbolFrom<ReducerOp>(op, sym.getAttr());
    if (!red)
      return op->emitOpError("custom reducer ")
             << sym << " is not defined; declare it with kokkos.reducer";
    if (red.getType() != type)
      return op->emitOpError("custom reducer ")
             << sym << " joins " << red.getType() << " but result #" << i
             << " is " << type;
  }
  return success();
}

//===-- parallel_for ----------------------------------------------------===//

ParseResult ParallelForOp::parse(OpAsmParser &parser, OperationState &result) {
  SmallVector<OpAsmParser::Argument> ivs;
  int rank;
  if (parseExec(parser, result) || parseRange(parser, result, ivs, rank) ||
      parseTile(parser, result))
    return failure();
  setSegments(result, {rank, rank});
  return parseBody(parser, result, ivs, /*implicitYield=*/true);
}

void ParallelForOp::print(OpAsmPrinter &p) {
  p << " " << stringifyExecSpace(getExec());
  printRange(p, getBody().getArguments(), getLower(), getUpper());
  printTile(p, getTile());
  printBody(p, *this, getBody(), /*implicitYield=*/true);
}

LogicalResult ParallelForOp::verify() {
  if (failed(verifyNotNested(*this, "parallel_for")))
    return failure();
  return verifyPolicy(*this, getLower(), getUpper(), getTile());
}

LogicalResult ParallelForOp::verifyRegions() {
  if (getBody().getNumArguments() != getLower().size())
    return emitOpError("body needs one index argument per policy dimension");
  if (failed(verifyIndexArgs(*this, getBody(), getLower().size(), "indices")) ||
      failed(verifyYield(*this, getBody(), {}, "nothing")))
    return failure();
  return verifyAccess(*this, getExec(), getBody());
}

//===-- parallel_reduce -------------------------------------------------===//

ParseResult ParallelReduceOp::parse(OpAsmParser &parser, OperationState &result) {
  SmallVector<OpAsmParser::Argument> ivs;
  int rank;
  if (parseExec(parser, result) || parseRange(parser, result, ivs, rank) ||
      parseTile(parser, result) || parseReducers(parser, result))
    return failure();
  setSegments(result, {rank, rank});
  return parseBody(parser, result, ivs, /*implicitYield=*/false);
}

void ParallelReduceOp::print(OpAsmPrinter &p) {
  p << " " << stringifyExecSpace(getExec());
  printRange(p, getBody().getArguments(), getLower(), getUpper());
  printTile(p, getTile());
  printReducers(p, getReducers(), getResultTypes());
  printBody(p, *this, getBody(), /*implicitYield=*/false);
}

LogicalResult ParallelReduceOp::verify() {
  if (failed(verifyNotNested(*this, "parallel_reduce")) ||
      failed(verifyPolicy(*this, getLower(), getUpper(), getTile())))
    return failure();
  return verifyReducerKinds(*this, getReducers(), getResultTypes());
}

LogicalResult ParallelReduceOp::verifyRegions() {
  if (getBody().getNumArguments() != getLower().size())
    return emitOpError("body needs one index argument per policy dimension");
  if (failed(verifyIndexArgs(*this, getBody(), getLower().size(), "indices")) ||
      failed(verifyYield(*this, getBody(), getResultTypes(),
                         "one contribution per reducer")))
    return failure();
  return verifyAccess(*this, getExec(), getBody());
}

LogicalResult
ParallelReduceOp::verifySymbolUses(SymbolTableCollection &tables) {
  return verifyCustomReducers(*this, getReducers(), getResultTypes(), tables);
}

//===-- parallel_scan ---------------------------------------------------===//

ParseResult ParallelScanOp::parse(OpAsmParser &parser, OperationState &result) {
  SmallVector<OpAsmParser::Argument> args;
  int rank;
  Type type;
  if (parseExec(parser, result) || parseRange(parser, result, args, rank))
    return failure();
  if (rank != 1)
    return parser.emitError(parser.getCurrentLocation(),
                            "parallel_scan takes a 1-D RangePolicy");
  if (parser.parseKeyword("scan") ||
      parser.parseArgumentList(args, OpAsmParser::Delimiter::Paren) ||
      parser.parseArrow() || parser.parseType(type))
    return failure();
  if (args.size() != 3)
    return parser.emitError(parser.getCurrentLocation(),
                            "scan needs (%partial, %final)");
  args[1].type = type;
  args[2].type = parser.getBuilder().getI1Type();
  result.addTypes(type);
  return parseBody(parser, result, args, /*implicitYield=*/false);
}

void ParallelScanOp::print(OpAsmPrinter &p) {
  Block &b = getBody().front();
  p << " " << stringifyExecSpace(getExec());
  printRange(p, b.getArgument(0), getLower(), getUpper());
  p << " scan (" << b.getArgument(1) << ", " << b.getArgument(2) << ") -> "
    << getType();
  printBody(p, *this, getBody(), /*implicitYield=*/false);
}

LogicalResult ParallelScanOp::verifyRegions() {
  if (failed(verifyNotNested(*this, "parallel_scan")))
    return failure();
  Block &b = getBody().front();
  if (b.getNumArguments() != 3 || !b.getArgument(0).getType().isIndex() ||
      b.getArgument(1).getType() != getType() ||
      !b.getArgument(2).getType().isInteger(1))
    return emitOpError("body takes (index, partial sum of type ")
           << getType() << ", final flag i1)";
  if (failed(verifyYield(*this, getBody(), getType(), "its contribution")))
    return failure();
  return verifyAccess(*this, getExec(), getBody());
}

//===-- Teams -----------------------------------------------------------===//

ParseResult TeamParallelOp::parse(OpAsmParser &parser, OperationState &result) {
  OpAsmParser::UnresolvedOperand league, team, vector;
  bool hasTeam = false, hasVector = false;
  Type index = parser.getBuilder().getIndexType();
  if (parseExec(parser, result) || parser.parseKeyword("league") ||
      parser.parseLParen() || parser.parseOperand(league) ||
      parser.parseRParen() || parser.resolveOperand(league, index, result.operands) ||
      parser.parseKeyword("team") || parser.parseLParen())
    return failure();
  if (failed(parser.parseOptionalKeyword("auto"))) {
    hasTeam = true;
    if (parser.parseOperand(team) ||
        parser.resolveOperand(team, index, result.operands))
      return failure();
  }
  if (parser.parseRParen())
    return failure();
  if (succeeded(parser.parseOptionalKeyword("vector"))) {
    hasVector = true;
    if (parser.parseLParen() || parser.parseOperand(vector) ||
        parser.parseRParen() ||
        parser.resolveOperand(vector, index, result.operands))
      return failure();
  }
  if (succeeded(parser.parseOptionalKeyword("scratch"))) {
    int64_t bytes;
    if (parser.parseLParen() || parser.parseInteger(bytes) || parser.parseRParen())
      return failure();
    result.addAttribute("scratch_bytes", parser.getBuilder().getI64IntegerAttr(bytes));
  }
  setSegments(result, {1, hasTeam ? 1 : 0, hasVector ? 1 : 0});
  SmallVector<OpAsmParser::Argument> args;
  if (parser.parseArgumentList(args, OpAsmParser::Delimiter::Paren))
    return failure();
  for (auto &a : args)
    a.type = index;
  return parseBody(parser, result, args, /*implicitYield=*/true);
}

void TeamParallelOp::print(OpAsmPrinter &p) {
  p << " " << stringifyExecSpace(getExec()) << " league(" << getLeagueSize()
    << ") team(";
  if (getTeamSize())
    p << getTeamSize();
  else
    p << "auto";
  p << ")";
  if (getVectorLength())
    p << " vector(" << getVectorLength() << ")";
  if (getScratchBytes())
    p << " scratch(" << getScratchBytes() << ")";
  p << " (" << getBody().getArguments() << ")";
  printBody(p, *this, getBody(), /*implicitYield=*/true);
}

LogicalResult TeamParallelOp::verifyRegions() {
  if (failed(verifyNotNested(*this, "team_parallel")))
    return failure();
  if (getBody().getNumArguments() != 4)
    return emitOpError("body takes (league_rank, team_rank, league_size, "
                       "team_size)");
  if (failed(verifyIndexArgs(*this, getBody(), 4, "indices")) ||
      failed(verifyYield(*this, getBody(), {}, "nothing")))
    return failure();
  auto reserved = static_cast<int64_t>(getScratchBytes());
  if (reserved < 0)
    return emitOpError("scratch size must be non-negative");
  int64_t requested = 0;
  getBody().walk([&](TeamScratchOp s) {
    MemRefType t = s.getType();
    requested += t.getNumElements() *
                 ((t.getElementType().getIntOrFloatBitWidth() + 7) / 8);
  });
  if (requested > reserved)
    return emitOpError("team scratch views need ")
           << requested << " bytes but the policy reserves " << reserved
           << " (TeamPolicy::set_scratch_size); raise scratch(...)";
  return verifyAccess(*this, getExec(), getBody());
}

static LogicalResult verifyInTeam(Operation *op, StringRef what,
                                  bool allowInThreadRange) {
  Operation *parent = kokkosParent(op);
  if (isa_and_nonnull<TeamParallelOp>(parent))
    return success();
  if (allowInThreadRange && isa_and_nonnull<TeamThreadForOp, TeamThreadReduceOp>(parent))
    return success();
  if (!parent || !op->getParentOfType<TeamParallelOp>())
    return op->emitOpError() << what << " is only valid inside a TeamPolicy "
                                        "body (kokkos.team_parallel)";
  return op->emitOpError()
         << what << " cannot be nested in a "
         << parent->getName().getStringRef().drop_front(7)
         << (allowInThreadRange
                 ? "; ThreadVectorRange nests in a team or TeamThreadRange"
                 : "; it belongs directly in the team body");
}

#define NESTED_FOR(OP, WHAT, ALLOW)                                            \
  ParseResult OP::parse(OpAsmParser &parser, OperationState &result) {         \
    SmallVector<OpAsmParser::Argument> ivs;                                    \
    int rank;                                                                  \
    if (parseRange(parser, result, ivs, rank))                                 \
      return failure();                                                        \
    return parseBody(parser, result, ivs, /*implicitYield=*/true);             \
  }                                                                            \
  void OP::print(OpAsmPrinter &p) {                                            \
    printRange(p, getBody().getArguments(), getLower(), getUpper());           \
    printBody(p, *this, getBody(), /*implicitYield=*/true);                    \
  }                                                                            \
  LogicalResult OP::verifyRegions() {                                          \
    if (failed(verifyInTeam(*this, WHAT, ALLOW)) ||                            \
        getBody().getNumArguments() != 1 ||                                   \
        failed(verifyIndexArgs(*this, getBody(), 1, "one index")))             \
      return failure();                                                        \
    return verifyYield(*this, getBody(), {}, "nothing");                       \
  }
NESTED_FOR(TeamThreadForOp, "TeamThreadRange (team_thread_for)", false)
NESTED_FOR(ThreadVectorForOp, "ThreadVectorRange (thread_vector_for)", true)
#undef NESTED_FOR

ParseResult TeamThreadReduceOp::parse(OpAsmParser &parser, OperationState &result) {
  SmallVector<OpAsmParser::Argument> ivs;
  int rank;
  if (parseRange(parser, result, ivs, rank) || parseReducers(parser, result))
    return failure();
  return parseBody(parser, result, ivs, /*implicitYield=*/false);
}

void TeamThreadReduceOp::print(OpAsmPrinter &p) {
  printRange(p, getBody().getArguments(), getLower(), getUpper());
  printReducers(p, getReducers(), getResultTypes());
  printBody(p, *this, getBody(), /*implicitYield=*/false);
}

LogicalResult TeamThreadReduceOp::verifyRegions() {
  if (failed(verifyInTeam(*this, "TeamThreadRange reduction (team_thread_reduce)",
                          false)) ||
      getBody().getNumArguments() != 1 ||
      failed(verifyIndexArgs(*this, getBody(), 1, "one index")) ||
      failed(verifyReducerKinds(*this, getReducers(), getResultTypes())))
    return failure();
  return verifyYield(*this, getBody(), getResultTypes(),
                     "one contribution per reducer");
}

LogicalResult
TeamThreadReduceOp::verifySymbolUses(SymbolTableCollection &tables) {
  return verifyCustomReducers(*this, getReducers(), getResultTypes(), tables);
}

LogicalResult TeamBarrierOp::verify() {
  return verifyInTeam(*this, "team_barrier", false);
}

LogicalResult TeamScratchOp::verify() {
  if (getMemorySpace(getType()) != MemorySpace::scratch)
    return emitOpError("team scratch views live in #kokkos.space<scratch>, not ")
           << stringifyMemorySpace(getMemorySpace(getType()));
  if (!getType().getElementType().isIntOrFloat())
    return emitOpError("team scratch holds integers or floats");
  if (!getOperation()->getParentOfType<TeamParallelOp>())
    return emitOpError("team scratch is only available inside a TeamPolicy body");
  return success();
}

//===-- Reducers --------------------------------------------------------===//

LogicalResult ReducerOp::verifyRegions() {
  Block &init = getInit().front(), &join = getJoin().front();
  if (init.getNumArguments() != 0)
    return emitOpError("init takes no arguments");
  if (join.getNumArguments() != 2 ||
      join.getArgument(0).getType() != getType() ||
      join.getArgument(1).getType() != getType())
    return emitOpError("join takes two values of type ") << getType();
  if (failed(verifyYield(*this, getInit(), getType(), "the identity")) ||
      failed(verifyYield(*this, getJoin(), getType(), "the joined value")))
    return failure();
  return success();
}

//===-- Views -----------------------------------------------------------===//

static LogicalResult sameShape(Operation *op, MemRefType a, MemRefType b,
                               StringRef what) {
  if (a.getElementType() != b.getElementType())
    return op->emitOpError() << what << " needs views of the same value type ("
                             << a.getElementType() << " vs "
                             << b.getElementType() << ")";
  if (a.getRank() != b.getRank())
    return op->emitOpError() << what << " needs views of the same rank ("
                             << a.getRank() << " vs " << b.getRank() << ")";
  for (int64_t d = 0; d < a.getRank(); ++d)
    if (!ShapedType::isDynamic(a.getDimSize(d)) &&
        !ShapedType::isDynamic(b.getDimSize(d)) &&
        a.getDimSize(d) != b.getDimSize(d))
      return op->emitOpError() << what << " needs views of equal extents; "
                               << "extent(" << d << ") is " << a.getDimSize(d)
                               << " vs " << b.getDimSize(d);
  return success();
}

LogicalResult DeepCopyOp::verify() {
  auto dst = cast<MemRefType>(getDst().getType());
  auto src = cast<MemRefType>(getSrc().getType());
  if (getMemorySpace(dst) == MemorySpace::scratch ||
      getMemorySpace(src) == MemorySpace::scratch)
    return emitOpError("deep_copy does not reach team scratch; copy in a team "
                       "loop instead");
  return sameShape(*this, dst, src, "deep_copy");
}

LogicalResult CreateMirrorViewOp::verify() {
  auto src = cast<MemRefType>(getSrc().getType());
  auto dst = cast<MemRefType>(getMirror().getType());
  if (getMemorySpace(dst) != MemorySpace::host)
    return emitOpError("create_mirror_view returns a HostSpace view, not one in ")
           << stringifyMemorySpace(getMemorySpace(dst));
  if (getMemorySpace(src) == MemorySpace::scratch)
    return emitOpError("cannot mirror a team scratch view");
  if (src.getLayout() != dst.getLayout())
    return emitOpError("a mirror keeps the layout of its view");
  return sameShape(*this, src, dst, "create_mirror_view");
}

LogicalResult SubviewOp::verify() {
  auto src = cast<MemRefType>(getSrc().getType());
  auto dst = cast<MemRefType>(getView().getType());
  if (getOffsets().size() != (size_t)src.getRank() ||
      getSizes().size() != (size_t)src.getRank())
    return emitOpError("subview takes one begin and one extent per dimension "
                       "of the view (rank ")
           << src.getRank() << ")";
  if (dst.getRank() != src.getRank() ||
      dst.getElementType() != src.getElementType())
    return emitOpError("a subview keeps the rank and value type of its view");
  if (getMemorySpace(dst) != getMemorySpace(src))
    return emitOpError("a subview stays in the memory space of its view");
  return success();
}

LogicalResult AtomicOp::verify() {
  auto view = cast<MemRefType>(getView().getType());
  if (getIndices().size() != (size_t)view.getRank())
    return emitOpError("needs one index per view dimension (rank ")
           << view.getRank() << "), got " << getIndices().size();
  if (getValue().getType() != view.getElementType() ||
      getOld().getType() != view.getElementType())
    return emitOpError("value type ")
           << getValue().getType() << " does not match the view's "
           << view.getElementType();
  if ((getKind() == AtomicKind::band || getKind() == AtomicKind::bor) &&
      !view.getElementType().isSignlessInteger())
    return emitOpError("atomic ") << stringifyAtomicKind(getKind())
                                  << " needs an integer view";
  return success();
}

#define GET_OP_CLASSES
#include "Kokkos/KokkosOps.cpp.inc"
