#!/usr/bin/env python3
"""Writes bench/results/kernels_gpu_rtc.md from bench/results/kernels_gpu_rtc.jsonl:
the suite run on one GPU in one session, built by nvcc and loaded at run time
through libsitu-kokkos' CUDA loader (NVRTC + C host part + driver API)."""
import json
import math
import os
import statistics

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
res = os.path.join(ROOT, "bench", "results")
rows = [json.loads(l) for l in open(os.path.join(res, "kernels_gpu_rtc.jsonl"))]
runs = {}
for r in rows:
    runs.setdefault(r["run"], []).append(r)
nvcc = {r["kernel"]: r for r in runs["nvcc"] if "kernel" in r}
rtc = {r["kernel"]: r for r in runs["rtc_warm"] if "kernel" in r}
cold = [r for r in runs["rtc_cold"] if "load" in r][0]
suite = [k for k in nvcc if not k.startswith("prefix")]
geo = lambda f: math.exp(sum(math.log(f(k)) for k in suite) / len(suite))
out = [
    "# CUDA at run time: NVRTC + driver API vs nvcc (NVIDIA H200)", "",
    "The suite of `bench/kernels/kernels.mlir` on one H200 (driver 580.159.04, CUDA 13.0), in one session:",
    "`--kokkos-to-cuda` built by nvcc (`gpu_bench`), and `--kokkos-to-cuda-rtc` loaded at run time by",
    "libsitu-kokkos' CUDA loader (`src/kokkos/cuda.c`: NVRTC compiles the device part to an sm_90 CUBIN,",
    "the system C compiler the host part, launches go through the driver API) in the same harness built",
    "with `-DSITU_RTC` (`gpu_bench_rtc`). Each kernel is checked against the host C reference on random",
    "inputs with poisoned outputs; median of 20 timed calls after a warm-up. Loader calls synchronise at",
    "the end (the timing includes it, as the nvcc harness's `cudaDeviceSynchronize`).", "",
    "```",
    "kokkos-translate --kokkos-to-cuda bench/kernels/kernels.mlir -o build-gpu/emitted.cu",
    "kokkos-translate --kokkos-to-cuda-rtc bench/kernels/kernels.mlir -o build-gpu/emitted_rtc.cu",
    "gcc -O3 -c bench/kernels/hand.c -o build-gpu/hand.o",
    "gcc -O2 -std=c17 -Isrc/kokkos -c src/kokkos/cuda.c src/kokkos/cuda_cache.c   # into build-gpu/",
    "nvcc -O3 -std=c++17 -arch=sm_90 -Ibuild-gpu bench/kernels/gpu/gpu_bench.cu build-gpu/hand.o -o build-gpu/gpu_bench",
    "nvcc -O3 -std=c++17 -arch=sm_90 -DSITU_RTC -Isrc/kokkos bench/kernels/gpu/gpu_bench.cu build-gpu/hand.o \\",
    "     build-gpu/cuda.o build-gpu/cuda_cache.o -ldl -o build-gpu/gpu_bench_rtc",
    "build-gpu/gpu_bench; build-gpu/gpu_bench_rtc build-gpu/emitted_rtc.cu   # cold cache, then again warm",
    "build-gpu/gpu_bench_rtc --load-only build-gpu/one_*.cu   # one kernel per file (situ_kk_emit_source with an entry)",
    "python bench/kernels/gpu/report_rtc.py",
    "```", "",
    "| kernel | size | nvcc-built ms | NVRTC-loaded ms | hand CUDA ms | hand/NVRTC | max rel err vs host (NVRTC) |",
    "|---|---|---|---|---|---|---|",
]
for k, r in nvcc.items():
    q = rtc[k]
    out.append(f"| {k} | {r['size']} | {r['emitted_ms']:.4f} | {q['emitted_ms']:.4f} | {q['hand_cuda_ms']:.4f} | "
               f"{q['hand_cuda_ms'] / q['emitted_ms']:.2f} | {q['err_emitted_vs_host']:.2g} |")
ok = all(r.get("ok") for r in runs["rtc_warm"] + runs["rtc_cold"] if "kernel" in r)
loads = [r for r in runs["load_only"] if "entry" in r]
out += ["",
        f"All results within tolerance: **{ok}**. Geometric mean over the 8-kernel suite: hand/NVRTC-loaded "
        f"**{geo(lambda k: rtc[k]['hand_cuda_ms'] / rtc[k]['emitted_ms']):.2f}**, nvcc-built/NVRTC-loaded "
        f"**{geo(lambda k: nvcc[k]['emitted_ms'] / rtc[k]['emitted_ms']):.2f}** (same device code; the loader's "
        "call adds a context push/pop and its synchronisation).", "",
        "The histogram's atomic adds go to a per-block copy of the 64 bins in shared memory, added to the",
        "view once per block (the emitter privatises atomic-add targets of up to 2048 elements whose old value",
        "is unused): 3.70 ms with one global atomic per element before, as fast as the hand version now.", "",
        f"NVRTC and the C compiler accept everything the emitter writes: {sum(r['status'] == 0 for r in loads)} of "
        f"{len(loads)} functions of `tests/dialect/emit*.mlir` and the suite loaded (`--load-only`).", "",
        "## Load latency (parse-to-callable minus MLIR's emission)", "",
        f"Whole 9-kernel module, cold cache: NVRTC {cold['device_compile_ms']:.0f} ms, C compiler "
        f"{cold['host_compile_ms']:.0f} ms, load {cold['load_ms']:.0f} ms (with creating the CUDA context); "
        "from the cache: 0.3 ms per kernel in a process that holds the context.", ""]
per = [r for r in runs["per_kernel"]]
# Rounds: each round loads every one-kernel file twice, first from an empty cache.
colds = [r for r in per if r["device_compile_ms"] > 0]
warms = [r for r in per if r["device_compile_ms"] == 0]
n = len(colds) // 3
later = colds[n:]  # the first round also pays first-use costs (disk, NVRTC's own start)
med = lambda xs: statistics.median(xs)
out += ["One kernel per source, cold cache (median over the 2nd and 3rd rounds, 16-core host): "
        f"NVRTC {med([r['device_compile_ms'] for r in later]):.0f} ms, C compiler "
        f"{med([r['host_compile_ms'] for r in later]):.0f} ms, whole load {med([r['load_ms'] for r in later]):.0f} ms; "
        f"from the cache {med([r['load_ms'] for r in warms]):.0f} ms. These loads each create and destroy the CUDA "
        "context (the module holds the primary context and releases it when freed, and nothing else holds it in",
        "this tool), which is the ~100 ms left when both compiles are cached; a simulation that keeps its context "
        "pays it once. (Measured with the suite before the histogram's privatisation.) First round (first NVRTC use in the process group): NVRTC "
        f"{min(r['device_compile_ms'] for r in colds[:n]):.0f}-{max(r['device_compile_ms'] for r in colds[:n]):.0f} ms.", "",
        "nvcc on the development machine (2 cores, CUDA 13.0; `nvcc -O3 -arch=sm_90 -c`): 0.85-1.1 s for the",
        "axpy kernel alone (host + device), 1.9 s for the suite; NVRTC on the same machine: 43-51 ms for axpy's",
        "device part. The run-time path brings a CUDA kernel inside the 300 ms parse-to-callable budget with",
        "no CUDA toolkit beyond libnvrtc and the driver, and every rank of a node after the first finds both",
        "artefacts in the cache.", ""]
open(os.path.join(res, "kernels_gpu_rtc.md"), "w").write("\n".join(out))
print("\n".join(out[-12:]))
