"""The worker's situ endpoint: accepts rank connections and assembles steps.

One thread per rank connection reads frames straight into NumPy buffers (TCP) or
wraps slots of the rank's shared-memory segment without copying. A step is handed
to ``on_step`` once every live rank connected here has ended it.
"""
from __future__ import annotations

import logging
import mmap
import os
import socket
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from . import protocol as P

logger = logging.getLogger("situ.receiver")


@dataclass
class ArrayDef:
    name: str
    dtype: np.dtype
    shape: tuple[int, ...]
    start: tuple[int, ...]
    count: tuple[int, ...]


@dataclass
class StepParts:
    blocks: dict = field(default_factory=dict)   # key -> (ndarray, array name, start, count)
    ranks: dict = field(default_factory=dict)    # rank -> dropped flag


def _open_shm(name: str, size: int) -> mmap.mmap:
    if not name.startswith("/situ-") or "/" in name[1:] or len(name) > 200:
        raise P.ProtocolError(f"refusing shared-memory name {name!r}")
    path = "/dev/shm" + name
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as e:
        raise P.ProtocolError(f"cannot open shared memory {name}: {e.strerror}") from None
    try:
        if os.fstat(fd).st_size < size:
            raise P.ProtocolError(f"shared memory {name} is smaller than announced {size} bytes")
        mm = mmap.mmap(fd, size, prot=mmap.PROT_READ)
    finally:
        os.close(fd)
    try:
        os.unlink(path)  # the mapping outlives the name; nothing leaks if a side dies
    except OSError:
        pass
    return mm


class RankConnection:
    """One simulation rank's connection (its own reader thread)."""

    def __init__(self, receiver: "Receiver", sock: socket.socket, peer: Any):
        self.receiver = receiver
        self.sock = sock
        self.peer = peer
        self.rank: int | None = None
        self.hello: dict = {}
        self.arrays: dict[int, ArrayDef] = {}
        self.shm: mmap.mmap | None = None
        self.shm_bytes = 0
        self.send_lock = threading.Lock()
        self.alive = True
        self.bytes_received = 0
        self.last_end = -(2**63)
        self.authenticated = False
        self.thread = threading.Thread(target=self._run, name=f"situ-conn-{peer}", daemon=True)

    # -- sending (any thread) -------------------------------------------------
    def send(self, data: bytes) -> None:
        with self.send_lock:
            if not self.alive:
                return
            try:
                self.sock.sendall(data)
            except OSError:
                self.alive = False

    def release(self, offset: int, nbytes: int) -> None:
        """Hand a shared-memory slot back to the rank (called by a finalizer)."""
        self.send(P.frame(P.RELEASE, self.receiver.token, P.struct.pack("<QQ", offset, nbytes)))

    # -- reading (own thread) -------------------------------------------------
    def _run(self) -> None:
        reason = "closed"
        try:
            while True:
                head = P.recv_exact(self.sock, P.HEADER_SIZE)
                mtype, length = P.check_header(bytes(head), self.receiver.token)
                self.authenticated = True
                if self.rank is None and mtype != P.HELLO:
                    raise P.ProtocolError(f"expected HELLO first, got {P.NAMES[mtype]}")
                if mtype == P.BLOCK:
                    self._on_block(length)
                    continue
                payload = bytes(P.recv_exact(self.sock, length))
                if mtype == P.BYE:
                    self.receiver._on_bye(self, P.parse_json(mtype, payload))
                    reason = "bye"
                    break
                self._dispatch(mtype, payload)
        except EOFError:
            reason = "eof"
        except P.ProtocolError as e:
            reason = f"protocol error: {e}"
            logger.warning("situ: closing connection from %s (rank %s): %s", self.peer, self.rank, e)
            # Never hand the secret to a peer that has not shown it.
            tok = self.receiver.token if self.authenticated else bytes(16)
            self.send(P.json_frame(P.ERROR, tok, {"error": str(e)}))
            self.receiver._on_error(self, str(e))
        except OSError as e:
            reason = f"socket error: {e}"
        finally:
            with self.send_lock:
                self.alive = False
            try:
                self.sock.close()
            except OSError:
                pass
            self.receiver._on_disconnect(self, reason)

    def _dispatch(self, mtype: int, payload: bytes) -> None:
        msg = P.parse_json(mtype, payload)
        if mtype == P.HELLO:
            self._on_hello(msg)
        elif mtype == P.ARRAY:
            self._on_array(msg)
        elif mtype == P.STEP_END:
            step = _int(msg, "step", "STEP_END")
            if step < self.last_end:
                raise P.ProtocolError(f"STEP_END for step {step} after step {self.last_end}")
            self.last_end = step
            self.receiver._on_step_end(self, step, bool(msg.get("dropped", False)), msg)
        else:
            raise P.ProtocolError(f"{P.NAMES[mtype]} is not a rank-to-worker message")

    def _on_hello(self, msg: dict) -> None:
        if self.rank is not None:
            raise P.ProtocolError("second HELLO on one connection")
        rank, nranks = _int(msg, "rank", "HELLO"), _int(msg, "nranks", "HELLO")
        if not 0 <= rank < nranks:
            raise P.ProtocolError(f"HELLO with rank {rank} outside 0..{nranks - 1}")
        shm = msg.get("shm")
        if shm is not None:
            if not isinstance(shm, str):
                raise P.ProtocolError("HELLO 'shm' must be a string or null")
            self.shm_bytes = _int(msg, "shm_bytes", "HELLO")
            self.shm = _open_shm(shm, self.shm_bytes)
        self.rank, self.hello = rank, msg
        self.receiver._on_hello(self, msg)

    def _on_array(self, msg: dict) -> None:
        aid = _int(msg, "id", "ARRAY")
        name = msg.get("name")
        dt = msg.get("dtype")
        if not isinstance(name, str) or not name:
            raise P.ProtocolError("ARRAY without a 'name'")
        if dt not in P.DTYPES:
            raise P.ProtocolError(f"array {name!r}: unknown dtype {dt!r}")
        shape, start, count = (_ints(msg, k, name) for k in ("shape", "start", "count"))
        if not (1 <= len(shape) <= P.MAX_DIMS and len(start) == len(count) == len(shape)):
            raise P.ProtocolError(f"array {name!r}: inconsistent dimensions")
        self.arrays[aid] = ArrayDef(name, P.DTYPES[dt], shape, start, count)
        self.receiver._on_array(self, msg)

    def _on_block(self, length: int) -> None:
        if length < P.BLOCK_META_SIZE:
            raise P.ProtocolError(f"BLOCK payload of {length} bytes is shorter than its metadata")
        meta = P.BlockMeta.unpack(bytes(P.recv_exact(self.sock, P.BLOCK_META_SIZE)))
        a = self.arrays.get(meta.array_id)
        if a is None:
            raise P.ProtocolError(f"BLOCK for undeclared array id {meta.array_id}")
        if len(meta.start) != len(a.shape):
            raise P.ProtocolError(f"array {a.name!r}: BLOCK has {len(meta.start)} dims, array has {len(a.shape)}")
        for d, (s, c, n) in enumerate(zip(meta.start, meta.count, a.shape)):
            if s < 0 or c <= 0 or s + c > n:
                raise P.ProtocolError(
                    f"array {a.name!r}: block [{s}, {s + c}) in dim {d} is outside the shape {a.shape}")
        if meta.step <= self.last_end:
            raise P.ProtocolError(f"array {a.name!r}: BLOCK for step {meta.step}, which already ended")
        n = int(np.prod(meta.count))
        if meta.nbytes != n * a.dtype.itemsize:
            raise P.ProtocolError(
                f"array {a.name!r}: BLOCK says {meta.nbytes} bytes, shape {meta.count} of {a.dtype} needs {n * a.dtype.itemsize}")
        if meta.shm_offset == P.INLINE:
            if length != P.BLOCK_META_SIZE + meta.nbytes:
                raise P.ProtocolError(f"array {a.name!r}: BLOCK frame length {length} does not match its data")
            arr = np.empty(meta.count, dtype=a.dtype)
            P.recv_into_exact(self.sock, memoryview(arr.reshape(-1).view(np.uint8)))
        else:
            if self.shm is None:
                raise P.ProtocolError("BLOCK refers to shared memory but HELLO announced none")
            if length != P.BLOCK_META_SIZE or meta.shm_offset + meta.nbytes > self.shm_bytes:
                raise P.ProtocolError(f"array {a.name!r}: shared-memory slot outside the segment")
            flat = np.frombuffer(self.shm, dtype=a.dtype, count=n, offset=meta.shm_offset)
            arr = flat.reshape(meta.count)
            # The slot goes back to the rank once Dask lets go of every view of it.
            weakref.finalize(flat, RankConnection.release, self, meta.shm_offset, meta.nbytes)
        self.bytes_received += meta.nbytes
        self.receiver._on_block(self, a, meta, arr)


def _int(msg: dict, key: str, what: str) -> int:
    v = msg.get(key)
    if not isinstance(v, int) or isinstance(v, bool):
        raise P.ProtocolError(f"{what} field {key!r} must be an integer, got {v!r}")
    return v


def _ints(msg: dict, key: str, array: str) -> tuple[int, ...]:
    v = msg.get(key)
    if not isinstance(v, list) or not all(isinstance(x, int) and x >= 0 for x in v):
        raise P.ProtocolError(f"array {array!r}: {key!r} must be a list of non-negative integers")
    return tuple(v)


class Receiver:
    """Listens for ranks and turns their frames into complete steps.

    ``on_step(step, blocks, ranks)`` is called (from a connection thread) once per
    step with ``blocks = {key: (ndarray, name, start, count)}`` and
    ``ranks = {rank: dropped}``; ``on_event(kind, info)`` reports hellos, arrays,
    byes, disconnects and protocol errors. A rank's bye or disconnect is reported
    after the steps it ended here: a step waits for every rank of this worker, and
    the scheduler counts a step with a gone rank's report missing as lost.
    """

    def __init__(self, token: bytes, on_step: Callable, on_event: Callable,
                 welcome: Callable[[], dict], host: str = "127.0.0.1", port: int = 0):
        self.token = token
        self.on_step = on_step
        self.on_event = on_event
        self.welcome = welcome
        self.lock = threading.RLock()
        self.conns: set[RankConnection] = set()
        self.pending: dict[int, StepParts] = {}
        self.held: dict[int, list[tuple[str, dict]]] = {}  # rank -> its bye/disconnect, until its steps leave
        self.sock = socket.create_server((host, port), backlog=256)
        self.address, self.port = self.sock.getsockname()[:2]
        self.closed = False
        self._thread = threading.Thread(target=self._accept, name="situ-accept", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                sock, peer = self.sock.accept()
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = RankConnection(self, sock, peer)
            with self.lock:
                self.conns.add(conn)
            conn.thread.start()

    def close(self) -> None:
        self.closed = True
        try:
            self.sock.close()
        except OSError:
            pass
        with self.lock:
            conns = list(self.conns)
        for c in conns:
            try:
                c.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def broadcast(self, mtype: int, obj: dict) -> None:
        data = P.json_frame(mtype, self.token, obj)
        with self.lock:
            conns = [c for c in self.conns if c.rank is not None]
        for c in conns:
            c.send(data)

    # -- callbacks from connection threads -----------------------------------
    def _on_hello(self, conn: RankConnection, msg: dict) -> None:
        conn.send(P.json_frame(P.WELCOME, self.token, self.welcome()))
        self.on_event("hello", {"rank": conn.rank, **msg})

    def _on_array(self, conn: RankConnection, msg: dict) -> None:
        self.on_event("array", {"rank": conn.rank, **msg})

    def _on_block(self, conn: RankConnection, a: ArrayDef, meta: P.BlockMeta, arr: np.ndarray) -> None:
        key = (f"situ-{a.name}", meta.step, conn.rank)
        with self.lock:
            parts = self.pending.setdefault(meta.step, StepParts())
            parts.blocks[key] = (arr, a.name, meta.start, meta.count)

    def _on_step_end(self, conn: RankConnection, step: int, dropped: bool, msg: dict) -> None:
        with self.lock:
            parts = self.pending.setdefault(step, StepParts())
            parts.ranks[conn.rank] = {"dropped": dropped,
                                      "dropped_steps": msg.get("dropped_steps", 0),
                                      "lost_steps": msg.get("lost_steps", 0),
                                      "bytes_sent": msg.get("bytes_sent", 0),
                                      "kernel_seconds": msg.get("kernel_seconds", 0.0),
                                      "kernel_runs": msg.get("kernel_runs", 0)}
            for k in ("raw_seconds", "raw_bytes", "send_seconds", "kernel_cpu_seconds"):  # older ranks lack them
                if k in msg:
                    parts.ranks[conn.rank][k] = msg[k]
            if msg.get("plan_error"):
                parts.ranks[conn.rank]["plan_error"] = str(msg["plan_error"])
            if isinstance(msg.get("plans"), dict):   # per plan: "<id>:<array>" -> [cpu seconds, runs]
                parts.ranks[conn.rank]["plans"] = msg["plans"]
            if dropped:
                for k in [k for k in parts.blocks if k[2] == conn.rank]:
                    del parts.blocks[k]
        self._flush()

    def _on_bye(self, conn: RankConnection, msg: dict) -> None:
        self._end_of_rank(conn.rank, "bye", {"rank": conn.rank, **msg})

    def _waiting(self, rank: int) -> bool:
        """Whether steps this rank ended wait here for other ranks (lock held)."""
        return any(rank in p.ranks for p in self.pending.values())

    def _end_of_rank(self, rank: int, kind: str, info: dict) -> None:
        """Report a rank's bye/disconnect now, or once the steps it ended here are sent."""
        with self.lock:
            hold = rank in self.held or self._waiting(rank)
            if hold:
                self.held.setdefault(rank, []).append((kind, info))
        if not hold:
            self.on_event(kind, info)

    def _on_error(self, conn: RankConnection, error: str) -> None:
        self.on_event("error", {"rank": conn.rank, "peer": str(conn.peer), "error": error})

    def _on_disconnect(self, conn: RankConnection, reason: str) -> None:
        with self.lock:
            self.conns.discard(conn)
            # Blocks of steps this rank never ended cannot be completed here.
            for parts in self.pending.values():
                if conn.rank not in parts.ranks:
                    for k in [k for k in parts.blocks if k[2] == conn.rank]:
                        del parts.blocks[k]
        self._flush()   # steps that waited only for this rank
        if conn.rank is not None:
            self._end_of_rank(conn.rank, "disconnect", {"rank": conn.rank, "reason": reason})

    def _flush(self) -> None:
        ready = []
        with self.lock:
            live = [c for c in self.conns if c.rank is not None]
            for step in sorted(self.pending):
                if any(c.last_end < step for c in live):
                    break
                ready.append((step, self.pending.pop(step)))
            done = [r for r in self.held if not self._waiting(r)]
            ends = [ev for r in done for ev in self.held.pop(r)]
        for step, parts in ready:
            self.on_step(step, parts.blocks, parts.ranks)
        for kind, info in ends:
            self.on_event(kind, info)
