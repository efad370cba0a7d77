"""JAX -> tensor program, through the jaxpr.

Why the jaxpr and not StableHLO: the jaxpr is JAX's own public, stable program
representation, with shapes, dtypes and each equation's user source line; its
primitives are exactly what users wrote (``cumsum``, ``argmax``,
``reduce_window_max``), which keeps the translation small. StableHLO would need
the stablehlo dialect (not part of upstream MLIR 22, so not in Debian's
packages) and JAX's bundled MLIR, a different MLIR version from ours.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .build import Builder
from .ir import Graph, Node, Unsupported

UNARY = {"neg": "neg", "abs": "abs", "exp": "exp", "exp2": "exp2", "expm1": "expm1", "log": "log",
         "log1p": "log1p", "sqrt": "sqrt", "rsqrt": "rsqrt", "tanh": "tanh", "sin": "sin",
         "cos": "cos", "tan": "tan", "atan": "atan", "logistic": "logistic", "erf": "erf", "erfc": "erfc",
         "floor": "floor", "ceil": "ceil", "sign": "sign", "not": "not", "square": "square",
         "is_finite": "isfinite"}
BINARY = {"add": "add", "sub": "sub", "mul": "mul", "div": "div", "max": "max", "min": "min",
          "pow": "pow", "rem": "rem", "and": "and", "or": "or", "xor": "xor", "atan2": "atan2"}
COMPARE = {"lt": "lt", "le": "le", "gt": "gt", "ge": "ge", "eq": "eq", "ne": "ne"}
REDUCE = {"reduce_sum": "sum", "reduce_max": "max", "reduce_min": "min", "reduce_prod": "prod",
          "reduce_and": "and", "reduce_or": "or"}
CUMULATIVE = {"cumsum": "sum", "cumprod": "prod", "cummax": "max", "cummin": "min"}
WINDOW = {"reduce_window_sum": "sum", "reduce_window_max": "max", "reduce_window_min": "min"}
IDENTITY = {"stop_gradient", "copy", "copy_p", "optimization_barrier", "reduce_precision"}
CALLS = {"pjit": "jaxpr", "jit": "jaxpr", "closed_call": "call_jaxpr", "core_call": "call_jaxpr",
         "custom_jvp_call": "call_jaxpr", "custom_vjp_call": "call_jaxpr",
         "custom_vjp_call_jaxpr": "fun_jaxpr", "remat": "jaxpr", "remat2": "jaxpr", "checkpoint": "jaxpr"}


def _where(eqn) -> str:
    try:
        from jax._src import source_info_util
        return source_info_util.summarize(eqn.source_info)
    except Exception:  # private API moved: the caller falls back to the enclosing line
        return ""


class _Translator:
    def __init__(self) -> None:
        self.b = Builder()

    def graph(self, closed, name: str, prefix: str = "x") -> Graph:
        """A closed jaxpr as a graph: its invars become inputs, its consts constants."""
        jaxpr = closed.jaxpr
        env: dict[Any, Node] = {}
        inputs = []
        for i, v in enumerate(jaxpr.invars):
            n = self.b.input(i, v.aval.shape, v.aval.dtype, f"{prefix}{i}")
            inputs.append(n)
            env[v] = n
        for v, c in zip(jaxpr.constvars, closed.consts):
            env[v] = self.b.const(np.asarray(c))
        return Graph(inputs, self.run(jaxpr, env), name=name)

    def read(self, env: dict, v) -> Node:
        if type(v).__name__ == "Literal":
            return self.b.const(np.asarray(v.val, dtype=v.aval.dtype))
        return env[v]

    def run(self, jaxpr, env: dict) -> list[Node]:
        outer = self.b.where   # inside jnp's own jitted helpers, blame the user's call
        for eqn in jaxpr.eqns:
            self.b.where = _where(eqn) or outer
            ins = [self.read(env, v) for v in eqn.invars]
            outs = self.eqn(eqn, ins)
            for v, o in zip(eqn.outvars, outs):
                env[v] = o
        return [self.read(env, v) for v in jaxpr.outvars]

    def sub(self, closed, ins: list[Node]) -> list[Node]:
        jaxpr = getattr(closed, "jaxpr", closed)
        consts = getattr(closed, "consts", [])
        env: dict[Any, Node] = {}
        for v, c in zip(jaxpr.constvars, consts):
            env[v] = self.b.const(np.asarray(c))
        for v, n in zip(jaxpr.invars, ins):
            env[v] = n
        where = self.b.where
        outs = self.run(jaxpr, env)
        self.b.where = where
        return outs

    def eqn(self, eqn, ins: list[Node]) -> list[Node]:
        b, p, name = self.b, eqn.params, eqn.primitive.name
        out_avals = [v.aval for v in eqn.outvars]
        if name in CALLS and CALLS[name] in p:
            return self.sub(p[CALLS[name]], ins)
        if name in IDENTITY:
            return ins[:len(out_avals)]
        if name in UNARY:
            return [b.unary(UNARY[name], ins[0])]
        if name == "integer_pow":
            return [self.integer_pow(ins[0], int(p["y"]))]
        if name == "round":
            return [b.unary("round" if int(p.get("rounding_method", 0)) == 0 else "roundeven", ins[0])]
        if name in BINARY:
            return [b.binary(BINARY[name], *ins)]
        if name in COMPARE:
            return [b.compare(COMPARE[name], *ins)]
        if name == "select_n":
            if len(ins) != 3:
                raise Unsupported(f"select_n with {len(ins) - 1} cases (at {b.where})")
            pred = ins[0] if ins[0].dtype == np.dtype(bool) else \
                b.compare("ne", ins[0], b.scalar(0, ins[0].dtype))
            return [b.select(pred, ins[2], ins[1])]
        if name == "clamp":
            lo, x, hi = ins
            return [b.binary("min", b.binary("max", x, lo), hi)]
        if name == "convert_element_type":
            return [b.convert(ins[0], p["new_dtype"])]
        if name == "broadcast_in_dim":
            return [b.broadcast(ins[0], p["shape"], p["broadcast_dimensions"])]
        if name in ("reshape", "squeeze", "expand_dims"):
            return [b.reshape(ins[0], out_avals[0].shape)]
        if name == "rev":
            return [b.reverse(ins[0], p["dimensions"])]
        if name == "tile":
            return [b.tile(ins[0], p["reps"])]
        if name == "transpose":
            return [b.transpose(ins[0], p["permutation"])]
        if name == "slice":
            return [b.slice(ins[0], p["start_indices"], p["limit_indices"], p["strides"])]
        if name == "pad":
            cfg = p["padding_config"]
            if any(int(c[2]) for c in cfg):
                raise Unsupported(f"pad with interior padding (at {b.where})")
            return [b.pad(ins[0], ins[1], [int(c[0]) for c in cfg], [int(c[1]) for c in cfg])]
        if name == "concatenate":
            return [b.concat(ins, p["dimension"])]
        if name == "iota":
            return [b.iota(p["shape"], p["dimension"], p["dtype"])]
        if name in REDUCE:
            return [b.reduce(REDUCE[name], ins[0], p["axes"])]
        if name in ("argmax", "argmin"):
            (axis,) = p["axes"]
            return [b.argreduce(name[3:], ins[0], axis, p["index_dtype"])]
        if name in CUMULATIVE:
            return [b.cumulative(CUMULATIVE[name], ins[0], p["axis"], p["reverse"])]
        if name == "dot_general":
            (lc, rc), (lb, rb) = p["dimension_numbers"]
            a, w = ins
            pt = p.get("preferred_element_type")
            if pt is not None and np.dtype(pt) != a.dtype:
                a, w = b.convert(a, pt), b.convert(w, pt)
            return [b.dot(a, w, lc, rc, lb, rb)]
        if name == "conv_general_dilated":
            return [self.conv(ins, p, out_avals[0])]
        if name in WINDOW:
            return [self.window(WINDOW[name], ins[0], p)]
        if name == "scan":
            return self.scan(ins, p)
        raise Unsupported(f"JAX primitive '{name}' (at {b.where})")

    def integer_pow(self, x: Node, y: int) -> Node:
        b = self.b
        if y == 0:
            return b.broadcast_to(b.scalar(1, x.dtype), x.shape)
        base, acc, e = (b.binary("div", b.scalar(1, x.dtype), x) if y < 0 else x), None, abs(y)
        while e:
            if e & 1:
                acc = base if acc is None else b.binary("mul", acc, base)
            e >>= 1
            if e:
                base = b.binary("mul", base, base)
        return acc

    def conv(self, ins: list[Node], p: dict, out_aval) -> Node:
        b = self.b
        x, w = ins
        dn = p["dimension_numbers"]
        if p["feature_group_count"] != 1 or p["batch_group_count"] != 1 or \
                any(d != 1 for d in p["lhs_dilation"]):
            raise Unsupported(f"conv_general_dilated with groups or lhs dilation (at {b.where})")
        x = b.transpose(x, dn.lhs_spec)
        w = b.transpose(w, dn.rhs_spec)
        pad = p["padding"]
        y = b.conv(x, w, p["window_strides"], [int(a) for a, _ in pad], [int(c) for _, c in pad],
                   p["rhs_dilation"])
        inv = [0] * len(dn.out_spec)
        for k, d in enumerate(dn.out_spec):
            inv[d] = k
        return b.transpose(y, inv)

    def window(self, kind: str, x: Node, p: dict) -> Node:
        b = self.b
        win, st = list(p["window_dimensions"]), list(p["window_strides"])
        if any(d != 1 for d in p["base_dilation"]) or any(d != 1 for d in p["window_dilation"]):
            raise Unsupported(f"reduce_window with dilation (at {b.where})")
        pad = p["padding"]
        lead = 0
        while lead < len(win) and win[lead] == 1 and st[lead] == 1 and tuple(pad[lead]) == (0, 0):
            lead += 1
        return b.pool(kind, x, win[lead:], st[lead:], [int(a) for a, _ in pad[lead:]],
                      [int(c) for _, c in pad[lead:]])

    def scan(self, ins: list[Node], p: dict) -> list[Node]:
        b = self.b
        closed = p["jaxpr"]
        nc, ncar, length = p["num_consts"], p["num_carry"], p["length"]
        inner = _Translator()
        inner.b.where = b.where
        body = inner.graph(closed, "scan_body", prefix="s")
        for i, (init, o) in enumerate(zip(ins[nc:nc + ncar], body.outputs[:ncar])):
            if init.shape != o.shape or init.dtype != o.dtype:
                raise Unsupported(f"scan carry {i} changes from {init.shape} {init.dtype} to "
                                  f"{o.shape} {o.dtype} (at {b.where})")
        return b.loop(body, ins, length, nc, ncar, p.get("reverse", False))


def graph_from_jax(fn: Callable, *example_args, name: str | None = None) -> Graph:
    """The tensor program of ``fn`` at the example arguments' shapes and dtypes."""
    import jax
    flat_fn, flat_args = _flatten(fn, example_args)
    closed = jax.make_jaxpr(flat_fn)(*flat_args)
    return _Translator().graph(closed, name or getattr(fn, "__name__", "kernel"))


def _flatten(fn: Callable, args: tuple):
    """``fn`` as a function of a flat list of arrays returning a flat tuple."""
    import jax
    leaves, tree = jax.tree_util.tree_flatten(args)

    def flat(*xs):
        out = fn(*jax.tree_util.tree_unflatten(tree, list(xs)))
        return tuple(jax.tree_util.tree_leaves(out))
    return flat, [np.asarray(x) if not hasattr(x, "shape") else x for x in leaves]
