"""Traced block expressions -> one Kokkos-dialect kernel (MLIR text).

The kernel takes the block as a flat view and writes each output to its own flat
view (the rank hands it staging memory, so results need no extra copy)::

    func.func @situ_block(%in: memref<N x T>, %out0: memref<M0 x T0>, ...)

Reductions, histograms and concatenations are materialised (into their output
view, or a temporary); everything elementwise is recomputed inline where it is
read, so ``(f * v).sum(axis=(2, 3))`` is one loop nest that reads ``f`` once.
Full reductions are ``kokkos.parallel_reduce`` over an MDRange; partial ones a
``kokkos.parallel_for`` over the kept dimensions with sequential inner loops;
arg-reductions sequential loops carrying (best value, first index), which also
write the paired min/max;
histograms a ``parallel_for`` with ``kokkos.atomic add`` after a binary search
of the bin edges (NumPy's own edges, so bin membership is exact).
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from ..kokkos import scalars
from ..kokkos.lower import row_major as _strides
from ..kokkos.mlirtext import MLIR_TYPE, Body, float_lit
from .trace import Node, Unmappable

CMP_F = {"greater": "ogt", "greater_equal": "oge", "less": "olt", "less_equal": "ole",
         "equal": "oeq", "not_equal": "une"}
CMP_I = {"greater": "sgt", "greater_equal": "sge", "less": "slt", "less_equal": "sle",
         "equal": "eq", "not_equal": "ne"}
MATH_F = {"sqrt": "math.sqrt", "exp": "math.exp", "log": "math.log", "sin": "math.sin",
          "cos": "math.cos", "tanh": "math.tanh", "floor": "math.floor", "ceil": "math.ceil",
          "absolute": "math.absf"}


U8, U64 = np.dtype("u1"), np.dtype("u8")
# Unsigned bytes are computed as int32 (every uint8 fits, so signed compares, min/max
# and casts to float stay right) and wrapped to 0..255 where NumPy wraps; NumPy's
# uint64 (sums of uint8) as int64 (two's complement: the same bits for + and *).
REG = {U8: np.dtype("i4"), U64: np.dtype("i8")}
MEM = {U8: "i8", U64: "i64"}


def reg(dt: np.dtype) -> np.dtype:
    """The dtype a value of ``dt`` is computed in."""
    return REG.get(np.dtype(dt), np.dtype(dt))


def mlir_type(dt: np.dtype) -> str:
    """The MLIR type of a value of ``dt`` in registers."""
    try:
        return MLIR_TYPE[reg(dt)]
    except KeyError:
        raise Unmappable(f"dtype {dt} in a kernel") from None


def mem_type(dt: np.dtype) -> str:
    """The MLIR element type of ``dt`` in memory."""
    return MEM.get(np.dtype(dt)) or mlir_type(dt)


class KernelEmitter:
    """Emit one kernel computing ``outputs`` (traced nodes) from one input block."""

    def __init__(self, inp: Node, outputs: Sequence[Node], entry: str = "situ_block") -> None:
        self.inp, self.outputs, self.entry = inp, list(outputs), entry
        self.b = Body()
        self.globals: list[str] = []
        self.global_names: dict[str, str] = {}
        self.buffers: dict[int, tuple[str, list[int]]] = {}   # node id -> (memref value, strides)
        self.temps: list[tuple[str, str]] = []

    # -- entry point ---------------------------------------------------------------
    def emit(self) -> str:
        b = self.b
        args = [f"%in: memref<{max(self.inp.size, 1)}x{mem_type(self.inp.dtype)}>"]
        self.buffers[id(self.inp)] = ("%in", _strides(self.inp.shape))
        out_of: dict[int, str] = {}
        for j, o in enumerate(self.outputs):
            args.append(f"%out{j}: memref<{max(o.size, 1)}x{mem_type(o.dtype)}>")
            out_of.setdefault(id(o), f"%out{j}")
        order = self._materialised_order()
        # An arg-reduction and the min/max of the same values over the same axes (Dask's
        # arg_chunk asks for both) are one pass: the extreme value is where its index is.
        self.pairs: dict[int, Node] = {}
        for a in order:
            if a.op == "argreduce" and not a.attrs.get("skipnan"):  # nanarg*: max/min differ at NaN
                axes = tuple(range(len(a.args[0].shape))) if a.attrs["axis"] is None else (a.attrs["axis"],)
                for r in order:
                    if r.op == "reduce" and r.args[0] is a.args[0] and r.attrs["kind"] == a.attrs["kind"] and \
                            tuple(r.attrs["axes"]) == axes and r.dtype == a.args[0].dtype and \
                            not any(id(r) == id(v) for v in self.pairs.values()):
                        self.pairs[id(a)] = r
                        break
        paired = {id(r) for r in self.pairs.values()}
        for n in order:
            target = out_of.get(id(n))
            if target is None:
                target = b.op(f"memref.alloc() : {self._flat(n)}", "tmp")
                self.temps.append((target, self._flat(n)))
            self.buffers[id(n)] = (target, _strides(n.shape))
        for n in order:
            if id(n) not in paired:
                self._materialise(n, self.buffers[id(n)][0])
        for j, o in enumerate(self.outputs):  # outputs that were not materialised in place
            dst = f"%out{j}"
            src = self.buffers.get(id(o))
            if src is None or src[0] != dst:
                self._write_elementwise(o, dst)
        for name, ty in self.temps:
            b.emit(f"memref.dealloc {name} : {ty}")
        b.emit("return")
        head = [f"func.func @{self.entry}({', '.join(args)}) {{"]
        return "\n".join(self.globals + head + b.const_lines + b.lines + ["}"]) + "\n"

    @staticmethod
    def _flat(n: Node) -> str:
        return f"memref<{max(n.size, 1)}x{mem_type(n.dtype)}>"

    def _materialised_order(self) -> list[Node]:
        """Reductions, histograms and concatenations, producers first."""
        order: list[Node] = []
        seen: set[int] = set()

        def visit(n: Node) -> None:
            if id(n) in seen:
                return
            seen.add(id(n))
            for a in n.args:
                visit(a)
            if n.op in ("reduce", "argreduce", "hist", "concat"):
                order.append(n)
        for o in self.outputs:
            visit(o)
        return order

    # -- loops ---------------------------------------------------------------------
    def _loop(self, kind: str, shape: Sequence[int], extra: str = "") -> list[str]:
        """Open a parallel_for / parallel_reduce over ``shape``; returns the index values."""
        b = self.b
        ivs = [b.fresh("i") for _ in shape]
        lo = ", ".join(b.const(0, "index") for _ in shape)
        hi = ", ".join(b.const(int(s), "index") for s in shape)
        b.emit(f"{kind} default ({', '.join(ivs)}) = ({lo}) to ({hi}){extra} {{")
        b.push()
        return ivs

    def _close(self) -> None:
        self.b.pop()
        self.b.emit("}")

    def _lin(self, idx: Sequence[str], strides: Sequence[int]) -> str:
        b = self.b
        key = ("lin", tuple(idx), tuple(strides))
        hit = b.lookup(key)
        if hit:
            return hit
        acc = None
        for i, s in zip(idx, strides):
            t = i if s == 1 else b.op(f"arith.muli {i}, {b.const(s, 'index')} : index", "x")
            acc = t if acc is None else b.op(f"arith.addi {acc}, {t} : index", "x")
        return b.remember(key, acc or b.const(0, "index"))

    def _store(self, value: str, dst: str, n: Node, idx: Sequence[str]) -> None:
        self._store_at(value, dst, n, self._lin(idx, _strides(n.shape)))

    def _store_at(self, value: str, dst: str, n: Node, lin: str) -> None:
        if n.dtype == U8:
            value = self.b.op(f"arith.trunci {value} : i32 to i8", "c")
        self.b.emit(f"memref.store {value}, {dst}[{lin}] : {self._flat(n)}")

    def _write_elementwise(self, n: Node, dst: str) -> None:
        if n.op == "concat":
            self._write_concat(n, dst)
            return
        if not n.shape:
            self._store(self.value(n, []), dst, n, [])
            return
        idx = self._loop("kokkos.parallel_for", n.shape)
        self._store(self.value(n, idx), dst, n, idx)
        self._close()

    def _write_concat(self, n: Node, dst: str) -> None:
        axis, off = n.attrs["axis"], 0
        strides = _strides(n.shape)
        for part in n.args:
            idx = self._loop("kokkos.parallel_for", part.shape)
            v = self.value(part, idx)
            at = list(idx)
            if off:
                at[axis] = self.b.op(f"arith.addi {idx[axis]}, {self.b.const(off, 'index')} : index", "x")
            self._store_at(v, dst, n, self._lin(at, strides))
            self._close()
            off += part.shape[axis]

    def _materialise(self, n: Node, dst: str) -> None:
        if n.op == "reduce":
            self._reduce(n, dst)
        elif n.op == "argreduce":
            self._argreduce(n, dst)
        elif n.op == "hist":
            self._hist(n, dst)
        else:
            self._write_concat(n, dst)

    def _combine(self, kind: str, dt: np.dtype, a: str, x: str) -> str:
        return scalars.combine(self.b, kind, reg(dt), a, x)

    def _identity(self, kind: str, dt: np.dtype) -> str:
        return scalars.identity(self.b, kind, reg(dt))

    def _reducer_symbol(self, kind: str, dt: np.dtype) -> str:
        return scalars.reducer(self.globals, kind, reg(dt))

    def _reduce(self, n: Node, dst: str) -> None:
        b = self.b
        (src,) = n.args
        kind, axes, dt = n.attrs["kind"], n.attrs["axes"], n.dtype
        ty = mlir_type(dt)
        kept = [d for d in range(len(src.shape)) if d not in axes]
        red = list(axes)
        if not kept:
            if not src.shape:   # reducing a 0-d value
                v = self._cast(self.value(src, []), src.dtype, dt)
                self._store(v, dst, n, [b.const(0, "index")] * len(n.shape))
                return
            res = b.fresh("red")
            ivs = [b.fresh("i") for _ in src.shape]
            lo = ", ".join(b.const(0, "index") for _ in src.shape)
            hi = ", ".join(b.const(int(s), "index") for s in src.shape)
            b.emit(f"{res} = kokkos.parallel_reduce default ({', '.join(ivs)}) = ({lo}) to ({hi}) "
                   f"reduce [{self._reducer_symbol(kind, dt)}] -> {ty} {{")
            b.push()
            v = self._cast(self.value(src, ivs), src.dtype, dt)
            b.emit(f"kokkos.yield {v} : {ty}")
            b.pop()
            b.emit("}")
            self._store(res, dst, n, [b.const(0, "index")] * len(n.shape))
            return
        kidx = self._loop("kokkos.parallel_for", [src.shape[d] for d in kept])
        acc = self._identity(kind, dt)
        full: dict[int, str] = dict(zip(kept, kidx))
        closers = []
        for d in red:
            iv, a_in = b.fresh("j"), b.fresh("acc")
            res = b.fresh("s")
            b.emit(f"{res} = scf.for {iv} = {b.const(0, 'index')} to {b.const(src.shape[d], 'index')} "
                   f"step {b.const(1, 'index')} iter_args({a_in} = {acc}) -> ({ty}) {{")
            b.push()
            full[d] = iv
            closers.append(res)
            acc = a_in
        v = self._cast(self.value(src, [full[d] for d in range(len(src.shape))]), src.dtype, dt)
        nxt = self._combine(kind, dt, acc, v)
        for res in reversed(closers):
            b.emit(f"scf.yield {nxt} : {ty}")
            b.pop()
            b.emit("}")
            nxt = res
        out_idx = [kidx[kept.index(d)] if d in kept else b.const(0, "index")
                   for d in range(len(src.shape)) if n.attrs["keepdims"] or d in kept]
        self._store(nxt, dst, n, out_idx)
        self._close()

    def _argreduce(self, n: Node, dst: str) -> None:
        """First index of the max (min) along one axis or over the whole block (flat,
        row-major), NaN taken as the extreme as in NumPy; sequential loops carrying
        (best value, best index). Writes the value too when a paired reduce wants it.
        ``skipnan`` (nanargmax/nanargmin): NaN is never better, as NumPy's NaN
        replaced by -inf (+inf) — so a NaN ahead of a run of -inf keeps index 0, as
        in NumPy, and an all-NaN slice gives 0, as Dask's chunk does."""
        b = self.b
        (src,) = n.args
        kind, axis, dt = n.attrs["kind"], n.attrs["axis"], src.dtype
        ty = mlir_type(dt)
        red = list(range(len(src.shape))) if axis is None else [axis]
        kept = [d for d in range(len(src.shape)) if d not in red]
        kidx = self._loop("kokkos.parallel_for", [src.shape[d] for d in kept]) if kept else []
        full: dict[int, str] = dict(zip(kept, kidx))
        skip = bool(n.attrs.get("skipnan"))
        bv, bi = self._identity(kind, dt), b.const(0, "i64")
        closers = []
        for d in red:
            iv, v_in, i_in, res = b.fresh("j"), b.fresh("bv"), b.fresh("bi"), b.fresh("s")
            b.emit(f"{res}:2 = scf.for {iv} = {b.const(0, 'index')} to {b.const(src.shape[d], 'index')} "
                   f"step {b.const(1, 'index')} iter_args({v_in} = {bv}, {i_in} = {bi}) -> ({ty}, i64) {{")
            b.push()
            full[d] = iv
            closers.append(res)
            bv, bi = v_in, i_in
        v = self.value(src, [full[d] for d in range(len(src.shape))])
        at = self._lin([full[d] for d in red], _strides([src.shape[d] for d in red]))
        at = b.op(f"arith.index_cast {at} : index to i64", "x")
        if skip:  # ordered compare: false at NaN
            better = b.op(f"arith.cmpf {'ogt' if kind == 'max' else 'olt'}, {v}, {bv} : {ty}", "p")
        elif dt.kind == "f":
            better = b.op(f"arith.cmpf {'ogt' if kind == 'max' else 'olt'}, {v}, {bv} : {ty}", "p")
            vnan = b.op(f"arith.cmpf uno, {v}, {v} : {ty}", "p")
            bord = b.op(f"arith.cmpf ord, {bv}, {bv} : {ty}", "p")
            first_nan = b.op(f"arith.andi {vnan}, {bord} : i1", "p")
            better = b.op(f"arith.ori {better}, {first_nan} : i1", "p")
        else:
            better = b.op(f"arith.cmpi {'sgt' if kind == 'max' else 'slt'}, {v}, {bv} : {ty}", "p")
        nv = b.op(f"arith.select {better}, {v}, {bv} : {ty}", "x")
        ni = b.op(f"arith.select {better}, {at}, {bi} : i64", "x")
        for res in reversed(closers):
            b.emit(f"scf.yield {nv}, {ni} : {ty}, i64")
            b.pop()
            b.emit("}")
            nv, ni = f"{res}#0", f"{res}#1"
        self._store(self._cast(ni, np.dtype(np.int64), n.dtype), dst, n, kidx)
        r = self.pairs.get(id(n))
        if r is not None:
            out_idx = [kidx[kept.index(d)] if d in kept else b.const(0, "index")
                       for d in range(len(src.shape)) if r.attrs["keepdims"] or d in kept]
            self._store(nv, self.buffers[id(r)][0], r, out_idx)
        if kept:
            self._close()

    def _hist(self, n: Node, dst: str) -> None:
        b = self.b
        (src,) = n.args
        edges = np.asarray(n.attrs["edges"])
        nb = edges.size - 1
        cdt = np.result_type(src.dtype, edges.dtype) if src.dtype.kind == "f" else np.dtype("f8")
        if edges.dtype.kind == "f" and edges.dtype != cdt:
            edges = edges.astype(cdt)
        cty = mlir_type(cdt)
        gname = f"situ_edges_{len(self.globals)}"
        vals = ", ".join(float_lit(float(e), cty) for e in edges)
        self.globals.append(f'memref.global "private" constant @{gname} : memref<{edges.size}x{cty}> = '
                            f"dense<[{vals}]>")
        idx = self._loop("kokkos.parallel_for", [nb])
        b.emit(f"memref.store {b.const(0, 'i64')}, {dst}[{idx[0]}] : {self._flat(n)}")
        self._close()
        if src.size == 0:
            return
        e = b.op(f"memref.get_global @{gname} : memref<{edges.size}x{cty}>", "edges")
        idx = self._loop("kokkos.parallel_for", src.shape) if src.shape else []
        v = self._cast(self.value(src, idx), src.dtype, cdt)
        first = b.op(f"memref.load {e}[{b.const(0, 'index')}] : memref<{edges.size}x{cty}>", "e")
        last = b.op(f"memref.load {e}[{b.const(nb, 'index')}] : memref<{edges.size}x{cty}>", "e")
        ge = b.op(f"arith.cmpf oge, {v}, {first} : {cty}", "p")
        le = b.op(f"arith.cmpf ole, {v}, {last} : {cty}", "p")
        inside = b.op(f"arith.andi {ge}, {le} : i1", "p")
        b.emit(f"scf.if {inside} {{")
        b.push()
        # Largest k with edges[k] <= v, clamped to the last bin (which is closed).
        width = (float(edges[-1]) - float(edges[0])) / nb
        # Edges even to 1e-3 of a bin (float32 rounding is far below) keep the guess
        # within one bin of the answer, which the correction step then finds.
        if nb > 1 and width > 0 and np.allclose(np.diff(edges.astype("f8")), width, rtol=1e-3, atol=0):
            k = self._uniform_bin(v, first, e, edges, nb, cty)
        else:
            k = self._search_bin(v, e, edges, nb, cty)
        b.op(f"kokkos.atomic add {b.const(1, 'i64')}, {dst}[{k}] : {self._flat(n)}", "old")
        b.pop()
        b.emit("}")
        if src.shape:
            self._close()

    def _uniform_bin(self, v: str, first: str, e: str, edges: np.ndarray, nb: int, cty: str) -> str:
        """Bin of ``v`` for evenly spaced edges: (v - e0) / width, then one step of
        correction against NumPy's own edges (the quotient is off by at most one)."""
        b = self.b
        ety = f"memref<{edges.size}x{cty}>"
        scale = b.const(nb / (float(edges[-1]) - float(edges[0])), cty)
        d = b.op(f"arith.subf {v}, {first} : {cty}", "x")
        g = b.op(f"arith.mulf {d}, {scale} : {cty}", "x")
        gi = b.op(f"arith.fptosi {g} : {cty} to i64", "x")
        k = b.op(f"arith.index_cast {gi} : i64 to index", "x")
        k = b.op(f"arith.maxsi {k}, {b.const(0, 'index')} : index", "x")
        k = b.op(f"arith.minsi {k}, {b.const(nb - 1, 'index')} : index", "x")
        ek = b.op(f"memref.load {e}[{k}] : {ety}", "e")
        below = b.op(f"arith.cmpf olt, {v}, {ek} : {cty}", "p")
        km = b.op(f"arith.subi {k}, {b.const(1, 'index')} : index", "x")
        k1 = b.op(f"arith.addi {k}, {b.const(1, 'index')} : index", "x")
        ek1 = b.op(f"memref.load {e}[{k1}] : {ety}", "e")
        above = b.op(f"arith.cmpf oge, {v}, {ek1} : {cty}", "p")
        notlast = b.op(f"arith.cmpi ult, {k1}, {b.const(nb, 'index')} : index", "p")
        up = b.op(f"arith.andi {above}, {notlast} : i1", "p")
        k = b.op(f"arith.select {up}, {k1}, {k} : index", "x")
        return b.op(f"arith.select {below}, {km}, {k} : index", "x")

    def _search_bin(self, v: str, e: str, edges: np.ndarray, nb: int, cty: str) -> str:
        """Bin of ``v`` by binary search over the edges."""
        b = self.b
        steps = max(1, int(math.ceil(math.log2(nb + 1))) + 1)
        lo_in, hi_in = b.fresh("lo"), b.fresh("hi")
        res = b.fresh("bs")
        b.emit(f"{res}:2 = scf.for {b.fresh('k')} = {b.const(0, 'index')} to {b.const(steps, 'index')} "
               f"step {b.const(1, 'index')} iter_args({lo_in} = {b.const(0, 'index')}, "
               f"{hi_in} = {b.const(nb, 'index')}) -> (index, index) {{")
        b.push()
        s = b.op(f"arith.addi {lo_in}, {hi_in} : index", "x")
        mid = b.op(f"arith.divui {s}, {b.const(2, 'index')} : index", "x")
        em = b.op(f"memref.load {e}[{mid}] : memref<{edges.size}x{cty}>", "e")
        up = b.op(f"arith.cmpf oge, {v}, {em} : {cty}", "p")
        nlo = b.op(f"arith.select {up}, {mid}, {lo_in} : index", "x")
        nhi = b.op(f"arith.select {up}, {hi_in}, {mid} : index", "x")
        b.emit(f"scf.yield {nlo}, {nhi} : index, index")
        b.pop()
        b.emit("}")
        return b.op(f"arith.minui {res}#0, {b.const(nb - 1, 'index')} : index", "x")

    # -- values ----------------------------------------------------------------------
    def value(self, n: Node, idx: Sequence[str]) -> str:
        key = (id(n), tuple(idx))
        hit = self.b.lookup(key)
        if hit:
            return hit
        return self.b.remember(key, self._value(n, list(idx)))

    def _value(self, n: Node, idx: list[str]) -> str:
        b = self.b
        if id(n) in self.buffers:
            buf, strides = self.buffers[id(n)]
            return self._widen(b.op(f"memref.load {buf}[{self._lin(idx, strides)}] : {self._flat(n)}", "l"),
                               n.dtype)
        if n.op == "const":
            a = n.attrs["value"]
            if a.size == 1:
                return scalars.literal(self.b, a.reshape(()).item(), reg(n.dtype))
            ty = mem_type(n.dtype)
            flat = a.reshape(-1)
            if n.dtype == U8:   # i8 in memory: the same bits, widened unsigned on load
                flat = flat.view(np.int8)
            lits = ", ".join(float_lit(float(x), ty) if n.dtype.kind == "f" else
                             ("true" if x else "false") if n.dtype == np.dtype(bool) else str(int(x))
                             for x in flat)
            body = f"memref<{a.size}x{ty}> = dense<[{lits}]>"
            gname = self.global_names.get(body)
            if gname is None:  # identical constants (Dask's numel per reduction) share one global
                gname = self.global_names[body] = f"situ_const_{len(self.globals)}"
                self.globals.append(f'memref.global "private" constant @{gname} : {body}')
            # At function scope: the constant may be read again from another region.
            g = b.hoist(("global", gname), f"memref.get_global @{gname} : memref<{a.size}x{ty}>")
            self.buffers[id(n)] = (g, _strides(n.shape))
            return self._widen(b.op(f"memref.load {g}[{self._lin(idx, _strides(n.shape))}] : "
                                    f"memref<{a.size}x{ty}>", "l"), n.dtype)
        if n.op == "cast":
            return self._cast(self.value(n.args[0], self._bcast(idx, n.shape, n.args[0].shape)),
                              n.args[0].dtype, n.dtype)
        if n.op == "view":
            return self.value(n.args[0], self._view_index(n, idx))
        if n.op == "map":
            v = self._map(n, idx)
            return self._wrap(v) if n.dtype == U8 else v
        raise Unmappable(f"{n.op} used as an elementwise operand")

    def _widen(self, v: str, dt: np.dtype) -> str:
        return self.b.op(f"arith.extui {v} : i8 to i32", "c") if dt == U8 else v

    def _wrap(self, v: str) -> str:
        """A uint8 result computed in int32, modulo 256 as NumPy's."""
        return self.b.op(f"arith.andi {v}, {self.b.const(255, 'i32')} : i32", "c")

    def _view_index(self, n: Node, idx: list[str]) -> list[str]:
        b = self.b
        out = []
        for out_dim, start, step in n.attrs["dims"]:
            if out_dim is None:
                out.append(b.const(start, "index"))
                continue
            i = idx[out_dim]
            if step != 1:
                i = b.op(f"arith.muli {i}, {b.const(step, 'index')} : index", "x")
            if start:
                i = b.op(f"arith.addi {i}, {b.const(start, 'index')} : index", "x")
            out.append(i)
        return out

    def _bcast(self, idx: list[str], shape: Sequence[int], arg_shape: Sequence[int]) -> list[str]:
        off = len(shape) - len(arg_shape)
        return [self.b.const(0, "index") if s == 1 and shape[off + d] != 1 else idx[off + d]
                for d, s in enumerate(arg_shape)]

    def _cast(self, v: str, src: np.dtype, dst: np.dtype) -> str:
        src, dst = np.dtype(src), np.dtype(dst)
        if src == dst:
            return v
        out = scalars.cast(self.b, v, reg(src), reg(dst))
        return self._wrap(out) if dst == U8 and src != np.dtype(bool) else out

    def _map(self, n: Node, idx: list[str]) -> str:
        b = self.b
        fn = n.attrs["fn"]
        if fn == "where":
            c, x, y = n.args
            cv = self.value(c, self._bcast(idx, n.shape, c.shape))
            xv = self._cast(self.value(x, self._bcast(idx, n.shape, x.shape)), x.dtype, n.dtype)
            yv = self._cast(self.value(y, self._bcast(idx, n.shape, y.shape)), y.dtype, n.dtype)
            return b.op(f"arith.select {cv}, {xv}, {yv} : {mlir_type(n.dtype)}", "w")
        if fn in CMP_F or fn in ("logical_and", "logical_or", "logical_not", "isnan"):
            cdt = np.result_type(*[a.dtype for a in n.args])
        elif fn == "true_divide" and n.dtype.kind == "f":
            cdt = n.dtype
        else:
            cdt = n.dtype
        vals = [self._cast(self.value(a, self._bcast(idx, n.shape, a.shape)), a.dtype,
                           np.dtype(bool) if fn.startswith("logical") else cdt) for a in n.args]
        ty = mlir_type(cdt)
        f = cdt.kind == "f"
        if fn.startswith("logical"):
            if fn == "logical_not":
                return b.op(f"arith.xori {vals[0]}, {b.const(True, 'i1')} : i1", "p")
            return b.op(f"arith.{'andi' if fn == 'logical_and' else 'ori'} {vals[0]}, {vals[1]} : i1", "p")
        if fn in CMP_F:
            if f:
                return b.op(f"arith.cmpf {CMP_F[fn]}, {vals[0]}, {vals[1]} : {ty}", "p")
            return b.op(f"arith.cmpi {CMP_I[fn]}, {vals[0]}, {vals[1]} : {ty}", "p")
        if fn == "isnan":
            if not f:
                return b.const(False, "i1")
            return b.op(f"arith.cmpf uno, {vals[0]}, {vals[0]} : {ty}", "p")
        binary = {"add": ("addf", "addi"), "subtract": ("subf", "subi"), "multiply": ("mulf", "muli"),
                  "maximum": ("maximumf", "maxsi"), "minimum": ("minimumf", "minsi"),
                  "fmax": ("maxnumf", "maxsi"), "fmin": ("minnumf", "minsi"),
                  "true_divide": ("divf", None), "floor_divide": (None, "floordivsi"),
                  "power": ("math.powf", "math.ipowi")}
        if fn in binary:
            fop, iop = binary[fn]
            op = fop if f else iop
            if op is None:
                raise Unmappable(f"numpy.{fn} on {cdt}")
            full = op if op.startswith("math.") else f"arith.{op}"
            return b.op(f"{full} {vals[0]}, {vals[1]} : {ty}", "a")
        if fn == "negative":
            return b.op(f"arith.negf {vals[0]} : {ty}", "a") if f else \
                b.op(f"arith.subi {b.const(0, ty)}, {vals[0]} : {ty}", "a")
        if fn == "positive":
            return vals[0]
        if fn == "square":
            return b.op(f"arith.{'mulf' if f else 'muli'} {vals[0]}, {vals[0]} : {ty}", "a")
        if fn == "absolute" and not f:
            return b.op(f"math.absi {vals[0]} : {ty}", "a")
        if fn in MATH_F and f:
            return b.op(f"{MATH_F[fn]} {vals[0]} : {ty}", "a")
        raise Unmappable(f"numpy.{fn} on {cdt}")


def emit_kernel(inp: Node, outputs: Sequence[Node], entry: str = "situ_block") -> str:
    """MLIR text of the kernel computing ``outputs`` from the block ``inp``.

    >>> from situ.planner.trace import Node, reduce, Sym
    >>> import numpy as np
    >>> x = Node("input", (), (4, 3), np.dtype("f8"))
    >>> "parallel_for" in emit_kernel(x, [reduce("sum", Sym(x), axis=1).node])
    True
    """
    return KernelEmitter(inp, outputs, entry).emit()
