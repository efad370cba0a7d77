"""Helpers for end-to-end tests: run tests/e2e/e2e_sim under mpirun against a
served cluster, and recompute the values it sends."""
from __future__ import annotations

import os
import subprocess
import threading

import numpy as np

import situ

BUILD = os.path.abspath(os.environ.get("SITU_BUILD", os.path.join(os.path.dirname(__file__), "..", "..", "build")))
BIN = os.path.join(BUILD, "bin")
MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           "OMPI_MCA_rmaps_base_oversubscribe": "1"}


def expected(dtype: str, shape, step: int, a: int = 0) -> np.ndarray:
    """Independent recomputation of e2e_sim.c's value_at/fill."""
    g = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)
    v = ((g * 7919 + step * 104729 + a * 31) % 65521) / 3.0 - 1000.0
    if dtype == "f32":
        return v.astype(np.float32)
    if dtype == "f64":
        return v
    if dtype == "i32":
        return np.floor(v * 1000.0).astype(np.int32)
    if dtype == "i64":
        return np.floor(v * 1e6).astype(np.int64) * 4099
    if dtype == "u8":
        return ((g * 13 + step * 7 + a) % 256).astype(np.uint8)
    raise ValueError(dtype)


def mpirun(nranks: int, prog: str, args: list[str], connection: str | None, timeout: float = 120,
           extra_env: dict | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, **MPI_ENV, **(extra_env or {}))
    env.pop("SITU_CONNECTION", None)
    if connection:
        env["SITU_CONNECTION"] = connection
    cmd = ["mpirun", "-n", str(nranks), os.path.join(BIN, prog), *map(str, args)]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)


class SessionThread:
    """A Session whose run() goes on in a thread while the test drives the simulation."""

    def __init__(self, srv: situ.Served, setup, timeout: float = 120, wait: bool = True, **kw):
        self.session = situ.Session(connection=srv.connection, **kw)
        setup(self.session)
        self.summary = None
        self.error: BaseException | None = None
        self._ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(timeout,), daemon=True)
        self.thread.start()
        if wait:
            wait_ready(srv)

    def _run(self, timeout: float) -> None:
        try:
            self.summary = self.session.run(timeout=timeout)
        except BaseException as e:  # surfaced by join()
            self.error = e

    def join(self, timeout: float = 120):
        self.thread.join(timeout)
        self.session.close()
        if self.error:
            raise self.error
        assert not self.thread.is_alive(), "session did not see the end of the simulation"
        return self.summary


def wait_ready(srv: situ.Served, timeout: float = 30) -> None:
    import time
    t = time.time() + timeout
    while time.time() < t:
        st = srv.client.sync(srv.client.scheduler.situ_state)
        if st["session"] and st["contract"]["arrays"]:
            time.sleep(0.2)  # let the contract reach the workers
            return
        time.sleep(0.05)
    raise TimeoutError("session never sent its contract")
