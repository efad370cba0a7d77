"""Fluid-moment diagnostics of the vlasov proxy (Gysela-style): reductions of
f(x, y, v∥, μ) over velocity space per block, then global aggregates.

    situ run -n 4 apps/vlasov/analytics.py -- build/bin/vlasov --steps 100

Writes out/vlasov.json and out/vlasov.png (density, mean velocity, temperature maps
at the last analysed step and the time series of total particles and mean temperature).
"""
import argparse
import json
import os

import dask
import numpy as np

import situ

VMAX, MUMAX = 5.0, 6.0  # velocity-space extent of the proxy (apps/vlasov/vlasov.c)

p = argparse.ArgumentParser()
p.add_argument("--every", type=int, default=10)
p.add_argument("--out", default="out")
p.add_argument("--save-moments", help="write the last analysed n, u, T (x, y) here (.npz)")
p.add_argument("--placement", default="auto", choices=["auto", "in_process", "in_situ", "in_transit"])
args = p.parse_args()

series = {"step": [], "particles": [], "mean_T": [], "max_u": []}
last = {}

with situ.Session() as s:
    # Placed: situ reads this graph, runs the reductions over velocity space inside the
    # ranks (in-process), and only the per-block moments travel to Dask.
    @s.analyse("f", every=args.every, placement=args.placement)
    def moments(f):
        nx, ny, nv, nmu = f.shape
        dv, dmu = 2 * VMAX / (nv - 1), MUMAX / nmu
        v = np.linspace(-VMAX, VMAX, nv)[None, None, :, None]
        n = f.sum(axis=(2, 3)) * dv * dmu                       # local: over v∥, μ
        u = (f * v).sum(axis=(2, 3)) * dv * dmu / n
        T = (f * v**2).sum(axis=(2, 3)) * dv * dmu / n - u**2
        dx, dy = 2 * np.pi / nx, 2 * np.pi / ny
        return {"n": n, "u": u, "T": T, "total": n.sum() * dx * dy, "meanT": T.mean()}  # global

    @moments.then
    def record(step, r):
        series["step"].append(step)
        series["particles"].append(float(r["total"]))
        series["mean_T"].append(float(r["meanT"]))
        series["max_u"].append(float(abs(r["u"]).max()))
        last.update(n=r["n"], u=r["u"], T=r["T"], step=step)

    s.run()
    print(s.explain())

os.makedirs(args.out, exist_ok=True)
if args.save_moments and "n" in last:
    np.savez(args.save_moments, n=last["n"], u=last["u"], T=last["T"])
with open(os.path.join(args.out, "vlasov.json"), "w") as fh:
    json.dump({"series": series, "dropped": s.dropped_steps, "lost": s.lost_steps,
               "placement": moments.decision.placement if moments.decision else None,
               "blocks": moments.blocks, "bytes_received": s.bytes_received,
               "time_to_result_ms": float(np.median(moments.latency) * 1e3) if moments.latency else None,
               "kernel_ms": moments.decision.measured_kernel_s and
               float(np.median(moments.decision.measured_kernel_s) * 1e3)}, fh, indent=1)

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

fig, ax = plt.subplots(1, 4, figsize=(18, 4))
for a, key, title in zip(ax[:3], "nuT", ("density", "mean parallel velocity", "temperature")):
    if key in last:
        im = a.imshow(last[key].T, origin="lower", cmap="viridis")
        fig.colorbar(im, ax=a)
        a.set_title(f"{title} (step {last['step']})")
ax[3].plot(series["step"], np.array(series["particles"]) / series["particles"][0], label="particles / initial")
ax[3].plot(series["step"], series["mean_T"], label="mean T")
ax[3].set_xlabel("step"); ax[3].legend(); ax[3].set_title("global moments")
fig.tight_layout()
fig.savefig(os.path.join(args.out, "vlasov.png"), dpi=80)
print(f"analytics: {len(series['step'])} steps; particles conserved to "
      f"{abs(series['particles'][-1] / series['particles'][0] - 1):.2e}; wrote {args.out}/vlasov.png")
