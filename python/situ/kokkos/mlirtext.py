"""Writing MLIR text: SSA names, hoisted constants, scoped value caches."""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

MLIR_TYPE = {np.dtype("f4"): "f32", np.dtype("f8"): "f64", np.dtype("i4"): "i32",
             np.dtype("i8"): "i64", np.dtype("bool"): "i1"}


def mlir_type(dt: np.dtype) -> str:
    return MLIR_TYPE[np.dtype(dt)]


def memref_type(shape: Sequence[int], dt: np.dtype) -> str:
    dims = "".join(f"{int(s)}x" for s in shape)
    return f"memref<{dims}{mlir_type(dt)}>"


def float_lit(v: float, ty: str = "f64") -> str:
    """A float literal; NaN and infinities as the type's bit pattern."""
    if math.isnan(v) or math.isinf(v):
        bits = {("f64", "nan"): "0x7FF8000000000000", ("f64", "inf"): "0x7FF0000000000000",
                ("f64", "-inf"): "0xFFF0000000000000", ("f32", "nan"): "0x7FC00000",
                ("f32", "inf"): "0x7F800000", ("f32", "-inf"): "0xFF800000"}
        return bits[(ty, "nan" if math.isnan(v) else "inf" if v > 0 else "-inf")]
    if ty == "f32":
        v = float(np.float32(v))
    return repr(float(v))


def dense_hex(a: np.ndarray) -> str:
    """``dense<"0x...">`` of an array (little-endian raw bytes; i1 one byte each)."""
    a = np.ascontiguousarray(a)
    if a.dtype == np.dtype(bool):
        a = a.astype(np.uint8)
    return f'dense<"0x{a.astype(a.dtype.newbyteorder("<")).tobytes().hex().upper()}">'


class Body:
    """SSA text of one function: constants hoisted to the top, values cached per
    region scope so a value computed in a loop body is reused only there."""

    def __init__(self, indent: int = 1) -> None:
        self.lines: list[str] = []
        self.consts: dict[tuple, str] = {}
        self.const_lines: list[str] = []
        self.scopes: list[dict] = [{}]
        self.indent = indent
        self.n = 0

    def fresh(self, base: str = "v") -> str:
        self.n += 1
        return f"%{base}{self.n}"

    def emit(self, text: str) -> None:
        self.lines.append("  " * self.indent + text)

    def op(self, text: str, base: str = "v") -> str:
        name = self.fresh(base)
        self.emit(f"{name} = {text}")
        return name

    def hoist(self, key: tuple, text: str, base: str = "g") -> str:
        """A value computed once at the top of the function (constants, globals)."""
        if key not in self.consts:
            name = f"%{base}_{len(self.consts)}"   # '_' keeps them apart from fresh()
            self.const_lines.append(f"  {name} = {text}")
            self.consts[key] = name
        return self.consts[key]

    def const(self, value, ty: str) -> str:
        if ty == "index" or (ty.startswith("i") and ty != "i1"):
            lit = str(int(value))
        elif ty == "i1":
            lit = "true" if value else "false"
        else:
            lit = float_lit(float(value), ty)
        text = f"arith.constant {lit}" if ty == "i1" else f"arith.constant {lit} : {ty}"
        return self.hoist(("const", ty, lit), text, "c")

    def lookup(self, key: tuple) -> str | None:
        for s in reversed(self.scopes):
            if key in s:
                return s[key]
        return None

    def remember(self, key: tuple, value: str) -> str:
        self.scopes[-1][key] = value
        return value

    def push(self) -> None:
        """Enter a region (its values are cached apart, its lines indented)."""
        self.scopes.append({})
        self.indent += 1

    def pop(self) -> None:
        self.scopes.pop()
        self.indent -= 1

    def open(self, header: str) -> None:
        """Emit ``header {`` and enter its region."""
        self.emit(header + " {")
        self.push()

    def close(self, last: str | None = None) -> None:
        """Emit ``last`` (a terminator) if given, then leave the region."""
        if last:
            self.emit(last)
        self.pop()
        self.emit("}")
