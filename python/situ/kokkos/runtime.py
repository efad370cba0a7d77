"""Compiled kernels: libsitu-kokkos (JIT through MLIR) called through ctypes.

>>> import numpy as np
>>> from situ.kokkos import Kernel
>>> ir = '''func.func @twice(%x: memref<3xf64>, %y: memref<3xf64>) {
...   %c0 = arith.constant 0 : index
...   %c3 = arith.constant 3 : index
...   %two = arith.constant 2.0 : f64
...   kokkos.parallel_for default (%i) = (%c0) to (%c3) {
...     %v = memref.load %x[%i] : memref<3xf64>
...     %w = arith.mulf %v, %two : f64
...     memref.store %w, %y[%i] : memref<3xf64>
...   }
...   return
... }'''
>>> Kernel(ir, "twice", n_inputs=1)(np.arange(3.0))
array([0., 2., 4.])
"""
from __future__ import annotations

import ctypes
import os
import pathlib
import threading
from typing import Sequence

import numpy as np

from .ir import Graph

KK_DTYPE = {np.dtype(bool): 1, np.dtype("i4"): 2, np.dtype("i8"): 3, np.dtype("f4"): 4,
            np.dtype("f8"): 5, np.dtype("i1"): 6}   # 6: i8 views (int8 or uint8 bytes)
NP_DTYPE = {v: k for k, v in KK_DTYPE.items()}


class _Scalar(ctypes.Union):
    _fields_ = [("i32", ctypes.c_int32), ("i64", ctypes.c_int64), ("f32", ctypes.c_float),
                ("f64", ctypes.c_double), ("b", ctypes.c_uint8)]


class Arg(ctypes.Structure):
    """``situ_kk_arg``."""
    _fields_ = [("is_view", ctypes.c_int), ("dtype", ctypes.c_int), ("s", _Scalar),
                ("data", ctypes.c_void_p), ("rank", ctypes.c_int),
                ("extents", ctypes.c_int64 * 8), ("strides", ctypes.c_int64 * 8)]


class KokkosError(RuntimeError):
    """libsitu-kokkos refused: the message carries MLIR's diagnostics."""


def library_path() -> str:
    """libsitu-kokkos: $SITU_KOKKOS_LIBRARY, else $SITU_BUILD/lib, else the checkout's build/lib."""
    env = os.environ.get("SITU_KOKKOS_LIBRARY")
    if env:
        return env
    root = pathlib.Path(__file__).resolve().parents[3]
    for build in (os.environ.get("SITU_BUILD"), root / "build"):
        if build:
            p = pathlib.Path(build) / "lib" / "libsitu-kokkos.so"
            if p.exists():
                return str(p)
    raise KokkosError("libsitu-kokkos.so not found: build situ (make build) or set "
                      "SITU_KOKKOS_LIBRARY")


_lock = threading.Lock()
_lib: ctypes.CDLL | None = None
_contexts: dict[bool, ctypes.c_void_p] = {}


def lib() -> ctypes.CDLL:
    global _lib
    with _lock:
        if _lib is None:
            # RTLD_LOCAL: MLIR's LLVM must not interpose on the LLVM that other
            # extensions (triton, under torch.compile) carry.
            _lib = ctypes.CDLL(library_path(), mode=ctypes.RTLD_LOCAL)
            _lib.situ_kk_ctx_errmsg.restype = ctypes.c_char_p
            _lib.situ_kk_call.argtypes = [ctypes.c_void_p, ctypes.POINTER(Arg), ctypes.c_int,
                                          ctypes.c_void_p, ctypes.c_int]
            _lib.situ_kk_emit_source.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t,
                                                 ctypes.c_char_p, ctypes.c_int,
                                                 ctypes.POINTER(ctypes.c_void_p)]
            _lib.situ_kk_compile.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t,
                                             ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
        return _lib


def context(parallel: bool = True) -> ctypes.c_void_p:
    """The process' compilation context (kernels are cached there by IR hash)."""
    L = lib()
    with _lock:
        if parallel not in _contexts:
            ctx = ctypes.c_void_p()
            # situ_kk_options: sequential, opt_level (0: default), target (host), device
            opts = (ctypes.c_int * 4)(0 if parallel else 1, 0, 0, 0)
            if L.situ_kk_ctx_create(opts, ctypes.byref(ctx)):
                raise KokkosError("situ_kk_ctx_create failed")
            _contexts[parallel] = ctx
        return _contexts[parallel]


class Kernel:
    """A compiled Kokkos-dialect kernel in destination-passing style.

    Its function takes ``n_inputs`` input views, then one view per output;
    calling the kernel allocates the outputs (or fills ``out=``) and returns them.
    ``graph`` (set by the front ends) is the tensor program it came from; bound
    ``params`` (a torch module's weights) are passed after the caller's inputs.
    """

    def __init__(self, ir: str, entry: str, n_inputs: int, graph: Graph | None = None,
                 parallel: bool = True) -> None:
        self.ir, self.entry, self.graph = ir, entry, graph
        self.n_inputs = n_inputs
        L = lib()
        self._ctx = context(parallel)
        h = ctypes.c_void_p()
        b = ir.encode()
        if L.situ_kk_compile(self._ctx, b, len(b), entry.encode(), ctypes.byref(h)):
            raise KokkosError(f"kernel {entry!r}: {L.situ_kk_ctx_errmsg(self._ctx).decode()}")
        self.handle = h
        nargs, nres = ctypes.c_int(), ctypes.c_int()
        L.situ_kk_kernel_arity(h, ctypes.byref(nargs), ctypes.byref(nres))
        self.specs: list[tuple[tuple[int, ...], np.dtype]] = []
        for i in range(nargs.value):
            a = Arg()
            L.situ_kk_kernel_param(h, i, ctypes.byref(a))
            if not a.is_view:
                raise KokkosError(f"kernel {entry!r}: argument {i} is a scalar; kernels from "
                                  "situ.kokkos take views only")
            self.specs.append((tuple(a.extents[:a.rank]), NP_DTYPE[a.dtype]))
        self._args = (Arg * len(self.specs))()
        for a, (shape, dt) in zip(self._args, self.specs):
            a.is_view, a.dtype, a.rank = 1, KK_DTYPE[dt], len(shape)
            for d, s in enumerate(shape):
                a.extents[d] = s
        self.params = [np.asarray(p, order="C") for p in (graph.params if graph else [])]
        self._call_lock = threading.Lock()

    @property
    def in_specs(self) -> list[tuple[tuple[int, ...], np.dtype]]:
        return self.specs[:self.n_inputs]

    @property
    def out_specs(self) -> list[tuple[tuple[int, ...], np.dtype]]:
        return self.specs[self.n_inputs:]

    @property
    def n_user_inputs(self) -> int:
        return self.n_inputs - len(self.params)

    def call_pointers(self, pointers: Sequence[int]) -> None:
        """Runs the kernel on raw data pointers (inputs then outputs), unchecked."""
        with self._call_lock:   # the argument block is shared
            for a, p in zip(self._args, pointers):
                a.data = p
            rc = lib().situ_kk_call(self.handle, self._args, len(self._args), None, 0)
        if rc:
            raise KokkosError(f"kernel {self.entry!r}: {lib().situ_kk_ctx_errmsg(self._ctx).decode()}")

    def check_inputs(self, inputs: Sequence) -> None:
        """The caller's arrays (any with ``.shape``) against the kernel's inputs:
        a TypeError for their number, a ValueError naming the first wrong shape."""
        if len(inputs) != self.n_user_inputs:
            raise TypeError(f"kernel {self.entry!r} takes {self.n_user_inputs} inputs, got {len(inputs)}")
        for i, (x, (shape, _)) in enumerate(zip(inputs, self.in_specs)):
            if tuple(x.shape) != shape:
                raise ValueError(f"kernel {self.entry!r}: input {i} has shape {tuple(x.shape)}, "
                                 f"expected {shape}")

    def __call__(self, *inputs, out: Sequence[np.ndarray] | None = None):
        """Runs on NumPy arrays (converted to C-contiguous arrays of the declared
        dtypes when they are not); returns the outputs (a tuple if several)."""
        xs = [np.asarray(x) for x in inputs]
        self.check_inputs(xs)
        arrays = [np.asarray(x, dtype=dt, order="C") for x, (_, dt) in zip(xs + self.params, self.in_specs)]
        outs = list(out) if out is not None else [np.empty(s, dt) for s, dt in self.out_specs]
        for j, (o, (shape, dt)) in enumerate(zip(outs, self.out_specs)):
            if o.shape != shape or o.dtype != dt or not o.flags.c_contiguous or not o.flags.writeable:
                raise ValueError(f"kernel {self.entry!r}: output {j} must be a writable C-contiguous "
                                 f"{dt} array of shape {shape}")
        self.call_pointers([a.ctypes.data for a in arrays + outs])
        return outs[0] if len(outs) == 1 else tuple(outs)
