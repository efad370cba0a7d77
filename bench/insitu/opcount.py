"""A scheduler plugin that counts every message the scheduler handles, by op:
the honest way to compare scheduler load between situ and Deisa."""
from __future__ import annotations

import functools
import inspect
from collections import Counter

from distributed import SchedulerPlugin


class OpCounter(SchedulerPlugin):
    name = "opcount"

    async def start(self, scheduler) -> None:
        self.counts: Counter = Counter()
        for table in (scheduler.handlers, scheduler.stream_handlers):
            for op, fn in list(table.items()):
                table[op] = self._wrap(op, fn)

    def _wrap(self, op, fn):
        if inspect.iscoroutinefunction(fn):
            @functools.wraps(fn)
            async def counted(*a, **kw):
                self.counts[op] += 1
                return await fn(*a, **kw)
        else:
            @functools.wraps(fn)
            def counted(*a, **kw):
                self.counts[op] += 1
                return fn(*a, **kw)
        return counted


def read_counts(client, reset: bool = False) -> dict:
    def grab(dask_scheduler, reset):
        p = dask_scheduler.plugins["opcount"]
        out = dict(p.counts)
        if reset:
            p.counts.clear()
        return out
    return client.run_on_scheduler(grab, reset=reset)
