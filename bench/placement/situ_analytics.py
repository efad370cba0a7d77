"""situ side of the placement benchmark: the workload as one placed analysis.

    situ run -n 4 bench/placement/situ_analytics.py --app vlasov --placement auto --out r.json -- ...
"""
import argparse
import json
import os
import sys
import time

import numpy as np

import situ

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from workloads import ARRAY, FN, check  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--app", required=True, choices=sorted(FN))
p.add_argument("--every", type=int, default=5)
p.add_argument("--placement", default="auto")
p.add_argument("--out", required=True)
args = p.parse_args()

done, values = {}, {}
with situ.Session() as s:
    a = s.analyse(ARRAY[args.app], every=args.every, placement=args.placement)(FN[args.app])

    @a.then
    def record(step, r):
        done[step] = time.time()
        values[step] = check(args.app, r)

    s.run()
    text = s.explain()

d = a.decision
timing = np.array(a.timing) if a.timing else np.zeros((0, 4))
sb = [b for st, b in s.step_bytes if st in done]
json.dump({"done": done, "values": values, "bytes_received": s.bytes_received, "blocks": a.blocks,
           "step_bytes_median": float(np.median(sb)) if sb else None, "step_bytes_min": min(sb) if sb else None,
           "local_steps": a.local_steps, "placement": d.placement if d else None,
           "bytes_raw_per_step": d.bytes_raw if d else None, "bytes_placed_per_step": d.bytes_in_process if d else None,
           "kernel_ms": float(np.median(d.measured_kernel_s) * 1e3) if d and d.measured_kernel_s else None,
           "raw_path_ms": {k: (getattr(d, f"measured_{k}_s") * 1e3 if getattr(d, f"measured_{k}_s") is not None
                               else None) for k in ("copy", "send", "stage")} if d else None,
           "reason": d.reason if d else None,
           "from_publish_ms": float(np.median(a.latency) * 1e3) if a.latency else None,
           "from_publish_steady_ms": float(np.median(a.latency[len(a.latency) // 2:]) * 1e3) if a.latency else None,
           "from_publish_max_ms": float(np.max(a.latency) * 1e3) if a.latency else None,
           "latency_ms": [round(x * 1e3, 2) for x in a.latency],
           "breakdown_ms": dict(zip(("queued", "graph", "fetch", "compute"),
                                    (float(x) for x in (np.median(timing, axis=0) * 1e3 if len(timing) else [0] * 4)))),
           "errors": s.errors + a.errors, "dropped": s.dropped_steps, "lost": s.lost_steps, "explain": text},
          open(args.out, "w"), indent=1)
