"""Worker/scheduler plugins and the session, driven by Python fake ranks."""
import threading
import time

import numpy as np

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


def _drain_until(fr, mtype, timeout=10):
    fr.sock.settimeout(timeout)
    while True:
        t, payload = fr.recv()
        if t == mtype:
            return payload


def test_irregular_decomposition_empty_rank_and_control_pushes(served):
    import json
    rng = np.random.default_rng(7)
    # 3 ranks own irregular (non-grid) blocks of a 6x5 int32 array; rank 3 owns nothing.
    full = {t: rng.integers(-1000, 1000, size=(6, 5)).astype(np.int32) for t in range(3)}
    boxes = {0: ((0, 0), (4, 2)), 1: ((4, 0), (2, 5)), 2: ((0, 2), (4, 3))}
    got = {}

    def setup(s):
        @s.on_step("n")
        def grab(step, n):
            got[step] = (n.chunks, n.compute())

    s, th, out = run_session(served, setup)
    wait_contract(served, "n")
    ep = served.info["workers"]
    ranks = [FakeRank(ep[r % 2], served.info["token"], r, 4) for r in range(4)]
    for r, fr in enumerate(ranks):
        fr.hello()
        (x, y), (cx, cy) = boxes.get(r, ((0, 0), (0, 0)))
        fr.define("n", "i32", [6, 5], [x, y], [cx, cy])
    # steering and a contract change reach connected ranks
    s.set("gain", 2.5)
    assert json.loads(_drain_until(ranks[3], P.STEER)) == {"key": "gain", "value": 2.5}
    for t in range(3):
        for r, fr in enumerate(ranks):
            if r in boxes:
                (x, y), (cx, cy) = boxes[r]
                fr.block("n", t, [x, y], full[t][x:x + cx, y:y + cy])
            fr.step_end(t)
    for fr in ranks:
        fr.bye()
    th.join(60)
    s.close()
    assert sorted(got) == [0, 1, 2]
    for t in range(3):
        chunks, val = got[t]
        assert chunks == ((4, 2), (2, 3))
        assert val.dtype == np.int32
        np.testing.assert_array_equal(val, full[t])


def test_dropped_and_lost_steps_are_reported(served):
    seen = []

    def setup(s):
        @s.on_step("v", window=2)
        def grab(steps, v):
            seen.append(steps)

    s, th, out = run_session(served, setup)
    wait_contract(served, "v")
    ep = served.info["workers"]
    a, b = (FakeRank(ep[r], served.info["token"], r, 2) for r in range(2))
    for r, fr in enumerate((a, b)):
        fr.hello()
        fr.define("v", "f32", [4], [2 * r], [2])
    x = np.ones(2, np.float32)
    for t in range(6):
        for r, fr in enumerate((a, b)):
            if t == 2 and r == 1:
                fr.step_end(t, dropped=True)   # rank 1 dropped step 2 (drop_oldest)
                continue
            if t == 4 and r == 1:
                fr.block("v", t, [2], x)       # rank 1 dies inside step 4
                fr.close()
                continue
            if t == 5 and r == 1:
                continue
            fr.block("v", t, [2 * r], x)
            fr.step_end(t)
    a.bye()
    th.join(60)
    s.close()
    assert s.dropped_steps == [2]
    assert s.lost_steps == [4, 5]
    assert not out["summary"]["clean"]
    # windows never span a gap
    assert seen == [(0, 1)]


def test_a_ranks_bye_is_reported_after_the_steps_it_ended():
    """A worker sends a step once every rank connected to it ended that step. A rank that
    finished first says bye while its last steps still wait for a slower rank: the bye
    (and the disconnect) must reach the scheduler after those steps, which counts a
    step whose gone rank's report is missing as lost."""
    from situ.receiver import Receiver
    token = "ab" * 16
    events, cond = [], threading.Condition()

    def note(ev):
        with cond:
            events.append(ev)
            cond.notify_all()

    def wait_for(ev):
        with cond:
            assert cond.wait_for(lambda: ev in events, timeout=10), (ev, events)

    rcv = Receiver(P.token_bytes(token), lambda s, b, r: note(("step", s, tuple(sorted(r)))),
                   lambda kind, info: note((kind, info.get("rank"))),
                   lambda: {"worker": "w", "contract": {"arrays": {}}, "steer": {}})
    try:
        ep = {"address": rcv.address, "port": rcv.port}
        fast, slow = FakeRank(ep, token, 0, 2), FakeRank(ep, token, 1, 2)
        fast.hello()
        slow.hello()
        for s in range(3):
            fast.step_end(s)
        fast.bye()
        fast.close()
        slow.step_end(0)
        wait_for(("step", 0, (0, 1)))
        time.sleep(0.3)   # the fast rank's bye and disconnect were read by now
        assert ("bye", 0) not in events and ("disconnect", 0) not in events, events
        slow.step_end(1)
        slow.step_end(2)
        wait_for(("disconnect", 0))
        order = [e for e in events if e[0] in ("step", "bye", "disconnect")]
        assert order == [("step", 0, (0, 1)), ("step", 1, (0, 1)), ("step", 2, (0, 1)), ("bye", 0),
                         ("disconnect", 0)], order
        slow.bye()
        slow.close()
        wait_for(("disconnect", 1))
    finally:
        rcv.close()
