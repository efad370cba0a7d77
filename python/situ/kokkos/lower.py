"""Tensor program -> one Kokkos-dialect kernel (MLIR text), with loop fusion.

The kernel takes every input, then every output, as a row-major view of static
shape (destination passing: callers own all memory, nothing is copied)::

    func.func @kernel(%arg0: memref<64x32xf32>, ..., %res0: memref<64x10xf32>, ...)

Fusion is by recomputation, as in XLA's loop fusion: elementwise and layout
ops (broadcast, transpose, reshape, slice, pad, concatenate, select) are not
stored but evaluated where they are read, so ``relu(x @ w + b)`` is one
contraction loop and one fused epilogue, and ``sum(exp(x - max(x)))`` reads
``x`` inside the reduction. A value is stored to memory only when it is a
kernel output, the result of a contraction, reduction, window or scan op, or
an expensive value read at more than one place. Contractions read both
operands along the contracted dimension contiguously (a transposed copy is
made when the layout is not), so their inner loop is a vectorisable dot
product; sums may be reassociated (``fastmath<reassoc,contract>``): results
match the framework within float reassociation tolerance, not bit for bit.
"""
from __future__ import annotations

import math
import re
from contextlib import contextmanager
from typing import Callable, Iterator, Sequence

import numpy as np

from .ir import Graph, Node, Unsupported, nodes_of
from . import scalars
from .mlirtext import Body, dense_hex, memref_type, mlir_type
from .vecmath import erf_f32, exp_f32, tanh_f32

MATERIALISED = {"reduce", "argreduce", "dot", "conv", "pool", "cumulative", "loop"}
MAX_POLICY_RANK = 6
FAST = " fastmath<reassoc,contract>"
VECMATH = {"exp": exp_f32, "tanh": tanh_f32, "erf": erf_f32}
# Register block of a contraction (outputs per parallel iteration), rows x columns.
# CPU: 8 rows of the left operand share each loaded column of the right one, so a
# weight matrix larger than the cache is streamed M/8 times instead of M/2: the
# bench MLP's kernel went from 490 to 310 us on one core (2x4, 4x4, 8x3 and 8x4 measured
# too, alternated; 8x2 and 8x3 tie). GPU source keeps 2x4 (more threads per output).
CPU_TILE = (8, 2)
GPU_TILE = (2, 4)

CMP_F = {"lt": "olt", "le": "ole", "gt": "ogt", "ge": "oge", "eq": "oeq", "ne": "une"}
CMP_I = {"lt": "slt", "le": "sle", "gt": "sgt", "ge": "sge", "eq": "eq", "ne": "ne"}
MATH_F = {"exp": "math.exp", "exp2": "math.exp2", "expm1": "math.expm1", "log": "math.log",
          "log1p": "math.log1p", "sqrt": "math.sqrt", "rsqrt": "math.rsqrt", "tanh": "math.tanh",
          "sin": "math.sin", "cos": "math.cos", "tan": "math.tan", "atan": "math.atan",
          "erf": "math.erf", "erfc": "math.erfc", "floor": "math.floor", "ceil": "math.ceil", "round": "math.round",
          "roundeven": "math.roundeven", "abs": "math.absf"}
BIN_F = {"add": "arith.addf", "sub": "arith.subf", "mul": "arith.mulf", "div": "arith.divf",
         "max": "arith.maximumf", "min": "arith.minimumf", "pow": "math.powf", "rem": "arith.remf",
         "atan2": "math.atan2"}
BIN_I = {"add": "arith.addi", "sub": "arith.subi", "mul": "arith.muli", "div": "arith.divsi",
         "max": "arith.maxsi", "min": "arith.minsi", "pow": "math.ipowi", "rem": "arith.remsi",
         "and": "arith.andi", "or": "arith.ori", "xor": "arith.xori"}


def row_major(shape: Sequence[int]) -> list[int]:
    s, acc = [], 1
    for n in reversed(shape):
        s.append(acc)
        acc *= max(int(n), 1)
    return list(reversed(s))


class Dest:
    """Where a materialised value goes: a memref, optionally at a leading index."""

    def __init__(self, name: str, ty: str, prefix: Sequence[str] = ()) -> None:
        self.name, self.ty, self.prefix = name, ty, list(prefix)

    def store(self, b: Body, value: str, idx: Sequence[str]) -> None:
        b.emit(f"memref.store {value}, {self.name}[{', '.join(self.prefix + list(idx))}] : {self.ty}")

    def load(self, b: Body, idx: Sequence[str]) -> str:
        return b.op(f"memref.load {self.name}[{', '.join(self.prefix + list(idx))}] : {self.ty}", "l")


class Lowering:
    """Emits the computation of a graph's outputs into a shared :class:`Body`."""

    def __init__(self, b: Body, globals_: list[str], global_names: dict[tuple, str],
                 tile: tuple[int, int] = CPU_TILE) -> None:
        # globals_: module-level text; global_names: constant array -> its global
        # (both shared with the lowerings of loop bodies)
        self.b, self.globals, self.global_names, self.tile = b, globals_, global_names, tile
        self.buf: dict[int, Dest] = {}
        self.alias: dict[int, Callable[[list[str]], str]] = {}
        self.mat: set[int] = set()
        self.temps: list[Dest] = []

    # -- planning ----------------------------------------------------------------------
    def plan(self, outputs: Sequence[Node]) -> list[Node]:
        """Decide what is stored; returns the nodes in emission order."""
        order = nodes_of(outputs)
        consumers: dict[int, list[Node]] = {}
        for n in order:
            for a in n.args:
                consumers.setdefault(id(a), []).append(n)
        outs = {id(o) for o in outputs}
        evals: dict[int, int] = {}    # how many places evaluate this node, if it is inlined
        for n in reversed(order):
            if n.op in MATERIALISED or id(n) in outs:
                self.mat.add(id(n))
            cnt = 0
            for c in consumers.get(id(n), []):
                if id(c) in self.mat or c.op == "item":
                    cnt += 1
                elif c.op == "broadcast" and c.size > n.size:
                    cnt += 2   # read again for every broadcast copy
                else:
                    cnt += evals.get(id(c), 1)
            evals[id(n)] = cnt
            if n.op in ("unary", "binary", "compare", "select") and cnt >= 2:
                self.mat.add(id(n))
        return order

    def run(self, outputs: Sequence[Node], dests: Sequence[Dest]) -> None:
        """Compute ``outputs`` into ``dests`` (one each)."""
        order = self.plan(outputs)
        self.order = order
        target: dict[int, Dest] = {}
        for o, d in zip(outputs, dests):
            if o.op not in ("input", "const", "item") and id(o) not in self.alias:
                target.setdefault(id(o), d)
        for n in order:
            if id(n) not in self.mat or id(n) in self.buf or id(n) in self.alias or \
                    n.op in ("item", "const"):
                continue
            if n.op == "loop":   # binds its items' buffers
                self._loop(n)
                continue
            d = target.get(id(n)) or self.alloc(n.shape, n.dtype)
            self.materialise(n, d)
            self.buf[id(n)] = d
        for o, d in zip(outputs, dests):
            if self.buf.get(id(o)) is not d:
                self.write(o, d)

    def alloc(self, shape: Sequence[int], dt: np.dtype) -> Dest:
        ty = memref_type(shape, dt)
        d = Dest(self.b.op(f"memref.alloc() {{alignment = 64 : i64}} : {ty}", "t"), ty)
        self.temps.append(d)
        return d

    def free_temps(self) -> None:
        for d in self.temps:
            self.b.emit(f"memref.dealloc {d.name} : {d.ty}")
        self.temps = []

    # -- loops -------------------------------------------------------------------------
    def ci(self, v: int) -> str:
        return self.b.const(int(v), "index")

    @contextmanager
    def parallel(self, shape: Sequence[int]) -> Iterator[list[str]]:
        """A parallel_for over ``shape`` (MDRange), or straight-line code for 0-d."""
        if not shape:
            yield []
            return
        if len(shape) > MAX_POLICY_RANK:
            raise Unsupported(f"a loop nest of rank {len(shape)} (policies go up to "
                              f"{MAX_POLICY_RANK} dimensions)")
        b = self.b
        ivs = [b.fresh("i") for _ in shape]
        lo = ", ".join(self.ci(0) for _ in shape)
        hi = ", ".join(self.ci(s) for s in shape)
        b.open(f"kokkos.parallel_for default ({', '.join(ivs)}) = ({lo}) to ({hi})")
        yield ivs
        b.close()

    def accumulate(self, extents: Sequence[int], init: Sequence[str], tys: Sequence[str],
                   step: Callable[[list[str], list[str]], list[str]]) -> list[str]:
        """Sequential loops over ``extents`` carrying values; returns the final ones."""
        b = self.b
        if not extents:
            return step([], list(init))
        results, carried, ivs = [], list(init), []
        sig = ", ".join(tys)
        for n in extents:
            iv = b.fresh("k")
            args = [b.fresh("acc") for _ in tys]
            res = b.fresh("s")
            binds = ", ".join(f"{a} = {v}" for a, v in zip(args, carried))
            b.open(f"{res}{':' + str(len(tys)) if len(tys) > 1 else ''} = scf.for {iv} = "
                   f"{self.ci(0)} to {self.ci(n)} step {self.ci(1)} iter_args({binds}) -> ({sig})")
            results.append(res)
            ivs.append(iv)
            carried = args
        new = step(ivs, carried)
        for res in reversed(results):
            b.close(f"scf.yield {', '.join(new)} : {sig}")
            new = [res] if len(tys) == 1 else [f"{res}#{i}" for i in range(len(tys))]
        return new

    # -- materialisation ---------------------------------------------------------------
    def materialise(self, n: Node, d: Dest) -> None:
        if n.size == 0:
            return
        getattr(self, "_" + n.op, self._elementwise)(n, d)

    def write(self, n: Node, d: Dest) -> None:
        if n.size == 0:
            return
        with self.parallel(n.shape) as idx:
            d.store(self.b, self.val(n, idx), idx)

    def _elementwise(self, n: Node, d: Dest) -> None:
        self.write(n, d)

    def _reduce(self, n: Node, d: Dest) -> None:
        (x,) = n.args
        kind, axes, ty = n.p["kind"], n.p["axes"], mlir_type(n.dtype)
        kept = [k for k in range(len(x.shape)) if k not in axes]
        if x.size == 0:
            with self.parallel(n.shape) as idx:
                d.store(self.b, self.identity(kind, n.dtype), idx)
            return
        if not kept:
            b = self.b
            res = b.fresh("red")
            ivs = [b.fresh("i") for _ in x.shape]
            b.open(f"{res} = kokkos.parallel_reduce default ({', '.join(ivs)}) = "
                   f"({', '.join(self.ci(0) for _ in ivs)}) to ({', '.join(self.ci(s) for s in x.shape)}) "
                   f"reduce [{self.reducer(kind, n.dtype)}] -> {ty}")
            b.emit(f"kokkos.yield {self.val(x, ivs)} : {ty}")
            b.close()
            d.store(b, res, [])
            return
        with self.parallel([x.shape[k] for k in kept]) as kidx:
            def step(ivs: list[str], acc: list[str]) -> list[str]:
                full = dict(zip(kept, kidx)) | dict(zip(axes, ivs))
                v = self.val(x, [full[k] for k in range(len(x.shape))])
                return [self.combine(kind, n.dtype, acc[0], v)]
            (r,) = self.accumulate([x.shape[a] for a in axes], [self.identity(kind, n.dtype)], [ty], step)
            d.store(self.b, r, kidx)

    def _argreduce(self, n: Node, d: Dest) -> None:
        (x,) = n.args
        axis, b = n.p["axis"], self.b
        xt, it = mlir_type(x.dtype), mlir_type(n.dtype)
        f = x.dtype.kind == "f"
        with self.parallel(n.shape) as kidx:
            def step(ivs: list[str], acc: list[str]) -> list[str]:
                full = list(kidx[:axis]) + ivs + list(kidx[axis:])
                v = self.val(x, full)
                better = "ogt" if n.p["kind"] == "max" else "olt"
                if f:   # the first NaN wins, as in NumPy
                    c = b.op(f"arith.cmpf {better}, {v}, {acc[0]} : {xt}", "p")
                    vn = b.op(f"arith.cmpf uno, {v}, {v} : {xt}", "p")
                    bn = b.op(f"arith.cmpf ord, {acc[0]}, {acc[0]} : {xt}", "p")
                    c = b.op(f"arith.ori {c}, {b.op(f'arith.andi {vn}, {bn} : i1', 'p')} : i1", "p")
                else:
                    c = b.op(f"arith.cmpi {'sgt' if n.p['kind'] == 'max' else 'slt'}, {v}, {acc[0]} : {xt}", "p")
                i = b.op(f"arith.index_cast {ivs[0]} : index to {it}", "x")
                return [b.op(f"arith.select {c}, {v}, {acc[0]} : {xt}", "a"),
                        b.op(f"arith.select {c}, {i}, {acc[1]} : {it}", "a")]
            first = self.val(x, list(kidx[:axis]) + [self.ci(0)] + list(kidx[axis:]))
            _, best = self.accumulate([x.shape[axis]], [first, b.const(0, it)], [xt, it], step)
            d.store(b, best, kidx)

    def _dot(self, n: Node, d: Dest) -> None:
        """Register-blocked contraction: each iteration of the parallel loop computes a
        ``self.tile`` block of outputs (the innermost free dims of each operand),
        so every loaded element feeds several multiply-adds; the contracted loop is a
        vectorisable dot product. Edge tiles clamp to the last row/column."""
        self.contract(*n.args, n.p["lc"], n.p["rc"], n.p["lb"], n.p["rb"], n, d)

    def contract(self, a: Node, w: Node, lc, rc, lb, rb, n: Node, d: Dest) -> None:
        fa = [k for k in range(len(a.shape)) if k not in lc + lb]
        fb = [k for k in range(len(w.shape)) if k not in rc + rb]
        nb = len(lb)
        get_a = self.operand(a, lb, fa, lc)
        get_w = self.operand(w, rb, fb, rc)
        ty, b = mlir_type(n.dtype), self.b
        kext = [a.shape[k] for k in lc]
        big = int(np.prod(kext, dtype=np.int64)) >= 8
        di = nb + len(fa) - 1 if fa and big else None        # output dim tiled by ti
        dj = len(n.shape) - 1 if fb and big else None
        ti = min(self.tile[0], n.shape[di]) if di is not None else 1
        tj = min(self.tile[1], n.shape[dj]) if dj is not None else 1
        tiles = list(n.shape)
        if di is not None:
            tiles[di] = -(-tiles[di] // ti)
        if dj is not None:
            tiles[dj] = -(-tiles[dj] // tj)
        with self.parallel(tiles) as tidx:
            def at(dim: int | None, t: int, size: int) -> list[str]:
                if dim is None:
                    return list(tidx)
                i = self.affine(tidx[dim], size, None, 0, t)
                if (n.shape[dim] % size) and t:
                    i = b.op(f"arith.minsi {i}, {self.ci(n.shape[dim] - 1)} : index", "x")
                out = list(tidx)
                out[dim] = i
                return out
            rows = [at(di, t, ti) for t in range(ti)]
            cols = [at(dj, u, tj) for u in range(tj)]

            def step(ks: list[str], acc: list[str]) -> list[str]:
                xs = [get_a(r[:nb], r[nb:nb + len(fa)], ks) for r in rows]
                ys = [get_w(c[:nb], c[nb + len(fa):], ks) for c in cols]
                return [self.fma(acc[t * tj + u], x, y, n.dtype)
                        for t, x in enumerate(xs) for u, y in enumerate(ys)]
            res = self.accumulate(kext, [self.scalar(0, n.dtype)] * (ti * tj), [ty] * (ti * tj), step)
            for t in range(ti):
                for u in range(tj):
                    idx = list(tidx)
                    if di is not None:
                        idx[di] = rows[t][di]
                    if dj is not None:
                        idx[dj] = cols[u][dj]
                    d.store(b, res[t * tj + u], idx)

    def fma(self, acc: str, x: str, y: str, dt: np.dtype) -> str:
        """acc + x * y (floats: reassociable and contractible, so it vectorises)."""
        b, ty = self.b, mlir_type(dt)
        if dt.kind == "f":
            p = b.op(f"arith.mulf {x}, {y}{FAST} : {ty}", "m")
            return b.op(f"arith.addf {acc}, {p}{FAST} : {ty}", "m")
        p = b.op(f"arith.muli {x}, {y} : {ty}", "m")
        return b.op(f"arith.addi {acc}, {p} : {ty}", "m")

    def operand(self, x: Node, batch: Sequence[int], free: Sequence[int],
                contract: Sequence[int]) -> Callable[[list[str], list[str], list[str]], str]:
        """Accessor (batch ivs, free ivs, contracted ivs) -> element of a contraction
        operand; copies it to (batch, free, contracted) order first unless it is
        already stored with the innermost contracted dimension contiguous."""
        strides = self.view_strides(x)
        inner = contract[-1] if contract else None
        good = strides is not None and (inner is None or x.shape[inner] <= 1 or strides[inner] in (0, 1))
        if good:
            def get(bi: list[str], fi: list[str], ki: list[str]) -> str:
                full: dict[int, str] = dict(zip(batch, bi)) | dict(zip(free, fi)) | dict(zip(contract, ki))
                return self.val(x, [full[k] for k in range(len(x.shape))])
            return get
        dims = list(batch) + list(free) + list(contract)
        tmp = self.alloc([x.shape[k] for k in dims], x.dtype)
        with self.parallel([x.shape[k] for k in dims]) as idx:
            full = dict(zip(dims, idx))
            tmp.store(self.b, self.val(x, [full[k] for k in range(len(x.shape))]), idx)
        return lambda bi, fi, ki: tmp.load(self.b, list(bi) + list(fi) + list(ki))

    def view_strides(self, x: Node) -> list[int] | None:
        """Element strides of ``x`` if it is a stored array or a view of one."""
        if id(x) in self.buf or x.op in ("input", "item") or (x.op == "const" and x.shape != ()):
            return row_major(x.shape)
        if x.op == "const":
            return []
        if id(x) in self.alias or x.op not in ("transpose", "broadcast", "slice", "reshape"):
            return None
        s = self.view_strides(x.args[0])
        if s is None:
            return None
        if x.op == "transpose":
            return [s[p] for p in x.p["perm"]]
        if x.op == "broadcast":
            out = [0] * len(x.shape)
            for k, dd in enumerate(x.p["dims"]):
                if x.args[0].shape[k] != 1:
                    out[dd] = s[k]
            return out
        if x.op == "slice":
            return [a * st for a, st in zip(s, x.p["stride"])]
        src = x.args[0]   # a reshape keeps strides only when it adds or drops unit dims
        if [v for v in x.shape if v != 1] != [v for v in src.shape if v != 1]:
            return None if s != row_major(src.shape) else row_major(x.shape)
        it = iter([st for st, v in zip(s, src.shape) if v != 1])
        return [next(it) if v != 1 else 0 for v in x.shape]

    def _conv(self, n: Node, d: Dest) -> None:
        """Convolution as a contraction: the input's patches are gathered once
        (im2col, padding applied there) and the weights flattened, then the
        register-blocked contraction runs with its stores mapped back to
        (N, O, *spatial). Beyond 2 spatial dims the direct loop nest is used."""
        x, w = n.args
        nsp = len(x.shape) - 2
        if nsp > 2:
            return self._conv_direct(n, d)
        b = self.b
        N, C, O = x.shape[0], x.shape[1], w.shape[0]
        osp, ksp = list(n.shape[2:]), list(w.shape[2:])
        nout, nk = int(np.prod(osp)), C * int(np.prod(ksp))
        col = self.alloc((N, nout, nk), x.dtype)
        with self.parallel([N] + osp + [C] + ksp) as idx:
            ni, oi, ci, ki = idx[0], idx[1:1 + nsp], idx[1 + nsp], idx[2 + nsp:]
            v = self.patch(n, ni, ci, oi, ki)
            col.store(b, v, [ni, self.linear(oi, osp), self.linear([ci] + ki, [C] + ksp)])
        wf = self.alloc((O, nk), w.dtype)
        with self.parallel(w.shape) as idx:
            wf.store(b, self.val(w, idx), [idx[0], self.linear(idx[1:], w.shape[1:])])
        cn = Node("input", (), (N, nout, nk), x.dtype)
        wn = Node("input", (), (O, nk), w.dtype)
        self.buf[id(cn)], self.buf[id(wn)] = col, wf
        out = Node("dot", (wn, cn), (O, N, nout), n.dtype)
        lin = self

        class Scatter(Dest):   # (o, n, flat spatial) -> (n, o, *spatial)
            def store(self, b: Body, value: str, idx: Sequence[str]) -> None:
                d.store(b, value, [idx[1], idx[0]] + lin.delinear(idx[2], osp))
        self.contract(wn, cn, (1,), (2,), (), (), out, Scatter(d.name, d.ty))

    def linear(self, idx: Sequence[str], shape: Sequence[int]) -> str:
        """Row-major linear index of ``idx`` in ``shape``."""
        acc = None
        for i, st in zip(idx, row_major(shape)):
            t = i if st == 1 else self.b.op(f"arith.muli {i}, {self.ci(st)} : index", "x")
            acc = t if acc is None else self.b.op(f"arith.addi {acc}, {t} : index", "x")
        return acc or self.ci(0)

    def delinear(self, i: str, shape: Sequence[int]) -> list[str]:
        out = []
        for k, st in enumerate(row_major(shape)):
            q = i if st == 1 else self.b.op(f"arith.divui {i}, {self.ci(st)} : index", "x")
            out.append(q if k == 0 else self.b.op(f"arith.remui {q}, {self.ci(shape[k])} : index", "x"))
        return out

    def patch(self, n: Node, ni: str, ci: str, oi: Sequence[str], ki: Sequence[str]) -> str:
        """The input element a convolution ``n`` multiplies by kernel tap ``ki`` for
        output position ``oi`` (0 in the padding)."""
        x = n.args[0]
        stride, lo, hi, dil = n.p["stride"], n.p["lo"], n.p["hi"], n.p["dilation"]
        nsp = len(oi)
        pos = [self.affine(oi[s], stride[s], ki[s], dil[s], -lo[s]) for s in range(nsp)]
        bounds = [None, None] + [x.shape[2 + s] if (lo[s] or hi[s]) else None for s in range(nsp)]
        return self.guarded(x, [ni, ci] + pos, bounds, self.scalar(0, x.dtype))

    def _conv_direct(self, n: Node, d: Dest) -> None:
        x, w = n.args
        with self.parallel(n.shape) as idx:
            def step(ks: list[str], acc: list[str]) -> list[str]:
                c, kk = ks[0], ks[1:]
                xv = self.patch(n, idx[0], c, idx[2:], kk)
                return [self.fma(acc[0], xv, self.val(w, [idx[1], c] + kk), n.dtype)]
            (r,) = self.accumulate([x.shape[1]] + list(w.shape[2:]), [self.scalar(0, n.dtype)],
                                   [mlir_type(n.dtype)], step)
            d.store(self.b, r, idx)

    def _pool(self, n: Node, d: Dest) -> None:
        (x,) = n.args
        k = len(n.p["window"])
        lead = len(x.shape) - k
        kind, ty = n.p["kind"], mlir_type(n.dtype)
        ident = self.identity(kind, n.dtype)
        with self.parallel(n.shape) as idx:
            def step(ks: list[str], acc: list[str]) -> list[str]:
                pos = [self.affine(idx[lead + s], n.p["stride"][s], ks[s], 1, -n.p["lo"][s]) for s in range(k)]
                bounds = [None] * lead + [x.shape[lead + s] if (n.p["lo"][s] or n.p["hi"][s]) else None
                                          for s in range(k)]
                v = self.guarded(x, list(idx[:lead]) + pos, bounds, ident)
                return [self.combine(kind, n.dtype, acc[0], v)]
            (r,) = self.accumulate(list(n.p["window"]), [ident], [ty], step)
            d.store(self.b, r, idx)

    def _cumulative(self, n: Node, d: Dest) -> None:
        (x,) = n.args
        axis, kind, ty, b = n.p["axis"], n.p["kind"], mlir_type(n.dtype), self.b
        other = [s for k, s in enumerate(x.shape) if k != axis]
        size = x.shape[axis]
        with self.parallel(other) as oidx:
            def step(ks: list[str], acc: list[str]) -> list[str]:
                t = ks[0]
                if n.p["reverse"]:
                    t = b.op(f"arith.subi {self.ci(size - 1)}, {t} : index", "x")
                full = list(oidx[:axis]) + [t] + list(oidx[axis:])
                new = self.combine(kind, n.dtype, acc[0], self.val(x, full), fast=False)
                d.store(b, new, full)
                return [new]
            self.accumulate([size], [self.identity(kind, n.dtype)], [ty], step)

    def _loop(self, n: Node) -> None:
        body: Graph = n.p["body"]
        nc, ncar, length = n.p["n_consts"], n.p["n_carry"], n.p["length"]
        consts, inits, xs = n.args[:nc], n.args[nc:nc + ncar], n.args[nc + ncar:]
        b = self.b
        items = {o.p["index"]: o for o in self._items_of(n)}
        cur = [self.alloc(o.shape, o.dtype) for o in body.outputs[:ncar]]
        nxt = [self.alloc(o.shape, o.dtype) for o in body.outputs[:ncar]]
        for c, init in zip(cur, inits):
            self.write(init, c)
        ys = []
        for j, o in enumerate(body.outputs[ncar:], start=ncar):
            y = self.alloc((length,) + o.shape, o.dtype)
            ys.append(y)
            if j in items:
                self.buf[id(items[j])] = y
        t = b.fresh("t")
        cargs = [b.fresh("cur") for _ in cur] + [b.fresh("nxt") for _ in nxt]
        res = b.fresh("loop")
        binds = ", ".join(f"{a} = {c.name}" for a, c in zip(cargs, cur + nxt))
        sig = ", ".join(c.ty for c in cur + nxt)
        many = f":{len(cargs)}" if len(cargs) > 1 else ""
        head = (f"{res}{many} = scf.for {t} = {self.ci(0)} to {self.ci(length)} step {self.ci(1)} "
                f"iter_args({binds}) -> ({sig})") if cargs else \
            f"scf.for {t} = {self.ci(0)} to {self.ci(length)} step {self.ci(1)}"
        b.open(head)
        tv = b.op(f"arith.subi {self.ci(length - 1)}, {t} : index", "x") if n.p["reverse"] else t
        inner = Lowering(b, self.globals, self.global_names, self.tile)
        for i, inp in enumerate(body.inputs):
            if i < nc:
                outer = consts[i]
                inner.alias[id(inp)] = lambda idx, o=outer: self.val(o, idx)
            elif i < nc + ncar:
                inner.buf[id(inp)] = Dest(cargs[i - nc], cur[i - nc].ty)
            else:
                outer = xs[i - nc - ncar]
                inner.alias[id(inp)] = lambda idx, o=outer: self.val(o, [tv] + list(idx))
        dests = [Dest(cargs[len(cur) + j], nxt[j].ty) for j in range(ncar)] + \
                [Dest(y.name, y.ty, [tv]) for y in ys]
        inner.run(body.outputs, dests)
        inner.free_temps()
        if cargs:
            swapped = cargs[len(cur):] + cargs[:len(cur)]
            b.close(f"scf.yield {', '.join(swapped)} : {sig}")
        else:
            b.close()
        for j in range(ncar):
            final = res if len(cargs) == 1 else f"{res}#{j}"
            if j in items:
                self.buf[id(items[j])] = Dest(final, cur[j].ty)

    def _items_of(self, loop: Node) -> list[Node]:
        return [c for c in self.order if c.op == "item" and c.args[0] is loop]

    # -- values ------------------------------------------------------------------------
    def val(self, n: Node, idx: Sequence[str]) -> str:
        key = (id(self), id(n), tuple(idx))
        hit = self.b.lookup(key)
        if hit:
            return hit
        return self.b.remember(key, self._val(n, list(idx)))

    def _val(self, n: Node, idx: list[str]) -> str:
        b = self.b
        if id(n) in self.alias:
            return self.alias[id(n)](idx)
        if id(n) in self.buf:
            return self.buf[id(n)].load(b, idx)
        if n.op == "const":
            return self._const(n, idx)
        if n.op == "iota":
            return self.from_index(idx[n.p["dim"]], n.dtype)
        if n.op == "unary":
            return self.unary(n.p["fn"], n.args[0].dtype, self.val(n.args[0], idx if n.args[0].shape else []))
        if n.op in ("binary", "compare"):
            x, y = (self.val(a, idx if a.shape else []) for a in n.args)
            return self.binary(n.op, n.p["fn"], n.args[0].dtype, x, y)
        if n.op == "select":
            p, x, y = (self.val(a, idx if a.shape else []) for a in n.args)
            return b.op(f"arith.select {p}, {x}, {y} : {mlir_type(n.dtype)}", "w")
        if n.op == "convert":
            return self.cast(self.val(n.args[0], idx), n.args[0].dtype, n.dtype)
        if n.op == "broadcast":
            x = n.args[0]
            return self.val(x, [self.ci(0) if x.shape[k] == 1 else idx[dd] for k, dd in enumerate(n.p["dims"])])
        if n.op == "transpose":
            src = [""] * len(idx)
            for k, p in enumerate(n.p["perm"]):
                src[p] = idx[k]
            return self.val(n.args[0], src)
        if n.op == "slice":
            return self.val(n.args[0], [self.affine(i, st, None, 0, s)
                                        for i, s, st in zip(idx, n.p["start"], n.p["stride"])])
        if n.op == "reshape":
            return self.val(n.args[0], self.reshape_index(idx, n.shape, n.args[0].shape))
        if n.op == "take":
            x, ind = n.args
            ax = n.p["axis"]
            i = b.op(f"arith.index_cast {self.val(ind, [idx[ax]])} : {mlir_type(ind.dtype)} to index", "x")
            return self.val(x, idx[:ax] + [self.clamp(i, x.shape[ax])] + idx[ax + 1:])
        if n.op == "reverse":
            return self.val(n.args[0], [b.op(f"arith.subi {self.ci(s - 1)}, {i} : index", "x")
                                        if k in n.p["dims"] else i
                                        for k, (i, s) in enumerate(zip(idx, n.shape))])
        if n.op == "pad":
            x, pv = n.args
            pos = [self.affine(i, 1, None, 0, -lo) if lo else i for i, lo in zip(idx, n.p["lo"])]
            bounds = [x.shape[k] if (n.p["lo"][k] or n.p["hi"][k]) else None for k in range(len(idx))]
            return self.guarded(x, pos, bounds, self.val(pv, []))
        if n.op == "concat":
            return self._concat_value(n, idx)
        raise Unsupported(f"{n.op} read as an element (at {n.where})" if n.where else f"{n.op} read as an element")

    def _const(self, n: Node, idx: list[str]) -> str:
        a = n.p["value"]
        if a.size == 1:
            return self.scalar(a.reshape(()).item(), n.dtype)
        ty = memref_type(a.shape, n.dtype)
        if n.dtype == np.dtype(bool):   # i1 has no byte-per-element hex form
            text = np.array2string(a, separator=", ", threshold=a.size + 1)
            init = f"dense<{text.replace('True', 'true').replace('False', 'false')}>"
        else:
            init = dense_hex(a)
        name = self.global_names.get((ty, init))
        if name is None:
            name = self.global_names[(ty, init)] = f"kconst{len(self.globals)}"
            self.globals.append(f'memref.global "private" constant @{name} : {ty} = {init}')
        g = self.b.hoist(("get_global", name), f"memref.get_global @{name} : {ty}", "g")
        return self.b.op(f"memref.load {g}[{', '.join(idx)}] : {ty}", "l")

    def _concat_value(self, n: Node, idx: list[str]) -> str:
        axis, b = n.p["axis"], self.b
        off, out = 0, None
        for part in n.args:
            size = part.shape[axis]
            loc = self.affine(idx[axis], 1, None, 0, -off) if off else idx[axis]
            if len(n.args) > 1:
                loc = self.clamp(loc, size)
            v = self.val(part, idx[:axis] + [loc] + idx[axis + 1:])
            if out is None:
                out = v
            else:
                c = b.op(f"arith.cmpi sge, {idx[axis]}, {self.ci(off)} : index", "p")
                out = b.op(f"arith.select {c}, {v}, {out} : {mlir_type(n.dtype)}", "w")
            off += size
        return out

    # -- index arithmetic --------------------------------------------------------------
    def affine(self, i: str, a: int, k: str | None, c: int, off: int) -> str:
        """``i*a + k*c + off`` on indices."""
        b = self.b
        r = i if a == 1 else b.op(f"arith.muli {i}, {self.ci(a)} : index", "x")
        if k is not None:
            kk = k if c == 1 else b.op(f"arith.muli {k}, {self.ci(c)} : index", "x")
            r = b.op(f"arith.addi {r}, {kk} : index", "x")
        if off:
            r = b.op(f"arith.addi {r}, {self.ci(off)} : index", "x")
        return r

    def clamp(self, i: str, n: int) -> str:
        """Index ``i`` clamped into [0, n)."""
        q = self.b.op(f"arith.maxsi {i}, {self.ci(0)} : index", "x")
        return self.b.op(f"arith.minsi {q}, {self.ci(max(n - 1, 0))} : index", "x")

    def guarded(self, x: Node, pos: list[str], bounds: list[int | None], fill: str) -> str:
        """x[pos], or ``fill`` where a bounded position falls outside [0, bound)."""
        b = self.b
        ok, safe = None, []
        for p, n in zip(pos, bounds):
            if n is None:
                safe.append(p)
                continue
            inside = b.op(f"arith.cmpi ult, {p}, {self.ci(n)} : index", "p")
            ok = inside if ok is None else b.op(f"arith.andi {ok}, {inside} : i1", "p")
            safe.append(self.clamp(p, n))
        v = self.val(x, safe)
        if ok is None:
            return v
        return b.op(f"arith.select {ok}, {v}, {fill} : {mlir_type(x.dtype)}", "w")

    def reshape_index(self, idx: list[str], out: Sequence[int], src: Sequence[int]) -> list[str]:
        """Indices into ``src`` of the element at ``idx`` of its reshape to ``out``:
        dims are matched in groups of equal products, and only a group that really
        splits or merges dims pays for a division."""
        b = self.b
        res: list[str] = []
        i = j = 0
        while i < len(out) or j < len(src):
            gi, gj = [i], [j]
            po = out[i] if i < len(out) else 1
            ps = src[j] if j < len(src) else 1
            i, j = i + 1, j + 1
            while po != ps or (i < len(out) and out[i] == 1 and po == ps and j >= len(src)):
                if po < ps or j >= len(src):
                    gi.append(i); po *= out[i]; i += 1
                else:
                    gj.append(j); ps *= src[j]; j += 1
            gi = [g for g in gi if g < len(out)]
            gj = [g for g in gj if g < len(src)]
            lin = None
            for g, st in zip(gi, row_major([out[g] for g in gi])):
                if out[g] == 1:
                    continue
                t = idx[g] if st == 1 else b.op(f"arith.muli {idx[g]}, {self.ci(st)} : index", "x")
                lin = t if lin is None else b.op(f"arith.addi {lin}, {t} : index", "x")
            lin = lin or self.ci(0)
            live = [g for g in gj if src[g] != 1]
            for g, st in zip(gj, row_major([src[g] for g in gj])):
                if src[g] == 1:
                    res.append(self.ci(0))
                elif len(live) == 1:
                    res.append(lin)
                else:
                    q = lin if st == 1 else b.op(f"arith.divui {lin}, {self.ci(st)} : index", "x")
                    res.append(q if g == live[0] else b.op(f"arith.remui {q}, {self.ci(src[g])} : index", "x"))
        return res

    # -- scalar ops --------------------------------------------------------------------
    def scalar(self, v, dt: np.dtype) -> str:
        return scalars.literal(self.b, v, dt)

    def from_index(self, i: str, dt: np.dtype) -> str:
        b = self.b
        if dt.kind == "f":
            w = b.op(f"arith.index_cast {i} : index to i64", "x")
            return b.op(f"arith.sitofp {w} : i64 to {mlir_type(dt)}", "c")
        return b.op(f"arith.index_cast {i} : index to {mlir_type(dt)}", "c")

    def cast(self, v: str, src: np.dtype, dst: np.dtype) -> str:
        return scalars.cast(self.b, v, src, dst)

    def combine(self, kind: str, dt: np.dtype, acc: str, v: str, fast: bool = True) -> str:
        return scalars.combine(self.b, kind, dt, acc, v, fast)

    def identity(self, kind: str, dt: np.dtype) -> str:
        return scalars.identity(self.b, kind, dt)

    def reducer(self, kind: str, dt: np.dtype) -> str:
        return scalars.reducer(self.globals, kind, dt)

    def unary(self, fn: str, dt: np.dtype, x: str) -> str:
        b, ty, f = self.b, mlir_type(dt), dt.kind == "f"
        if fn == "neg":
            return b.op(f"arith.negf {x} : {ty}", "u") if f else b.op(f"arith.subi {b.const(0, ty)}, {x} : {ty}", "u")
        if fn == "not":
            return b.op(f"arith.xori {x}, {b.const(True if ty == 'i1' else -1, ty)} : {ty}", "u")
        if fn == "square":
            return b.op(f"arith.{'mulf' if f else 'muli'} {x}, {x} : {ty}", "u")
        if fn == "abs" and not f:
            return b.op(f"math.absi {x} : {ty}", "u")
        if fn == "sign":
            zero, one = b.const(0.0 if f else 0, ty), b.const(1.0 if f else 1, ty)
            m1 = b.const(-1.0 if f else -1, ty)
            gt = b.op(f"arith.{'cmpf ogt' if f else 'cmpi sgt'}, {x}, {zero} : {ty}", "p")
            lt = b.op(f"arith.{'cmpf olt' if f else 'cmpi slt'}, {x}, {zero} : {ty}", "p")
            s = b.op(f"arith.select {lt}, {m1}, {x} : {ty}", "u")
            return b.op(f"arith.select {gt}, {one}, {s} : {ty}", "u")
        if not f:
            raise Unsupported(f"{fn} of integer dtype {dt}")
        if ty == "f32" and fn in VECMATH:
            return VECMATH[fn](b, x)
        if fn == "logistic":
            e = self.unary("exp", dt, b.op(f"arith.negf {x} : {ty}", "u"))
            d = b.op(f"arith.addf {b.const(1.0, ty)}, {e} : {ty}", "u")
            return b.op(f"arith.divf {b.const(1.0, ty)}, {d} : {ty}", "u")
        if fn == "reciprocal":
            return b.op(f"arith.divf {b.const(1.0, ty)}, {x} : {ty}", "u")
        if fn == "isfinite":
            a = b.op(f"math.absf {x} : {ty}", "u")
            return b.op(f"arith.cmpf one, {a}, {b.const(math.inf, ty)} : {ty}", "p")
        return b.op(f"{MATH_F[fn]} {x} : {ty}", "u")

    def binary(self, kind: str, fn: str, dt: np.dtype, x: str, y: str) -> str:
        b, ty, f = self.b, mlir_type(dt), dt.kind == "f"
        if kind == "compare":
            if f:
                return b.op(f"arith.cmpf {CMP_F[fn]}, {x}, {y} : {ty}", "p")
            return b.op(f"arith.cmpi {CMP_I[fn] if ty != 'i1' else CMP_I[fn].replace('s', 'u')}, "
                        f"{x}, {y} : {ty}", "p")
        if ty == "i1" and fn in ("max", "min"):
            fn = "or" if fn == "max" else "and"
        op = (BIN_F if f else BIN_I).get(fn)
        if op is None:
            raise Unsupported(f"{fn} of dtype {dt}")
        return b.op(f"{op} {x}, {y} : {ty}", "a")


def entry_name(graph: Graph) -> str:
    """The kernel's function name. Prefixed: a kernel named like a libm function
    (cos, exp) would capture the JIT's calls to that function."""
    return "situ_" + re.sub(r"\W", "_", graph.name)


def lower(graph: Graph, entry: str | None = None, tile: tuple[int, int] = CPU_TILE) -> str:
    """MLIR text of one Kokkos-dialect kernel computing ``graph``; ``tile`` is the
    register block of contractions (:data:`CPU_TILE` or :data:`GPU_TILE`).

    >>> from situ.kokkos.build import Builder
    >>> from situ.kokkos.ir import Graph
    >>> bld = Builder(); x = bld.input(0, (4, 3), "f4", "x")
    >>> g = Graph([x], [bld.reduce("sum", bld.unary("exp", x), [1])])
    >>> "kokkos.parallel_for" in lower(g)
    True
    """
    entry = entry or entry_name(graph)
    b = Body()
    globals_: list[str] = []
    low = Lowering(b, globals_, {}, tile)
    args = []
    for i, n in enumerate(graph.inputs):
        ty = memref_type(n.shape, n.dtype)
        args.append(f"%arg{i}: {ty}")
        low.buf[id(n)] = Dest(f"%arg{i}", ty)
    dests = []
    for j, o in enumerate(graph.outputs):
        ty = memref_type(o.shape, o.dtype)
        args.append(f"%res{j}: {ty}")
        dests.append(Dest(f"%res{j}", ty))
    low.run(graph.outputs, dests)
    low.free_temps()
    b.emit("return")
    head = [f"func.func @{entry}({', '.join(args)}) {{"]
    return "\n".join(globals_ + head + b.const_lines + b.lines + ["}"]) + "\n"
