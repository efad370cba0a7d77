"""Placement of analytics: per-block stages found in the Dask graph, compiled to
Kokkos-dialect kernels that run inside the simulation, the rest left to Dask."""
from .graph import BlockStage, LocalPlan, RawStage, Template, run_raw_stages, step_graph, trace
from .trace import Unmappable

__all__ = ["BlockStage", "LocalPlan", "RawStage", "run_raw_stages", "Template", "Unmappable", "step_graph", "trace"]
