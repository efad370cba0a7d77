"""Plot bench/results/mdft.jsonl (written by bench/mdft/run.sh) as bench/results/mdft.png:
per-evaluation time by phase against the FFT floor, for 1 and 2 threads; and, where
bench/results/mdft_host16_scaling.jsonl is there (mdft_bench 64 3 0 at 1..16 threads on a
16-core host), the thread scaling of an evaluation and of its FFT floor as mdft_scaling.png.

    .venv/bin/python bench/mdft/plot.py [bench/results/mdft.jsonl]
"""
import json
import os
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

src = sys.argv[1] if len(sys.argv) > 1 else "bench/results/mdft.jsonl"
rows = [json.loads(l) for l in open(src) if l.strip()]
threads = sorted({r["threads"] for r in rows})
phases = [("angular_s", "angular"), ("fft_s", "FFT"), ("oz_s", "rotation + OZ"), ("back_s", "back-transform")]
fig, ax = plt.subplots(1, len(threads) + 1, figsize=(5 * (len(threads) + 1), 4.2))
for k, t in enumerate(threads):
    rs = sorted((r for r in rows if r["threads"] == t), key=lambda r: r["mmax"])
    m = np.array([r["mmax"] for r in rs])
    bottom = np.zeros(len(rs))
    for key, label in phases:
        v = np.array([r[key] for r in rs])
        ax[k].bar(m, v, bottom=bottom, label=label)
        bottom += v
    ax[k].plot(m, [2 * r["fft_floor_s"] for r in rs], "k--", marker="o", label="target: 2x FFT floor")
    ax[k].set_xlabel("mmax")  # linear: stacked phases on a log axis mislead; ax[k].set_ylabel("s per evaluation")
    ax[k].set_title(f"{rs[0]['n']}^3, {t} thread{'s' if t > 1 else ''}"); ax[k].legend(fontsize=8)
    ax[-1].plot(m, [r["eval_over_floor"] for r in rs], marker="o", label=f"{t} thread{'s' if t > 1 else ''}")
ax[-1].axhline(2, color="k", ls="--", label="target")
ax[-1].set_xlabel("mmax"); ax[-1].set_ylabel("evaluation / FFT floor"); ax[-1].legend()
ax[-1].set_title("distance to the target")
fig.tight_layout()
out = os.path.join(os.path.dirname(src), "mdft.png")
fig.savefig(out, dpi=90)
print(f"wrote {out}")

scaling = os.path.join(os.path.dirname(src), "mdft_host16_scaling.jsonl")
if os.path.exists(scaling):
    rs = sorted((r for r in (json.loads(l) for l in open(scaling) if l.strip()) if r["mmax"] == 3),
                key=lambda r: r["threads"])
    t = np.array([r["threads"] for r in rs])
    fig, ax = plt.subplots(1, 2, figsize=(10, 4.2))
    ax[0].loglog(t, [r["eval_s"] for r in rs], "o-", label="evaluation")
    ax[0].loglog(t, [r["fft_floor_s"] for r in rs], "s-", label="FFT floor")
    ax[0].loglog(t, rs[0]["eval_s"] / t, "k:", label="ideal (evaluation)")
    ax[0].set_xlabel("OpenMP threads"); ax[0].set_ylabel("s per evaluation"); ax[0].legend()
    ax[0].set_title("64^3, mmax 3, 16-core host")
    ax[1].plot(t, [r["eval_over_floor"] for r in rs], "o-")
    ax[1].axhline(2, color="k", ls="--", label="target")
    ax[1].set_xscale("log", base=2); ax[1].set_xlabel("OpenMP threads"); ax[1].set_ylabel("evaluation / FFT floor")
    ax[1].legend(); ax[1].set_title("distance to the target")
    fig.tight_layout()
    out = os.path.join(os.path.dirname(src), "mdft_scaling.png")
    fig.savefig(out, dpi=90)
    print(f"wrote {out}")
