"""``situ`` command line: ``situ run`` couples a simulation with an analytics script;
``situ explain`` prints where an analytics script's work would run, without a simulation."""
from __future__ import annotations

import argparse
import os
import queue
import runpy
import shlex
import subprocess
import sys
import tempfile
import time
from typing import Any, Sequence

import numpy as np

from .cluster import serve

USAGE = """situ run [options] ANALYTICS.py [ARGS...] -- SIMULATION [ARGS...]
       situ explain --array NAME=SHAPE[:DTYPE] [-n RANKS] [options] ANALYTICS.py [ARGS...]

run: starts an embedded LocalCluster (or joins --scheduler-file), runs the analytics
script, launches the simulation under mpirun once the analytics is ready, shows
progress, and exits non-zero if either side failed (--explain: print the plans with
their measured costs at the end).

explain: runs the analytics script up to its Session.run() on placeholder arrays of
the declared layouts (no simulation, no cluster), and prints each placed analysis'
plan: tasks per placement, bytes per step raw and placed, estimated costs."""


def _mib(n: float) -> str:
    return f"{n / 2**20:.1f} MiB"


class Progress:
    """One status line on stderr: steps done, bytes moved, rate."""

    def __init__(self, stream=sys.stderr, quiet: bool = False):
        self.stream, self.quiet = stream, quiet
        self.tty = stream.isatty()
        self.t0 = time.monotonic()
        self.last_print = 0.0
        self.step = None
        self.steps = self.bytes = self.dropped = self.lost = 0
        self.ranks: set = set()

    def event(self, msg: dict) -> None:
        kind = msg.get("type")
        if kind == "step":
            self.step, self.steps = msg["step"], self.steps + 1
            self.bytes += msg.get("bytes", 0)
        elif kind == "hello":
            self.ranks.add(msg.get("rank"))
            if msg.get("reconnect"):
                self.line(f"rank {msg['rank']} reconnected to {msg['worker']}", force=True)
        elif kind == "dropped":
            self.dropped += 1
        elif kind == "lost":
            self.lost += 1
        elif kind == "error":
            self.line(f"rejected a connection: {msg.get('error')}", force=True)

    def status(self) -> str:
        dt = max(time.monotonic() - self.t0, 1e-9)
        return (f"step {self.step if self.step is not None else '-'} | {self.steps} steps | "
                f"{len(self.ranks)} ranks | {_mib(self.bytes)} moved | {_mib(self.bytes / dt)}/s | "
                f"dropped {self.dropped} | lost {self.lost}")

    def tick(self) -> None:
        now = time.monotonic()
        if now - self.last_print >= (0.5 if self.tty else 2.0) and self.step is not None:
            self.line(self.status())

    def line(self, text: str, force: bool = False) -> None:
        if self.quiet and not force:
            return
        self.last_print = time.monotonic()
        end = "\r" if self.tty and not force else "\n"
        print(f"situ: {text}".ljust(100 if self.tty else 0), end=end, file=self.stream, flush=True)


def run(argv: Sequence[str]) -> int:
    if "--" not in argv:
        print(f"usage: {USAGE}\nsitu run: missing '--' before the simulation command", file=sys.stderr)
        return 2
    cut = list(argv).index("--")
    p = argparse.ArgumentParser(prog="situ run", usage=USAGE)
    p.add_argument("-n", "--np", type=int, default=4, help="MPI ranks (default 4)")
    p.add_argument("--workers", type=int, default=2, help="Dask workers of the embedded cluster")
    p.add_argument("--threads", type=int, default=1, help="threads per worker")
    p.add_argument("--transit-workers", type=int, default=0,
                   help="more workers standing for a staging node (in-transit placement on one machine)")
    p.add_argument("--scheduler-file", help="join this Dask cluster instead of starting one")
    p.add_argument("--interface", default="127.0.0.1", help="address situ endpoints listen on")
    p.add_argument("--config", help="situ YAML config for the simulation (SITU_CONFIG)")
    p.add_argument("--mpirun", default="mpirun", help="MPI launcher")
    p.add_argument("--mpi-args", default="", help="extra launcher arguments (one string)")
    p.add_argument("--ready-timeout", type=float, default=120.0,
                   help="seconds to wait for the analytics to attach")
    p.add_argument("--analytics-timeout", type=float, default=120.0,
                   help="seconds the analytics may run on after the simulation ended")
    p.add_argument("--drain-timeout", type=float, default=10.0,
                   help="seconds without news after the simulation exited before its unreported steps "
                        "count as lost")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.add_argument("--explain", action="store_true",
                   help="print the placed analyses' plans with measured costs when the run ends")
    p.add_argument("analytics", help="analytics script (Python)")
    p.add_argument("analytics_args", nargs=argparse.REMAINDER)
    args = p.parse_args(argv[:cut])
    sim = list(argv[cut + 1:])
    if not sim:
        p.error("no simulation command after '--'")
    if not os.path.exists(args.analytics):
        p.error(f"analytics script {args.analytics!r} not found")

    prog = Progress(quiet=args.quiet)
    srv = serve(n_workers=args.workers, threads_per_worker=args.threads, transit_workers=args.transit_workers,
                scheduler_file=args.scheduler_file, interface=args.interface)
    events: queue.Queue = queue.Queue()
    srv.client.subscribe_topic("situ", lambda ev: events.put(ev[1]))
    env = dict(os.environ, SITU_CONNECTION=srv.connection)
    if args.config:
        env["SITU_CONFIG"] = os.path.abspath(args.config)
    explain_file = None
    if args.explain:
        fd, explain_file = tempfile.mkstemp(prefix="situ-explain-", suffix=".txt")
        os.close(fd)
        env["SITU_EXPLAIN"] = explain_file  # Session.close() writes its explain() there
    env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
    env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    analytics = sim_proc = None
    try:
        analytics = subprocess.Popen([sys.executable, args.analytics, *args.analytics_args], env=env)
        deadline = time.monotonic() + args.ready_timeout
        ready = False
        while not ready:
            if analytics.poll() is not None:
                prog.line(f"analytics exited ({analytics.returncode}) before attaching", force=True)
                return 1
            if time.monotonic() > deadline:
                prog.line(f"analytics did not attach within {args.ready_timeout:.0f} s", force=True)
                return 1
            try:
                msg = events.get(timeout=0.2)
                ready = msg.get("type") == "ready"
            except queue.Empty:
                pass
        cmd = [args.mpirun, "-n", str(args.np), "--oversubscribe", *shlex.split(args.mpi_args), *sim]
        prog.line(f"analytics ready; launching {' '.join(cmd)}", force=True)
        sim_proc = subprocess.Popen(cmd, env=env)
        analytics_failed_at = None
        ended = False  # the run's end (every rank gone) often arrives before mpirun has exited
        while True:
            try:
                while True:
                    msg = events.get_nowait()
                    prog.event(msg)
                    ended = ended or msg.get("type") == "end"
            except queue.Empty:
                pass
            prog.tick()
            if analytics.poll() is not None and analytics.returncode != 0 and analytics_failed_at is None:
                analytics_failed_at = prog.step
                prog.line(f"analytics failed (exit {analytics.returncode}); the simulation goes on", force=True)
            if sim_proc.poll() is not None:
                break
            time.sleep(0.1)
        # The ranks are gone, but the workers may still be reading what they sent (a
        # loaded node reads slower than the ranks wrote): wait for the run's end (every
        # rank's bye or closed connection) while steps keep arriving, then tell the
        # session the run is over, even if no rank ever reported.
        last = time.monotonic()
        while not ended and time.monotonic() - last < args.drain_timeout:
            try:
                msg = events.get(timeout=0.1)
                prog.event(msg)
                last, ended = time.monotonic(), msg.get("type") == "end"
            except queue.Empty:
                pass
        if not ended:
            srv.client.sync(srv.client.scheduler.situ_sim_exit, returncode=sim_proc.returncode)
        try:
            analytics.wait(timeout=args.analytics_timeout)
        except subprocess.TimeoutExpired:
            prog.line(f"analytics still running {args.analytics_timeout:.0f} s after the simulation ended; "
                      "stopping it", force=True)
            analytics.kill()
            analytics.wait()
        try:
            while True:
                prog.event(events.get_nowait())
        except queue.Empty:
            pass
        prog.line(prog.status(), force=True)
        if explain_file:
            with open(explain_file) as f:
                text = f.read().strip()
            print(text or "situ: the analytics wrote no plan (no placed analyses, or it failed)", flush=True)
        rc = 0
        if sim_proc.returncode != 0:
            prog.line(f"simulation failed (exit {sim_proc.returncode})", force=True)
            rc = 1
        if analytics.returncode != 0:
            prog.line(f"analytics failed (exit {analytics.returncode})", force=True)
            rc = 1
        return rc
    finally:
        for proc in (sim_proc, analytics):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
        srv.close()
        if explain_file:
            os.unlink(explain_file)


# -- situ explain -------------------------------------------------------------------
def dims_create(nranks: int, ndims: int) -> list[int]:
    """MPI_Dims_create: a balanced process grid, largest first (4 -> 2x2, 8 -> 4x2)."""
    dims = [1] * ndims
    n, f, factors = nranks, 2, []
    while n > 1:
        while n % f == 0:
            factors.append(f)
            n //= f
        f += 1
    for f in sorted(factors, reverse=True):
        dims[dims.index(min(dims))] *= f
    return sorted(dims, reverse=True)


def split(n: int, parts: int, c: int) -> tuple[int, int]:
    """The apps' split of n points over parts (the first n % parts get one more): (start, count)."""
    base, extra = divmod(n, parts)
    return c * base + min(c, extra), base + (c < extra)


def layout(shape: Sequence[int], dtype: str, nranks: int, grid: Sequence[int] | None = None) -> dict:
    """The layout ranks would announce for ``shape`` on a Cartesian grid of ``nranks``
    (default: MPI_Dims_create over the first min(2, ndim) dimensions, row-major ranks).

    >>> layout((10, 4), "f64", 2)["blocks"]
    {'0': [[0, 0], [5, 4]], '1': [[5, 0], [5, 4]]}
    """
    nd = len(shape)
    if grid is None:
        k = min(2, nd)
        grid = dims_create(nranks, k) + [1] * (nd - k)
    grid = list(grid) + [1] * (nd - len(grid))
    if len(grid) != nd or int(np.prod(grid)) != nranks:
        raise ValueError(f"grid {'x'.join(map(str, grid))} does not hold {nranks} ranks over {nd} dimensions")
    blocks = {}
    for r in range(nranks):
        coords, rem = [], r
        for d in reversed(range(nd)):
            coords.append(rem % grid[d])
            rem //= grid[d]
        coords.reverse()
        start, count = zip(*(split(shape[d], grid[d], coords[d]) for d in range(nd)))
        blocks[str(r)] = [list(start), list(count)]
    return {"dtype": dtype, "shape": list(shape), "blocks": blocks}


class _Planned(Exception):
    """Raised by the explain session's run(): the script stops where the data would flow."""


def _explain_session_class(layouts: dict, same_node: bool, model_overrides: dict):
    from .session import Session
    from .planner.cost import Model, Workers

    class ExplainSession(Session):
        """A Session with no cluster: analyses and callbacks register as usual; run()
        plans the analyses on ``layouts`` and stops the script."""
        instances: list = []

        def __init__(self, *a: Any, **k: Any) -> None:  # no connection, no client
            self.on_error = "log"
            self._init_state()
            self.model = Model(**model_overrides)
            ExplainSession.instances.append(self)

        def _push_contract(self, ready: bool = False) -> None:
            pass

        def set(self, key: str, value: Any) -> None:
            pass

        def run(self, timeout: float | None = None) -> dict:
            missing = sorted({n for a in self._analyses for n in a.arrays} - set(layouts))
            if missing:
                raise _Planned(f"no layout for array(s) {', '.join(missing)}: "
                               f"declare them with --array NAME=SHAPE[:DTYPE]")
            for a in self._analyses:
                a.plan(layouts, Workers(same_node=same_node))
            self.contract_preview = self._contract()
            raise _Planned()

        def close(self) -> None:
            pass

    return ExplainSession


def explain(argv: Sequence[str]) -> int:
    p = argparse.ArgumentParser(prog="situ explain", usage=USAGE.splitlines()[1].strip())
    p.add_argument("--array", action="append", default=[], metavar="NAME=SHAPE[:DTYPE]",
                   help="an array the simulation defines, e.g. f=32x32x32x16:f64 (dtype default f64); repeat")
    p.add_argument("-n", "--np", type=int, default=4, help="MPI ranks (default 4)")
    p.add_argument("--grid", help="process grid over the leading dimensions, e.g. 2x2 "
                                  "(default: MPI_Dims_create over the first two)")
    p.add_argument("--remote", action="store_true",
                   help="the Dask workers are on other nodes (raw blocks go in transit, not in situ)")
    p.add_argument("--ir", action="store_true", help="also print the in-process kernels (Kokkos dialect)")
    p.add_argument("analytics", help="analytics script (Python)")
    p.add_argument("analytics_args", nargs=argparse.REMAINDER)
    args = p.parse_args(argv)
    if not os.path.exists(args.analytics):
        p.error(f"analytics script {args.analytics!r} not found")
    if not args.array:
        p.error("declare the simulation's arrays with --array NAME=SHAPE[:DTYPE]")
    from .protocol import DTYPES
    layouts = {}
    grid = [int(x) for x in args.grid.lower().split("x")] if args.grid else None
    for spec in args.array:
        name, sep, rest = spec.partition("=")
        shape_s, _, dtype = rest.partition(":")
        dtype = dtype or "f64"
        try:
            shape = [int(x) for x in shape_s.lower().split("x")]
        except ValueError:
            shape = []
        if not sep or not name or not shape or min(shape) < 1:
            p.error(f"bad --array {spec!r}: want NAME=SHAPE[:DTYPE], e.g. f=32x32x8:f64")
        if dtype not in DTYPES:
            p.error(f"bad dtype {dtype!r} in --array {spec!r} (one of {', '.join(DTYPES)})")
        try:
            layouts[name] = layout(shape, dtype, args.np, grid)
        except ValueError as e:
            p.error(str(e))

    import situ
    from . import session as session_mod
    cls = _explain_session_class(layouts, not args.remote, {})
    saved = (situ.Session, session_mod.Session, sys.argv[:])
    situ.Session = session_mod.Session = cls
    sys.argv = [args.analytics, *args.analytics_args]
    planned = False
    try:
        runpy.run_path(args.analytics, run_name="__main__")
    except _Planned as e:
        if e.args:
            print(f"situ explain: {e.args[0]}", file=sys.stderr)
            return 1
        planned = True
    finally:
        situ.Session, session_mod.Session = saved[0], saved[1]
        sys.argv = saved[2]
    sessions = [s for s in cls.instances if s._analyses or s._callbacks]
    if not planned or not sessions:
        print(f"situ explain: {args.analytics} never reached Session.run() with analyses declared",
              file=sys.stderr)
        return 1
    for name, lay in layouts.items():
        print(f"array {name}: {'x'.join(map(str, lay['shape']))} {lay['dtype']} on {args.np} ranks "
              f"(blocks {_blocks_text(lay)}); workers {'on other nodes' if args.remote else 'on the ranks node'}")
    for s in sessions:
        for cb in s._callbacks:
            print(f"callback {getattr(cb.fn, '__name__', cb.fn)} on {', '.join(cb.arrays)}, every {cb.every}"
                  f"{f', window {cb.window}' if cb.window > 1 else ''}: raw blocks, on Dask (not placed)")
        for a in s._analyses:
            print(a.explain())
            if args.ir and a.in_process and a.template is not None:
                seen = set()
                for st in a.template.stages.values():
                    if st.ir in seen:
                        continue
                    seen.add(st.ir)
                    ranks = [x.rank for x in a.template.stages.values() if x.ir == st.ir]
                    print(f"  kernel for ranks {ranks} (block {'x'.join(map(str, st.shape))}):")
                    print("\n".join("    " + line for line in st.ir.splitlines()))
        sent = s.contract_preview
        parts = [f"{', '.join(sorted(sent['arrays']))} raw"] if sent.get("arrays") else []
        parts += [f"{p['array']}#{p['id']}: in-process results of {len(p['kernels'])} kernel(s)"
                  for p in sent.get("plans", [])]
        print("the simulation would send: " + ("; ".join(parts) or "nothing"))
    return 0


def _blocks_text(lay: dict) -> str:
    counts = sorted({tuple(c) for _, c in lay["blocks"].values()})
    return ", ".join("x".join(map(str, c)) for c in counts)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(f"usage: {USAGE}")
        return 0 if argv else 2
    if argv[0] == "run":
        return run(argv[1:])
    if argv[0] == "explain":
        return explain(argv[1:])
    print(f"situ: unknown command {argv[0]!r} (try: situ run, situ explain)", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
