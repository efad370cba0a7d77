"""A simulation rank written in Python, speaking the wire protocol: drives the
worker side in tests without MPI, and sends the bad input a real rank never would."""
from __future__ import annotations

import json
import socket
import struct

import numpy as np

from situ import protocol as P


class FakeRank:
    def __init__(self, endpoint: dict, token: str, rank: int, nranks: int):
        self.sock = socket.create_connection((endpoint["address"], endpoint["port"]), timeout=10)
        self.token = P.token_bytes(token)
        self.rank, self.nranks = rank, nranks
        self.arrays: dict[str, tuple[int, np.dtype]] = {}

    def send(self, mtype: int, payload: bytes) -> None:
        self.sock.sendall(P.frame(mtype, self.token, payload))

    def send_json(self, mtype: int, obj: dict) -> None:
        self.send(mtype, json.dumps(obj).encode())

    def recv(self) -> tuple[int, bytes]:
        head = P.recv_exact(self.sock, P.HEADER_SIZE)
        mtype, length = P.check_header(bytes(head), self.token)
        return mtype, bytes(P.recv_exact(self.sock, length))

    def hello(self) -> dict:
        self.send_json(P.HELLO, {"rank": self.rank, "nranks": self.nranks, "host": socket.gethostname(),
                                 "pid": 0, "policy": "block", "shm": None, "shm_bytes": 0})
        mtype, payload = self.recv()
        assert mtype == P.WELCOME, P.NAMES.get(mtype)
        return json.loads(payload)

    def define(self, name: str, dtype: str, shape, start, count) -> None:
        aid = len(self.arrays)
        self.arrays[name] = (aid, P.DTYPES[dtype])
        self.send_json(P.ARRAY, {"id": aid, "name": name, "dtype": dtype, "shape": list(shape),
                                 "start": list(start), "count": list(count)})

    def block(self, name: str, step: int, start, data: np.ndarray) -> None:
        aid, dt = self.arrays[name]
        data = np.ascontiguousarray(data, dtype=dt)
        meta = P.BlockMeta(step, aid, tuple(start), data.shape, data.nbytes, P.INLINE).pack()
        self.send(P.BLOCK, meta + data.tobytes())

    def step_end(self, step: int, blocks: int = 0, dropped: bool = False) -> None:
        self.send_json(P.STEP_END, {"step": step, "blocks": blocks, "dropped": dropped,
                                    "dropped_steps": 0, "lost_steps": 0, "bytes_sent": 0})

    def bye(self) -> None:
        self.send_json(P.BYE, {"steps": 0, "blocks": 0, "bytes_sent": 0, "dropped_steps": 0, "lost_steps": 0})

    def close(self) -> None:
        self.sock.close()


def pack_release(payload: bytes) -> tuple[int, int]:
    return struct.unpack("<QQ", payload)
