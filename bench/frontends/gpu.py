"""bench/frontends on a GPU: the situ kernels as CUDA (the dialect's CUDA source,
built with nvcc, called through to_torch on CUDA tensors) against PyTorch eager
on the same GPU, and checked against PyTorch's CPU results.

    .venv/bin/python bench/frontends/gpu.py prepare .gpu-frontends   # here: needs MLIR
    python3 bench/frontends/gpu.py run .gpu-frontends $OUT           # on the GPU node: nvcc + torch

`prepare` writes each model's CUDA source, manifest, bound parameters, inputs
and CPU reference outputs; `run` needs no MLIR (and no situ build).
"""
from __future__ import annotations

import json
import pathlib
import sys
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "python"), str(pathlib.Path(__file__).parent)]


def prepare(out: pathlib.Path) -> None:
    import torch
    from situ import kokkos
    from situ.kokkos.native import SourceKernel
    from models import CASES, make
    out.mkdir(parents=True, exist_ok=True)
    for name, _, _ in CASES:
        model, x = make(name)
        k = kokkos.from_torch(model, x)
        SourceKernel.from_kernel(k, "cuda").save(out / name)
        with torch.no_grad():
            np.savez(out / f"{name}_io.npz", x=x.numpy(), y=model(x).numpy())
        print(f"{name}: {len((out / name).with_suffix('.cu').read_text().splitlines())} lines of CUDA",
              file=sys.stderr)


def run(src: pathlib.Path, dest: pathlib.Path) -> None:
    import types
    import torch
    if "situ" not in sys.modules:   # the GPU node has no Dask: load situ.kokkos without situ/__init__
        pkg = types.ModuleType("situ")
        pkg.__path__ = [str(ROOT / "python" / "situ")]
        sys.modules["situ"] = pkg
    import jax
    import jax.numpy as jnp
    from situ.kokkos.interop import to_jax, to_torch
    from situ.kokkos.native import SourceKernel
    from models import CASES, jax_of, make
    dev = torch.device("cuda")
    rows = []
    for name, _, _ in CASES:
        k = SourceKernel.load(src / name)
        t0 = time.perf_counter()
        k.build()
        build_s = time.perf_counter() - t0
        io = np.load(src / f"{name}_io.npz")
        x = torch.from_numpy(io["x"]).to(dev)
        f = to_torch(k)
        y = f(x)
        torch.cuda.synchronize()
        err = float(np.abs(y.cpu().numpy() - io["y"]).max())
        scale = float(np.abs(io["y"]).max())
        g = jax.jit(to_jax(k))
        xj = jax.device_put(jnp.asarray(io["x"]), jax.devices("gpu")[0])
        err_jax = float(np.abs(np.asarray(g(xj)) - io["y"]).max())
        model, _ = make(name)
        jfn = jax.jit(jax_of(model))
        err_jit = float(np.abs(np.asarray(jfn(xj)) - io["y"]).max())
        model = model.to(dev)

        def timed(fn, reps=50):
            with torch.no_grad():
                fn()
                torch.cuda.synchronize()
                best = float("inf")
                for _ in range(5):
                    s = torch.cuda.Event(enable_timing=True)
                    e = torch.cuda.Event(enable_timing=True)
                    s.record()
                    for _ in range(reps):
                        fn()
                    e.record()
                    torch.cuda.synchronize()
                    best = min(best, s.elapsed_time(e) / reps * 1e3)
                return best
        row = {"model": name, "shape": list(io["x"].shape), "nvcc_s": build_s, "max_abs_err": err,
               "max_abs_err_to_jax": err_jax, "max_abs_err_jax_jit": err_jit, "max_abs_ref": scale,
               "us": {"torch eager (GPU)": timed(lambda: model(x)),
                      "jax jit (GPU)": timed(lambda: jfn(xj).block_until_ready()),
                      "situ CUDA (to_torch)": timed(lambda: f(x)),
                      "situ CUDA (to_jax)": timed(lambda: g(xj).block_until_ready())}}
        print(json.dumps(row), flush=True)
        rows.append(row)
    meta = {"gpu": torch.cuda.get_device_name(0), "torch": torch.__version__,
            "command": "bench/frontends/gpu.py prepare DIR (here) + run DIR (GPU node)"}
    (dest / "frontends_gpu.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))


if __name__ == "__main__":
    if sys.argv[1] == "prepare":
        prepare(pathlib.Path(sys.argv[2]))
    else:
        run(pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3]))
