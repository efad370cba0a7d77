"""Deisa side of the placement benchmark: the same workload (workloads.py) as a
Deisa callback; every block arrives raw on the Dask workers."""
import json
import os
import sys
import time

import dask
from deisa.dask import Deisa

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from workloads import ARRAY, FN, check  # noqa: E402

app, out = sys.argv[1], sys.argv[2]
results = []
d = Deisa()


@d.register(ARRAY[app])
def analyse(window):
    x = window[-1] if isinstance(window, (list, tuple)) else window
    (r,) = dask.compute(FN[app](x))
    results.append({"t": int(getattr(x, "t", -1)), "done": time.time(), "value": check(app, r)})


d.execute_callbacks()
json.dump(results, open(out, "w"))
