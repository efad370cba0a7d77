"""situ.kokkos: JAX and PyTorch programs <-> Kokkos-dialect kernels.

>>> import numpy as np, jax.numpy as jnp
>>> from situ import kokkos
>>> k = kokkos.from_jax(lambda x, y: jnp.tanh(x @ y).sum(axis=0), np.ones((4, 3), "f4"), np.ones((3, 2), "f4"))
>>> "kokkos.parallel_for" in k.ir
True
>>> np.allclose(k(np.ones((4, 3), "f4"), np.ones((3, 2), "f4")), 4 * np.tanh(3.0))
True
"""
from .ir import Graph, Node, Unsupported
from .runtime import Kernel, KokkosError
from .front import from_jax, from_torch, compile_graph
from .interop import to_jax, to_torch
from .source import jax_source, torch_source
from .native import SourceKernel, emit_source

__all__ = ["from_jax", "from_torch", "to_jax", "to_torch", "jax_source", "torch_source", "Kernel",
           "SourceKernel", "emit_source", "KokkosError", "Unsupported", "Graph", "Node", "compile_graph"]
