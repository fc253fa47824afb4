"""R's ``forecast::ets`` estimation, compiled with numba: its likelihood, bounds and Nelder-Mead.

A port of the C code that ``forecast::ets`` (forecast 8.20) runs for each candidate model:
``etscalc`` (the state recursion and the criterion ``n log(SSE)`` (+ ``2 sum log|yhat|`` for
multiplicative errors)), ``EtsTargetFunction`` (the "usual" bounds ``lower < beta < alpha``,
``gamma < 1 - alpha``, ``0.8 < phi < 0.98`` and the admissible region, whose seasonal part is the
roots of R's characteristic polynomial; non-negative multiplicative seasonal states) and R's
Nelder-Mead (``nmmin`` of ``optim``, reflection 1, contraction 0.5, expansion 2, relative
tolerance ``sqrt(eps)``, 2,000 evaluations), started where ``initparam`` and ``initstate`` start it.

The same source is the pure-Python engine: :func:`python_twin` loads it again without numba
(``engine="python"`` of :class:`~pybbdl.models.ets.EtsForecaster`, slow, for checks), and
the tests check that both engines give the same fits.
"""

from __future__ import annotations

import math

import numpy as np

_PURE = globals().get("_PURE", False)

if _PURE:  # the twin: plain Python

    def _jit(f):
        return f

else:
    from numba import njit

    def _jit(f):
        return njit(cache=True)(f)


_TOL = 1.0e-10
_HUGEN = 1.0e10
_NA = -99999.0
_BIG = 1.0e35


@_jit
def etscalc(y, m, x0, error, trend, season, alpha, beta, gamma, phi, e, states):
    """R's ``etscalc``: one-step errors into `e`, states into `states` (n + 1 rows) when it has rows,
    and the criterion ``n log(sum e^2)`` (+ ``2 sum log|f|`` for multiplicative errors); NaN for R's NA.

    error 1/2 = A/M; trend and season 0/1/2 = N/A/M; `x0` = l, (b), s_1..s_m (s_1 the latest).
    """
    n = y.shape[0]
    mm = m if season > 0 else 1
    s = np.zeros(mm)
    olds = np.zeros(mm)
    lvl = x0[0]
    b = x0[1] if trend > 0 else 0.0
    off = 2 if trend > 0 else 1
    if season > 0:
        for j in range(mm):
            s[j] = x0[off + j]
    store = states.shape[0] > 0
    if store:
        for j in range(x0.shape[0]):
            states[0, j] = x0[j]
    sse = 0.0
    lik2 = 0.0
    for i in range(n):
        oldl = lvl
        oldb = b
        for j in range(mm):
            olds[j] = s[j]
        # one-step forecast
        if trend == 0:
            f = oldl
        elif trend == 1:
            f = oldl + phi * oldb
        elif oldb < 0:
            return np.nan
        else:
            f = oldl * oldb**phi
        if season == 1:
            f = f + olds[mm - 1]
        elif season == 2:
            f = f * olds[mm - 1]
        if abs(f - _NA) < _TOL:
            return np.nan
        if error == 1:
            e[i] = y[i] - f
        else:
            e[i] = (y[i] - f) / f
        # update: R's `update`
        if trend == 0:
            q = oldl
            phib = 0.0
        elif trend == 1:
            phib = phi * oldb
            q = oldl + phib
        elif abs(phi - 1.0) < _TOL:
            phib = oldb
            q = oldl * oldb
        else:
            phib = oldb**phi
            q = oldl * phib
        if season == 0:
            p = y[i]
        elif season == 1:
            p = y[i] - olds[mm - 1]
        elif abs(olds[mm - 1]) < _TOL:
            p = _HUGEN
        else:
            p = y[i] / olds[mm - 1]
        lvl = q + alpha * (p - q)
        if trend > 0:
            if trend == 1:
                r = lvl - oldl
            elif abs(oldl) < _TOL:
                r = _HUGEN
            else:
                r = lvl / oldl
            b = phib + (beta / alpha) * (r - phib)
        if season > 0:
            if season == 1:
                t = y[i] - q
            elif abs(q) < _TOL:
                t = _HUGEN
            else:
                t = y[i] / q
            s[0] = olds[mm - 1] + gamma * (t - olds[mm - 1])
            for j in range(1, mm):
                s[j] = olds[j - 1]
        if store:
            states[i + 1, 0] = lvl
            if trend > 0:
                states[i + 1, 1] = b
            if season > 0:
                for j in range(mm):
                    states[i + 1, off + j] = s[j]
        sse += e[i] * e[i]
        lik2 += math.log(abs(f))
    lik = n * math.log(sse) if sse > 0 else -np.inf
    if error == 2:
        lik += 2.0 * lik2
    return lik


@_jit
def roots_within(coef, radius):
    """Whether every root of ``sum coef[k] z^k`` (``coef[-1] != 0``) has modulus below `radius`:
    the Schur-Cohn test on ``P(radius z)`` (R asks ``max(Mod(polyroot(P))) <= radius``; the two
    differ only on the boundary itself), O(degree^2) instead of an eigenvalue problem."""
    n = coef.shape[0] - 1
    a = np.empty(n + 1)
    b = np.empty(n + 1)
    scale = 1.0
    for k in range(n + 1):
        a[k] = coef[k] * scale
        scale *= radius
    while n > 0:
        if not abs(a[0]) < abs(a[n]):
            return False
        an, a0 = a[n], a[0]
        for k in range(n):
            b[k] = an * a[k + 1] - a0 * a[n - 1 - k]
        lead = b[n - 1]
        if lead == 0.0 or not np.isfinite(lead):
            return False
        for k in range(n):
            a[k] = b[k] / lead
        n -= 1
    return True


@_jit
def admissible(alpha, beta, gamma, phi, m, has_beta, has_gamma):
    """R's ``admissible`` (the forecastability region of Hyndman et al. 2008, ch. 10)."""
    if phi < 0 or phi > 1 + 1e-8:
        return False
    if not has_gamma:
        if alpha < 1 - 1 / phi or alpha > 1 + 1 / phi:
            return False
        if has_beta:
            if beta < alpha * (phi - 1) or beta > (1 + phi) * (2 - alpha):
                return False
        return True
    if m > 1:
        if not has_beta:
            beta = 0.0
        if gamma < max(1 - 1 / phi - alpha, 0.0) or gamma > 1 + 1 / phi - alpha:
            return False
        if alpha < 1 - 1 / phi - gamma * (1 - m + phi + phi * m) / (2 * phi * m):
            return False
        if beta < -(1 - phi) * (gamma / m + alpha):
            return False
        # roots of P(z) = phi(1-a-g) + (a+b-a phi+g-1) z + (a+b-a phi) (z^2..z^{m-1}) + (a+b-phi) z^m + z^{m+1}
        deg = m + 1
        c = np.zeros(deg)  # coefficients of z^0..z^m of the monic polynomial of degree m + 1
        c[0] = phi * (1 - alpha - gamma)
        c[1] = alpha + beta - alpha * phi + gamma - 1
        for k in range(2, m):
            c[k] = alpha + beta - alpha * phi
        c[m] = alpha + beta - phi
        full = np.empty(deg + 1)
        for k in range(deg):
            full[k] = c[k]
        full[deg] = 1.0
        if not roots_within(full, 1 + 1e-10):
            return False
    return True


@_jit
def objective(par, y, m, error, trend, season, damped, lower, upper, e, scratch):
    """R's ``EtsTargetFunction::eval`` with opt.crit "lik" and bounds "both": +inf outside the bounds.

    `par` = alpha, (beta), (gamma), (phi), l, (b), s_1..s_{m-1}; the last seasonal state is
    ``m`` (multiplicative) or 0 (additive) less the others, as R.
    """
    j = 0
    alpha = par[j]
    j += 1
    beta = 0.0
    gamma = 0.0
    phi = 1.0
    if trend > 0:
        beta = par[j]
        j += 1
    if season > 0:
        gamma = par[j]
        j += 1
    if damped:
        phi = par[j]
        j += 1
    # the usual bounds
    if alpha < lower[0] or alpha > upper[0]:
        return np.inf
    if trend > 0 and (beta < lower[1] or beta > alpha or beta > upper[1]):
        return np.inf
    if damped and (phi < lower[3] or phi > upper[3]):
        return np.inf
    if season > 0 and (gamma < lower[2] or gamma > 1 - alpha or gamma > upper[2]):
        return np.inf
    mm = m if season > 0 else 1
    if not admissible(alpha, beta, gamma, phi, mm, trend > 0, season > 0):
        return np.inf
    nstate = par.shape[0] - j
    x0 = scratch
    for k in range(nstate):
        x0[k] = par[j + k]
    if season > 0:
        first = 2 if trend > 0 else 1
        tot = 0.0
        for k in range(first, nstate):
            tot += x0[k]
        x0[nstate] = (m if season == 2 else 0) - tot
        if season == 2:
            for k in range(first, nstate + 1):
                if x0[k] < 0:
                    return np.inf
    lik = etscalc(y, mm, x0, error, trend, season, alpha, beta, gamma, phi, e, np.zeros((0, 0)))
    if np.isnan(lik):
        return np.inf
    if lik < -1e10:
        return -1e10
    return lik


@_jit
def nelder_mead(b, y, m, error, trend, season, damped, lower, upper, maxit):
    """R's ``nmmin`` (optim's Nelder-Mead) on :func:`objective`, abstol -inf, intol sqrt(eps),
    alpha 1, beta 0.5, gamma 2, as ``etsNelderMead``. Returns (x, fmin, evaluations)."""
    n = b.shape[0]
    e = np.zeros(y.shape[0])
    scratch = np.zeros(n + 1)
    bvec = b.copy()
    intol = 1.4901161193847656e-08
    a_, bet, gamm = 1.0, 0.5, 2.0
    f = objective(bvec, y, m, error, trend, season, damped, lower, upper, e, scratch)
    if not np.isfinite(f):
        return bvec, np.inf, 0
    funcount = 1
    convtol = intol * (abs(f) + intol)
    n1 = n + 1
    C = n + 2
    P = np.zeros((n1, n + 2))
    P[n1 - 1, 0] = f
    for i in range(n):
        P[i, 0] = bvec[i]
    L = 1
    size = 0.0
    step = 0.0
    for i in range(n):
        if 0.1 * abs(bvec[i]) > step:
            step = 0.1 * abs(bvec[i])
    if step == 0.0:
        step = 0.1
    for j in range(2, n1 + 1):
        for i in range(n):
            P[i, j - 1] = bvec[i]
        trystep = step
        while P[j - 2, j - 1] == bvec[j - 2]:
            P[j - 2, j - 1] = bvec[j - 2] + trystep
            trystep *= 10
        size += trystep
    oldsize = size
    calcvert = True
    while True:
        if calcvert:
            for j in range(n1):
                if j + 1 != L:
                    for i in range(n):
                        bvec[i] = P[i, j]
                    f = objective(bvec, y, m, error, trend, season, damped, lower, upper, e, scratch)
                    if not np.isfinite(f):
                        f = _BIG
                    funcount += 1
                    P[n1 - 1, j] = f
            calcvert = False
        VL = P[n1 - 1, L - 1]
        VH = VL
        H = L
        for j in range(1, n1 + 1):
            if j != L:
                f = P[n1 - 1, j - 1]
                if f < VL:
                    L = j
                    VL = f
                if f > VH:
                    H = j
                    VH = f
        if VH <= VL + convtol:
            break
        for i in range(n):
            temp = -P[i, H - 1]
            for j in range(n1):
                temp += P[i, j]
            P[i, C - 1] = temp / n
        for i in range(n):
            bvec[i] = (1.0 + a_) * P[i, C - 1] - a_ * P[i, H - 1]
        f = objective(bvec, y, m, error, trend, season, damped, lower, upper, e, scratch)
        if not np.isfinite(f):
            f = _BIG
        funcount += 1
        VR = f
        if VR < VL:
            P[n1 - 1, C - 1] = f
            for i in range(n):
                f = gamm * bvec[i] + (1 - gamm) * P[i, C - 1]
                P[i, C - 1] = bvec[i]
                bvec[i] = f
            f = objective(bvec, y, m, error, trend, season, damped, lower, upper, e, scratch)
            if not np.isfinite(f):
                f = _BIG
            funcount += 1
            if f < VR:
                for i in range(n):
                    P[i, H - 1] = bvec[i]
                P[n1 - 1, H - 1] = f
            else:
                for i in range(n):
                    P[i, H - 1] = P[i, C - 1]
                P[n1 - 1, H - 1] = VR
        else:
            if VR < VH:
                for i in range(n):
                    P[i, H - 1] = bvec[i]
                P[n1 - 1, H - 1] = VR
            for i in range(n):
                bvec[i] = (1 - bet) * P[i, H - 1] + bet * P[i, C - 1]
            f = objective(bvec, y, m, error, trend, season, damped, lower, upper, e, scratch)
            if not np.isfinite(f):
                f = _BIG
            funcount += 1
            if f < P[n1 - 1, H - 1]:
                for i in range(n):
                    P[i, H - 1] = bvec[i]
                P[n1 - 1, H - 1] = f
            elif VR >= VH:
                calcvert = True
                size = 0.0
                for j in range(n1):
                    if j + 1 != L:
                        for i in range(n):
                            P[i, j] = bet * (P[i, j] - P[i, L - 1]) + P[i, L - 1]
                            size += abs(P[i, j] - P[i, L - 1])
                if size < oldsize:
                    oldsize = size
                else:
                    break
        if funcount > maxit:
            break
    x = np.empty(n)
    for i in range(n):
        x[i] = P[i, L - 1]
    return x, P[n1 - 1, L - 1], funcount


def python_twin():
    """This module loaded again without numba (the pure-Python engine)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("pybbdl.models._ets_kernel_python", __file__)
    mod = importlib.util.module_from_spec(spec)
    mod._PURE = True
    spec.loader.exec_module(mod)
    return mod


# -- the start and one candidate's fit (numpy; the same for both engines) -----------------------
#: R's ets() defaults: lower and upper bounds of alpha, beta, gamma, phi.
LOWER = np.array([1e-4, 1e-4, 1e-4, 0.8])
UPPER = np.array([0.9999, 0.9999, 0.9999, 0.98])
_CODES = {"N": 0, "A": 1, "M": 2}


def _decompose_seasonal(y: np.ndarray, m: int, mult: bool) -> np.ndarray:
    """R's ``decompose(ts(y, frequency = m))$seasonal`` (the series starting at cycle position 1)."""
    n = len(y)
    f = np.r_[0.5, np.ones(m - 1), 0.5] / m if m % 2 == 0 else np.ones(m) / m
    half = len(f) // 2
    trend = np.full(n, np.nan)
    for i in range(half, n - (len(f) - 1 - half)):
        trend[i] = float(np.dot(f[::-1], y[i - half:i - half + len(f)]))
    season = y / trend if mult else y - trend
    figure = np.array([np.nanmean(season[i::m]) for i in range(m)])
    figure = figure / figure.mean() if mult else figure - figure.mean()
    return np.resize(figure, n)


def initstate(y: np.ndarray, trend: str, season: str, m: int) -> np.ndarray:
    """R's ``initstate``: l, (b), s_1..s_{m-1} from a classical decomposition (a Fourier
    regression below 3 periods) and a straight line through the first max(10, 2m) values."""
    n = len(y)
    if season != "N":
        if n < 3 * m:
            t = np.arange(1, n + 1, dtype=float)
            cols = [np.ones(n), t]
            if m != 2:
                cols.append(np.sin(2 * np.pi * t / m))
            cols.append(np.cos(2 * np.pi * t / m))
            coef = np.linalg.lstsq(np.column_stack(cols), y, rcond=None)[0]
            line = coef[0] + coef[1] * t
            seasonal = y - line if season == "A" else y / line
        else:
            seasonal = _decompose_seasonal(y, m, season == "M")
        init_seas = seasonal[1:m][::-1].copy()
        if season == "A":
            y_sa = y - seasonal
        else:
            init_seas = np.maximum(init_seas, 0.01)
            if init_seas.sum() > m:
                init_seas = init_seas / np.sum(init_seas + 0.01)
            y_sa = y / np.maximum(seasonal, 0.01)
    else:
        m = 1
        init_seas = np.zeros(0)
        y_sa = y
    maxn = min(max(10, 2 * m), n)
    if trend == "N":
        return np.r_[np.mean(y_sa[:maxn]), init_seas]
    x = np.arange(1, maxn + 1, dtype=float)
    slope, intercept = np.polyfit(x, y_sa[:maxn], 1)
    l0, b0 = intercept, slope
    if abs(l0 + b0) < 1e-8:
        l0, b0 = l0 * 1.001, b0 * 0.999
    return np.r_[l0, b0, init_seas]


def initparam(trend: str, season: str, damped: bool, m: int) -> np.ndarray:
    """R's ``initparam`` with the default bounds: alpha, (beta), (gamma), (phi)."""
    lower, upper = LOWER, UPPER.copy()
    mm = m if season != "N" else 1
    alpha = lower[0] + 0.2 * (upper[0] - lower[0]) / mm
    if alpha > 1 or alpha < 0:
        alpha = lower[0] + 0.002
    par = [alpha]
    if trend != "N":
        upper[1] = min(upper[1], alpha)
        beta = lower[1] + 0.1 * (upper[1] - lower[1])
        if beta < 0 or beta > alpha:
            beta = alpha - 0.001
        par.append(beta)
    if season != "N":
        upper[2] = min(upper[2], 1 - alpha)
        gamma = lower[2] + 0.05 * (upper[2] - lower[2])
        if gamma < 0 or gamma > 1 - alpha:
            gamma = 1 - alpha - 0.001
        par.append(gamma)
    if damped:
        phi = lower[3] + 0.99 * (upper[3] - lower[3])
        if phi < 0 or phi > 1:
            phi = upper[3] - 0.001
        par.append(phi)
    return np.array(par, dtype=float)


def fit_candidate(y: np.ndarray, error: str, trend: str, damped: bool, season: str, m: int,
                  maxit: int = 2000):
    """R's ``etsmodel`` for one candidate: a dict with ``alpha, beta, gamma, phi``, the full
    initial state ``x0`` (l, b, s_1..s_m), R's ``lik``, the number of estimated values ``np``
    (R's ``length(par)``, without sigma) and ``aic, aicc, bic`` as R; None when R gives up
    (too few values for the parameters, or no finite criterion at the start)."""
    y = np.ascontiguousarray(y, dtype=float)
    n = len(y)
    mm = m if season != "N" else 1
    par0 = initparam(trend, season, damped, mm)
    npar = len(par0)
    state0 = initstate(y, trend, season, mm)
    b = np.r_[par0, state0]
    k = len(b)
    if k >= n - 1:
        return None
    codes = (_CODES[error] if error == "A" else 2, _CODES[trend], _CODES[season])
    err = 1 if error == "A" else 2
    x, fmin, _ = nelder_mead(b, y, mm, err, codes[1], codes[2], bool(damped), LOWER, UPPER, int(maxit))
    if not np.isfinite(fmin):
        return None
    j = 0
    alpha = x[j]
    beta = x[j + 1] if trend != "N" else 0.0
    j += 1 + (trend != "N")
    gamma = x[j] if season != "N" else 0.0
    j += season != "N"
    phi = x[j] if damped else 1.0
    x0 = x[npar:].copy()
    if season != "N":
        first = 2 if trend != "N" else 1
        x0 = np.r_[x0, (mm if season == "M" else 0) - x0[first:].sum()]
    e = np.zeros(n)
    states = np.zeros((n + 1, len(x0)))
    lik = etscalc(y, mm, x0, err, codes[1], codes[2], alpha, beta, gamma, phi, e, states)
    if not np.isfinite(lik):
        return None
    p = k + 1
    aic = lik + 2 * p
    return {"alpha": alpha, "beta": beta, "gamma": gamma, "phi": phi, "x0": x0, "lik": lik, "np": k,
            "aic": aic, "aicc": aic + 2 * p * (p + 1) / (n - p - 1) if n - p - 1 > 0 else np.inf,
            "bic": lik + np.log(n) * p, "e": e, "states": states}
