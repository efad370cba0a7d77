"""Symbolic blocks: run Dask's own chunk functions on a stand-in for a block and
record what NumPy was asked to do.

A :class:`Sym` answers NumPy's dispatch protocols (``__array_ufunc__``,
``__array_function__``) and Dask's dispatch tables, so calling a task's callable
on it yields a small expression DAG (maps, casts, views, reductions, histograms)
instead of numbers. Anything outside that vocabulary raises :class:`Unmappable`
with the name of the operation, and the task stays on Dask.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np


class Unmappable(Exception):
    """The traced code used an operation that has no in-process equivalent."""


# ufuncs -> arity; the emitter knows each by name.
UFUNCS = {
    "add": 2, "subtract": 2, "multiply": 2, "true_divide": 2, "divide": 2, "floor_divide": 2,
    "power": 2, "maximum": 2, "minimum": 2, "fmax": 2, "fmin": 2,
    "greater": 2, "greater_equal": 2, "less": 2, "less_equal": 2, "equal": 2, "not_equal": 2,
    "logical_and": 2, "logical_or": 2,
    "negative": 1, "positive": 1, "absolute": 1, "sqrt": 1, "square": 1, "exp": 1, "log": 1,
    "sin": 1, "cos": 1, "tanh": 1, "floor": 1, "ceil": 1, "logical_not": 1, "isnan": 1,
}
REDUCERS = {"sum", "prod", "min", "max"}
SUPPORTED_DTYPES = {np.dtype(t) for t in ("f4", "f8", "i4", "i8", "u1", "u8", "bool")}


@dataclass(eq=False)
class Node:
    """One operation of a traced block expression."""
    op: str                      # input, const, map, cast, view, reduce, argreduce, hist, concat
    args: tuple = ()
    shape: tuple[int, ...] = ()
    dtype: np.dtype = field(default_factory=lambda: np.dtype("f8"))
    attrs: dict = field(default_factory=dict)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))


def _check_dtype(dt: np.dtype, what: str) -> np.dtype:
    dt = np.dtype(dt)
    if dt not in SUPPORTED_DTYPES:
        raise Unmappable(f"{what}: dtype {dt} (in-process kernels take float32/64, int32/64, uint8 (and uint64 sums of it), bool)")
    return dt


def const(value: Any) -> Node:
    a = np.asarray(value)
    if a.dtype.kind == "u" and a.dtype != np.dtype("u1"):
        a = a.astype(np.int64)
    _check_dtype(a.dtype, "constant")
    if a.size > 1 << 16:
        raise Unmappable(f"constant operand of {a.size} elements (limit 65536)")
    return Node("const", (), a.shape, a.dtype, {"value": a, "weak": isinstance(value, (int, float, bool))})


def _node(x: Any) -> Node:
    if isinstance(x, Sym):
        return x.node
    if isinstance(x, Node):
        return x
    return const(x)


def _dummy(n: Node) -> Any:
    """A value NumPy uses to decide result dtypes (Python scalars stay weak)."""
    if n.op == "const" and n.attrs.get("weak"):
        return n.attrs["value"].item()
    return np.zeros((), n.dtype)


def _broadcast(*shapes: Sequence[int]) -> tuple[int, ...]:
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError as e:
        raise Unmappable(f"broadcast of shapes {shapes}: {e}") from None


def _axes(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)):
        axis = (axis,)
    return tuple(sorted(int(a) % ndim for a in axis)) if ndim else ()


class Sym:
    """A block (or an expression of it) whose values are not known."""

    __array_priority__ = 1000

    def __init__(self, node: Node) -> None:
        self.node = node

    # -- array attributes Dask's chunk functions read ---------------------------
    shape = property(lambda self: self.node.shape)
    dtype = property(lambda self: self.node.dtype)
    ndim = property(lambda self: len(self.node.shape))
    size = property(lambda self: self.node.size)
    T = property(lambda self: self.transpose())

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d block")
        return self.shape[0]

    def __repr__(self) -> str:
        return f"Sym({self.node.op}, shape={self.shape}, dtype={self.dtype})"

    def __bool__(self) -> bool:
        raise Unmappable("control flow on block values (bool() of an array)")

    def __array__(self, *a: Any, **k: Any) -> np.ndarray:
        raise Unmappable("conversion of the block to a concrete NumPy array")

    def __iter__(self):
        raise Unmappable("iteration over a block")

    # -- NumPy protocols -----------------------------------------------------------
    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kw: Any) -> Any:
        name = ufunc.__name__
        if method == "reduce" and name in ("add", "multiply", "minimum", "maximum"):
            kind = {"add": "sum", "multiply": "prod", "minimum": "min", "maximum": "max"}[name]
            return reduce(kind, inputs[0], kw.get("axis", 0), kw.get("keepdims", False), kw.get("dtype"))
        if method != "__call__" or name not in UFUNCS:
            raise Unmappable(f"numpy.{name}{'' if method == '__call__' else '.' + method}")
        out = kw.pop("out", None)
        dtype = kw.pop("dtype", None)
        kw.pop("casting", None)
        if kw.get("where", True) is not True:
            raise Unmappable(f"numpy.{name}(where=...)")
        kw.pop("where", None)
        if kw:
            raise Unmappable(f"numpy.{name} with {sorted(kw)}")
        if out is not None:
            raise Unmappable(f"numpy.{name}(out=...) (in-place update of a block)")
        return ufunc_call(name, inputs, dtype)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        handler = FUNCTIONS.get(func.__name__)
        if handler is None:
            raise Unmappable(f"numpy.{func.__name__}")
        return handler(*args, **kwargs)

    # -- operators -----------------------------------------------------------------
    def _b(name: str, swap: bool = False):  # noqa: N805 - builds methods
        def op(self, other):
            return ufunc_call(name, (other, self) if swap else (self, other))
        return op

    __add__, __radd__ = _b("add"), _b("add", True)
    __sub__, __rsub__ = _b("subtract"), _b("subtract", True)
    __mul__, __rmul__ = _b("multiply"), _b("multiply", True)
    __truediv__, __rtruediv__ = _b("true_divide"), _b("true_divide", True)
    __floordiv__ = _b("floor_divide")
    __pow__, __rpow__ = _b("power"), _b("power", True)
    __gt__, __ge__, __lt__, __le__ = _b("greater"), _b("greater_equal"), _b("less"), _b("less_equal")
    __eq__, __ne__ = _b("equal"), _b("not_equal")  # type: ignore[assignment]
    __and__, __or__ = _b("logical_and"), _b("logical_or")
    __hash__ = object.__hash__

    def __neg__(self): return ufunc_call("negative", (self,))
    def __pos__(self): return self
    def __abs__(self): return ufunc_call("absolute", (self,))
    def __invert__(self): return ufunc_call("logical_not", (self,))

    # -- methods -------------------------------------------------------------------
    def astype(self, dtype: Any, copy: bool = True, **kw: Any) -> "Sym":
        return cast(self, dtype)

    def sum(self, axis=None, dtype=None, keepdims=False, **kw): return reduce("sum", self, axis, keepdims, dtype, **kw)
    def prod(self, axis=None, dtype=None, keepdims=False, **kw): return reduce("prod", self, axis, keepdims, dtype, **kw)
    def min(self, axis=None, keepdims=False, **kw): return reduce("min", self, axis, keepdims, None, **kw)
    def max(self, axis=None, keepdims=False, **kw): return reduce("max", self, axis, keepdims, None, **kw)

    def reshape(self, *shape: Any, **kw: Any) -> "Sym":
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return reshape(self, shape)

    def transpose(self, *axes: Any) -> "Sym":
        axes = axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        perm = tuple(axes) if axes else tuple(reversed(range(self.ndim)))
        return view(self, [(perm.index(d), 0, 1) for d in range(self.ndim)], tuple(self.shape[p] for p in perm))

    def argmin(self, axis=None, out=None, keepdims=False): return argreduce("min", self, axis, out, keepdims)
    def argmax(self, axis=None, out=None, keepdims=False): return argreduce("max", self, axis, out, keepdims)

    def ravel(self, order: str = "C") -> "Sym":
        if self.size != 1:  # a flat view of a block would need a general reshape
            raise Unmappable(f"ravel of a {self.shape} block")
        return reshape(self, (1,))

    def copy(self, *a: Any, **k: Any) -> "Sym":
        return self

    def __setitem__(self, index: Any, value: Any) -> None:
        """Only ``a[:] = b`` / ``a[...] = b`` (Dask's arg_chunk writes the global index
        that way): the whole expression is replaced by ``b`` broadcast and cast."""
        if index not in (slice(None), Ellipsis, ()) and index != (slice(None),) * self.ndim:
            raise Unmappable("assignment to part of a block")
        self.node = broadcast_to(cast(value, self.dtype), self.shape).node

    def __getitem__(self, index: Any) -> "Sym":
        return getitem(self, index)


# -- builders ----------------------------------------------------------------------
def ufunc_call(name: str, inputs: Sequence[Any], dtype: Any = None) -> Sym:
    if name == "divide":
        name = "true_divide"
    args = tuple(_node(x) for x in inputs)
    ufunc = getattr(np, name)
    try:
        with np.errstate(all="ignore"):  # only the result dtype matters (0/0 on the zeros)
            rdt = ufunc(*[_dummy(a) for a in args], dtype=dtype).dtype if dtype is not None else \
                np.asarray(ufunc(*[_dummy(a) for a in args])).dtype
    except TypeError as e:
        raise Unmappable(f"numpy.{name} on {[a.dtype.name for a in args]}: {e}") from None
    _check_dtype(rdt, f"numpy.{name}")
    if name == "power" and args[1].op == "const" and args[1].shape == ():
        p = args[1].attrs["value"].item()
        if p == 2:
            return Sym(Node("map", (args[0], args[0]), args[0].shape, rdt, {"fn": "multiply"}))
    shape = _broadcast(*[a.shape for a in args])
    return Sym(Node("map", args, shape, rdt, {"fn": name}))


def cast(x: Any, dtype: Any) -> Sym:
    n = _node(x)
    dt = _check_dtype(dtype, "astype")
    if dt == n.dtype:
        return Sym(n)
    return Sym(Node("cast", (n,), n.shape, dt))


def reduce(kind: str, x: Any, axis: Any = None, keepdims: bool = False, dtype: Any = None,
           **kw: Any) -> Sym:
    if kw.get("where", True) is not True or kw.get("initial") is not None or kw.get("out") is not None:
        raise Unmappable(f"numpy.{kind} with where/initial/out")
    n = _node(x)
    axes = _axes(axis, len(n.shape))
    if dtype is not None:
        rdt = np.dtype(dtype)
    elif kind in ("sum", "prod"):
        rdt = np.sum(np.zeros(1, n.dtype)).dtype
    else:
        rdt = n.dtype
    _check_dtype(rdt, f"numpy.{kind}")
    if kind in ("min", "max") and any(n.shape[a] == 0 for a in axes):
        raise Unmappable(f"numpy.{kind} of an empty block")
    shape = tuple(1 if d in axes else s for d, s in enumerate(n.shape) if keepdims or d not in axes)
    return Sym(Node("reduce", (n,), shape, rdt, {"kind": kind, "axes": axes, "keepdims": bool(keepdims)}))


def argreduce(kind: str, x: Any, axis: Any = None, out: Any = None, keepdims: bool = False,
              skipnan: bool = False) -> Sym:
    """``numpy.argmax`` / ``argmin``: the first index of the extreme value (NaN counts
    as the extreme, as in NumPy), flat over the block or along one axis. With
    ``skipnan`` (``nanargmax``/``nanargmin``) NaNs are passed over as NumPy's NaN
    replaced by -inf (+inf), and an all-NaN slice gives 0 — Dask's chunk does the
    same, and its aggregation raises NumPy's error when a whole slice is NaN."""
    if out is not None:
        raise Unmappable(f"numpy.arg{kind}(out=...)")
    n = _node(x)
    if n.dtype == np.dtype(bool):
        raise Unmappable(f"numpy.arg{kind} of a bool block")
    if n.size == 0:
        raise Unmappable(f"numpy.arg{kind} of an empty block")
    if axis is not None and not isinstance(axis, (int, np.integer)):
        raise Unmappable(f"numpy.arg{kind} over several axes")
    nd = len(n.shape)
    ax = None if axis is None or nd == 0 else int(axis) % nd
    shape = () if ax is None else tuple(s for d, s in enumerate(n.shape) if d != ax)
    r = Sym(Node("argreduce", (n,), shape, np.dtype(np.intp),
                 {"kind": kind, "axis": ax, "skipnan": bool(skipnan) and n.dtype.kind == "f"}))
    if keepdims:
        r = reshape(r, tuple(1 if ax is None or d == ax else s for d, s in enumerate(n.shape)))
    return r


def _int_sym(x: Any) -> Sym:
    n = _node(x)
    if n.dtype.kind not in "iu":
        raise Unmappable(f"index arithmetic on {n.dtype}")
    return Sym(n)


def unravel_index(indices: Any, shape: Sequence[int], order: str = "C") -> tuple:
    """Row-major: index d is (i // stride_d) - (i // (stride_d * shape_d)) * shape_d."""
    if order != "C":
        raise Unmappable("numpy.unravel_index(order='F')")
    i = _int_sym(indices)
    out, stride = [], 1
    for s in reversed([int(v) for v in shape]):
        q = i // stride if stride != 1 else i
        out.append(q - (i // (stride * s)) * s if s != 1 else q * 0)
        stride *= s
    return tuple(reversed(out))


def ravel_multi_index(multi_index: Sequence[Any], dims: Sequence[int], mode: str = "raise",
                      order: str = "C") -> Sym:
    if order != "C" or mode != "raise":
        raise Unmappable("numpy.ravel_multi_index with mode/order")
    acc: Any = 0
    stride = 1
    for idx, s in zip(reversed(list(multi_index)), reversed([int(v) for v in dims])):
        acc = acc + (idx * stride if stride != 1 else idx)
        stride *= s
    return _int_sym(acc) if isinstance(acc, Sym) else Sym(const(np.intp(acc)))


class Record:
    """``numpy.empty_like(block, dtype=[(field, dtype), ...])`` filled field by field
    (Dask's arg-reductions pair each block's extreme value with its index so)."""

    def __init__(self, shape: tuple[int, ...], dtype: np.dtype) -> None:
        self.shape, self.dtype, self.fields = shape, dtype, {}

    def __setitem__(self, name: Any, value: Any) -> None:
        if name not in (self.dtype.names or ()):
            raise Unmappable(f"record field {name!r}")
        v = broadcast_to(cast(value, self.dtype[name]), self.shape)
        self.fields[name] = v

    def __getitem__(self, name: Any) -> Any:
        if name not in self.fields:
            raise Unmappable(f"read of record field {name!r} before it is set")
        return self.fields[name]


def _empty_like(a: Any, dtype: Any = None, order: str = "K", subok: bool = True, shape: Any = None) -> Any:
    n = _node(a)
    dt = np.dtype(dtype) if dtype is not None else n.dtype
    shp = tuple(n.shape if shape is None else ((shape,) if isinstance(shape, int) else shape))
    if dt.names:
        for f in dt.names:
            _check_dtype(dt[f], f"record field {f}")
        return Record(shp, dt)
    raise Unmappable("numpy.empty_like (uninitialised block values)")


def view(x: Any, dims: list, shape: tuple[int, ...]) -> Sym:
    """``dims[d]`` for each input dim d: ``(out_dim, start, step)`` or ``(None, index, 0)``.
    Output dims no input dim maps to are broadcast (size-1 or stride-0)."""
    n = _node(x)
    return Sym(Node("view", (n,), tuple(int(s) for s in shape), n.dtype, {"dims": dims}))


def getitem(x: Sym, index: Any) -> Sym:
    if not isinstance(index, tuple):
        index = (index,)
    if any(i is Ellipsis for i in index):
        k = index.index(Ellipsis)
        fill = x.ndim - (len(index) - 1 - sum(i is None for i in index))
        index = index[:k] + (slice(None),) * fill + index[k + 1:]
    dims: list = []
    shape: list[int] = []
    d = 0
    for i in index:
        if i is None:
            shape.append(1)
            continue
        if d >= x.ndim:
            raise Unmappable(f"index {index} has too many dimensions for a {x.ndim}-d block")
        if isinstance(i, (int, np.integer)):
            ii = int(i) + (x.shape[d] if i < 0 else 0)
            if not 0 <= ii < x.shape[d]:
                raise Unmappable(f"index {i} out of bounds for dim {d} of size {x.shape[d]}")
            dims.append((None, ii, 0))
        elif isinstance(i, slice):
            start, stop, step = i.indices(x.shape[d])
            dims.append((len(shape), start, step))
            shape.append(len(range(start, stop, step)))
        else:
            raise Unmappable(f"fancy indexing with {type(i).__name__}")
        d += 1
    for dd in range(d, x.ndim):
        dims.append((len(shape), 0, 1))
        shape.append(x.shape[dd])
    return view(x, dims, tuple(shape))


def reshape(x: Any, shape: Sequence[int]) -> Sym:
    """Only reshapes that add or remove size-1 dimensions (what Dask's chunk code does)."""
    n = _node(x)
    shape = tuple(int(s) for s in shape)
    if -1 in shape:
        known = int(np.prod([s for s in shape if s != -1]))
        shape = tuple(n.size // max(known, 1) if s == -1 else s for s in shape)
    if [s for s in shape if s != 1] != [s for s in n.shape if s != 1]:
        raise Unmappable(f"reshape {n.shape} -> {shape} (only size-1 dimensions may change)")
    big_out = [k for k, s in enumerate(shape) if s != 1]
    dims, j = [], 0
    for s in n.shape:
        if s != 1:
            dims.append((big_out[j], 0, 1))
            j += 1
        else:
            dims.append((None, 0, 0))
    return view(n, dims, shape)


def broadcast_to(x: Any, shape: Sequence[int], **kw: Any) -> Sym:
    n = _node(x)
    shape = tuple(shape)
    off = len(shape) - len(n.shape)
    dims = [((off + d), 0, 1) if s != 1 or shape[off + d] == 1 else (None, 0, 0) for d, s in enumerate(n.shape)]
    return view(n, dims, shape)


def where(cond: Any, a: Any, b: Any) -> Sym:
    c, x, y = _node(cond), _node(a), _node(b)
    rdt = np.result_type(_dummy(x), _dummy(y))
    _check_dtype(rdt, "numpy.where")
    if c.dtype != np.dtype(bool):
        c = cast(c, bool).node
    return Sym(Node("map", (c, x, y), _broadcast(c.shape, x.shape, y.shape), rdt, {"fn": "where"}))


def clip(a: Any, a_min: Any = None, a_max: Any = None, **kw: Any) -> Sym:
    lo = kw.pop("min", a_min)
    hi = kw.pop("max", a_max)
    r: Any = a
    if lo is not None:
        r = ufunc_call("maximum", (r, lo))
    if hi is not None:
        r = ufunc_call("minimum", (r, hi))
    return r if isinstance(r, Sym) else Sym(_node(r))


def histogram(a: Any, bins: Any = 10, range: Any = None, weights: Any = None, density: Any = None,
              **kw: Any) -> tuple:
    if weights is not None or density:
        raise Unmappable("numpy.histogram with weights or density")
    x = _node(a)
    if isinstance(bins, (int, np.integer)):
        if range is None:
            raise Unmappable("numpy.histogram without a fixed range (bins would depend on the data)")
        lo, hi = float(range[0]), float(range[1])
        edges = np.linspace(lo, hi, int(bins) + 1, dtype=np.result_type(lo, hi, _dummy(x)))
        uniform = True
    else:
        edges = np.asarray(bins)
        uniform = False
        if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) < 0):
            raise Unmappable("numpy.histogram bins must be a monotonically increasing 1-d array")
    counts = Node("hist", (x,), (edges.size - 1,), np.dtype(np.int64),
                  {"edges": edges, "uniform": uniform})
    return Sym(counts), edges


def stack(arrays: Sequence[Any], axis: int = 0, **kw: Any) -> Sym:
    ns = [_node(a) for a in arrays]
    if len({n.shape for n in ns}) != 1:
        raise Unmappable("numpy.stack of blocks of different shapes")
    parts = [reshape(n, n.shape[: axis % (len(n.shape) + 1)] + (1,) + n.shape[axis % (len(n.shape) + 1):]).node
             for n in ns]
    return concatenate(parts, axis=axis)


def concatenate(arrays: Sequence[Any], axis: int = 0, **kw: Any) -> Sym:
    ns = [_node(a) for a in arrays]
    if len(ns) == 1:
        return Sym(ns[0])
    nd = len(ns[0].shape)
    axis = axis % nd
    dt = np.result_type(*[n.dtype for n in ns])
    ns = [cast(n, dt).node for n in ns]
    shape = list(ns[0].shape)
    shape[axis] = sum(n.shape[axis] for n in ns)
    return Sym(Node("concat", tuple(ns), tuple(shape), dt, {"axis": axis}))


def _reducer(kind: str):
    def f(a, axis=None, dtype=None, out=None, keepdims=False, **kw):
        if out is not None:
            raise Unmappable(f"numpy.{kind}(out=...)")
        return reduce(kind, a, axis, keepdims, dtype if kind in ("sum", "prod") else None, **kw)
    return f


def _nan_reducer(kind: str):
    """``numpy.nan<kind>``: the reduction with each NaN replaced by the reduction's
    identity; an all-NaN slice gives NaN under nanmin/nanmax as in NumPy, 0 or 1
    under nansum/nanprod. Integer blocks hold no NaN: the plain reduction."""
    identity = {"sum": 0, "prod": 1, "min": np.inf, "max": -np.inf}[kind]

    def f(a, axis=None, dtype=None, out=None, keepdims=False, **kw):
        if out is not None:
            raise Unmappable(f"numpy.nan{kind}(out=...)")
        if _node(a).dtype.kind != "f":
            return _reducer(kind)(a, axis, dtype, None, keepdims, **kw)
        nan = ufunc_call("isnan", (a,))
        r = reduce(kind, where(nan, identity, a), axis, keepdims, dtype if kind in ("sum", "prod") else None, **kw)
        if kind in ("min", "max"):
            seen = reduce("sum", ufunc_call("logical_not", (nan,)), axis, keepdims)
            r = where(ufunc_call("greater", (seen, 0)), r, np.nan)
        return r
    return f


def _full_like(a, fill_value, dtype=None, shape=None, **kw):
    n = _node(a)
    return np.full(n.shape if shape is None else shape, fill_value, dtype or n.dtype)


FUNCTIONS = {
    "sum": _reducer("sum"), "prod": _reducer("prod"), "min": _reducer("min"), "max": _reducer("max"),
    "amin": _reducer("min"), "amax": _reducer("max"),
    "nansum": _nan_reducer("sum"), "nanprod": _nan_reducer("prod"), "nanmin": _nan_reducer("min"),
    "nanmax": _nan_reducer("max"),
    "where": where, "clip": clip, "histogram": histogram, "stack": stack, "concatenate": concatenate,
    "broadcast_to": broadcast_to,
    "reshape": lambda a, newshape=None, shape=None, **k: reshape(a, shape if shape is not None else newshape),
    "transpose": lambda a, axes=None: a.transpose(*(axes or ())),
    "squeeze": lambda a, axis=None: reshape(a, [s for d, s in enumerate(a.shape)
                                                if not (s == 1 and (axis is None or d in _axes(axis, a.ndim)))]),
    "expand_dims": lambda a, axis: reshape(a, a.shape[: axis % (a.ndim + 1)] + (1,) + a.shape[axis % (a.ndim + 1):]),
    "astype": lambda a, dtype, **k: cast(a, dtype),
    "full_like": _full_like, "ones_like": lambda a, dtype=None, **k: _full_like(a, 1, dtype),
    "zeros_like": lambda a, dtype=None, **k: _full_like(a, 0, dtype),
    "abs": lambda a: ufunc_call("absolute", (a,)),
    "shape": lambda a: a.shape, "ndim": lambda a: a.ndim, "size": lambda a: a.size,
    "result_type": lambda *a: np.result_type(*[x.dtype if isinstance(x, Sym) else x for x in a]),
    "may_share_memory": lambda a, b, **k: False,
    "argmax": lambda a, axis=None, out=None, keepdims=False: argreduce("max", a, axis, out, keepdims),
    "argmin": lambda a, axis=None, out=None, keepdims=False: argreduce("min", a, axis, out, keepdims),
    "nanargmax": lambda a, axis=None, out=None, keepdims=False: argreduce("max", a, axis, out, keepdims, True),
    "nanargmin": lambda a, axis=None, out=None, keepdims=False: argreduce("min", a, axis, out, keepdims, True),
    "unravel_index": unravel_index, "ravel_multi_index": ravel_multi_index, "empty_like": _empty_like,
    "ravel": lambda a, order="C": a.ravel(order),
    "isscalar": lambda a: False,
}


def _numel(x: Sym, **kwargs: Any) -> np.ndarray:
    """Dask's numel for a block: depends on the shape only, so it is a constant."""
    return np.asarray(np.full([1 if d in _axes(kwargs.get("axis"), x.ndim) else s
                               for d, s in enumerate(x.shape)] if kwargs.get("keepdims") else
                              [s for d, s in enumerate(x.shape) if d not in _axes(kwargs.get("axis"), x.ndim)],
                              math.prod(x.shape[d] for d in _axes(kwargs.get("axis"), x.ndim)),
                              dtype=kwargs.get("dtype") or np.float64))


def register_dask_dispatch() -> None:
    """Teach Dask's per-type dispatch tables about symbolic blocks (idempotent)."""
    from dask.array import dispatch
    dispatch.numel_lookup.register(Sym, _numel)
    dispatch.concatenate_lookup.register(Sym, lambda arrs, axis=0: concatenate(arrs, axis))
    dispatch.take_lookup.register(Sym, lambda *a, **k: (_ for _ in ()).throw(Unmappable("take")))


def leaves(value: Any, path: tuple = ()) -> list[tuple[tuple, Any]]:
    """The leaves of a task result (dicts, tuples, lists), with their paths."""
    if isinstance(value, dict):
        return list(itertools.chain.from_iterable(leaves(v, path + (k,)) for k, v in value.items()))
    if isinstance(value, (tuple, list)):
        return list(itertools.chain.from_iterable(leaves(v, path + (i,)) for i, v in enumerate(value)))
    return [(path, value)]
