"""bench/insitu: heat2d with a fixed analytics, side by side in one run.

Configurations (4 MPI ranks, analytics every 10 steps: global mean, variance, 64-bin
histogram):

  none      C heat2d, no analytics attached
  situ      C heat2d + libsitu → Dask (situ.Session)
  posthoc   C heat2d writing parallel HDF5 each analysed step, then Dask reads the files
  py        the same C solver driven from Python (mpi4py + ctypes): Deisa's baseline
  deisa     py + deisa-dask's Bridge in every rank → Dask (deisa.dask.Deisa)

plus two floors measured in the same run: one memcpy of the analysed block, and
situ_expose with no analytics. Writes bench/results/insitu.{json,md,png}.

    .venv/bin/python bench/insitu/run.py [--quick]
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.abspath(os.environ.get("SITU_BUILD", os.path.join(ROOT, "build")))
BIN = os.path.join(BUILD, "bin")
RESULTS = os.path.join(ROOT, "bench", "results")
MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           "OMPI_MCA_rmaps_base_oversubscribe": "1", "SITU_BUILD": BUILD}
EVERY = 10

sys.path.insert(0, os.path.dirname(__file__))
from opcount import OpCounter, read_counts  # noqa: E402


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def grid_for(mib: float, ranks: int) -> int:
    """Global side of a square grid whose per-rank blocks hold `mib` MiB of doubles, even so
    that the 2x2 decomposition is uniform (deisa-dask rejects uneven blocks)."""
    return 2 * int(round((ranks * mib * 2**20 / 8) ** 0.5 / 2))


def mpirun(ranks: int, cmd: list[str], env: dict | None = None, timeout: float = 600) -> str:
    full = ["mpirun", "-n", str(ranks), *cmd]
    r = subprocess.run(full, env=dict(os.environ, **MPI_ENV, **(env or {})), capture_output=True,
                       text=True, timeout=timeout)
    if r.returncode:
        raise RuntimeError(f"{' '.join(full)} failed:\n{r.stderr[-3000:]}")
    return r.stderr


def seconds_after(stderr: str, marker: str) -> float:
    """The number printed right after `marker` (e.g. "situ calls ") in a run's output."""
    for line in stderr.splitlines():
        if marker in line:
            return float(line.split(marker)[1].split()[0])
    raise RuntimeError(f"no '{marker}' in output:\n{stderr[-2000:]}")


def ms_per_step(stderr: str) -> float:
    for line in stderr.splitlines():
        if "ms/step)" in line:
            return float(line.split("(")[1].split(" ms/step")[0])
    raise RuntimeError(f"no timing in output:\n{stderr[-2000:]}")


def read_timeline(path: str) -> dict[int, float]:
    out = {}
    with open(path) as f:
        for line in f:
            s, t = line.split()
            out[int(s)] = float(t)
    return out


# -- configurations ---------------------------------------------------------------
def run_none(ranks, n, steps):
    env = {"SITU_CONNECTION": ""}
    return {"ms_step": ms_per_step(mpirun(ranks, [f"{BIN}/heat2d", "--nx", str(n), "--ny", str(n),
                                                  "--steps", str(steps), "--steer-every", "0"], env))}


def run_situ(ranks, n, steps, workers=2, analytics="stats"):
    import dask
    import dask.array as da
    import situ
    block = (n // 2) * (n // 2) * 8 if ranks == 4 else n * n * 8 // ranks
    srv = situ.serve(n_workers=workers, threads_per_worker=1)
    srv.client.register_plugin(OpCounter())
    done: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        cfg = os.path.join(tmp, "situ.yml")
        with open(cfg, "w") as f:
            # room for every analysed step: the simulation never waits on the analytics
            f.write(f"staging_bytes: {(steps // EVERY + 2) * block + (1 << 20)}\npolicy: block\n")
        s = situ.Session(connection=srv.connection)

        @s.on_step("temperature", every=EVERY)
        def stats(step, temperature):
            if analytics == "stats":
                hist, _ = da.histogram(temperature, bins=64, range=(0.0, 1.0))
                dask.compute(temperature.mean(), temperature.var(), hist)
            done[step] = time.time()

        out = {}
        th = threading.Thread(target=lambda: out.setdefault("summary", s.run(timeout=600)), daemon=True)
        th.start()
        t = time.time() + 30
        while not srv.client.sync(srv.client.scheduler.situ_state)["contract"]["arrays"]:
            if time.time() > t:
                raise RuntimeError("situ session never became ready")
            time.sleep(0.05)
        time.sleep(0.2)
        read_counts(srv.client, reset=True)
        tl = os.path.join(tmp, "timeline")
        err = mpirun(ranks, [f"{BIN}/heat2d", "--nx", str(n), "--ny", str(n), "--steps", str(steps),
                             "--steer-every", "0", "--config", cfg, "--timeline", tl],
                     {"SITU_CONNECTION": srv.connection})
        th.join(600)
        ops = read_counts(srv.client)
        timeline = read_timeline(tl)
        ms = ms_per_step(err)
        calls = seconds_after(err, "situ calls ") - seconds_after(err, "waiting for staging ")
        copying = seconds_after(err, "copying ")
        s.close()
    srv.close()
    lat = [done[k] - timeline[k] for k in done if k in timeline]
    return {"ms_step": ms, "latency_s": statistics.median(lat) if lat else None,
            "call_s": calls / max(len(done), 1), "copy_s": copying / max(len(done), 1),
            "bytes": s.bytes_received, "ops": ops,
            "analysed": len(done)}


def run_posthoc(ranks, n, steps):
    import dask
    import dask.array as da
    import h5py
    with tempfile.TemporaryDirectory() as tmp:
        t_start = time.time()
        err = mpirun(ranks, [f"{BIN}/heat2d_posthoc", "--nx", str(n), "--ny", str(n), "--steps", str(steps),
                             "--every", str(EVERY), "--dir", tmp])
        t_sim_end = time.time()
        ms = ms_per_step(err)
        io = seconds_after(err, "io ")
        files = sorted(glob.glob(os.path.join(tmp, "step_*.h5")))
        nbytes = sum(os.path.getsize(f) for f in files)
        done = {}
        for path in files:
            with h5py.File(path, "r") as f:
                T = da.from_array(f["temperature"], chunks=(n // 2, n // 2))
                hist, _ = da.histogram(T, bins=64, range=(0.0, 1.0))
                dask.compute(T.mean(), T.var(), hist, scheduler="threads")
            done[int(os.path.basename(path)[5:11])] = time.time()
    # step s ended about (s + 1) steps into the simulation's run
    lat = [t - (t_start + (t_sim_end - t_start) * (s + 1) / steps) for s, t in done.items()]
    return {"ms_step": ms, "latency_s": statistics.median(lat), "bytes": 2 * nbytes,
            "call_s": io / max(len(done), 1), "analysed": len(done)}


def run_py(ranks, n, steps):
    return {"ms_step": ms_per_step(mpirun(ranks, [sys.executable, os.path.join(ROOT, "bench/insitu/heat2d_deisa.py"),
                                                  "--nx", str(n), "--ny", str(n), "--steps", str(steps)]))}


def run_deisa(ranks, n, steps, workers=2, analytics="stats"):
    from distributed import Client, LocalCluster
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(cluster)
    client.register_plugin(OpCounter())
    env = {"DEISA_DASK_SCHEDULER_ADDRESS": cluster.scheduler_address}
    with tempfile.TemporaryDirectory() as tmp:
        res = os.path.join(tmp, "res.json")
        ana = subprocess.Popen([sys.executable, os.path.join(ROOT, "bench/insitu/deisa_analytics.py"), res,
                                analytics],
                               env=dict(os.environ, **env), stderr=subprocess.PIPE, text=True)
        read_counts(client, reset=True)
        tl = os.path.join(tmp, "timeline")
        err = mpirun(ranks, [sys.executable, os.path.join(ROOT, "bench/insitu/heat2d_deisa.py"), "--nx", str(n),
                             "--ny", str(n), "--steps", str(steps), "--every", str(EVERY), "--deisa",
                             "--timeline", tl], env)
        try:
            _, aerr = ana.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            ana.kill()
            _, aerr = ana.communicate()
        ops = read_counts(client)
        if ana.returncode:
            raise RuntimeError(f"deisa analytics failed:\n{aerr[-3000:]}")
        results = json.load(open(res))
        if not results:
            raise RuntimeError("Deisa's analytics produced no result:\n" + "\n".join(
                l for l in aerr.splitlines() if " INFO " not in l)[-3000:])
        timeline = read_timeline(tl)
    client.close()
    cluster.close()
    lat = [r["done"] - timeline[r["t"] * EVERY] for r in results if r["t"] * EVERY in timeline]
    block = (n // 2) ** 2 * 8
    return {"ms_step": ms_per_step(err), "latency_s": statistics.median(lat) if lat else None,
            "call_s": seconds_after(err, "deisa calls ") / max(len(results), 1),
            "bytes": len(results) * ranks * block, "ops": ops, "analysed": len(results)}


def median_run(fn, reps, *a):
    runs = [fn(*a) for _ in range(reps)]
    runs.sort(key=lambda r: r["ms_step"])
    return runs[len(runs) // 2]


# Scheduler ops by role. Ingest: what tells the scheduler that a step's blocks exist
# (situ: one situ-step per worker; deisa-dask: update_data, client-desires-keys and
# log_event from its rank 0 and analytics). Lifecycle: Dask's own per-key bookkeeping
# when blocks are released, the same machinery for both.
INGEST = {"situ-step", "update_data", "client-desires-keys", "log_event", "log-event"}
LIFECYCLE = {"client-releases-keys", "release-worker-data", "add-keys", "task-finished", "update-graph"}


def ops_per_step(ops: dict, analysed: int) -> dict:
    """Scheduler messages per analysed step by role; set-up messages (one per run or
    per rank: hellos, handshakes, actors) as a total. Heartbeats excluded."""
    n = max(analysed, 1)
    ingest = sum(v for k, v in ops.items() if k in INGEST)
    life = sum(v for k, v in ops.items() if k in LIFECYCLE)
    setup = sum(v for k, v in ops.items() if k not in INGEST | LIFECYCLE and "heartbeat" not in k)
    return {"ingest": ingest / n, "lifecycle": life / n, "setup_total": setup}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="1 and 4 MiB, one repetition")
    ap.add_argument("--sizes", default=None, help="MiB per rank, comma-separated")
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--reps", type=int, default=None)
    ap.add_argument("--no-deisa", action="store_true")
    ap.add_argument("--replot", action="store_true", help="redraw insitu.png from insitu.json")
    args = ap.parse_args()
    if args.replot:
        data = json.load(open(os.path.join(RESULTS, "insitu.json")))
        plot(data["rows"], data["scheduler_scaling"])
        return
    sizes = [float(x) for x in args.sizes.split(",")] if args.sizes else ([1, 4] if args.quick else [1, 4, 16, 64])
    reps = args.reps or (1 if args.quick else 3)
    ranks, steps = 4, args.steps
    micro = json.loads(subprocess.run(["mpirun", "-n", "1", f"{BIN}/insitu_microbench"], capture_output=True,
                                      text=True, env=dict(os.environ, **MPI_ENV), check=True).stdout)
    copy = {c["mib"]: c["seconds"] for c in micro["copy"]}
    log(f"floors: expose with no analytics {micro['expose_no_analytics_ns']:.1f} ns; memcpy 1 MiB "
        f"{copy[1] * 1e6:.0f} us")
    rows = []
    t0 = time.time()
    for i, mib in enumerate(sizes):
        n = grid_for(mib, ranks)
        row = {"mib": mib, "n": n, "floor_s": np.interp(mib, sorted(copy), [copy[k] for k in sorted(copy)])}
        configs = [("none", run_none), ("situ", run_situ), ("posthoc", run_posthoc), ("py", run_py)]
        if not args.no_deisa:
            configs.append(("deisa", run_deisa))
        for name, fn in configs:
            try:
                row[name] = median_run(fn, reps, ranks, n, steps)
            except Exception as e:  # report, never fake
                row[name] = {"error": str(e)[-1500:]}
            log(f"[{i + 1}/{len(sizes)}] {mib} MiB/rank ({n}x{n}): {name} "
                f"{row[name].get('ms_step', float('nan')):.3f} ms/step  ({time.time() - t0:.0f} s elapsed)")
        rows.append(row)
    # The same 1 MiB block with one rank: no oversubscription of the 2 cores, so the
    # I/O thread's wake-up does not steal the solver's core.
    solo = median_run(run_situ, reps, 1, grid_for(1, 1), steps)
    log(f"situ, 1 rank, 1 MiB: call {solo['call_s'] * 1e3:.3f} ms, copy {solo['copy_s'] * 1e3:.3f} ms")
    scaling = []
    for r in (1, 2, 4):
        n = grid_for(1, r) if r != 4 else grid_for(1, 4)
        entry = {"ranks": r}
        for name, fn in (("situ", run_situ), ("deisa", run_deisa)):
            if name == "deisa" and args.no_deisa:
                continue
            try:
                res = fn(r, n, 30, analytics="null")
                entry[name] = ops_per_step(res["ops"], res["analysed"])
            except Exception as e:
                entry[name] = f"error: {str(e)[-300:]}"
        scaling.append(entry)
        log(f"scheduler messages per analysed step at {r} ranks: {entry}")
    report(rows, scaling, micro, steps, reps, " ".join(sys.argv), solo)


def report(rows, scaling, micro, steps, reps, cmd, solo) -> None:
    os.makedirs(RESULTS, exist_ok=True)
    analysed = steps // EVERY
    table = []
    for r in rows:
        floor = r["floor_s"]
        t = {"mib": r["mib"], "grid": r["n"], "floor_ms": floor * 1e3}
        for cfg, base in (("situ", "none"), ("posthoc", "none"), ("deisa", "py")):
            a, b = r.get(cfg, {}), r.get(base, {})
            call = a.get("call_s")
            t[f"{cfg}_call_ms"] = None if call is None else call * 1e3
            if a.get("copy_s"):
                t[f"{cfg}_copy_ms"] = a["copy_s"] * 1e3
                t[f"{cfg}_call_over_copy"] = call / a["copy_s"]
            t[f"{cfg}_vs_floor"] = None if call is None else call / floor
            t[f"{cfg}_wall_ms"] = ((a["ms_step"] - b["ms_step"]) * steps / analysed
                                   if "ms_step" in a and "ms_step" in b else None)
            t[f"{cfg}_latency_ms"] = (a.get("latency_s") or float("nan")) * 1e3
            t[f"{cfg}_bytes"] = a.get("bytes")
            t[f"{cfg}_error"] = a.get("error")
        for cfg in ("none", "situ", "posthoc", "py", "deisa"):
            t[f"{cfg}_ms_step"] = r.get(cfg, {}).get("ms_step")
        so, do = t["situ_call_ms"], t["deisa_call_ms"]
        t["deisa_over_situ"] = do / so if so and do else None
        table.append(t)
    data = {"command": cmd, "steps": steps, "every": EVERY, "reps": reps, "ranks": 4,
            "machine": f"{os.cpu_count()} cores", "expose_no_analytics_ns": micro["expose_no_analytics_ns"],
            "rows": table, "scheduler_scaling": scaling,
            "solo_1rank_1mib": {"call_ms": solo["call_s"] * 1e3, "copy_ms": solo["copy_s"] * 1e3}}
    with open(os.path.join(RESULTS, "insitu.json"), "w") as f:
        json.dump(data, f, indent=1, default=float)

    def fmt(v, spec=".2f"):
        return "—" if v is None or (isinstance(v, float) and np.isnan(v)) else format(v, spec)
    lines = ["# bench/insitu — heat2d + fixed analytics, side by side", "",
             f"Command: `{cmd}` (median of {reps}; {steps} steps, analytics every {EVERY}; 4 MPI ranks and "
             f"2 Dask workers on {os.cpu_count()} cores).", "",
             f"`situ_expose` + `situ_step_end` with no analytics attached: "
             f"**{micro['expose_no_analytics_ns']:.1f} ns** per step.", "",
             "Per analysed step: **call** = time the simulation spends inside the in situ calls (situ_expose, "
             "Deisa's Bridge.send, the HDF5 write), the cost the analytics imposes on the solver's thread; "
             "**wall** = growth of the step time × steps / analysed steps, which on this 2-core machine also "
             "counts the Dask workers and analytics competing with the 4 ranks for the cores. Floor: one memcpy "
             "of the block. Deisa is measured against the same solver driven from Python (its bridge needs "
             "Python in every rank).", "",
             "**copy** = the same memcpy timed inside situ_expose in the same run (under the same contention): "
             "call / copy is situ's overhead beyond the unavoidable copy.", "",
             "| MiB/rank | floor ms (idle) | situ call ms (× floor) | situ copy ms in run | situ call / copy | "
             "post hoc call ms | Deisa call ms (× floor) | Deisa/situ call | wall ms situ / post hoc / Deisa | "
             "step end → result ms situ / post hoc / Deisa | MiB moved situ / Deisa |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for t in table:
        mb = lambda v: "—" if v is None else f"{v / 2**20:.0f}"
        lines.append(
            f"| {t['mib']:g} | {fmt(t['floor_ms'], '.3f')} | {fmt(t['situ_call_ms'], '.3f')} ({fmt(t['situ_vs_floor'], '.1f')}) | "
            f"{fmt(t.get('situ_copy_ms'), '.3f')} | {fmt(t.get('situ_call_over_copy'), '.2f')} | "
            f"{fmt(t['posthoc_call_ms'], '.1f')} | {fmt(t['deisa_call_ms'], '.1f')} ({fmt(t['deisa_vs_floor'], '.0f')}) | "
            f"{fmt(t['deisa_over_situ'], '.0f')} | {fmt(t['situ_wall_ms'], '.0f')} / {fmt(t['posthoc_wall_ms'], '.0f')} / "
            f"{fmt(t['deisa_wall_ms'], '.0f')} | {fmt(t['situ_latency_ms'], '.0f')} / {fmt(t['posthoc_latency_ms'], '.0f')} / "
            f"{fmt(t['deisa_latency_ms'], '.0f')} | {mb(t['situ_bytes'])} / {mb(t['deisa_bytes'])} |")
    lines += ["", f"One rank, 1 MiB block (the 2 cores not oversubscribed): situ call "
              f"{solo['call_s'] * 1e3:.3f} ms, copy {solo['copy_s'] * 1e3:.3f} ms, call / copy "
              f"{solo['call_s'] / solo['copy_s']:.2f}."]
    lines += ["", "Scheduler messages vs ranks (1 MiB/rank, 30 steps, analytics that computes nothing, so only "
              "data ingest and bookkeeping is counted; heartbeats excluded). Ingest per analysed step: situ-step "
              "(situ) vs update_data + client-desires-keys + log_event (deisa-dask); lifecycle per analysed step: "
              "Dask's per-key release messages, the same for both; set-up: one-time messages of the whole run "
              "(situ: hello/array/bye per rank; Deisa: handshake actor, events, semaphores, clients).", "",
              "| ranks | situ ingest/step | Deisa ingest/step | situ lifecycle/step | Deisa lifecycle/step | "
              "situ set-up | Deisa set-up |", "|---|---|---|---|---|---|---|"]

    def cell(e, k, f):
        v = e.get(k)
        return v if isinstance(v, str) else ("—" if v is None else fmt(v[f], ".1f" if f != "setup_total" else ".0f"))
    for e in scaling:
        lines.append(f"| {e['ranks']} | {cell(e, 'situ', 'ingest')} | {cell(e, 'deisa', 'ingest')} | "
                     f"{cell(e, 'situ', 'lifecycle')} | {cell(e, 'deisa', 'lifecycle')} | "
                     f"{cell(e, 'situ', 'setup_total')} | {cell(e, 'deisa', 'setup_total')} |")
    errors = [(t["mib"], c, t[f"{c}_error"]) for t in table for c in ("situ", "posthoc", "deisa") if t[f"{c}_error"]]
    if errors:
        lines += ["", "Errors:", ""] + [f"- {m} MiB {c}: `{e.splitlines()[-1] if e else ''}`" for m, c, e in errors]
    with open(os.path.join(RESULTS, "insitu.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))

    plot(table, scaling)


def plot(table, scaling) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(1, 2, figsize=(12, 4.5))
    x = [t["mib"] for t in table]
    for key, label in (("floor_ms", "floor (one memcpy, idle machine)"),
                       ("situ_copy_ms", "the same memcpy inside situ_expose (same run)"), ("situ_call_ms", "situ"),
                       ("posthoc_call_ms", "post hoc (HDF5 write)"), ("deisa_call_ms", "Deisa")):
        y = [t[key] if t.get(key) is not None and t[key] > 0 else np.nan for t in table]
        ax[0].plot(x, y, "o-", label=label)
    ax[0].set_xscale("log"); ax[0].set_yscale("log")
    ax[0].set_xlabel("block per rank (MiB)"); ax[0].set_ylabel("time in in situ calls per analysed step (ms)")
    ax[0].legend(); ax[0].set_title("overhead vs block size (4 ranks)")
    rk = [e["ranks"] for e in scaling]
    for key in ("situ", "deisa"):
        y = [e[key]["ingest"] if isinstance(e.get(key), dict) else np.nan for e in scaling]
        ax[1].plot(rk, y, "o-", label=f"{key}: ingest")
        y = [e[key]["lifecycle"] if isinstance(e.get(key), dict) else np.nan for e in scaling]
        ax[1].plot(rk, y, "x--", label=f"{key}: Dask key lifecycle")
    ax[1].set_xlabel("MPI ranks"); ax[1].set_ylabel("scheduler messages per analysed step")
    ax[1].set_title("scheduler load vs ranks"); ax[1].legend()
    fig.tight_layout()
    fig.savefig(os.path.join(RESULTS, "insitu.png"), dpi=90)


if __name__ == "__main__":
    main()
