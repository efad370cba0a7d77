"""Worker/scheduler plugins and the session, driven by Python fake ranks."""
import threading
import time

import numpy as np
import pytest

import situ
from situ import protocol as P
from fakerank import FakeRank


def wait_contract(srv, name, timeout=10):
    t = time.time() + timeout
    while time.time() < t:
        st = srv.client.sync(srv.client.scheduler.situ_state)
        if name in st["contract"]["arrays"]:
            return st["contract"]
        time.sleep(0.05)
    raise TimeoutError("contract never set")


def run_session(srv, setup, timeout=60):
    """Start a session in a thread; returns (session, thread, result holder)."""
    s = situ.Session(connection=srv.connection)
    setup(s)
    out = {}
    th = threading.Thread(target=lambda: out.setdefault("summary", s.run(timeout=timeout)), daemon=True)
    th.start()
    return s, th, out


def test_blocks_arrive_as_dask_arrays_with_windows(served):
    rng = np.random.default_rng(1)
    steps = list(range(5))
    truth = {t: rng.standard_normal(10) for t in steps}
    seen, windows = {}, []

    def setup(s):
        @s.on_step("u")
        def one(step, u):
            seen[step] = u.compute()

        @s.on_step("u", window=2)
        def two(st, u):
            windows.append((st, u.shape, u.compute()))

    s, th, out = run_session(served, setup)
    wait_contract(served, "u")
    ep = served.info["workers"]
    ranks = [FakeRank(ep[r % len(ep)], served.info["token"], r, 2) for r in range(2)]
    bounds = [(0, 6), (6, 10)]
    for r, fr in enumerate(ranks):
        w = fr.hello()
        assert w["contract"]["arrays"]["u"]["every"] == 1
        fr.define("u", "f64", [10], [bounds[r][0]], [bounds[r][1] - bounds[r][0]])
    for t in steps:
        for r, fr in enumerate(ranks):
            lo, hi = bounds[r]
            fr.block("u", t, [lo], truth[t][lo:hi])
            fr.step_end(t, 1)
    for fr in ranks:
        fr.bye()
    th.join(60)
    s.close()
    assert out["summary"]["clean"]
    assert sorted(seen) == steps
    for t in steps:
        np.testing.assert_array_equal(seen[t], truth[t])
    assert [w[0] for w in windows] == [(t - 1, t) for t in steps[1:]]
    for st, shape, val in windows:
        assert shape == (2, 10)
        np.testing.assert_array_equal(val, np.stack([truth[st[0]], truth[st[1]]]))
    assert s.bytes_received == 5 * 10 * 8


def test_wrong_token_and_garbage_are_rejected_and_worker_survives(served):
    import socket
    ep = served.info["workers"][0]
    # wrong token
    bad = FakeRank(ep, "00" * 16, 0, 1)
    bad.send_json(P.HELLO, {"rank": 0, "nranks": 1})
    good_tok = P.token_bytes("00" * 16)
    head = P.recv_exact(bad.sock, P.HEADER_SIZE)
    mtype, n = P.check_header(bytes(head), good_tok)
    assert mtype == P.ERROR and b"wrong session token" in bytes(P.recv_exact(bad.sock, n))
    bad.close()
    # garbage
    g = socket.create_connection((ep["address"], ep["port"]))
    g.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + b"\0" * 64)
    g.settimeout(10)
    data = g.recv(4096)
    assert data[:4] == b"SITU" and b"bad magic" in data
    g.close()
    # the worker still serves a good rank afterwards
    fr = FakeRank(ep, served.info["token"], 0, 1)
    assert "contract" in fr.hello()
    fr.close()
