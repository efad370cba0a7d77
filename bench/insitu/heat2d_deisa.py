"""heat2d driven from Python (mpi4py) so that Deisa's bridge can run in every rank:
the same C solver as apps/heat2d (through ctypes), the block handed to
``deisa.dask.Bridge.send`` as a zero-copy NumPy view every ``--every`` steps.
Without ``--deisa`` it is the Python-driver baseline (Deisa's overhead is measured
against it, situ's against the C driver)."""
import argparse
import ctypes
import os
import time

import numpy as np
from mpi4py import MPI

p = argparse.ArgumentParser()
p.add_argument("--nx", type=int, default=256)
p.add_argument("--ny", type=int, default=256)
p.add_argument("--steps", type=int, default=50)
p.add_argument("--every", type=int, default=10)
p.add_argument("--deisa", action="store_true")
p.add_argument("--timeline")
args = p.parse_args()

lib = ctypes.CDLL(os.path.join(os.environ["SITU_BUILD"], "lib", "libheat2d_shim.so"))
lib.shim_create.restype = ctypes.c_void_p
lib.shim_create.argtypes = [ctypes.c_int64, ctypes.c_int64]
lib.shim_step.argtypes = [ctypes.c_void_p, ctypes.c_double]
lib.shim_field.restype = ctypes.POINTER(ctypes.c_double)
lib.shim_field.argtypes = [ctypes.c_void_p]
lib.shim_block.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int64)]
lib.shim_destroy.argtypes = [ctypes.c_void_p]

comm = MPI.COMM_WORLD
h = lib.shim_create(args.nx, args.ny)
blk = (ctypes.c_int64 * 4)()
lib.shim_block(h, blk)
x0, y0, nx, ny = blk
bridge = None
if args.deisa:
    from deisa.dask import Bridge
    meta = {"temperature": {"global_shape": [args.nx, args.ny], "chunk_shape": [nx, ny],
                            "chunk_position": [x0 // max(nx, 1), y0 // max(ny, 1)]}}
    bridge = Bridge(comm, meta)
timeline = open(args.timeline, "w") if args.timeline and comm.rank == 0 else None
comm.Barrier()
t0 = time.perf_counter()
in_send = 0.0
for step in range(args.steps):
    lib.shim_step(h, 50.0)
    if bridge is not None and step % args.every == 0:
        # the solver swaps buffers each step: take the current field's address now
        field = np.ctypeslib.as_array(lib.shim_field(h), shape=(nx, ny))
        ts = time.perf_counter()
        bridge.send("temperature", field, step // args.every)
        in_send += time.perf_counter() - ts
    if timeline:
        timeline.write(f"{step} {time.time():.6f}\n")
el = comm.allreduce(time.perf_counter() - t0, op=MPI.MAX)
in_send = comm.allreduce(in_send, op=MPI.MAX)
if bridge is not None:
    bridge.close(timestep=args.steps // args.every)
if comm.rank == 0:
    import sys
    print(f"heat2d_deisa: {args.steps} steps in {el:.3f} s ({1e3 * el / args.steps:.3f} ms/step), "
          f"deisa calls {in_send:.3f} s", file=sys.stderr)
if timeline:
    timeline.close()
lib.shim_destroy(h)
