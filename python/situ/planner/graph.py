"""Read an analysis' Dask graph, find the per-block stages and rewrite the graph
to consume their in-process results.

The analysis runs once on placeholder arrays of the simulation's layout (one
source key per rank block). A task is *per-block* when everything it depends on
comes from one source block; the per-block tasks whose results leave that set
(consumed by a task of several blocks, or an output) form the block's
*frontier*. Tracing the per-block tasks on a :class:`~situ.planner.trace.Sym`
gives the expression a rank must compute; each frontier result is rebuilt on
the worker from the kernel's outputs (``_rebuild``), and the rest of the graph
(combine tree, aggregation) runs on Dask unchanged.
"""
from __future__ import annotations

import graphlib
import hashlib
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import dask
import dask.array as da
import numpy as np
from dask._task_spec import Alias, DataNode, GraphNode, Task, TaskRef, convert_legacy_graph

from .emit import emit_kernel
from .trace import Node, Record, Sym, Unmappable, leaves, register_dask_dispatch

PLAN_STEP = -1  # the step number of placeholder keys


@dataclass
class BlockStage:
    """The in-process stage of one rank block of one array."""
    array: str
    rank: int
    source: tuple                      # template source key
    shape: tuple[int, ...]
    dtype: np.dtype
    frontier: dict = field(default_factory=dict)   # template key -> rebuild spec
    outputs: list[Node] = field(default_factory=list)
    drop: set = field(default_factory=set)          # template keys the stage replaces
    ir: str = ""
    tasks: int = 0
    flops: int = 0

    @property
    def bytes_in(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) * self.dtype.itemsize

    @property
    def bytes_out(self) -> int:
        return sum(o.size * o.dtype.itemsize for o in self.outputs)


@dataclass
class Template:
    """An analysis traced on the layout: its graph, outputs and per-block stages."""
    dsk: dict                           # template key -> GraphNode
    outputs: Any                        # pytree of da.Array (template) / plain values
    sources: dict                       # template source key -> (array, rank)
    stages: dict = field(default_factory=dict)      # source key -> BlockStage
    reasons: list[str] = field(default_factory=list)  # why something stays on Dask
    trace_seconds: float = 0.0

    @property
    def placeable(self) -> bool:
        return bool(self.stages) and not self.reasons


def source_key(array: str, rank: int, step: int = PLAN_STEP) -> tuple:
    """The Dask key of a rank's block (the same as the worker plugin's)."""
    return (f"situ-{array}", step, rank)


def placeholders(layouts: dict) -> tuple[dict[str, da.Array], dict]:
    """Placeholder arrays over the simulation's blocks (no data), and their source keys."""
    from ..session import block_cells  # the same cut as live steps
    arrays, sources = {}, {}
    for name, lay in layouts.items():
        info = {"dtype": lay["dtype"],
                "blocks": [[list(source_key(name, int(r))), s, c] for r, (s, c) in sorted(
                    lay["blocks"].items(), key=lambda kv: int(kv[0])) if np.prod(c) > 0]}
        chunks, cells = block_cells(name, PLAN_STEP, info)
        gname = f"situ-{name}-plan"
        dsk: dict = {}
        for cell, key, sl in cells:
            sources[key] = (name, key[2])
            dsk.setdefault(key, DataNode(key, None))
            dsk[(gname, *cell)] = Alias((gname, *cell), key) if sl is None else \
                Task((gname, *cell), _getitem, TaskRef(key), sl)
        from ..protocol import DTYPES
        arrays[name] = da.Array(dsk, gname, chunks=chunks, dtype=DTYPES[lay["dtype"]])
    return arrays, sources


def _getitem(x: Any, sl: tuple) -> Any:
    return x[sl]


def _collections(tree: Any) -> list[da.Array]:
    return [v for _, v in leaves(tree) if isinstance(v, da.Array)]


def trace(fn: Callable, layouts: dict) -> Template:
    """Run ``fn(**placeholders)`` and find each rank block's in-process stage."""
    register_dask_dispatch()
    t0 = time.perf_counter()
    arrays, sources = placeholders(layouts)
    outputs = fn(**arrays)
    colls = _collections(outputs)
    if not colls:
        raise TypeError("an analysis must return Dask arrays (or dicts/tuples/lists of them)")
    graph: dict = {}
    for c in colls:
        graph.update(c.__dask_graph__())
    dsk = convert_legacy_graph(graph)
    tpl = Template(dsk=dsk, outputs=outputs, sources=sources)
    out_keys = {k for c in colls for k in dask.core.flatten(c.__dask_keys__())}

    deps = {k: set(v.dependencies) for k, v in dsk.items()}
    order = list(graphlib.TopologicalSorter(deps).static_order())
    src: dict = {}
    for k in order:
        src[k] = {k} if k in sources else set().union(*(src[d] for d in deps[k])) if deps[k] else set()
    users: dict = {k: [] for k in dsk}
    for k, ds in deps.items():
        for d in ds:
            users[d].append(k)

    consts: dict = {}

    def const_value(k: Any) -> Any:  # tasks of no block: evaluate once, for real
        if k not in consts:
            consts[k] = dsk[k]({d: const_value(d) for d in deps[k]})
        return consts[k]

    per_block: dict = {s: [] for s in sources}
    for k in order:
        if k not in sources and len(src[k]) == 1:
            per_block[next(iter(src[k]))].append(k)
    for s, keys in per_block.items():
        if not keys:
            continue   # this block is only forwarded raw (or not used)
        name, rank = sources[s]
        lay = layouts[name]
        from ..protocol import DTYPES
        count = tuple(int(c) for c in lay["blocks"][str(rank)][1]) if str(rank) in lay["blocks"] else \
            tuple(int(c) for c in lay["blocks"][rank][1])
        inp = Node("input", (), count, np.dtype(DTYPES[lay["dtype"]]))
        stage = BlockStage(array=name, rank=rank, source=s, shape=count, dtype=inp.dtype)
        values: dict = {s: Sym(inp)}
        cut: set = set()   # per-block tasks left to Dask: one that cannot be traced on
        failed = None      # computed inputs (and all after it) reads the stage's results
        for k in keys:
            if any(d in cut for d in deps[k]):
                cut.add(k)
                continue
            args = {d: values[d] if d in values else const_value(d) for d in deps[k]}
            try:
                values[k] = dsk[k](args)
            except Exception as e:  # Unmappable, or a chunk function we cannot trace
                # Reading reduced values (arg_combine of per-block (value, index)
                # records), it runs on Dask on the stage's results; reading the block
                # (or a view as large), the block goes raw.
                if sum(_sym_size(values[d]) for d in deps[k] if d in values) >= max(inp.size, 1):
                    failed = (k, e if isinstance(e, Unmappable) else f"{type(e).__name__}: {e}")
                    break
                cut.add(k)
        if failed is not None:
            tpl.reasons.append(f"{_label(failed[0])} (block of rank {rank}): {failed[1]}")
            continue
        keys = [k for k in keys if k not in cut]
        keyset = set(keys)
        if any(u not in keyset for u in users[s]):
            tpl.reasons.append(f"{_label(users[s][0])} reads the raw block of rank {rank} together "
                               f"with other data")
            continue
        frontier = [k for k in keys if k in out_keys or any(u not in keyset for u in users[k])]
        # The same outputs in the same order on every block (the topological order
        # interleaves blocks differently), so equal blocks get identical, shared kernels.
        frontier.sort(key=lambda k: (k[0], repr(k[1:])) if isinstance(k, tuple) else (str(k), ""))
        outs: dict[int, int] = {}
        for k in frontier:
            stage.frontier[k] = _spec(values[k], stage.outputs, outs)
        stage.drop = keyset
        stage.tasks = len(keys)
        try:
            stage.ir = emit_kernel(inp, stage.outputs)
        except Unmappable as e:
            tpl.reasons.append(f"block of rank {rank}: {e}")
            continue
        stage.flops = _flops(stage.outputs)
        tpl.stages[s] = stage
    tpl.trace_seconds = time.perf_counter() - t0
    return tpl


def _sym_size(value: Any) -> int:
    """Elements of the symbolic values in a task result."""
    if isinstance(value, Record):
        return sum(_sym_size(v) for v in value.fields.values())
    return sum(v.size if isinstance(v, Sym) else _sym_size(v) if isinstance(v, Record) else 0
               for _, v in leaves(value))


def _label(key: Any) -> str:
    name = key[0] if isinstance(key, tuple) else str(key)
    return name.rsplit("-", 1)[0] if "-" in name else name


def _spec(value: Any, outputs: list[Node], index: dict[int, int]) -> Any:
    """A frontier result with each symbolic leaf replaced by ("out", j)."""
    if isinstance(value, Record):  # a structured array, field by field
        missing = [f for f in value.dtype.names if f not in value.fields]
        if missing:
            raise Unmappable(f"record fields {missing} never set")
        return {"record": [(f, _spec(value.fields[f], outputs, index)) for f in value.dtype.names],
                "shape": value.shape, "rdtype": value.dtype.descr}
    if isinstance(value, dict):
        return {"dict": {k: _spec(v, outputs, index) for k, v in value.items()}}
    if isinstance(value, (tuple, list)):
        return {"seq": [_spec(v, outputs, index) for v in value], "tuple": isinstance(value, tuple)}
    if isinstance(value, Sym):
        n = value.node
        if n.op == "const":
            return {"const": n.attrs["value"]}
        if id(n) not in index:
            index[id(n)] = len(outputs)
            outputs.append(n)
        return {"out": index[id(n)], "shape": n.shape, "dtype": n.dtype.str}
    if isinstance(value, Node):
        raise Unmappable("internal: bare node in a task result")
    return {"const": value}


def _rebuild(spec: Any, *outs: np.ndarray) -> Any:
    """Turn a rank's flat kernel outputs back into the frontier task's result."""
    if "out" in spec:
        a = np.asarray(outs[spec["out"]]).view(spec["dtype"])[: int(np.prod(spec["shape"], dtype=np.int64))]
        a = a.reshape(spec["shape"])
        return a[()] if a.ndim == 0 else a
    if "const" in spec:
        return spec["const"]
    if "record" in spec:
        r = np.empty(tuple(spec["shape"]), dtype=np.dtype([tuple(d) for d in spec["rdtype"]]))
        for f, sp in spec["record"]:
            r[f] = _rebuild(sp, *outs)
        return r
    if "dict" in spec:
        return {k: _rebuild(v, *outs) for k, v in spec["dict"].items()}
    seq = [_rebuild(v, *outs) for v in spec["seq"]]
    return tuple(seq) if spec["tuple"] else seq


def _flops(outputs: Sequence[Node]) -> int:
    seen: set[int] = set()
    total = 0

    def visit(n: Node, reps: int) -> None:
        nonlocal total
        if n.op in ("map", "cast", "reduce", "argreduce", "hist"):
            total += max(n.args[0].size if n.op in ("reduce", "argreduce", "hist") else n.size, 1)
        for a in n.args:
            if id(a) not in seen:
                seen.add(id(a))
                visit(a, reps)
    for o in outputs:
        visit(o, 1)
    return total


def rename(key: Any, step: int) -> Any:
    if isinstance(key, tuple):
        return (f"{key[0]}@{step}",) + key[1:]
    return f"{key}@{step}"


def step_graph(tpl: Template, step: int, stage_outputs: Callable[[str, int, int], list | None],
               raw_block: Callable[[str, int], Any]) -> tuple[Any, dict]:
    """This step's graph, as the template's outputs rebuilt over the step's data.

    ``stage_outputs(array, rank, n)`` gives the ``n`` in-process results of a rank's
    block (graph values: Futures on a cluster, DataNodes in tests) or None if they
    did not arrive; then ``raw_block(array, rank)`` gives the raw block, which
    feeds the original per-block tasks. Keys are renamed per step so steps never
    share a key. Returns (outputs pytree, {"in_process": n, "raw": n}).
    """
    dsk: dict = {}
    drop: set = set()
    counts = {"in_process": 0, "raw": 0}
    subs: dict = {k: rename(k, step) for k in tpl.dsk}
    for s, (name, rank) in tpl.sources.items():
        stage = tpl.stages.get(s)
        outs = stage_outputs(name, rank, len(stage.outputs)) if stage is not None else None
        if stage is not None and outs is not None:
            counts["in_process"] += 1
            drop |= stage.drop | {s}
            refs = []
            for j, v in enumerate(outs):
                k = (f"situ-stage@{step}", name, rank, j)
                dsk[k] = DataNode(k, v) if isinstance(v, np.ndarray) else v
                refs.append(TaskRef(k))
            for fk, spec in stage.frontier.items():
                dsk[subs[fk]] = Task(subs[fk], _rebuild, spec, *refs)
            continue
        counts["raw"] += 1
        v = raw_block(name, rank)
        dsk[subs[s]] = DataNode(subs[s], v) if isinstance(v, np.ndarray) else v
        drop.add(s)
    for k, node in tpl.dsk.items():
        if k not in drop:
            dsk[subs[k]] = node.substitute(subs, key=subs[k])

    def out(v: Any) -> Any:
        if isinstance(v, da.Array):
            return da.Array(dsk, rename(v.name, step), chunks=v.chunks, dtype=v.dtype, meta=v._meta)
        if isinstance(v, dict):
            return {k: out(x) for k, x in v.items()}
        if isinstance(v, (tuple, list)):
            return type(v)(out(x) for x in v)
        return v
    return out(tpl.outputs), counts


class LocalPlan:
    """The step graph of a template whose every block ran in-process, built once and
    run in the session process: per step only the stage outputs change, so the
    graph is neither rebuilt (renamed keys, substituted tasks) nor re-ordered, and
    no scheduler is involved (what ``dask.compute(..., scheduler="sync")`` of
    :func:`step_graph` computes, in a fraction of the time).
    """

    def __init__(self, tpl: Template) -> None:
        if not tpl.stages or set(tpl.stages) != set(tpl.sources):
            raise ValueError("a local plan needs an in-process stage for every block")
        self.inputs: dict = {}

        def stage_outputs(name: str, rank: int, n: int) -> list:
            self.inputs[(name, rank)] = [(f"situ-stage@local", name, rank, j) for j in range(n)]
            return [np.empty(0)] * n

        def no_raw(name: str, rank: int) -> Any:
            raise AssertionError("every block is in-process")
        self.outputs, _ = step_graph(tpl, "local", stage_outputs, no_raw)
        dsk: dict = {}
        for c in _collections(self.outputs):
            dsk.update(c.__dask_graph__())
        need, stack = set(), [k for c in _collections(self.outputs) for k in dask.core.flatten(c.__dask_keys__())]
        while stack:
            k = stack.pop()
            if k not in need:
                need.add(k)
                stack.extend(dsk[k].dependencies)
        given = {k for keys in self.inputs.values() for k in keys}
        deps = {k: set(dsk[k].dependencies) for k in need}
        self.order = [k for k in graphlib.TopologicalSorter(deps).static_order() if k not in given]
        self.dsk = {k: dsk[k] for k in self.order}
        self.deps = {k: tuple(deps[k]) for k in self.order}
        # A block that came raw (its kernel still compiling, or failed) is given as its
        # frontier values, computed where the block lives (RawStage); they take the
        # place of the tasks that rebuild them from kernel outputs.
        self.frontier = {(st.array, st.rank): [(fk, rename(fk, "local")) for fk in st.frontier]
                         for st in tpl.stages.values()}
        self.raw = {(st.array, st.rank): RawStage(tpl, s) for s, st in tpl.stages.items()}

    def run(self, got: dict, frontier: dict | None = None) -> Any:
        """``got[(array, rank)]``: the flat kernel outputs of each block, or, for blocks
        in ``frontier``, ``frontier[(array, rank)]``: their :class:`RawStage` values.
        Returns the analysis' outputs computed (as ``dask.compute`` would return them)."""
        values: dict = {}
        for block, keys in self.inputs.items():
            if frontier and block in frontier:
                fv = frontier[block]
                values.update((lk, fv[fk]) for fk, lk in self.frontier[block])
            else:
                values.update(zip(keys, got[block]))
        for k in self.order:
            if k not in values:
                values[k] = self.dsk[k]({d: values[d] for d in self.deps[k]})

        def nest(keys: Any) -> Any:
            return [nest(k) for k in keys] if isinstance(keys, list) else values[keys]

        def fin(v: Any) -> Any:
            if isinstance(v, da.Array):
                f, extra = v.__dask_postcompute__()
                return f(nest(v.__dask_keys__()), *extra)
            if isinstance(v, dict):
                return {k: fin(x) for k, x in v.items()}
            if isinstance(v, (tuple, list)):
                return type(v)(fin(x) for x in v)
            return v
        return fin(self.outputs)


class RawStage:
    """A block's per-block tasks (the unplaced graph's own), to run on the raw block
    where it lives: returns the frontier values that the in-process kernel's outputs
    would have been rebuilt into, so a step with raw blocks is still combined by
    :class:`LocalPlan` in the session (one small task per worker, not the step's
    whole graph on the cluster). Picklable: ``blob`` is sent to the workers."""

    def __init__(self, tpl: Template, source: tuple) -> None:
        stage = tpl.stages[source]
        need, stack = set(), list(stage.frontier)
        while stack:
            k = stack.pop()
            if k in need or k == source:
                continue
            need.add(k)
            stack.extend(tpl.dsk[k].dependencies)
        deps = {k: set(tpl.dsk[k].dependencies) - {source} for k in need}
        order = list(graphlib.TopologicalSorter(deps).static_order())
        import cloudpickle
        self.blob = cloudpickle.dumps((source, [(k, tpl.dsk[k]) for k in order], list(stage.frontier)))
        self.ident = hashlib.sha1(self.blob).hexdigest()


_RAW_PROGRAMS: dict = {}


STAGE_SECONDS = "situ-stage-seconds"   # in run_raw_stages' values: CPU seconds of the block's stage


def run_raw_stages(stages: list, *blocks: Any) -> list[dict]:
    """On a worker: ``stages[i] = (ident, blob)`` of :class:`RawStage`, run on
    ``blocks[i]``; returns each block's frontier values."""
    import pickle
    import time
    out = []
    for (ident, blob), block in zip(stages, blocks):
        prog = _RAW_PROGRAMS.get(ident)
        if prog is None:
            if len(_RAW_PROGRAMS) > 256:
                _RAW_PROGRAMS.clear()
            prog = _RAW_PROGRAMS[ident] = pickle.loads(blob)
        source, tasks, frontier = prog
        t = time.thread_time()
        values = {source: block}
        for k, node in tasks:
            values[k] = node({d: values[d] for d in node.dependencies})
        res = {k: values[k] for k in frontier}
        res[STAGE_SECONDS] = time.thread_time() - t   # the worker's CPU on this block (cost model)
        out.append(res)
    return out


__all__ = ["Template", "BlockStage", "LocalPlan", "RawStage", "run_raw_stages", "STAGE_SECONDS", "trace", "step_graph", "source_key", "GraphNode"]
