"""Readable jax.numpy / torch source equivalent to a kernel's tensor program.

One statement per op, in the order the kernel computes them, so a scientist
can read what the kernel does in the framework they know, edit it and
translate it again. Inputs keep their order; bound parameters (a module's
weights) are trailing arguments.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from .ir import Graph, Node, nodes_of
from .runtime import Kernel

JAX_UNARY = {"neg": "-{}", "abs": "jnp.abs({})", "exp": "jnp.exp({})", "exp2": "jnp.exp2({})",
             "expm1": "jnp.expm1({})", "log": "jnp.log({})", "log1p": "jnp.log1p({})",
             "sqrt": "jnp.sqrt({})", "rsqrt": "lax.rsqrt({})", "tanh": "jnp.tanh({})",
             "sin": "jnp.sin({})", "cos": "jnp.cos({})", "tan": "jnp.tan({})", "atan": "jnp.arctan({})",
             "logistic": "jax.nn.sigmoid({})", "erf": "lax.erf({})", "erfc": "lax.erfc({})", "floor": "jnp.floor({})",
             "ceil": "jnp.ceil({})", "round": "lax.round({})", "roundeven": "jnp.round({})",
             "sign": "jnp.sign({})", "not": "~{}", "square": "jnp.square({})",
             "reciprocal": "1 / {}", "isfinite": "jnp.isfinite({})"}
TORCH_UNARY = {"neg": "-{}", "abs": "torch.abs({})", "exp": "torch.exp({})", "exp2": "torch.exp2({})",
               "expm1": "torch.expm1({})", "log": "torch.log({})", "log1p": "torch.log1p({})",
               "sqrt": "torch.sqrt({})", "rsqrt": "torch.rsqrt({})", "tanh": "torch.tanh({})",
               "sin": "torch.sin({})", "cos": "torch.cos({})", "tan": "torch.tan({})",
               "atan": "torch.atan({})", "logistic": "torch.sigmoid({})", "erf": "torch.erf({})", "erfc": "torch.erfc({})",
               "floor": "torch.floor({})", "ceil": "torch.ceil({})",
               "round": "torch.sign({0}) * torch.floor(torch.abs({0}) + 0.5)",
               "roundeven": "torch.round({})", "sign": "torch.sign({})", "not": "~{}",
               "square": "torch.square({})", "reciprocal": "torch.reciprocal({})",
               "isfinite": "torch.isfinite({})"}
INFIX = {"add": "+", "sub": "-", "mul": "*", "and": "&", "or": "|", "xor": "^",
         "lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "==", "ne": "!="}
TORCH_DT = {"f4": "torch.float32", "f8": "torch.float64", "i4": "torch.int32", "i8": "torch.int64",
            "bool": "torch.bool"}


def _tuple(items: list[str]) -> str:
    return "(" + "".join(f"{x}, " for x in items) + ")"


def _dt(dt: np.dtype) -> str:
    return "bool" if dt == np.dtype(bool) else dt.str[1:]


class _Writer:
    def __init__(self, torch: bool) -> None:
        self.torch = torch
        self.lines: list[str] = []
        self.header: list[str] = []
        self.names: dict[int, str] = {}
        self.count = 0

    def fresh(self) -> str:
        self.count += 1
        return f"v{self.count}"

    def arr(self, dt: np.dtype) -> str:
        return TORCH_DT[_dt(dt)] if self.torch else f"jnp.{np.dtype(dt).name}"

    def const(self, n: Node) -> str:
        a = n.p["value"]
        if a.ndim == 0:
            v = a.item()
            if isinstance(v, float) and not math.isfinite(v):
                v = f"float('{v}')"
            lit = repr(v) if not isinstance(v, str) else v
            return f"torch.tensor({lit}, dtype={self.arr(n.dtype)})" if self.torch else \
                f"jnp.{np.dtype(n.dtype).name}({lit})"
        name = f"C{len(self.header)}"
        data = f"np.frombuffer(bytes.fromhex('{np.ascontiguousarray(a).tobytes().hex()}'), " \
               f"'{a.dtype.str}').reshape({a.shape})"
        self.header.append(f"{name} = torch.from_numpy({data}.copy())" if self.torch else
                           f"{name} = jnp.asarray({data})")
        return name

    def graph(self, g: Graph, fname: str, indent: str = "") -> list[str]:
        args = []
        for n in g.inputs:
            nm = n.p.get("name") or f"x{n.p['index']}"
            nm = "".join(c if c.isalnum() else "_" for c in nm)
            if not nm[0].isalpha():
                nm = "x_" + nm
            self.names[id(n)] = nm
            args.append(nm)
        out = [f"{indent}def {fname}({', '.join(args)}):"]
        body = indent + "    "
        for n in nodes_of(g.outputs):
            if id(n) in self.names:
                continue
            if n.op == "const":
                self.names[id(n)] = self.const(n)
                continue
            if n.op == "item":
                loop = self.names[id(n.args[0])]
                self.names[id(n)] = f"{loop}[{n.p['index']}]"
                continue
            if n.op == "loop":
                out += self.loop(n, body)
                continue
            v = self.fresh()
            out.append(f"{body}{v} = {self.expr(n)}")
            self.names[id(n)] = v
        res = [self.names[id(o)] for o in g.outputs]
        out.append(f"{body}return {res[0] if len(res) == 1 else '(' + ', '.join(res) + ',)'}")
        return out

    def expr(self, n: Node) -> str:
        a = [self.names[id(x)] for x in n.args]
        p, t = n.p, self.torch
        if n.op == "iota":
            if t:
                shp = [1] * len(n.shape)
                shp[p["dim"]] = -1
                return (f"torch.arange({n.shape[p['dim']]}, dtype={self.arr(n.dtype)})"
                        f".reshape({tuple(shp)}).expand({n.shape})")
            return f"lax.broadcasted_iota({self.arr(n.dtype)}, {n.shape}, {p['dim']})"
        if n.op == "unary":
            return (TORCH_UNARY if t else JAX_UNARY)[p["fn"]].format(a[0])
        if n.op in ("binary", "compare"):
            fn = p["fn"]
            if fn in INFIX:
                return f"{a[0]} {INFIX[fn]} {a[1]}"
            if fn == "div":
                if n.dtype.kind == "f":
                    return f"{a[0]} / {a[1]}"
                return f"torch.div({a[0]}, {a[1]}, rounding_mode='trunc')" if t else f"lax.div({a[0]}, {a[1]})"
            name = {"max": "maximum", "min": "minimum", "pow": "pow" if t else "power",
                    "rem": "fmod" if t else "fmod", "atan2": "atan2" if t else "arctan2"}[fn]
            return f"{'torch' if t else 'jnp'}.{name}({a[0]}, {a[1]})"
        if n.op == "select":
            return f"{'torch' if t else 'jnp'}.where({a[0]}, {a[1]}, {a[2]})"
        if n.op == "convert":
            return f"{a[0]}.to({self.arr(n.dtype)})" if t else f"{a[0]}.astype({self.arr(n.dtype)})"
        if n.op == "broadcast":
            if not t:
                return f"lax.broadcast_in_dim({a[0]}, {n.shape}, {p['dims']})"
            view = [1] * len(n.shape)
            for k, d in enumerate(p["dims"]):
                view[d] = n.args[0].shape[k]
            return f"{a[0]}.reshape({tuple(view)}).expand({n.shape})"
        if n.op == "reshape":
            return f"{a[0]}.reshape({n.shape})"
        if n.op == "take":
            return (f"torch.index_select({a[0]}, {p['axis']}, {a[1]})" if t else
                    f"jnp.take({a[0]}, {a[1]}, axis={p['axis']})")
        if n.op == "reverse":
            return f"torch.flip({a[0]}, {list(p['dims'])})" if t else f"jnp.flip({a[0]}, {p['dims']})"
        if n.op == "transpose":
            return f"{a[0]}.permute({p['perm']})" if t else f"jnp.transpose({a[0]}, {p['perm']})"
        if n.op == "slice":
            parts = [f"{s}:{s + (c - 1) * st + 1}" + (f":{st}" if st != 1 else "")
                     for s, st, c in zip(p["start"], p["stride"], n.shape)]
            return f"{a[0]}[{', '.join(parts)}]"
        if n.op == "pad":
            if t:
                flat = [v for lo, hi in reversed(list(zip(p["lo"], p["hi"]))) for v in (lo, hi)]
                return f"torch.nn.functional.pad({a[0]}, {flat}, value=float({a[1]}))"
            return f"lax.pad({a[0]}, {a[1]}, {[(lo, hi, 0) for lo, hi in zip(p['lo'], p['hi'])]})"
        if n.op == "concat":
            return f"{'torch.cat' if t else 'jnp.concatenate'}([{', '.join(a)}], {p['axis']})"
        if n.op == "reduce":
            return self.reduce(n, a[0])
        if n.op == "argreduce":
            f = f"arg{p['kind']}"
            return (f"torch.{f}({a[0]}, {p['axis']}).to({self.arr(n.dtype)})" if t else
                    f"jnp.{f}({a[0]}, {p['axis']}).astype({self.arr(n.dtype)})")
        if n.op == "dot":
            return self.dot(n, a)
        if n.op == "conv":
            return self.conv(n, a)
        if n.op == "pool":
            return self.pool(n, a[0])
        if n.op == "cumulative":
            return self.cumulative(n, a[0])
        raise NotImplementedError(n.op)

    def reduce(self, n: Node, x: str) -> str:
        kind, axes = n.p["kind"], n.p["axes"]
        if not self.torch:
            f = {"sum": "sum", "prod": "prod", "max": "max", "min": "min", "and": "all", "or": "any"}[kind]
            return f"jnp.{f}({x}, axis={axes})"
        if kind in ("sum", "max", "min"):
            f = {"sum": "sum", "max": "amax", "min": "amin"}[kind]
            return f"torch.{f}({x}, dim={list(axes)})"
        f = {"prod": "prod", "and": "all", "or": "any"}[kind]
        for ax in sorted(axes, reverse=True):
            x = f"torch.{f}({x}, dim={ax})"
        return x

    def dot(self, n: Node, a: list[str]) -> str:
        p = n.p
        if not self.torch:
            return f"lax.dot_general({a[0]}, {a[1]}, (({p['lc']}, {p['rc']}), ({p['lb']}, {p['rb']})))"
        letters = iter("abcdefghijklmnopqrstuvwxyz")
        la = [next(letters) for _ in n.args[0].shape]
        lb = [""] * len(n.args[1].shape)
        for i, j in zip(p["lc"], p["rc"]):
            lb[j] = la[i]
        for i, j in zip(p["lb"], p["rb"]):
            lb[j] = la[i]
        lb = [c or next(letters) for c in lb]
        out = [la[i] for i in p["lb"]] + [c for i, c in enumerate(la) if i not in p["lc"] + p["lb"]] + \
              [c for j, c in enumerate(lb) if j not in p["rc"] + p["rb"]]
        return f"torch.einsum('{''.join(la)},{''.join(lb)}->{''.join(out)}', {a[0]}, {a[1]})"

    def conv(self, n: Node, a: list[str]) -> str:
        p = n.p
        k = len(p["stride"])
        if not self.torch:
            return (f"lax.conv_general_dilated({a[0]}, {a[1]}, {p['stride']}, "
                    f"{list(zip(p['lo'], p['hi']))}, rhs_dilation={p['dilation']})")
        flat = [v for lo, hi in reversed(list(zip(p["lo"], p["hi"]))) for v in (lo, hi)]
        x = f"torch.nn.functional.pad({a[0]}, {flat})" if any(flat) else a[0]
        return f"torch.nn.functional.conv{k}d({x}, {a[1]}, stride={p['stride']}, dilation={p['dilation']})"

    def pool(self, n: Node, x: str) -> str:
        p = n.p
        k, lead = len(p["window"]), len(n.shape) - len(p["window"])
        if not self.torch:
            init = "-jnp.inf" if p["kind"] == "max" else "jnp.inf" if p["kind"] == "min" else "0"
            op = {"max": "lax.max", "min": "lax.min", "sum": "lax.add"}[p["kind"]]
            return (f"lax.reduce_window({x}, {self.arr(n.dtype)}({init}), {op}, "
                    f"{(1,) * lead + p['window']}, {(1,) * lead + p['stride']}, "
                    f"{[(0, 0)] * lead + list(zip(p['lo'], p['hi']))})")
        flat = [v for lo, hi in reversed(list(zip(p["lo"], p["hi"]))) for v in (lo, hi)]
        fill = {"max": "-math.inf", "min": "math.inf", "sum": "0.0"}[p["kind"]]
        src = n.args[0].shape
        xx = f"torch.nn.functional.pad({x}, {flat}, value={fill})" if any(flat) else x
        xx = f"({xx}).reshape((-1,) + {tuple(s + lo + hi for s, lo, hi in zip(src[lead:], p['lo'], p['hi']))})"
        if p["kind"] == "min":
            body = f"-torch.nn.functional.max_pool{k}d(-{xx}, {p['window']}, {p['stride']})"
        elif p["kind"] == "max":
            body = f"torch.nn.functional.max_pool{k}d({xx}, {p['window']}, {p['stride']})"
        else:
            body = (f"torch.nn.functional.avg_pool{k}d({xx}, {p['window']}, {p['stride']}) * "
                    f"{int(np.prod(p['window']))}")
        return f"({body}).reshape({n.shape})"

    def cumulative(self, n: Node, x: str) -> str:
        kind, ax, rev = n.p["kind"], n.p["axis"], n.p["reverse"]
        if not self.torch:
            f = {"sum": "lax.cumsum", "prod": "lax.cumprod", "max": "lax.cummax", "min": "lax.cummin"}[kind]
            return f"{f}({x}, {ax}, reverse={rev})"
        f = {"sum": "torch.cumsum({}, {})", "prod": "torch.cumprod({}, {})",
             "max": "torch.cummax({}, {}).values", "min": "torch.cummin({}, {}).values"}[kind]
        if rev:
            return f"torch.flip({f.format(f'torch.flip({x}, [{ax}])', ax)}, [{ax}])"
        return f.format(x, ax)

    def loop(self, n: Node, indent: str) -> list[str]:
        p = n.p
        body: Graph = p["body"]
        nc, ncar, length = p["n_consts"], p["n_carry"], p["length"]
        a = [self.names[id(x)] for x in n.args]
        fname = self.fresh().replace("v", "body")
        res = self.fresh()
        self.names[id(n)] = res
        lines = self.graph(body, fname, indent)
        consts, inits, xs = a[:nc], a[nc:nc + ncar], a[nc + ncar:]
        if not self.torch:
            lines.append(f"{indent}def {fname}_step(carry, xs):")
            lines.append(f"{indent}    out = {fname}({', '.join(consts + ['*carry', '*xs'])})")
            lines.append(f"{indent}    out = out if isinstance(out, tuple) else (out,)")
            lines.append(f"{indent}    return out[:{ncar}], out[{ncar}:]")
            lines.append(f"{indent}{res}_c, {res}_y = lax.scan({fname}_step, {_tuple(inits)}, "
                         f"{_tuple(xs)}, length={length}, reverse={p['reverse']})")
            lines.append(f"{indent}{res} = {res}_c + {res}_y")
            return lines
        lines.append(f"{indent}{res}_c, {res}_y = [{', '.join(inits)}], []")
        order = f"reversed(range({length}))" if p["reverse"] else f"range({length})"
        lines.append(f"{indent}for t in {order}:")
        lines.append(f"{indent}    out = {fname}({', '.join(consts + [f'*{res}_c'] + [f'{x}[t]' for x in xs])})")
        lines.append(f"{indent}    out = out if isinstance(out, tuple) else (out,)")
        lines.append(f"{indent}    {res}_c = list(out[:{ncar}])")
        lines.append(f"{indent}    {res}_y.append(out[{ncar}:])")
        if p["reverse"]:
            lines.append(f"{indent}{res}_y.reverse()")
        ny = len(body.outputs) - ncar
        lines.append(f"{indent}{res} = {res}_c + [torch.stack([y[j] for y in {res}_y]) for j in range({ny})]")
        return lines


def _source(kernel: Kernel | Graph, torch: bool) -> str:
    g = kernel.graph if isinstance(kernel, Kernel) else kernel
    if g is None:
        raise ValueError("this kernel was compiled from MLIR text, not from a tensor program: "
                         "there is no source to emit")
    w = _Writer(torch)
    name = "".join(c if c.isalnum() else "_" for c in g.name) or "kernel"
    body = w.graph(g, name)
    head = ["import math", "import numpy as np", "import torch"] if torch else \
        ["import numpy as np", "import jax", "import jax.numpy as jnp", "from jax import lax"]
    return "\n".join(head + [""] + w.header + ([""] if w.header else []) + body) + "\n"


def jax_source(kernel: Kernel | Graph) -> str:
    """Python source of a jax.numpy function equivalent to the kernel.

    >>> import numpy as np, jax.numpy as jnp
    >>> from situ.kokkos import from_jax
    >>> print(jax_source(from_jax(lambda x: jnp.exp(x).sum(), np.ones(3, "f4"))).splitlines()[-3:])
    ['    v1 = jnp.exp(x0)', '    v2 = jnp.sum(v1, axis=(0,))', '    return v2']
    """
    return _source(kernel, torch=False)


def torch_source(kernel: Kernel | Graph) -> str:
    """Python source of a torch function equivalent to the kernel."""
    return _source(kernel, torch=True)


def load_source(src: str, name: str | None = None) -> Callable:
    """Executes emitted source; returns its (last) function."""
    ns: dict = {}
    exec(compile(src, "<situ.kokkos source>", "exec"), ns)
    fns = [v for k, v in ns.items() if callable(v) and getattr(v, "__module__", None) is None
           and k not in ("np", "jnp", "jax", "lax", "torch", "math")]
    return ns[name] if name else fns[-1]
