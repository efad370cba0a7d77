"""The public front ends: a JAX function or a PyTorch model -> compiled kernel."""
from __future__ import annotations

from typing import Callable

from .ir import Graph
from .lower import entry_name, lower
from .runtime import Kernel


def compile_graph(graph: Graph, parallel: bool = True) -> Kernel:
    """Lowers a tensor program to the Kokkos dialect and JIT-compiles it."""
    entry = entry_name(graph)
    return Kernel(lower(graph, entry), entry, len(graph.inputs), graph, parallel)


def from_jax(fn: Callable, *example_args, parallel: bool = True) -> Kernel:
    """Translates ``fn`` (traced at the example arguments' shapes and dtypes) into
    a Kokkos-dialect kernel and compiles it. The kernel's ``ir`` is the module text.

    >>> import numpy as np, jax.numpy as jnp
    >>> k = from_jax(lambda x: jnp.cumsum(x * 2), np.arange(4, dtype="f4"))
    >>> k(np.arange(4, dtype="f4"))
    array([ 0.,  2.,  6., 12.], dtype=float32)
    """
    from .jaxfront import graph_from_jax
    return compile_graph(graph_from_jax(fn, *example_args), parallel)


def from_torch(model: Callable, *example_args, parallel: bool = True) -> Kernel:
    """Translates a ``torch.nn.Module`` or function through ``torch.export`` (core
    ATen) into a Kokkos-dialect kernel and compiles it. The module's parameters
    and buffers are bound to the kernel (passed after the caller's inputs).

    >>> import torch
    >>> k = from_torch(torch.nn.ReLU(), torch.tensor([-1.0, 2.0]))
    >>> k(torch.tensor([-1.0, 2.0]).numpy())
    array([0., 2.], dtype=float32)
    """
    from .torchfront import graph_from_torch
    return compile_graph(graph_from_torch(model, *example_args), parallel)
