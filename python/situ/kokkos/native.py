"""Kernels built from emitted source by a system compiler: C/OpenMP with ``cc``,
CUDA with ``nvcc`` (the GPU path).

The kokkos dialect prints a kernel as C or CUDA source (libsitu-kokkos'
``situ_kk_emit_source``); this module compiles that source into a shared
library, loads it and calls its ``extern "C"`` entry with data pointers (device
pointers for CUDA) and each view's extents. A source kernel can be saved and
loaded without MLIR, so the source can be made on one machine and built on a
GPU node.

>>> import numpy as np, jax.numpy as jnp
>>> from situ.kokkos import from_jax
>>> k = from_jax(lambda x: jnp.tanh(x) * 2, np.zeros(4, "f4"))
>>> c = SourceKernel.from_kernel(k, "c")
>>> np.allclose(c(np.ones(4, "f4")), 2 * np.tanh(1.0))
True
"""
from __future__ import annotations

import ctypes
import hashlib
import json
import os
import pathlib
import shutil
import subprocess
from typing import Sequence

import numpy as np

from .runtime import Kernel, KokkosError, context, lib

FLAVOURS = {"kokkos": 0, "c": 1, "cuda": 2}
SUFFIX = {"c": ".c", "cuda": ".cu"}


def emit_source(kernel: Kernel, flavour: str) -> str:
    """The kernel as Kokkos C++ (``"kokkos"``), C/OpenMP (``"c"``) or CUDA (``"cuda"``) source.
    CUDA source is emitted from the kernel's graph lowered again with the GPU's
    contraction blocking (:data:`~situ.kokkos.lower.GPU_TILE`) when the kernel has one."""
    L = lib()
    out = ctypes.c_void_p()
    ir = kernel.ir
    if flavour == "cuda" and getattr(kernel, "graph", None) is not None:
        from .lower import GPU_TILE, lower
        ir = lower(kernel.graph, kernel.entry, GPU_TILE)
    ir = ir.encode()
    ctx = context(True)
    if L.situ_kk_emit_source(ctx, ir, len(ir), kernel.entry.encode(), FLAVOURS[flavour], ctypes.byref(out)):
        raise KokkosError(f"kernel {kernel.entry!r}: {L.situ_kk_ctx_errmsg(ctx).decode()}")
    try:
        return ctypes.string_at(out.value).decode()
    finally:
        ctypes.CDLL(None).free(out)


def xla_cuda_handler() -> ctypes.CDLL:
    """The XLA FFI handler for CUDA kernels (src/kokkos/xla_ffi_cuda.c), built with
    cc against jaxlib's XLA FFI header: it needs no situ build, so it works on GPU
    nodes without MLIR."""
    import jax.ffi
    src = pathlib.Path(__file__).resolve().parents[3] / "src" / "kokkos" / "xla_ffi_cuda.c"
    inc = jax.ffi.include_dir()
    common = src.with_name("xla_ffi_common.h")
    h = hashlib.sha1((src.read_text() + common.read_text() + inc).encode()).hexdigest()[:16]
    so = cache_dir() / f"situ-xla-cuda-{h}.so"
    if not so.exists():
        cmd = [os.environ.get("CC", "cc"), "-O2", "-shared", "-fPIC", "-I", inc, "-o", str(so), str(src)]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode:
            raise KokkosError(f"building the XLA CUDA handler failed:\n{r.stderr[-4000:]}")
    return ctypes.CDLL(str(so))


def cache_dir() -> pathlib.Path:
    d = pathlib.Path(os.environ.get("SITU_KERNEL_CACHE", pathlib.Path.home() / ".cache" / "situ" / "kernels"))
    d.mkdir(parents=True, exist_ok=True)
    return d


class SourceKernel:
    """A kernel compiled from C or CUDA source; same calling convention as :class:`Kernel`."""

    def __init__(self, source: str, entry: str, flavour: str, specs: Sequence, n_inputs: int,
                 params: Sequence[np.ndarray] = ()) -> None:
        if flavour not in SUFFIX:
            raise ValueError(f"flavour {flavour!r}: 'c' or 'cuda'")
        self.source, self.entry, self.flavour = source, entry, flavour
        self.specs = [(tuple(s), np.dtype(d)) for s, d in specs]
        self.n_inputs = n_inputs
        self.params = [np.asarray(p, order="C") for p in params]
        self.device = "cuda" if flavour == "cuda" else "cpu"
        self.ir = source
        self._fn = None

    @classmethod
    def from_kernel(cls, kernel: Kernel, flavour: str) -> "SourceKernel":
        return cls(emit_source(kernel, flavour), kernel.entry, flavour, kernel.specs, kernel.n_inputs,
                   kernel.params)

    in_specs = Kernel.in_specs
    out_specs = Kernel.out_specs
    n_user_inputs = Kernel.n_user_inputs
    check_inputs = Kernel.check_inputs

    # -- saving for another machine ----------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """Writes ``path + '.json'`` (manifest), the source and ``.npz`` (bound parameters)."""
        p = pathlib.Path(path)
        p.with_suffix(SUFFIX[self.flavour]).write_text(self.source)
        np.savez(p.with_suffix(".npz"), *self.params)
        p.with_suffix(".json").write_text(json.dumps({
            "entry": self.entry, "flavour": self.flavour, "n_inputs": self.n_inputs,
            "specs": [[list(s), d.str] for s, d in self.specs], "n_params": len(self.params)}))

    @classmethod
    def load(cls, path: str | os.PathLike) -> "SourceKernel":
        p = pathlib.Path(path)
        m = json.loads(p.with_suffix(".json").read_text())
        with np.load(p.with_suffix(".npz")) as z:
            params = [z[f"arr_{i}"] for i in range(m["n_params"])]
        return cls(p.with_suffix(SUFFIX[m["flavour"]]).read_text(), m["entry"], m["flavour"], m["specs"],
                   m["n_inputs"], params)

    # -- building and calling ----------------------------------------------------------
    def build(self) -> None:
        """Compiles the source (cached by its hash) and loads the entry point."""
        if self._fn is not None:
            return
        h = hashlib.sha1((self.flavour + self.source).encode()).hexdigest()[:16]
        so = cache_dir() / f"{self.entry}-{h}.so"
        if not so.exists():
            src = so.with_suffix(SUFFIX[self.flavour])
            src.write_text(self.source)
            if self.flavour == "cuda":
                nvcc = shutil.which("nvcc") or "/usr/local/cuda/bin/nvcc"
                cmd = [nvcc, "-O3", "-shared", "-Xcompiler", "-fPIC", "-arch=native", "-o", str(so), str(src)]
            else:
                cmd = [os.environ.get("CC", "cc"), "-O3", "-march=native", "-fopenmp", "-shared", "-fPIC",
                       "-o", str(so), str(src), "-lm"]
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode:
                raise KokkosError(f"kernel {self.entry!r}: {' '.join(cmd[:1])} failed:\n{r.stderr[-4000:]}")
        self._lib = ctypes.CDLL(str(so))
        fn = getattr(self._lib, self.entry)
        fn.restype = None
        fn.argtypes = [t for s, _ in self.specs for t in [ctypes.c_void_p] + [ctypes.c_int64] * len(s)]
        self._fn = fn

    def xla_entry(self) -> int:
        """Address of the CUDA kernel's ``NAME_xla(stream, buffers)`` entry (for to_jax)."""
        self.build()
        try:
            return ctypes.cast(getattr(self._lib, self.entry + "_xla"), ctypes.c_void_p).value
        except AttributeError:
            raise KokkosError(f"kernel {self.entry!r} has no XLA entry (it has non-view arguments or "
                              "results)") from None

    def call_pointers(self, pointers: Sequence[int]) -> None:
        """Runs on raw data pointers (device pointers for CUDA), inputs then outputs."""
        self.build()
        args = []
        for p, (shape, _) in zip(pointers, self.specs):
            args.append(p)
            args.extend(shape)
        self._fn(*args)

    def __call__(self, *inputs):
        """NumPy in, NumPy out (C kernels only; CUDA kernels take device pointers)."""
        if self.device != "cpu":
            raise KokkosError(f"kernel {self.entry!r} runs on {self.device}: call it through to_torch")
        return Kernel.__call__(self, *inputs)
