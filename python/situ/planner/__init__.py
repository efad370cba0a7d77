"""Placement of analytics: per-block stages found in the Dask graph, compiled to
Kokkos-dialect kernels that run inside the simulation, the rest left to Dask."""
from .graph import BlockStage, LocalPlan, Template, step_graph, trace
from .trace import Unmappable

__all__ = ["BlockStage", "LocalPlan", "Template", "Unmappable", "step_graph", "trace"]
