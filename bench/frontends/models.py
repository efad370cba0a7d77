"""The models of bench/frontends, shared by the CPU (run.py) and GPU (gpu.py) runs."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1, self.l2, self.l3 = nn.Linear(256, 512), nn.Linear(512, 512), nn.Linear(512, 10)

    def forward(self, x):
        return self.l3(F.gelu(self.l2(F.relu(self.l1(x)))))


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(3, 16, 3, padding=1), nn.Conv2d(16, 32, 3, padding=1)
        self.fc = nn.Linear(32 * 8 * 8, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        return self.fc(x.flatten(1))


class Block(nn.Module):
    """Pre-norm transformer block: multi-head self-attention, then an MLP."""

    def __init__(self, d=64, heads=4):
        super().__init__()
        self.n1, self.n2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.att = nn.MultiheadAttention(d, heads, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x):
        h = self.n1(x)
        x = x + self.att(h, h, h, need_weights=False)[0]
        return x + self.mlp(self.n2(x))


class Stencil(nn.Module):
    """Ten explicit heat-equation steps (periodic 5-point Laplacian)."""

    def forward(self, u):
        for _ in range(10):
            u = u + 0.2 * (torch.roll(u, 1, 0) + torch.roll(u, -1, 0) + torch.roll(u, 1, 1)
                           + torch.roll(u, -1, 1) - 4 * u)
        return u


CASES = [("mlp", MLP, (64, 256)), ("cnn", CNN, (8, 3, 32, 32)), ("attention", Block, (4, 64, 64)),
         ("stencil", Stencil, (256, 256))]


def make(name: str):
    """(model in eval mode with seeded weights, example input)."""
    torch.manual_seed(0)
    cls, shape = {n: (c, s) for n, c, s in CASES}[name]
    return cls().eval(), torch.randn(*shape)


def jax_of(model):
    """The module's forward in jax.numpy with the same weights (for JAX jit)."""
    import jax
    import jax.numpy as jnp
    from jax import lax
    if isinstance(model, Stencil):
        return heat_jax
    p = {k: jnp.asarray(v.detach().numpy()) for k, v in model.state_dict().items()}
    lin = lambda x, n: x @ p[n + ".weight"].T + p[n + ".bias"]
    if isinstance(model, MLP):
        return lambda x: lin(jax.nn.gelu(lin(jax.nn.relu(lin(x, "l1")), "l2"), approximate=False), "l3")
    if isinstance(model, CNN):
        def conv(x, n):
            y = lax.conv_general_dilated(x, p[n + ".weight"], (1, 1), "SAME")
            return y + p[n + ".bias"][None, :, None, None]
        pool = lambda y: lax.reduce_window(y, -jnp.inf, lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")
        return lambda x: lin(pool(jax.nn.relu(conv(pool(jax.nn.relu(conv(x, "c1"))), "c2"))).reshape(x.shape[0], -1), "fc")

    def ln(x, n):
        m = x.mean(-1, keepdims=True)
        v = ((x - m) ** 2).mean(-1, keepdims=True)
        return (x - m) / jnp.sqrt(v + 1e-5) * p[n + ".weight"] + p[n + ".bias"]

    def att(h):
        B, T, D = h.shape
        qkv = h @ p["att.in_proj_weight"].T + p["att.in_proj_bias"]
        q, k, v = (qkv[..., i * D:(i + 1) * D].reshape(B, T, 4, D // 4).transpose(0, 2, 1, 3) for i in range(3))
        a = jax.nn.softmax(q @ k.transpose(0, 1, 3, 2) / jnp.sqrt(D // 4), axis=-1) @ v
        return a.transpose(0, 2, 1, 3).reshape(B, T, D) @ p["att.out_proj.weight"].T + p["att.out_proj.bias"]

    def block(x):
        x = x + att(ln(x, "n1"))
        h = jax.nn.gelu(ln(x, "n2") @ p["mlp.0.weight"].T + p["mlp.0.bias"], approximate=False)
        return x + h @ p["mlp.2.weight"].T + p["mlp.2.bias"]
    return block


def heat_jax(u):
    """Stencil in jax.numpy (what the stencil row of run.py translates from JAX)."""
    import jax.numpy as jnp
    from jax import lax

    def step(i, u):
        return u + 0.2 * (jnp.roll(u, 1, 0) + jnp.roll(u, -1, 0) + jnp.roll(u, 1, 1) + jnp.roll(u, -1, 1) - 4 * u)
    return lax.fori_loop(0, 10, step, u)
