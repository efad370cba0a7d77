"""Test helper: compile a planner kernel with libsitu-kokkos (ctypes) and call it on
flat NumPy arrays, as a rank does at expose."""
import ctypes
import os

import numpy as np

class Arg(ctypes.Structure):
    class S(ctypes.Union):
        _fields_ = [("i32", ctypes.c_int32), ("i64", ctypes.c_int64), ("f32", ctypes.c_float),
                    ("f64", ctypes.c_double), ("b", ctypes.c_uint8)]
    _fields_ = [("is_view", ctypes.c_int), ("dtype", ctypes.c_int), ("s", S), ("data", ctypes.c_void_p),
                ("rank", ctypes.c_int), ("extents", ctypes.c_int64 * 8), ("strides", ctypes.c_int64 * 8)]

KK = {np.dtype(bool): 1, np.dtype("i4"): 2, np.dtype("i8"): 3, np.dtype("f4"): 4, np.dtype("f8"): 5,
      np.dtype("u1"): 6, np.dtype("u8"): 3}

class Jit:
    """One sequential situ_kk context (as in a rank)."""

    def __init__(self, build):
        self.lib = ctypes.CDLL(os.path.join(build, "lib", "libsitu-kokkos.so"))
        self.ctx = ctypes.c_void_p()
        opts = (ctypes.c_int * 2)(1, 0)
        assert self.lib.situ_kk_ctx_create(opts, ctypes.byref(self.ctx)) == 0
        self.lib.situ_kk_ctx_errmsg.restype = ctypes.c_char_p
    def compile(self, ir, entry="situ_block"):
        k = ctypes.c_void_p()
        b = ir.encode()
        rc = self.lib.situ_kk_compile(self.ctx, b, len(b), entry.encode(), ctypes.byref(k))
        if rc:
            raise RuntimeError(self.lib.situ_kk_ctx_errmsg(self.ctx).decode() + "\n" + ir)
        return k
    def call(self, k, arrays):
        args = (Arg * len(arrays))()
        for a, x in zip(args, arrays):
            a.is_view = 1; a.dtype = KK[x.dtype]; a.data = x.ctypes.data; a.rank = 1; a.extents[0] = max(x.size, 1)
        rc = self.lib.situ_kk_call(k, args, len(arrays), None, 0)
        if rc:
            raise RuntimeError(self.lib.situ_kk_ctx_errmsg(self.ctx).decode())
