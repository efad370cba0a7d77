"""Where each stage runs: a cost model over bytes moved and time taken from the
simulation, refined by what the ranks measure.

For each rank block the choice is between sending the raw block (the simulation
pays a copy into staging; the per-block tasks run on a worker — *in situ* when
that worker shares the rank's node and memory, *in transit* otherwise) and
running the per-block stage *in-process* (the simulation pays the kernel; only
its results move). Combine and aggregate tasks always run on Dask.
"""
from __future__ import annotations

from dataclasses import dataclass, field

PLACEMENTS = ("auto", "in_process", "in_situ", "in_transit")


@dataclass
class Model:
    """Machine parameters of the estimate (bytes/s, operations/s, one core)."""
    memory_bandwidth: float = 4e9     # what a copy into staging streams
    kernel_rate: float = 1e9          # elementwise operations per second in a kernel
    network_bandwidth: float = 1e9    # in transit
    max_bytes_ratio: float = 0.5      # in-process only if results are at most this share of the block
    max_slowdown: float = 4.0         # ... and the kernel costs at most this many copies
    calibrate_steps: int = 3          # steps measured before the estimate is replaced
    recheck_floor_s: float = 1e-3     # a measured kernel under this per step never moves back
    #                                   (negligible, and wall-clock timings that small are
    #                                   mostly the rank being descheduled)
    local_combine_bytes: int = 16 << 20  # per-block results up to this size per step (kernel
    #                                      outputs, or raw blocks' stages run on the workers) are
    #                                      combined in the session (0: the step graph on the cluster)


@dataclass
class Decision:
    placement: str                    # in_process, in_situ or in_transit
    pinned: bool
    reason: str
    bytes_raw: int = 0                # per step, all ranks
    bytes_in_process: int = 0
    est_kernel_s: float = 0.0         # per step, slowest rank
    est_copy_s: float = 0.0
    measured_kernel_s: list[float] = field(default_factory=list)


def decide(stages: list, pinned: str, reasons: list[str], shm: bool, model: Model) -> Decision:
    """Choose the placement of an analysis' per-block stages.

    >>> decide([], "auto", ["numpy.argmax"], True, Model()).placement
    'in_situ'
    """
    raw_home = "in_situ" if shm else "in_transit"
    bytes_raw = sum(s.bytes_in for s in stages)
    bytes_out = sum(s.bytes_out for s in stages)
    est_k = max((max(s.bytes_in / model.memory_bandwidth, s.flops / model.kernel_rate) for s in stages),
                default=0.0)
    est_c = max((s.bytes_in / model.memory_bandwidth for s in stages), default=0.0)
    d = Decision(raw_home, pinned != "auto", "", bytes_raw, bytes_out, est_k, est_c)
    if pinned in ("in_situ", "in_transit"):
        d.placement, d.reason = pinned, "pinned by the user"
        return d
    if reasons or not stages:
        d.reason = "stays on Dask: " + ("; ".join(reasons[:3]) if reasons else "no per-block stage")
        if pinned == "in_process":
            d.reason = "pinned in_process, but " + d.reason
        return d
    if pinned == "in_process":
        d.placement, d.reason = "in_process", "pinned by the user"
        return d
    if bytes_out > model.max_bytes_ratio * bytes_raw:
        d.reason = f"results are {bytes_out / max(bytes_raw, 1):.0%} of the raw bytes: nothing to save"
        return d
    if est_k > model.max_slowdown * max(est_c, 1e-9):
        d.reason = f"kernel estimate {est_k * 1e3:.2f} ms > {model.max_slowdown:g}x the copy it replaces"
        return d
    d.placement = "in_process"
    d.reason = f"moves {bytes_out / max(bytes_raw, 1):.2%} of the raw bytes"
    return d


def recheck(d: Decision, model: Model) -> str | None:
    """After the first measured steps: a reason to move back to raw blocks, or None."""
    if d.pinned or d.placement != "in_process" or len(d.measured_kernel_s) < model.calibrate_steps:
        return None
    m = sorted(d.measured_kernel_s)[len(d.measured_kernel_s) // 2]
    if m > model.max_slowdown * max(d.est_copy_s, 1e-9) and m > model.recheck_floor_s:
        return (f"measured kernel {m * 1e3:.2f} ms per step > {model.max_slowdown:g}x the "
                f"{d.est_copy_s * 1e3:.2f} ms copy it replaces")
    return None
