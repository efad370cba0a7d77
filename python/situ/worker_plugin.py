"""Dask worker plugin: the worker's situ endpoint.

Blocks from the simulation become ordinary Dask data on this worker
(``Worker.update_data``); once a step is complete here the scheduler gets **one**
``situ-step`` message listing them.
"""
from __future__ import annotations

import logging
import socket
from typing import Any

from distributed import WorkerPlugin

from . import protocol as P
from .receiver import Receiver

logger = logging.getLogger("situ.worker")

INLINE_BLOCK = 64 << 10   # in-process results up to this size travel in the step's event ...
INLINE_STEP = 1 << 20     # ... up to this much per worker and step


class SituWorkerPlugin(WorkerPlugin):
    """Starts a situ endpoint on every worker.

    Parameters
    ----------
    token : str
        The session token (32 hex digits).
    interface : str
        Address to listen on for simulation ranks (loopback by default).
    shm : bool
        Accept shared-memory blocks from ranks on this host.
    transit : collection of worker names
        Workers that stand for another node (a staging node, in transit): they announce
        another host, so ranks do not send to them and placement moves blocks to them
        over the network. For trying in-transit placement on one machine.
    """

    name = "situ"

    def __init__(self, token: str, interface: str = "127.0.0.1", shm: bool = True, transit=()):
        P.token_bytes(token)  # fail early on a bad token
        self.token = token
        self.interface = interface
        self.shm = shm
        self.transit = frozenset(transit)
        self.receiver: Receiver | None = None
        self.state: dict[str, Any] = {"contract": {"arrays": {}}, "steer": {}}

    async def setup(self, worker) -> None:
        self.worker = worker
        worker.stream_handlers["situ-control"] = self._control
        try:
            state = await worker.scheduler.situ_state()
            self.state = {"contract": state["contract"], "steer": state["steer"]}
        except Exception:  # scheduler without the situ plugin yet: nothing requested
            logger.debug("situ: no scheduler state yet", exc_info=True)
        self.receiver = Receiver(P.token_bytes(self.token), self._on_step, self._on_event,
                                 self._welcome, host=self.interface)
        host = socket.gethostname()
        if worker.name in self.transit:
            host += "/transit"
        self.endpoint = {"name": worker.address, "host": host,
                         "address": self.receiver.address, "port": self.receiver.port,
                         "shm": self.shm and worker.name not in self.transit}

    def teardown(self, worker) -> None:
        if self.receiver is not None:
            self.receiver.close()

    # -- control from the scheduler ------------------------------------------
    def _control(self, kind: str, value: Any, **_: Any) -> None:
        if kind == "contract":
            self.state["contract"] = value
            if self.receiver:
                self.receiver.broadcast(P.CONTRACT, value)
        elif kind == "steer":
            self.state["steer"][value["key"]] = value["value"]
            if self.receiver:
                self.receiver.broadcast(P.STEER, value)

    def _welcome(self) -> dict:
        return {"worker": self.worker.address, "contract": self.state["contract"],
                "steer": dict(self.state["steer"])}

    # -- from connection threads: hop onto the worker's event loop -----------
    def _on_step(self, step: int, blocks: dict, ranks: dict) -> None:
        self.worker.loop.add_callback(self._register_step, step, blocks, ranks)

    def _on_event(self, kind: str, info: dict) -> None:
        self.worker.loop.add_callback(self._send, {"op": "situ-event", "kind": kind, "info": info})

    def _register_step(self, step: int, blocks: dict, ranks: dict) -> None:
        if blocks:
            self.worker.update_data({k: v[0] for k, v in blocks.items()},
                                    stimulus_id=f"situ-step-{step}")
        listing, inline = [], 0
        for k, (arr, name, start, count) in blocks.items():
            entry = [list(k), name, list(start), list(count), int(arr.nbytes)]
            # In-process results are small: they ride along to the session in the
            # step's event, so it combines them without fetching from the workers.
            if "#" in name and not name.endswith(".raw") and arr.nbytes <= INLINE_BLOCK and \
                    inline + arr.nbytes <= INLINE_STEP:
                entry.append([arr.dtype.str, arr.tobytes()])
                inline += arr.nbytes
            listing.append(entry)
        self._send({"op": "situ-step", "step": step, "blocks": listing,
                    "ranks": {str(r): v for r, v in ranks.items()}})

    def _send(self, msg: dict) -> None:
        self.worker.batched_send(msg)
