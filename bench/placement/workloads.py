"""The benchmark's analytics, written once as ordinary Dask and used unchanged by
situ (placed or pinned raw) and by Deisa: per-step reductions and a histogram."""
import dask.array as da
import numpy as np

VMAX, MUMAX = 5.0, 6.0  # apps/vlasov/vlasov.c


def heat2d(temperature):
    """Global mean, variance, min, max and a 64-bin histogram of the temperature."""
    T = temperature
    return {"mean": T.mean(), "var": T.var(), "min": T.min(), "max": T.max(),
            "hist": da.histogram(T, bins=64, range=(0.0, 1.0))[0]}


def vlasov(f):
    """Fluid moments (reductions over v and mu per (x, y)), their global aggregates,
    and a 64-bin histogram of f."""
    nx, ny, nv, nmu = f.shape
    dv, dmu = 2 * VMAX / (nv - 1), MUMAX / nmu
    v = np.linspace(-VMAX, VMAX, nv)[None, None, :, None]
    n = f.sum(axis=(2, 3)) * dv * dmu
    u = (f * v).sum(axis=(2, 3)) * dv * dmu / n
    T = (f * v**2).sum(axis=(2, 3)) * dv * dmu / n - u**2
    return {"n": n, "u": u, "T": T, "total": n.sum(), "meanT": T.mean(), "maxf": f.max(),
            "hist": da.histogram(f, bins=64, range=(0.0, 0.6))[0]}


def idle(a0):
    """tests/e2e/e2e_sim's array (values in [-1000, 1000)): the heat2d reductions and a
    64-bin histogram, for the pipeline-latency runs with a sleeping solver."""
    return {"mean": a0.mean(), "var": a0.var(), "min": a0.min(), "max": a0.max(),
            "hist": da.histogram(a0, bins=64, range=(-1000.0, 1000.0))[0]}


ARRAY = {"heat2d": "temperature", "vlasov": "f", "idle": "a0"}
FN = {"heat2d": heat2d, "vlasov": vlasov, "idle": idle}


def check(app, r):
    """A scalar that must agree between situ and Deisa (same data, same analysis)."""
    return float(r["total"]) if app == "vlasov" else float(r["mean"])
