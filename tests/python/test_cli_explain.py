"""`situ explain`: an analytics script's plan on declared layouts, without a
simulation; `situ run --explain`: the same plan with measured costs after a run."""
import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from e2e import BIN, MPI_ENV

from situ import cli

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VLASOV = os.path.join(ROOT, "apps", "vlasov", "analytics.py")


def explain(capsys, *argv):
    rc = cli.main(["explain", *map(str, argv)])
    out = capsys.readouterr()
    return rc, out.out, out.err


def bytes_line(text: str) -> tuple[int, int]:
    m = re.search(r"bytes per step: raw (\d+) B.*in-process results (\d+) B", text)
    assert m, text
    return int(m.group(1)), int(m.group(2))


def test_layout_matches_the_apps_decomposition():
    assert cli.dims_create(4, 2) == [2, 2] and cli.dims_create(16, 2) == [4, 4]
    assert cli.dims_create(6, 2) == [3, 2] and cli.dims_create(3, 2) == [3, 1]
    lay = cli.layout((10, 7, 5), "f32", 6)            # 3x2 grid, uneven in both
    assert lay["dtype"] == "f32" and lay["shape"] == [10, 7, 5]
    assert lay["blocks"]["0"] == [[0, 0, 0], [4, 4, 5]]
    assert lay["blocks"]["1"] == [[0, 4, 0], [4, 3, 5]]
    assert lay["blocks"]["5"] == [[7, 4, 0], [3, 3, 5]]
    cells = sum(int(np.prod(c)) for _, c in lay["blocks"].values())
    assert cells == 10 * 7 * 5
    with pytest.raises(ValueError):
        cli.layout((8, 8), "f64", 4, grid=[3, 1])


def test_vlasov_moments_planned_in_process(capsys):
    nx, ny, nv, nmu = 32, 24, 16, 8
    rc, out, err = explain(capsys, "--array", f"f={nx}x{ny}x{nv}x{nmu}", "-n", 4, VLASOV, "--every", 5)
    assert rc == 0, err
    assert "array f: 32x24x16x8 f64 on 4 ranks (blocks 16x12x16x8)" in out
    assert "analysis moments (a0) on f, every 5 from step 0" in out
    assert re.search(r"placement: in_process - moves 2\.35% of the raw bytes", out), out
    # raw: the whole f per step. In-process: n, u, T are per-block (their divisions
    # too), so each rank sends its 16x12 blocks of n, u and T, and one partial sum
    # each for n.sum() and T.mean() (the element count is static): f64 throughout.
    raw, placed = bytes_line(out)
    assert raw == nx * ny * nv * nmu * 8
    assert placed == 4 * (3 * 16 * 12 * 8 + 2 * 8)
    assert re.search(r"tasks: \d+ in the graph; \d+ per-block \(in-process\) in 4 blocks", out)
    assert "kernels: 1 distinct" in out           # equal blocks share one kernel
    assert "not measured" in out and "ran " not in out  # no run happened
    assert "the simulation would send: f#a0: in-process results of 1 kernel(s)" in out


def test_unmappable_and_uneven_and_remote(capsys, tmp_path):
    script = tmp_path / "ana.py"
    script.write_text(textwrap.dedent("""
        import dask.array as da
        import situ
        with situ.Session() as s:
            @s.analyse("T", every=2)
            def hist(T):
                return {"h": da.histogram(T, bins=16, range=(0.0, 1.0))[0], "m": T.max()}

            @s.analyse(["T"], placement="auto")
            def where_max(T):
                return da.cumsum(T, axis=0)[-1]

            @s.on_step("T", every=10)
            def show(step, T):
                pass
            s.run()
            raise SystemExit("explain must stop the script at run()")
        """))
    rc, out, err = explain(capsys, "--array", "T=100x70:f32", "-n", 3, script)
    assert rc == 0, err
    assert "array T: 100x70 f32 on 3 ranks (blocks 33x70, 34x70)" in out
    first, second = out.split("analysis where_max")
    assert "placement: in_process" in first
    raw, placed = bytes_line(first)
    assert raw == 100 * 70 * 4 and placed == 3 * (16 * 8 + 4)   # per rank: counts (i64) + max (f32)
    # blocks of 34 and 33 rows cannot share a kernel (the third block's max also folds
    # Dask's single-block partial of its reduction tree, so it may differ again)
    assert int(re.search(r"kernels: (\d) distinct", first).group(1)) >= 2
    assert "placement: in_situ" in second and "numpy.cumsum" in second
    assert "stays on Dask because" in second
    assert f"bytes per step: raw {100 * 70 * 4} B" in second and "no per-block stage" in second
    assert "callback show on T, every 10: raw blocks, on Dask (not placed)" in out
    assert re.search(r"the simulation would send: T raw; T#a0: in-process results of [23] kernel\(s\)", out)

    rc, out, _ = explain(capsys, "--array", "T=100x70:f32", "-n", 3, "--remote", "--ir", script)
    assert rc == 0
    assert "placement: in_transit" in out.split("analysis where_max")[1]
    assert out.count("kernel for ranks") >= 2 and "kokkos." in out and "func.func @situ_block" in out


def test_errors(capsys, tmp_path):
    rc, _, err = explain(capsys, "--array", "g=4x4", VLASOV)
    assert rc == 1 and "no layout for array(s) f" in err
    with pytest.raises(SystemExit) as e:
        explain(capsys, "--array", "f=4xq", VLASOV)
    assert e.value.code == 2 and "bad --array" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        explain(capsys, "--array", "f=4x4:c128", VLASOV)
    plain = tmp_path / "plain.py"
    plain.write_text("print('no session here')\n")
    rc, _, err = explain(capsys, "--array", "f=4x4", plain)
    assert rc == 1 and "never reached Session.run()" in err


def test_run_explain_prints_measured_costs(tmp_path):
    """`situ run --explain`: the plan after a live run, with measured kernel times."""
    script = tmp_path / "ana.py"
    script.write_text(textwrap.dedent("""
        import situ
        with situ.Session() as s:
            @s.analyse("a0", placement="in_process")
            def total(a0):
                return {"sum": a0.sum(axis=1), "max": a0.max()}
            s.run(timeout=120)
        """))
    env = dict(os.environ, **MPI_ENV, PYTHONPATH=os.path.join(ROOT, "python"))
    env.pop("SITU_CONNECTION", None)
    steps = 60  # 3 s: room for the ranks to compile the kernel (up to ~1.5 s on a loaded machine)
    r = subprocess.run([sys.executable, "-m", "situ.cli", "run", "--explain", "--quiet", "-n", "2", str(script),
                        "--", os.path.join(BIN, "e2e_sim"), "--shape", "40,6", "--steps", str(steps),
                        "--sleep-ms", "50"], env=env, capture_output=True, text=True, timeout=240, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    out = r.stdout
    assert "analysis total (a0) on a0" in out and "placement: in_process (pinned)" in out
    assert re.search(rf"ran {steps} steps: blocks in-process (\d+), raw (\d+)", out), out
    m = re.search(rf"ran {steps} steps: blocks in-process (\d+), raw (\d+)", out)
    assert int(m.group(1)) + int(m.group(2)) == 2 * steps and int(m.group(1)) > 0
    assert re.search(r"measured [0-9.]+ ms over \d+ steps", out), out
    assert re.search(r"time to result per step .*: median [0-9.]+ ms", out), out
