"""The planner without a cluster: trace analyses on layouts, JIT the per-block
kernels, run them on random blocks and check that the rewritten graph gives the
same results as the original graph on the raw blocks (every supported pattern,
each dtype, uneven and irregular decompositions)."""
import dask
import dask.array as da
import numpy as np
import pytest

from e2e import BUILD
from kokkos_jit import Jit
from situ.planner import step_graph, trace
from situ.planner.cost import Decision, Model, Workers, choose_raw_home, decide, raw_path_s, recheck, rehome

DT = {"f32": "f4", "f64": "f8", "i32": "i4", "i64": "i8", "u8": "u1"}


@pytest.fixture(scope="module")
def jit():
    return Jit(BUILD)


def rows(shape, splits, dtype):
    blocks, s = {}, 0
    for r, n in enumerate(splits):
        blocks[str(r)] = [[s] + [0] * (len(shape) - 1), [n] + list(shape[1:])]
        s += n
    return {"dtype": dtype, "shape": list(shape), "blocks": blocks}


def irregular(dtype):  # two rows of blocks whose column cuts differ: not a grid
    return {"dtype": dtype, "shape": [9, 9], "blocks": {"0": [[0, 0], [5, 7]], "1": [[0, 7], [5, 2]],
                                                        "2": [[5, 0], [4, 3]], "3": [[5, 3], [4, 6]]}}


def placed_and_raw(jit, fn, lay, seed=0):
    tpl = trace(fn, {"f": lay})
    rng = np.random.default_rng(seed)
    dt = np.dtype(DT[lay["dtype"]])
    data = {int(r): ((rng.standard_normal(c) * 10).astype(dt) if dt.kind == "f"
                     else rng.integers(0, 256, c).astype(dt) if dt.kind == "u"
                     else rng.integers(-100, 100, c).astype(dt)) for r, (_, c) in lay["blocks"].items()}
    outs = {}
    for st in tpl.stages.values():
        res = [np.full(max(o.size, 1), 77, o.dtype) for o in st.outputs]  # poisoned
        jit.call(jit.compile(st.ir), [data[st.rank].reshape(-1)] + res)
        outs[st.rank] = res
    placed, c1 = step_graph(tpl, 1, lambda a, r, n: outs.get(r), lambda a, r: data[r])
    raw, c2 = step_graph(tpl, 2, lambda a, r, n: None, lambda a, r: data[r])
    assert c2 == {"in_process": 0, "raw": len(tpl.sources)}
    return tpl, c1, dask.compute(placed, scheduler="sync")[0], dask.compute(raw, scheduler="sync")[0], data


def patterns(f):
    v = np.linspace(0.0, 1.0, f.shape[-1])
    return {"sum": f.sum(), "sum0": f.sum(axis=0), "min_keep": f.min(axis=1, keepdims=True), "max": f.max(),
            "mean": f.mean(axis=0), "var": f.var(axis=1), "std": f.astype("f8").std(),
            "hist": da.histogram(f, bins=7, range=(-5, 5))[0], "slice": (f[1:8, ::3] * 2 + 1).max(),
            "count": (f > 0).sum(axis=1), "pow": (f ** 2).sum(), "where": da.where(f > 1, f, 0).sum(axis=0),
            "clip_abs": abs(da.clip(f, -3 if f.dtype.kind != "u" else 3, 30)).sum(), "weighted": (f * v).sum(axis=1),
            "sqrt": da.sqrt(abs(f.astype("f8"))).mean(axis=1), "minus": (-f).min(axis=0),
            # values shared by several reductions of one kernel, each in its own loop
            "std1": f.std(axis=1), "wsum0": (f * v).sum(axis=0), "wmax0": (f * v).max(axis=0),
            "mom3": da.moment(f, 3, axis=0), "mom4": da.moment(f, 4, axis=1)}


@pytest.mark.parametrize("dtype", ["f32", "f64", "i32", "i64", "u8"])
@pytest.mark.parametrize("layout", ["rows", "irregular"])
def test_every_pattern_equals_the_unplaced_graph(jit, dtype, layout):
    # uint8 wraps in (f[...] * 2 + 1), -f and f ** 2 as in NumPy; its sums are uint64
    lay = rows((9, 9), [2, 4, 3], dtype) if layout == "rows" else irregular(dtype)
    tpl, counts, placed, raw, data = placed_and_raw(jit, patterns, lay)
    assert not tpl.reasons and counts["raw"] == 0 and counts["in_process"] == len(lay["blocks"])
    whole = np.zeros((9, 9), DT[dtype])
    for r, (s, c) in lay["blocks"].items():
        whole[s[0]:s[0] + c[0], s[1]:s[1] + c[1]] = data[int(r)]
    want = dask.compute(patterns(da.from_array(whole, chunks=3)), scheduler="sync")[0]
    rtol = 1e-5 if dtype == "f32" else 1e-12   # sums reassociated in another order
    for k in raw:
        p, q = np.asarray(placed[k]), np.asarray(raw[k])
        assert p.dtype == q.dtype and p.shape == q.shape, k
        np.testing.assert_allclose(p, q, rtol=rtol, atol=1e-9, err_msg=k)
        np.testing.assert_allclose(q, want[k], rtol=rtol, atol=1e-9, err_msg=k)  # the raw graph is right


def test_nan_propagates_like_numpy(jit):
    lay = rows((6, 4), [3, 3], "f64")
    tpl = trace(lambda f: {"mx": f.max(axis=1), "s": f.sum()}, {"f": lay})
    st = next(iter(tpl.stages.values()))
    x = np.arange(12, dtype="f8").reshape(3, 4)
    x[1, 2] = np.nan
    res = [np.zeros(max(o.size, 1), o.dtype) for o in st.outputs]
    jit.call(jit.compile(st.ir), [x.reshape(-1)] + res)
    got = {tuple(o.shape): r for o, r in zip(st.outputs, res)}
    assert np.isnan(got[(3,)][1]) and got[(3,)][0] == 3 and got[(3,)][2] == 11


def test_partial_results_are_small_and_the_cost_model_chooses_in_process():
    lay = rows((64, 32, 16), [16, 16, 16, 16], "f64")
    tpl = trace(lambda f: {"n": f.sum(axis=(1, 2)), "h": da.histogram(f, bins=16, range=(0, 1))[0]},
                {"f": lay})
    st = list(tpl.stages.values())
    d = decide(st, "auto", tpl.reasons, Workers(), Model())
    assert d.placement == "in_process"
    assert d.bytes_in_process <= 0.01 * d.bytes_raw  # the target: <= 1% of the raw data
    # an elementwise map leaves as many bytes as it reads: nothing to save
    tpl2 = trace(lambda f: {"y": f * 2.0}, {"f": lay})
    assert decide(list(tpl2.stages.values()), "auto", tpl2.reasons, Workers(same_node=False),
                  Model()).placement == "in_transit"


def test_recheck_compares_measured_kernel_with_measured_raw_path():
    """auto's recheck (docs/placement.md, Cost model): after 3 measured steps, the
    median kernel per step against the raw path measured by the ranks (copy into
    staging + the I/O thread's send) and, in situ, the worker's per-block stage, times
    recheck_margin; the estimated copy times max_slowdown until a raw block is measured."""
    m = Model()

    def d(kernel_ms, home="in_situ", **meas):
        return Decision("in_process", False, "", est_copy_s=1e-4, raw_home=home,
                        measured_kernel_s=[x * 1e-3 for x in kernel_ms],
                        **{k: v * 1e-3 for k, v in meas.items()})

    assert recheck(d([3, 3]), m) is None                        # calibrating: 2 of 3 steps
    assert "estimated" in recheck(d([3, 3, 3]), m)              # 3 ms > 4 x 0.1 ms estimated copy
    assert recheck(d([0.9, 0.9, 0.9]), m) is None               # under the 1 ms floor: stays
    # the case: a 3 ms kernel, a raw path of 0.5 ms copy + 0.01 send + 2 ms worker stage
    meas = dict(measured_copy_s=0.5, measured_send_s=0.01, measured_stage_s=2.0)
    assert raw_path_s(d([3] * 3, **meas)) == pytest.approx((2.51e-3, True))
    assert recheck(d([3, 3, 3], **meas), m) is None             # 3 <= 2 x 2.51 ms: in-process stays
    assert recheck(d([1, 30, 4, 5, 6], **meas), m) is None      # the median (5 ms) decides: 5 <= 5.02
    why = recheck(d([6, 6, 6], **meas), m)                      # 6 > 2 x 2.51 ms: back to raw blocks
    assert why and "measured raw path" in why and "worker stage 2.000 ms" in why, why
    # in transit the worker's stage runs on other nodes: only the copy and the send count
    assert recheck(d([1.01] * 3, "in_transit", **meas), m) is None  # 1.01 <= 2 x 0.51
    assert "in transit" in recheck(d([1.1, 1.2, 1.3, 1.4], "in_transit", **meas), Model(recheck_floor_s=0))
    # a stage not measured yet is estimated as the kernel (the same work); the margin is a knob
    assert recheck(d([3] * 3, measured_copy_s=0.5), m) is not None           # 3 > 2 x (0.5 + 0)
    est = d([3] * 3, measured_copy_s=0.5)
    est.est_kernel_s = 1e-3
    assert recheck(est, m) is None                                            # 3 <= 2 x (0.5 + 1)
    assert recheck(d([3] * 3, measured_copy_s=0.5), Model(recheck_margin=10)) is None
    # pinned or raw placements are never rechecked
    pinned = d([50] * 3, **meas)
    pinned.pinned = True
    assert recheck(pinned, m) is None


def test_rehome_follows_the_node_load_with_hysteresis():
    """While running (docs/placement.md, Cost model): raw blocks' stages leave a node whose
    workers reach max_worker_load when workers elsewhere exist, come back only once the
    load is load_hysteresis below it, and stay where a pin or another reason put them."""
    m, far = Model(), ("tcp://n2:1",)

    def w(load, remote=far, same_node=True):
        return Workers(same_node=same_node, remote=remote, node_load=load)

    d = decide([], "auto", ["numpy.cumsum"], w(0.1), m)
    assert (d.placement, d.raw_home) == ("in_situ", "in_situ")
    assert rehome(d, w(0.74), m) is None                                  # below 75 %: stays
    why = rehome(d, w(0.8), m)
    assert why == "in_situ -> in_transit: the node's workers are 80% busy (>= 75%)", why
    assert (d.placement, d.raw_home) == ("in_transit", "in_transit")      # raw analysis: placement follows
    assert rehome(d, w(0.9), m) is None and rehome(d, w(0.51), m) is None  # 51 % > 75 - 25 %: not yet back
    assert rehome(d, w(0.5), m).startswith("in_transit -> in_situ") and d.placement == "in_situ"
    assert rehome(d, w(0.9, remote=()), m) is None                        # nowhere else to go
    # an in-process analysis keeps its placement; only its raw blocks' home moves
    p = decide([], "auto", [], w(0.1), m)
    p.placement = "in_process"
    assert rehome(p, w(0.9), m) and (p.placement, p.raw_home) == ("in_process", "in_transit")
    # pinned in situ / in transit, or in transit for want of a worker on the node: stays
    for pin in ("in_situ", "in_transit"):
        q = decide([], pin, [], w(0.1), m)
        assert rehome(q, w(0.99), m, pin) is None and rehome(q, w(0.0), m, pin) is None
    nodeless = decide([], "auto", [], w(0.0, same_node=False), m)
    assert nodeless.raw_home == "in_transit" and rehome(nodeless, w(0.0), m) is None


def test_decide_counts_the_worker_stage_in_situ():
    """The first decision weighs the kernel estimate against the raw path estimated the
    same way as the recheck measures it: in situ the worker would do the same work on
    the ranks' node, so a reduction heavy in operations (heat2d's var + histogram)
    starts in-process there and is rechecked on measurements; in transit only the copy
    counts and the estimate keeps it raw."""
    lay = rows((1024, 1024), [256] * 4, "f64")
    tpl = trace(lambda f: {"mean": f.mean(), "var": f.var(), "min": f.min(), "max": f.max(),
                           "hist": da.histogram(f, bins=64, range=(0.0, 1.0))[0]}, {"f": lay})  # heat2d's
    st = list(tpl.stages.values())
    situ_, transit = decide(st, "auto", [], Workers(), Model()), decide(st, "auto", [], Workers(same_node=False), Model())
    assert situ_.est_kernel_s > 4 * situ_.est_copy_s   # what sent heat2d raw before it was ever measured
    assert situ_.placement == "in_process" and transit.placement == "in_transit", transit.reason
    assert "raw path it replaces" in transit.reason


def test_raw_blocks_go_in_situ_or_in_transit_by_workers_load_and_bytes():
    """Raw blocks' stages: in situ on the ranks' node unless its workers are busy or the
    stage costs more than moving the blocks, and workers elsewhere exist; pins are kept
    where the cluster allows them, and say so where it does not."""
    far = Workers(remote=("tcp://n2:1",))
    m = Model(network_bandwidth=1e9)
    assert choose_raw_home(1e-3, 4_000_000, far, m)[0] == "in_situ"            # 1 ms <= 4 ms to move
    home, why = choose_raw_home(5e-3, 4_000_000, far, m)                       # 5 ms > 4 ms
    assert home == "in_transit" and "5.00 ms on the node > 4.00 ms to move" in why
    busy = Workers(remote=far.remote, node_load=0.8)
    assert choose_raw_home(1e-3, 4_000_000, busy, m) == ("in_transit", "the node's workers are 80% busy (>= 75%)")
    assert choose_raw_home(1e-3, 4_000_000, Workers(node_load=0.99), m)[0] == "in_situ"  # nowhere else
    assert choose_raw_home(0.0, 1, Workers(same_node=False), m)[0] == "in_transit"
    assert choose_raw_home(0.0, 1, far, m, "in_transit")[0] == "in_transit"
    assert choose_raw_home(9.0, 1, far, m, "in_situ")[0] == "in_situ"
    home, why = choose_raw_home(0.0, 1, Workers(), m, "in_transit")
    assert home == "in_situ" and "every worker is on the simulation's node" in why
    # decide: an unmappable analysis goes raw, wherever its stage is cheaper for the node
    lay = rows((64, 64), [32, 32], "f64")
    tpl = trace(lambda f: {"a": da.cumsum(f, axis=0)[-1]}, {"f": lay})
    d = decide(list(tpl.stages.values()), "auto", tpl.reasons, busy, m)
    assert d.placement == d.raw_home == "in_transit" and "busy" in d.raw_reason
    d = decide(list(tpl.stages.values()), "in_transit", tpl.reasons, Workers(), m)
    assert d.placement == d.raw_home == "in_situ" and "pinned in_transit, but" in d.reason  # where it runs


def test_analysis_turns_rank_rates_into_the_raw_path_per_step():
    """Analysis.measured: the ranks' seconds per raw byte times each rank's block bytes,
    the slowest rank; a rank without a measurement takes the median rank's; worker
    stages per rank (median); the placement moves to the raw home with the reason."""
    from types import SimpleNamespace
    from situ.analysis import Analysis
    a = Analysis(lambda f: f.sum(), ("f",), 1, 0, "auto", 4, "a0")
    a.template = SimpleNamespace(stages={i: SimpleNamespace(rank=i, bytes_in=n)
                                         for i, n in enumerate([1 << 20, 1 << 20, 2 << 20])})
    a.decision = Decision("in_process", False, "x", est_copy_s=1e-4, raw_home="in_transit")
    rates = {"0": (1e-9, 1e-10), "1": (2e-9, None)}              # rank 2: not measured (median: 1.5e-9)
    assert a.measured([1e-3, 2e-3, 1e-3], rates) is None
    dd = a.decision
    assert dd.measured_copy_s == pytest.approx(1.5e-9 * (2 << 20))     # rank 2, the largest block
    assert dd.measured_send_s == pytest.approx(1e-10 * (2 << 20))
    assert a.measured([8e-3], rates) is None                    # 2 of 3 steps: calibrating
    assert a.measured([8e-3], rates) is not None                # median 8 ms > 2 x (3.1 + 0.2) ms
    assert dd.placement == "in_transit" and dd.reason.startswith("moved back to raw blocks: measured kernel")
    tpl, a.template = a.template, None
    assert "3.355 ms = copy 3.146 ms + send 0.210 ms" in a.explain()
    b = Analysis(lambda f: f.sum(), ("f",), 1, 0, "auto", 4, "a1")
    b.template = tpl
    b.decision = Decision("in_process", False, "x", est_copy_s=1e-4, raw_home="in_situ")
    b.stage_s = {0: [4e-3, 5e-3, 6e-3], 2: [1e-3]}
    for _ in range(3):
        assert b.measured([5e-3], rates) is None                # 5 ms <= 2 x (3.1 + 0.2 + 5) ms
    assert b.decision.measured_stage_s == pytest.approx(5e-3) and b.in_process


def arg_patterns(f):
    return {"argmax": f.argmax(), "argmin": da.argmin(f), "argmax0": f.argmax(axis=0),
            "argmin1": f.argmin(axis=1), "argmax_last": da.argmax(f, axis=-1),
            "argmin_expr": (abs(f - 3) * 2).argmin(), "argmax_slice": f[1:, ::2].argmax(axis=0),
            "max_and_arg": (f.max(), f.argmax(axis=0)), "argmax_keep": f.argmin(axis=0, keepdims=True)}


@pytest.mark.parametrize("dtype", ["f32", "f64", "i32", "i64"])
@pytest.mark.parametrize("layout", ["rows", "irregular", "one"])
def test_arg_reductions_equal_the_unplaced_graph(jit, dtype, layout):
    """argmin/argmax, flat and along each axis: one pass per block for the extreme and
    its first index, combined across blocks with the blocks' global offsets; exact
    (ties resolved to the first index, as NumPy)."""
    lay = {"rows": rows((9, 9), [2, 4, 3], dtype), "irregular": irregular(dtype),
           "one": rows((9, 9), [9], dtype)}[layout]
    for seed in range(3):
        tpl, counts, placed, raw, data = placed_and_raw(jit, arg_patterns, lay, seed)
        assert not tpl.reasons and counts["raw"] == 0, tpl.reasons
        for st in tpl.stages.values():
            assert "scf.for" in st.ir and st.ir.count("iter_args") >= 1
        whole = np.zeros((9, 9), DT[dtype])
        for r, (s, c) in lay["blocks"].items():
            whole[s[0]:s[0] + c[0], s[1]:s[1] + c[1]] = data[int(r)]
        if dtype[0] == "i" and seed == 1:   # ties everywhere: the first index must win
            whole[:] = 0
            for r, (s, c) in lay["blocks"].items():
                data[int(r)][:] = 0
            tpl, counts, placed, raw, data = placed_and_raw_data(jit, arg_patterns, lay, data)
        want = dask.compute(arg_patterns(da.from_array(whole, chunks=3)), scheduler="sync")[0]
        ref = {"argmax": whole.argmax(), "argmin": whole.argmin(), "argmax0": whole.argmax(axis=0),
               "argmin1": whole.argmin(axis=1), "argmax_last": whole.argmax(axis=-1),
               "argmin_expr": (abs(whole - 3) * 2).argmin(), "argmax_slice": whole[1:, ::2].argmax(axis=0)}
        for k in raw:
            p, q = placed[k], raw[k]
            for a, b_ in (zip(p, q) if isinstance(p, tuple) else [(p, q)]):
                a, b_ = np.asarray(a), np.asarray(b_)
                assert a.dtype == b_.dtype and a.shape == b_.shape, k
                np.testing.assert_array_equal(a, b_, err_msg=k)
            np.testing.assert_array_equal(np.asarray(q if not isinstance(q, tuple) else q[1]),
                                          np.asarray(want[k] if not isinstance(q, tuple) else want[k][1]))
            if k in ref:
                np.testing.assert_array_equal(p, ref[k], err_msg=k)


def placed_and_raw_data(jit, fn, lay, data):
    """placed_and_raw on given blocks."""
    tpl = trace(fn, {"f": lay})
    outs = {}
    for st in tpl.stages.values():
        res = [np.full(max(o.size, 1), 77, o.dtype) for o in st.outputs]
        jit.call(jit.compile(st.ir), [data[st.rank].reshape(-1)] + res)
        outs[st.rank] = res
    placed, c1 = step_graph(tpl, 1, lambda a, r, n: outs.get(r), lambda a, r: data[r])
    raw, _ = step_graph(tpl, 2, lambda a, r, n: None, lambda a, r: data[r])
    return tpl, c1, dask.compute(placed, scheduler="sync")[0], dask.compute(raw, scheduler="sync")[0], data


@pytest.mark.parametrize("dtype", ["f32", "f64"])
def test_arg_reductions_take_the_first_nan_like_numpy(jit, dtype):
    lay = rows((6, 5), [3, 3], dtype)
    rng = np.random.default_rng(5)
    whole = rng.standard_normal((6, 5)).astype(DT[dtype])
    whole[4, 1] = whole[5, 3] = whole[1, 4] = np.nan
    whole[0, 0] = np.inf
    data = {0: whole[:3].copy(), 1: whole[3:].copy()}
    fn = lambda f: {"a": f.argmax(), "b": f.argmin(axis=0), "c": f.argmax(axis=1), "m": f.max(axis=0)}  # noqa: E731
    tpl, counts, placed, raw, _ = placed_and_raw_data(jit, fn, lay, data)
    assert counts["raw"] == 0
    for k, want in (("a", whole.argmax()), ("b", whole.argmin(axis=0)), ("c", whole.argmax(axis=1))):
        np.testing.assert_array_equal(placed[k], want, err_msg=k)
        np.testing.assert_array_equal(raw[k], want, err_msg=k)
    np.testing.assert_array_equal(placed["m"], whole.max(axis=0))


def test_unmappable_operations_are_named():
    lay = rows((8, 4), [4, 4], "f64")
    assert any("numpy.cumsum" in r for r in trace(lambda f: da.cumsum(f, axis=0), {"f": lay}).reasons)
    assert any("numpy.sort" in r for r in trace(lambda f: (f.map_blocks(np.sort),), {"f": lay}).reasons)
    assert any("dtype float16" in r for r in trace(lambda f: f.astype("f2").sum(), {"f": lay}).reasons)


@pytest.mark.parametrize("dtype", ["f32", "f64"])
def test_histogram_bins_match_numpy_at_the_edges(jit, dtype):
    """Uniform bins are found by division, then corrected against NumPy's own edges:
    values on and next to every edge (and both ends of the range) land where NumPy
    puts them; uneven bins still use the binary search."""
    dt = np.dtype(DT[dtype])
    for bins, rng_ in ((10, (-1.0, 1.0)), (7, (0.1, 0.8)), (np.array([0.0, 0.1, 0.5, 0.55, 2.0]), None)):
        edges = np.histogram_bin_edges([], bins=bins, range=rng_).astype(dt) if rng_ else bins.astype(dt)
        vals = np.concatenate([edges, np.nextafter(edges, np.inf), np.nextafter(edges, -np.inf),
                               np.linspace(float(edges[0]) - 0.1, float(edges[-1]) + 0.1, 997).astype(dt)])
        vals = vals.astype(dt)
        lay = rows((vals.size,), [vals.size], dtype)
        tpl = trace(lambda f: da.histogram(f, bins=bins, range=rng_)[0], {"f": lay})
        (st,) = tpl.stages.values()
        assert ("arith.fptosi" in st.ir) == (rng_ is not None)   # division for even bins, else search
        out = [np.full(max(o.size, 1), 77, o.dtype) for o in st.outputs]
        jit.call(jit.compile(st.ir), [vals] + out)
        ref = np.histogram(vals, bins=bins, range=rng_)[0]
        np.testing.assert_array_equal(out[0][:ref.size], ref)


def nan_patterns(f):
    return {"nansum": da.nansum(f), "nansum0": da.nansum(f, axis=0), "nanmax1": da.nanmax(f, axis=1),
            "nanmin0": da.nanmin(f, axis=0), "nanmean0": da.nanmean(f, axis=0), "nanvar1": da.nanvar(f, axis=1),
            "nanstd": da.nanstd(f), "nanprod1": da.nanprod(f / 8, axis=1)}


@pytest.mark.parametrize("dtype", ["f32", "f64", "i32"])
@pytest.mark.parametrize("layout", ["rows", "irregular"])
def test_nan_reductions_equal_numpy(jit, dtype, layout):
    # NaNs scattered, a whole column NaN (nanmin/nanmax give NaN there, nanmean too) and a block's
    # row NaN; integer blocks take the plain reductions
    lay = rows((9, 9), [2, 4, 3], dtype) if layout == "rows" else irregular(dtype)
    dt = np.dtype(DT[dtype])
    whole = (np.random.default_rng(3).standard_normal((9, 9)) * 10).astype(dt)
    if dt.kind == "f":
        whole[[0, 3, 7], [2, 5, 1]] = np.nan
        whole[:, 4] = np.nan
        whole[6, :] = np.nan
    data = {int(r): whole[s[0]:s[0] + c[0], s[1]:s[1] + c[1]].copy() for r, (s, c) in lay["blocks"].items()}
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning) if dt.kind == "f" else _no_warning():
        tpl, counts, got, _, _ = placed_and_raw_data(jit, nan_patterns, lay, data)
        want = {"nansum": np.nansum(whole), "nansum0": np.nansum(whole, axis=0), "nanmax1": np.nanmax(whole, axis=1),
                "nanmin0": np.nanmin(whole, axis=0), "nanmean0": np.nanmean(whole, axis=0),
                "nanvar1": np.nanvar(whole, axis=1), "nanstd": np.nanstd(whole),
                "nanprod1": np.nanprod(whole / 8, axis=1)}
    assert not tpl.reasons and counts["raw"] == 0 and counts["in_process"] == len(lay["blocks"]), tpl.reasons
    rtol = 1e-5 if dtype == "f32" else 1e-12
    for k, w in want.items():
        np.testing.assert_allclose(np.asarray(got[k]), w, rtol=rtol, atol=1e-9, err_msg=k)  # NaN where NumPy has NaN
    if dt.kind == "f":
        assert np.isnan(got["nanmin0"][4]) and np.isnan(got["nanmax1"][6]) and got["nansum0"][4] == 0


class _no_warning:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.mark.parametrize("dtype", ["f32", "f64", "i32"])
@pytest.mark.parametrize("layout", ["rows", "irregular", "one"])
def test_nan_arg_reductions_equal_numpy(jit, dtype, layout):
    # NaN first in rows and columns, -inf and +inf, ties, and beside them the plain max of the same
    # values (not paired: it propagates NaN). (A column of NaNs and then only -inf makes Dask's own
    # aggregation raise "All NaN slice", its per-block NaN maximum winning the combine: not used.)
    lay = (rows((9, 9), [2, 4, 3], dtype) if layout == "rows" else irregular(dtype) if layout == "irregular"
           else rows((9, 9), [9], dtype))
    fn = lambda f: {"amax0": da.nanargmax(f, axis=0), "amin1": da.nanargmin(f, axis=1),  # noqa: E731
                    "amax": da.nanargmax(f), "max0": f.max(axis=0)}
    dt = np.dtype(DT[dtype])
    whole = np.random.default_rng(5).integers(-4, 5, (9, 9)).astype(dt)  # small integers: ties
    if dt.kind == "f":
        whole[0, :3] = np.nan
        whole[:4, 6] = np.nan
        whole[4, 6] = -np.inf
        whole[5, 6] = 2
        whole[7, 1] = np.inf
        whole[8, 3] = -np.inf
        whole[2, 2] = np.nan
    data = {int(r): whole[s[0]:s[0] + c[0], s[1]:s[1] + c[1]].copy() for r, (s, c) in lay["blocks"].items()}
    with np.errstate(all="ignore"):
        tpl, counts, got, want, _ = placed_and_raw_data(jit, fn, lay, data)
    assert not tpl.reasons and counts["raw"] == 0, tpl.reasons
    for k in want:
        np.testing.assert_array_equal(got[k], want[k], err_msg=k)
    np.testing.assert_array_equal(got["amax0"], np.nanargmax(whole, axis=0))
    np.testing.assert_array_equal(got["amin1"], np.nanargmin(whole, axis=1))
    if layout != "irregular":  # there Dask breaks a tie between blocks by block order, not flat index
        assert int(got["amax"]) == int(np.nanargmax(whole))
    np.testing.assert_array_equal(got["max0"], whole.max(axis=0))  # NaN where a column holds one
    if dt.kind == "f":
        assert got["amax0"][1] == 7 and np.isnan(got["max0"][6])  # the +inf; NaN kept by the plain max
