"""heat2d's example analytics (run by `make demo` through `situ run`).

Every 10 steps: mean, min, max, variance and a 64-bin histogram of the temperature;
the time derivative over a window of 2 steps; a steering rule that lowers the heat
source when the mean crosses a threshold. Writes out/heat2d.png and out/heat2d.json.
"""
import argparse
import json
import os

import dask
import dask.array as da
import numpy as np

import situ

p = argparse.ArgumentParser()
p.add_argument("--every", type=int, default=10)
p.add_argument("--threshold", type=float, default=0.01, help="mean temperature that triggers steering")
p.add_argument("--lowered", type=float, default=0.0, help="source strength after steering")
p.add_argument("--out", default="out")
args = p.parse_args()

series = {"step": [], "mean": [], "min": [], "max": [], "var": [], "dTdt_max": []}
state = {"steered_at": None, "hist": None, "edges": None, "field": None}

with situ.Session() as s:
    @s.on_step("temperature", every=args.every)
    def statistics(step, temperature):
        T = temperature
        top = max(series["max"][-1] * 1.1 if series["max"] else 1.0, 1e-12)
        hist, edges = da.histogram(T, bins=64, range=(0.0, top))
        # one graph, one round trip: the reductions share the blocks
        mean, lo, hi, var, field, hist = dask.compute(T.mean(), T.min(), T.max(), T.var(), T, hist)
        series["step"].append(step)
        for k, v in (("mean", mean), ("min", lo), ("max", hi), ("var", var)):
            series[k].append(float(v))
        state["hist"], state["edges"], state["field"] = hist, edges, field
        if state["steered_at"] is None and mean > args.threshold:
            s.set("source", args.lowered)  # steering: the simulation reads it at a later step
            state["steered_at"] = step

    @s.on_step("temperature", window=2, every=args.every)
    def rate(steps, temperature):
        dTdt = (temperature[1] - temperature[0]) / (steps[1] - steps[0])
        series["dTdt_max"].append(float(abs(dTdt).max().compute()))

    summary = s.run()

os.makedirs(args.out, exist_ok=True)
report = {"steps_analysed": len(series["step"]), "steered_at": state["steered_at"],
          "dropped": s.dropped_steps, "lost": s.lost_steps, "bytes": s.bytes_received,
          "errors": s.errors, "series": series}
with open(os.path.join(args.out, "heat2d.json"), "w") as f:
    json.dump(report, f, indent=1)

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

fig, ax = plt.subplots(1, 3, figsize=(15, 4.2))
if state["field"] is not None:
    im = ax[0].imshow(state["field"], origin="lower", cmap="inferno")
    fig.colorbar(im, ax=ax[0])
    ax[0].set_title(f"temperature at step {series['step'][-1]}")
ax[1].plot(series["step"], series["mean"], label="mean")
ax[1].plot(series["step"], series["max"], label="max")
if state["steered_at"] is not None:
    ax[1].axvline(state["steered_at"], color="k", ls="--", label="source lowered")
ax[1].axhline(args.threshold, color="gray", ls=":", label="threshold")
ax[1].set_xlabel("step"); ax[1].set_yscale("log"); ax[1].legend(); ax[1].set_title("temperature")
if state["hist"] is not None:
    ax[2].bar(state["edges"][:-1], state["hist"], width=np.diff(state["edges"]), align="edge")
    ax[2].set_yscale("log"); ax[2].set_title("histogram (last step, 64 bins)")
fig.tight_layout()
fig.savefig(os.path.join(args.out, "heat2d.png"), dpi=90)
print(f"analytics: {len(series['step'])} steps analysed, steered at step {state['steered_at']}, "
      f"{s.bytes_received / 2**20:.1f} MiB received, wrote {args.out}/heat2d.png")
if s.errors:
    raise SystemExit(f"analytics: {len(s.errors)} callback errors")
