"""Bring up (or join) a Dask cluster ready for a simulation, and write the
connection file the simulation reads."""
from __future__ import annotations

import json
import os
import secrets
import socket
import tempfile
from dataclasses import dataclass
from typing import Any

from distributed import Client, LocalCluster

from .scheduler_plugin import SituSchedulerPlugin
from .worker_plugin import SituWorkerPlugin


@dataclass
class Served:
    """A cluster with situ endpoints: ``client``, ``connection`` (the file's path),
    ``info`` (its content) and, when situ started it, ``cluster``."""
    client: Client
    connection: str
    info: dict
    cluster: LocalCluster | None

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        try:
            os.unlink(self.connection)
        except OSError:
            pass


def serve(n_workers: int = 2, threads_per_worker: int = 1, scheduler_file: str | None = None,
          interface: str = "127.0.0.1", connection: str | None = None, shm: bool = True,
          memory_limit: str | int = "auto", transit_workers: int = 0, **cluster_kwargs: Any) -> Served:
    """Start an embedded LocalCluster (or join ``scheduler_file``), install situ's
    plugins, and write a connection file (mode 0600) for the simulation.

    ``transit_workers`` more workers stand for a staging node: the ranks do not send to
    them, analyses placed in transit run their per-block stages there (the blocks move
    over TCP), so in-transit placement can be tried on one machine.

    >>> srv = serve(n_workers=2)                       # doctest: +SKIP
    >>> os.environ["SITU_CONNECTION"] = srv.connection  # doctest: +SKIP
    """
    token = secrets.token_hex(16)
    cluster = None
    transit: set = set()
    if scheduler_file:
        if transit_workers:
            raise ValueError("transit_workers is for the embedded cluster: a joined cluster's "
                             "workers on other nodes are in transit already")
        client = Client(scheduler_file=scheduler_file, timeout="60s")
    else:
        cluster = LocalCluster(n_workers=n_workers + transit_workers, threads_per_worker=threads_per_worker,
                               processes=True, host=interface, dashboard_address=None,
                               memory_limit=memory_limit, **cluster_kwargs)
        client = Client(cluster)
        transit = set(sorted(cluster.workers)[n_workers:])
    client.register_plugin(SituSchedulerPlugin())
    client.register_plugin(SituWorkerPlugin(token, interface=interface, shm=shm, transit=transit), name="situ")
    endpoints = client.run(lambda dask_worker: dask_worker.plugins["situ"].endpoint)
    info = {"version": 1, "token": token, "scheduler": client.scheduler.address,
            "workers": sorted(endpoints.values(), key=lambda e: e["name"]),
            "host": socket.gethostname()}
    if connection is None:
        fd, connection = tempfile.mkstemp(prefix="situ-", suffix=".json")
        os.close(fd)
    fd = os.open(connection, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(info, f, indent=1)
    return Served(client, connection, info, cluster)
