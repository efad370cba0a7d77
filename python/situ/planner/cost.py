"""Where each stage runs: a cost model over bytes moved and time taken from the
simulation, refined by what the ranks measure.

For each rank block the choice is between sending the raw block (the simulation
pays a copy into staging; the per-block tasks run on a worker — *in situ* when
that worker shares the rank's node and memory, *in transit* otherwise) and
running the per-block stage *in-process* (the simulation pays the kernel; only
its results move). Combine and aggregate tasks always run on Dask.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

PLACEMENTS = ("auto", "in_process", "in_situ", "in_transit")
LOAD_REASON = "the node's workers are"   # how choose_raw_home's reason for a busy node begins


@dataclass
class Model:
    """Machine parameters of the estimate (bytes/s, operations/s, one core)."""
    memory_bandwidth: float = 4e9     # what a copy into staging streams
    kernel_rate: float = 1e9          # elementwise operations per second in a kernel
    network_bandwidth: float = 1e9    # moving a raw block to a worker on another node
    max_worker_load: float = 0.75     # in situ only while the node's workers are less busy than this
    max_bytes_ratio: float = 0.5      # in-process only if results are at most this share of the block
    max_slowdown: float = 4.0         # ... and the kernel costs at most this many copies
    calibrate_steps: int = 3          # steps measured before the estimate is replaced
    recheck_floor_s: float = 1e-3     # a measured kernel under this per step never moves back
    #                                   (negligible, and wall-clock timings that small are
    #                                   mostly the rank being descheduled)
    recheck_margin: float = 2.0       # after calibration: in-process stays unless the measured
    #                                   kernel costs more than this many times the measured raw
    #                                   path (what in-process saves besides: the bytes, the
    #                                   worker's receipt and registration, the time to result)
    load_hysteresis: float = 0.25     # raw stages moved in transit for load come back in situ only
    #                                   once the node's workers are this much below max_worker_load
    load_recheck_s: float = 5.0       # how often the running session re-reads the workers' load
    local_combine_bytes: int = 16 << 20  # per-block results up to this size per step (kernel
    #                                      outputs, or raw blocks' stages run on the workers) are
    #                                      combined in the session (0: the step graph on the cluster)


@dataclass
class Workers:
    """What the cluster offers raw blocks: a worker on the ranks' node reached over
    shared memory (``same_node``: in situ), workers on other nodes (``remote``: their
    addresses, in transit), and how busy the node's workers are (``node_load``: CPU per
    thread, 0..1, as the workers' monitors last reported it)."""
    same_node: bool = True
    remote: tuple[str, ...] = ()
    node_load: float = 0.0


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
    raw_home: str = "in_situ"         # where raw blocks' stages run: in_situ (same node) or in_transit
    raw_reason: str = ""              # why there (choose_raw_home())
    # The raw path as the ranks and workers measured it (per step, slowest rank; None until
    # measured): the simulation's thread in situ_expose (staging slot, copy, queueing), the
    # I/O thread's CPU sending the block, and (in situ only: the node's cores) the worker's
    # CPU running the block's per-block tasks (RawStage).
    measured_copy_s: float | None = None
    measured_send_s: float | None = None
    measured_stage_s: float | None = None


def raw_path_s(d: Decision) -> tuple[float, bool]:
    """What raw blocks cost the simulation's node per step (slowest rank), and whether
    it was measured. Until a raw block was measured: the estimated copy into staging
    and, in situ, the worker's stage estimated as the kernel (the same work); a stage
    not measured yet is estimated so too.

    >>> raw_path_s(Decision("in_process", False, "", est_copy_s=1e-4, raw_home="in_transit", est_kernel_s=1e-3))
    (0.0001, False)
    >>> raw_path_s(Decision("in_process", False, "", est_copy_s=1e-4, est_kernel_s=1e-3))
    (0.0011, False)
    >>> d = Decision("in_process", False, "", est_copy_s=1e-4, measured_copy_s=5e-4,
    ...              measured_send_s=1e-5, measured_stage_s=4e-3)
    >>> round(raw_path_s(d)[0], 6), round(raw_path_s(replace(d, raw_home="in_transit"))[0], 6)
    (0.00451, 0.00051)
    """
    stage = 0.0
    if d.raw_home == "in_situ":   # the worker's per-block tasks run on the ranks' node
        stage = d.est_kernel_s if d.measured_stage_s is None else d.measured_stage_s
    if d.measured_copy_s is None:
        return d.est_copy_s + stage, False
    return d.measured_copy_s + (d.measured_send_s or 0.0) + stage, True


def choose_raw_home(est_stage_s: float, bytes_raw: int, workers: Workers, model: Model,
             pinned: str = "auto") -> tuple[str, str]:
    """Where raw blocks' per-block stages run, and why: in situ (a worker on the ranks'
    node, sharing its cores) or in transit (workers on other nodes, the blocks moved over
    the network). In situ unless there is no worker on the node, or there are workers
    elsewhere and the node's are busy (the stage would queue and take the simulation's
    cores) or the stage costs more than moving the blocks (``network_bandwidth``).

    >>> choose_raw_home(1e-3, 10 << 20, Workers(remote=("tcp://n2:1",)), Model())
    ('in_situ', 'stage 1.00 ms on the node <= 10.49 ms to move the blocks')
    >>> choose_raw_home(1e-3, 10 << 20, Workers(remote=("tcp://n2:1",), node_load=0.9), Model())[0]
    'in_transit'
    """
    if not workers.same_node:
        return "in_transit", "no worker on the simulation's node"
    if pinned == "in_transit":
        if workers.remote:
            return "in_transit", f"pinned by the user ({len(workers.remote)} worker(s) on other nodes)"
        return "in_situ", "pinned in_transit, but every worker is on the simulation's node"
    if pinned == "in_situ" or not workers.remote:
        return "in_situ", "pinned by the user" if pinned == "in_situ" else "no worker on another node"
    if workers.node_load >= model.max_worker_load:
        return "in_transit", (f"{LOAD_REASON} {workers.node_load:.0%} busy "
                              f"(>= {model.max_worker_load:.0%})")
    move = bytes_raw / model.network_bandwidth
    if est_stage_s > move:
        return "in_transit", f"stage {est_stage_s * 1e3:.2f} ms on the node > {move * 1e3:.2f} ms to move the blocks"
    return "in_situ", f"stage {est_stage_s * 1e3:.2f} ms on the node <= {move * 1e3:.2f} ms to move the blocks"


def rehome(d: Decision, workers: Workers, model: Model, pinned: str = "auto") -> str | None:
    """While running, with the workers' load as they report it now: move raw blocks'
    stages between in situ and in transit; a reason when they move, else None.

    Away from a busy node at ``max_worker_load``; back only once its workers are
    ``load_hysteresis`` below that, so that the load the moved stages took away does not
    bring them straight back. A pinned in situ or in transit placement stays, as do stages
    placed in transit for another reason (no worker on the node, a stage dearer than the move).

    >>> d = decide([], "auto", ["numpy.cumsum"], Workers(remote=("tcp://n2:1",)), Model())
    >>> d.raw_home, rehome(d, Workers(remote=("tcp://n2:1",), node_load=0.6), Model())
    ('in_situ', None)
    >>> rehome(d, Workers(remote=("tcp://n2:1",), node_load=0.9), Model())
    "in_situ -> in_transit: the node's workers are 90% busy (>= 75%)"
    >>> rehome(d, Workers(remote=("tcp://n2:1",), node_load=0.6), Model()) is None   # within the hysteresis
    True
    >>> rehome(d, Workers(remote=("tcp://n2:1",), node_load=0.3), Model())
    'in_transit -> in_situ: stage 0.00 ms on the node <= 0.00 ms to move the blocks (load 30%)'
    """
    if pinned in ("in_situ", "in_transit"):
        return None
    home, why = choose_raw_home(d.est_kernel_s if d.measured_stage_s is None else d.measured_stage_s,
                                d.bytes_raw, workers, model)
    if home == d.raw_home:
        return None
    if home == "in_situ" and (not d.raw_reason.startswith(LOAD_REASON) or
                              workers.node_load > model.max_worker_load - model.load_hysteresis):
        return None   # in transit for another reason (no node worker, stage cost), or within the hysteresis
    old = d.raw_home
    d.raw_home = home
    d.raw_reason = why if home == "in_transit" else f"{why} (load {workers.node_load:.0%})"
    if d.placement == old:   # the analysis runs on raw blocks: its placement is where they go
        d.placement = home
    return f"{old} -> {home}: {d.raw_reason}"


def decide(stages: list, pinned: str, reasons: list[str], workers: Workers, model: Model) -> Decision:
    """Choose the placement of an analysis' per-block stages: in-process, or raw blocks
    in situ or in transit (:func:`choose_raw_home`).

    >>> decide([], "auto", ["numpy.argmax"], Workers(), Model()).placement
    'in_situ'
    """
    bytes_raw = sum(s.bytes_in for s in stages)
    bytes_out = sum(s.bytes_out for s in stages)
    est_k = max((max(s.bytes_in / model.memory_bandwidth, s.flops / model.kernel_rate) for s in stages),
                default=0.0)
    est_c = max((s.bytes_in / model.memory_bandwidth for s in stages), default=0.0)
    home, why_home = choose_raw_home(est_k, bytes_raw, workers, model, pinned)
    d = Decision(home, pinned != "auto", "", bytes_raw, bytes_out, est_k, est_c, raw_home=home,
                 raw_reason=why_home)
    if pinned in ("in_situ", "in_transit"):
        d.reason = why_home if home == pinned else why_home + f" (runs {home})"
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
    raw_est, _ = raw_path_s(d)
    if est_k > model.max_slowdown * max(raw_est, 1e-9):
        d.reason = (f"kernel estimate {est_k * 1e3:.2f} ms > {model.max_slowdown:g}x the "
                    f"{raw_est * 1e3:.2f} ms raw path it replaces (estimated copy)")
        return d
    d.placement = "in_process"
    d.reason = f"moves {bytes_out / max(bytes_raw, 1):.2%} of the raw bytes"
    return d


def recheck(d: Decision, model: Model) -> str | None:
    """After the first measured steps: a reason to move back to raw blocks, or None.

    Measured against measured: the median kernel time per step (slowest rank) against
    what the raw path costs per step (slowest rank, :func:`raw_path_s`) times
    ``recheck_margin``; until a raw block was measured, against the estimated copy
    times ``max_slowdown`` (as ``decide``). Never below ``recheck_floor_s``.

    >>> d = Decision("in_process", False, "", est_copy_s=1e-4, measured_kernel_s=[3e-3] * 3)
    >>> recheck(d, Model()) is not None                    # 3 ms > 4 x 0.1 ms estimated
    True
    >>> d.measured_copy_s, d.measured_stage_s = 5e-4, 2e-3  # measured: 3 ms <= 2 x 2.5 ms
    >>> recheck(d, Model()) is None
    True
    """
    if d.pinned or d.placement != "in_process" or len(d.measured_kernel_s) < model.calibrate_steps:
        return None
    m = sorted(d.measured_kernel_s)[len(d.measured_kernel_s) // 2]
    raw, measured = raw_path_s(d)
    margin = model.recheck_margin if measured else model.max_slowdown
    if m > margin * max(raw, 1e-9) and m > model.recheck_floor_s:
        what = (f"the {raw * 1e3:.2f} ms measured raw path it replaces ({describe_raw(d)})" if measured
                else f"the {raw * 1e3:.2f} ms raw path it replaces (estimated: no raw block measured yet)")
        return f"measured kernel {m * 1e3:.2f} ms per step > {margin:g}x {what}"
    return None


def describe_raw(d: Decision) -> str:
    """The measured raw path in words (``situ explain``)."""
    if d.measured_copy_s is None:
        return f"not measured; estimated copy {d.est_copy_s * 1e3:.3f} ms"
    parts = [f"copy {d.measured_copy_s * 1e3:.3f} ms", f"send {(d.measured_send_s or 0.0) * 1e3:.3f} ms"]
    if d.raw_home == "in_situ":
        parts.append("worker stage " + (f"{d.measured_stage_s * 1e3:.3f} ms" if d.measured_stage_s is not None
                                        else f"{d.est_kernel_s * 1e3:.3f} ms estimated"))
    else:
        parts.append("worker stage not counted (in transit: other nodes)")
    return " + ".join(parts)
