"""PyTorch -> tensor program, through ``torch.export`` and core ATen.

``torch.export`` gives a whole-graph, side-effect-free program with static
shapes; ``run_decompositions()`` reduces it to the ~200 core ATen ops, so the
translation covers every module built from them (Linear, ConvNd, LayerNorm,
attention, ...) rather than a list of modules. Parameters and buffers are
lifted to inputs: they become the kernel's bound parameters.
"""
from __future__ import annotations

import math
import operator
import os
import re
from typing import Any, Callable

import numpy as np

from .build import Builder
from .ir import Graph, Node, Unsupported

UNARY = {"neg": "neg", "abs": "abs", "exp": "exp", "exp2": "exp2", "expm1": "expm1", "log": "log",
         "log1p": "log1p", "sqrt": "sqrt", "rsqrt": "rsqrt", "tanh": "tanh", "sin": "sin",
         "cos": "cos", "tan": "tan", "atan": "atan", "sigmoid": "logistic", "erf": "erf",
         "floor": "floor", "ceil": "ceil", "round": "roundeven", "sign": "sign",
         "reciprocal": "reciprocal", "logical_not": "not", "bitwise_not": "not",
         "isfinite": "isfinite"}
BINARY = {"mul": "mul", "maximum": "max", "minimum": "min", "pow": "pow", "fmod": "rem",
          "logical_and": "and", "logical_or": "or", "logical_xor": "xor", "bitwise_and": "and",
          "bitwise_or": "or", "bitwise_xor": "xor", "atan2": "atan2"}
COMPARE = {"eq": "eq", "ne": "ne", "lt": "lt", "le": "le", "gt": "gt", "ge": "ge"}
IDENTITY = {"clone", "alias", "detach", "contiguous", "lift_fresh_copy", "_assert_tensor_metadata"}
REDUCE = {"sum": "sum", "amax": "max", "amin": "min", "prod": "prod", "any": "or", "all": "and"}


def torch_dtypes() -> dict:
    """The torch dtypes kernels take, with their NumPy dtypes."""
    import torch
    return {torch.float32: np.dtype("f4"), torch.float64: np.dtype("f8"), torch.int32: np.dtype("i4"),
            torch.int64: np.dtype("i8"), torch.bool: np.dtype(bool)}


def np_dtype(t) -> np.dtype:
    table = torch_dtypes()
    if t not in table:
        raise Unsupported(f"torch dtype {t}")
    return table[t]


def _where(node) -> str:
    """``file:line`` of the user's code that made this node: the innermost frame of
    its trace outside PyTorch itself."""
    st = node.meta.get("stack_trace") or ""
    frames = re.findall(r'File "([^"]+)", line (\d+), in (\S+)\n\s*(.*)', st)
    user = [f for f in frames if f"{os.sep}torch{os.sep}" not in f[0]] or frames
    if user:
        f, line, fn, code = user[-1]
        return f"{f}:{line} ({fn}: {code.strip()})"
    return str(node.name)


def _op_name(target) -> str:
    if target is operator.getitem:
        return "getitem"
    packet = getattr(target, "_overloadpacket", None)
    if packet is None:
        return str(getattr(target, "__name__", target))
    return f"{packet.__name__}.{target._overloadname}"


class _Translator:
    def __init__(self) -> None:
        self.b = Builder()

    def arg(self, env: dict, a):
        import torch.fx
        if isinstance(a, torch.fx.Node):
            return env[a]
        if isinstance(a, (list, tuple)):
            return type(a)(self.arg(env, x) for x in a)
        return a

    def node_dtype(self, node) -> np.dtype:
        v = node.meta.get("val")
        return np_dtype(v.dtype)

    def tensor(self, x, like: Node) -> Node:
        """A Python scalar or Node operand, as a Node of ``like``'s dtype if scalar."""
        if isinstance(x, Node):
            return x
        return self.b.scalar(x, like.dtype)

    def promote(self, node, *xs) -> list[Node]:
        """Operands converted to the result dtype PyTorch computed (type promotion)."""
        dt = self.node_dtype(node)
        return [self.b.convert(self.b.scalar(x, dt) if not isinstance(x, Node) else x, dt) for x in xs]

    def run(self, ep) -> Graph:
        from torch.export.graph_signature import InputKind, OutputKind
        sig = ep.graph_signature
        kinds = {s.arg.name: s for s in sig.input_specs}
        env: dict[Any, Any] = {}
        users, params, values = [], [], []
        for node in ep.graph.nodes:
            if node.op != "placeholder":
                continue
            spec = kinds[node.name]
            v = node.meta["val"]
            if spec.kind == InputKind.USER_INPUT:
                users.append(node)
            elif spec.kind in (InputKind.PARAMETER, InputKind.BUFFER):
                params.append(node)
                t = ep.state_dict[spec.target] if spec.target in ep.state_dict else ep.constants[spec.target]
                values.append(t.detach().cpu().numpy())
            elif spec.kind == InputKind.CONSTANT_TENSOR:
                env[node] = self.b.const(ep.constants[spec.target].detach().cpu().numpy())
            else:
                raise Unsupported(f"torch.export input {node.name} of kind {spec.kind}")
        inputs = []
        for i, node in enumerate(users + params):
            v = node.meta["val"]
            n = self.b.input(i, tuple(v.shape), np_dtype(v.dtype), node.name)
            env[node] = n
            inputs.append(n)
        for s in sig.output_specs:
            if s.kind != OutputKind.USER_OUTPUT:
                raise Unsupported(f"torch.export output {s.arg.name} of kind {s.kind} "
                                  "(the model mutates a buffer)")
        outs: list[Node] = []
        for node in ep.graph.nodes:
            if node.op == "call_function":
                self.b.where = _where(node)
                env[node] = self.call(node, env)
            elif node.op == "output":
                outs = [env[a] for a in node.args[0]]
            elif node.op != "placeholder":
                raise Unsupported(f"torch.export node {node.name} ({node.op})")
        return Graph(inputs, outs, params=values)

    def call(self, node, env: dict):
        b = self.b
        name = _op_name(node.target)
        base = name.split(".")[0]
        args = [self.arg(env, a) for a in node.args]
        kw = {k: self.arg(env, v) for k, v in node.kwargs.items()}
        out_shape = tuple(node.meta["val"].shape) if hasattr(node.meta.get("val"), "shape") else None
        if name == "getitem":
            return args[0][args[1]]
        if base in IDENTITY:
            return args[0] if args else None
        if base in UNARY:
            x = args[0]
            if base in ("logical_not",) and x.dtype != np.dtype(bool):
                x = b.compare("eq", x, b.scalar(0, x.dtype))
                return x
            if x.dtype.kind != "f" and base in ("exp", "log", "sqrt", "rsqrt", "tanh", "sigmoid",
                                               "erf", "sin", "cos"):
                x = b.convert(x, self.node_dtype(node))
            return b.unary(UNARY[base], x)
        if base in ("add", "sub", "rsub"):
            x, y = args[0], args[1]
            alpha = kw.get("alpha", args[2] if len(args) > 2 else 1)
            x, y = self.promote(node, x, y)
            if alpha != 1:
                y = b.binary("mul", y, b.scalar(alpha, y.dtype))
            if base == "rsub":
                x, y = y, x
            return b.binary("add" if base == "add" else "sub", x, y)
        if base == "div":
            x, y = self.promote(node, *args[:2]) if self.node_dtype(node).kind == "f" else \
                [self.tensor(a, args[0]) for a in args[:2]]
            q = b.binary("div", x, y)
            mode = kw.get("rounding_mode")
            if mode == "floor" and q.dtype.kind == "f":
                q = b.unary("floor", q)
            elif mode == "floor":
                r = b.binary("rem", x, y)
                fix = b.binary("and", b.compare("ne", r, b.scalar(0, r.dtype)),
                               b.compare("ne", b.compare("lt", r, b.scalar(0, r.dtype)),
                                         b.compare("lt", y, b.scalar(0, y.dtype))))
                q = b.select(fix, b.binary("sub", q, b.scalar(1, q.dtype)), q)
            elif mode == "trunc" and q.dtype.kind == "f":
                q = b.select(b.compare("lt", q, b.scalar(0, q.dtype)), b.unary("ceil", q), b.unary("floor", q))
            return b.convert(q, self.node_dtype(node))
        if base in BINARY:
            return b.binary(BINARY[base], *self.promote(node, *args[:2]))
        if base in COMPARE:
            x, y = args[0], args[1]
            dt = np.result_type(*[a.dtype if isinstance(a, Node) else np.asarray(a).dtype for a in (x, y)]) \
                if isinstance(y, Node) else x.dtype
            x = b.convert(self.tensor(x, x), dt)
            y = b.convert(self.tensor(y, x), dt)
            return b.compare(COMPARE[base], x, y)
        if base == "where":
            c, x, y = args
            x, y = self.promote(node, x, y)
            return b.select(c, x, y)
        if base in ("clamp", "clamp_min", "clamp_max", "hardtanh"):
            x = args[0]
            lo = args[1] if len(args) > 1 and base != "clamp_max" else kw.get("min")
            hi = args[2] if len(args) > 2 else (args[1] if base == "clamp_max" else kw.get("max"))
            if base == "hardtanh":
                lo, hi = (args[1] if len(args) > 1 else -1.0), (args[2] if len(args) > 2 else 1.0)
            if lo is not None:
                x = b.binary("max", x, self.tensor(lo, x) if not isinstance(lo, Node) else b.convert(lo, x.dtype))
            if hi is not None:
                x = b.binary("min", x, self.tensor(hi, x) if not isinstance(hi, Node) else b.convert(hi, x.dtype))
            return x
        if base == "relu":
            return b.binary("max", args[0], b.scalar(0, args[0].dtype))
        if base == "leaky_relu":
            x = args[0]
            slope = args[1] if len(args) > 1 else 0.01
            return b.select(b.compare("gt", x, b.scalar(0, x.dtype)), x,
                            b.binary("mul", x, b.scalar(slope, x.dtype)))
        if base == "gelu":
            return self.gelu(args[0], kw.get("approximate", "none"))
        if base == "elu":
            x = args[0]
            alpha = args[1] if len(args) > 1 else 1.0
            neg = b.binary("mul", b.unary("expm1", x), b.scalar(alpha, x.dtype))
            return b.select(b.compare("gt", x, b.scalar(0, x.dtype)), x, neg)
        if base == "remainder":   # Python's modulo: the sign of the divisor
            x, y = self.promote(node, *args[:2])
            r = b.binary("rem", x, y)
            zero = b.scalar(0, r.dtype)
            fix = b.binary("and", b.compare("ne", r, zero),
                           b.compare("ne", b.compare("lt", r, zero), b.compare("lt", y, zero)))
            return b.select(fix, b.binary("add", r, y), r)
        if base == "index_select":
            return b.take(args[0], args[2], args[1])
        if base == "flip":
            return b.reverse(args[0], args[1])
        if base == "silu":
            return b.binary("mul", args[0], b.unary("logistic", args[0]))
        if base in ("_softmax", "_log_softmax"):
            return self.softmax(args[0], args[1], log=base == "_log_softmax")
        if base == "native_layer_norm":
            return self.layer_norm(*args)
        if base == "_native_batch_norm_legit_no_training":
            return self.batch_norm(*args)
        if base in ("full", "full_like", "scalar_tensor", "zeros_like", "ones_like", "zeros", "ones"):
            dt = self.node_dtype(node)
            value = {"zeros_like": 0, "ones_like": 1, "zeros": 0, "ones": 1}.get(
                base, args[1] if base in ("full", "full_like") else args[0])
            return b.broadcast_to(b.scalar(value, dt), out_shape)
        if base in ("arange",):
            dt = self.node_dtype(node)
            start = args[0] if len(args) > 1 else 0
            step = args[2] if len(args) > 2 else 1
            i = b.iota(out_shape, 0, dt)
            return b.binary("add", b.binary("mul", i, b.scalar(step, dt)), b.scalar(start, dt))
        if base in ("_to_copy", "to"):
            return b.convert(args[0], self.node_dtype(node))
        if base == "permute":
            return b.transpose(args[0], args[1])
        if base in ("view", "_unsafe_view", "reshape", "unsqueeze", "squeeze", "flatten",
                    "expand_dims"):
            return b.reshape(args[0], out_shape)
        if base == "expand":
            x = args[0]
            return b.broadcast_to(x, [x.shape[d - (len(out_shape) - len(x.shape))] if s == -1 else s
                                      for d, s in enumerate(out_shape)])
        if base == "t":
            return b.transpose(args[0], list(reversed(range(len(args[0].shape)))))
        if base == "select":
            x, dim, i = args[0], args[1] % len(args[0].shape), args[2]
            i = i % x.shape[dim]
            start = [0] * len(x.shape); limit = list(x.shape)
            start[dim], limit[dim] = i, i + 1
            return b.reshape(b.slice(x, start, limit), out_shape)
        if base == "slice":
            x = args[0]
            dim = (args[1] if len(args) > 1 else 0) % len(x.shape)
            n = x.shape[dim]
            start = args[2] if len(args) > 2 and args[2] is not None else 0
            end = args[3] if len(args) > 3 and args[3] is not None else n
            step = args[4] if len(args) > 4 else 1
            start, end, _ = slice(start, end, step).indices(n)
            lo = [0] * len(x.shape); hi = list(x.shape); st = [1] * len(x.shape)
            lo[dim], hi[dim], st[dim] = start, max(start, end), step
            return b.slice(x, lo, hi, st)
        if base == "cat":
            xs = args[0]
            dim = (args[1] if len(args) > 1 else 0) % len(xs[0].shape)
            return b.concat(xs, dim)
        if base == "constant_pad_nd":
            x, pad = args[0], list(args[1])
            value = args[2] if len(args) > 2 else 0
            lo, hi = [0] * len(x.shape), [0] * len(x.shape)
            for k in range(len(pad) // 2):
                lo[len(x.shape) - 1 - k], hi[len(x.shape) - 1 - k] = pad[2 * k], pad[2 * k + 1]
            return b.pad(x, b.scalar(value, x.dtype), lo, hi)
        if base in ("var", "std"):
            x = b.convert(args[0], self.node_dtype(node))
            dims = self.dims(x, args[1] if len(args) > 1 and args[1] is not None else kw.get("dim"))
            corr = kw.get("correction", 1)
            n = float(np.prod([x.shape[d] for d in dims]))
            _, xc = self.centred(x, dims)
            v = b.binary("div", b.reduce("sum", b.binary("mul", xc, xc), dims),
                         b.scalar(max(n - (1 if corr is None else corr), 0.0), x.dtype))
            return b.reshape(b.unary("sqrt", v) if base == "std" else v, out_shape)
        if base in ("max", "min") and name.endswith(".other"):
            return b.binary(base, *self.promote(node, *args[:2]))
        if base in ("max", "min") and len(args) > 1:   # values and indices along a dim
            x, dim = args[0], args[1] % len(args[0].shape)
            keep = len(args) > 2 and args[2]
            shape = [1 if d == dim else s for d, s in enumerate(x.shape)] if keep else \
                [s for d, s in enumerate(x.shape) if d != dim]
            return (b.reshape(b.reduce(base, x, [dim]), shape),
                    b.reshape(b.argreduce(base, x, dim, np.dtype("i8")), shape))
        if base in ("max", "min"):
            return b.reduce(base, args[0], range(len(args[0].shape)))
        if base in REDUCE or base == "mean":
            return self.reduction(node, base, args, kw, out_shape)
        if base in ("argmax", "argmin"):
            x = args[0]
            dim = args[1] if len(args) > 1 else kw.get("dim")
            if dim is None:
                x, dim = b.reshape(x, (x.size,)), 0
            r = b.argreduce(base[3:], x, dim, np.dtype("i8"))
            return b.reshape(r, out_shape)
        if base in ("cumsum", "cumprod"):
            x = b.convert(args[0], self.node_dtype(node))
            return b.cumulative(base[3:], x, args[1])
        if base == "mm":
            return b.dot(args[0], args[1], [1], [0])
        if base == "bmm":
            return b.dot(args[0], args[1], [2], [1], [0], [0])
        if base == "addmm":
            bias, x, w = args[:3]
            beta, alpha = kw.get("beta", 1), kw.get("alpha", 1)
            y = b.dot(x, w, [1], [0])
            if alpha != 1:
                y = b.binary("mul", y, b.scalar(alpha, y.dtype))
            if beta != 1:
                bias = b.binary("mul", bias, b.scalar(beta, bias.dtype))
            return b.binary("add", y, bias)
        if base == "convolution":
            return self.convolution(*args)
        if base == "max_pool2d_with_indices":
            return self.max_pool(node, *args)
        if base in ("avg_pool2d", "avg_pool1d"):
            return self.avg_pool(*args)
        raise Unsupported(f"PyTorch op aten.{name} (at {b.where})")

    # -- compound ops --------------------------------------------------------------------
    def gelu(self, x: Node, approximate: str) -> Node:
        b = self.b
        half, one = b.scalar(0.5, x.dtype), b.scalar(1.0, x.dtype)
        if approximate == "tanh":
            x3 = b.binary("mul", b.binary("mul", x, x), x)
            inner = b.binary("add", x, b.binary("mul", x3, b.scalar(0.044715, x.dtype)))
            t = b.unary("tanh", b.binary("mul", inner, b.scalar(math.sqrt(2 / math.pi), x.dtype)))
        else:
            t = b.unary("erf", b.binary("mul", x, b.scalar(1 / math.sqrt(2), x.dtype)))
        return b.binary("mul", b.binary("mul", x, half), b.binary("add", one, t))

    def softmax(self, x: Node, dim: int, log: bool) -> Node:
        b = self.b
        dim %= len(x.shape)
        keep = [1 if d == dim else s for d, s in enumerate(x.shape)]
        m = b.broadcast_to(b.reshape(b.reduce("max", x, [dim]), keep), x.shape)
        z = b.binary("sub", x, m)
        e = b.unary("exp", z)
        s = b.broadcast_to(b.reshape(b.reduce("sum", e, [dim]), keep), x.shape)
        return b.binary("sub", z, b.unary("log", s)) if log else b.binary("div", e, s)

    @staticmethod
    def dims(x: Node, dim) -> list[int]:
        """ATen's ``dim`` argument (None, an int or a list; None or [] = all) as axes."""
        if dim is None:
            return list(range(len(x.shape)))
        dims = [dim] if isinstance(dim, int) else list(dim)
        return [d % max(len(x.shape), 1) for d in dims] or list(range(len(x.shape)))

    def centred(self, x: Node, axes: list[int]) -> tuple[Node, Node]:
        """(mean over ``axes``, kept as unit dims; x minus that mean)."""
        b = self.b
        n = b.scalar(float(np.prod([x.shape[d] for d in axes])), x.dtype)
        keep = [1 if d in axes else v for d, v in enumerate(x.shape)]
        mean = b.reshape(b.binary("div", b.reduce("sum", x, axes), n), keep)
        return mean, b.binary("sub", x, mean)

    def layer_norm(self, x: Node, shape, w: Node | None, bias: Node | None, eps: float):
        b = self.b
        axes = list(range(len(x.shape) - len(shape), len(x.shape)))
        mean, xc = self.centred(x, axes)
        n = b.scalar(float(np.prod(shape)), x.dtype)
        var = b.reshape(b.binary("div", b.reduce("sum", b.binary("mul", xc, xc), axes), n), mean.shape)
        rstd = b.unary("rsqrt", b.binary("add", var, b.scalar(eps, x.dtype)))
        y = b.binary("mul", xc, rstd)
        if w is not None:
            y = b.binary("mul", y, w)
        if bias is not None:
            y = b.binary("add", y, bias)
        return (y, mean, rstd)

    def batch_norm(self, x: Node, w, bias, mean: Node, var: Node, momentum, eps):
        b = self.b
        shape = [1, x.shape[1]] + [1] * (len(x.shape) - 2)
        scale = b.unary("rsqrt", b.binary("add", var, b.scalar(eps, x.dtype)))
        if w is not None:
            scale = b.binary("mul", scale, w)
        shift = b.binary("sub", bias if bias is not None else b.scalar(0, x.dtype),
                         b.binary("mul", mean, scale))
        y = b.binary("add", b.binary("mul", x, b.reshape(scale, shape)), b.reshape(shift, shape))
        empty = b.const(np.zeros((0,), x.dtype))
        return (y, empty, empty)

    def reduction(self, node, base: str, args, kw, out_shape) -> Node:
        b = self.b
        x = args[0]
        dims = self.dims(x, args[1] if len(args) > 1 else kw.get("dim"))
        dt = self.node_dtype(node)
        kind = REDUCE.get(base, "sum")
        if kind in ("or", "and") and x.dtype != np.dtype(bool):
            x = b.compare("ne", x, b.scalar(0, x.dtype))
        elif kind not in ("or", "and"):
            x = b.convert(x, dt)
        r = b.reduce(kind, x, dims)
        if base == "mean":
            r = b.binary("div", r, b.scalar(float(np.prod([x.shape[d] for d in dims])), r.dtype))
        return b.reshape(r, out_shape)

    def convolution(self, x, w, bias, stride, padding, dilation, transposed, output_padding, groups):
        b = self.b
        if transposed or groups != 1:
            raise Unsupported(f"aten.convolution with {'transposition' if transposed else 'groups'} "
                              f"(at {b.where})")
        nsp = len(x.shape) - 2
        y = b.conv(x, w, list(stride) * (nsp // len(stride)), list(padding) * (nsp // len(padding)),
                   list(padding) * (nsp // len(padding)), list(dilation) * (nsp // len(dilation)))
        if bias is not None:
            y = b.binary("add", y, b.reshape(bias, [1, w.shape[0]] + [1] * nsp))
        return y

    def max_pool(self, node, x, kernel, stride=(), padding=0, dilation=1, ceil_mode=False):
        b = self.b
        if ceil_mode or any(d != 1 for d in np.atleast_1d(dilation)):
            raise Unsupported(f"max_pool2d with ceil_mode or dilation (at {b.where})")
        for u in node.users:
            if _op_name(u.target) == "getitem" and u.args[1] == 1 and u.users:
                raise Unsupported(f"max_pool2d indices (return_indices=True) (at {b.where})")
        k = list(kernel) * (2 // len(kernel))
        s = list(stride or k) * (2 // len(stride or k))
        p = list(np.atleast_1d(padding)) * (2 // len(np.atleast_1d(padding)))
        y = b.pool("max", x, k, s, p, p)
        return (y, None)

    def avg_pool(self, x, kernel, stride=(), padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        b = self.b
        nd = len(kernel)
        if ceil_mode or (not count_include_pad and np.any(np.atleast_1d(padding))):
            raise Unsupported(f"avg_pool with ceil_mode or count_include_pad=False (at {b.where})")
        k = list(kernel)
        s = list(stride or k)
        p = list(np.atleast_1d(padding)) * (nd // len(np.atleast_1d(padding)))
        y = b.pool("sum", x, k, s, p, p)
        return b.binary("div", y, b.scalar(divisor_override or float(np.prod(k)), y.dtype))


def graph_from_torch(model: Callable, *example_args) -> Graph:
    """The tensor program of ``model`` (a Module or a function) at the example inputs."""
    import torch
    name = type(model).__name__
    if not isinstance(model, torch.nn.Module):
        fn, name = model, getattr(model, "__name__", "kernel")

        class _Wrap(torch.nn.Module):
            def forward(self, *xs):
                return fn(*xs)
        model = _Wrap()
    args = tuple(torch.as_tensor(a) for a in example_args)
    ep = torch.export.export(model, args).run_decompositions()
    g = _Translator().run(ep)
    g.name = name
    return g
