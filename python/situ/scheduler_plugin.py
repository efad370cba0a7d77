"""Dask scheduler plugin: the session's view of the simulation.

Receives one ``situ-step`` message per worker per step, records the blocks as data
owned by the attached session's client, and publishes one event per step on the
``situ`` topic once every rank has reported it (or has gone). Contracts and
steering values go the other way, to every worker and on to the ranks.
"""
from __future__ import annotations

import logging
import time
from collections import defaultdict, deque
from typing import Any

from distributed import SchedulerPlugin

from .contract import validate_contract

logger = logging.getLogger("situ.scheduler")

TOPIC = "situ"
RANK_FIELDS = ("kernel_seconds", "kernel_runs", "plan_error", "bytes_sent", "raw_seconds", "raw_bytes",
               "send_seconds", "kernel_cpu_seconds", "plans")
ORPHAN = "situ-unattached"  # owns blocks that arrive while no session is attached
EVENTS_KEPT = 256  # events of the situ topic the scheduler keeps (steps carry inline results)


class _Rank:
    __slots__ = ("progress", "gone", "bye", "worker", "host", "shm", "stats", "hellos")

    def __init__(self) -> None:
        self.progress = -(2**63)
        self.gone = False
        self.bye = False
        self.worker: str | None = None
        self.host = ""
        self.shm = False
        self.stats: dict = {}
        self.hellos = 0


class SituSchedulerPlugin(SchedulerPlugin):
    """Keeps the simulation's layout, the contract, steering values and step
    bookkeeping on the scheduler."""

    name = "situ"

    def __init__(self) -> None:
        self.contract: dict = {"arrays": {}}
        self.steer: dict[str, Any] = {}
        self.session: str | None = None
        self.reset_run()

    def reset_run(self) -> None:
        self.nranks = 0
        self.ranks: dict[int, _Rank] = defaultdict(_Rank)
        self.arrays: dict[str, dict] = {}
        self.steps: dict[int, dict] = {}
        self.finalized_upto = -(2**63)
        self.ended = False
        self.started = False
        self.totals = {"steps": 0, "dropped": 0, "lost": 0, "bytes": 0, "blocks": 0,
                       "messages": 0, "errors": []}
        self.t0 = time.time()

    async def start(self, scheduler) -> None:
        self.scheduler = scheduler
        scheduler.handlers.update({
            "situ_state": self.h_state, "situ_attach": self.h_attach,
            "situ_detach": self.h_detach, "situ_contract": self.h_contract,
            "situ_set": self.h_set, "situ_sim_exit": self.h_sim_exit,
        })
        scheduler.stream_handlers.update({"situ-step": self.on_step, "situ-event": self.on_event})
        try:  # the scheduler keeps a topic's last 100000 events: the session needs none of them
            topic = scheduler._broker._topics[TOPIC]
            topic.events = deque(topic.events, maxlen=EVENTS_KEPT)
        except Exception:
            logger.debug("situ: cannot bound the event log", exc_info=True)

    # -- RPC handlers (clients and workers) ----------------------------------
    def h_state(self, comm=None) -> dict:
        return {"contract": self.contract, "steer": self.steer, "session": self.session,
                "nranks": self.nranks, "arrays": self.arrays, "ended": self.ended,
                "started": self.started, "totals": self.totals,
                "ranks": {str(r): {"shm": rk.shm, "host": rk.host, "gone": rk.gone}
                          for r, rk in self.ranks.items()}}

    def h_attach(self, comm=None, client: str = "") -> dict:
        if self.session is not None and self.session != client:
            raise RuntimeError(f"another session ({self.session}) is attached")
        self.session = client
        self.scheduler.log_event(TOPIC, {"type": "attached", "client": client})
        return self.h_state()

    def h_detach(self, comm=None, client: str = "") -> None:
        if self.session == client:
            self._detach()

    def h_contract(self, comm=None, contract: dict | None = None, ready: bool = False) -> dict:
        self.contract = validate_contract(contract or {"arrays": {}})
        self._to_workers("contract", self.contract)
        if ready:  # the session is about to process steps: `situ run` may start the simulation
            self.scheduler.log_event(TOPIC, {"type": "ready", "contract": self.contract})
        return self.contract

    def h_set(self, comm=None, key: str = "", value: Any = None) -> None:
        if not isinstance(key, str) or not key:
            raise ValueError("steering key must be a non-empty string")
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise TypeError(f"steering value for {key!r} must be int, float or str, not {type(value).__name__}")
        self.steer[key] = value
        self._to_workers("steer", {"key": key, "value": value})

    def h_sim_exit(self, comm=None, returncode: int = 0) -> None:
        """The launcher saw the simulation exit: whatever did not arrive never will."""
        for r in range(self.nranks):
            self.ranks[r].gone = True
        self._finalize()
        if not self.ended:
            self.ended = True
            self.scheduler.log_event(TOPIC, {"type": "end", "clean": False, "returncode": returncode,
                                             "totals": self.totals, "ranks": {}})

    def _to_workers(self, kind: str, value: Any) -> None:
        for comm in self.scheduler.stream_comms.values():
            comm.send({"op": "situ-control", "kind": kind, "value": value})

    def remove_client(self, scheduler, client: str) -> None:
        if client == self.session:
            self._detach()

    def _detach(self) -> None:
        """The analytics went away: stop all sending and let go of held blocks."""
        owner = self.session
        self.session = None
        self.contract = {"arrays": {}}
        self._to_workers("contract", self.contract)
        for st in self.steps.values():
            st["owner"] = ORPHAN
        if owner is not None:
            self.scheduler.log_event(TOPIC, {"type": "detached", "client": owner})

    def remove_worker(self, scheduler, worker: str, **kwargs: Any) -> None:
        for r in self.ranks.values():
            if r.worker == worker:
                r.gone = True
        self._finalize()

    # -- stream handlers (workers) ------------------------------------------
    def on_event(self, kind: str = "", info: dict | None = None, worker: str = "") -> None:
        info = info or {}
        rank = info.get("rank")
        if kind == "hello":
            if self.ended:
                self.reset_run()
            self.started = True
            self.nranks = max(self.nranks, int(info.get("nranks", 0)))
            r = self.ranks[rank]
            r.gone, r.worker, r.host, r.shm = False, worker, info.get("host", ""), bool(info.get("shm"))
            r.hellos += 1
            self.scheduler.log_event(TOPIC, {"type": "hello", "rank": rank, "worker": worker,
                                             "host": r.host, "shm": r.shm, "reconnect": r.hellos > 1})
        elif kind == "array":
            a = self.arrays.setdefault(info["name"], {"dtype": info["dtype"], "shape": info["shape"], "blocks": {}})
            a["blocks"][str(rank)] = [info["start"], info["count"]]
            if "#" not in info["name"]:  # the session plans placed analyses from layouts
                self.scheduler.log_event(TOPIC, {"type": "array", "name": info["name"], "rank": rank,
                                                 "nranks": self.nranks, "dtype": info["dtype"],
                                                 "shape": info["shape"], "start": info["start"],
                                                 "count": info["count"]})
        elif kind in ("bye", "disconnect"):
            if rank is None or self.ranks[rank].worker not in (None, worker):
                return  # a stale connection of a rank that already moved on
            r = self.ranks[rank]
            r.gone = True
            if kind == "bye":
                r.bye = True
                r.stats = {k: info.get(k) for k in ("steps", "blocks", "bytes_sent", "dropped_steps", "lost_steps")}
            self._finalize()
        elif kind == "error":
            self.totals["errors"].append(info)
            self.scheduler.log_event(TOPIC, {"type": "error", **info})

    def on_step(self, step: int = 0, blocks: list | None = None, ranks: dict | None = None,
                worker: str = "") -> None:
        self.totals["messages"] += 1
        if step <= self.finalized_upto:
            # Late part of a step already declared lost: free it at once.
            keys = [tuple(b[0]) for b in blocks or []]
            self._own_and_release(keys, worker, {tuple(b[0]): b[4] for b in blocks or []})
            return
        st = self.steps.setdefault(step, {"blocks": {}, "ranks": {}, "messages": 0,
                                          "owner": self.session or ORPHAN, "t": time.time()})
        st["messages"] += 1
        who_has, nbytes = {}, {}
        for b in blocks or []:
            key, name, start, count, nb = b[:5]
            key = tuple(key)
            st["blocks"][key] = (name, start, count, nb)
            who_has[key], nbytes[key] = [worker], nb
            if len(b) > 5:  # a small in-process result, inline (worker_plugin.INLINE_BLOCK)
                st.setdefault("inline", []).append([list(key), *b[5]])
        if who_has:
            self._register(who_has, nbytes, st["owner"])
        for r, info in (ranks or {}).items():
            r = int(r)
            st["ranks"][r] = info
            st.setdefault("where", {})[str(r)] = worker
            rk = self.ranks[r]
            rk.progress = max(rk.progress, step)
            rk.stats.update(info)
        self._finalize()

    def _register(self, who_has: dict, nbytes: dict, owner: str) -> None:
        """``Scheduler.update_data`` without its per-key report to every client:
        the session learns of a step from one event, not one message per block."""
        sched = self.scheduler
        registered = []
        for key, workers in who_has.items():
            live = [sched.workers[w] for w in workers if w in sched.workers]
            if not live:  # its worker died in between: the step will be reported lost
                continue
            ts = sched.tasks.get(key)
            if ts is None:
                ts = sched.new_task(key, None, "memory")
            ts.state = "memory"
            ts.set_nbytes(nbytes[key])
            for ws in live:
                sched.add_replica(ts, ws)
            registered.append(key)
        if registered:
            sched.client_desires_keys(keys=registered, client=owner)

    def _own_and_release(self, keys: list, worker: str, nbytes: dict) -> None:
        if keys:
            self._register({k: [worker] for k in keys}, nbytes, ORPHAN)
            self.scheduler.client_releases_keys(keys=keys, client=ORPHAN, stimulus_id=f"situ-late-{time.time()}")

    # -- step completion ----------------------------------------------------
    def _finalize(self) -> None:
        if self.nranks == 0:
            return
        for step in sorted(self.steps):
            if not all(self.ranks[r].progress >= step or self.ranks[r].gone for r in range(self.nranks)):
                break
            self._publish(step, self.steps.pop(step))
            self.finalized_upto = step
        if not self.ended and all(self.ranks[r].gone for r in range(self.nranks)):
            self.ended = True
            clean = all(self.ranks[r].bye for r in range(self.nranks))
            self.scheduler.log_event(TOPIC, {"type": "end", "clean": clean, "totals": self.totals,
                                             "ranks": {str(r): self.ranks[r].stats for r in range(self.nranks)}})

    def _publish(self, step: int, st: dict) -> None:
        keys = list(st["blocks"])
        missing = [r for r in range(self.nranks) if r not in st["ranks"]]
        dropped = [r for r, info in st["ranks"].items() if info.get("dropped")]
        owner = st["owner"]
        if missing or dropped or owner == ORPHAN:
            if keys:
                self.scheduler.client_releases_keys(keys=keys, client=owner,
                                                    stimulus_id=f"situ-drop-{step}-{time.time()}")
            kind = "dropped" if dropped and not missing else "lost"
            self.totals[kind] += 1
            reason = (f"ranks {dropped} dropped it (drop_oldest)" if kind == "dropped"
                      else f"no report from ranks {missing} (worker or rank gone)")
            if owner != ORPHAN:
                self.scheduler.log_event(TOPIC, {"type": kind, "step": step, "reason": reason})
            return
        arrays: dict[str, dict] = {}
        nb_total = 0
        for key, (name, start, count, nb) in st["blocks"].items():
            meta = self.arrays.get(name, {})
            a = arrays.setdefault(name, {"dtype": meta.get("dtype"), "shape": meta.get("shape"),
                                         "blocks": []})
            a["blocks"].append([list(key), start, count])
            nb_total += nb
        self.totals["steps"] += 1
        self.totals["bytes"] += nb_total
        self.totals["blocks"] += len(keys)
        # what each rank measured (cumulative): its kernels, and what raw blocks cost it
        kernels = {str(r): {k: info[k] for k in RANK_FIELDS if k in info}
                   for r, info in st["ranks"].items()}
        self.scheduler.log_event(TOPIC, {"type": "step", "step": step, "arrays": arrays,
                                         "bytes": nb_total, "messages": st["messages"], "ranks": kernels,
                                         "where": st.get("where", {}), "inline": st.get("inline", []), "t_first": st["t"], "t_publish": time.time()})
