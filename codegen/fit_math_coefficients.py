#!/usr/bin/env python3
"""Fits the polynomial coefficients used by codegen/kb_math.c (tanh near 0, erf near 0 and
erfc(x)*exp(x^2) on [0.875, 3.92]) by weighted least squares on Chebyshev nodes in double
precision, rounds them to float32 and prints them with the simulated float32 error in ulps.
Needs numpy (the test venv has it). Run: python3 codegen/fit_math_coefficients.py"""
import math

import numpy as np

F32 = np.float32


def fit(function, low, high, degree, weight=None, nodes=4000):
    k = np.arange(nodes)
    x = (low + high) / 2 + (high - low) / 2 * np.cos(np.pi * (k + 0.5) / nodes)
    y = np.array([function(v) for v in x])
    w = 1 / np.abs(weight(x) if weight else y)
    vander = np.vander(x, degree + 1, increasing=True)
    coefficients, *_ = np.linalg.lstsq(vander * w[:, None], y * w, rcond=None)
    return coefficients.astype(F32)


def horner(coefficients, x):
    result = np.full_like(x, coefficients[-1], dtype=F32)
    for c in coefficients[-2::-1]:
        result = (result * x + c).astype(F32)
    return result


def ulps(got, exact):
    spacing = np.spacing(np.abs(exact).astype(F32)).astype(np.float64)
    return float(np.max(np.abs(got.astype(np.float64) - exact) / spacing))


def tanh_small():
    def p(u):  # (tanh(x) - x) / x^3 as a function of u = x^2
        x = math.sqrt(u)
        return -1 / 3 + 2 / 15 * u if x < 1e-4 else (math.tanh(x) - x) / x**3
    c = fit(p, 0, 0.625**2, 6)
    x = np.linspace(1e-4, 0.625, 200001).astype(F32)
    u = (x * x).astype(F32)
    got = (x + (x * u).astype(F32) * horner(c, u)).astype(F32)
    return c, ulps(got, np.tanh(x.astype(np.float64)))


def erf_small():
    def q(u):  # erf(x)/x - 1 as a function of u = x^2
        x = math.sqrt(u)
        return (math.erf(x) / x if x > 1e-6 else 2 / math.sqrt(math.pi)) - 1
    c = fit(q, 0, 0.875**2, 6, weight=lambda u: np.full_like(u, 1.1))
    x = np.linspace(1e-4, 0.875, 200001).astype(F32)
    got = (x + (x * horner(c, (x * x).astype(F32))).astype(F32)).astype(F32)
    return c, ulps(got, np.array([math.erf(float(v)) for v in x]))


def erf_middle():
    middle, half = 2.3975, 1.5225  # [0.875, 3.92] mapped to s in [-1, 1]
    def r(s):
        x = middle + half * s
        return math.erfc(x) * math.exp(x * x)
    c = fit(r, -1, 1, 11)
    x = np.linspace(0.875, 3.92, 200001).astype(F32)
    s = ((x - F32(middle)) * F32(1 / half)).astype(F32)
    e = np.array([math.exp(float(v)) for v in -(x * x).astype(F32)]).astype(F32)
    got = (F32(1) - (e * horner(c, s)).astype(F32)).astype(F32)
    return c, ulps(got, np.array([math.erf(float(v)) for v in x]))


if __name__ == "__main__":
    for name, make in [("tanh small", tanh_small), ("erf small", erf_small),
                       ("erf middle", erf_middle)]:
        coefficients, error = make()
        print(f"{name}: {error:.3f} ulp (float32 simulation)")
        print("  " + ", ".join(repr(float(c)) for c in coefficients))
