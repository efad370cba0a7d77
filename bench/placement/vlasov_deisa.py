"""vlasov driven from Python (mpi4py) so that Deisa's bridge can run in every rank:
the same C solver as apps/vlasov (through ctypes, libvlasov_shim.so built by run.py),
f handed to ``deisa.dask.Bridge.send`` as a zero-copy NumPy view every ``--every``
steps. Without ``--deisa`` it is the Python-driver baseline."""
import argparse
import ctypes
import sys
import time

import numpy as np
from mpi4py import MPI

p = argparse.ArgumentParser()
p.add_argument("--lib", required=True)
p.add_argument("--nx", type=int, default=32)
p.add_argument("--ny", type=int, default=32)
p.add_argument("--nv", type=int, default=32)
p.add_argument("--nmu", type=int, default=16)
p.add_argument("--steps", type=int, default=100)
p.add_argument("--every", type=int, default=5)
p.add_argument("--deisa", action="store_true")
p.add_argument("--timeline")
args = p.parse_args()

lib = ctypes.CDLL(args.lib)
lib.shim_create.restype = ctypes.c_void_p
lib.shim_create.argtypes = [ctypes.c_int64] * 4
lib.shim_step.argtypes = [ctypes.c_void_p]
lib.shim_field.restype = ctypes.POINTER(ctypes.c_double)
lib.shim_field.argtypes = [ctypes.c_void_p]
lib.shim_block.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int64)]
lib.shim_destroy.argtypes = [ctypes.c_void_p]

comm = MPI.COMM_WORLD
h = lib.shim_create(args.nx, args.ny, args.nv, args.nmu)
blk = (ctypes.c_int64 * 4)()
lib.shim_block(h, blk)
x0, y0, nx, ny = blk
bridge = None
if args.deisa:
    from deisa.dask import Bridge
    meta = {"f": {"global_shape": [args.nx, args.ny, args.nv, args.nmu], "chunk_shape": [nx, ny, args.nv, args.nmu],
                  "chunk_position": [x0 // max(nx, 1), y0 // max(ny, 1), 0, 0]}}
    bridge = Bridge(comm, meta)
timeline = open(args.timeline, "w") if args.timeline and comm.rank == 0 else None
comm.Barrier()
t0 = time.perf_counter()
in_send = 0.0
for step in range(args.steps):
    lib.shim_step(h)
    if bridge is not None and step % args.every == 0:
        f = np.ctypeslib.as_array(lib.shim_field(h), shape=(nx, ny, args.nv, args.nmu))
        ts = time.perf_counter()
        bridge.send("f", f, step // args.every)
        in_send += time.perf_counter() - ts
    if timeline:
        timeline.write(f"{step} {time.time():.6f}\n")
el = comm.allreduce(time.perf_counter() - t0, op=MPI.MAX)
in_send = comm.allreduce(in_send, op=MPI.MAX)
if bridge is not None:
    bridge.close(timestep=args.steps // args.every)
if comm.rank == 0:
    print(f"vlasov_deisa: {args.steps} steps in {el:.3f} s ({1e3 * el / args.steps:.3f} ms/step), "
          f"deisa calls {in_send:.3f} s", file=sys.stderr)
if timeline:
    timeline.close()
lib.shim_destroy(h)
