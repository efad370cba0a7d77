"""Compiled kernels as JAX and PyTorch operations.

``to_jax`` makes an XLA FFI custom call (handler in C, ``libsitu-kokkos-xla``)
that works inside ``jax.jit``; ``to_torch`` a ``torch.library`` custom op whose
implementation hands tensor memory to the kernel without copies. Both run on CPU
and, for kernels built from the dialect's CUDA source
(:mod:`situ.kokkos.native`), on NVIDIA GPUs. Arrays on the wrong device are refused
with a message.
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import threading
from typing import Callable

import numpy as np

from .runtime import Kernel, KokkosError, lib

_lock = threading.Lock()
_xla_targets: set[str] = set()
_torch_ops: dict[str, Callable] = {}


def _xla_library_path() -> str:
    path = os.path.join(os.path.dirname(lib()._name), "libsitu-kokkos-xla.so")
    if not os.path.exists(path):
        raise KokkosError(f"{path} not found: situ was built without jaxlib's XLA FFI headers "
                          "(install jax into .venv and rebuild)")
    return path


def _register_xla(target: str, platform: str, handler) -> None:
    """Registers an FFI target once per process; ``handler()`` gives the C function."""
    import jax
    with _lock:
        if target not in _xla_targets:
            jax.ffi.register_ffi_target(target, jax.ffi.pycapsule(handler()), platform=platform)
            _xla_targets.add(target)


def to_jax(kernel) -> Callable:
    """The kernel as a JAX function (an XLA FFI custom call; works under ``jax.jit``):
    a :class:`Kernel` on CPU, a CUDA :class:`~situ.kokkos.native.SourceKernel` on GPU.

    >>> import numpy as np, jax, jax.numpy as jnp
    >>> from situ.kokkos import from_jax, to_jax
    >>> k = from_jax(lambda x: jnp.sin(x) * 2, np.zeros(3, "f4"))
    >>> f = jax.jit(to_jax(k))
    >>> np.allclose(f(jnp.ones(3, "f4")), 2 * np.sin(1.0))
    True
    """
    import jax
    import jax.numpy as jnp
    outs = [jax.ShapeDtypeStruct(s, jnp.dtype(d)) for s, d in kernel.out_specs]
    if getattr(kernel, "device", "cpu") == "cuda":
        from .native import xla_cuda_handler
        target, attrs = "situ_kokkos_cuda", {"entry": np.int64(kernel.xla_entry())}
        _register_xla(target, "CUDA", lambda: xla_cuda_handler().situ_kk_xla_cuda_handler)
    else:
        target, attrs = "situ_kokkos", {"kernel": np.int64(kernel.handle.value)}
        _register_xla(target, "cpu", lambda: ctypes.CDLL(_xla_library_path()).situ_kk_xla_handler)
    call = jax.ffi.ffi_call(target, outs, vmap_method="sequential")
    params = [jnp.asarray(p) for p in kernel.params]
    specs = kernel.in_specs

    def fn(*xs):
        xs = [jnp.asarray(x) for x in xs]
        kernel.check_inputs(xs)
        res = call(*[x.astype(dt) for x, (_, dt) in zip(xs + params, specs)], **attrs)
        return res[0] if len(res) == 1 else tuple(res)
    fn.__name__ = kernel.entry
    fn.kernel = kernel   # keeps the compiled code alive as long as the function
    return fn


def to_torch(kernel) -> Callable:
    """The kernel as a PyTorch custom op (``torch.ops.situ.<name>``), zero-copy; it
    has a fake (meta) implementation, so ``torch.compile`` and ``torch.export`` see
    through it. A :class:`Kernel` runs on CPU tensors; a CUDA
    :class:`~situ.kokkos.native.SourceKernel` on CUDA tensors (the GPU path).

    >>> import numpy as np, torch
    >>> from situ.kokkos import from_torch, to_torch
    >>> k = from_torch(torch.nn.Tanh(), torch.zeros(3))
    >>> f = to_torch(k)
    >>> torch.allclose(f(torch.ones(3)), torch.tanh(torch.ones(3)))
    True
    """
    import torch
    name = f"{kernel.entry}_{hashlib.sha1(kernel.ir.encode()).hexdigest()[:12]}"
    from .torchfront import torch_dtypes
    tdt = {v: k for k, v in torch_dtypes().items()}
    in_specs = [(s, tdt[d]) for s, d in kernel.in_specs]
    out_specs = [(s, tdt[d]) for s, d in kernel.out_specs]
    with _lock:
        op = _torch_ops.get(name)
        if op is None:
            def run(xs):
                k = _kernels[name]
                dev = xs[0].device if xs else torch.device("cpu")
                outs = [torch.empty(s, dtype=d, device=dev) for s, d in out_specs]
                xs = [x.contiguous() for x in xs]
                k.call_pointers([x.data_ptr() for x in xs] + [o.data_ptr() for o in outs])
                return outs
            op = torch.library.custom_op(f"situ::{name}", run, mutates_args=(),
                                         schema="(Tensor[] xs) -> Tensor[]")

            @op.register_fake
            def _(xs):
                return [torch.empty(s, dtype=d, device=xs[0].device if xs else "cpu") for s, d in out_specs]
            _torch_ops[name] = op
            _torch_impls[name] = run
        _kernels[name] = kernel
    run = _torch_impls[name]
    device = getattr(kernel, "device", "cpu")
    params: list = []   # moved to the kernel's device at the first call

    def fn(*xs):
        xs = [torch.as_tensor(x) for x in xs]
        kernel.check_inputs(xs)
        for i, x in enumerate(xs):
            if x.device.type != device:
                raise ValueError(f"kernel {kernel.entry!r}: input {i} is on {x.device}; this kernel "
                                 f"was compiled for {device}")
        if len(params) != len(kernel.params):
            params[:] = [torch.from_numpy(p).to(device) for p in kernel.params]
        args = [x.to(dt) for x, (_, dt) in zip(xs + params, in_specs)]
        # Plain eager call: the implementation directly, skipping the dispatcher's
        # round trip through Python (~20 us a call). Under torch.compile/export
        # (fake or functional tensors, or a dispatch mode) and with autograd the
        # registered op is called, so that it is traced or refused like any op.
        if (all(type(a) is torch.Tensor for a in args) and not torch.compiler.is_compiling()
                and _no_dispatch_mode()
                and not (torch.is_grad_enabled() and any(a.requires_grad for a in args))):
            res = run(args)
        else:
            res = op(args)
        return res[0] if len(res) == 1 else tuple(res)
    fn.__name__ = kernel.entry
    fn.kernel = kernel
    fn.op = op   # torch.ops.situ.<name>, taking (inputs + bound parameters)
    return fn


def _no_dispatch_mode() -> bool:
    """No TorchDispatchMode (make_fx, FakeTensorMode, ...) is active; False when
    this PyTorch cannot tell, so that the registered op is used."""
    import torch
    depth = getattr(torch._C, "_len_torch_dispatch_stack", None)
    return depth is not None and depth() == 0


_kernels: dict[str, Kernel] = {}
_torch_impls: dict[str, Callable] = {}   # the ops' implementations, for eager calls
