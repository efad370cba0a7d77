"""MDFT's example analytics: watch the minimisation converge and the solvent
structure form around the solute, live.

    situ run -n 1 apps/mdft/analytics.py [--every K] [--stop-at K] -- \\
        build/bin/mdft run dft.json solute.json -o out/mdft --situ

Per iteration (array "convergence"): free energy, its change and the gradient norm.
Every K iterations (arrays "density" = n(r)/n0 and "geometry" = box + solute sites):
the radial distribution function g(r) around each solute site, computed with Dask
on the exposed density, binned like the solver's own rdf.dat (bins of half the
smallest grid spacing, minimum image). Steering: --stop-at K sets "stop" once
iteration K has been seen, which ends the minimisation early (outputs still written).
Writes out/mdft.png, out/mdft.json and out/mdft_density.npy (the last density seen).
"""
import argparse
import json
import math
import os

import dask
import dask.array as da
import numpy as np

import situ

p = argparse.ArgumentParser()
p.add_argument("--every", type=int, default=1, help="g(r) every K iterations")
p.add_argument("--stop-at", type=int, default=None, help="steer 'stop' after iteration K")
p.add_argument("--out", default="out")
args = p.parse_args()

conv = {"iter": [], "f": [], "df": [], "gnorm": [], "nfeval": []}
rdf = {"iter": [], "g": []}
state = {"r": None, "density": None, "density_iter": None, "stop_sent_at": None, "bins": None}


def distance_bins(geometry, chunks):
    """Per solute site, the rdf bin of every grid point (nb = outside), as Dask arrays
    chunked like the density; the solver's rdf.dat uses the same bins."""
    box, sites = geometry[0], geometry[1:]
    n = [sum(c) for c in chunks]
    h = [box[d] / n[d] for d in range(3)]
    dr = 0.5 * min(h)
    nb = int(0.5 * min(box) / dr)
    out = []
    for u in sites:
        d2 = 0
        for d in range(3):
            x = da.arange(n[d], chunks=chunks[d], dtype=np.float64) * h[d] - u[d]
            x = x - box[d] * da.round(x / box[d])   # minimum image (round half to even, as nearbyint)
            d2 = d2 + x.reshape([-1 if e == d else 1 for e in range(3)]) ** 2
        b = da.minimum(da.floor(da.sqrt(d2) / dr), nb).astype(np.int64)
        counts = da.bincount(b.ravel(), minlength=nb + 1)[:nb]
        out.append((b, counts))
    return (np.arange(nb) + 0.5) * dr, nb, out


with situ.Session() as s:
    @s.on_step("convergence")
    def monitor(step, convergence):
        f, df, gnorm, nfeval = convergence.compute()
        conv["iter"].append(step)
        conv["f"].append(float(f))
        conv["df"].append(float(df) if math.isfinite(df) else None)  # inf at iteration 0
        conv["gnorm"].append(float(gnorm))
        conv["nfeval"].append(int(nfeval))
        if args.stop_at is not None and step >= args.stop_at and state["stop_sent_at"] is None:
            s.set("stop", 1)
            state["stop_sent_at"] = step

    @s.on_step(["density", "geometry"], every=args.every)
    def structure(step, density, geometry):
        if state["bins"] is None:   # the box and solute do not move: bin once
            state["r"], nb, state["bins"] = distance_bins(geometry.compute(), density.chunks)
            state["nb"] = nb
            state["counts"] = dask.compute(*[c for _, c in state["bins"]])
        sums = [da.bincount(b.ravel(), weights=density.ravel(), minlength=state["nb"] + 1)[:state["nb"]]
                for b, _ in state["bins"]]
        *sums, field = dask.compute(*sums, density)
        g = [np.where(c > 0, sm / np.maximum(c, 1), 0.0) for sm, c in zip(sums, state["counts"])]
        rdf["iter"].append(step)
        rdf["g"].append([gi.tolist() for gi in g])
        state["density"], state["density_iter"] = field, step

    summary = s.run()

os.makedirs(args.out, exist_ok=True)
if state["density"] is not None:
    np.save(os.path.join(args.out, "mdft_density.npy"), state["density"])
report = {"convergence": conv, "rdf_r": None if state["r"] is None else state["r"].tolist(), "rdf": rdf,
          "density_iter": state["density_iter"], "stop_sent_at": state["stop_sent_at"],
          "dropped": s.dropped_steps, "lost": s.lost_steps, "errors": s.errors}
with open(os.path.join(args.out, "mdft.json"), "w") as f:
    json.dump(report, f)

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

fig, ax = plt.subplots(1, 3, figsize=(15, 4.2))
ax[0].plot(conv["iter"], conv["f"], ".-")
ax[0].set_xlabel("L-BFGS iteration"); ax[0].set_ylabel("F (kJ/mol)"); ax[0].set_title("free energy")
ax[1].semilogy(conv["iter"], conv["gnorm"], ".-", label="|grad F|")
ax[1].semilogy([i for i, d in zip(conv["iter"], conv["df"]) if d],
               [abs(d) for d in conv["df"] if d], ".-", label="|F_k - F_k-1|")
ax[1].set_xlabel("L-BFGS iteration"); ax[1].legend(); ax[1].set_title("convergence")
if rdf["iter"]:
    pick = sorted(set(np.linspace(0, len(rdf["iter"]) - 1, min(5, len(rdf["iter"]))).astype(int)))
    for k in pick:
        ax[2].plot(state["r"], rdf["g"][k][0], label=f"iteration {rdf['iter'][k]}")
    ax[2].axhline(1, color="gray", ls=":")
    ax[2].set_xlabel("r (A)"); ax[2].set_ylabel("g(r)"); ax[2].legend(); ax[2].set_title("g(r) around solute site 1")
fig.tight_layout()
fig.savefig(os.path.join(args.out, "mdft.png"), dpi=90)
print(f"analytics: {len(conv['iter'])} iterations monitored, g(r) at {len(rdf['iter'])} of them, "
      f"final F = {conv['f'][-1] if conv['f'] else float('nan'):.6f} kJ/mol; wrote {args.out}/mdft.png")
if s.errors:
    raise SystemExit(f"analytics: {len(s.errors)} callback errors")
