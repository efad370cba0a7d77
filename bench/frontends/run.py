"""bench/frontends: the same models through PyTorch eager, torch.compile, JAX jit
and the situ-compiled kernel (via to_torch / to_jax), in one run.

    .venv/bin/python bench/frontends/run.py            # 1 and 2 threads
    .venv/bin/python bench/frontends/run.py --threads 1 --quick

Each thread count runs in its own process (thread pools are fixed at start).
Timings are interleaved round by round and the minimum per variant is kept,
which is robust to other load on the machine. Writes
bench/results/frontends.{json,md,png}.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"


def worker(threads: int, quick: bool) -> dict:
    import numpy as np
    import torch
    import jax
    import jax.numpy as jnp
    from jax import lax

    from situ import kokkos
    sys.path.insert(0, str(Path(__file__).parent))
    from models import heat_jax, jax_of, make

    torch.set_num_threads(threads)
    torch.manual_seed(0)

    rounds, min_time = (3, 0.05) if quick else (7, 0.2)
    out = []
    for name in ("mlp", "cnn", "attention", "stencil"):
        model, x = make(name)
        shape = tuple(x.shape)
        xj = jnp.asarray(x.numpy())
        variants = {}
        from situ.kokkos.jaxfront import graph_from_jax
        from situ.kokkos.torchfront import graph_from_torch
        t0 = time.perf_counter()
        if name == "stencil":   # written in jax.numpy: translated from JAX
            graph = graph_from_jax(heat_jax, x.numpy())
            eager, jfn = model, heat_jax
        else:
            graph = graph_from_torch(model, x)
            eager, jfn = model, jax_of(model)
        t1 = time.perf_counter()
        k = kokkos.compile_graph(graph, parallel=threads > 1)
        trace_s, compile_s = t1 - t0, time.perf_counter() - t1
        situ_t = kokkos.to_torch(k)
        situ_j = jax.jit(kokkos.to_jax(k))
        jitted = jax.jit(jfn)
        compiled = torch.compile(eager)
        variants = {
            "torch eager": lambda: eager(x),
            "torch.compile": lambda: compiled(x),
            "jax jit": lambda: jitted(xj).block_until_ready(),
            "situ (to_torch)": lambda: situ_t(x),
            "situ (to_jax)": lambda: situ_j(xj).block_until_ready(),
        }
        with torch.no_grad():
            ref = eager(x).numpy()
            errs = {v: float(np.abs(np.asarray(f()) - ref).max()) for v, f in variants.items()}
            reps = {}
            for v, f in variants.items():   # warm up, pick a repeat count
                f()
                n, t = 1, 0.0
                while t < min_time:
                    s = time.perf_counter()
                    for _ in range(n):
                        f()
                    t = time.perf_counter() - s
                    n *= 2
                reps[v] = max(1, n // 2)
            best = {v: float("inf") for v in variants}
            for _ in range(rounds):
                for v, f in variants.items():
                    s = time.perf_counter()
                    for _ in range(reps[v]):
                        f()
                    best[v] = min(best[v], (time.perf_counter() - s) / reps[v])
        row = {"model": name, "shape": list(shape), "threads": threads, "compile_s": compile_s,
               "trace_s": trace_s,
               "us": {v: t * 1e6 for v, t in best.items()}, "max_abs_err": errs}
        print(f"[{threads} thr] {name}: " + ", ".join(f"{v} {t * 1e6:.0f} us" for v, t in best.items())
              + f"; trace {trace_s:.2f} s, lower+JIT {compile_s:.2f} s", file=sys.stderr, flush=True)
        out.append(row)
    return {"threads": threads, "rows": out}


def report(runs: list[dict], meta: dict | None = None) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    # --report-only keeps the measuring run's description
    meta = meta or {"machine": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
                    "command": "bench/frontends/run.py " + " ".join(sys.argv[1:])}
    (RESULTS / "frontends.json").write_text(json.dumps({"meta": meta, "runs": runs}, indent=1))
    lines = ["# Front ends: PyTorch eager, torch.compile, JAX jit and situ kernels (CPU)", "",
             f"Command: `.venv/bin/python {meta['command']}` on {meta['cpus']} cores (shared machine; "
             "minimum over interleaved rounds). Times per call in µs; ratios > 1 mean situ is faster.", "",
             "| thr | model | torch eager | torch.compile | jax jit | situ (to_torch) | situ (to_jax) | "
             "eager / to_torch | jax / to_jax | eager / to_jax | jax / to_torch | trace s | lower+JIT s | max err |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for run in runs:
        for r in run["rows"]:
            u = r["us"]
            # each situ path against its own framework first (what the targets are about)
            st, sj = u["situ (to_torch)"], u["situ (to_jax)"]
            lines.append(f"| {r['threads']} | {r['model']} {tuple(r['shape'])} | {u['torch eager']:.0f} | "
                         f"{u['torch.compile']:.0f} | {u['jax jit']:.0f} | {st:.0f} | {sj:.0f} | "
                         f"{u['torch eager'] / st:.2f} | {u['jax jit'] / sj:.2f} | "
                         f"{u['torch eager'] / sj:.2f} | {u['jax jit'] / st:.2f} | "
                         f"{r['trace_s']:.2f} | {r['compile_s']:.2f} | {max(r['max_abs_err'].values()):.1e} |")
    lines += ["", "**Against the targets** (issue 4; situ through `to_torch` against PyTorch eager, through "
              "`to_jax` against JAX jit):", ""]
    for run in runs:
        for r in run["rows"]:
            u = r["us"]
            eager = u["torch eager"] / u["situ (to_torch)"]
            jax = u["jax jit"] / u["situ (to_jax)"]
            parts = []
            if r["model"] in ("mlp", "cnn"):
                parts.append(f"{eager:.2f}× PyTorch eager (target ≥ 1.0: {'met' if eager >= 1.0 else 'NOT met'})")
            parts.append(f"JAX jit {1 / jax:.2f}× faster" if jax < 1 else f"{jax:.2f}× JAX jit")
            parts.append(f"(target within 1.5×: {'met' if jax >= 1 / 1.5 else 'NOT met'})")
            lines.append(f"- {r['threads']} thread(s), {r['model']}: " + ", ".join(parts[:-1]) + " " + parts[-1])
    (RESULTS / "frontends.md").write_text("\n".join(lines) + "\n")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import numpy as np
        fig, axes = plt.subplots(1, len(runs), figsize=(6 * len(runs), 4), squeeze=False)
        for ax, run in zip(axes[0], runs):
            models = [r["model"] for r in run["rows"]]
            vs = list(run["rows"][0]["us"])
            for i, v in enumerate(vs):
                ax.bar(np.arange(len(models)) + i * 0.16, [r["us"][v] for r in run["rows"]], 0.16, label=v)
            ax.set_xticks(np.arange(len(models)) + 0.32, models)
            ax.set_yscale("log")
            ax.set_ylabel("µs per call")
            ax.set_title(f"{run['threads']} thread(s)")
        axes[0][0].legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(RESULTS / "frontends.png", dpi=110)
    except ImportError:
        pass


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, nargs="*", default=[1, 2])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--report-only", action="store_true", help="rewrite the .md/.png from the .json")
    a = ap.parse_args()
    if a.report_only:
        saved = json.loads((RESULTS / "frontends.json").read_text())
        report(saved["runs"], saved.get("meta"))
        return
    if a.worker is not None:
        print(json.dumps(worker(a.worker, a.quick)))
        return
    runs = []
    for t in a.threads:
        env = dict(os.environ, OMP_NUM_THREADS=str(t),
                   XLA_FLAGS=f"--xla_cpu_multi_thread_eigen={'true' if t > 1 else 'false'} "
                             f"intra_op_parallelism_threads={t}")
        cmd = [sys.executable, __file__, "--worker", str(t)] + (["--quick"] if a.quick else [])
        res = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, check=True, text=True)
        runs.append(json.loads(res.stdout.strip().splitlines()[-1]))
    report(runs)
    print((RESULTS / "frontends.md").read_text())


if __name__ == "__main__":
    main()
