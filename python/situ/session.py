"""The analytics side: attach to a simulation and analyse its arrays per step."""
from __future__ import annotations

import itertools
import json
from functools import partial
import logging
import operator
import os
import queue
import time
import traceback
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

import dask.array as da
import numpy as np
from distributed import Client, Future
from distributed.client import FutureCancelledError, FuturesCancelledError

from . import protocol as P
from .analysis import Analysis
from .contract import array_contract, selects, validate_contract
from .planner.cost import Model, Workers

logger = logging.getLogger("situ.session")


class SituError(RuntimeError):
    """A situ session could not do what was asked (the message says why)."""


def read_connection(path: str | None = None) -> dict:
    """Read the connection file (default: ``$SITU_CONNECTION``)."""
    path = path or os.environ.get("SITU_CONNECTION")
    if not path:
        raise SituError("no connection file: pass connection= or set SITU_CONNECTION "
                        "(situ run sets it for you)")
    try:
        with open(path) as f:
            info = json.load(f)
    except OSError as e:
        raise SituError(f"cannot read connection file {path}: {e.strerror}") from None
    except json.JSONDecodeError as e:
        raise SituError(f"connection file {path} is not valid JSON (line {e.lineno}): {e.msg}") from None
    for k in ("token", "scheduler", "workers"):
        if k not in info:
            raise SituError(f"connection file {path} lacks {k!r}")
    P.token_bytes(info["token"])
    return info


def _kernel_counters(info: dict, a: Analysis) -> tuple[float, int]:
    """A rank's cumulative (kernel seconds, kernel runs) for analysis ``a``: its own plans'
    CPU time where the rank reports per plan; else all of the rank's kernels (CPU time,
    else the wall clock), which counts other analyses' kernels too."""
    plans = info.get("plans")
    if isinstance(plans, dict):
        mine = [plans[f"{a.id}:{n}"] for n in a.arrays if f"{a.id}:{n}" in plans]
        return float(sum(v[0] for v in mine)), int(sum(v[1] for v in mine))
    return (float(info.get("kernel_cpu_seconds", info.get("kernel_seconds", 0.0))),
            int(info.get("kernel_runs", 0)))


def block_cells(name: str, step: int, info: dict):
    """Cut a step's blocks into the grid of all block boundaries.

    Returns ``(chunks, cells)``; each cell is ``(cell index, block key, slice of the
    block or None for the whole block)``.
    """
    blocks = [(tuple(k), tuple(s), tuple(c)) for k, s, c in info["blocks"]]
    nd = len(blocks[0][1])
    lo = [min(b[1][d] for b in blocks) for d in range(nd)]
    hi = [max(b[1][d] + b[2][d] for b in blocks) for d in range(nd)]
    cuts = [sorted({lo[d], hi[d]} | {b[1][d] for b in blocks} | {b[1][d] + b[2][d] for b in blocks})
            for d in range(nd)]
    index = [{c: i for i, c in enumerate(cd)} for cd in cuts]
    chunks = tuple(tuple(int(x) for x in np.diff(cd)) for cd in cuts)
    cells, seen = [], set()
    for key, start, count in blocks:
        ranges = [range(index[d][start[d]], index[d][start[d] + count[d]]) for d in range(nd)]
        for cell in itertools.product(*ranges):
            if cell in seen:
                raise SituError(f"array {name!r} step {step}: blocks overlap at chunk {cell}")
            seen.add(cell)
            sl = None
            if not all(len(r) == 1 for r in ranges):
                sl = tuple(slice(cuts[d][c] - start[d], cuts[d][c + 1] - start[d]) for d, c in enumerate(cell))
            cells.append((cell, key, sl))
    ncells = int(np.prod([len(c) for c in chunks]))
    if len(cells) != ncells:
        raise SituError(f"array {name!r} step {step}: blocks cover {len(cells)} of {ncells} chunks "
                        f"of the region {list(zip(lo, hi))}")
    return chunks, cells


def assemble(name: str, step: int, info: dict, client: Client, futures: dict | None = None) -> da.Array:
    """One step of one array as a Dask array whose chunks are the simulation's blocks.

    Irregular decompositions are cut into the grid of all block boundaries; each grid
    cell is a slice of exactly one block.
    """
    chunks, cells = block_cells(name, step, info)
    gname = f"situ-{name}-{step}"
    dsk: dict = {}
    futs: dict = {} if futures is None else futures  # one Future per key: shared refcount
    for cell, key, sl in cells:
        fut = futs.setdefault(key, Future(key, client))
        dsk[(gname, *cell)] = fut if sl is None else (operator.getitem, fut, sl)
    return da.Array(dsk, gname, chunks=chunks, dtype=P.DTYPES[info["dtype"]])


@dataclass
class _Callback:
    fn: Callable
    arrays: tuple[str, ...]
    window: int
    every: int
    start: int
    history: deque = field(default_factory=deque)
    last: int | None = None


class Session:
    """Analytics attached to a running simulation.

    Arrays arrive per step as Dask arrays with the simulation's blocks as chunks;
    callbacks see sliding windows of steps; only what the callbacks (and explicit
    contracts) ask for is sent by the simulation.

    Examples
    --------
    >>> with Session() as s:                        # doctest: +SKIP
    ...     @s.on_step("T", window=2, every=10)
    ...     def rate(steps, T):                     # T: (2, nx, ny) Dask array
    ...         dTdt = (T[1] - T[0]) / (steps[1] - steps[0])
    ...         print(steps[1], float(abs(dTdt).max().compute()))
    ...     s.run()
    """

    def __init__(self, connection: str | None = None, client: Client | None = None,
                 on_error: str = "log") -> None:
        if on_error not in ("log", "raise"):
            raise ValueError("on_error must be 'log' or 'raise'")
        self.info = read_connection(connection)
        self._own_client = client is None
        self.client = client or Client(self.info["scheduler"], timeout="30s")
        self.on_error = on_error
        self._init_state()
        self.client.subscribe_topic("situ", self._on_event)
        self._adopt(self.client.sync(self.client.scheduler.situ_attach, client=self.client.id))

    def _init_state(self) -> None:
        """What a session knows and has done, before anything happened."""
        self._events: queue.Queue = queue.Queue()
        self._callbacks: list[_Callback] = []
        self._analyses: list[Analysis] = []
        self._layouts: dict[str, dict] = {}
        self._nranks = 0
        self._shm: dict[int, bool] = {}
        self._rank_hosts: dict[int, str] = {}
        self._rank_costs: dict = {}  # rank -> raw-path counters and per-byte costs (cost model)
        self._load_read = time.monotonic()  # when the workers' load was last read (planning reads it too)
        self.model = Model()
        self._explicit: dict[str, dict] = {}
        self._queued = 0  # analyses declared while run() goes on, not yet taken in by it
        self._step_futures: dict = {}
        self.dropped_steps: list[int] = []
        self.lost_steps: list[int] = []
        self.errors: list[str] = []
        self.steps_seen = 0
        self.reconnects = 0
        self.bytes_received = 0
        self.step_bytes: list[tuple[int, int]] = []  # (step, bytes the ranks sent for it)
        self.latency: list[float] = []
        self.summary: dict | None = None
        self._running = False

    def _adopt(self, state: dict) -> None:
        """A simulation already running when the session attaches announced its arrays
        before: take their layouts from the scheduler, so analyses are planned at once."""
        if state.get("ended"):
            return
        self._nranks = int(state.get("nranks") or 0)
        for r, info in (state.get("ranks") or {}).items():
            self._shm[int(r)] = bool(info.get("shm"))
            self._rank_hosts[int(r)] = info.get("host", "")
        for name, a in (state.get("arrays") or {}).items():
            if "#" not in name:
                self._layouts[name] = {"dtype": a["dtype"], "shape": a["shape"], "blocks": dict(a["blocks"])}

    # -- declaring what to analyse -------------------------------------------
    def contract(self, array: str, start: int = 0, stop: int | None = None, every: int = 1,
                 region: Sequence | None = None) -> None:
        """Ask for ``array`` at steps ``start, start+every, ... < stop``, only the part in
        ``region`` (``[[lo, hi), ...]`` or slices). The simulation sends nothing else.

        >>> s.contract("T", every=10, region=[slice(0, 128), slice(0, 64)])  # doctest: +SKIP
        """
        self._explicit[array] = array_contract(start, stop, every, region)
        self._push_contract()

    def on_step(self, arrays: str | Iterable[str], window: int = 1, every: int = 1,
                start: int = 0) -> Callable:
        """Decorator: call ``fn(step, **arrays)`` for every selected step.

        With ``window=1`` each array is a Dask array of the global (or contracted
        region) shape; with ``window=k > 1`` the callback gets the tuple of the last
        ``k`` steps and arrays with a leading time dimension of length ``k``.
        A lost or dropped step empties the windows, so a window never spans a gap.
        """
        names = (arrays,) if isinstance(arrays, str) else tuple(arrays)
        if not names or window < 1 or every < 1:
            raise ValueError("on_step needs at least one array, window >= 1 and every >= 1")

        def register(fn: Callable) -> Callable:
            self._callbacks.append(_Callback(fn, names, window, every, start, deque(maxlen=window)))
            return fn
        return register

    def analyse(self, arrays: str | Iterable[str], every: int = 1, start: int = 0,
                placement: str = "auto", keep: int = 16) -> Callable:
        """Decorator: a placed analysis. ``fn(**arrays)`` returns lazy Dask results
        (arrays, or dicts/tuples/lists of them) for one step; situ reads its graph once
        the simulation's layout is known, runs the per-block part inside the
        simulation when the cost model (or ``placement``: ``"in_process"``,
        ``"in_situ"``, ``"in_transit"``) says so, and computes the results every
        selected step. Consume them with ``@analysis.then`` or ``analysis.results``.

        >>> @s.analyse("f", every=10)                        # doctest: +SKIP
        ... def moments(f):
        ...     return {"density": f.sum(axis=(2, 3))}
        >>> @moments.then                                     # doctest: +SKIP
        ... def show(step, r): print(step, r["density"].max())
        >>> print(moments.explain())                          # doctest: +SKIP
        """
        names = (arrays,) if isinstance(arrays, str) else tuple(arrays)
        if not names or every < 1:
            raise ValueError("analyse needs at least one array and every >= 1")

        def register(fn: Callable) -> Analysis:
            a = Analysis(fn, names, every, start, placement, keep, f"a{len(self._analyses) + self._queued}",
                         self.model)
            a.notify = lambda: self._events.put({"type": "_computed"})
            if self._running:   # run()'s thread plans it and sends the new plans to the ranks
                a.joined_live = True
                self._queued += 1
                self._events.put({"type": "_analysis", "add": a})
            else:
                self._analyses.append(a)
                self._plan_ready()
            return a
        return register

    def remove(self, analysis: Analysis) -> None:
        """Stop an analysis: its plans leave the contract (the ranks drop its kernels and
        send nothing more for it); results of steps already submitted are still delivered.

        >>> s.remove(moments)  # doctest: +SKIP
        """
        if self._running:
            self._events.put({"type": "_analysis", "remove": analysis})
        else:
            analysis.retired = True

    def explain(self) -> str:
        """Every placed analysis' plan (see :meth:`Analysis.explain`)."""
        return "\n".join(a.explain() for a in self._analyses) or "no placed analyses"

    def set(self, key: str, value: int | float | str) -> None:
        """Steering: the simulation reads ``value`` with ``situ_steer_get_*(key)`` from a
        later step on.

        >>> s.set("source", 0.5)  # doctest: +SKIP
        """
        self.client.sync(self.client.scheduler.situ_set, key=key, value=value)

    def _contract(self) -> dict:
        arrays = dict(self._explicit)
        wanted: dict[str, list[tuple[int, int]]] = {}
        for cb in self._callbacks:
            for name in cb.arrays:
                if name not in self._explicit:
                    wanted.setdefault(name, []).append((cb.start, cb.every))
        for a in self._analyses:
            for name, spec in a.raw_entries().items():
                if name not in self._explicit:
                    wanted.setdefault(name, []).append(spec)
        for name, specs in wanted.items():
            # The coarsest step lattice that contains every callback's steps.
            s0 = min(s for s, _ in specs)
            every = 0
            for s, e in specs:
                every = int(np.gcd(np.gcd(every, e), s - s0))
            arrays[name] = array_contract(s0, None, every)
        plans = [p for a in self._analyses for p in a.plans()]
        return validate_contract({"arrays": arrays, "plans": plans})

    def _push_contract(self, ready: bool = False) -> None:
        self.client.sync(self.client.scheduler.situ_contract, contract=self._contract(), ready=ready)

    # -- running ------------------------------------------------------------
    def _on_event(self, event: Any) -> None:
        msg = event[1] if isinstance(event, tuple) and len(event) == 2 else event
        self._events.put(msg)

    def run(self, timeout: float | None = None) -> dict:
        """Send the contract, then process steps until the simulation ends (or
        ``timeout`` seconds pass). Returns the run's summary."""
        self._running = True
        try:
            return self._run(timeout)
        finally:
            self._running = False

    def _run(self, timeout: float | None) -> dict:
        self._plan_ready()
        self._push_contract(ready=True)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                msg = self._events.get(timeout=wait if wait is not None else 1.0)
            except queue.Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise SituError(f"no end of simulation within {timeout} s") from None
                continue
            kind = msg.get("type")
            if kind == "step":
                self._handle_step(msg)
                self._poll_analyses()
            elif kind == "_computed":
                self._poll_analyses()
            elif kind in ("dropped", "lost"):
                (self.dropped_steps if kind == "dropped" else self.lost_steps).append(msg["step"])
                logger.warning("situ: step %s %s: %s", msg["step"], kind, msg.get("reason"))
                for cb in self._callbacks:
                    cb.history.clear()
            elif kind == "hello":
                self._shm[int(msg.get("rank", 0))] = bool(msg.get("shm"))
                self._rank_hosts[int(msg.get("rank", 0))] = msg.get("host", "")
                if msg.get("reconnect"):
                    self.reconnects += 1
                    logger.warning("situ: rank %s reconnected to %s", msg.get("rank"), msg.get("worker"))
            elif kind == "array":
                self._on_layout(msg)
            elif kind == "_analysis":
                self._change_analyses(msg)
            elif kind == "error":
                self.errors.append(f"rank {msg.get('rank')}: {msg.get('error')}")
            elif kind == "end":
                self._poll_analyses(wait=True)
                self.summary = msg
                if not msg.get("clean"):
                    logger.warning("situ: the simulation ended without a clean finalize")
                return msg

    def _on_layout(self, msg: dict) -> None:
        """A rank announced an array: plan the analyses whose layouts are now complete."""
        lay = self._layouts.setdefault(msg["name"], {"dtype": msg["dtype"], "shape": msg["shape"], "blocks": {}})
        lay["blocks"][str(msg["rank"])] = [msg["start"], msg["count"]]
        self._nranks = max(self._nranks, int(msg.get("nranks") or 0))
        if self._plan_ready():
            self._push_contract()

    def _plan_ready(self) -> bool:
        """Plan the analyses whose arrays' layouts are complete; True if any was."""
        changed = False
        for a in self._analyses:
            if a.decision is None and not a.retired and \
                    all(len(self._layouts.get(n, {}).get("blocks", {})) >= self._nranks > 0 for n in a.arrays):
                a.plan(self._layouts, self._workers())
                changed = True
        return changed

    def _workers(self) -> Workers:
        """The workers as placement sees them: on the ranks' nodes or elsewhere (the
        hosts their situ endpoints announce), and the load of the former (the workers'
        own monitors: CPU per thread)."""
        hosts = set(self._rank_hosts.values())
        remote = tuple(sorted(w["name"] for w in self.info.get("workers", ()) if hosts and w.get("host") not in hosts))
        load = []
        try:
            for addr, ws in self.client.scheduler_info(n_workers=-1)["workers"].items():
                if addr not in remote:
                    load.append(ws.get("metrics", {}).get("cpu", 0.0) / (100.0 * max(1, ws.get("nthreads", 1))))
        except Exception:
            logger.debug("situ: no worker metrics", exc_info=True)
        return Workers(same_node=all(self._shm.values()) if self._shm else True, remote=remote,
                       node_load=float(np.mean(load)) if load else 0.0)

    def _change_analyses(self, msg: dict) -> None:
        """An analysis added or removed while running: the ranks get the new contract."""
        if "add" in msg:
            self._queued -= 1
            self._analyses.append(msg["add"])
            self._plan_ready()
        else:
            msg["remove"].retired = True
            logger.info("situ: analysis %s removed", msg["remove"].name)
        self._push_contract()

    def _raw_rates(self, ranks: dict) -> dict:
        """Update, from the ranks' cumulative counters in this step's STEP_END, what a raw
        byte costs each rank: {rank: (copy, send) seconds per byte (medians), None where
        not measured yet}. copy: the simulation's thread in situ_expose for blocks sent
        raw (CPU time, plus any wait for staging room); send: the I/O thread's CPU
        sending them (both per raw byte)."""
        for r, info in ranks.items():
            if "raw_seconds" not in info:   # a rank without these counters
                continue
            cur = (float(info["raw_seconds"]), int(info.get("raw_bytes", 0)), float(info.get("send_seconds", 0.0)))
            rc = self._rank_costs.setdefault(r, {"prev": (0.0, 0, 0.0), "copy": deque(maxlen=64),
                                                 "send": deque(maxlen=64)})
            p, rc["prev"] = rc["prev"], cur
            if cur[1] > p[1]:   # raw blocks this step (their sends precede the STEP_END)
                rc["copy"].append((cur[0] - p[0]) / (cur[1] - p[1]))
                rc["send"].append(max(0.0, cur[2] - p[2]) / (cur[1] - p[1]))
        return {r: tuple(float(np.median(rc[k])) if rc[k] else None for k in ("copy", "send"))
                for r, rc in self._rank_costs.items()}

    def _reload_workers(self, step: int) -> None:
        """Every ``Model.load_recheck_s`` (the shortest of the analyses'): the workers' load
        as they report it now, so that raw blocks' stages leave a node whose workers got busy
        (and come back once they are not; planning saw the workers idle)."""
        live = [a for a in self._analyses if a.decision is not None and not a.retired]
        if not live:
            return
        now = time.monotonic()
        if now - self._load_read < min(a.model.load_recheck_s for a in live):
            return
        self._load_read = now
        workers = self._workers()
        for a in live:
            why = a.reload(workers, step)
            if why:
                logger.info("situ: analysis %s: raw blocks' stages %s", a.name, why)

    def _run_analyses(self, step: int, msg: dict) -> None:
        replan = False
        self._reload_workers(step)
        rates = self._raw_rates(msg.get("ranks", {}))
        for a in self._analyses:
            if not a.selects(step):
                continue
            ranks = msg.get("ranks", {})
            if a.in_process and ranks:
                for info in ranks.values():
                    if info.get("plan_error"):
                        a.errors.append(info["plan_error"])
                        logger.warning("situ: analysis %s: %s", a.name, info["plan_error"])
                cur = [_kernel_counters(info, a) for info in ranks.values()]
                prev, a.kernel_prev = a.kernel_prev, cur
                # a step in which no rank ran a kernel (still compiling) measures nothing: counted
                # as 0 s, such steps made the median of a late compile 0 and kept any kernel
                if prev is not None and len(prev) == len(cur) and any(c[1] > q[1] for c, q in zip(cur, prev)):
                    why = a.measured([max(0.0, c[0] - q[0]) for c, q in zip(cur, prev)], rates)
                    if why:
                        logger.warning("situ: analysis %s: %s", a.name, why)
                        replan = True
            with self._analysis_errors(a, step):
                a.run_step(step, msg, self.client, self._future, partial(assemble, client=self.client,
                                                             futures=self._step_futures))
        if replan:
            self._push_contract()

    def _poll_analyses(self, wait: bool = False) -> None:
        """Deliver the results of steps computed on the cluster (in step order)."""
        for a in self._analyses:
            while a.pending:
                step = a.pending[0][0]
                delivered = False
                with self._analysis_errors(a, step):
                    delivered = a.poll(self.client, wait=wait)
                if not delivered and a.pending and a.pending[0][0] == step:
                    break

    @contextmanager
    def _analysis_errors(self, a, step: int):
        """A lost worker marks the step lost; any other failure is recorded on the
        analysis and the session (and re-raised when on_error="raise")."""
        try:
            yield
        except (FutureCancelledError, FuturesCancelledError) as e:
            if step not in self.lost_steps:
                self.lost_steps.append(step)
            logger.warning("situ: step %s lost with its worker: %s", step, e)
        except Exception:
            err = f"analysis {a.name} failed at step {step}:\n{traceback.format_exc()}"
            a.errors.append(err)
            self.errors.append(err)
            logger.error("situ: %s", err)
            if self.on_error == "raise":
                raise

    def _handle_step(self, msg: dict) -> None:
        step = msg["step"]
        self.steps_seen += 1
        self.bytes_received += msg.get("bytes", 0)
        self.step_bytes.append((step, msg.get("bytes", 0)))
        # Every block of the step is held by one Future until the step is handled, so
        # analyses and callbacks sharing a block never release it under each other.
        # The scheduler registered them in memory before publishing the step: the
        # Futures start finished, so they can also be gathered directly.
        self._step_futures = {tuple(b[0]): Future(tuple(b[0]), self.client, state="memory")
                              for a in msg["arrays"].values() for b in a["blocks"]}
        # In-process results that came with the event (no fetch from the workers).
        msg["inline"] = {tuple(k): np.frombuffer(data, dtype=dt).copy() for k, dt, data in msg.get("inline", ())}
        try:
            self._run_analyses(step, msg)
            self._run_callbacks(step, msg)
        finally:
            self._step_futures = {}

    def _future(self, key: tuple) -> Future:
        return self._step_futures[key]

    def _run_callbacks(self, step: int, msg: dict) -> None:
        arrays = {name: assemble(name, step, info, self.client, self._step_futures)
                  for name, info in msg["arrays"].items()
                  if "#" not in name and any(name in cb.arrays for cb in self._callbacks)}
        for cb in self._callbacks:
            if not all(n in arrays for n in cb.arrays):
                continue
            if not selects({"start": cb.start, "stop": None, "every": cb.every}, step):
                continue
            cb.history.append((step, {n: arrays[n] for n in cb.arrays}))
            if len(cb.history) < cb.window:
                continue
            if cb.window == 1:
                args = dict(cb.history[-1][1])
                steps: Any = step
            else:
                steps = tuple(s for s, _ in cb.history)
                args = {n: da.stack([h[n] for _, h in cb.history]) for n in cb.arrays}
            try:
                cb.fn(steps, **args)
            except (FutureCancelledError, FuturesCancelledError) as e:
                # The step's blocks died with their worker after delivery.
                if step not in self.lost_steps:
                    self.lost_steps.append(step)
                logger.warning("situ: step %s lost with its worker: %s", step, e)
                for c in self._callbacks:
                    c.history.clear()
                break
            except Exception:
                err = f"callback {getattr(cb.fn, '__name__', cb.fn)} failed at step {step}:\n{traceback.format_exc()}"
                self.errors.append(err)
                logger.error("situ: %s", err)
                if self.on_error == "raise":
                    raise
        self.latency.append(time.time() - msg.get("t_publish", time.time()))

    # -- ending ----------------------------------------------------------------
    def close(self) -> None:
        """Detach: the simulation stops sending, and held blocks are released.

        With ``$SITU_EXPLAIN`` set (``situ run --explain``), the plans with their
        measured costs are written to that file."""
        path = os.environ.get("SITU_EXPLAIN")
        if path and self._analyses:
            try:
                with open(path, "a") as f:
                    f.write(self.explain() + "\n")
            except OSError as e:
                logger.warning("situ: cannot write the plan to %s: %s", path, e)
        if self.client.status in ("running", "connecting"):
            try:
                self.client.unsubscribe_topic("situ")
                self.client.sync(self.client.scheduler.situ_detach, client=self.client.id)
            except Exception:
                logger.debug("situ: detach failed", exc_info=True)
        for cb in self._callbacks:
            cb.history.clear()
        if self._own_client:
            self.client.close()

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
