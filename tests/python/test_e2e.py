"""End to end: C simulation under mpirun (libsitu) → Dask workers → Session."""
import json

import numpy as np
import pytest

from e2e import SessionThread, expected, mpirun

CASES = [  # (ranks, dtype, shape, decomposition)
    (1, "f64", [17], "uneven"),
    (2, "f32", [9, 4], "uneven"),
    (4, "i32", [11, 3, 2], "uneven"),
    (4, "i64", [10, 2, 2, 3], "empty"),
    (2, "u8", [5, 2, 3, 2, 2], "empty"),
    (4, "f64", [7, 2, 2, 2, 2, 3], "uneven"),
    (4, "f32", [9, 7], "irregular"),
    (4, "u8", [6, 6, 2], "irregular"),
]


@pytest.mark.parametrize("nranks,dtype,shape,decomp", CASES)
def test_values_bit_for_bit(served, nranks, dtype, shape, decomp):
    got = {}

    def setup(s):
        @s.on_step(["a0", "a1"])
        def grab(step, a0, a1):
            got[step] = (a0.compute(), a1.compute())

    st = SessionThread(served, setup)
    r = mpirun(nranks, "e2e_sim", ["--dtype", dtype, "--shape", ",".join(map(str, shape)),
                                   "--steps", 3, "--decomp", decomp, "--arrays", 2], served.connection)
    assert r.returncode == 0, r.stderr
    summary = st.join()
    assert summary["clean"]
    assert sorted(got) == [0, 1, 2]
    for step, (a0, a1) in got.items():
        for a, arr in enumerate((a0, a1)):
            want = expected(dtype, shape, step, a)
            assert arr.dtype == want.dtype and arr.shape == want.shape
            assert arr.tobytes() == want.tobytes(), f"step {step} array a{a} differs"
    nbytes = int(np.prod(shape)) * np.dtype(expected(dtype, [1], 0).dtype).itemsize
    assert st.session.bytes_received == 3 * 2 * nbytes


def test_contract_region_and_steps_only_requested_bytes_move(served, tmp_path):
    shape, region = [40, 30], [[5, 25], [10, 20]]
    got = {}

    def setup(s):
        s.contract("a0", start=1, every=3, region=region)

        @s.on_step("a0")
        def grab(step, a0):
            got[step] = a0.compute()

    st = SessionThread(served, setup)
    out = tmp_path / "sim.json"
    r = mpirun(4, "e2e_sim", ["--dtype", "f64", "--shape", "40,30", "--steps", 10,
                              "--decomp", "uneven", "--arrays", 2, "--steer-out", out], served.connection)
    assert r.returncode == 0, r.stderr
    st.join()
    assert sorted(got) == [1, 4, 7]
    for step, val in got.items():
        np.testing.assert_array_equal(val, expected("f64", shape, step)[5:25, 10:20])
    requested = 3 * 20 * 10 * 8
    assert st.session.bytes_received == requested
    assert f"bytes_sent={requested} " in r.stderr  # the simulation's own count agrees


def test_steering_round_trip(served, tmp_path):
    def setup(s):
        @s.on_step("a0")
        def steer(step, a0):
            if step == 2:
                s.set("gain", 0.25)

    st = SessionThread(served, setup)
    out = tmp_path / "steer.json"
    r = mpirun(2, "e2e_sim", ["--steps", 40, "--sleep-ms", 50, "--steer-out", out], served.connection)
    assert r.returncode == 0, r.stderr
    st.join()
    res = json.loads(out.read_text())
    assert res["steer_value"] == 0.25
    assert 2 < res["steer_step"] < 40


def test_no_analytics_attached_costs_nothing(tmp_path):
    r = mpirun(2, "e2e_sim", ["--steps", 5], connection=str(tmp_path / "missing.json"))
    assert r.returncode == 0, r.stderr
    assert "bytes_sent=0 " in r.stderr
