"""JAX -> kokkos dialect -> JIT: every supported primitive, small models, round trips.

Each test traces a jax.numpy function, compiles it through libsitu-kokkos and
compares the kernel's outputs with JAX's own on fresh random inputs (the seed is
in the failure message). Tolerances: float32 rtol 2e-5 (sums are reassociated
and vectorised), float64 1e-12, integers and booleans exact.
"""
import math

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402
from jax import lax  # noqa: E402

from situ import kokkos  # noqa: E402
from situ.kokkos.source import load_source  # noqa: E402

jax.config.update("jax_enable_x64", True)


def rand(rng, shape, dtype="f4", lo=-2.0, hi=2.0):
    dt = np.dtype(dtype)
    if dt == np.dtype(bool):
        return rng.random(shape) < 0.5
    if dt.kind == "i":
        return rng.integers(-50, 50, shape).astype(dt)
    return rng.uniform(lo, hi, shape).astype(dt)


def check(fn, *args, rtol=None, seed=None):
    """Kernel outputs == JAX outputs; returns the kernel."""
    k = kokkos.from_jax(fn, *args)
    got = k(*jax.tree_util.tree_leaves(args))
    got = got if isinstance(got, tuple) else (got,)
    ref = [np.asarray(r) for r in jax.tree_util.tree_leaves(fn(*args))]
    assert len(got) == len(ref)
    for g, r in zip(got, ref):
        assert g.shape == r.shape and g.dtype == r.dtype, (g.shape, r.shape, g.dtype, r.dtype)
        if r.dtype.kind == "f":
            tol = rtol or (2e-5 if r.dtype == np.float32 else 1e-12)
            scale = max(1.0, float(np.nanmax(np.abs(r))) if r.size else 1.0)
            np.testing.assert_allclose(g, r, rtol=tol, atol=tol * scale, err_msg=f"seed {seed}")
        else:
            np.testing.assert_array_equal(g, r, err_msg=f"seed {seed}")
    return k


class Rng:
    """A fresh random generator that remembers its seed (for failure messages)."""

    def __init__(self) -> None:
        self.seed = int(np.random.SeedSequence().entropy % 2**32)
        self.gen = np.random.default_rng(self.seed)

    def __getattr__(self, name):
        return getattr(self.gen, name)


@pytest.fixture
def rng():
    return Rng()


UNARY = {
    "neg": lambda x: -x, "abs": jnp.abs, "exp": jnp.exp, "exp2": jnp.exp2, "expm1": jnp.expm1,
    "log": lambda x: jnp.log(jnp.abs(x) + 0.1), "log1p": lambda x: jnp.log1p(jnp.abs(x)),
    "sqrt": lambda x: jnp.sqrt(jnp.abs(x)), "rsqrt": lambda x: lax.rsqrt(jnp.abs(x) + 0.5),
    "tanh": jnp.tanh, "sin": jnp.sin, "cos": jnp.cos, "tan": lambda x: jnp.tan(x * 0.5),
    "atan": jnp.arctan, "sigmoid": jax.nn.sigmoid, "erf": jax.scipy.special.erf,
    "erfc": jax.scipy.special.erfc, "floor": jnp.floor, "ceil": jnp.ceil,
    "round": jnp.round, "round_away": lax.round, "sign": jnp.sign,
    "square": jnp.square, "pow3": lambda x: x ** 3, "powm2": lambda x: (jnp.abs(x) + 1) ** -2,
    "relu": jax.nn.relu, "gelu": jax.nn.gelu, "gelu_exact": lambda x: jax.nn.gelu(x, approximate=False),
    "silu": jax.nn.silu, "softplus": jax.nn.softplus, "isfinite": lambda x: jnp.isfinite(1 / x),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("dtype", ["f4", "f8"])
def test_unary(name, dtype, rng):
    check(UNARY[name], rand(rng, (5, 7), dtype), seed=rng.seed)


BINARY = {
    "add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
    "div": lambda x, y: x / (jnp.abs(y) + 0.5), "max": jnp.maximum, "min": jnp.minimum,
    "pow": lambda x, y: jnp.abs(x) ** y, "rem": lambda x, y: jnp.fmod(x, jnp.abs(y) + 0.5),
    "atan2": jnp.arctan2, "clip": lambda x, y: jnp.clip(x, -0.5, y),
    "clamp": lambda x, y: lax.clamp(jnp.full_like(x, -0.5), x, jnp.full_like(x, 0.7)) + y,
    "lt": lambda x, y: x < y, "le": lambda x, y: x <= y, "gt": lambda x, y: x > y,
    "ge": lambda x, y: x >= y, "eq": lambda x, y: x == jnp.round(y), "ne": lambda x, y: x != y,
    "where": lambda x, y: jnp.where(x > y, x, 2 * y),
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_and_broadcasting(name, rng):
    # (4, 1, 6) with (3, 1): NumPy broadcasting through broadcast_in_dim
    check(BINARY[name], rand(rng, (4, 1, 6)), rand(rng, (3, 1)), seed=rng.seed)


@pytest.mark.parametrize("dtype", ["i4", "i8"])
def test_integer_and_boolean_ops(dtype, rng):
    def f(a, b):
        b = jnp.where(b == 0, 7, b)
        return (a + b * 3, a // b, a % b, jnp.maximum(a, b), a & b, a | b, ~a, -a, jnp.abs(a),
                (a > 0) & (b < 0), (a > 0) | ~(b < 0), (a > 0) ^ (b > 0),
                a.astype(jnp.float32) * 0.5, (a * 0.7).astype(dtype))
    check(f, rand(rng, (6, 5), dtype), rand(rng, (6, 5), dtype), seed=rng.seed)


REDUCTIONS = {
    "sum_all": lambda x: x.sum(), "sum0": lambda x: x.sum(axis=0), "sum12": lambda x: x.sum(axis=(1, 2)),
    "mean_keep": lambda x: x.mean(axis=1, keepdims=True), "max": lambda x: x.max(axis=2),
    "min_all": lambda x: x.min(), "prod": lambda x: jnp.prod(x * 0.5 + 1, axis=1),
    "var": lambda x: x.var(axis=2), "std": lambda x: x.std(axis=(0, 2)),
    "argmax": lambda x: jnp.argmax(x, axis=1), "argmin": lambda x: jnp.argmin(x, axis=2),
    "any": lambda x: jnp.any(x > 1.5, axis=0), "all": lambda x: jnp.all(x > -1.9, axis=(1, 2)),
    "logsumexp": lambda x: jax.nn.logsumexp(x, axis=-1), "softmax": lambda x: jax.nn.softmax(x, axis=1),
    "norm": lambda x: jnp.sqrt((x * x).sum(axis=-1)),
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@pytest.mark.parametrize("dtype", ["f4", "f8"])
def test_reductions(name, dtype, rng):
    check(REDUCTIONS[name], rand(rng, (3, 8, 5), dtype), seed=rng.seed)


def test_reduction_of_integers(rng):
    check(lambda x: (x.sum(axis=0), x.max(), x.min(axis=1), jnp.argmax(x)), rand(rng, (9, 4), "i4"),
          seed=rng.seed)


@pytest.mark.parametrize("case", ["matmul", "matvec", "dot", "batched", "odd", "transposed", "int"])
def test_dot_general(case, rng):
    if case == "matmul":
        check(lambda a, b: a @ b, rand(rng, (13, 37)), rand(rng, (37, 11)), seed=rng.seed)
    elif case == "matvec":
        check(lambda a, v: a @ v, rand(rng, (9, 20)), rand(rng, (20,)), seed=rng.seed)
    elif case == "dot":
        check(lambda a, b: jnp.dot(a, b), rand(rng, (50,), "f8"), rand(rng, (50,), "f8"), seed=rng.seed)
    elif case == "batched":
        check(lambda a, b: jnp.einsum("bij,bjk->bik", a, b), rand(rng, (3, 5, 16)), rand(rng, (3, 16, 7)),
              seed=rng.seed)
    elif case == "odd":   # edge tiles in both free dimensions
        check(lambda a, b: a @ b.T, rand(rng, (7, 9)), rand(rng, (5, 9)), seed=rng.seed)
    elif case == "transposed":
        check(lambda a, b: jnp.einsum("ki,jk->ij", a, b), rand(rng, (24, 6)), rand(rng, (10, 24)),
              seed=rng.seed)
    else:
        check(lambda a, b: a @ b, rand(rng, (4, 12), "i4"), rand(rng, (12, 3), "i4"), seed=rng.seed)


LAYOUT = {
    "slice": lambda x: x[1:5, ::2, -3:], "strided": lambda x: x[::3, 1::4],
    "concat": lambda x: jnp.concatenate([x, 2 * x, x[:, :3]], axis=1),
    "pad": lambda x: jnp.pad(x, ((1, 2), (0, 3), (2, 0)), constant_values=-1.5),
    "crop": lambda x: lax.pad(x, jnp.float32(0), [(-1, 1, 0), (2, -3, 0), (0, 0, 0)]),
    "transpose": lambda x: jnp.transpose(x, (2, 0, 1)), "reshape": lambda x: x.reshape(6, -1) * 2,
    "reshape_split": lambda x: (x.T.reshape(5, 2, 3, 8) + 1).sum(axis=1),
    "expand_squeeze": lambda x: jnp.squeeze(x[None, :1], axis=(0, 1)) + x[0],
    "roll": lambda x: jnp.roll(x, 2, axis=1) - x, "flip": lambda x: x[::-1, :, ::-1],
    "iota": lambda x: x + jnp.arange(5.0) * jnp.arange(8.0)[:, None],
    "tile": lambda x: jnp.tile(x[0], (2, 1)), "repeat": lambda x: jnp.repeat(x[:, 0], 2, axis=0),
    "outer": lambda x: jnp.outer(x[0, 0], x[1, 1]),
}


@pytest.mark.parametrize("name", sorted(LAYOUT))
def test_layout_ops(name, rng):
    check(LAYOUT[name], rand(rng, (6, 8, 5)), seed=rng.seed)


@pytest.mark.parametrize("name", ["cumsum", "cumsum_rev", "cumprod", "cummax", "cummin"])
def test_cumulative(name, rng):
    f = {"cumsum": lambda x: jnp.cumsum(x, axis=1), "cumsum_rev": lambda x: lax.cumsum(x, 0, reverse=True),
         "cumprod": lambda x: jnp.cumprod(x * 0.3 + 1, axis=0), "cummax": lambda x: lax.cummax(x, 1),
         "cummin": lambda x: lax.cummin(x, 0)}[name]
    check(f, rand(rng, (7, 9)), seed=rng.seed)


@pytest.mark.parametrize("case", ["same", "valid_strided", "dilated", "1d", "nhwc", "3d"])
def test_convolution(case, rng):
    if case == "3d":   # the direct loop nest (im2col is for 1-d and 2-d)
        check(lambda x, w: lax.conv_general_dilated(x, w, (1, 2, 1), ((1, 1), (0, 1), (2, 0))),
              rand(rng, (2, 3, 5, 6, 7)), rand(rng, (4, 3, 3, 2, 3)), seed=rng.seed)
        return
    if case == "1d":
        check(lambda x, w: lax.conv_general_dilated(x, w, (1,), "SAME"), rand(rng, (2, 3, 17)),
              rand(rng, (4, 3, 5)), seed=rng.seed)
        return
    if case == "nhwc":
        f = lambda x, w: lax.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))
        check(f, rand(rng, (2, 9, 10, 3)), rand(rng, (3, 3, 3, 5)), seed=rng.seed)
        return
    opts = {"same": dict(window_strides=(1, 1), padding="SAME"),
            "valid_strided": dict(window_strides=(2, 3), padding="VALID"),
            "dilated": dict(window_strides=(1, 1), padding=((2, 1), (0, 2)), rhs_dilation=(2, 1))}[case]
    check(lambda x, w: lax.conv_general_dilated(x, w, **opts), rand(rng, (2, 3, 11, 12)),
          rand(rng, (5, 3, 3, 3)), seed=rng.seed)


def test_pooling(rng):
    def f(x):
        mx = lax.reduce_window(x, -jnp.inf, lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")
        avg = lax.reduce_window(x, 0.0, lax.add, (1, 1, 3, 3), (1, 1, 1, 1), "SAME") / 9
        mn = lax.reduce_window(x, jnp.inf, lax.min, (1, 1, 2, 3), (1, 1, 1, 2), "VALID")
        return mx, avg, mn
    check(f, rand(rng, (2, 3, 8, 9)), seed=rng.seed)


def test_fori_loop_and_scan(rng):
    def f(u, xs):
        u = lax.fori_loop(0, 4, lambda i, u: u * 0.9 + jnp.roll(u, 1, 0) * 0.1 + i, u)

        def step(c, x):
            c = c * 0.5 + x
            return c, (c.sum(), c * 2)
        c, (s, ys) = lax.scan(step, u[0], xs)
        c2, ys2 = lax.scan(lambda c, x: (c + x, c), u[1], xs, reverse=True)
        return u, c, s, ys, c2, ys2
    check(f, rand(rng, (6, 5)), rand(rng, (3, 5)), seed=rng.seed)


def test_calls_nested_jit_custom_jvp_vjp_checkpoint(rng):
    """Call-like primitives are inlined: nested jax.jit, custom_jvp/custom_vjp
    functions (their primal), jax.checkpoint."""
    inner = jax.jit(lambda x: jnp.sin(x) * 2)

    @jax.custom_vjp
    def cube(x):
        return x * x * x
    cube.defvjp(lambda x: (cube(x), x), lambda x, g: (3 * x * x * g,))

    @jax.custom_jvp
    def softclip(x):
        return jnp.tanh(x) * 1.5
    softclip.defjvp(lambda p, t: (softclip(p[0]), t[0]))

    f = jax.jit(lambda x, y: (inner(x) + jax.jit(lambda a: inner(a) * a)(y), cube(x) - softclip(y),
                              jax.checkpoint(lambda a: jnp.exp(a) * a)(x)))
    check(f, rand(rng, (5, 6)), rand(rng, (5, 6)), seed=rng.seed)


def test_closure_constants_and_dtypes(rng):
    w = rand(rng, (5, 4), "f4")
    check(lambda x: (x @ w).astype(jnp.float64) + jnp.float64(1e-3), rand(rng, (3, 5)), seed=rng.seed)


# -- small models ----------------------------------------------------------------------
def mlp(params, x):
    for i, (w, b) in enumerate(params):
        x = x @ w + b
        if i < len(params) - 1:
            x = jax.nn.gelu(x)
    return jax.nn.log_softmax(x, axis=-1)


def cnn(params, x):
    w1, w2, wd = params
    y = jax.nn.relu(lax.conv_general_dilated(x, w1, (1, 1), "SAME"))
    y = lax.reduce_window(y, -jnp.inf, lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")
    y = jax.nn.relu(lax.conv_general_dilated(y, w2, (1, 1), "SAME"))
    y = y.mean(axis=(2, 3))
    return y @ wd


def heat_steps(u, alpha):
    def step(i, u):
        lap = (jnp.roll(u, 1, 0) + jnp.roll(u, -1, 0) + jnp.roll(u, 1, 1) + jnp.roll(u, -1, 1) - 4 * u)
        return u + alpha * lap
    return lax.fori_loop(0, 10, step, u)


def test_models(rng):
    params = [(rand(rng, (16, 32), lo=-.3, hi=.3), rand(rng, (32,))), (rand(rng, (32, 10), lo=-.3, hi=.3),
                                                                       rand(rng, (10,)))]
    check(mlp, params, rand(rng, (8, 16)), seed=rng.seed)
    cparams = [rand(rng, (4, 1, 3, 3)), rand(rng, (8, 4, 3, 3)), rand(rng, (8, 3))]
    check(cnn, cparams, rand(rng, (2, 1, 12, 12)), seed=rng.seed)
    check(heat_steps, rand(rng, (32, 24), "f8"), np.float64(0.2), seed=rng.seed)


# -- interop ----------------------------------------------------------------------------
def test_to_jax_under_jit_and_round_trip(rng):
    x, w = rand(rng, (8, 16)), rand(rng, (16, 4))
    k = kokkos.from_jax(lambda x, w: jnp.tanh(x @ w), x, w)
    f = kokkos.to_jax(k)
    g = jax.jit(lambda x, w: f(x * 2, w) + 1)   # the custom call inside a larger jitted graph
    np.testing.assert_allclose(g(x, w), np.tanh((2 * x) @ w) + 1, rtol=2e-5, atol=2e-5)
    # JAX -> kokkos -> JAX source -> kokkos again: same results
    src = kokkos.jax_source(k)
    h = load_source(src)
    np.testing.assert_allclose(np.asarray(h(x, w)), k(x, w), rtol=2e-5, atol=2e-5)
    k2 = kokkos.from_jax(h, x, w)
    np.testing.assert_allclose(k2(x, w), k(x, w), rtol=2e-5, atol=2e-5)


def test_emitted_sources_match(rng):
    import torch
    u = rand(rng, (10, 9), "f8")
    xs = rand(rng, (4, 9), "f8")
    fns = [(heat_steps, (u, np.float64(0.1))),
           (lambda a, b: (jnp.cumsum(a, 0)[::2], jnp.pad(a, ((1, 0), (0, 2)))[:, 2:] @ b.T,
                          lax.scan(lambda c, x: (c * 0.5 + x, c.max()), a[0], b)[1]), (u, xs))]
    for fn, args in fns:
        k = kokkos.from_jax(fn, *args)
        ref = [np.asarray(r) for r in jax.tree_util.tree_leaves(fn(*args))]
        outs_j = jax.tree_util.tree_leaves(load_source(kokkos.jax_source(k))(*args))
        outs_t = load_source(kokkos.torch_source(k))(*[torch.from_numpy(np.asarray(a)) for a in args])
        outs_t = outs_t if isinstance(outs_t, tuple) else (outs_t,)
        for r, a, t in zip(ref, outs_j, outs_t):
            np.testing.assert_allclose(np.asarray(a), r, rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(t.numpy(), r, rtol=1e-12, atol=1e-12)


def test_unsupported_primitive_names_op_and_line():
    def f(x):
        return jnp.sort(x)   # the line the error must name
    line = f.__code__.co_firstlineno + 1
    with pytest.raises(kokkos.Unsupported) as e:
        kokkos.from_jax(f, np.ones(4, "f4"))
    msg = str(e.value)
    assert "'sort'" in msg and f"test_kokkos_jax.py:{line}" in msg, msg


def _sorted_twice(x):
    return jnp.sort(x) * 2   # the line the error must name, from inside a nested jit


def test_unsupported_primitive_in_nested_jit_and_scan_names_user_line():
    line = _sorted_twice.__code__.co_firstlineno + 1
    with pytest.raises(kokkos.Unsupported) as e:
        kokkos.from_jax(jax.jit(lambda x: jax.jit(_sorted_twice)(x + 1)), np.ones(4, "f4"))
    assert "'sort'" in str(e.value) and f"test_kokkos_jax.py:{line}" in str(e.value), str(e.value)

    def body(c, a):
        return c + jnp.sort(a), c   # the line the error must name, in a scan body
    line = body.__code__.co_firstlineno + 1
    with pytest.raises(kokkos.Unsupported) as e:
        kokkos.from_jax(lambda x: lax.scan(body, x[0], x)[0], np.ones((3, 4), "f4"))
    assert "'sort'" in str(e.value) and f"test_kokkos_jax.py:{line}" in str(e.value), str(e.value)


def test_bad_call_arguments_are_named():
    k = kokkos.from_jax(lambda x: x + 1, np.ones((2, 3), "f4"))
    with pytest.raises(ValueError, match=r"input 0 has shape \(3, 2\), expected \(2, 3\)"):
        k(np.ones((3, 2), "f4"))
    with pytest.raises(TypeError, match="takes 1 inputs, got 2"):
        k(np.ones((2, 3)), np.ones((2, 3)))


def test_float32_vector_math_accuracy():
    """exp, tanh, erf on float32 are vectorisable polynomials (vecmath.py): check them
    over their whole range against float64 references, with the special values."""
    from math import erf
    x = np.concatenate([np.linspace(-110, 95, 200001), [0.0, -0.0, 1e-30, -1e-8, 3e-3]]).astype("f4")
    special = np.array([np.nan, np.inf, -np.inf], "f4")
    k = kokkos.from_jax(lambda x: (jnp.exp(x), jnp.tanh(x), jax.scipy.special.erf(x)), x)
    e, t, f = k(x)
    ref_e = np.exp(x.astype("f8"))
    normal = (ref_e > 1.2e-38) & (ref_e < 3.4e38)
    assert np.max(np.abs(e[normal] - ref_e[normal]) / ref_e[normal]) < 2e-7          # ~2 ulp
    assert np.all(np.isinf(e[ref_e > 3.41e38])) and np.all(e[ref_e < 1.2e-38] < 1.2e-38)
    np.testing.assert_allclose(t, np.tanh(x.astype("f8")), rtol=4e-7, atol=1e-37)
    ref_f = np.array([erf(v) for v in x.astype("f8")])
    np.testing.assert_allclose(f, ref_f, rtol=1e-6, atol=3e-7)
    ks = kokkos.from_jax(lambda x: (jnp.exp(x), jnp.tanh(x), jax.scipy.special.erf(x)), special)
    se, st, sf = ks(special)
    np.testing.assert_array_equal(se, [np.nan, np.inf, 0.0])
    np.testing.assert_array_equal(st, [np.nan, 1.0, -1.0])
    np.testing.assert_array_equal(sf, [np.nan, 1.0, -1.0])
