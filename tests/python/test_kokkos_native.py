"""Kernels from the dialect's C and CUDA source (situ.kokkos.native).

The C/OpenMP source is compiled with cc and run here against PyTorch on real
models (it uses the emitter paths the GPU build uses: temporaries, constant
arrays, host-side scalars); the CUDA source is checked for its entry point and
launches (it is built and run on an H200 by bench/frontends/gpu.py: results in
bench/results/frontends_gpu.json).
"""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn as nn  # noqa: E402

from situ import kokkos  # noqa: E402
from situ.kokkos.native import SourceKernel, emit_source  # noqa: E402


class Stencil(nn.Module):
    def forward(self, u):
        for _ in range(3):
            u = u + 0.2 * (torch.roll(u, 1, 0) + torch.roll(u, -1, 0) - 2 * u)
        return u


MODELS = {
    "mlp": (lambda: nn.Sequential(nn.Linear(16, 32), nn.GELU(), nn.Linear(32, 4)), (8, 16)),
    "cnn": (lambda: nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                                  nn.Linear(4 * 4 * 4, 3)), (2, 1, 8, 8)),
    "attention": (lambda: nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, batch_first=True), (2, 5, 16)),
    "stencil": (Stencil, (12, 10)),
    "sum": (lambda: (lambda x: (x.sum() * 2, x.amax(1))), (4, 9)),
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_c_source_kernel_matches_torch(name, tmp_path, monkeypatch):
    monkeypatch.setenv("SITU_KERNEL_CACHE", str(tmp_path))
    torch.manual_seed(0)
    make, shape = MODELS[name]
    m = make()
    if isinstance(m, nn.Module):
        m.eval()
    x = torch.randn(*shape)
    k = kokkos.from_torch(m, x)
    c = SourceKernel.from_kernel(k, "c")
    got = c(x.numpy())
    got = got if isinstance(got, tuple) else (got,)
    with torch.no_grad():
        ref = m(x)
    ref = ref if isinstance(ref, tuple) else (ref,)
    for g, r in zip(got, ref):
        np.testing.assert_allclose(g, r.numpy(), rtol=2e-5, atol=2e-5 * max(1.0, float(r.abs().max())))
    # saved and loaded (as for a GPU node without MLIR): same source, same results
    c.save(tmp_path / name)
    c2 = SourceKernel.load(tmp_path / name)
    assert c2.source == c.source and c2.specs == c.specs
    got2 = c2(x.numpy())
    got2 = got2 if isinstance(got2, tuple) else (got2,)
    for g, g2 in zip(got, got2):
        np.testing.assert_array_equal(g, g2)
    # and as a torch op on CPU tensors
    t = kokkos.to_torch(c)(x)
    t = t if isinstance(t, tuple) else (t,)
    np.testing.assert_array_equal(t[0].numpy(), got[0])


def test_cuda_source_and_device_checks(tmp_path, monkeypatch):
    monkeypatch.setenv("SITU_KERNEL_CACHE", str(tmp_path))
    m = nn.Sequential(nn.Linear(8, 8), nn.Softmax(-1)).eval()
    k = kokkos.from_torch(m, torch.randn(4, 8))
    src = emit_source(k, "cuda")
    assert f'extern "C" void {k.entry}(' in src and "__global__" in src and "cudaMallocAsync" in src
    cu = SourceKernel(src, k.entry, "cuda", k.specs, k.n_inputs, k.params)
    with pytest.raises(kokkos.KokkosError, match="runs on cuda"):
        cu(np.zeros((4, 8), "f4"))
    with pytest.raises(ValueError, match="compiled for cuda"):
        kokkos.to_torch(cu)(torch.randn(4, 8))


def test_emit_source_errors_name_the_kernel():
    from types import SimpleNamespace
    k = kokkos.from_jax(lambda x: x + 1, np.zeros(3, "f4"))
    with pytest.raises(kokkos.KokkosError, match="no func.func @missing"):
        emit_source(SimpleNamespace(ir=k.ir, entry="missing"), "c")


def test_xla_cuda_handler_builds_and_cuda_source_has_an_xla_entry(tmp_path, monkeypatch):
    """The GPU custom call's pieces that can be built without a GPU: the handler
    (compiled against this jaxlib's XLA FFI header) and the kernel's _xla entry."""
    pytest.importorskip("jax")
    monkeypatch.setenv("SITU_KERNEL_CACHE", str(tmp_path))
    from situ.kokkos.native import xla_cuda_handler
    assert xla_cuda_handler().situ_kk_xla_cuda_handler is not None
    k = kokkos.from_torch(nn.Linear(4, 3), torch.randn(2, 4))
    src = emit_source(k, "cuda")
    assert f'extern "C" void {k.entry}_xla(void *stream, void **bufs)' in src
    assert "cudaStreamSynchronize((cudaStream_t)stream);" in src
