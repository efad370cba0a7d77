"""End to end under failure: slow analytics, a worker killed mid-run, analytics crashes."""
import json
import os
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

import situ
from e2e import BIN, MPI_ENV, SessionThread, expected, mpirun


def _config(tmp_path, **kv):
    p = tmp_path / "situ.yml"
    p.write_text("".join(f"{k}: {v}\n" for k, v in kv.items()))
    return str(p)


@pytest.mark.parametrize("transport", ["auto", "tcp"])
def test_block_policy_loses_nothing_under_slow_analytics(served, tmp_path, transport):
    got = []

    def setup(s):
        @s.on_step("a0")
        def slow(step, a0):
            time.sleep(0.05)
            got.append((step, a0.compute()))

    cfg = _config(tmp_path, staging_bytes="16KiB", policy="block", transport=transport)
    st = SessionThread(served, setup)
    r = mpirun(2, "e2e_sim", ["--shape", "1024", "--steps", 20, "--config", cfg], served.connection)
    assert r.returncode == 0, r.stderr
    st.join()
    assert [s for s, _ in got] == list(range(20))
    for step, val in got:
        assert val.tobytes() == expected("f64", [1024], step).tobytes()
    assert "dropped_steps=0 lost_steps=0" in r.stderr


def test_drop_oldest_counts_drops_on_both_sides(served, tmp_path):
    got = []

    def setup(s):
        @s.on_step("a0")
        def slow(step, a0):
            time.sleep(0.3)
            got.append((step, a0.compute()))

    # room for one block per rank: a slow consumer forces drops
    cfg = _config(tmp_path, staging_bytes="8KiB", policy="drop_oldest")
    st = SessionThread(served, setup)
    r = mpirun(2, "e2e_sim", ["--shape", "1024", "--steps", 30, "--config", cfg], served.connection)
    assert r.returncode == 0, r.stderr
    st.join()
    line = [l for l in r.stderr.splitlines() if l.startswith("e2e_sim: bytes_sent=")][0]
    sim_dropped = int(line.split("dropped_steps=")[1].split()[0])
    assert sim_dropped > 0
    assert len(st.session.dropped_steps) > 0
    # every step either arrived intact or is reported dropped (none silently missing)
    arrived = [s for s, _ in got]
    assert sorted(arrived + st.session.dropped_steps + st.session.lost_steps) == list(range(30))
    for step, val in got:
        assert val.tobytes() == expected("f64", [1024], step).tobytes()


def test_worker_killed_mid_run_simulation_goes_on(tmp_path):
    srv = situ.serve(n_workers=2)
    try:
        got, pairs = {}, []

        def setup(s):
            @s.on_step("a0")
            def grab(step, a0):
                got[step] = a0.compute()

            @s.on_step("a0", window=2)   # holds the previous step: the kill hits live data
            def pair(steps, a0):
                pairs.append((steps, a0.compute()))

        st = SessionThread(srv, setup)
        victim = srv.info["workers"][0]["name"]
        out = {}
        sim = threading.Thread(target=lambda: out.setdefault("r", mpirun(
            2, "e2e_sim", ["--shape", "64", "--steps", 60, "--sleep-ms", 50], srv.connection)))
        sim.start()
        t = time.time()
        while len(got) < 10 and time.time() - t < 60:
            time.sleep(0.05)
        try:
            srv.client.run(lambda: os._exit(1), workers=[victim])
        except Exception:
            pass  # the worker died while answering
        sim.join(180)
        r = out["r"]
        assert r.returncode == 0, r.stderr
        st.join()
        assert st.session.reconnects >= 1          # a rank moved to the other worker
        assert len(st.session.lost_steps) >= 1     # and the loss is reported
        late = [s for s in got if s > max(st.session.lost_steps)]
        assert late, "no step arrived after the worker died"
        for step, val in got.items():
            assert val.tobytes() == expected("f64", [64], step).tobytes()
        for steps, val in pairs:
            assert val.tobytes() == np.stack([expected("f64", [64], s) for s in steps]).tobytes()
        # every step was analysed or reported lost: nothing vanished silently
        assert set(got) | set(st.session.lost_steps) == set(range(60))
    finally:
        srv.close()


def _situ_run(tmp_path, script, sim_args, timeout=240):
    a = tmp_path / "analytics.py"
    a.write_text(textwrap.dedent(script))
    cmd = [sys.executable, "-m", "situ.cli", "run", "-n", "2", "--workers", "2", "--quiet",
           str(a), "--", os.path.join(BIN, "e2e_sim"), *map(str, sim_args)]
    return subprocess.run(cmd, env=dict(os.environ, **MPI_ENV), capture_output=True, text=True,
                          timeout=timeout, cwd=tmp_path)


def test_situ_run_end_to_end(tmp_path):
    r = _situ_run(tmp_path, """
        import json, situ
        steps = []
        with situ.Session() as s:
            @s.on_step("a0", every=2)
            def f(step, a0):
                steps.append((step, float(a0.sum().compute())))
            s.run()
        json.dump(steps, open("out.json", "w"))
        """, ["--shape", "100", "--steps", 10])
    assert r.returncode == 0, r.stderr
    steps = json.loads((tmp_path / "out.json").read_text())
    assert [s for s, _ in steps] == [0, 2, 4, 6, 8]
    for step, total in steps:
        assert total == pytest.approx(float(expected("f64", [100], step).sum()), rel=1e-12)


def test_analytics_crash_does_not_stop_the_simulation(tmp_path):
    r = _situ_run(tmp_path, """
        import os, situ
        with situ.Session() as s:
            @s.on_step("a0")
            def f(step, a0):
                if step == 3:
                    os._exit(7)   # a hard crash, no clean detach
            s.run()
        """, ["--shape", "100", "--steps", 40, "--sleep-ms", 20, "--steer-out", "sim.json"])
    assert r.returncode != 0
    assert "analytics failed (exit 7)" in r.stderr
    res = json.loads((tmp_path / "sim.json").read_text())   # the simulation finished its run
    assert res["lost_steps"] == 0


def test_simulation_failure_is_reported(tmp_path):
    r = _situ_run(tmp_path, """
        import situ
        with situ.Session() as s:
            @s.on_step("a0")
            def f(step, a0):
                pass
            s.run()
        """, ["--dtype", "c128"])
    assert r.returncode != 0
    assert "simulation failed" in r.stderr


def test_situ_run_joins_an_existing_cluster(tmp_path):
    from distributed import Client, LocalCluster
    with LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        sched_file = tmp_path / "scheduler.json"
        client.write_scheduler_file(str(sched_file))
        a = tmp_path / "analytics.py"
        a.write_text(textwrap.dedent("""
            import json, situ
            with situ.Session() as s:
                @s.on_step("a0")
                def f(step, a0):
                    json.dump([step, float(a0.sum().compute())], open(f"step{step}.json", "w"))
                s.run()
            """))
        cmd = [sys.executable, "-m", "situ.cli", "run", "-n", "2", "--quiet", "--scheduler-file",
               str(sched_file), str(a), "--", os.path.join(BIN, "e2e_sim"), "--shape", "50", "--steps", "3"]
        r = subprocess.run(cmd, env=dict(os.environ, **MPI_ENV), capture_output=True, text=True,
                           timeout=240, cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        for step in range(3):
            got = json.loads((tmp_path / f"step{step}.json").read_text())
            assert got[0] == step and got[1] == pytest.approx(float(expected("f64", [50], step).sum()), rel=1e-12)
        # the blocks went through the cluster's own worker
        assert client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.plugins["situ"].totals["steps"]) == 3
