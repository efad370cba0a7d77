#!/usr/bin/env python3
"""Kernel benchmark, CPU side, in one run: each kernel of kernels.mlir
JIT-compiled by libsitu-kokkos, the same kernel hand-written in C/OpenMP
(both timed by build/bin/bench_kernels, which also checks their results
against each other) and in NumPy (timed here, checked against a plain
reference). Writes bench/results/kernels.json, kernels.md and kernels.png.

    .venv/bin/python bench/kernels/run.py [--build build]

Parse-to-callable is measured cold (SITU_KK_CACHE=off) and from the on-disk
kernel cache (a fresh temporary directory that this run fills).
"""
import argparse
import json
import math
import os
import platform
import subprocess
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def median_ms(f, reps=15):
    f()
    f()
    t = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        t.append((time.perf_counter() - t0) * 1e3)
    return sorted(t)[reps // 2]


def numpy_cases(rng):
    n = 1 << 22
    x, y = rng.random(n), rng.random(n)
    u = rng.random((2048, 2048))
    v = np.full_like(u, np.nan)
    s = rng.random((4096, 256))
    a, b = rng.random((256, 256)), rng.random((256, 256))
    t = rng.random((128, 128, 128))

    def axpy():
        y[:] = 1.5 * x + y

    def stencil():
        v[1:-1, 1:-1] = 0.25 * ((u[:-2, 1:-1] + u[2:, 1:-1]) + (u[1:-1, :-2] + u[1:-1, 2:]))

    def softmax():
        e = np.exp(s - s.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    cases = {
        "axpy": axpy,
        "fused_sum": lambda: np.sum((0.5 * x - 0.25) ** 2),
        "dot": lambda: np.dot(x, y),
        "stencil": stencil,
        "histogram": lambda: np.bincount((x * 64).astype(np.int64), minlength=64),
        "softmax": softmax,
        "matmul": lambda: a @ b,
        "transpose3d": lambda: np.ascontiguousarray(t.transpose(2, 1, 0)),
    }
    # NumPy results are checked against plain definitions before timing.
    assert abs(cases["fused_sum"]() - sum(((0.5 * x[:1000] - 0.25) ** 2)) -
               np.sum((0.5 * x[1000:] - 0.25) ** 2)) < 1e-6 * n
    assert np.array_equal(cases["histogram"](), np.histogram(x, bins=64, range=(0, 1))[0])
    sm = softmax()
    assert np.allclose(sm.sum(axis=1), 1.0)
    assert np.allclose(cases["matmul"](), np.einsum("ik,kj->ij", a, b))
    assert cases["transpose3d"]()[3, 2, 1] == t[1, 2, 3]
    return cases


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results"))
    args = ap.parse_args()
    exe = os.path.join(args.build, "bin", "bench_kernels")
    mlir = os.path.join(ROOT, "bench", "kernels", "kernels.mlir")
    cmd = [exe, mlir]
    load = os.getloadavg()[0]  # other work on the machine skews the timings
    # A fresh on-disk kernel cache: the warm parse-to-callable figure loads
    # what this run compiled, and the user's cache is left alone.
    with tempfile.TemporaryDirectory(prefix="situ-kk-bench-") as cache:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False,
                              env=dict(os.environ, SITU_KK_CACHE=cache))
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or len(rows) != 8:
        raise SystemExit(f"bench_kernels failed ({proc.returncode}):\n{proc.stderr}")
    cases = numpy_cases(np.random.default_rng(1))
    for r in rows:
        r["numpy_ms"] = median_ms(cases[r["kernel"]])
        r["c_over_jit"] = r["c_omp_ms"] / r["jit_ms"]
        r["numpy_over_jit"] = r["numpy_ms"] / r["jit_ms"]
    geo = math.exp(sum(math.log(r["c_over_jit"]) for r in rows) / len(rows))
    env = {
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS", "default"),
        "command": "python bench/kernels/run.py  (runs " + " ".join(os.path.relpath(c, ROOT) for c in cmd) + ")",
        "numpy": np.__version__,
        "load_average_1min": round(load, 2),
    }
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "kernels.json"), "w") as f:
        json.dump({"env": env, "geomean_c_over_jit": geo, "kernels": rows}, f, indent=1)
    lines = [
        "# Kernel benchmark, CPU (JIT vs hand-written C/OpenMP vs NumPy)",
        "",
        f"Command: `{env['command']}`; {env['cores']} cores (load average {load:.1f} at the start), "
        f"OMP_NUM_THREADS={env['omp_num_threads']}, "
        f"NumPy {env['numpy']}. Median of 15 runs after 2 warm-ups. Ratios > 1: the JIT is faster. "
        "Parse→callable in a fresh context, cold: no on-disk cache (`SITU_KK_CACHE=off`: parse, lower, "
        "LLVM, JIT; median of 3); from the disk cache: the shared object this run stored (what a later "
        "process or rank pays; median of 5).",
        "",
        "| kernel | size | JIT ms | C/OpenMP ms | NumPy ms | C/JIT | NumPy/JIT | parse→callable ms, cold "
        "| parse→callable ms, disk cache | results |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['kernel']} | {r['size']} | {r['jit_ms']:.3f} | {r['c_omp_ms']:.3f} | "
                     f"{r['numpy_ms']:.3f} | {r['c_over_jit']:.2f} | {r['numpy_over_jit']:.2f} | "
                     f"{r['compile_ms']:.0f} | {r['cached_ms']:.2f} | {'match' if r['ok'] else 'MISMATCH'} |")
    lines += ["", f"Geometric mean of C/OpenMP time over JIT time: **{geo:.2f}** (target >= 0.9).", ""]
    with open(os.path.join(args.out, "kernels.md"), "w") as f:
        f.write("\n".join(lines))
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        k = [r["kernel"] for r in rows]
        xs = np.arange(len(k))
        fig, ax = plt.subplots(figsize=(8, 3.5))
        ax.bar(xs - 0.25, [1.0] * len(k), 0.25, label="JIT (kokkos dialect)")
        ax.bar(xs, [r["jit_ms"] / r["c_omp_ms"] for r in rows], 0.25, label="hand C/OpenMP")
        ax.bar(xs + 0.25, [r["jit_ms"] / r["numpy_ms"] for r in rows], 0.25, label="NumPy")
        ax.set_xticks(xs, k, rotation=30)
        ax.set_ylabel("speed relative to JIT")
        ax.set_yscale("log")
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(os.path.join(args.out, "kernels.png"), dpi=100)
    except ImportError:
        pass
    print("\n".join(lines))


if __name__ == "__main__":
    main()
