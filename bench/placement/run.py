"""Placement benchmark: the vlasov proxy's fluid moments (reductions over velocity
space, then global aggregates) placed in-process vs sent raw (in situ on this one
machine; what Deisa and situ without placement do) vs no analytics, in one run.

    .venv/bin/python bench/placement/run.py [--steps 200] [--every 5]

Writes bench/results/placement.{json,md,png}: bytes moved per analysed step,
simulation time (overhead over no analytics), time to result per step.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("SITU_BUILD", os.path.join(ROOT, "build"))
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1")


def run(mode: str, a: argparse.Namespace, out: str) -> dict:
    sim = [os.path.join(BUILD, "bin", "vlasov"), "--nx", str(a.nx), "--ny", str(a.ny), "--nv", str(a.nv),
           "--nmu", str(a.nmu), "--steps", str(a.steps)]
    if mode == "none":
        cmd = ["mpirun", "-n", str(a.ranks), *sim]
    else:
        cmd = [sys.executable, "-m", "situ.cli", "run", "-n", str(a.ranks), "--quiet",
               os.path.join(ROOT, "apps/vlasov/analytics.py"), "--every", str(a.every), "--out", out,
               "--placement", mode, "--", *sim]
    r = subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=900, cwd=out)
    if r.returncode:
        raise SystemExit(f"{mode}: {r.stderr[-2000:]}")
    t = float(re.search(r"steps of \S+ in ([0-9.]+) s", r.stderr).group(1))
    res = {"mode": mode, "sim_seconds": t}
    if mode != "none":
        rep = json.load(open(os.path.join(out, "vlasov.json")))
        nsteps = len(rep["series"]["step"])
        res.update(steps_analysed=nsteps, bytes_per_step=rep["bytes_received"] / max(nsteps, 1),
                   time_to_result_ms=rep["time_to_result_ms"], blocks=rep["blocks"], kernel_ms=rep["kernel_ms"])
    print(f"{mode:>10}: {res}", flush=True)
    return res


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--ranks", type=int, default=4)
    p.add_argument("--nx", type=int, default=32)
    p.add_argument("--ny", type=int, default=32)
    p.add_argument("--nv", type=int, default=32)
    p.add_argument("--nmu", type=int, default=16)
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--every", type=int, default=5)
    a = p.parse_args()
    raw_bytes = a.nx * a.ny * a.nv * a.nmu * 8
    results = []
    with tempfile.TemporaryDirectory() as out:
        for mode in ("none", "in_process", "in_situ"):
            results.append(run(mode, a, out))
    base = results[0]["sim_seconds"]
    os.makedirs(os.path.join(ROOT, "bench/results"), exist_ok=True)
    doc = {"command": "python bench/placement/run.py " + " ".join(sys.argv[1:]), "params": vars(a),
           "raw_bytes_per_step": raw_bytes, "results": results}
    json.dump(doc, open(os.path.join(ROOT, "bench/results/placement.json"), "w"), indent=1)
    lines = ["# Placement benchmark (vlasov fluid moments)", "",
             f"Command: `{doc['command']}`; {a.ranks} ranks, f = {a.nx}x{a.ny}x{a.nv}x{a.nmu} f64 "
             f"({raw_bytes / 2**20:.1f} MiB per step), {a.steps} steps, analysed every {a.every}; "
             "2-core machine, LocalCluster with 2 workers.", "",
             "| placement | sim time s | overhead vs none | bytes per analysed step | of raw | "
             "time to result ms | blocks in-process / raw | kernel ms/step |", "|---|---|---|---|---|---|---|---|"]
    for r in results:
        if r["mode"] == "none":
            lines.append(f"| no analytics | {r['sim_seconds']:.3f} | 1.00 | - | - | - | - | - |")
            continue
        b = r["blocks"]
        lines.append(f"| {r['mode']} | {r['sim_seconds']:.3f} | {r['sim_seconds'] / base:.2f} | "
                     f"{r['bytes_per_step']:.0f} | {100 * r['bytes_per_step'] / raw_bytes:.2f}% | "
                     f"{r['time_to_result_ms']:.1f} | {b['in_process']} / {b['raw']} | {r['kernel_ms'] or 0:.3f} |")
    open(os.path.join(ROOT, "bench/results/placement.md"), "w").write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
