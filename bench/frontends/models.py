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
