"""Scalar MLIR shared by the kernel writers (situ.kokkos.lower, situ.planner.emit):
dtype casts as NumPy does them, reduction combiners, identities and reducers."""
from __future__ import annotations

import math

import numpy as np

from .mlirtext import Body, float_lit, mlir_type


def literal(b: Body, v, dt: np.dtype) -> str:
    """A constant of dtype ``dt`` (hoisted, shared)."""
    dt = np.dtype(dt)
    ty = mlir_type(dt)
    if dt == np.dtype(bool):
        return b.const(bool(v), ty)
    return b.const(float(v) if dt.kind == "f" else int(v), ty)


def cast(b: Body, v: str, src: np.dtype, dst: np.dtype) -> str:
    """``v`` converted from ``src`` to ``dst`` (to bool: != 0; floats to ints truncate)."""
    src, dst = np.dtype(src), np.dtype(dst)
    if src == dst:
        return v
    ts, td = mlir_type(src), mlir_type(dst)
    if dst == np.dtype(bool):
        if src.kind == "f":
            return b.op(f"arith.cmpf une, {v}, {b.const(0.0, ts)} : {ts}", "p")
        return b.op(f"arith.cmpi ne, {v}, {b.const(0, ts)} : {ts}", "p")
    if src == np.dtype(bool):
        return b.op(f"arith.{'uitofp' if dst.kind == 'f' else 'extui'} {v} : i1 to {td}", "c")
    if src.kind == "f" and dst.kind == "f":
        op = "extf" if dst.itemsize > src.itemsize else "truncf"
    elif src.kind == "f":
        op = "fptosi"
    elif dst.kind == "f":
        op = "sitofp"
    else:
        op = "extsi" if dst.itemsize > src.itemsize else "trunci"
    return b.op(f"arith.{op} {v} : {ts} to {td}", "c")


def combine(b: Body, kind: str, dt: np.dtype, acc: str, v: str, fast: bool = False) -> str:
    """``acc (kind) v``; floating min/max propagate NaN. ``fast`` lets sums and
    products be reassociated (vectorised)."""
    ty, f = mlir_type(dt), np.dtype(dt).kind == "f"
    if ty == "i1":
        op = {"and": "arith.andi", "or": "arith.ori", "max": "arith.ori", "min": "arith.andi",
              "sum": "arith.ori", "prod": "arith.andi"}[kind]
    elif f:
        op = {"sum": "arith.addf", "prod": "arith.mulf", "max": "arith.maximumf",
              "min": "arith.minimumf"}[kind]
    else:
        op = {"sum": "arith.addi", "prod": "arith.muli", "max": "arith.maxsi", "min": "arith.minsi",
              "and": "arith.andi", "or": "arith.ori"}[kind]
    flags = " fastmath<reassoc,contract>" if f and fast and kind in ("sum", "prod") else ""
    return b.op(f"{op} {acc}, {v}{flags} : {ty}", "r")


def identity(b: Body, kind: str, dt: np.dtype) -> str:
    dt = np.dtype(dt)
    ty = mlir_type(dt)
    if dt == np.dtype(bool):
        return b.const(kind in ("prod", "min", "and"), ty)
    if kind == "sum":
        return b.const(0.0 if dt.kind == "f" else 0, ty)
    if kind == "prod":
        return b.const(1.0 if dt.kind == "f" else 1, ty)
    if dt.kind == "f":
        return b.const(math.inf if kind == "min" else -math.inf, ty)
    info = np.iinfo(dt)
    return b.const(int(info.max if kind == "min" else info.min), ty)


def reducer(globals_: list[str], kind: str, dt: np.dtype) -> str:
    """The reducer of a ``kokkos.parallel_reduce``: built-in ones, except floating
    min/max, which become custom reducers (added to ``globals_``) because NumPy,
    JAX and PyTorch propagate NaN and Kokkos' built-ins do not."""
    dt = np.dtype(dt)
    if dt == np.dtype(bool):
        return {"and": "land", "or": "lor", "min": "land", "max": "lor", "sum": "lor",
                "prod": "land"}[kind]
    if dt.kind != "f" or kind not in ("min", "max"):
        return kind
    ty = mlir_type(dt)
    name = f"nan_{kind}_{ty}"
    if not any(f"@{name} " in g for g in globals_):
        init = float_lit(math.inf if kind == "min" else -math.inf, ty)
        op = "arith.minimumf" if kind == "min" else "arith.maximumf"
        globals_.append(
            f"kokkos.reducer @{name} : {ty} init {{\n  %i = arith.constant {init} : {ty}\n"
            f"  kokkos.yield %i : {ty}\n}} join {{\n^bb0(%a: {ty}, %b: {ty}):\n"
            f"  %r = {op} %a, %b : {ty}\n  kokkos.yield %r : {ty}\n}}")
    return "@" + name
