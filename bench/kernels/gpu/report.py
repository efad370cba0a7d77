#!/usr/bin/env python3
"""Writes bench/results/kernels_gpu_h100.md from the JSON lines gpu_bench
printed on the H100 (bench/results/kernels_gpu_h100.jsonl)."""
import json
import math
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
res = os.path.join(ROOT, "bench", "results")
rows = [json.loads(l) for l in open(os.path.join(res, "kernels_gpu_h100.jsonl"))]
suite = [r for r in rows if not r["kernel"].startswith("prefix")]
geo = math.exp(sum(math.log(r["hand_cuda_ms"] / r["emitted_ms"]) for r in suite) / len(suite))
out = [
    "# Kernel benchmark, GPU: emitted CUDA vs hand-written CUDA (NVIDIA H100 80GB HBM3)", "",
    "The suite of `bench/kernels/kernels.mlir`, emitted by `kokkos-translate --kokkos-to-cuda`, compiled",
    "with nvcc 13 (`-O3 -arch=sm_90`) here and run on an H100 (driver 580.159.04) through the device tool.",
    "Both versions are checked against the host C reference (`bench/kernels/hand.c`) on random inputs, outputs",
    "poisoned first. Median of 20 runs after a warm-up, host-timed around `cudaDeviceSynchronize`; reductions",
    "include copying the scalar back. The prefix scan is compared with `thrust::exclusive_scan`.", "",
    "```",
    "build/bin/kokkos-translate --kokkos-to-cuda bench/kernels/kernels.mlir -o build-gpu/emitted.cu",
    "gcc -O3 -c bench/kernels/hand.c -o build-gpu/hand.o",
    "nvcc -O3 -std=c++17 -arch=sm_90 -Ibuild-gpu bench/kernels/gpu/gpu_bench.cu build-gpu/hand.o -o build-gpu/gpu_bench",
    "build-gpu/gpu_bench > bench/results/kernels_gpu_h100.jsonl   # on the H100",
    "python bench/kernels/gpu/report.py", "```", "",
    "| kernel | size | emitted ms | hand CUDA ms | hand/emitted | max rel err vs host (emitted, hand) |",
    "|---|---|---|---|---|---|",
]
for r in rows:
    out.append(f"| {r['kernel']} | {r['size']} | {r['emitted_ms']:.4f} | {r['hand_cuda_ms']:.4f} | "
               f"{r['hand_cuda_ms'] / r['emitted_ms']:.2f} | {r['err_emitted_vs_host']:.2g}, {r['err_hand_vs_host']:.2g} |")
out += ["", f"Geometric mean hand/emitted over the 8-kernel suite: **{geo:.2f}**.", "",
        "Reductions (block: warp shuffles, then one block joins the block partials) match or beat the hand",
        "versions. Where the emitter loses: the histogram does one global atomic per element (the hand version",
        "keeps bins in shared memory); softmax (a team of 128 threads per row) against a warp per row by hand;",
        "the scan gives each thread a contiguous chunk (uncoalesced) where thrust uses a decoupled look-back scan.",
        "axpy differs from the host by one rounding because nvcc contracts `a*x+y` into an FMA (tolerance 1e-15).", ""]
open(os.path.join(res, "kernels_gpu_h100.md"), "w").write("\n".join(out))
print(f"geomean hand/emitted {geo:.2f}")
