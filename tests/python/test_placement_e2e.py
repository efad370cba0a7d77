"""Placement end to end: per-block stages compiled and run inside the ranks; the
results equal the same analysis computed from the raw blocks, and only the
partial results move."""
import dask.array as da
import numpy as np
import pytest

from e2e import SessionThread, expected, mpirun
from situ.planner.cost import Model

STEPS = 60


def moments(a0):
    v = np.linspace(0.0, 1.0, a0.shape[-1])
    return {"sum": a0.sum(axis=-1), "weighted": (a0 * v).sum(axis=(1, 2)), "mean": a0.mean(),
            "var": a0.var(axis=0), "max": a0.max(axis=(0, 2)), "min": da.clip(a0, -500, 500).min(),
            "hist": da.histogram(a0, bins=32, range=(-1000, 1000))[0],
            "positive": (a0 > 0).sum(axis=1), "sqrt": da.sqrt(abs(a0[1:, ::2])).astype("f8").std(axis=-1),
            "argmax": a0.argmax(), "argmin0": a0.argmin(axis=0), "argmax2": abs(a0[:, 1:]).argmax(axis=2)}


@pytest.mark.parametrize("nranks,dtype,decomp", [(4, "f64", "uneven"), (4, "f32", "irregular"),
                                                 (3, "i64", "empty"), (2, "i32", "uneven")])
def test_placed_results_equal_unplaced(served, nranks, dtype, decomp):
    shape = (13, 9, 6)
    placed, raw = {}, {}

    def setup(s):
        a = s.analyse("a0", every=2, placement="in_process")(moments)
        a.then(lambda step, r: placed.__setitem__(step, r))
        b = s.analyse("a0", every=2, placement="in_situ")(moments)
        b.then(lambda step, r: raw.__setitem__(step, r))
        setup.analyses = (a, b)

    st = SessionThread(served, setup)
    r = mpirun(nranks, "e2e_sim", ["--dtype", dtype, "--shape", ",".join(map(str, shape)), "--steps", STEPS,
                                   "--decomp", decomp, "--sleep-ms", 40], served.connection)
    assert r.returncode == 0, r.stderr
    assert st.join()["clean"]
    a, b = setup.analyses
    assert a.in_process and not b.in_process, a.explain()
    assert not a.errors and not b.errors, a.errors + b.errors
    assert a.blocks["in_process"] > 0, a.explain()   # the kernels really ran in the ranks
    # every step combined in the session, also those with raw blocks (kernels compiling),
    # and those of the analysis placed raw (its per-block tasks on the workers)
    assert a.local_steps == a.steps and b.local_steps == b.steps, a.explain() + b.explain()
    assert b.blocks["in_process"] == 0
    steps = sorted(placed)
    assert steps == sorted(raw) and len(steps) >= STEPS // 2 - 2
    rtol = 1e-5 if dtype == "f32" else 1e-12
    for step in steps:
        # the raw analysis against an independent NumPy computation, then placed against raw
        want = moments(da.from_array(expected(dtype, shape, step)))
        for k in want:
            np.testing.assert_allclose(raw[step][k], np.asarray(want[k].compute()), rtol=rtol, atol=1e-9)
            got = np.asarray(placed[step][k])
            assert got.dtype == np.asarray(raw[step][k]).dtype and got.shape == np.asarray(raw[step][k]).shape
            np.testing.assert_allclose(got, raw[step][k], rtol=rtol, atol=1e-9, err_msg=f"{k} step {step}")
    text = a.explain()
    assert "in_process" in text and "saved" in text


def test_unmappable_stays_on_dask_with_a_reason(served):
    got = {}

    def setup(s):
        a = s.analyse("a0", placement="auto")(lambda a0: {"cs": da.cumsum(a0, axis=0)[-1]})
        a.then(lambda step, r: got.__setitem__(step, r))
        setup.a = a

    st = SessionThread(served, setup)
    r = mpirun(2, "e2e_sim", ["--shape", "10,4", "--steps", 3], served.connection)
    assert r.returncode == 0, r.stderr
    st.join()
    assert not setup.a.in_process
    assert "numpy.cumsum" in setup.a.explain()
    for step, v in got.items():
        np.testing.assert_allclose(v["cs"], np.cumsum(expected("f64", (10, 4), step), axis=0)[-1], rtol=1e-12)
    assert sorted(got) == [0, 1, 2]


def test_auto_rechecks_on_what_the_ranks_measured(served):
    """auto's recheck compares the measured kernel with the raw path the ranks measured
    (STEP_END's raw_seconds/raw_bytes/send_seconds on the steps sent raw while the
    kernels compile) and the workers' stages of those blocks: a cheap reduction stays
    in-process; the same analysis under a model that tolerates no kernel time (the
    stand-in for an expensive kernel) moves back to raw blocks after its calibration
    steps, with the measured figures in its reason, and its results stay right."""
    shape, nranks, steps = (96, 64, 16), 4, 40
    got: dict = {"keep": {}, "back": {}}

    def reduction(a0):
        return {"s": a0.sum(axis=-1), "max": a0.max(), "mean": a0.mean(axis=(0, 1))}

    # The kernels compile in a short first run (the ranks finish a compile before they exit
    # and leave the kernel in the node's disk cache): on a loaded machine a cold compile
    # took most of the run, and b's move back then came at its last step, with no raw
    # block after it to count. This test is about the recheck, not the compile time.
    # The warm run's steps last long enough (20 x 100 ms) for its contract to reach the ranks
    # and their compile to start: 4 unpaced steps could end before it, leaving the cache cold.
    warm = SessionThread(served, lambda s: s.analyse("a0", every=2, placement="in_process")(reduction))
    assert mpirun(nranks, "e2e_sim", ["--shape", ",".join(map(str, shape)), "--steps", 20, "--decomp", "uneven",
                                      "--sleep-ms", 100], served.connection).returncode == 0
    warm.join()

    def setup(s):
        a = s.analyse("a0", every=2, placement="auto")(reduction)
        a.then(lambda step, r: got["keep"].__setitem__(step, r))
        b = s.analyse("a0", every=2, placement="auto")(reduction)
        b.model = Model(recheck_margin=1e-3, recheck_floor_s=0.0)
        b.then(lambda step, r: got["back"].__setitem__(step, r))
        setup.analyses = (a, b)

    st = SessionThread(served, setup)
    r = mpirun(nranks, "e2e_sim", ["--shape", ",".join(map(str, shape)), "--steps", steps, "--decomp", "uneven",
                                   "--sleep-ms", 30], served.connection)
    assert r.returncode == 0, r.stderr
    assert st.join()["clean"]
    a, b = setup.analyses
    for x in (a, b):
        d = x.decision
        assert not x.errors, x.errors
        assert len(d.measured_kernel_s) >= 3 and d.measured_copy_s is not None, x.explain()
        assert 0 < d.measured_copy_s < 0.1 and d.measured_send_s is not None, x.explain()
        assert d.raw_home == "in_situ" and d.measured_stage_s is not None and d.measured_stage_s > 0, x.explain()
        assert "raw path per step (slowest rank), measured" in x.explain() and "(CPU)" in x.explain()
    assert a.in_process and a.blocks["in_process"] > 0, a.explain()
    assert b.decision.placement == "in_situ" and "measured raw path" in b.decision.reason, b.explain()
    assert "worker stage" in b.decision.reason
    assert b.blocks["raw"] > a.blocks["raw"], (a.explain(), b.explain())   # raw blocks after moving back
    assert sorted(got["keep"]) == sorted(got["back"]) and len(got["keep"]) >= steps // 2 - 2
    for step, value in got["back"].items():
        want = reduction(da.from_array(expected("f64", shape, step)))
        for k in want:
            np.testing.assert_allclose(value[k], np.asarray(want[k].compute()), rtol=1e-12, atol=1e-9)
            np.testing.assert_allclose(got["keep"][step][k], value[k], rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("dtype,nranks", [("f64", 4), ("f32", 3), ("i64", 2)])
def test_local_plan_equals_the_step_graph(dtype, nranks):
    """The session's combine for all-in-process steps (graph built once, run in the
    session) computes exactly what the step graph computes with Dask's scheduler."""
    import dask
    from situ.cli import layout
    from situ.planner import LocalPlan, step_graph, trace

    tpl = trace(moments, {"a0": layout((13, 9, 6), dtype, nranks)})
    assert tpl.placeable and len(tpl.stages) == nranks
    rng = np.random.default_rng(nranks)
    got = {(st.array, st.rank): [(rng.random(max(o.size, 1)) * 100).astype(o.dtype) for o in st.outputs]
           for st in tpl.stages.values()}
    lp = LocalPlan(tpl)
    for step in (3, 4):  # the plan is reused across steps
        value = lp.run(got)
        want = dask.compute(step_graph(tpl, step, lambda a, r, n: got[(a, r)], None)[0], scheduler="sync")[0]
        assert set(value) == set(want)
        for k in want:
            assert np.asarray(value[k]).dtype == np.asarray(want[k]).dtype and \
                np.shape(value[k]) == np.shape(want[k]), k
            np.testing.assert_array_equal(value[k], want[k], err_msg=k)


def test_raw_fallback_blocks_are_combined_in_the_session(served):
    """Ranks whose kernels cannot run (here: libsitu-kokkos cannot be loaded) send
    their blocks raw; the step is still combined in the session from the per-block
    tasks run on the workers (no step graph on the cluster), and the results are
    those of the unplaced analysis. The failure is reported once, the run goes on."""
    shape, nranks, steps = (11, 7, 5), 3, 40
    placed, raw = {}, {}

    def setup(s):
        a = s.analyse("a0", every=1, placement="in_process")(moments)
        a.then(lambda step, r: placed.__setitem__(step, r))
        b = s.analyse("a0", every=1, placement="in_situ")(moments)
        b.then(lambda step, r: raw.__setitem__(step, r))
        setup.analyses = (a, b)

    st = SessionThread(served, setup)
    r = mpirun(nranks, "e2e_sim", ["--shape", ",".join(map(str, shape)), "--steps", steps, "--decomp", "uneven",
                                   "--sleep-ms", 30], served.connection,
               extra_env={"SITU_KOKKOS_LIBRARY": "/nonexistent/libsitu-kokkos.so"})
    assert r.returncode == 0, r.stderr
    assert st.join()["clean"]
    a, b = setup.analyses
    assert any("cannot load libsitu-kokkos" in e for e in a.errors), (a.errors, a.explain(), r.stderr)
    assert not b.errors, b.errors
    assert a.blocks == {"in_process": 0, "raw": nranks * steps} and a.local_steps == a.steps == steps, a.explain()
    assert sorted(placed) == sorted(raw) == list(range(steps))
    for step in placed:
        for k in raw[step]:
            got, want = np.asarray(placed[step][k]), np.asarray(raw[step][k])
            assert got.dtype == want.dtype and got.shape == want.shape, k
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9, err_msg=f"{k} step {step}")


@pytest.mark.parametrize("dtype,nranks", [("f64", 4), ("i32", 3)])
def test_local_plan_with_raw_blocks_equals_the_step_graph(dtype, nranks):
    """Steps where some blocks came raw: their frontier values computed by RawStage
    (as a worker does) and the others' kernel outputs, combined by LocalPlan, equal
    the step graph with those blocks raw."""
    import dask
    from situ.cli import layout
    from situ.planner import LocalPlan, step_graph, trace
    from situ.planner.graph import run_raw_stages

    tpl = trace(moments, {"a0": layout((13, 9, 6), dtype, nranks)})
    lp = LocalPlan(tpl)
    rng = np.random.default_rng(nranks)
    data = {st.rank: (rng.standard_normal(st.shape) * 100).astype(st.dtype) for st in tpl.stages.values()}
    got = {(st.array, st.rank): [(rng.random(max(o.size, 1)) * 100).astype(o.dtype) for o in st.outputs]
           for st in tpl.stages.values()}
    for raw_ranks in ([0], list(range(nranks))[1:], list(range(nranks))):
        stages = [(lp.raw[("a0", r)].ident, lp.raw[("a0", r)].blob) for r in raw_ranks]
        front = dict(zip([("a0", r) for r in raw_ranks], run_raw_stages(stages, *[data[r] for r in raw_ranks])))
        value = lp.run(got, front)
        want = dask.compute(step_graph(tpl, 5, lambda a, r, n: None if r in raw_ranks else got[(a, r)],
                                       lambda a, r: data[r])[0], scheduler="sync")[0]
        assert set(value) == set(want)
        for k in want:
            assert np.asarray(value[k]).dtype == np.asarray(want[k]).dtype and \
                np.shape(value[k]) == np.shape(want[k]), k
            np.testing.assert_array_equal(value[k], want[k], err_msg=k)


def _state(served):
    return served.client.sync(served.client.scheduler.situ_state)


def test_a_session_attached_to_a_running_simulation_places_at_once(served):
    """The layout of a simulation that announced its arrays before the session attached
    comes with the attach: the analysis is planned and its kernels sent to the ranks
    without waiting for array announcements that will not come again."""
    import threading
    import time
    shape, nranks, steps = (12, 10, 8), 3, 150
    proc: dict = {}
    sim = threading.Thread(target=lambda: proc.setdefault("r", mpirun(
        nranks, "e2e_sim", ["--shape", ",".join(map(str, shape)), "--steps", steps, "--decomp", "uneven",
                            "--sleep-ms", 30], served.connection)))
    sim.start()
    t_end = time.time() + 60
    def announced(st):   # this run's (an ended run's layout stays until the next hello)
        return not st["ended"] and len(st["arrays"].get("a0", {}).get("blocks", {})) >= nranks
    while not announced(_state(served)):
        assert time.time() < t_end and sim.is_alive(), "the simulation never announced its array"
        time.sleep(0.05)
    got = {}

    def setup(s):
        a = s.analyse("a0", placement="in_process")(lambda a0: {"s": a0.sum(axis=(1, 2)), "mx": a0.max()})
        a.then(lambda step, r: got.__setitem__(step, r))
        setup.a = a
        assert a.in_process, a.explain()   # planned on attach, before run()

    st = SessionThread(served, setup, wait=False)
    sim.join(120)
    assert proc["r"].returncode == 0, proc["r"].stderr
    st.join()
    a = setup.a
    assert not a.errors and a.blocks["in_process"] > 0, a.explain()
    assert got and min(got) > 0, sorted(got)[:3]   # it joined a running simulation
    for step, v in got.items():
        want = expected("f64", shape, step)
        np.testing.assert_allclose(v["s"], want.sum(axis=(1, 2)), rtol=1e-12)
        assert v["mx"] == want.max()


def test_analyses_added_and_removed_while_running_reach_the_ranks(served):
    """An analysis declared by a trigger while the session runs is planned and its
    kernel sent to the ranks; removed later, its plan leaves the contract and the ranks
    stop sending its partial results."""
    shape, nranks, steps = (16, 12, 10), 2, 70
    got, marks = {}, {}

    def detail(a0):
        return {"hist": da.histogram(a0, bins=64, range=(-1000, 1000))[0], "var": a0.var(axis=0)}

    def setup(s):
        watch = s.analyse("a0", placement="in_process")(lambda a0: {"mx": a0.max()})

        @watch.then
        def trigger(step, r):
            if step >= 10 and "add" not in marks:
                marks["add"] = step
                b = s.analyse("a0", placement="in_process")(detail)
                b.then(lambda st_, v: got.__setitem__(st_, v))
                setup.b = b
            elif step >= 40 and "remove" not in marks and setup.b.steps > 0:
                marks["remove"], marks["seen"] = step, s.step_bytes[-1][0]
                s.remove(setup.b)
        setup.s = s

    st = SessionThread(served, setup)
    r = mpirun(nranks, "e2e_sim", ["--shape", ",".join(map(str, shape)), "--steps", steps, "--sleep-ms", 30],
               served.connection)
    assert r.returncode == 0, r.stderr
    assert st.join()["clean"]
    b, s = setup.b, setup.s
    assert "remove" in marks, (marks, b.explain())
    assert b.in_process and b.blocks["in_process"] > 0 and not b.errors, b.explain()
    assert "(removed)" in b.explain() and b.id not in {p["id"] for p in s._contract()["plans"]}
    assert min(got) > marks["add"] and max(got) <= marks["seen"], (marks, sorted(got))
    for step, v in got.items():
        want = detail(da.from_array(expected("f64", shape, step)))
        np.testing.assert_array_equal(v["hist"], want["hist"].compute())
        np.testing.assert_allclose(v["var"], want["var"].compute(), rtol=1e-12)
    # what the ranks sent per step: the detail's partial results only while it was there
    sent = dict(s.step_bytes)
    during = [sent[k] for k in got]
    after = [n for k, n in sent.items() if k > marks["seen"] + 5]
    assert after and max(after) < min(during), (during, after)


def run_with_task_stream(srv, setup, nranks: int, shape, steps: int) -> list:
    """e2e_sim (20 ms steps) with the session of ``setup``, Dask's task stream recorded: its tasks."""
    from distributed import get_task_stream
    with get_task_stream(client=srv.client) as ts:
        st = SessionThread(srv, setup)
        r = mpirun(nranks, "e2e_sim", ["--shape", ",".join(map(str, shape)), "--steps", steps, "--sleep-ms", 20],
                   srv.connection)
        assert r.returncode == 0, r.stderr
        assert st.join()["clean"]
    return ts.data


def raw_stages(tasks: list, analysis) -> list[tuple[int, str]]:
    """(step, worker) of each task that ran a raw block's per-block stage of ``analysis``."""
    prefix = f"situ-raw-stage-{analysis.id}-"
    return [(int(str(t["key"])[len(prefix):].split("-")[0]), t["worker"])
            for t in tasks if str(t["key"]).startswith(prefix)]


@pytest.fixture(scope="module")
def transit_served():
    """Two workers on the ranks' node and one standing for a staging node."""
    import situ
    srv = situ.serve(n_workers=2, threads_per_worker=1, transit_workers=1)
    yield srv
    srv.close()


def test_raw_stages_follow_the_node_load_while_running(transit_served):
    """The session re-reads the workers' load while it runs: raw blocks' stages leave the
    node once its workers count as busy and come back once they do not, each move in
    ``explain``; the results stay right throughout."""
    srv = transit_served
    far = {w["name"] for w in srv.info["workers"] if w["host"].endswith("/transit")}
    shape, nranks, steps = (20, 8, 6), 2, 60
    got: dict = {}

    def setup(s):
        c = s.analyse("a0", placement="auto")(lambda a0: {"s": a0.sum(axis=0), "mx": a0.max(axis=(1, 2))})
        # raw blocks (in-process never saves enough here), and no load counts as busy
        c.model = Model(max_worker_load=1.5, load_recheck_s=0.0, max_bytes_ratio=0.0)

        @c.then
        def turn(step, r):
            got[step] = r
            if step == 12:
                c.model.max_worker_load = 0.0    # now every load does
            elif step == 30:
                c.model.max_worker_load = 1.5    # and none again (<= 1.25 after the hysteresis)
        setup.c = c

    tasks = run_with_task_stream(srv, setup, nranks, shape, steps)
    c = setup.c
    assert [why.split(":")[0] for _, why in c.rehomed] == ["in_situ -> in_transit", "in_transit -> in_situ"], c.explain()
    (out_at, _), (back_at, _) = c.rehomed
    assert 12 < out_at < back_at and back_at > 30, c.rehomed
    assert "moved at step" in c.explain() and "busy" in c.explain()
    where: dict = {}
    for step, worker in raw_stages(tasks, c):
        where.setdefault(out_at <= step < back_at, set()).add(worker)
    assert where.get(True) == far and not where[False] & far, (where, c.rehomed, c.explain())
    assert c.decision.placement == "in_situ" and c.blocks["in_process"] == 0, c.explain()
    for step in range(steps):
        want = expected("f64", shape, step)
        np.testing.assert_allclose(got[step]["s"], want.sum(axis=0), rtol=1e-12)
        np.testing.assert_array_equal(got[step]["mx"], want.max(axis=(1, 2)))


def test_in_transit_stages_run_on_another_node(transit_served):
    """Pinned in transit, raw blocks' per-block stages run on the staging node's worker
    (the blocks move there); in situ, on the workers the ranks sent them to; auto goes in
    transit when the node's workers are too busy. The ranks send only to their node."""
    srv = transit_served
    far = [w["name"] for w in srv.info["workers"] if w["host"].endswith("/transit")]
    assert len(far) == 1
    shape, nranks, steps = (20, 8, 6), 2, 12
    got: dict = {"transit": {}, "situ": {}, "auto": {}}

    def reduce_(a0):
        return {"s": a0.sum(axis=0), "mx": a0.max(axis=(1, 2))}

    def setup(s):
        a = s.analyse("a0", placement="in_transit")(reduce_)
        b = s.analyse("a0", placement="in_situ")(reduce_)
        c = s.analyse("a0", placement="auto")(lambda a0: {"cs": da.cumsum(a0, axis=0)[-1]})
        c.model = Model(max_worker_load=0.0)   # the node's workers count as busy
        for x, k in ((a, "transit"), (b, "situ"), (c, "auto")):
            x.then(lambda step, r, k=k: got[k].__setitem__(step, r))
        setup.analyses = (a, b, c)

    tasks = run_with_task_stream(srv, setup, nranks, shape, steps)
    a, b, c = setup.analyses
    assert (a.decision.raw_home, b.decision.raw_home, c.decision.raw_home) == ("in_transit", "in_situ", "in_transit"), \
        a.explain() + b.explain() + c.explain()
    assert "busy" in c.decision.raw_reason and "on other nodes: 1)" in c.explain()
    where = {x.id: {worker for _, worker in raw_stages(tasks, x)} for x in (a, b)}
    assert where[a.id] == set(far), where          # every stage of a on the staging node
    assert where[b.id] and not where[b.id] & set(far), where  # b's ran, none of them there
    for step in range(steps):
        want = expected("f64", shape, step)
        for k in ("transit", "situ"):
            np.testing.assert_allclose(got[k][step]["s"], want.sum(axis=0), rtol=1e-12)
            np.testing.assert_array_equal(got[k][step]["mx"], want.max(axis=(1, 2)))
        np.testing.assert_allclose(got["auto"][step]["cs"], np.cumsum(want, axis=0)[-1], rtol=1e-12)


def test_uint8_arrays_are_placed_with_numpys_wrapping_and_promotion(served):
    """uint8 blocks run in the ranks too: sums are uint64, arithmetic wraps modulo 256,
    as NumPy computes them from the same values."""
    shape, nranks, steps = (11, 7, 3), 3, 60
    got = {}

    def stats(a0):
        return {"sum": a0.sum(axis=0), "max": a0.max(axis=1), "wrap": (a0 * 3 + 7).max(axis=(0, 2)),
                "neg": (-a0).min(), "hist": da.histogram(a0, bins=16, range=(0, 256))[0], "mean": a0.mean()}

    def setup(s):
        a = s.analyse("a0", placement="in_process")(stats)
        a.then(lambda step, r: got.__setitem__(step, r))
        setup.a = a

    st = SessionThread(served, setup, wait=False)
    r = mpirun(nranks, "e2e_sim", ["--dtype", "u8", "--shape", ",".join(map(str, shape)), "--steps", steps,
                                   "--decomp", "uneven", "--sleep-ms", 40], served.connection)
    assert r.returncode == 0, r.stderr
    assert st.join()["clean"]
    a = setup.a
    assert a.in_process and a.blocks["in_process"] > 0 and not a.errors, a.explain() + str(a.errors)
    assert sorted(got) == list(range(steps))
    for step, v in got.items():
        x = expected("u8", shape, step)
        want = {"sum": x.sum(axis=0), "max": x.max(axis=1), "wrap": (x * np.uint8(3) + np.uint8(7)).max(axis=(0, 2)),
                "neg": (-x).min(), "hist": np.histogram(x, bins=16, range=(0, 256))[0], "mean": x.mean()}
        for k, w in want.items():
            assert np.asarray(v[k]).dtype == w.dtype, (k, np.asarray(v[k]).dtype, w.dtype)
            np.testing.assert_allclose(v[k], w, rtol=1e-12, err_msg=k)


def test_two_analyses_of_one_array_are_costed_on_their_own_kernels(served):
    """The ranks report each plan's kernel time and runs: a cheap and an expensive
    analysis of the same array measure their own kernels, not the rank's total."""
    shape, nranks, steps = (64, 64, 32), 2, 40

    def cheap(a0):
        return {"mx": a0.max()}

    def costly(a0):
        return {"e": (da.sin(a0) * da.exp(a0 * 1e-3) + da.sqrt(abs(a0))).sum(axis=2),
                "h": da.histogram(a0, bins=np.geomspace(1, 1000, 65))[0]}   # uneven bins: a search each

    def setup(s):
        setup.a = s.analyse("a0", placement="in_process")(cheap)
        setup.b = s.analyse("a0", placement="in_process")(costly)

    # a first run leaves both kernels in the on-disk cache: a cold compile of the costly one
    # may outlast a loaded machine's 40 steps (the ranks never wait for it)
    warm = SessionThread(served, setup, wait=False)
    assert mpirun(nranks, "e2e_sim", ["--shape", ",".join(map(str, shape)), "--steps", 20, "--sleep-ms", 100],
                  served.connection).returncode == 0
    warm.join()
    st = SessionThread(served, setup, wait=False)
    r = mpirun(nranks, "e2e_sim", ["--shape", ",".join(map(str, shape)), "--steps", steps, "--sleep-ms", 20],
               served.connection)
    assert r.returncode == 0, r.stderr
    assert st.join()["clean"]
    a, b = setup.a, setup.b
    ka, kb = a.decision.measured_kernel_s, b.decision.measured_kernel_s
    assert len(ka) >= 3 and len(kb) >= 3, (a.explain(), b.explain())
    # the rank's total would be the same for both; the costly kernel is far slower
    assert np.median(kb) > 5 * np.median(ka), (ka, kb)
