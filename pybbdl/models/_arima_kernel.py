"""Compiled (numba) twin of the exact ARMA likelihood in :mod:`pybbdl.models.arima_likelihood`.

The default engine (numba is a dependency of pybbdl); ``engine="numpy"`` runs the same steps in
numpy and the tests check that both give the same fits (tests/python/test_arima_engines.py).
Same algorithm, written as loops: the pre-sample state covariance from the autocovariances,
``e0 = a(B)/b(B) w``, the Woodbury form of the exact likelihood, the mean and the scale
concentrated out; R's CSS-ML candidate fit with a port of R's BFGS (:func:`vmmin`), whose numpy
twin is ``_optim._vmmin``: a change to one must be made to the other.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True)
def _constrain_block(u, start, size, sign, out):
    """Unconstrained -> stationary coefficients (PACF / Durbin-Levinson), times `sign`, into out."""
    phi = np.zeros(size)
    tmp = np.zeros(size)
    for k in range(size):
        x = u[start + k]
        r = x / math.sqrt(1.0 + x * x)
        for i in range(k):
            tmp[i] = phi[i] - r * phi[k - 1 - i]
        for i in range(k):
            phi[i] = tmp[i]
        phi[k] = r
    for i in range(size):
        out[start + i] = sign * phi[i]


@njit(cache=True)
def coef_from_free(u, p, q, P, Q):
    out = np.zeros(p + q + P + Q)
    _constrain_block(u, 0, p, 1.0, out)
    _constrain_block(u, p, q, -1.0, out)
    _constrain_block(u, p + q, P, 1.0, out)
    _constrain_block(u, p + q + P, Q, -1.0, out)
    return out


@njit(cache=True)
def polys(coef, p, q, P, Q, m):
    """AR ``a = [1, -phi..]`` times the seasonal factor, MA ``b = [1, theta..]`` likewise."""
    a0 = np.zeros(p + 1)
    a0[0] = 1.0
    for i in range(p):
        a0[i + 1] = -coef[i]
    b0 = np.zeros(q + 1)
    b0[0] = 1.0
    for i in range(q):
        b0[i + 1] = coef[p + i]
    a = np.zeros(p + P * m + 1)
    for j in range(P + 1):
        s = 1.0 if j == 0 else -coef[p + q + j - 1]
        for i in range(p + 1):
            a[i + j * m] += a0[i] * s
    b = np.zeros(q + Q * m + 1)
    for j in range(Q + 1):
        s = 1.0 if j == 0 else coef[p + q + P + j - 1]
        for i in range(q + 1):
            b[i + j * m] += b0[i] * s
    return a, b


@njit(cache=True)
def presample_cov(a, b, r):
    pa, qb = len(a) - 1, len(b) - 1
    theta = np.zeros(2 * r + 2)
    for i in range(qb + 1):
        theta[i] = b[i]
    Bm = np.zeros((r, r))
    for i in range(r):
        for j in range(r):
            Bm[i, j] = theta[i + j]
    V = Bm @ Bm.T
    for i in range(r):
        for j in range(r):
            V[i, j] -= theta[i] * theta[j]
    if pa == 0:
        return V
    phi = np.zeros(2 * r + 2)
    for i in range(pa):
        phi[i] = -a[i + 1]
    psi = np.zeros(r + 2)
    for j in range(r + 1):
        v = theta[j]
        for i in range(1, min(j, pa) + 1):
            v += phi[i - 1] * psi[j - i]
        psi[j] = v
    mat = np.zeros((r + 1, r + 1))
    rhs = np.zeros(r + 1)
    for k in range(r + 1):
        for i in range(pa + 1):
            mat[k, abs(k - i)] += a[i]
        v = 0.0
        for j in range(r + 1):
            v += theta[k + j] * psi[j]
        rhs[k] = v
    gamma = np.linalg.solve(mat, rhs)
    Am = np.zeros((r, r))
    G = np.zeros((r, r))
    C = np.zeros((r, r))
    for i in range(r):
        for j in range(r):
            Am[i, j] = phi[i + j]
            G[i, j] = gamma[abs(i - j)]
            if j > i:
                C[i, j] = psi[j - i - 1]
    ACB = Am @ C @ Bm.T
    return V + Am @ G @ Am.T + ACB + ACB.T


@njit(cache=True)
def loglik(w, constant, a, b):
    """``(loglik, sigma2, mean)``; loglik = -inf where not defined."""
    n = len(w)
    pa, qb = len(a) - 1, len(b) - 1
    r = max(pa, qb + 1)
    V = presample_cov(a, b, r)
    ncol = 2 if constant else 1
    e = np.zeros((n, ncol))
    for t in range(n):
        for c in range(ncol):
            v = 0.0
            for i in range(min(t, pa) + 1):
                v += a[i] * (w[t - i] if c == 0 else 1.0)
            for j in range(1, min(t, qb) + 1):
                v -= b[j] * e[t - j, c]
            e[t, c] = v
    pi = np.zeros(n)
    for t in range(n):
        v = 1.0 if t == 0 else 0.0
        for j in range(1, min(t, qb) + 1):
            v -= b[j] * pi[t - j]
        pi[t] = v
    # A = H'H, H[t, k] = pi[t - k]: A[k, l] = sum_{s=0}^{n-1-max(k,l)} pi[s] pi[s + |k-l|]
    A = np.zeros((r, r))
    for lag in range(r):
        acc = 0.0
        cum = np.zeros(n + 1)
        for s in range(n - lag):
            acc += pi[s] * pi[s + lag]
            cum[s + 1] = acc
        for k in range(r - lag):
            l = k + lag
            upto = n - l
            val = cum[upto] if upto > 0 else 0.0
            A[k, l] = val
            A[l, k] = val
    cvec = np.zeros((r, ncol))
    for k in range(r):
        for c in range(ncol):
            v = 0.0
            for t in range(k, n):
                v += pi[t - k] * e[t, c]
            cvec[k, c] = v
    M = np.eye(r) + A @ V
    sign, logdet = np.linalg.slogdet(M)
    if sign <= 0 or not np.isfinite(logdet):
        return -np.inf, np.nan, np.nan
    sol = np.linalg.solve(M, cvec)
    Vc = V @ cvec
    q = e.T @ e - Vc.T @ sol
    if constant:
        mean = q[0, 1] / q[1, 1]
        ssq = q[0, 0] - mean * q[0, 1]
    else:
        mean = 0.0
        ssq = q[0, 0]
    if not ssq > 0:
        return -np.inf, np.nan, np.nan
    sigma2 = ssq / n
    ll = -0.5 * n * (math.log(2 * math.pi) + math.log(sigma2) + 1.0) - 0.5 * logdet
    return ll, sigma2, mean


@njit(cache=True)
def css_objective(theta, w, constant, p, q, P, Q, m):
    """R's ``armaCSS``: 0.5 log(mean squared conditional residual), raw coefficients (+ mean)."""
    k = p + q + P + Q
    a, b = polys(theta[:k], p, q, P, Q, m)
    mu = theta[k] if constant else 0.0
    pa, qb = len(a) - 1, len(b) - 1
    n = len(w)
    e = np.zeros(n)
    ssq = 0.0
    for t in range(pa, n):
        v = 0.0
        for i in range(pa + 1):
            v += a[i] * (w[t - i] - mu)
        for j in range(1, min(t - pa, qb) + 1):
            v -= b[j] * e[t - j]
        e[t] = v
        ssq += v * v
    nu = n - pa
    if not (ssq > 0 and np.isfinite(ssq)) or nu <= 0:
        return 1e10
    return 0.5 * math.log(ssq / nu)


@njit(cache=True)
def _ml_objective(x, w, constant, p, q, P, Q, m):
    """R's ``armafn`` scale: 0.5 log(sigma2) + 0.5 log det / n (the exact -loglik/n up to a constant)."""
    coef = coef_from_free(x, p, q, P, Q)
    a, b = polys(coef, p, q, P, Q, m)
    ll = loglik(w, constant, a, b)[0]
    if not np.isfinite(ll):
        return np.inf
    n = len(w)
    return -ll / n - 0.5 * (math.log(2 * math.pi) + 1.0)


@njit(cache=True)
def _objective(kind, x, w, constant, p, q, P, Q, m):
    if kind == 0:
        return _ml_objective(x, w, constant, p, q, P, Q, m)
    f = css_objective(x, w, constant, p, q, P, Q, m)
    return np.inf if f >= 1e10 else f


@njit(cache=True)
def _gradient(kind, x, w, constant, p, q, P, Q, m, h):
    """optim's numerical gradient: central differences, step ``ndeps = 1e-3``."""
    g = np.zeros(len(x))
    y = x.copy()
    for i in range(len(x)):
        y[i] = x[i] + h
        f1 = _objective(kind, y, w, constant, p, q, P, Q, m)
        y[i] = x[i] - h
        f2 = _objective(kind, y, w, constant, p, q, P, Q, m)
        y[i] = x[i]
        g[i] = (f1 - f2) / (2 * h)
    return g


@njit(cache=True)
def vmmin(kind, b, w, constant, p, q, P, Q, m, maxit, reltol):
    """R's ``optim(method = "BFGS")`` (vmmin in R's optim.c), line for line: returns (x, fmin, fail)."""
    stepredn, acctol, reltest = 0.2, 0.0001, 10.0
    n = len(b)
    b = b.copy()
    f = _objective(kind, b, w, constant, p, q, P, Q, m)
    if not np.isfinite(f):
        return b, f, 2
    fmin = f
    g = _gradient(kind, b, w, constant, p, q, P, Q, m, 1e-3)
    gradcount = 1
    it = 1
    ilast = gradcount
    B = np.eye(n)
    X = np.zeros(n)
    c = np.zeros(n)
    t = np.zeros(n)
    count = 0
    while True:
        if ilast == gradcount:
            B = np.eye(n)
        for i in range(n):
            X[i] = b[i]
            c[i] = g[i]
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
                    f = _objective(kind, b, w, constant, p, q, P, Q, m)
                    accpoint = np.isfinite(f) and (f <= fmin + gradproj * steplength * acctol)
                    if not accpoint:
                        steplength *= stepredn
                if count == n or accpoint:
                    break
            enough = abs(f - fmin) > reltol * (abs(fmin) + reltol)
            if not enough:
                count = n
                fmin = f
            if count < n:
                fmin = f
                g = _gradient(kind, b, w, constant, p, q, P, Q, m, 1e-3)
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
            else:
                if ilast < gradcount:
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
    if count == n and ilast == gradcount:
        # the last accepted point is in X when the loop ended without progress
        pass
    fail = 0 if it < maxit else 1
    return b, fmin, fail


@njit(cache=True)
def _stationary(phi):
    """Whether ``1 - sum phi_i z^i`` has all roots outside the unit circle (Schur-Cohn / PACF)."""
    k = len(phi)
    a = phi.copy()
    for j in range(k - 1, -1, -1):
        r = a[j]
        if abs(r) >= 1.0:
            return False
        if j > 0:
            new = np.zeros(j)
            for i in range(j):
                new[i] = (a[i] + r * a[j - 1 - i]) / (1.0 - r * r)
            a = new
    return True


@njit(cache=True)
def _unconstrain_block(coef, sign):
    phi = sign * coef.copy()
    k = len(phi)
    out = np.zeros(k)
    a = phi
    for j in range(k - 1, -1, -1):
        r = min(max(a[j], -0.9999), 0.9999)
        out[j] = r / math.sqrt(1.0 - r * r)
        if j > 0:
            new = np.zeros(j)
            for i in range(j):
                new[i] = (a[i] + r * a[j - 1 - i]) / (1.0 - r * r)
            a = new
    return out


@njit(cache=True)
def fit_candidate(w, constant, p, q, P, Q, m, maxit):
    """R's ``arima(method = "CSS-ML")`` on the differenced series, for one candidate.

    Returns ``(status, coef, converged)``: status 0 = fitted; 1 = the CSS estimate's AR part is
    not stationary (R stops there: "non-stationary AR part from CSS"; auto.arima refuses the
    model); 2 = no finite likelihood at the start."""
    k = p + q + P + Q
    reltol = 1.490116119384765625e-8  # sqrt(.Machine$double.eps), optim's default
    if k == 0:
        return 0, np.zeros(0), True
    x0 = np.zeros(k + (1 if constant else 0))
    if constant:
        x0[k] = np.mean(w)
    xc, fc, failc = vmmin(1, x0, w, constant, p, q, P, Q, m, 100, reltol)
    init = xc[:k].copy() if failc == 0 else np.zeros(k)
    if not (_stationary(init[:p]) and _stationary(init[p + q:p + q + P])):
        return 1, init, False
    u = np.zeros(k)
    # an MA part outside the invertible region starts from zero (R inverts its roots instead)
    if _stationary(-init[p:p + q]):
        u[p:p + q] = _unconstrain_block(init[p:p + q], -1.0)
    if _stationary(-init[p + q + P:]):
        u[p + q + P:] = _unconstrain_block(init[p + q + P:], -1.0)
    u[:p] = _unconstrain_block(init[:p], 1.0)
    u[p + q:p + q + P] = _unconstrain_block(init[p + q:p + q + P], 1.0)
    x, fmin, fail = vmmin(0, u, w, constant, p, q, P, Q, m, maxit, reltol)
    if not np.isfinite(fmin):
        return 2, coef_from_free(u, p, q, P, Q), False
    return 0, coef_from_free(x, p, q, P, Q), fail == 0
