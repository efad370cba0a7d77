"""Placement benchmark: heat2d and vlasov with per-step reductions and a histogram
(bench/placement/workloads.py, ordinary Dask), side by side in one run:

  none      the C app, no analytics attached (situ's overhead baseline)
  placed    situ, pinned "in_process": the per-block stage runs inside the ranks
  auto      situ, placement="auto": the cost model decides (and may move the stage
            back to raw blocks once it measured the kernels)
  transit   situ, pinned "in_transit": every block goes raw to the Dask workers and its
            per-block stage runs on a worker standing for a staging node (situ run
            --transit-workers 1: the blocks cross over TCP; on this machine, the same cores)
  py        the same C solver driven from Python (mpi4py + ctypes): Deisa's baseline
  deisa     py + deisa-dask's Bridge in every rank, the same workload as a Deisa callback

at 4 and 16 MPI ranks (mpirun --oversubscribe; on this 2-core machine 16 ranks
share 2 cores with the Dask workers and the analytics). Measured: bytes moved per
analysed step, simulation time (overhead over its baseline), time to result per
analysed step (the analysis' result in hand minus the end of that step on rank 0,
one wall clock for both).

Plus the pipeline alone: tests/e2e/e2e_sim sleeping 20 ms per step (no solver CPU),
the heat2d workload, in-process vs in transit, at the same rank counts.

    .venv/bin/python bench/placement/run.py [--ranks 4,16] [--apps heat2d,vlasov] [--reps 1]
    .venv/bin/python bench/placement/run.py --idle-only     # only the sleeping-solver table
    .venv/bin/python bench/placement/run.py --replot

Writes bench/results/placement.{json,md} and bench/results/placement*.png. The ranks
load libsitu-kokkos from a copy taken at the start (the build may change under a run).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.abspath(os.environ.get("SITU_BUILD", os.path.join(ROOT, "build")))
BIN = os.path.join(BUILD, "bin")
RESULTS = os.path.join(ROOT, "bench", "results")
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", OMP_NUM_THREADS="1", SITU_BUILD=BUILD,
           PYTHONPATH=os.path.join(ROOT, "python"))
ENV.pop("SITU_CONNECTION", None)
MODES = ("none", "placed", "auto", "transit", "py", "deisa")
SITU_MODES = {"placed": "in_process", "auto": "auto", "transit": "in_transit"}
SIZES = {"heat2d": {"nx": 1024, "ny": 1024, "steps": 600, "every": 10},
         "vlasov": {"nx": 32, "ny": 32, "nv": 32, "nmu": 16, "steps": 300, "every": 5}}


def log(msg: str) -> None:
    print(f"[placement] {msg}", file=sys.stderr, flush=True)


def raw_bytes(app: str) -> int:
    z = SIZES[app]
    return z["nx"] * z["ny"] * (z["nv"] * z["nmu"] if app == "vlasov" else 1) * 8


def sim_cmd(app: str, timeline: str) -> list[str]:
    z = SIZES[app]
    if app == "heat2d":
        return [os.path.join(BIN, "heat2d"), "--nx", str(z["nx"]), "--ny", str(z["ny"]), "--steps", str(z["steps"]),
                "--steer-every", "0", "--timeline", timeline]
    return [os.path.join(BIN, "vlasov"), "--nx", str(z["nx"]), "--ny", str(z["ny"]), "--nv", str(z["nv"]),
            "--nmu", str(z["nmu"]), "--steps", str(z["steps"]), "--timeline", timeline]


def py_cmd(app: str, timeline: str, deisa: bool, shim: str) -> list[str]:
    z = SIZES[app]
    if app == "heat2d":
        cmd = [sys.executable, os.path.join(ROOT, "bench/insitu/heat2d_deisa.py"), "--nx", str(z["nx"]),
               "--ny", str(z["ny"]), "--steps", str(z["steps"]), "--every", str(z["every"])]
    else:
        cmd = [sys.executable, os.path.join(HERE, "vlasov_deisa.py"), "--lib", shim, "--nx", str(z["nx"]),
               "--ny", str(z["ny"]), "--nv", str(z["nv"]), "--nmu", str(z["nmu"]), "--steps", str(z["steps"]),
               "--every", str(z["every"])]
    return cmd + ["--timeline", timeline] + (["--deisa"] if deisa else [])


def sim_seconds(stderr: str) -> float:
    m = re.search(r" in ([0-9.]+) s", stderr)
    if not m:
        raise RuntimeError(f"no timing in the simulation's output:\n{stderr[-2000:]}")
    return float(m.group(1))


def read_timeline(path: str) -> dict[int, float]:
    with open(path) as f:
        return {int(s): float(t) for s, t in (line.split() for line in f if line.strip())}


def ttr(done: dict[int, float], timeline: dict[int, float]) -> dict:
    by_step = [done[s] - timeline[s] for s in sorted(done) if s in timeline]
    if not by_step:
        return {"ttr_ms": None, "ttr_max_ms": None}
    return {"ttr_ms": 1e3 * statistics.median(by_step), "ttr_max_ms": 1e3 * max(by_step),
            "ttr_second_half_ms": 1e3 * statistics.median(by_step[len(by_step) // 2:])}


def mpirun(ranks: int, cmd: list[str], env: dict | None = None, timeout: float = 900) -> str:
    full = ["mpirun", "-n", str(ranks), "--oversubscribe", *cmd]
    r = subprocess.run(full, env=dict(ENV, **(env or {})), capture_output=True, text=True, timeout=timeout)
    if r.returncode:
        raise RuntimeError(f"{' '.join(full)} failed:\n{r.stderr[-3000:]}")
    return r.stderr


# -- configurations -------------------------------------------------------------------
def run_none(app, ranks, tmp, shim):
    tl = os.path.join(tmp, "tl")
    return {"sim_s": sim_seconds(mpirun(ranks, sim_cmd(app, tl)))}


def transit_args(placement: str) -> list[str]:
    """situ run's options for a placement: a worker standing for a staging node in transit."""
    return ["--transit-workers", "1"] if placement == "in_transit" else []


def run_situ(app, ranks, tmp, shim, placement):
    tl, out = os.path.join(tmp, "tl"), os.path.join(tmp, "situ.json")
    cmd = [sys.executable, "-m", "situ.cli", "run", "-n", str(ranks), "--quiet", *transit_args(placement),
           os.path.join(HERE, "situ_analytics.py"), "--app", app, "--every", str(SIZES[app]["every"]),
           "--placement", placement, "--out", out, "--", *sim_cmd(app, tl)]
    # A fresh kernel cache per run: each run pays one compile per node.
    r = subprocess.run(cmd, env=dict(ENV, SITU_KK_CACHE=os.path.join(tmp, "kk-cache")), capture_output=True,
                       text=True, timeout=900, cwd=tmp)
    if r.returncode:
        raise RuntimeError(f"situ {placement} failed:\n{r.stderr[-3000:]}")
    rep = json.load(open(out))
    done = {int(k): v for k, v in rep["done"].items()}
    n = max(len(done), 1)
    res = {"sim_s": sim_seconds(r.stderr), "analysed": len(done), "bytes_per_step": rep["bytes_received"] / n,
           "bytes_per_step_median": rep.get("step_bytes_median"),
           "placement": rep["placement"], "blocks": rep["blocks"], "local_steps": rep["local_steps"],
           "kernel_ms": rep["kernel_ms"], "raw_path_ms": rep.get("raw_path_ms"), "reason": rep.get("reason"),
           "from_publish_ms": rep["from_publish_ms"],
           "breakdown_ms": rep["breakdown_ms"], "errors": rep["errors"][:3], "dropped": rep["dropped"],
           "lost": rep["lost"], "values": {int(k): v for k, v in rep["values"].items()}}
    res.update(ttr(done, read_timeline(tl)))
    return res


def run_py(app, ranks, tmp, shim):
    return {"sim_s": sim_seconds(mpirun(ranks, py_cmd(app, os.path.join(tmp, "tl"), False, shim)))}


def run_deisa(app, ranks, tmp, shim):
    from distributed import Client, LocalCluster
    every = SIZES[app]["every"]
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(cluster)
    env = {"DEISA_DASK_SCHEDULER_ADDRESS": cluster.scheduler_address}
    try:
        res_path, tl = os.path.join(tmp, "deisa.json"), os.path.join(tmp, "tl")
        ana = subprocess.Popen([sys.executable, os.path.join(HERE, "deisa_analytics.py"), app, res_path],
                               env=dict(ENV, **env), stderr=subprocess.PIPE, text=True)
        err = mpirun(ranks, py_cmd(app, tl, True, shim), env)
        try:
            _, aerr = ana.communicate(timeout=600)
        except subprocess.TimeoutExpired:
            ana.kill()
            _, aerr = ana.communicate()
        if ana.returncode:
            raise RuntimeError(f"deisa analytics failed:\n{aerr[-3000:]}")
        results = json.load(open(res_path))
        if not results:
            raise RuntimeError("Deisa's analytics produced no result")
        done = {r["t"] * every: r["done"] for r in results}
        res = {"sim_s": sim_seconds(err), "analysed": len(results), "bytes_per_step": raw_bytes(app),
               "bytes_per_step_median": raw_bytes(app),
               "deisa_calls_s": float(re.search(r"deisa calls ([0-9.]+) s", err).group(1)),
               "values": {r["t"] * every: r["value"] for r in results}}
        res.update(ttr(done, read_timeline(tl)))
        return res
    finally:
        client.close()
        cluster.close()


def run_idle(ranks: int, placement: str) -> dict:
    """The analytics pipeline alone at ``ranks``: tests/e2e/e2e_sim sleeping 20 ms per
    step (the solver takes no CPU), 1024x1024 f64, the heat2d workload every 10 steps.
    Time to result is from the step's publication (e2e_sim logs no timeline)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "situ.json")
        cmd = [sys.executable, "-m", "situ.cli", "run", "-n", str(ranks), "--quiet", *transit_args(placement),
               os.path.join(HERE, "situ_analytics.py"), "--app", "idle", "--every", "10", "--placement", placement,
               "--out", out, "--", os.path.join(BIN, "e2e_sim"), "--shape", "1024,1024", "--steps", "1000",
               "--sleep-ms", "20"]
        r = subprocess.run(cmd, env=dict(ENV, SITU_KK_CACHE=os.path.join(tmp, "kk-cache")), capture_output=True,
                           text=True, timeout=900, cwd=tmp)
        if r.returncode:
            raise RuntimeError(f"idle {placement} failed:\n{r.stderr[-3000:]}")
        rep = json.load(open(out))
    steps = sorted(int(k) for k in rep["done"])
    return {"ranks": ranks, "placement": placement, "analysed": len(steps), "from_publish_ms": rep["from_publish_ms"],
            "breakdown_ms": rep["breakdown_ms"], "blocks": rep["blocks"], "local_steps": rep["local_steps"],
            "kernel_ms": rep["kernel_ms"], "bytes_per_step_median": rep.get("step_bytes_median"),
            "from_publish_steady_ms": rep.get("from_publish_steady_ms"),
            "from_publish_max_ms": rep.get("from_publish_max_ms"), "latency_ms": rep.get("latency_ms"),
            "errors": rep["errors"][:3]}


def snapshot_kokkos() -> None:
    """Copy libsitu-kokkos (and the dialect library it needs) aside and point the
    ranks at the copy: the build directory may be rebuilt under a long benchmark."""
    snap = tempfile.mkdtemp(prefix="situ-kokkos-")
    for lib in ("libsitu-kokkos.so", "libsitu-kokkos-mlir.so", "libSituKokkosDialect.so"):
        shutil.copy2(os.path.join(BUILD, "lib", lib), snap)
    ENV["SITU_KOKKOS_LIBRARY"] = os.path.join(snap, "libsitu-kokkos.so")
    ENV["LD_LIBRARY_PATH"] = snap + (":" + ENV["LD_LIBRARY_PATH"] if ENV.get("LD_LIBRARY_PATH") else "")


def build_shim() -> str:
    out = os.path.join(BUILD, "lib", "libvlasov_shim.so")
    srcs = [os.path.join(HERE, "vlasov_shim.c"), os.path.join(ROOT, "apps/vlasov/vlasov.c")]
    if not os.path.exists(out) or os.path.getmtime(out) < max(os.path.getmtime(s) for s in srcs):
        os.makedirs(os.path.dirname(out), exist_ok=True)
        subprocess.run(["mpicc", "-O3", "-fPIC", "-shared", "-fopenmp", "-I", os.path.join(ROOT, "apps/vlasov"),
                        *srcs, "-lm", "-o", out], check=True)
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--ranks", default="4,16")
    p.add_argument("--apps", default="heat2d,vlasov")
    p.add_argument("--modes", default=",".join(MODES))
    p.add_argument("--reps", type=int, default=1, help="runs per configuration (the median sim time is kept)")
    p.add_argument("--replot", action="store_true", help="redraw the plots from placement.json")
    p.add_argument("--idle-only", action="store_true",
                   help="only the pipeline-latency runs (sleeping solver), merged into placement.json")
    a = p.parse_args()
    if a.replot:
        plot(json.load(open(os.path.join(RESULTS, "placement.json"))))
        return
    snapshot_kokkos()
    idle = []
    for ranks in (int(r) for r in a.ranks.split(",")):
        for placement in ("in_process", "in_transit"):
            try:
                idle.append(run_idle(ranks, placement))
            except Exception as e:
                idle.append({"ranks": ranks, "placement": placement, "error": str(e)[-1500:]})
            log(f"idle solver, {ranks} ranks, {placement}: {idle[-1]}")
    if a.idle_only:
        doc = json.load(open(os.path.join(RESULTS, "placement.json")))
        doc["idle"] = idle
        doc["idle_command"] = "python bench/placement/run.py " + " ".join(sys.argv[1:])
        json.dump(doc, open(os.path.join(RESULTS, "placement.json"), "w"), indent=1)
        text = report(doc)
        open(os.path.join(RESULTS, "placement.md"), "w").write(text)
        print(text)
        return
    shim = build_shim()
    rows = []
    t0 = time.time()
    for app in a.apps.split(","):
        for ranks in (int(r) for r in a.ranks.split(",")):
            row = {"app": app, "ranks": ranks, "raw_bytes_per_step": raw_bytes(app), **SIZES[app]}
            for mode in a.modes.split(","):
                runs = []
                for _ in range(a.reps):
                    with tempfile.TemporaryDirectory() as tmp:
                        try:
                            if mode in SITU_MODES:
                                runs.append(run_situ(app, ranks, tmp, shim, SITU_MODES[mode]))
                            else:
                                runs.append({"none": run_none, "py": run_py, "deisa": run_deisa}[mode](
                                    app, ranks, tmp, shim))
                        except Exception as e:  # report, never fake
                            runs.append({"error": str(e)[-1500:]})
                ok = sorted((r for r in runs if "error" not in r), key=lambda r: r["sim_s"])
                row[mode] = ok[len(ok) // 2] if ok else runs[0]
                if ok:
                    row[mode]["sim_s_all"] = [r["sim_s"] for r in ok]
                log(f"{app} {ranks} ranks {mode}: "
                    f"{ {k: v for k, v in row[mode].items() if k not in ('values', 'breakdown_ms')} } "
                    f"({time.time() - t0:.0f} s elapsed)")
            rows.append(row)
    doc = {"command": "python bench/placement/run.py " + " ".join(sys.argv[1:]), "sizes": SIZES,
           "machine": f"{os.cpu_count()} cores (shared with other jobs), LocalCluster with 2 single-thread workers",
           "rows": rows, "idle": idle}
    agree(doc)
    os.makedirs(RESULTS, exist_ok=True)
    json.dump(doc, open(os.path.join(RESULTS, "placement.json"), "w"), indent=1)
    plot(doc)
    text = report(doc)
    open(os.path.join(RESULTS, "placement.md"), "w").write(text)
    print(text)


def agree(doc: dict) -> None:
    """situ and Deisa computed the same check value (mean T / total particles) per step."""
    for row in doc["rows"]:
        ref = row.get("transit", {}).get("values") or {}
        for mode in ("placed", "auto", "deisa"):
            vals = row.get(mode, {}).get("values") or {}
            common = [s for s in vals if s in ref or str(s) in ref]
            if common:
                rv = {int(k): v for k, v in ref.items()}
                row[mode]["max_rel_diff_vs_transit"] = max(abs(float(vals[s]) - rv[int(s)]) / max(abs(rv[int(s)]), 1e-300)
                                                           for s in common)


def overhead(row: dict, mode: str) -> float | None:
    base = row.get("py" if mode == "deisa" else "none", {}).get("sim_s")
    s = row.get(mode, {}).get("sim_s")
    return s / base if s and base else None


def report(doc: dict) -> str:
    lines = ["# Placement benchmark: situ placed vs situ all-in-transit vs Deisa", "",
             f"Command: `{doc['command']}`. Machine: {doc['machine']}; 16 ranks oversubscribe the "
             "2 cores 8x (plus the workers and the analytics), so timings are noisy and the 16-rank "
             "figures measure contention as much as the method. One run per configuration unless "
             "`sim_s_all` in placement.json lists more.", "",
             "Workloads (bench/placement/workloads.py, the same Dask code for situ and Deisa): "
             "heat2d {nx}x{ny} f64, {steps} steps, analysed every {every}: mean, var, min, max, 64-bin "
             "histogram; ".format(**doc["sizes"]["heat2d"]) +
             "vlasov f {nx}x{ny}x{nv}x{nmu} f64, {steps} steps, analysed every {every}: n, u, T per (x, y) "
             "(reductions over v, mu), total particles, mean T, max f, 64-bin histogram of f.".format(
                 **doc["sizes"]["vlasov"]), "",
             "Bytes: per analysed step, the median (the steady state) and, in brackets, the mean over "
             "the run, which includes the first steps sent raw while the ranks compile their kernels "
             "(the simulation never waits for a compilation). Overhead: simulation time over the same "
             "solver without analytics (situ: the C app; Deisa: the Python driver, its own baseline). "
             "Time to result: wall clock from the end of the step on rank 0 to the analysis' result in "
             "the analytics process, median / max over the analysed steps. all-in-transit: every block "
             "raw, its per-block stage on a worker standing for a staging node (situ run "
             "--transit-workers 1: the blocks cross over TCP to it; here it shares the 2 cores).", "",
             "| app | ranks | config | bytes / analysed step (mean) | of raw | sim s | overhead | "
             "time to result ms (median / max) | notes |", "|---|---|---|---|---|---|---|---|---|"]
    for row in doc["rows"]:
        for mode in MODES:
            r = row.get(mode)
            if r is None:
                continue
            if "error" in r:
                lines.append(f"| {row['app']} | {row['ranks']} | {mode} | error | | | | | "
                             f"{r['error'].splitlines()[-1][:120]} |")
                continue
            ov = overhead(row, mode)
            b = r.get("bytes_per_step")
            notes = []
            if mode in SITU_MODES:
                notes.append(f"{r['placement']}; blocks in-process/raw {r['blocks']['in_process']}/{r['blocks']['raw']}")
                if r.get("kernel_ms"):
                    notes.append(f"kernel {r['kernel_ms']:.2f} ms/step (CPU)")
                rp = r.get("raw_path_ms") or {}
                if mode == "auto" and rp.get("copy") is not None:
                    notes.append("raw path measured: copy {:.2f} + send {:.2f} + worker stage {} ms/step".format(
                        rp["copy"], rp.get("send") or 0.0,
                        "-" if rp.get("stage") is None else f"{rp['stage']:.2f}"))
                bd = r.get("breakdown_ms") or {}
                if r.get("from_publish_ms") is not None:
                    notes.append(f"from publication {r['from_publish_ms']:.1f} ms = queued {bd.get('queued', 0):.1f} + "
                                 f"fetch {bd.get('fetch', 0):.1f} + compute {bd.get('compute', 0):.1f}")
            if mode == "deisa" and r.get("deisa_calls_s") is not None:
                notes.append(f"Bridge.send {1e3 * r['deisa_calls_s'] / max(r['analysed'], 1):.1f} ms/analysed step")
            if r.get("max_rel_diff_vs_transit") is not None:
                notes.append(f"check value vs transit: rel. diff {r['max_rel_diff_vs_transit']:.1e}")
            if mode == "py":
                notes.append("Python driver, no analytics (Deisa's baseline; its overhead column is vs none)")
            if mode == "none":
                notes.append("C app, no analytics (situ's baseline)")
            ttr_s = f"{r['ttr_ms']:.1f} / {r['ttr_max_ms']:.0f}" if r.get("ttr_ms") is not None else "-"
            bm = r.get("bytes_per_step_median") or b
            b_s = f"{bm:,.0f} ({b:,.0f})" if b else "-"
            share = f"{100 * bm / row['raw_bytes_per_step']:.2f}% ({100 * b / row['raw_bytes_per_step']:.1f}%)" if b else "-"
            ov_s = f"{ov:.2f}" if ov else "-"
            lines.append(f"| {row['app']} | {row['ranks']} | {mode} | {b_s} | {share} | {r['sim_s']:.3f} | "
                         f"{ov_s} | {ttr_s} | {'; '.join(notes)} |")
    if doc.get("idle"):
        lines += ["", "## The pipeline alone (a sleeping solver)", "",
                  f"Command: `{doc.get('idle_command', doc['command'])}`. tests/e2e/e2e_sim sleeping 20 ms per "
                  "step (the ranks take no CPU), 1024x1024 f64, the heat2d workload every 10 steps: what situ's "
                  "analytics path costs per step when the solver does not compete for the 2 cores. "
                  "Time to result from the step's publication by the scheduler (all ranks' blocks registered).", "",
                  "| ranks | placement | bytes / step (median) | time to result ms (median; second half of the run; max) | "
                  "queued / fetch / compute ms | blocks in-process / raw | combine in the session |",
                  "|---|---|---|---|---|---|---|"]
        for r in doc["idle"]:
            if "error" in r:
                lines.append(f"| {r['ranks']} | {r['placement']} | error | | | | {r['error'].splitlines()[-1][:100]} |")
                continue
            bd = r["breakdown_ms"]
            lines.append(f"| {r['ranks']} | {r['placement']} | {r['bytes_per_step_median'] or 0:,.0f} | "
                         f"{r['from_publish_ms']:.1f}; {r.get('from_publish_steady_ms') or 0:.1f}; "
                         f"{r.get('from_publish_max_ms') or float('nan'):.0f} | {bd['queued']:.1f} / {bd['fetch']:.1f} / {bd['compute']:.1f} | "
                         f"{r['blocks']['in_process']} / {r['blocks']['raw']} | {r['local_steps']} of {r['analysed']} steps |")
    return "\n".join(lines) + "\n"


def plot(doc: dict) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    rows = doc["rows"]
    groups = [f"{r['app']}\n{r['ranks']} ranks" for r in rows]
    modes = [("placed", "situ placed (in-process)", "tab:green"), ("auto", "situ auto", "tab:olive"),
             ("transit", "situ all-in-transit", "tab:orange"), ("deisa", "Deisa", "tab:blue")]
    fig, ax = plt.subplots(1, 3, figsize=(16, 4.5))
    x = np.arange(len(rows))
    w = 0.2
    for i, (m, label, color) in enumerate(modes):
        b = [100 * (r[m].get("bytes_per_step_median") or r[m]["bytes_per_step"]) / r["raw_bytes_per_step"]
             if "bytes_per_step" in r.get(m, {}) else np.nan for r in rows]
        ov = [overhead(r, m) or np.nan for r in rows]
        t = [r.get(m, {}).get("ttr_ms") or np.nan for r in rows]
        ax[0].bar(x + (i - 1.5) * w, b, w, label=label, color=color)
        ax[1].bar(x + (i - 1.5) * w, ov, w, label=label, color=color)
        ax[2].bar(x + (i - 1.5) * w, t, w, label=label, color=color)
    ax[0].axhline(1.0, color="k", ls=":", label="target 1%")
    ax[0].set_yscale("log"); ax[0].set_ylabel("% of the raw data per analysed step (median)"); ax[0].set_title("bytes moved")
    ax[1].axhline(1.0, color="gray", ls=":")
    ax[1].set_ylabel("sim time / no analytics (Deisa: / Python driver)"); ax[1].set_title("simulation overhead")
    ax[2].axhline(50, color="k", ls=":", label="target 50 ms")
    ax[2].set_yscale("log"); ax[2].set_ylabel("ms (median over analysed steps)")
    ax[2].set_title("time to result (step end -> result)")
    for a_ in ax:
        a_.set_xticks(x)
        a_.set_xticklabels(groups)
    ax[0].legend(fontsize=8); ax[2].legend(fontsize=8)
    fig.suptitle("bench/placement on a shared 2-core machine (16 ranks oversubscribed)", fontsize=10)
    fig.tight_layout()
    fig.savefig(os.path.join(RESULTS, "placement.png"), dpi=90)
    # where situ's time to result goes, placed vs all-in-transit
    fig, ax = plt.subplots(figsize=(9, 4))
    parts = ("queued", "graph", "fetch", "compute")
    labels, bottoms = [], None
    data = []
    for r in rows:
        for m in ("placed", "auto", "transit"):
            bd = r.get(m, {}).get("breakdown_ms")
            if bd:
                labels.append(f"{r['app']} {r['ranks']}\n{m}")
                data.append([bd.get(p_, 0.0) for p_ in parts])
    if data:
        data = np.array(data)
        bottoms = np.zeros(len(data))
        for j, p_ in enumerate(parts):
            ax.bar(np.arange(len(data)), data[:, j], bottom=bottoms, label=p_)
            bottoms += data[:, j]
        ax.set_xticks(np.arange(len(data)))
        ax.set_xticklabels(labels, fontsize=8)
        ax.set_yscale("symlog", linthresh=10)
        ax.set_ylabel("ms from the step's publication (medians)")
        ax.set_title("situ time to result, by part")
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(os.path.join(RESULTS, "placement_breakdown.png"), dpi=90)
    plt.close("all")


if __name__ == "__main__":
    main()
