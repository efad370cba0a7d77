"""Wire protocol v1 between simulation ranks and workers (see docs/protocol.md)."""
from __future__ import annotations

import hmac
import json
import socket
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

MAGIC = b"SITU"
VERSION = 1
HEADER = struct.Struct("<4sHH16sQII")  # magic, version, type, token, length, flags, reserved
HEADER_SIZE = HEADER.size  # 40
BLOCK_META = struct.Struct("<qII6q6qQQ")  # step, array id, ndim, start[6], count[6], nbytes, shm offset
BLOCK_META_SIZE = BLOCK_META.size  # 128
INLINE = 2**64 - 1
MAX_CONTROL = 1 << 20
MAX_DIMS = 6

HELLO, ARRAY, BLOCK, STEP_END, BYE = 1, 2, 3, 4, 5
WELCOME, CONTRACT, STEER, RELEASE, ERROR = 6, 7, 8, 9, 10
NAMES = {HELLO: "HELLO", ARRAY: "ARRAY", BLOCK: "BLOCK", STEP_END: "STEP_END", BYE: "BYE",
         WELCOME: "WELCOME", CONTRACT: "CONTRACT", STEER: "STEER", RELEASE: "RELEASE",
         ERROR: "ERROR"}

DTYPES = {"f32": np.dtype("<f4"), "f64": np.dtype("<f8"), "i32": np.dtype("<i4"),
          "i64": np.dtype("<i8"), "u8": np.dtype("u1")}


class ProtocolError(Exception):
    """A peer sent something this side cannot accept; the connection is closed."""


@dataclass
class BlockMeta:
    step: int
    array_id: int
    start: tuple[int, ...]
    count: tuple[int, ...]
    nbytes: int
    shm_offset: int

    @classmethod
    def unpack(cls, buf: bytes) -> "BlockMeta":
        f = BLOCK_META.unpack(buf)
        step, aid, ndim = f[0], f[1], f[2]
        if not 1 <= ndim <= MAX_DIMS:
            raise ProtocolError(f"BLOCK with ndim={ndim} (expected 1..{MAX_DIMS})")
        start = tuple(f[3:3 + ndim])
        count = tuple(f[9:9 + ndim])
        return cls(step, aid, start, count, f[15], f[16])

    def pack(self) -> bytes:
        nd = len(self.start)
        start = list(self.start) + [0] * (MAX_DIMS - nd)
        count = list(self.count) + [0] * (MAX_DIMS - nd)
        return BLOCK_META.pack(self.step, self.array_id, nd, *start, *count,
                               self.nbytes, self.shm_offset)


def token_bytes(token_hex: str) -> bytes:
    """The 16 header bytes of a 32-hex-digit session token."""
    try:
        raw = bytes.fromhex(token_hex)
    except ValueError as e:
        raise ValueError(f"session token {token_hex!r} is not hexadecimal") from e
    if len(raw) != 16:
        raise ValueError(f"session token must be 32 hex digits, got {len(token_hex)}")
    return raw


def pack_header(mtype: int, token: bytes, length: int) -> bytes:
    return HEADER.pack(MAGIC, VERSION, mtype, token, length, 0, 0)


def frame(mtype: int, token: bytes, payload: bytes = b"") -> bytes:
    return pack_header(mtype, token, len(payload)) + payload


def json_frame(mtype: int, token: bytes, obj: Any) -> bytes:
    return frame(mtype, token, json.dumps(obj).encode())


def check_header(raw: bytes, token: bytes) -> tuple[int, int]:
    """Validate a header; returns (type, payload length) or raises ProtocolError."""
    magic, version, mtype, tok, length, _flags, _res = HEADER.unpack(raw)
    if magic != MAGIC:
        raise ProtocolError(f"bad magic {magic!r} (not a situ peer)")
    if version != VERSION:
        raise ProtocolError(
            f"unsupported protocol version {version} (this worker speaks {VERSION})")
    if not hmac.compare_digest(tok, token):
        raise ProtocolError("wrong session token")
    if mtype not in NAMES:
        raise ProtocolError(f"unknown message type {mtype}")
    if mtype != BLOCK and length > MAX_CONTROL:
        raise ProtocolError(f"{NAMES[mtype]} payload of {length} bytes exceeds {MAX_CONTROL}")
    return mtype, length


def recv_exact(sock: socket.socket, n: int) -> bytearray:
    buf = bytearray(n)
    recv_into_exact(sock, memoryview(buf))
    return buf


def recv_into_exact(sock: socket.socket, view: memoryview) -> None:
    got, n = 0, len(view)
    while got < n:
        k = sock.recv_into(view[got:], n - got)
        if k == 0:
            raise EOFError("peer closed the connection")
        got += k


def parse_json(mtype: int, payload: bytes) -> dict:
    try:
        obj = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ProtocolError(f"{NAMES[mtype]} payload is not valid JSON: {e}") from None
    if not isinstance(obj, dict):
        raise ProtocolError(f"{NAMES[mtype]} payload must be a JSON object")
    return obj
