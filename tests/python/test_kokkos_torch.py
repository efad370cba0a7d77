"""PyTorch -> kokkos dialect -> JIT: core ATen ops, nn layers, small models, round trips.

Outputs of the compiled kernel are compared with PyTorch's own (eval mode, no
grad) on fresh random inputs; float32 tolerance rtol = atol = 2e-5 (scaled by
the output's magnitude): sums are reassociated and vectorised.
"""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from situ import kokkos  # noqa: E402
from situ.kokkos.source import load_source  # noqa: E402


@pytest.fixture
def seed():
    s = int(np.random.SeedSequence().entropy % 2**31)
    torch.manual_seed(s)
    return s


def check(model, *args, seed=None, tol=2e-5):
    k = kokkos.from_torch(model, *args)
    got = k(*[a.numpy() for a in args])
    got = got if isinstance(got, tuple) else (got,)
    with torch.no_grad():
        ref = model(*args)
    ref = ref if isinstance(ref, (tuple, list)) else (ref,)
    assert len(got) == len(ref)
    for g, r in zip(got, ref):
        r = r.numpy()
        assert g.shape == r.shape and g.dtype == r.dtype, (g.shape, r.shape, g.dtype, r.dtype)
        if r.dtype.kind == "f":
            scale = max(1.0, float(np.abs(r).max()) if r.size else 1.0)
            np.testing.assert_allclose(g, r, rtol=tol, atol=tol * scale, err_msg=f"seed {seed}")
        else:
            np.testing.assert_array_equal(g, r, err_msg=f"seed {seed}")
    return k


class Fn(nn.Module):
    def __init__(self, f):
        super().__init__()
        self.f = f

    def forward(self, *xs):
        return self.f(*xs)


OPS = {
    "add_sub_mul_div": lambda x, y, z: (x + 2 * y, x - y, x * y, x / (y.abs() + 0.5), 1 - x, x / 3),
    "floor_divide": lambda x, y, z: torch.floor_divide(x, y.abs() + 0.5),
    "pow": lambda x, y, z: (x.abs() ** 1.5, torch.pow(x.abs() + 0.1, y)),
    "div_modes": lambda x, y, z: (torch.div(x, y, rounding_mode="trunc"), torch.div(x, y, rounding_mode="floor"),
                                  torch.fmod(x, y), torch.fmod(x, 0.7), torch.remainder(x, y), x % -0.6),
    "minmax": lambda x, y, z: (torch.maximum(x, y), torch.minimum(x, y), torch.clamp(x, -0.5, 0.7),
                               torch.max(x, y), torch.min(x, y), x.clamp(min=0.1), x.clamp(max=-0.2)),
    "compare": lambda x, y, z: (x < y, x <= 0.3, x > y, x >= y, x == x.round(), x != y),
    "logical": lambda x, y, z: ((x > 0) & (y > 0), (x > 0) | (y < 0), ~(x > 0), torch.logical_xor(x > 0, y > 0),
                               torch.logical_or(x > 0.5, y), torch.logical_and(x, y > 0), torch.logical_not(x > 0)),
    "where": lambda x, y, z: torch.where(x > y, x, y * 2),
    "unary": lambda x, y, z: (torch.exp(x), torch.log(x.abs() + 0.1), torch.sqrt(x.abs()), torch.rsqrt(x.abs() + 1),
                           torch.tanh(x), torch.sigmoid(x), torch.sin(x), torch.cos(x), torch.erf(x),
                           torch.floor(x), torch.ceil(x), torch.round(x * 3), torch.sign(x), torch.abs(x), -x,
                           torch.reciprocal(x.abs() + 1), torch.square(x), torch.expm1(x), torch.log1p(x.abs()),
                           torch.exp2(x), torch.tan(x * 0.5), torch.atan(x * 3),
                           torch.isfinite(x / x.round())),   # x / 0: inf or nan
    "activations": lambda x, y, z: (F.relu(x), F.gelu(x), F.gelu(x, approximate="tanh"), F.silu(x),
                                 F.leaky_relu(x, 0.2), F.hardtanh(x), F.softplus(x), F.elu(x)),
    "softmax": lambda x, y, z: (torch.softmax(x, -1), torch.log_softmax(x, 0), torch.softmax(z, 1)),
    "reductions": lambda x, y, z: (x.sum(), x.sum(1), x.mean(0, keepdim=True), x.amax(1), x.amin(0),
                                x.max(), x.prod(1), (x > 0).any(1), (x > -1.9).all(0), x.var(1), x.std(0),
                                torch.norm(x, dim=1), torch.logsumexp(x, 1), *x.max(1), *x.min(0, keepdim=True), x.min()),
    "arg": lambda x, y, z: (x.argmax(1), x.argmin(0), x.argmax()),
    "cumulative": lambda x, y, z: (x.cumsum(1), torch.cumprod(x * 0.3 + 1, 0)),
    "layout": lambda x, y, z: (x.t(), x.permute(1, 0).reshape(-1), x[1:, ::2], x[:, 1], x.unsqueeze(0),
                            torch.cat([x, z.t()[:, :3]], 1), x.flatten(), x.expand(2, 6, 7),
                            F.pad(x, (1, 2, 0, 1), value=0.5), torch.flip(x, [0]), x.transpose(0, 1),
                               torch.roll(x, 2, 1), torch.index_select(x, 0, torch.tensor([3, 0, 5])),
                               x.view(7, 6), x.unsqueeze(1).squeeze(1) * 2, x[None, :, None].squeeze()),
    "matmul": lambda x, y, z: (x @ z, torch.mm(x, z), torch.matmul(x.unsqueeze(0).expand(3, 6, 7), z),
                               torch.einsum("ij,jk->ik", x, z), torch.bmm(x.expand(2, 6, 7), z.expand(2, 7, 6))),
    "creation": lambda x, y, z: (torch.zeros_like(x) + 1, torch.ones(3, 4) * x[0, 0], torch.full((2, 2), 3.5),
                                 torch.full_like(y, 2.0) * y, torch.ones_like(z) - z, torch.zeros(2, 3) + x[1, :3],
                              torch.arange(7) * 2 + x.sum(0)),
    "dtypes": lambda x, y, z: ((x * 10).to(torch.int32), (x > 0).float(), x.double() * 2, (x * 10).long() % 3),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_aten_ops(name, seed):
    # y broadcasts against x; z is x's transpose in shape (for products)
    check(Fn(OPS[name]), torch.randn(6, 7), torch.randn(1, 7), torch.randn(7, 6), seed=seed)


@pytest.mark.parametrize("dtype", [torch.int32, torch.int64])
def test_integer_ops(dtype, seed):
    """Integer division in every rounding mode (C truncates, Python floors), fmod,
    remainder and elementwise max/min, against PyTorch on both signs."""
    def f(a, b):
        return (torch.div(a, b, rounding_mode="trunc"), torch.div(a, b, rounding_mode="floor"), a // b,
                torch.div(a, b), torch.fmod(a, b), a % b, torch.max(a, b), torch.min(a, b), a * 3 - b)
    a = torch.randint(-50, 50, (5, 8), dtype=dtype)
    b = torch.randint(1, 9, (5, 8), dtype=dtype) * (torch.randint(0, 2, (5, 8), dtype=dtype) * 2 - 1)
    check(Fn(f), a, b, seed=seed)


LAYERS = {
    "linear": (lambda: nn.Linear(12, 9), (5, 12)),
    "linear_3d": (lambda: nn.Linear(12, 9, bias=False), (2, 5, 12)),
    "conv1d": (lambda: nn.Conv1d(3, 4, 5, padding=2), (2, 3, 16)),
    "conv2d": (lambda: nn.Conv2d(3, 6, 3, padding=1), (2, 3, 10, 9)),
    "conv2d_strided": (lambda: nn.Conv2d(2, 4, (3, 2), stride=2, dilation=(1, 2)), (1, 2, 11, 12)),
    "conv3d": (lambda: nn.Conv3d(2, 3, 3, stride=(1, 2, 1), padding=1), (2, 2, 5, 6, 4)),
    "layernorm": (lambda: nn.LayerNorm(10), (4, 3, 10)),
    "batchnorm": (lambda: nn.BatchNorm2d(3), (2, 3, 5, 5)),
    "maxpool": (lambda: nn.MaxPool2d(2), (2, 3, 8, 9)),
    "maxpool_pad": (lambda: nn.MaxPool2d(3, stride=2, padding=1), (1, 2, 9, 9)),
    "avgpool": (lambda: nn.AvgPool2d(2), (2, 3, 8, 8)),
    "avgpool1d": (lambda: nn.AvgPool1d(3, stride=1, padding=1), (2, 3, 9)),
    "maxpool1d": (lambda: nn.MaxPool1d(2), (2, 3, 10)),
    "adaptive_avg": (lambda: nn.AdaptiveAvgPool2d(1), (2, 3, 6, 6)),
    "relu_gelu_tanh": (lambda: nn.Sequential(nn.ReLU(), nn.GELU(), nn.Tanh()), (3, 8)),
    "softmax": (lambda: nn.Softmax(dim=-1), (3, 8)),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layers(name, seed):
    make, shape = LAYERS[name]
    m = make().eval()
    if name == "batchnorm":   # non-trivial running statistics
        m.running_mean.uniform_(-1, 1)
        m.running_var.uniform_(0.5, 2)
    check(m, torch.randn(*shape), seed=seed)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 64), nn.GELU(), nn.Linear(64, 10))

    def forward(self, x):
        return torch.log_softmax(self.net(x), dim=-1)


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(1, 8, 3, padding=1), nn.Conv2d(8, 16, 3, padding=1)
        self.fc = nn.Linear(16 * 4 * 4, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        return self.fc(x.flatten(1))


class Attention(nn.Module):
    """A pre-norm transformer block: multi-head self-attention, then an MLP."""

    def __init__(self, d=32, heads=4):
        super().__init__()
        self.n1, self.n2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.att = nn.MultiheadAttention(d, heads, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))

    def forward(self, x):
        h = self.n1(x)
        x = x + self.att(h, h, h, need_weights=False)[0]
        return x + self.mlp(self.n2(x))


class SDPA(nn.Module):
    def forward(self, q, k, v):
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)


@pytest.mark.parametrize("name", ["mlp", "cnn", "attention", "sdpa"])
def test_models(name, seed):
    if name == "sdpa":
        check(SDPA(), torch.randn(2, 3, 8, 16), torch.randn(2, 3, 8, 16), torch.randn(2, 3, 8, 16), seed=seed)
        return
    model, shape = {"mlp": (MLP, (16, 32)), "cnn": (CNN, (2, 1, 16, 16)),
                    "attention": (Attention, (2, 10, 32))}[name]
    check(model().eval(), torch.randn(*shape), seed=seed)


def test_to_torch_custom_op_and_round_trip(seed):
    m = MLP().eval()
    x = torch.randn(16, 32)
    k = kokkos.from_torch(m, x)
    f = kokkos.to_torch(k)
    with torch.no_grad():
        ref = m(x)
        np.testing.assert_allclose(f(x).numpy(), ref.numpy(), rtol=2e-5, atol=2e-5)
        # inside a torch.compile'd function (the op has a fake implementation)
        g = torch.compile(lambda x: f(x).exp().sum(-1))
        np.testing.assert_allclose(g(x).numpy(), ref.exp().sum(-1).numpy(), rtol=2e-5, atol=2e-5)
    # PyTorch -> kokkos -> torch source -> kokkos again: same results
    src = kokkos.torch_source(k)
    h = load_source(src)
    with torch.no_grad():
        np.testing.assert_allclose(h(x, *[torch.from_numpy(p) for p in k.params]).numpy(), ref.numpy(),
                                   rtol=2e-5, atol=2e-5)
    k2 = kokkos.from_torch(lambda x: h(x, *[torch.from_numpy(p) for p in k.params]), x)
    np.testing.assert_allclose(k2(x.numpy()), k(x.numpy()), rtol=2e-5, atol=2e-5)


def test_to_torch_is_zero_copy(seed, monkeypatch):
    """The kernel reads the caller's tensor and the module's weights where they are
    and writes straight into the tensor that is returned: the pointers it receives
    are those tensors' own storage. Only a non-contiguous input is copied."""
    m = nn.Linear(12, 9).eval()
    x = torch.randn(5, 12)
    k = kokkos.from_torch(m, x)
    f = kokkos.to_torch(k)
    calls: list[list[int]] = []
    real = k.call_pointers
    monkeypatch.setattr(k, "call_pointers", lambda ps: (calls.append(list(ps)), real(ps))[1])
    with torch.no_grad():
        ref = m(x).numpy()
        y1, y2 = f(x), f(x)
        xt = torch.randn(12, 5).t()   # non-contiguous: the one case that is copied
        y3 = f(xt)
        w = [torch.from_numpy(p) for p in k.params]
        (y4,) = f.op([x, *w])         # the registered op (what torch.compile calls), not f's eager path
    np.testing.assert_allclose(y1.numpy(), ref, rtol=2e-5, atol=2e-5, err_msg=f"seed {seed}")
    np.testing.assert_allclose(y3.numpy(), m(xt).detach().numpy(), rtol=2e-5, atol=2e-5, err_msg=f"seed {seed}")
    assert len(calls) == 4
    weights = [p.ctypes.data for p in k.params]
    np.testing.assert_array_equal(y4.numpy(), y1.numpy())
    for ps, y in zip(calls[:2] + calls[3:], (y1, y2, y4)):
        assert ps[0] == x.data_ptr()                  # input: the caller's storage
        assert ps[1:3] == weights                      # weights: bound once, not copied per call
        assert ps[3] == y.data_ptr()                   # output: written in place, returned as is
    assert y1.data_ptr() != y2.data_ptr()              # each call returns a fresh output
    assert calls[2][0] != xt.data_ptr() and calls[2][3] == y3.data_ptr()
    # eager calls skip the dispatcher; traced ones must still record the op
    ep = torch.export.export(Fn(lambda x: f(x) * 2), (x,))
    assert any(str(n.target).startswith("situ.") for n in ep.graph.nodes), ep.graph


def test_unsupported_op_names_op_and_line():
    class Bad(nn.Module):
        def forward(self, x):
            return torch.sort(x).values   # the line the error must name
    line = Bad.forward.__code__.co_firstlineno + 1
    with pytest.raises(kokkos.Unsupported) as e:
        kokkos.from_torch(Bad(), torch.randn(5))
    msg = str(e.value)
    assert "aten.sort" in msg and f"test_kokkos_torch.py:{line}" in msg, msg


def test_unsupported_op_in_submodule_names_its_line():
    class Sub(nn.Module):
        def forward(self, x):
            return torch.topk(x, 2).values + 1   # the line the error must name

    class Outer(nn.Module):
        def __init__(self):
            super().__init__()
            self.sub, self.lin = Sub(), nn.Linear(5, 5)

        def forward(self, x):
            return self.sub(self.lin(x))
    line = Sub.forward.__code__.co_firstlineno + 1
    with pytest.raises(kokkos.Unsupported) as e:
        kokkos.from_torch(Outer().eval(), torch.randn(3, 5))
    msg = str(e.value)
    assert "aten.topk" in msg and f"test_kokkos_torch.py:{line}" in msg, msg


def test_bad_inputs_are_named():
    k = kokkos.from_torch(nn.ReLU(), torch.randn(3))
    f = kokkos.to_torch(k)
    with pytest.raises(ValueError, match=r"input 0 has shape \(4,\), expected \(3,\)"):
        f(torch.randn(4))
    with pytest.raises(TypeError, match="takes 1 inputs, got 2"):
        f(torch.randn(3), torch.randn(3))
