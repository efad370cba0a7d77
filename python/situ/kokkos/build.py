"""Constructors of tensor-program nodes, with shape and dtype rules.

Front ends call these; each checks its operands and names the user's source
line (``where``) when it refuses."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .ir import Graph, Node, Unsupported, check_dtype

UNARY = {"neg", "abs", "exp", "exp2", "expm1", "log", "log1p", "sqrt", "rsqrt", "tanh", "sin",
         "cos", "tan", "logistic", "erf", "floor", "ceil", "round", "sign", "not", "square",
         "reciprocal", "atan", "isfinite", "erfc", "roundeven"}
BINARY = {"add", "sub", "mul", "div", "max", "min", "pow", "rem", "and", "or", "xor", "atan2"}
COMPARE = {"lt", "le", "gt", "ge", "eq", "ne"}
REDUCE = {"sum", "prod", "max", "min", "and", "or"}


class Builder:
    """Makes nodes; ``where`` is stamped on each (set it per source op)."""

    def __init__(self) -> None:
        self.where = ""

    def _fail(self, msg: str) -> Unsupported:
        return Unsupported(f"{msg}" + (f" (at {self.where})" if self.where else ""))

    def node(self, op: str, args: Sequence[Node], shape: Sequence[int], dtype, **p) -> Node:
        dt = check_dtype(dtype, f"{op} at {self.where}" if self.where else op)
        return Node(op, tuple(args), tuple(int(s) for s in shape), dt, dict(p), self.where)

    # -- leaves ----------------------------------------------------------------------
    def input(self, index: int, shape, dtype, name: str) -> Node:
        return self.node("input", (), shape, dtype, index=index, name=name)

    def const(self, value, dtype=None) -> Node:
        a = np.asarray(value, dtype=dtype)
        if a.dtype == np.dtype("f2") or a.dtype.kind == "c":
            raise self._fail(f"constant of dtype {a.dtype}")
        if a.dtype.kind == "u" or (a.dtype.kind == "i" and a.dtype.itemsize < 4):
            a = a.astype("i4")
        return self.node("const", (), a.shape, a.dtype, value=np.array(a, order="C"))

    def scalar(self, v, dtype) -> Node:
        return self.const(np.asarray(v, dtype=np.dtype(dtype)))

    def iota(self, shape, dim: int, dtype) -> Node:
        return self.node("iota", (), shape, dtype, dim=int(dim))

    # -- elementwise -----------------------------------------------------------------
    def _same(self, what: str, *xs: Node) -> tuple[tuple[int, ...], list[Node]]:
        """NumPy broadcasting of elementwise operands (0-d operands stay scalars)."""
        try:
            shape = tuple(int(v) for v in np.broadcast_shapes(*[x.shape for x in xs]))
        except ValueError:
            raise self._fail(f"{what}: operand shapes {[x.shape for x in xs]} do not broadcast") from None
        return shape, [x if x.shape in ((), shape) else self.broadcast_to(x, shape) for x in xs]

    def unary(self, fn: str, x: Node) -> Node:
        if fn not in UNARY:
            raise self._fail(f"unary function {fn}")
        dt = np.dtype(bool) if fn == "isfinite" else x.dtype
        if fn in ("exp", "log", "sqrt", "tanh", "logistic", "erf", "rsqrt", "sin", "cos") \
                and x.dtype.kind != "f":
            raise self._fail(f"{fn} of {x.dtype}")
        return self.node("unary", (x,), x.shape, dt, fn=fn)

    def binary(self, fn: str, a: Node, b: Node) -> Node:
        if fn not in BINARY:
            raise self._fail(f"binary function {fn}")
        if a.dtype != b.dtype:
            raise self._fail(f"{fn}: operand dtypes {a.dtype} and {b.dtype} differ")
        shape, args = self._same(fn, a, b)
        return self.node("binary", args, shape, a.dtype, fn=fn)

    def compare(self, fn: str, a: Node, b: Node) -> Node:
        if a.dtype != b.dtype:
            raise self._fail(f"{fn}: operand dtypes {a.dtype} and {b.dtype} differ")
        shape, args = self._same(fn, a, b)
        return self.node("compare", args, shape, np.dtype(bool), fn=fn)

    def select(self, pred: Node, on_true: Node, on_false: Node) -> Node:
        if pred.dtype != np.dtype(bool):
            raise self._fail(f"select: predicate of dtype {pred.dtype}")
        if on_true.dtype != on_false.dtype:
            raise self._fail(f"select: branch dtypes {on_true.dtype} and {on_false.dtype} differ")
        shape, args = self._same("select", pred, on_true, on_false)
        return self.node("select", args, shape, on_true.dtype)

    def convert(self, x: Node, dtype) -> Node:
        dt = check_dtype(dtype, f"convert at {self.where}")
        return x if dt == x.dtype else self.node("convert", (x,), x.shape, dt)

    # -- layout ----------------------------------------------------------------------
    def broadcast(self, x: Node, shape: Sequence[int], dims: Sequence[int]) -> Node:
        shape, dims = tuple(int(s) for s in shape), tuple(int(d) for d in dims)
        if len(dims) != len(x.shape) or any(x.shape[k] not in (1, shape[d]) for k, d in enumerate(dims)):
            raise self._fail(f"broadcast of {x.shape} to {shape} along {dims}")
        if shape == x.shape and dims == tuple(range(len(shape))):
            return x
        return self.node("broadcast", (x,), shape, x.dtype, dims=dims)

    def broadcast_to(self, x: Node, shape: Sequence[int]) -> Node:
        """NumPy broadcasting (trailing dims aligned)."""
        shape = tuple(int(s) for s in shape)
        off = len(shape) - len(x.shape)
        if off < 0:
            raise self._fail(f"broadcast of {x.shape} to {shape}")
        return self.broadcast(x, shape, range(off, len(shape)))

    def reshape(self, x: Node, shape: Sequence[int]) -> Node:
        shape = tuple(int(s) for s in shape)
        if int(np.prod(shape, dtype=np.int64)) != x.size:
            raise self._fail(f"reshape of {x.shape} to {shape}")
        return x if shape == x.shape else self.node("reshape", (x,), shape, x.dtype)

    def transpose(self, x: Node, perm: Sequence[int]) -> Node:
        perm = tuple(int(p) % max(len(x.shape), 1) for p in perm)
        if sorted(perm) != list(range(len(x.shape))):
            raise self._fail(f"transpose of {x.shape} by {perm}")
        if perm == tuple(range(len(perm))):
            return x
        return self.node("transpose", (x,), [x.shape[p] for p in perm], x.dtype, perm=perm)

    def slice(self, x: Node, start: Sequence[int], limit: Sequence[int], stride=None) -> Node:
        stride = tuple(stride) if stride else (1,) * len(x.shape)
        shape = []
        for d, (s, l, st) in enumerate(zip(start, limit, stride)):
            if st < 1 or not 0 <= s <= l <= x.shape[d]:
                raise self._fail(f"slice [{s}:{l}:{st}] of dim {d} (size {x.shape[d]})")
            shape.append(max(0, -(-(l - s) // st)))
        if tuple(shape) == x.shape:
            return x
        return self.node("slice", (x,), shape, x.dtype, start=tuple(int(s) for s in start),
                         stride=tuple(int(s) for s in stride))

    def reverse(self, x: Node, dims: Sequence[int]) -> Node:
        dims = tuple(sorted(int(d) % len(x.shape) for d in dims if x.shape[int(d)] > 1))
        return self.node("reverse", (x,), x.shape, x.dtype, dims=dims) if dims else x

    def take(self, x: Node, indices: Node, axis: int) -> Node:
        """``x`` indexed along ``axis`` by a 1-d integer array (index_select, jnp.take);
        indices are clamped into range (PyTorch raises; JAX clamps)."""
        axis = int(axis) % len(x.shape)
        if len(indices.shape) != 1 or indices.dtype.kind != "i":
            raise self._fail(f"take along {axis} with indices of shape {indices.shape}, {indices.dtype}")
        shape = list(x.shape)
        shape[axis] = indices.shape[0]
        return self.node("take", (x, indices), shape, x.dtype, axis=axis)

    def tile(self, x: Node, reps: Sequence[int]) -> Node:
        """``np.tile``: as a broadcast of interleaved unit dims, then a reshape."""
        reps = [int(r) for r in reps]
        shape = [1] * (len(reps) - len(x.shape)) + list(x.shape)
        reps = [1] * (len(shape) - len(reps)) + reps
        inter = [v for s in shape for v in (1, s)]
        big = [v for r, s in zip(reps, shape) for v in (r, s)]
        y = self.broadcast_to(self.reshape(x, inter), big)
        return self.reshape(y, [r * s for r, s in zip(reps, shape)])

    def pad(self, x: Node, value: Node, lo: Sequence[int], hi: Sequence[int]) -> Node:
        shape = [n + a + b for n, a, b in zip(x.shape, lo, hi)]
        if any(s < 0 for s in shape) or value.shape != ():
            raise self._fail(f"pad of {x.shape} by {list(lo)}, {list(hi)}")
        if all(a == 0 for a in lo) and all(b == 0 for b in hi):
            return x
        return self.node("pad", (x, self.convert(value, x.dtype)), shape, x.dtype,
                         lo=tuple(int(a) for a in lo), hi=tuple(int(b) for b in hi))

    def concat(self, xs: Sequence[Node], axis: int) -> Node:
        xs = [x for x in xs if x.shape[axis] > 0] or list(xs[:1])
        if len(xs) == 1:
            return xs[0]
        base = list(xs[0].shape)
        for x in xs:
            if x.dtype != xs[0].dtype or [s for d, s in enumerate(x.shape) if d != axis] != \
                    [s for d, s in enumerate(base) if d != axis]:
                raise self._fail(f"concatenate of {[x.shape for x in xs]} along {axis}")
        base[axis] = sum(x.shape[axis] for x in xs)
        return self.node("concat", xs, base, xs[0].dtype, axis=int(axis))

    # -- reductions and contractions -------------------------------------------------
    def reduce(self, kind: str, x: Node, axes: Sequence[int]) -> Node:
        axes = tuple(sorted(int(a) % max(len(x.shape), 1) for a in axes))
        if kind not in REDUCE:
            raise self._fail(f"reduction {kind}")
        if not axes:
            return x
        shape = [s for d, s in enumerate(x.shape) if d not in axes]
        return self.node("reduce", (x,), shape, x.dtype, kind=kind, axes=axes)

    def argreduce(self, kind: str, x: Node, axis: int, dtype) -> Node:
        axis = int(axis) % len(x.shape)
        shape = [s for d, s in enumerate(x.shape) if d != axis]
        return self.node("argreduce", (x,), shape, dtype, kind=kind, axis=axis)

    def dot(self, a: Node, b: Node, lc, rc, lb=(), rb=()) -> Node:
        lc, rc, lb, rb = (tuple(int(v) for v in t) for t in (lc, rc, lb, rb))
        if a.dtype != b.dtype or [a.shape[d] for d in lc] != [b.shape[d] for d in rc] or \
                [a.shape[d] for d in lb] != [b.shape[d] for d in rb]:
            raise self._fail(f"dot of {a.shape} and {b.shape} contracting {lc}/{rc} batch {lb}/{rb}")
        free_a = [d for d in range(len(a.shape)) if d not in lc + lb]
        free_b = [d for d in range(len(b.shape)) if d not in rc + rb]
        shape = [a.shape[d] for d in lb] + [a.shape[d] for d in free_a] + [b.shape[d] for d in free_b]
        return self.node("dot", (a, b), shape, a.dtype, lc=lc, rc=rc, lb=lb, rb=rb)

    def conv(self, x: Node, w: Node, stride, lo, hi, dilation=None) -> Node:
        nsp = len(x.shape) - 2
        dilation = tuple(dilation or (1,) * nsp)
        if len(w.shape) != nsp + 2 or x.shape[1] != w.shape[1] or x.dtype != w.dtype:
            raise self._fail(f"convolution of {x.shape} with kernel {w.shape}")
        sp = []
        for d in range(nsp):
            span = (w.shape[2 + d] - 1) * dilation[d] + 1
            sp.append((x.shape[2 + d] + lo[d] + hi[d] - span) // stride[d] + 1)
        return self.node("conv", (x, w), [x.shape[0], w.shape[0]] + sp, x.dtype,
                         stride=tuple(stride), lo=tuple(lo), hi=tuple(hi), dilation=dilation)

    def pool(self, kind: str, x: Node, window, stride, lo, hi) -> Node:
        k = len(window)
        lead = list(x.shape[:len(x.shape) - k])
        sp = [(x.shape[len(lead) + d] + lo[d] + hi[d] - window[d]) // stride[d] + 1 for d in range(k)]
        return self.node("pool", (x,), lead + sp, x.dtype, kind=kind, window=tuple(window),
                         stride=tuple(stride), lo=tuple(lo), hi=tuple(hi))

    def cumulative(self, kind: str, x: Node, axis: int, reverse: bool = False) -> Node:
        return self.node("cumulative", (x,), x.shape, x.dtype, kind=kind,
                         axis=int(axis) % len(x.shape), reverse=bool(reverse))

    def loop(self, body: Graph, args: Sequence[Node], length: int, n_consts: int, n_carry: int,
             reverse: bool = False) -> list[Node]:
        """A scan: ``body(consts, carry, x_t) -> (carry', y_t)`` run ``length`` times.

        ``args`` = consts + carry inits + xs (stacked along axis 0); returns the
        final carries, then the ys stacked along a new axis 0."""
        loop = self.node("loop", args, (), np.dtype("i4"), body=body, length=int(length),
                         n_consts=int(n_consts), n_carry=int(n_carry), reverse=bool(reverse))
        outs = []
        for i, o in enumerate(body.outputs):
            shape = o.shape if i < n_carry else (int(length),) + o.shape
            outs.append(self.node("item", (loop,), shape, o.dtype, index=i))
        return outs
