"""Compiled (numba) twin of the exact ARMA likelihood in :mod:`pybbdl.models.arima_search`.

Optional: used when numba is installed (extra ``.[fast]``); the numpy code is the reference and
the tests check that both give the same numbers. Same algorithm, written as loops: the
pre-sample state covariance from the autocovariances, ``e0 = a(B)/b(B) w``, the Woodbury form of
the exact likelihood, the mean and the scale concentrated out. ``fun_grad`` returns the
objective and its forward-difference gradient in one call, so the optimiser (scipy's BFGS)
does not pay Python overhead per perturbed point.
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
def objective(u, w, constant, p, q, P, Q, m):
    coef = coef_from_free(u, p, q, P, Q)
    a, b = polys(coef, p, q, P, Q, m)
    ll = loglik(w, constant, a, b)[0]
    if not np.isfinite(ll):
        return 1e10
    return -ll / len(w)


@njit(cache=True)
def fun_grad(u, w, constant, p, q, P, Q, m, eps):
    f = objective(u, w, constant, p, q, P, Q, m)
    g = np.zeros(len(u))
    x = u.copy()
    for i in range(len(u)):
        x[i] = u[i] + eps
        g[i] = (objective(x, w, constant, p, q, P, Q, m) - f) / eps
        x[i] = u[i]
    return f, g
