#!/bin/bash
# MDFT benchmark at 64^3, mmax 1..5, 1 and 2 threads. Usage: bench/mdft/run.sh [build-dir]
set -euo pipefail
B=${1:-build}
out=bench/results/mdft.jsonl
: > "$out"
for t in 1 2; do
  for m in 1 2 3 4 5; do
    it=0; [ "$m" -le 3 ] && it=5
    OMP_NUM_THREADS=$t "$B/bin/mdft_bench" 64 "$m" "$it" | tee -a "$out"
  done
done
