"""Contracts: which arrays, steps and sub-regions the simulation sends."""
from __future__ import annotations

from typing import Any, Sequence

from .protocol import DTYPES


def array_contract(start: int = 0, stop: int | None = None, every: int = 1,
                   region: Sequence[Sequence[int]] | Sequence[slice] | None = None) -> dict:
    """One array's entry of a contract.

    >>> array_contract(every=10, region=[slice(0, 64), slice(32, 96)])
    {'start': 0, 'stop': None, 'every': 10, 'region': [[0, 64], [32, 96]]}
    """
    reg = None
    if region is not None:
        reg = []
        for d, r in enumerate(region):
            if isinstance(r, slice):
                if r.step not in (None, 1) or r.start is None or r.stop is None:
                    raise ValueError(f"region dim {d}: slices need explicit start:stop and no step, got {r}")
                reg.append([int(r.start), int(r.stop)])
            else:
                lo, hi = r
                reg.append([int(lo), int(hi)])
    return validate_entry("<array>", {"start": start, "stop": stop, "every": every, "region": reg})


def validate_entry(name: str, e: Any) -> dict:
    if not isinstance(e, dict):
        raise ValueError(f"contract for array {name!r} must be a mapping, got {type(e).__name__}")
    unknown = set(e) - {"start", "stop", "every", "region"}
    if unknown:
        raise ValueError(f"contract for array {name!r}: unknown keys {sorted(unknown)}")
    start, stop, every = e.get("start", 0), e.get("stop"), e.get("every", 1)
    for k, v in (("start", start), ("every", every)):
        if not isinstance(v, int) or isinstance(v, bool):
            raise ValueError(f"contract for array {name!r}: {k!r} must be an integer, got {v!r}")
    if every < 1:
        raise ValueError(f"contract for array {name!r}: 'every' must be >= 1, got {every}")
    if stop is not None and (not isinstance(stop, int) or stop <= start):
        raise ValueError(f"contract for array {name!r}: 'stop' must be an integer > start, got {stop!r}")
    region = e.get("region")
    if region is not None:
        if not isinstance(region, (list, tuple)) or not 1 <= len(region) <= 6:
            raise ValueError(f"contract for array {name!r}: 'region' must list [lo, hi) per dimension")
        for d, r in enumerate(region):
            if (not isinstance(r, (list, tuple)) or len(r) != 2
                    or not all(isinstance(x, int) for x in r) or not 0 <= r[0] < r[1]):
                raise ValueError(f"contract for array {name!r}: region dim {d} must be [lo, hi) with 0 <= lo < hi, got {r!r}")
        region = [list(r) for r in region]
    return {"start": start, "stop": stop, "every": every, "region": region}


def validate_plan(p: Any) -> dict:
    """One placed analysis' in-process stage: kernels per group of ranks (docs/placement.md)."""
    if not isinstance(p, dict) or not isinstance(p.get("id"), str) or not isinstance(p.get("array"), str):
        raise ValueError("a plan needs string 'id' and 'array'")
    if len(p["id"]) >= 24 or len(p["array"]) >= 36 or "#" in p["array"]:
        raise ValueError(f"plan {p['id']!r}: id < 24 and array name < 36 characters, no '#'")
    e = validate_entry(p["array"], {k: p[k] for k in ("start", "stop", "every") if k in p})
    kernels = p.get("kernels")
    if not isinstance(kernels, (list, tuple)):  # msgpack may deliver tuples
        raise ValueError(f"plan {p['id']!r}: 'kernels' must be a list")
    for k in kernels:
        if (not isinstance(k, dict) or not isinstance(k.get("ir"), str) or not isinstance(k.get("entry"), str)
                or not isinstance(k.get("ranks"), (list, tuple)) or not isinstance(k.get("outputs"), (list, tuple))
                or not 1 <= len(k["outputs"]) <= 64):
            raise ValueError(f"plan {p['id']!r}: each kernel needs 'ir', 'entry', 'ranks' and 1..64 'outputs'")
        for o in k["outputs"]:
            if o.get("dtype") not in DTYPES or not isinstance(o.get("count"), int) or o["count"] < 1:
                raise ValueError(f"plan {p['id']!r}: output {o!r} needs dtype {'/'.join(DTYPES)} and count >= 1")
    return {"id": p["id"], "array": p["array"], **{k: e[k] for k in ("start", "stop", "every")},
            "kernels": [dict(k, ranks=list(k["ranks"]), outputs=[dict(o) for o in k["outputs"]]) for k in kernels]}


def validate_contract(contract: Any) -> dict:
    """Check a whole contract ``{"arrays": {name: entry}, "plans": [...]}``; raises
    ValueError naming the problem."""
    if not isinstance(contract, dict) or set(contract) - {"arrays", "plans"}:
        raise ValueError("a contract is a mapping {'arrays': {name: {...}}, 'plans': [...]}")
    arrays = contract.get("arrays", {})
    if not isinstance(arrays, dict):
        raise ValueError("contract 'arrays' must be a mapping of array name to entry")
    out: dict = {"arrays": {str(n): validate_entry(n, e) for n, e in arrays.items()}}
    if contract.get("plans"):
        out["plans"] = [validate_plan(p) for p in contract["plans"]]
    return out


def selects(entry: dict, step: int) -> bool:
    """Whether a contract entry selects ``step`` (the same rule as the C side)."""
    if step < entry["start"] or (entry["stop"] is not None and step >= entry["stop"]):
        return False
    return (step - entry["start"]) % entry["every"] == 0
