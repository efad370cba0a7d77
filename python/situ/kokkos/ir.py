"""The tensor program both front ends produce: a DAG of static-shape array ops.

JAX (jaxpr) and PyTorch (torch.export, core ATen) programs are translated into
this small op set; :mod:`situ.kokkos.lower` turns it into one Kokkos-dialect
kernel and :mod:`situ.kokkos.source` back into jax.numpy / torch source.

Ops (``Node.op``) and their parameters (``Node.p``):

=============  ==============================================================
input          index, name                 a kernel argument
const          value (numpy array)         baked into the kernel
unary          fn                          neg exp log tanh sqrt ... (elementwise)
binary         fn                          add sub mul div max min pow rem and or ...
compare        fn                          lt le gt ge eq ne
select         -                           (pred, on_true, on_false)
convert        -                           to ``Node.dtype``
broadcast      dims                        operand dim k -> output dim dims[k]
reshape        -
transpose      perm                        out dim k is operand dim perm[k]
slice          start, stride
reverse        dims
take           axis                        (operand, 1-d integer indices): index_select
pad            lo, hi                      (operand, scalar pad value); negative = crop
concat         axis
iota           dim
reduce         kind, axes                  sum prod max min and or; axes removed
argreduce      kind, axis                  argmax / argmin; axis removed
dot            lc, rc, lb, rb              out = batch, lhs free, rhs free dims
conv           stride, lo, hi, dilation    lhs (N, C, *S), rhs (O, C, *K)
pool           kind, window, stride, lo, hi   over the trailing len(window) dims
cumulative     kind, axis, reverse         running sum prod max min
loop           length, body, n_consts, n_carry, reverse   (a scan; see Graph)
item           index                       one result of a loop
=============  ==============================================================

Elementwise operands always have the node's shape, or are 0-d.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

SUPPORTED_DTYPES = tuple(np.dtype(t) for t in ("bool", "i4", "i8", "f4", "f8"))


class Unsupported(NotImplementedError):
    """An op, dtype or parameter the translation does not cover.

    The message names the op and the user's source line."""


@dataclass(eq=False)
class Node:
    op: str
    args: tuple["Node", ...]
    shape: tuple[int, ...]
    dtype: np.dtype
    p: dict[str, Any] = field(default_factory=dict)
    where: str = ""          # the user's source line, for messages

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def __repr__(self) -> str:
        return f"Node({self.op}, {self.shape}, {self.dtype})"


@dataclass(eq=False)
class Graph:
    """Inputs (``input`` nodes, in argument order) and outputs of a tensor program.

    ``params`` holds values bound to trailing inputs (a PyTorch module's weights):
    the kernel takes them as arguments, callers pass only the first
    ``len(inputs) - len(params)``."""
    inputs: list[Node]
    outputs: list[Node]
    params: list[np.ndarray] = field(default_factory=list)
    name: str = "kernel"

    @property
    def n_user_inputs(self) -> int:
        return len(self.inputs) - len(self.params)


def check_dtype(dt: Any, what: str) -> np.dtype:
    d = np.dtype(dt)
    if d not in SUPPORTED_DTYPES:
        raise Unsupported(f"{what}: dtype {d} (supported: bool, int32, int64, float32, float64)")
    return d


def nodes_of(outputs: Sequence[Node]) -> list[Node]:
    """Every node the outputs depend on, producers first."""
    order: list[Node] = []
    seen: set[int] = set()
    stack: list[tuple[Node, bool]] = [(o, False) for o in reversed(outputs)]
    while stack:
        n, done = stack.pop()
        if done:
            order.append(n)
            continue
        if id(n) in seen:
            continue
        seen.add(id(n))
        stack.append((n, True))
        for a in reversed(n.args):
            if id(a) not in seen:
                stack.append((a, False))
    return order
