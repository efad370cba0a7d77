"""``situ`` command line: ``situ run`` couples a simulation with an analytics script."""
from __future__ import annotations

import argparse
import os
import queue
import shlex
import subprocess
import sys
import time
from typing import Sequence

from .cluster import serve

USAGE = """situ run [options] ANALYTICS.py [ARGS...] -- SIMULATION [ARGS...]

Starts an embedded LocalCluster (or joins --scheduler-file), runs the analytics
script, launches the simulation under mpirun once the analytics is ready, shows
progress, and exits non-zero if either side failed."""


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
    p.add_argument("--scheduler-file", help="join this Dask cluster instead of starting one")
    p.add_argument("--interface", default="127.0.0.1", help="address situ endpoints listen on")
    p.add_argument("--config", help="situ YAML config for the simulation (SITU_CONFIG)")
    p.add_argument("--mpirun", default="mpirun", help="MPI launcher")
    p.add_argument("--mpi-args", default="", help="extra launcher arguments (one string)")
    p.add_argument("--ready-timeout", type=float, default=120.0,
                   help="seconds to wait for the analytics to attach")
    p.add_argument("--analytics-timeout", type=float, default=120.0,
                   help="seconds the analytics may run on after the simulation ended")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.add_argument("analytics", help="analytics script (Python)")
    p.add_argument("analytics_args", nargs=argparse.REMAINDER)
    args = p.parse_args(argv[:cut])
    sim = list(argv[cut + 1:])
    if not sim:
        p.error("no simulation command after '--'")
    if not os.path.exists(args.analytics):
        p.error(f"analytics script {args.analytics!r} not found")

    prog = Progress(quiet=args.quiet)
    srv = serve(n_workers=args.workers, threads_per_worker=args.threads,
                scheduler_file=args.scheduler_file, interface=args.interface)
    events: queue.Queue = queue.Queue()
    srv.client.subscribe_topic("situ", lambda ev: events.put(ev[1]))
    env = dict(os.environ, SITU_CONNECTION=srv.connection)
    if args.config:
        env["SITU_CONFIG"] = os.path.abspath(args.config)
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
        while True:
            try:
                while True:
                    prog.event(events.get_nowait())
            except queue.Empty:
                pass
            prog.tick()
            if analytics.poll() is not None and analytics.returncode != 0 and analytics_failed_at is None:
                analytics_failed_at = prog.step
                prog.line(f"analytics failed (exit {analytics.returncode}); the simulation goes on", force=True)
            if sim_proc.poll() is not None:
                break
            time.sleep(0.1)
        # Tell the session the run is over, even if no rank ever reported.
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


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(f"usage: {USAGE}")
        return 0 if argv else 2
    if argv[0] == "run":
        return run(argv[1:])
    print(f"situ: unknown command {argv[0]!r} (try: situ run)", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
