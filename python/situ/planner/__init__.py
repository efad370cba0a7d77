"""Placement of analytics: per-block stages found in the Dask graph, compiled to
Kokkos-dialect kernels that run inside the simulation, the rest left to Dask."""
from .graph import BlockStage, Template, step_graph, trace
from .trace import Unmappable

__all__ = ["BlockStage", "Template", "Unmappable", "step_graph", "trace"]
