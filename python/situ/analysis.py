"""Placed analyses: ordinary Dask code whose per-block part situ may run inside
the simulation (see docs/placement.md)."""
from __future__ import annotations

import logging
import time
import uuid
from collections import deque
from typing import Any, Callable

import numpy as np
from distributed.client import futures_of

from .planner import LocalPlan, Template, run_raw_stages, step_graph, trace
from .planner.cost import PLACEMENTS, Decision, Model, Workers, decide, describe_raw, raw_path_s, recheck, rehome
from .planner.graph import STAGE_SECONDS

logger = logging.getLogger("situ.analysis")


class Analysis:
    """An analysis declared with :meth:`Session.analyse`.

    ``fn(**arrays)`` builds lazy Dask results from one step's arrays; situ traces it
    once on the simulation's layout, decides where its per-block stage runs, and
    computes the results every selected step. ``results`` keeps the last ``keep``
    ``(step, value)`` pairs; :meth:`then` registers consumers.
    """

    def __init__(self, fn: Callable, arrays: tuple[str, ...], every: int, start: int, placement: str,
                 keep: int, ident: str, model: Model | None = None) -> None:
        if placement not in PLACEMENTS:
            raise ValueError(f"placement must be one of {PLACEMENTS}, got {placement!r}")
        self.fn, self.arrays, self.every, self.start = fn, arrays, every, start
        self.placement, self.id = placement, ident
        self.name = getattr(fn, "__name__", ident)
        self.model = model or Model()
        self.results: deque = deque(maxlen=keep)
        self.handlers: list[Callable] = []
        self.template: Template | None = None
        self.decision: Decision | None = None
        self.steps = 0
        self.blocks = {"in_process": 0, "raw": 0}
        self.latency: list[float] = []
        # per step, seconds: (queued behind earlier steps, graph rewrite, fetching the
        # in-process results (local combine only), computing)
        self.timing: list[tuple[float, float, float, float]] = []
        self.local_steps = 0  # steps whose combine/aggregate ran in the session
        self._local: tuple | None = None  # (template, LocalPlan or None)
        self.pending: deque = deque()  # submitted steps: (step, futures, counts, t_publish, t0, t1)
        self.max_in_flight = 2         # steps computing on the cluster at once (more block the session)
        self.notify: Callable[[], None] | None = None  # wakes the session when a step is computed
        self.errors: list[str] = []
        self.kernel_prev: list[tuple[float, int]] | None = None  # ranks' cumulative kernel (seconds, runs)
        self.stage_s: dict = {}  # rank -> the workers' CPU seconds of its raw blocks' stages (deque)
        self._token = uuid.uuid4().hex[:12]  # keys of this session's raw-stage tasks
        self._nthreads: dict[str, int] = {}
        self.workers = Workers()  # what the cluster offers (at planning, then as re-read)
        self.rehomed: list[tuple[int, str]] = []  # (step, why) each time raw blocks' stages moved
        self.retired = False      # Session.remove: no more steps, no plans in the contract
        self.joined_live = False  # declared while the session ran: its first steps may predate its contract

    def then(self, fn: Callable) -> Callable:
        """Decorator: ``fn(step, value)`` with each step's computed results.

        >>> @moments.then                           # doctest: +SKIP
        ... def show(step, r): print(step, r["density"].sum())
        """
        self.handlers.append(fn)
        return fn

    def selects(self, step: int) -> bool:
        return not self.retired and step >= self.start and (step - self.start) % self.every == 0

    @property
    def in_process(self) -> bool:
        return self.decision is not None and self.decision.placement == "in_process"

    # -- planning ------------------------------------------------------------------
    def plan(self, layouts: dict, workers: Workers) -> None:
        """Trace on the layout and decide (called once every rank announced the arrays)."""
        self.workers = workers
        lay = {n: layouts[n] for n in self.arrays}
        try:
            self.template = trace(self.fn, lay)
            reasons = self.template.reasons
        except Exception as e:  # the analysis itself is broken: say so, keep it raw
            self.template = None
            reasons = [f"tracing failed: {type(e).__name__}: {e}"]
            self.errors.append(reasons[0])
        stages = list(self.template.stages.values()) if self.template else []
        self.decision = decide(stages, self.placement, reasons, workers, self.model)
        if not stages:  # nothing placeable: the raw bytes are the arrays' blocks
            from .protocol import DTYPES
            self.decision.bytes_raw = sum(int(np.prod(c, dtype=np.int64)) * DTYPES[lay[n]["dtype"]].itemsize
                                          for n in self.arrays for _, c in lay[n]["blocks"].values())
        for r in reasons:
            logger.info("situ: analysis %s: stays on Dask: %s", self.name, r)
        logger.info("situ: analysis %s placed %s: %s", self.name, self.decision.placement,
                    self.decision.reason)

    def plans(self) -> list[dict]:
        """The contract's plans: one per array, kernels shared by ranks with the same IR."""
        if not self.in_process or self.template is None or self.retired:
            return []
        out = []
        for name in self.arrays:
            groups: dict[str, dict] = {}
            for st in self.template.stages.values():
                if st.array != name:
                    continue
                g = groups.setdefault(st.ir, {"ranks": [], "entry": "situ_block", "ir": st.ir, "outputs": [
                    {"dtype": _wire_dtype(o.dtype), "count": max(o.size, 1)} for o in st.outputs]})
                g["ranks"].append(st.rank)
            if groups:
                out.append({"id": self.id, "array": name, "start": self.start, "stop": None,
                            "every": self.every, "kernels": list(groups.values())})
        return out

    def raw_entries(self) -> dict[str, tuple[int, int]]:
        """Arrays this analysis needs sent raw, as (start, every)."""
        if self.in_process or self.retired:
            return {}
        return {n: (self.start, self.every) for n in self.arrays}

    # -- running -------------------------------------------------------------------
    def run_step(self, step: int, msg: dict, client: Any, future: Callable, assemble: Callable) -> bool:
        """Compute this step's results; False if the step lacked the data.

        ``future(key)`` gives the step's Future of a block key; ``assemble(name,
        step, info)`` the plain Dask array of an array."""
        arrived = {n: {tuple(b[0]) for b in a["blocks"]} for n, a in msg["arrays"].items()}

        futs: dict = {}

        def stage_outputs(name: str, rank: int, n: int) -> list | None:
            keys = [(f"situ-{name}#{self.id}.{j}", step, rank) for j in range(n)]
            if all(k in arrived.get(k[0][5:], ()) for k in keys):
                futs[(name, rank)] = [future(k) for k in keys]
                return futs[(name, rank)]
            return None

        def raw_block(name: str, rank: int) -> Any:
            for cand in (name, f"{name}#{self.id}.raw"):
                k = (f"situ-{cand}", step, rank)
                if k in arrived.get(cand, ()):
                    return future(k)
            raise KeyError(f"array {name!r} step {step}: no block from rank {rank}")

        t0 = time.time()
        t_pub = msg.get("t_publish", t0)
        lp = self._local_plan()
        raws: list = []
        if lp is not None:
            for name, rank in lp.inputs:
                if stage_outputs(name, rank, len(lp.inputs[(name, rank)])) is None:
                    try:  # came raw (its kernel still compiling, or failed)
                        raws.append((name, rank, raw_block(name, rank)))
                    except KeyError as e:
                        self._skip(step, e)
                        return False
        if lp is not None and raws:
            # Some (or, placed raw, all) blocks came raw: their per-block tasks run where
            # they live, one task per worker thread, and the session combines as for
            # all-in-process steps. (The step's whole graph on the cluster took 0.5-2 s
            # at 16 ranks on 2 cores, and every later step waited behind it.)
            where = msg.get("where", {})
            per_worker: dict = {}
            transit = self._transit_workers()
            for i, (name, rank, fut) in enumerate(raws):
                # in transit: the stage runs on a worker of another node, the block moves there
                w = transit[i % len(transit)] if transit else where.get(str(rank))
                per_worker.setdefault(w, []).append((name, rank, fut))
            groups = []   # one task per worker thread that holds raw blocks
            for w, items in per_worker.items():
                k = max(1, min(len(items), self._threads(client, w)))
                groups += [(w, items[j::k]) for j in range(k)]
            rfuts = []
            for i, (w, items) in enumerate(groups):
                stages = [(lp.raw[(n, r)].ident, lp.raw[(n, r)].blob) for n, r, _ in items]
                f = client.submit(run_raw_stages, stages, *[fu for _, _, fu in items],
                                  key=f"situ-raw-stage-{self.id}-{step}-{i}-{self._token}", pure=False,
                                  workers=[w] if w else None, allow_other_workers=True)
                rfuts.append(([(n, r) for n, r, _ in items], f))
            counts = {"in_process": len(futs), "raw": len(raws)}
            t1 = time.time()
            ready = {k: _inline(msg, self.id, k, len(v)) for k, v in futs.items()}
            self.pending.append((step, _Mixed(lp, dict(futs), rfuts, {k: v for k, v in ready.items() if v}),
                                 counts, t_pub, t0, t1))
            if self.notify is not None:
                for _, f in rfuts:
                    f.add_done_callback(lambda _f: self.notify())
            return True
        if lp is not None:
            # Every block's stage ran in-process and the results are small: fetch them
            # from the workers in one call and run combine/aggregate here, on the
            # graph built once (no task of this step is scheduled on the cluster).
            got = {k: _inline(msg, self.id, k, len(v)) for k, v in futs.items()}
            order = [k for k in futs if got[k] is None]
            flat = client.gather([f for k in order for f in futs[k]], direct=True) if order else []
            i = 0
            for k in order:
                got[k] = flat[i:i + len(futs[k])]
                i += len(futs[k])
            t1b = time.time()
            value = lp.run(got)
            timing = (max(0.0, t0 - t_pub), 0.0, t1b - t0, time.time() - t1b)
            counts = {"in_process": len(got), "raw": 0}
            if self.pending:  # earlier steps still on the cluster: delivered after them, in order
                self.pending.append((step, _Done(value, timing), counts, t_pub, t0, t1b))
            else:
                self._deliver(step, value, counts, True, timing, t_pub)
            return True
        futs.clear()
        try:
            if self.template is not None:
                outputs, counts = step_graph(self.template, step, stage_outputs, raw_block)
            else:  # not planned yet (layout unknown): the plain graph on raw blocks
                if not all(n in msg["arrays"] for n in self.arrays):
                    return False
                outputs = self.fn(**{n: assemble(n, step, msg["arrays"][n]) for n in self.arrays})
                counts = {"in_process": 0, "raw": len(msg["arrays"][self.arrays[0]]["blocks"])}
        except KeyError as e:
            self._skip(step, e)
            return False
        t1 = time.time()
        # On the cluster: submitted, delivered in step order by poll() once computed, so
        # the session goes on receiving steps (and submitting them) meanwhile.
        transit = self._transit_workers()
        fut = client.compute(outputs, workers=transit) if transit else client.compute(outputs)
        self.pending.append((step, fut, counts, t_pub, t0, t1))
        if self.notify is not None:
            for f in futures_of(fut):
                f.add_done_callback(lambda _f: self.notify())
        return True

    def _transit_workers(self) -> list[str]:
        """Workers of other nodes where raw blocks' stages run, when placed in transit."""
        d = self.decision
        return list(self.workers.remote) if d is not None and d.raw_home == "in_transit" else []

    def _skip(self, step: int, why: Exception) -> None:
        # Declared while running, an analysis sees steps the ranks produced before its
        # contract reached them: not worth a warning until its data has come once.
        quiet = self.joined_live and self.steps == 0 and not self.pending
        (logger.debug if quiet else logger.warning)("situ: analysis %s skips step %s: %s", self.name, step, why)

    def poll(self, client: Any, wait: bool = False) -> int:
        """Deliver the computed results of submitted steps, oldest first; with ``wait``
        (or more than ``max_in_flight`` pending) block for them. Returns how many."""
        n = 0
        while self.pending:
            step, fut, counts, t_pub, t0, t1 = self.pending[0]
            if isinstance(fut, _Done):  # combined in the session, waiting for its turn
                self.pending.popleft()
                self._deliver(step, fut.value, counts, True, fut.timing, t_pub)
                n += 1
                continue
            if isinstance(fut, _Mixed):  # raw blocks' stages on the workers, combined here
                if not wait and len(self.pending) <= self.max_in_flight and not fut.done():
                    break
                self.pending.popleft()
                t2 = time.time()
                value = fut.finish(client)
                t3 = time.time()
                per_rank: dict = {}
                for (_, rank), sec in fut.stage_s.items():
                    per_rank[rank] = per_rank.get(rank, 0.0) + float(sec)
                for rank, sec in per_rank.items():
                    self.stage_s.setdefault(rank, deque(maxlen=64)).append(sec)
                self._deliver(step, value, counts, True, (max(0.0, t0 - t_pub), t1 - t0, t3 - t1 - fut.compute_s,
                                                          fut.compute_s), t_pub)
                n += 1
                continue
            if not wait and len(self.pending) <= self.max_in_flight and \
                    not all(f.done() for f in futures_of(fut)):
                break
            self.pending.popleft()
            value = client.gather(fut)
            t2 = time.time()
            self._deliver(step, value, counts, False, (max(0.0, t0 - t_pub), t1 - t0, 0.0, t2 - t1), t_pub)
            n += 1
        return n

    def _deliver(self, step: int, value: Any, counts: dict, local: bool, timing: tuple, t_pub: float) -> None:
        self.timing.append(timing)
        self.steps += 1
        self.local_steps += local
        for k in counts:
            self.blocks[k] += counts[k]
        self.latency.append(time.time() - t_pub)
        self.results.append((step, value))
        for h in self.handlers:
            h(step, value)

    def _threads(self, client: Any, worker: str | None) -> int:
        """Threads of a worker (asked of the scheduler once, again for a new worker)."""
        if worker is None:
            return 1
        if worker not in self._nthreads:
            try:
                self._nthreads = dict(client.nthreads())
            except Exception:
                logger.debug("situ: cannot ask the workers' threads", exc_info=True)
            self._nthreads.setdefault(worker, 1)
        return int(self._nthreads[worker])

    def _local_plan(self) -> LocalPlan | None:
        """The combine/aggregate graph run in the session, when every block has a
        per-block stage and their results are small (``Model.local_combine_bytes``):
        for every placement, as the blocks that come raw run their stage on the
        workers (``RawStage``)."""
        t = self.template
        if t is None or self.model.local_combine_bytes <= 0 or \
                sum(st.bytes_out for st in t.stages.values()) > self.model.local_combine_bytes:
            return None
        if self._local is None or self._local[0] is not t:
            try:
                self._local = (t, LocalPlan(t))
            except ValueError:   # a block has no stage (only forwarded raw)
                self._local = (t, None)
        return self._local[1]

    def measured(self, seconds_per_rank: list[float], rates: dict | None = None) -> str | None:
        """Record a step's in-process kernel time (slowest rank) and what the raw path
        costs (``rates``: rank -> (copy, send) seconds per byte measured by the rank, or
        None); a reason to re-place, or None."""
        if self.decision is None or not seconds_per_rank:
            return None
        d = self.decision
        d.measured_kernel_s.append(max(seconds_per_rank))
        if rates and self.template is not None:
            nbytes: dict = {}
            for st in self.template.stages.values():
                nbytes[st.rank] = nbytes.get(st.rank, 0) + st.bytes_in
            copy = _slowest(nbytes, {int(r): v[0] for r, v in rates.items() if v[0] is not None})
            if copy is not None:
                d.measured_copy_s = copy
                d.measured_send_s = _slowest(nbytes, {int(r): v[1] for r, v in rates.items() if v[1] is not None})
        if self.stage_s:
            d.measured_stage_s = max(float(np.median(v)) for v in self.stage_s.values())
        elif d.raw_home == "in_situ" and any(isinstance(p[1], _Mixed) for p in self.pending):
            return None   # raw blocks' stages still running on the workers: recheck when measured
        why = recheck(d, self.model)
        if why:
            d.placement = d.raw_home
            d.reason = "moved back to raw blocks: " + why
        return why

    def reload(self, workers: Workers, step: int) -> str | None:
        """The workers' load as they report it now (the session re-reads it every
        ``Model.load_recheck_s``): a reason when raw blocks' stages move, else None."""
        if self.decision is None or self.retired:
            return None
        self.workers = workers
        why = rehome(self.decision, workers, self.model, self.placement)
        if why:
            self.rehomed.append((step, why))
        return why

    # -- reporting -------------------------------------------------------------------
    def explain(self) -> str:
        """The plan in words: tasks per placement, bytes saved, estimated and measured costs."""
        d, t = self.decision, self.template
        lines = [f"analysis {self.name} ({self.id}) on {', '.join(self.arrays)}, every {self.every} "
                 f"from step {self.start}{' (removed)' if self.retired else ''}"]
        if d is None:
            return lines[0] + ": not planned yet (waiting for the arrays' layout)"
        lines.append(f"  placement: {d.placement}{' (pinned)' if d.pinned else ''} - {d.reason}")
        w = self.workers
        lines.append(f"  raw blocks' stages: {d.raw_home} - {d.raw_reason} (workers on the ranks' node: "
                     f"{f'load {w.node_load:.0%}' if w.same_node else 'none'}; on other nodes: {len(w.remote)})")
        for step, why in self.rehomed:
            lines.append(f"    moved at step {step}: {why}")
        if t is not None:
            ntask = len(t.dsk) - len(t.sources)
            per_block = sum(s.tasks for s in t.stages.values())
            lines.append(f"  tasks: {ntask} in the graph; {per_block} per-block "
                         f"({'in-process' if self.in_process else 'on Dask'}) in {len(t.stages)} blocks, "
                         f"{ntask - per_block} on Dask (combine/aggregate)")
            kernels = {s.ir for s in t.stages.values()}
            lines.append(f"  kernels: {len(kernels)} distinct; traced in {t.trace_seconds * 1e3:.1f} ms")
        if t is not None and t.stages:
            lines.append(f"  bytes per step: raw {_mib(d.bytes_raw)}, in-process results {_mib(d.bytes_in_process)}"
                         f" ({100.0 * (1 - d.bytes_in_process / max(d.bytes_raw, 1)):.2f}% saved when in-process)")
        else:
            lines.append(f"  bytes per step: raw {_mib(d.bytes_raw)} (no per-block stage to run in-process)")
        meas = d.measured_kernel_s
        m = f"measured {np.median(meas) * 1e3:.3f} ms over {len(meas)} steps (CPU)" if meas else "not measured"
        lines.append(f"  in-process kernel per step (slowest rank): estimated {d.est_kernel_s * 1e3:.3f} ms, "
                     f"{m}; the copy it replaces: estimated {d.est_copy_s * 1e3:.3f} ms")
        if d.measured_copy_s is not None:
            raw = raw_path_s(d)[0]
            lines.append(f"  raw path per step (slowest rank), measured (CPU, and waits for staging room): "
                         f"{raw * 1e3:.3f} ms = {describe_raw(d)}")
        if self.steps:
            lines.append(f"  ran {self.steps} steps: blocks in-process {self.blocks['in_process']}, raw "
                         f"{self.blocks['raw']}; combine/aggregate in the session {self.local_steps} steps, "
                         f"on the cluster {self.steps - self.local_steps}")
            q, g, f, c = (np.median([t[i] for t in self.timing]) * 1e3 for i in range(4))
            lines.append(f"  time to result per step (from the step's publication): median "
                         f"{np.median(self.latency) * 1e3:.1f} ms = queued behind earlier steps {q:.1f} + "
                         f"graph {g:.1f} + fetching results {f:.1f} + computing {c:.1f} (medians)")
        if t is not None and t.reasons:
            lines.append("  stays on Dask because: " + "; ".join(t.reasons[:5]))
        return "\n".join(lines)


class _Mixed:
    """A step with raw blocks: their stages computing on the workers (``rfuts``:
    ``([(array, rank), ...], Future)``), the other blocks' in-process results
    (``futs``); :meth:`finish` gathers both in one call and combines in the session."""
    __slots__ = ("lp", "futs", "rfuts", "got", "compute_s", "stage_s")

    def __init__(self, lp: LocalPlan, futs: dict, rfuts: list, got: dict) -> None:
        self.lp, self.futs, self.rfuts, self.got, self.compute_s = lp, futs, rfuts, got, 0.0
        self.stage_s: dict = {}  # (array, rank) -> the worker's CPU seconds of its stage

    def done(self) -> bool:
        return all(f.done() for _, f in self.rfuts)

    def finish(self, client: Any) -> Any:
        got = dict(self.got)   # the results that came inline
        order = [k for k in self.futs if k not in got]
        flat = client.gather([f for k in order for f in self.futs[k]] + [f for _, f in self.rfuts], direct=True)
        i = 0
        for k in order:
            got[k] = flat[i:i + len(self.futs[k])]
            i += len(self.futs[k])
        frontier = {}
        for (blocks, _), vals in zip(self.rfuts, flat[i:]):
            frontier.update(zip(blocks, vals))
            self.stage_s.update((b, v[STAGE_SECONDS]) for b, v in zip(blocks, vals) if STAGE_SECONDS in v)
        t = time.time()
        value = self.lp.run(got, frontier)
        self.compute_s = time.time() - t
        return value


class _Done:
    """A step's results computed in the session, queued behind earlier cluster steps."""
    __slots__ = ("value", "timing")

    def __init__(self, value: Any, timing: tuple) -> None:
        self.value, self.timing = value, timing


def _slowest(nbytes: dict, rate: dict) -> float | None:
    """Per step, the slowest rank: max over ranks of bytes x that rank's seconds per byte
    (a rank without a measurement takes the median rank's); None if no rank measured."""
    if not rate:
        return None
    typical = float(np.median(list(rate.values())))
    return max((n * rate.get(r, typical) for r, n in nbytes.items()), default=0.0)


def _inline(msg: dict, ident: str, block: tuple, n: int) -> list | None:
    """A block's in-process results if they all came inline with the step's event."""
    inline = msg.get("inline") or {}
    name, rank = block
    step = msg["step"]
    got = [inline.get((f"situ-{name}#{ident}.{j}", step, rank)) for j in range(n)]
    return None if any(v is None for v in got) else got


def _wire_dtype(dt: np.dtype) -> str:
    """A kernel output's dtype on the wire: uint64 (sums of uint8) travels as int64 and
    bool as uint8, the same bytes, viewed back by the step graph (``_rebuild``)."""
    if dt == np.dtype("u8"):
        return "i64"
    if dt.kind in "bu":
        return "u8"
    return f"{dt.kind}{8 * dt.itemsize}"


def _mib(n: float) -> str:
    return f"{int(n)} B ({n / 1048576:.3f} MiB)" if n >= 1024 else f"{int(n)} B"
