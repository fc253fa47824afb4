"""R's ``optim(method = "BFGS")`` (vmmin in R's optim.c) in numpy, for the numpy engine of the
exact ARIMA likelihood (:mod:`pybbdl.models.arima_likelihood`).

:func:`_vmmin` is the twin of :func:`pybbdl.models._arima_kernel.vmmin` (compiled), step for step:
a change to one must be made to the other.
"""

from __future__ import annotations

import math

import numpy as np


#: optim's default ``reltol`` (sqrt of the double epsilon) and gradient step (``ndeps``).
_RELTOL = 1.490116119384765625e-8
_NDEPS = 1e-3


def _gradient(fn, x: np.ndarray, h: float = _NDEPS) -> np.ndarray:
    """optim's numerical gradient: central differences with step `h`."""
    g = np.zeros(len(x))
    y = x.copy()
    for i in range(len(x)):
        y[i] = x[i] + h
        f1 = fn(y)
        y[i] = x[i] - h
        f2 = fn(y)
        y[i] = x[i]
        g[i] = (f1 - f2) / (2 * h)
    return g


def _vmmin(fn, b0: np.ndarray, maxit: int, reltol: float = _RELTOL) -> tuple[np.ndarray, float, int]:
    """R's ``optim(method = "BFGS")`` (vmmin in R's optim.c): ``(x, fmin, fail)``.

    The twin of :func:`pybbdl.models._arima_kernel.vmmin`, step for step (same tests, same order),
    so the numpy and numba engines take the same path and choose the same models; `fn` returns
    inf where the objective is not defined."""
    stepredn, acctol, reltest = 0.2, 0.0001, 10.0
    n = len(b0)
    b = np.array(b0, dtype=float)
    f = fn(b)
    if not math.isfinite(f):
        return b, f, 2
    fmin = f
    g = _gradient(fn, b)
    gradcount = it = ilast = 1
    B = np.eye(n)
    count = 0
    while True:
        if ilast == gradcount:
            B = np.eye(n)
        X = b.copy()
        c = g.copy()
        t = np.zeros(n)
        gradproj = 0.0
        for i in range(n):
            s = 0.0
            for j in range(n):
                s -= B[i, j] * g[j]
            t[i] = s
            gradproj += s * g[i]
        if gradproj < 0.0:
            steplength = 1.0
            accpoint = False
            while True:
                count = 0
                for i in range(n):
                    b[i] = X[i] + steplength * t[i]
                    if reltest + X[i] == reltest + b[i]:
                        count += 1
                if count < n:
                    f = fn(b)
                    accpoint = math.isfinite(f) and (f <= fmin + gradproj * steplength * acctol)
                    if not accpoint:
                        steplength *= stepredn
                if count == n or accpoint:
                    break
            if not abs(f - fmin) > reltol * (abs(fmin) + reltol):
                count = n
                fmin = f
            if count < n:
                fmin = f
                g = _gradient(fn, b)
                gradcount += 1
                it += 1
                D1 = 0.0
                for i in range(n):
                    t[i] = steplength * t[i]
                    c[i] = g[i] - c[i]
                    D1 += t[i] * c[i]
                if D1 > 0:
                    D2 = 0.0
                    for i in range(n):
                        s = 0.0
                        for j in range(n):
                            s += B[i, j] * c[j]
                        X[i] = s
                        D2 += s * c[i]
                    D2 = 1.0 + D2 / D1
                    for i in range(n):
                        for j in range(n):
                            B[i, j] += (D2 * t[i] * t[j] - X[i] * t[j] - t[i] * X[j]) / D1
                else:
                    ilast = gradcount
            elif ilast < gradcount:
                count = 0
                ilast = gradcount
        else:
            count = 0
            if ilast == gradcount:
                count = n
            else:
                ilast = gradcount
        if it >= maxit:
            break
        if gradcount - ilast > 2 * n:
            ilast = gradcount
        if count == n and ilast == gradcount:
            break
    return b, fmin, 0 if it < maxit else 1
