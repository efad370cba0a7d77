"""float32 exp, tanh and erf as arithmetic that LLVM vectorises.

libm's scalar calls stop the loop vectoriser (and the JIT gets no vector math
library), so a softmax or a GELU spends its time in expf/erff one element at a
time. These are the textbook algorithms, written as MLIR arith:

* exp: n = round(x log2 e), r = x - n ln 2 (ln 2 split in two for exactness),
  degree-7 Taylor polynomial on |r| <= ln2/2 (truncation < 2e-9 relative),
  times 2^n built from exponent bits (two factors, so no step overflows);
  +inf above 88.72, 0 below -103.97, NaN passes through.
* tanh: odd Taylor polynomial for |x| < 0.0625, else (1 - e^-2|x|)/(1 + e^-2|x|)
  with the sign copied back.
* erf: Taylor series for |x| < 0.5; Abramowitz & Stegun 7.1.26 above
  (absolute error < 1.5e-7).

float64 keeps libm (its tests hold to 1e-12).
"""
from __future__ import annotations

from .mlirtext import Body

LOG2E = 1.4426950408889634
LN2_HI = 0.693145751953125          # exact in float32: n * LN2_HI has no rounding for |n| < 256
LN2_LO = 1.4286068203094173e-06
EXP_MAX, EXP_MIN = 88.72283, -103.97208


def _horner(b: Body, x: str, coeffs: list[float]) -> str:
    """coeffs[0] + x * (coeffs[1] + x * (...))."""
    acc = b.const(coeffs[-1], "f32")
    for c in reversed(coeffs[:-1]):
        acc = b.op(f"arith.mulf {acc}, {x} : f32", "q")
        acc = b.op(f"arith.addf {acc}, {b.const(c, 'f32')} : f32", "q")
    return acc


def _scale_pow2(b: Body, p: str, n: str) -> str:
    """p * 2^n for an integral float32 n in [-150, 128], as (p * 2^(n>>1)) * 2^(n - (n>>1)):
    each factor is a normal float built from exponent bits, and the products
    round (or underflow) once each, as a single scaling would."""
    ni = b.op(f"arith.fptosi {n} : f32 to i32", "q")
    h = b.op(f"arith.shrsi {ni}, {b.const(1, 'i32')} : i32", "q")
    rest = b.op(f"arith.subi {ni}, {h} : i32", "q")
    out = p
    for part in (h, rest):
        e = b.op(f"arith.addi {part}, {b.const(127, 'i32')} : i32", "q")
        bits = b.op(f"arith.shli {e}, {b.const(23, 'i32')} : i32", "q")
        f = b.op(f"arith.bitcast {bits} : i32 to f32", "q")
        out = b.op(f"arith.mulf {out}, {f} : f32", "q")
    return out


def exp_f32(b: Body, x: str) -> str:
    lo = b.op(f"arith.maximumf {x}, {b.const(EXP_MIN, 'f32')} : f32", "q")
    xc = b.op(f"arith.minimumf {lo}, {b.const(EXP_MAX, 'f32')} : f32", "q")
    t = b.op(f"arith.mulf {xc}, {b.const(LOG2E, 'f32')} : f32", "q")
    n = b.op(f"math.roundeven {t} : f32", "q")
    hi = b.op(f"arith.mulf {n}, {b.const(LN2_HI, 'f32')} : f32", "q")
    r = b.op(f"arith.subf {xc}, {hi} : f32", "q")
    lo2 = b.op(f"arith.mulf {n}, {b.const(LN2_LO, 'f32')} : f32", "q")
    r = b.op(f"arith.subf {r}, {lo2} : f32", "q")
    p = _horner(b, r, [1.0, 1.0, 1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720, 1 / 5040])
    y = _scale_pow2(b, p, n)
    big = b.op(f"arith.cmpf ogt, {x}, {b.const(EXP_MAX, 'f32')} : f32", "q")
    y = b.op(f"arith.select {big}, {b.const(float('inf'), 'f32')}, {y} : f32", "q")
    small = b.op(f"arith.cmpf olt, {x}, {b.const(EXP_MIN, 'f32')} : f32", "q")
    y = b.op(f"arith.select {small}, {b.const(0.0, 'f32')}, {y} : f32", "q")
    nan = b.op(f"arith.cmpf uno, {x}, {x} : f32", "q")
    return b.op(f"arith.select {nan}, {x}, {y} : f32", "q")


def _odd(b: Body, x: str, near: float, series: list[float], far) -> str:
    """An odd function: ``|x| * series(x^2)`` for ``|x| < near``, else ``far(b, |x|, x^2)``,
    with the sign of ``x`` copied back."""
    a = b.op(f"math.absf {x} : f32", "q")
    a2 = b.op(f"arith.mulf {a}, {a} : f32", "q")
    small = b.op(f"arith.mulf {a}, {_horner(b, a2, series)} : f32", "q")
    large = far(b, a, a2)
    near0 = b.op(f"arith.cmpf olt, {a}, {b.const(near, 'f32')} : f32", "q")
    y = b.op(f"arith.select {near0}, {small}, {large} : f32", "q")
    return b.op(f"math.copysign {y}, {x} : f32", "q")


def _tanh_far(b: Body, a: str, a2: str) -> str:
    t = exp_f32(b, b.op(f"arith.mulf {a}, {b.const(-2.0, 'f32')} : f32", "q"))
    num = b.op(f"arith.subf {b.const(1.0, 'f32')}, {t} : f32", "q")
    den = b.op(f"arith.addf {b.const(1.0, 'f32')}, {t} : f32", "q")
    return b.op(f"arith.divf {num}, {den} : f32", "q")


def _erf_far(b: Body, a: str, a2: str) -> str:
    pa = b.op(f"arith.mulf {a}, {b.const(0.3275911, 'f32')} : f32", "q")
    d = b.op(f"arith.addf {b.const(1.0, 'f32')}, {pa} : f32", "q")
    t = b.op(f"arith.divf {b.const(1.0, 'f32')}, {d} : f32", "q")
    ab = _horner(b, t, [0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429])
    poly = b.op(f"arith.mulf {t}, {ab} : f32", "q")
    e = exp_f32(b, b.op(f"arith.negf {a2} : f32", "q"))
    pe = b.op(f"arith.mulf {poly}, {e} : f32", "q")
    return b.op(f"arith.subf {b.const(1.0, 'f32')}, {pe} : f32", "q")


TWO_RTPI = 1.1283791670955126   # 2 / sqrt(pi)


def tanh_f32(b: Body, x: str) -> str:
    return _odd(b, x, 0.0625, [1.0, -1 / 3, 2 / 15, -17 / 315], _tanh_far)


def erf_f32(b: Body, x: str) -> str:
    series = [TWO_RTPI * c for c in (1.0, -1 / 3, 1 / 10, -1 / 42, 1 / 216, -1 / 1320)]
    return _odd(b, x, 0.5, series, _erf_far)
