#!/bin/bash
# MDFT benchmark at 64^3, mmax 1..5, 1 and 2 threads. Usage: bench/mdft/run.sh [build-dir]
# MDFT_BENCH_RUNS=r (default 1) runs each configuration r times, interleaved over the
# configurations, and keeps the run with the fastest evaluation (the machine may be shared).
# Every configuration also times MDFT_BENCH_ITERS (default 10) L-BFGS iterations.
set -euo pipefail
B=${1:-build}
R=${MDFT_BENCH_RUNS:-1}
out=bench/results/mdft.jsonl
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for r in $(seq "$R"); do
  for t in 1 2; do
    for m in 1 2 3 4 5; do
      it=${MDFT_BENCH_ITERS:-10} # L-BFGS iterations (m = 5: the history is full after 5)
      OMP_NUM_THREADS=$t "$B/bin/mdft_bench" 64 "$m" "$it" | tee -a "$tmp/t${t}_m${m}"
    done
  done
done
: > "$out"
for t in 1 2; do
  for m in 1 2 3 4 5; do
    python3 -c 'import json, sys; rs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]; print(json.dumps(min(rs, key=lambda r: r["eval_s"])))' "$tmp/t${t}_m${m}" >> "$out"
  done
done
