"""Fast automatic ARIMA order search: exhaustive or stepwise (Hyndman-Khandakar), and `AutoArima`.

The search scores each candidate ARIMA(p, d, q)(P, D, Q)m by its exact Gaussian maximum
likelihood, computed here without a Kalman filter loop. For the differenced series ``w`` (length
N) of an ARMA with AR polynomial ``a(B)`` and MA polynomial ``b(B)`` (seasonal factors
multiplied in), ``e0 = a(B)/b(B) w`` from zero initial conditions is one linear filter, and the
unknown pre-sample state ``s`` (covariance ``V`` from the autocovariances, no Lyapunov solve)
enters linearly: ``e0 = H s + e``, ``H[t, k] = pi[t - k]`` with ``pi`` the impulse response of
``1/b(B)``. So ``e0 ~ N(0, sigma2 (I + H V H'))`` and, by the Woodbury identity, the exact
log-likelihood needs only r x r matrices (r = the state dimension), O(N r) work. The mean (or
drift) and ``sigma2`` are concentrated out (GLS), so the optimiser sees only the ARMA
coefficients, in the stationary/invertible (partial autocorrelation) parameterisation.

Each candidate is fitted as R's ``arima(method = "CSS-ML")``: conditional sum of squares from
zeros, a refusal when its AR part is not stationary (R stops there), then maximum likelihood from
the CSS estimate, at most 100 iterations of R's BFGS (``optim``'s vmmin: central differences with
step 1e-3, R's relative tolerance). The whole candidate fit runs compiled with numba (a dependency;
:mod:`pybbdl.models._arima_kernel`); ``engine="numpy"`` runs the same steps in numpy
(:func:`_vmmin` is the kernel's ``vmmin`` step for step), about 10x slower, and chooses the same
models (AICc equal to 1e-6; tests/python/test_arima_engines.py, benchmarks/arima_engines.py). Until
issue 20 the numpy engine used scipy's BFGS from its own start and could stop at another local
optimum (Jena: ARIMA(2,1,2), where R and numba choose ARIMA(2,1,0)). Warm starts from a fitted
neighbour (``warm=True``) are available but off: they are faster, but they find better local
optima than R's CSS starts on some series (M3 N1702) and then choose a different model than R.

The likelihood is the one statsmodels' ``ARIMA`` and R's ``arima(method = "ML")`` maximise (the
tests check it against statsmodels), so the criterion values agree with both; the chosen model
is then fitted once more by statsmodels (``results_``), so forecasts, intervals and ``summary()``
come from statsmodels as before.

As R's ``forecast::auto.arima``: ``d`` by repeated KPSS tests (``ndiffs``), ``D`` by the
seasonal-strength heuristic (``nsdiffs(test = "seas")``: strength of an STL seasonal component
> 0.64, STL as R's ``mstl``), a constant (mean for d + D = 0, drift for d + D = 1) tried both
ways, candidates with an AR or MA root inside modulus 1.01 refused (an MA optimum on the unit
circle, which the invertible parameterisation only approaches, is detected and refused too),
AICc by default. Not replicated: R's refusal of fits whose Hessian gives a NaN standard error
(``checkarima``), the CSS approximation for long series (``approximation = TRUE``; the exact
likelihood is fast here), Box-Cox, and regressors.

Candidates are scored one after another: each costs about a millisecond compiled, less than
handing it to a worker process; panels parallelise over series instead
(:func:`pybbdl.parallel.run_tasks`).
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy.linalg.lapack import dgesv as _dgesv
from scipy.signal import lfilter

try:  # scipy's C filter without the array-API wrapper (a third of a candidate's time); same numbers
    from scipy.signal._sigtools import _linear_filter as _c_filter

    def _filter(b: np.ndarray, a: np.ndarray, x: np.ndarray) -> np.ndarray:
        return _c_filter(b, a, x, 0)
except ImportError:  # pragma: no cover - other scipy versions
    def _filter(b: np.ndarray, a: np.ndarray, x: np.ndarray) -> np.ndarray:
        return lfilter(b, a, x, axis=0)

from pybbdl._validation import check_positive_int
from pybbdl.exceptions import ArgumentError, DataError, ModelFitError

CRITERIA = ("aicc", "aic", "bic")
SEARCHES = ("exhaustive", "stepwise")
#: R's auto.arima refuses a model with an AR or MA root of modulus below this.
MIN_ROOT = 1.01
#: Seasonal strength above which one seasonal difference is taken (R's nsdiffs, test "seas").
SEASONAL_STRENGTH = 0.64


# -- parameter transforms ---------------------------------------------------------------------
def _solve(M: np.ndarray, rhs: np.ndarray) -> tuple[np.ndarray, float]:
    """``M^-1 rhs`` and ``log det M`` (-inf unless positive) by one LAPACK LU (small M, no overhead)."""
    lu, piv, x, info = _dgesv(M, rhs)
    if info != 0:
        return x, -np.inf
    diag = np.diagonal(lu)
    sign = np.prod(np.sign(diag)) * (-1.0) ** np.count_nonzero(piv != np.arange(len(piv)))
    if sign <= 0:
        return x, -np.inf
    return x, float(np.sum(np.log(np.abs(diag))))


_EMPTY = np.zeros(0)
_ONE = np.ones(1)


def _constrain(u) -> np.ndarray:
    """Unconstrained reals -> coefficients of a stationary ``1 - sum phi_i z^i`` (PACF route)."""
    if not len(u):
        return _EMPTY
    phi: list = []
    for x in u:
        r = float(x) / math.sqrt(1.0 + float(x) * float(x))
        phi = [f - r * g for f, g in zip(phi, reversed(phi))] + [r]
    return np.array(phi)


def _unconstrain(phi: np.ndarray) -> np.ndarray:
    """Inverse of :func:`_constrain` (partial autocorrelations clipped inside (-1, 1), at
    +-0.9999 as the compiled kernel's ``_unconstrain_block``)."""
    phi = np.asarray(phi, dtype=float)
    out = np.zeros(len(phi))
    for k in range(len(phi) - 1, -1, -1):
        r = min(max(float(phi[k]), -0.9999), 0.9999)
        out[k] = r / math.sqrt(1.0 - r * r)
        if k:
            head = phi[:k]
            phi = (head + r * head[::-1]) / (1.0 - r * r)
    return out


def _min_root(coef: np.ndarray, sign: float) -> float:
    """Smallest root modulus of ``1 + sign * sum coef_i z^i`` (inf when no coefficient)."""
    c = np.asarray(coef, dtype=float)
    nz = np.nonzero(np.abs(c) > 1e-8)[0]
    if not len(nz):
        return np.inf
    c = c[:nz[-1] + 1]
    roots = np.roots(np.r_[sign * c[::-1], 1.0])
    return float(np.min(np.abs(roots))) if len(roots) else np.inf


# -- the model and its likelihood -------------------------------------------------------------
@dataclass(frozen=True)
class Spec:
    """One candidate: ARIMA(p, d, q)(P, D, Q)m, with or without a constant (mean/drift)."""

    p: int
    d: int
    q: int
    P: int = 0
    D: int = 0
    Q: int = 0
    m: int = 1
    constant: bool = False

    @property
    def order(self) -> tuple[int, int, int]:
        return (self.p, self.d, self.q)

    @property
    def seasonal_order(self) -> tuple[int, int, int, int]:
        if self.P or self.D or self.Q:
            return (self.P, self.D, self.Q, self.m)
        return (0, 0, 0, 0)

    @property
    def trend(self) -> str:
        """statsmodels' ARIMA trend: "c" (mean) for d + D = 0, "t" (drift) for d + D = 1."""
        if not self.constant:
            return "n"
        return "c" if self.d + self.D == 0 else "t"

    @property
    def n_coef(self) -> int:
        return self.p + self.q + self.P + self.Q

    def label(self) -> str:
        text = f"ARIMA({self.p},{self.d},{self.q})"
        if self.P or self.D or self.Q:
            text += f"({self.P},{self.D},{self.Q})[{self.m}]"
        return text + f" trend={self.trend}"


def difference(y: np.ndarray, d: int, D: int = 0, m: int = 1) -> np.ndarray:
    """``(1 - B^m)^D (1 - B)^d y``."""
    w = np.asarray(y, dtype=float)
    for _ in range(D):
        w = w[m:] - w[:-m]
    for _ in range(d):
        w = np.diff(w)
    return w


def _polys(spec: Spec, coef: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """AR polynomial ``a`` (``[1, -phi...]``, seasonal factor multiplied in) and MA ``b``."""
    p, q, P, Q, m = spec.p, spec.q, spec.P, spec.Q, spec.m
    a = np.empty(p + 1)
    a[0] = 1.0
    a[1:] = -coef[:p]
    b = np.empty(q + 1)
    b[0] = 1.0
    b[1:] = coef[p:p + q]
    if P:
        sa = np.zeros(P * m + 1)
        sa[0], sa[m::m] = 1.0, -coef[p + q:p + q + P]
        a = np.convolve(a, sa)
    if Q:
        sb = np.zeros(Q * m + 1)
        sb[0], sb[m::m] = 1.0, coef[p + q + P:]
        b = np.convolve(b, sb)
    return a, b


def _coef_from_free(spec: Spec, u: np.ndarray) -> np.ndarray:
    p, q, P = spec.p, spec.q, spec.P
    out = np.empty(len(u))
    if p:
        out[:p] = _constrain(u[:p])
    if q:
        out[p:p + q] = -_constrain(u[p:p + q])
    if P:
        out[p + q:p + q + P] = _constrain(u[p + q:p + q + P])
    if spec.Q:
        out[p + q + P:] = -_constrain(u[p + q + P:])
    return out


def _free_from_coef(spec: Spec, coef: np.ndarray) -> np.ndarray:
    p, q, P = spec.p, spec.q, spec.P
    return np.concatenate([_unconstrain(coef[:p]), _unconstrain(-coef[p:p + q]),
                           _unconstrain(coef[p + q:p + q + P]), _unconstrain(-coef[p + q + P:])])


class _Likelihood:
    """Exact concentrated Gaussian log-likelihood of an ARMA(+mean) on a differenced series.

    Index arrays for the fixed state dimension are built once, so an evaluation is a few
    ``lfilter`` calls and r x r products."""

    def __init__(self, w: np.ndarray, spec: Spec):
        self.w = np.asarray(w, dtype=float)
        self.n = n = len(self.w)
        self.spec = spec
        self.p_full, self.q_full = spec.p + spec.P * spec.m, spec.q + spec.Q * spec.m
        self.r = r = max(self.p_full, self.q_full + 1)
        i, j = np.indices((r, r))
        self._hankel = i + j                    # into a vector padded to 2r
        self._toeplitz = np.abs(i - j)          # into gamma
        self._upper = np.where(j > i, j - i - 1, r + 1)  # C[j, j'] = psi[j' - j - 1], else the zero slot
        # the autocovariance equations sum_i a_i gamma(|k - i|) = rhs_k, k = 0..r (lags 0..r), one solve:
        # mat[k, lag] = sum_i a_i [lag == |k - i|] = (E @ a)[k, lag]
        i1, j1 = np.indices((r + 1, r + 1))
        self._hankel1 = i1 + j1
        self._acov_map = (np.abs(i1[:, :, None] - np.arange(r + 1)[None, None, :]) == j1[:, :, None]).astype(float)
        t, k = np.indices((n, r))
        self._h_idx = np.where(t >= k, t - k, n)  # H[t, k] = pi[t - k], else the zero slot
        cols = [self.w] + ([np.ones(n)] if spec.constant else []) + [np.r_[1.0, np.zeros(n - 1)]]
        self._x = np.column_stack(cols)           # data, (ones,) impulse
        self._eye = np.eye(r)
        self._imp1 = np.r_[1.0, np.zeros(r)]

    def presample_cov(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """``V = P - R R'``: covariance (var(e) = 1) of the filter state carrying the pre-sample.

        ``P`` is the stationary covariance of the Harvey state ``alpha[k] = sum_{j>=0} phi[k+j]
        w[t-1-j] + theta[k-1+j] e[t-j]``, from the autocovariances and psi weights (no Lyapunov
        solve)."""
        r = self.r
        theta = np.zeros(2 * r)
        theta[:len(b)] = b
        Bm = theta[self._hankel]
        R = theta[:r]
        if len(a) == 1:  # pure MA: the state is a sum of future shocks only
            return Bm @ Bm.T - np.outer(R, R)
        phi = np.zeros(2 * r)
        phi[:len(a) - 1] = -a[1:]
        theta1 = np.zeros(2 * r + 2)
        theta1[:len(b)] = b
        psi = np.zeros(r + 2)
        psi[:r + 1] = _filter(b, a, self._imp1)
        Am = phi[self._hankel]
        # gamma(0..r): sum_i a_i gamma(|k-i|) = sum_j b_{k+j} psi_j, k = 0..r
        a_pad = np.zeros(r + 1)
        a_pad[:len(a)] = a
        rhs = theta1[self._hankel1] @ psi[:r + 1]
        gamma = _solve(self._acov_map @ a_pad, rhs)[0]
        C = psi[self._upper]
        ACB = Am @ C @ Bm.T
        P = Am @ gamma[self._toeplitz] @ Am.T + Bm @ Bm.T + ACB + ACB.T
        return P - np.outer(R, R)

    def evaluate(self, coef: np.ndarray) -> tuple[float, float, float]:
        """``(loglik, sigma2, mean)`` at the ARMA coefficients (mean 0 without a constant)."""
        a, b = _polys(self.spec, coef)
        n = self.n
        V = self.presample_cov(a, b)
        # e0 = a(B)/b(B) w from zero initial conditions (and the same of the ones column); the
        # initial state's effect is H[t, k] = pi[t - k], pi the impulse response of 1/b(B)
        x = self._x
        if len(a) > 1:  # the AR part, on the data columns only (the impulse goes through 1/b alone)
            x = x.copy()
            x[len(a) - 1:, :-1] += sum(a[i] * self._x[len(a) - 1 - i:n - i, :-1] for i in range(1, len(a)))
            x[:len(a) - 1, :-1] = _filter(a, _ONE, self._x[:len(a) - 1, :-1])
        if len(b) > 1:
            x = _filter(_ONE, b, x)
        ev = x[:, :-1] if self.spec.constant else x[:, 0]
        pi = np.zeros(n + 1)
        pi[:n] = x[:, -1]
        H = pi[self._h_idx]
        M = self._eye + (H.T @ H) @ V
        c = H.T @ ev
        # quadratic forms x' (I + H V H')^-1 y = x'y - (V c_x)' M^-1 c_y (Woodbury); log det from M's LU
        sol, logdet = _solve(M, c)
        if not np.isfinite(logdet):
            return -np.inf, np.nan, np.nan
        if self.spec.constant:
            q = ev.T @ ev - (V @ c).T @ sol
            mean = q[0, 1] / q[1, 1]
            ssq = q[0, 0] - mean * q[0, 1]
        else:
            mean = 0.0
            ssq = ev @ ev - (V @ c) @ sol
        if not ssq > 0:
            return -np.inf, np.nan, np.nan
        sigma2 = ssq / n
        loglik = -0.5 * n * (math.log(2 * math.pi) + math.log(sigma2) + 1.0) - 0.5 * logdet
        return float(loglik), float(sigma2), float(mean)


@dataclass
class Fit:
    """A scored candidate."""

    spec: Spec
    loglik: float = np.nan
    sigma2: float = np.nan
    mean: float = np.nan
    coef: np.ndarray = field(default_factory=lambda: np.zeros(0))
    n_obs: int = 0
    aic: float = np.inf
    aicc: float = np.inf
    bic: float = np.inf
    converged: bool = False
    min_root: float = np.inf
    error: str = ""
    seconds: float = 0.0
    engine: str = ""

    def ic(self, criterion: str) -> float:
        """The criterion; inf for a refused or failed fit (as R's auto.arima)."""
        if self.error:
            return np.inf
        return float(getattr(self, criterion))

    @property
    def n_params(self) -> int:
        return self.spec.n_coef + int(self.spec.constant) + 1

    def statsmodels_params(self) -> np.ndarray:
        """Start values in the order of statsmodels' ARIMA (trend, ar, ma, seasonal ar/ma, sigma2)."""
        s = self.spec
        trend = []
        if s.constant:
            trend = [self.mean / (s.m if s.D == 1 and s.d == 0 else 1.0)]
        return np.r_[trend, self.coef, self.sigma2]


_KERNEL: list = []
#: The likelihood engines: "numba" (compiled), "numpy" (the same algorithm in numpy), "auto".
ENGINES = ("auto", "numba", "numpy")


def _kernel():
    """The compiled likelihood module (numba), or None when numba cannot be imported."""
    if not _KERNEL:
        try:
            from pybbdl.models import _arima_kernel as kernel
        except ImportError:
            kernel = None
        _KERNEL.append(kernel)
    return _KERNEL[0]


def resolve_engine(engine: str = "auto") -> str:
    """The engine a fit with `engine` runs: ``"numba"`` or ``"numpy"``.

    ``"auto"`` is numba (a dependency of pybbdl) unless the environment variable
    ``PYBBDL_ARIMA_ENGINE=numpy`` says otherwise or numba cannot be imported. Both engines run the
    same algorithm (R's CSS-ML with R's BFGS) and choose the same models; numba is ~10x faster.

    Raises:
        ArgumentError: `engine` is not one of :data:`ENGINES`, or ``"numba"`` without numba.
    """
    import os

    if engine not in ENGINES:
        raise ArgumentError(f'`engine` must be "auto", "numba" or "numpy". Received: {engine!r}')
    if engine == "auto":
        env = os.environ.get("PYBBDL_ARIMA_ENGINE", "auto")
        if env not in ENGINES:
            raise ArgumentError(f'PYBBDL_ARIMA_ENGINE must be "auto", "numba" or "numpy". Received: {env!r}')
        engine = env
    if engine == "numpy":
        return "numpy"
    if _kernel() is None:
        if engine == "numba":
            raise ArgumentError('`engine="numba"` needs numba, which pybbdl installs (pip install numba). '
                                'Received: "numba" and numba cannot be imported')
        return "numpy"
    return "numba"


# -- R's optim(method = "BFGS") in numpy: the same steps as _arima_kernel.vmmin -----------------
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


def _stationary(phi: np.ndarray) -> bool:
    """Whether ``1 - sum phi_i z^i`` has all roots outside the unit circle (Schur-Cohn / PACF),
    as the kernel's ``_stationary``."""
    a = np.array(phi, dtype=float)
    for j in range(len(a) - 1, -1, -1):
        r = a[j]
        if abs(r) >= 1.0:
            return False
        if j > 0:
            a = (a[:j] + r * a[:j][::-1]) / (1.0 - r * r)
    return True


class _NumpyFit:
    """The numpy engine's objectives for one candidate: R's ``armaCSS`` and ``armafn`` scales."""

    def __init__(self, w: np.ndarray, spec: Spec):
        self.w, self.spec, self.lik = w, spec, _Likelihood(w, spec)
        self.k = spec.n_coef
        self.ncond = spec.p + spec.P * spec.m

    def ml(self, x: np.ndarray) -> float:
        """0.5 log(sigma2) + 0.5 log det / n (the exact -loglik/n up to a constant); inf if undefined."""
        ll = self.lik.evaluate(_coef_from_free(self.spec, x))[0]
        if not math.isfinite(ll):
            return math.inf
        return -ll / self.lik.n - 0.5 * (math.log(2 * math.pi) + 1.0)

    def css(self, theta: np.ndarray) -> float:
        """0.5 log(mean squared conditional residual), raw coefficients (+ mean); inf if undefined."""
        k, spec, ncond = self.k, self.spec, self.ncond
        nu = len(self.w) - ncond
        if nu <= 0:
            return math.inf
        x = self.w - theta[k] if spec.constant else self.w
        a, b = _polys(spec, theta[:k])
        e = _filter(_ONE, b, _filter(a, _ONE, x)[ncond:])
        ssq = float(e @ e)
        return 0.5 * math.log(ssq / nu) if ssq > 0 and math.isfinite(ssq) else math.inf

    def fit(self, maxit: int) -> tuple[int, np.ndarray, bool]:
        """R's ``arima(method = "CSS-ML")``, as the kernel's ``fit_candidate``: ``(status, coef,
        converged)``, status 1 = non-stationary AR part from CSS, 2 = no finite likelihood."""
        spec, k, w = self.spec, self.k, self.w
        p, q, P = spec.p, spec.q, spec.P
        if k == 0:
            return 0, np.zeros(0), True
        x0 = np.zeros(k + int(spec.constant))
        if spec.constant:
            x0[k] = np.mean(w)
        xc, _, failc = _vmmin(self.css, x0, 100)
        init = xc[:k].copy() if failc == 0 else np.zeros(k)
        if not (_stationary(init[:p]) and _stationary(init[p + q:p + q + P])):
            return 1, init, False
        u = np.zeros(k)
        # an MA part outside the invertible region starts from zero (R inverts its roots instead)
        if _stationary(-init[p:p + q]):
            u[p:p + q] = _unconstrain(-init[p:p + q])
        if _stationary(-init[p + q + P:]):
            u[p + q + P:] = _unconstrain(-init[p + q + P:])
        u[:p] = _unconstrain(init[:p])
        u[p + q:p + q + P] = _unconstrain(init[p + q:p + q + P])
        x, fmin, fail = _vmmin(self.ml, u, maxit)
        if not math.isfinite(fmin):
            return 2, _coef_from_free(spec, u), False
        return 0, _coef_from_free(spec, x), fail == 0


def fit_spec(w: np.ndarray, spec: Spec, *, start: np.ndarray | None = None, maxiter: int = 100,
             engine: str = "auto") -> Fit:
    """Maximum likelihood for one candidate on the differenced series ``w``; never raises on the data.

    As R's ``arima(method = "CSS-ML")``: the conditional-sum-of-squares estimate from zeros (a
    non-stationary AR part there refuses the candidate), then at most `maxiter` iterations of R's
    BFGS on the exact likelihood; `start` (unconstrained values) skips the CSS step.

    Args:
        engine: ``"numba"`` (compiled), ``"numpy"`` (the same steps in numpy, ~10x slower), or
            ``"auto"`` (:func:`resolve_engine`). Both give the same fit (tests/python/test_arima_engines.py).
    """
    began = time.perf_counter()
    engine = resolve_engine(engine)
    fit = Fit(spec=spec, n_obs=len(w))
    k_free = spec.n_coef
    if len(w) <= fit.n_params + 1:
        fit.error = f"too few observations ({len(w)}) for {fit.n_params} parameters"
        return fit
    kernel = _kernel() if engine == "numba" else None
    try:
        w = np.ascontiguousarray(w, dtype=float)
        sizes = (spec.p, spec.q, spec.P, spec.Q)
        if kernel is not None:
            def evaluate(coef):
                a, b = kernel.polys(coef, *sizes, spec.m)
                return kernel.loglik(w, spec.constant, a, b)

            def bfgs(x0):
                x, fmin, fail = kernel.vmmin(0, np.asarray(x0, dtype=float), w, spec.constant, *sizes, spec.m,
                                             maxiter, _RELTOL)
                return x, fmin, fail

            def css_ml():  # compiled as a whole
                return kernel.fit_candidate(w, spec.constant, *sizes, spec.m, maxiter)
        else:
            numpy_fit = _NumpyFit(w, spec)
            evaluate = numpy_fit.lik.evaluate

            def bfgs(x0):
                with np.errstate(all="ignore"):
                    return _vmmin(numpy_fit.ml, np.asarray(x0, dtype=float), maxiter)

            def css_ml():
                with np.errstate(all="ignore"):
                    return numpy_fit.fit(maxiter)
        if start is None or k_free == 0:
            status, coef, converged = css_ml()
        else:
            x, fmin, fail = bfgs(start)
            status, coef, converged = (0 if np.isfinite(fmin) else 2), _coef_from_free(spec, x), fail == 0
        if status == 1:
            raise ModelFitError("non-stationary AR part from CSS (R's arima stops there; auto.arima "
                                "refuses the model)")
        if status == 2:
            raise ModelFitError("the likelihood is not finite at the start values")
        with np.errstate(all="ignore"):
            loglik, sigma2, mean = evaluate(coef)
        if not np.isfinite(loglik):
            raise ModelFitError("the likelihood is not finite")
    except (np.linalg.LinAlgError, ValueError, ModelFitError, FloatingPointError, ZeroDivisionError) as err:
        fit.error = f"{type(err).__name__}: {err}"
        fit.seconds = time.perf_counter() - began
        return fit
    if k_free and start is None and _min_root_of(spec, coef) < MIN_ROOT:
        # R's path (CSS start) and ours can part in a multimodal likelihood; when the CSS-started
        # optimum is refused for a root, a zero start is tried as well (M3 N1402, ARIMA(1,0,3)
        # with mean: R reaches the zero-start optimum, AICc 900.450)
        with np.errstate(all="ignore"):
            x, _, fail = bfgs(np.zeros(k_free))
            other, other_conv = _coef_from_free(spec, x), fail == 0
            other_ll = evaluate(other)
        if np.isfinite(other_ll[0]) and other_ll[0] > loglik and _min_root_of(spec, other) >= MIN_ROOT:
            coef, converged, (loglik, sigma2, mean) = other, other_conv, other_ll
    k, n = fit.n_params, len(w)
    fit.loglik, fit.sigma2, fit.mean, fit.coef, fit.converged = loglik, sigma2, mean, coef, bool(converged)
    fit.engine = engine
    fit.aic = -2 * loglik + 2 * k
    fit.aicc = fit.aic + 2 * k * (k + 1) / (n - k - 1) if n - k - 1 > 0 else np.inf
    fit.bic = fit.aic + k * (math.log(n) - 2)
    a, b = _polys(spec, coef)
    fit.min_root = min(_min_root(-a[1:], -1.0), _min_root(b[1:], 1.0))
    if MIN_ROOT <= fit.min_root < 1.1 and _ma_optimum_on_boundary(spec, coef, evaluate, loglik):
        fit.min_root = 1.0
    if fit.min_root < MIN_ROOT:
        fit.error = f"a root of modulus {fit.min_root:.4f} < {MIN_ROOT} (as R's auto.arima, refused)"
    fit.seconds = time.perf_counter() - began
    return fit


def _min_root_of(spec: Spec, coef: np.ndarray) -> float:
    a, b = _polys(spec, coef)
    return min(_min_root(-a[1:], -1.0), _min_root(b[1:], 1.0))


def _ma_optimum_on_boundary(spec: Spec, coef: np.ndarray, evaluate, loglik: float) -> bool:
    """Whether moving the MA root nearest the unit circle onto it does not lower the likelihood.

    The invertible parameterisation approaches the circle only asymptotically, so an MA fit whose
    maximum is on the circle (R: root modulus 1, refused by auto.arima) stops just outside it;
    this finds those and lets the root rule refuse them as R does."""
    p, q, P, Q = spec.p, spec.q, spec.P, spec.Q
    for start, size in ((p, q), (p + q + P, Q)):
        if not size:
            continue
        theta = coef[start:start + size]
        roots = np.roots(np.r_[theta[::-1], 1.0])
        if not len(roots):
            continue
        mods = np.abs(roots)
        near = np.isclose(mods, mods.min())
        if mods.min() >= 1.1:
            continue
        moved = np.where(near, roots / mods, roots)
        poly = np.real(np.poly(moved))  # monic in z, highest power first
        new_theta = (poly[::-1] / poly[-1])[1:]
        trial = coef.copy()
        trial[start:start + size] = new_theta
        with np.errstate(all="ignore"):
            ll = evaluate(trial)[0]
        if np.isfinite(ll) and ll >= loglik - 1e-9 * abs(loglik):
            return True
    return False


def _warm_start(spec: Spec, fits: dict) -> np.ndarray | None:
    """Unconstrained start values from the fitted candidate that shares most coefficients."""
    best, best_shared = None, -1
    for other in fits.values():
        o = other.spec
        if other.error or (o.d, o.D, o.m) != (spec.d, spec.D, spec.m) or not len(other.coef):
            continue
        shared = (min(o.p, spec.p) + min(o.q, spec.q) + min(o.P, spec.P) + min(o.Q, spec.Q))
        if shared > best_shared:
            best, best_shared = other, shared
    if best is None or best_shared == 0:
        return None
    o, c = best.spec, best.coef
    blocks_o = np.split(c, np.cumsum([o.p, o.q, o.P]))
    sizes = (spec.p, spec.q, spec.P, spec.Q)
    parts = []
    for blk, size in zip(blocks_o, sizes):
        out = np.zeros(size)
        out[:min(size, len(blk))] = blk[:size]
        parts.append(out)
    coef = np.concatenate(parts)
    a, b = _polys(spec, coef)
    if _min_root(-a[1:], -1.0) <= 1.0 or _min_root(b[1:], 1.0) <= 1.0:  # truncation left the region
        return None
    return _free_from_coef(spec, coef)


# -- unit-root tests --------------------------------------------------------------------------
def number_of_differences(y: np.ndarray, *, max_d: int = 2, alpha: float = 0.05) -> int:
    """``d`` by repeated KPSS tests, as R's ``forecast::ndiffs`` (see :mod:`pybbdl.models.arima`)."""
    from pybbdl.models.unit_root import number_of_differences as ndiffs

    return ndiffs(y, max_d=max_d, alpha=alpha)


def seasonal_strength(y: np.ndarray, m: int) -> float:
    """Strength of seasonality, ``max(0, 1 - var(R) / var(S + R))`` of an STL fit as R's ``mstl``
    (``s.window = 11``, local-constant seasonal smoother, R's ``stl`` jumps)."""
    from statsmodels.tsa.seasonal import STL

    trend = int(math.ceil(1.5 * m / (1 - 1.5 / 11)))
    trend += 1 - trend % 2
    low = m + 1 - m % 2
    res = STL(np.asarray(y, dtype=float), period=m, seasonal=11, trend=trend, low_pass=low, seasonal_deg=0,
              trend_deg=1, low_pass_deg=1, seasonal_jump=2, trend_jump=int(math.ceil(trend / 10)),
              low_pass_jump=int(math.ceil(low / 10)), robust=False).fit(inner_iter=2, outer_iter=0)
    remainder, seasonal = res.resid, res.seasonal
    denom = np.var(remainder + seasonal, ddof=1)
    if not denom > 0:
        return 0.0
    return float(max(0.0, min(1.0, 1 - np.var(remainder, ddof=1) / denom)))


def number_of_seasonal_differences(y: np.ndarray, m: int, *, max_D: int = 1) -> int:
    """``D`` as R's ``forecast::nsdiffs(test = "seas")``: difference while the seasonal strength > 0.64."""
    x, D = np.asarray(y, dtype=float), 0
    if m <= 1 or len(x) <= 2 * m or np.ptp(x) == 0:
        return 0
    while D < max_D and len(x) >= 2 * m + 1 and np.ptp(x) > 0:
        if seasonal_strength(x, m) <= SEASONAL_STRENGTH:
            break
        x = x[m:] - x[:-m]
        D += 1
    return D


# -- the searches -----------------------------------------------------------------------------
@dataclass
class SearchResult:
    """What a search found: the best candidate and one row per candidate tried."""

    best: Fit
    fits: list
    criterion: str
    seconds: float
    engine: str = ""

    def table(self) -> pd.DataFrame:
        rows = [{"order": f.spec.order, "seasonal_order": f.spec.seasonal_order, "trend": f.spec.trend,
                 self.criterion: f.ic(self.criterion) if not f.error else np.nan,
                 "converged": f.converged and not f.error, "error": f.error} for f in self.fits]
        return pd.DataFrame(rows)


def _check_bounds(**bounds) -> dict:
    return {k: check_positive_int(k, v, minimum=0) for k, v in bounds.items()}


def _pick(fits, criterion):
    # a fit whose optimiser did not converge is chosen only if none converged
    ok = [f for f in fits if not f.error and np.isfinite(f.ic(criterion))]
    if not ok:
        return None
    return min(ok, key=lambda f: (not f.converged, f.ic(criterion)))


def search_candidates(y: np.ndarray, specs, *, criterion: str = "aicc", warm: bool = False,
                      engine: str = "auto") -> SearchResult:
    """Score the given candidates (all with the same d, D, m) on ``y``; the exhaustive search.
    `engine`: see :func:`fit_spec`."""
    began = time.perf_counter()
    engine = resolve_engine(engine)
    specs = list(specs)
    fits, done = [], {}
    cache: dict = {}
    for spec in specs:
        key = (spec.d, spec.D, spec.m)
        if key not in cache:
            cache[key] = difference(y, spec.d, spec.D, spec.m)
        start = _warm_start(spec, done) if warm else None
        fit = fit_spec(cache[key], spec, start=start, engine=engine)
        fits.append(fit)
        done[spec] = fit
    best = _pick(fits, criterion)
    return SearchResult(best=best, fits=fits, criterion=criterion, seconds=time.perf_counter() - began,
                        engine=engine)


def exhaustive_specs(d: int, D: int, m: int, *, max_p: int, max_q: int, max_P: int = 0, max_Q: int = 0,
                     max_order: int | None = None, constants=(True, False)) -> list:
    """Every ``p <= max_p, q <= max_q, P <= max_P, Q <= max_Q`` with ``p + q + P + Q <= max_order``."""
    out = []
    for p in range(max_p + 1):
        for q in range(max_q + 1):
            for P in range(max_P + 1):
                for Q in range(max_Q + 1):
                    if max_order is not None and p + q + P + Q > max_order:
                        continue
                    for c in constants:
                        out.append(Spec(p, d, q, P, D, Q, m, bool(c)))
    return out


def stepwise_search(y: np.ndarray, d: int, D: int, m: int, *, max_p: int = 5, max_q: int = 5, max_P: int = 2,
                    max_Q: int = 2, start_p: int = 2, start_q: int = 2, start_P: int = 1, start_Q: int = 1,
                    constant: bool = True, allow_constant: bool = True, criterion: str = "aicc",
                    nmodels: int = 94, warm: bool = False, engine: str = "auto") -> SearchResult:
    """Hyndman-Khandakar (2008) stepwise search, move for move as R's ``forecast::auto.arima``.

    Start models (p, q, P, Q) = (2, 2, 1, 1), (0, 0, 0, 0), (1, 0, 1, 0), (0, 1, 0, 1), the
    null model without constant; then, while the best model improves, its neighbours (P, Q
    +-1, both, then p, q +-1, both, then the constant switched), moving at the first
    improvement. At most ``nmodels`` fits. `engine`: see :func:`fit_spec`.
    """
    began = time.perf_counter()
    engine = resolve_engine(engine)
    w = difference(y, d, D, m)
    seasonal = m > 1
    if not seasonal:
        max_P = max_Q = 0
    if len(y) < 10:
        start_p, start_q, start_P, start_Q = min(start_p, 1), min(start_q, 1), 0, 0
    p, q = min(start_p, max_p), min(start_q, max_q)
    P, Q = min(start_P, max_P), min(start_Q, max_Q)
    fits, done = [], {}

    def run(pp, qq, PP, QQ, cc):
        spec = Spec(int(pp), d, int(qq), int(PP), D, int(QQ), m, bool(cc))
        fit = fit_spec(w, spec, start=_warm_start(spec, done) if warm else None, engine=engine)
        fits.append(fit)
        done[spec] = fit
        return fit

    def ic(fit):
        return fit.ic(criterion)

    best = run(p, q, P, Q, constant)
    fit = run(0, 0, 0, 0, constant)
    if ic(fit) < ic(best):
        best, (p, q, P, Q) = fit, (0, 0, 0, 0)
    if max_p > 0 or max_P > 0:
        pp, PP = int(max_p > 0), int(seasonal and max_P > 0)
        fit = run(pp, 0, PP, 0, constant)
        if ic(fit) < ic(best):
            best, (p, q, P, Q) = fit, (pp, 0, PP, 0)
    if max_q > 0 or max_Q > 0:
        qq, QQ = int(max_q > 0), int(seasonal and max_Q > 0)
        fit = run(0, qq, 0, QQ, constant)
        if ic(fit) < ic(best):
            best, (p, q, P, Q) = fit, (0, qq, 0, QQ)
    if constant:
        fit = run(0, 0, 0, 0, False)
        if ic(fit) < ic(best):
            best, (p, q, P, Q) = fit, (0, 0, 0, 0)

    moves = ((-1, 0), (0, -1), (1, 0), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1))

    def first_better(orders, moved, bounds):
        """The first untried order (p, q, P, Q) whose `moved` entries lie in 0..`bounds` and that
        beats `best`: (fit, order) or None."""
        for order in orders:
            if not all(0 <= order[i] <= hi for i, hi in zip(moved, bounds)):
                continue
            np_, nq, nP, nQ = order
            if Spec(np_, d, nq, nP, D, nQ, m, bool(constant)) in done or len(fits) >= nmodels:
                continue
            fit = run(np_, nq, nP, nQ, constant)
            if ic(fit) < ic(best):
                return fit, order
        return None

    k_before = -1
    while k_before < len(fits) and len(fits) < nmodels:
        k_before = len(fits)
        # seasonal moves first, then non-seasonal ones; after an improvement, start over
        found = first_better([(p, q, P + dP, Q + dQ) for dP, dQ in moves], (2, 3), (max_P, max_Q))
        if found is None:
            found = first_better([(p + dp, q + dq, P, Q) for dp, dq in moves], (0, 1), (max_p, max_q))
        if found is not None:
            best, (p, q, P, Q) = found
            continue
        if allow_constant:
            spec = Spec(p, d, q, P, D, Q, m, not constant)
            if spec not in done and len(fits) < nmodels:
                fit = run(p, q, P, Q, not constant)
                if ic(fit) < ic(best):
                    best, constant = fit, not constant
    if not np.isfinite(ic(best)):
        best = _pick(fits, criterion)
    return SearchResult(best=best, fits=fits, criterion=criterion, seconds=time.perf_counter() - began,
                        engine=engine)


def auto_order(y: np.ndarray, m: int = 1, *, search: str = "stepwise", d: int | None = None, D: int | None = None,
               max_p: int = 5, max_q: int = 5, max_P: int = 2, max_Q: int = 2, max_order: int = 5, max_d: int = 2,
               max_D: int = 1, criterion: str = "aicc", allow_drift: bool = True, allow_mean: bool = True,
               nmodels: int = 94, engine: str = "auto") -> SearchResult:
    """R's ``forecast::auto.arima(y)`` with ``approximation = FALSE``: differences, then the search.

    Args:
        y: The series, 1-d, finite, at least 4 values.
        m: Seasonal period (1 = none); seasonal orders are searched for m > 1.
        search: ``"stepwise"`` (R's default) or ``"exhaustive"`` (R's ``stepwise = FALSE``).
        d, D: Fixed differences; None = by KPSS (d) and seasonal strength (D) as R.
        max_p, max_q, max_P, max_Q, max_order, max_d, max_D, nmodels: R's bounds (same defaults);
            ``max_order`` bounds p + q + P + Q in the exhaustive search only, as in R.
        criterion: ``"aicc"``, ``"aic"`` or ``"bic"``.
        allow_drift, allow_mean: Whether a drift (d + D = 1) / mean (d + D = 0) may be included.
        engine: The likelihood engine, ``"auto"``, ``"numba"`` or ``"numpy"`` (:func:`resolve_engine`);
            both choose the same model.
    """
    y = check_series(y)
    engine = resolve_engine(engine)
    if search not in SEARCHES:
        raise ArgumentError(f'`search` must be "exhaustive" or "stepwise". Received: {search!r}')
    if criterion not in CRITERIA:
        raise ArgumentError(f'`criterion` must be "aicc", "aic" or "bic". Received: {criterion!r}')
    b = _check_bounds(max_p=max_p, max_q=max_q, max_P=max_P, max_Q=max_Q, max_order=max_order, max_d=max_d,
                      max_D=max_D)
    m = check_positive_int("period", m, minimum=1)
    nmodels = check_positive_int("nmodels", nmodels)
    n = len(y)
    max_p, max_q = min(b["max_p"], n // 3), min(b["max_q"], n // 3)
    max_P, max_Q = min(b["max_P"], n // 3 // m), min(b["max_Q"], n // 3 // m)
    if criterion == "aicc" and n <= 3:
        criterion = "aic"
    if m == 1:
        D, max_P, max_Q = 0, 0, 0
    elif D is None:
        D = number_of_seasonal_differences(y, m, max_D=b["max_D"]) if n > 2 * m else 0
    else:
        D = check_positive_int("D", D, minimum=0)
    dx = difference(y, 0, D, m)
    if d is None:
        d = number_of_differences(dx, max_d=b["max_d"])
    else:
        d = check_positive_int("d", d, minimum=0)
    w = difference(dx, d)
    if len(w) < 2:
        raise DataError(f"The series is too short for ARIMA with d = {d}, D = {D}, period {m}: "
                        f"{len(w)} value(s) left after differencing. Received: {n} values")
    if m > 1:
        if max_P > 0:
            max_p = min(max_p, m - 1)
        if max_Q > 0:
            max_q = min(max_q, m - 1)
    constant_ok = (allow_drift and d + D == 1) or (allow_mean and d + D == 0)
    if search == "exhaustive":
        specs = exhaustive_specs(d, D, m, max_p=max_p, max_q=max_q, max_P=max_P, max_Q=max_Q,
                                 max_order=b["max_order"], constants=(False, True) if constant_ok else (False,))
        result = search_candidates(y, specs, criterion=criterion, engine=engine)
    else:
        result = stepwise_search(y, d, D, m, max_p=max_p, max_q=max_q, max_P=max_P, max_Q=max_Q,
                                 constant=constant_ok, allow_constant=constant_ok, criterion=criterion,
                                 nmodels=nmodels, engine=engine)
    if result.best is None:
        errors = "; ".join(sorted({f.error for f in result.fits if f.error}))[:500]
        raise ModelFitError(f"The ARIMA order search found no model that could be fitted "
                            f"({len(result.fits)} candidate(s)): {errors}")
    return result


def check_series(y) -> np.ndarray:
    """A finite 1-d float array of at least 4 values, or a :class:`DataError`."""
    try:
        arr = np.asarray(y, dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"`y` must be a 1-d numeric series. Received: {type(y).__name__}") from None
    arr = arr.reshape(-1) if arr.ndim == 2 and 1 in arr.shape else arr
    if arr.ndim != 1:
        raise DataError(f"`y` must be a 1-d numeric series. Received: shape {arr.shape}")
    bad = np.nonzero(~np.isfinite(arr))[0]
    if len(bad):
        raise DataError(f"`y` must be finite; position {int(bad[0])} is {arr[bad[0]]!r}. "
                        f"Received: {len(bad)} non-finite value(s)")
    if len(arr) < 4:
        raise DataError(f"`y` must have at least 4 values for an automatic ARIMA. Received: {len(arr)}")
    return arr


# -- the series-level model -------------------------------------------------------------------
def _fit_statsmodels(y: np.ndarray, spec: Spec, start_params=None, refit: bool = True):
    """The chosen candidate as statsmodels' ARIMA results (forecasts, intervals, summary): refitted
    by statsmodels from `start_params`, or (``refit=False``) filtered at them (no optimisation,
    no parameter covariance)."""
    from statsmodels.tsa.arima.model import ARIMA

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ARIMA(y, order=spec.order, seasonal_order=spec.seasonal_order, trend=spec.trend,
                      enforce_stationarity=True, enforce_invertibility=True)
        if not refit and start_params is not None:
            return model.filter(start_params, cov_type="none")
        try:
            return model.fit(start_params=start_params)
        except (np.linalg.LinAlgError, ValueError):
            if start_params is None:
                raise
            return model.fit()


class AutoArima:
    """Automatic ARIMA for one series, as R's ``forecast::auto.arima`` (series-level contract).

    ``fit(y, period)`` chooses d (KPSS), D (seasonal strength, period > 1) and the orders by
    `criterion` with the stepwise (default, as R) or exhaustive search, then fits the chosen
    model with statsmodels; ``forecast(h, levels)`` gives the mean and statsmodels' analytic
    intervals (the ones R's ``forecast()`` gives for the same model).

    Args:
        search: ``"stepwise"`` or ``"exhaustive"``.
        max_p, max_q, max_P, max_Q, max_order, max_d, max_D, nmodels: As R's ``auto.arima``.
        criterion: ``"aicc"`` (default), ``"aic"``, ``"bic"``.
        allow_drift, allow_mean: As R.
        refit: False (default): statsmodels' results are the chosen model filtered at this
            search's estimates (forecasts and intervals as statsmodels computes them, no second
            optimisation; ``summary()`` without standard errors). True: statsmodels re-estimates
            from there (standard errors too; about 0.1 s more per series, seconds for seasonal).
        engine: The likelihood engine of the search: ``"auto"`` (numba unless
            ``PYBBDL_ARIMA_ENGINE=numpy``), ``"numba"`` or ``"numpy"``; both choose the same model
            (the numpy one about 10x slower).
        seasonal_d: Seasonal differences D; None = by the seasonal-strength test, as R.

    The name ``"arima"`` is :class:`~pybbdl.models.arima.ArimaForecaster`, which runs this search in
    both contracts (windows and series) with the same defaults.

    Attributes:
        spec_, order_, seasonal_order_, trend_: What was chosen.
        results_: statsmodels results of the chosen model.
        search_: One row per candidate (criterion value or why it was refused).
        engine_: The likelihood engine that ran (``"numba"`` or ``"numpy"``).
        fit_seconds_: Seconds of the whole fit (search + final fit).
    """

    stochastic = False

    def __init__(self, search: str = "stepwise", *, max_p: int = 5, max_q: int = 5, max_P: int = 2, max_Q: int = 2,
                 max_order: int = 5, max_d: int = 2, max_D: int = 1, criterion: str = "aicc",
                 allow_drift: bool = True, allow_mean: bool = True, nmodels: int = 94, refit: bool = False,
                 engine: Literal["auto", "numba", "numpy"] = "auto", seasonal_d: int | None = None):
        self.search = search
        self.seasonal_d = seasonal_d
        self.refit = refit
        self.max_p, self.max_q, self.max_P, self.max_Q = max_p, max_q, max_P, max_Q
        self.max_order, self.max_d, self.max_D = max_order, max_d, max_D
        self.criterion = criterion
        self.allow_drift, self.allow_mean = allow_drift, allow_mean
        self.nmodels = nmodels
        self.engine = engine

    def fit(self, y, period: int = 1) -> AutoArima:
        """Search and fit on the whole series; returns self."""
        began = time.perf_counter()
        y = check_series(y)
        period = check_positive_int("period", period, minimum=1)
        self.engine_ = resolve_engine(self.engine)
        self.period_ = period
        self.y_ = y
        self.notes_ = []
        if np.ptp(y) == 0:  # as R: a constant series is its own mean model
            self.spec_ = Spec(0, 0, 0, constant=True)
            self.results_, self.search_ = None, pd.DataFrame()
            self.notes_.append("constant series: forecast = its value, zero-width intervals")
        else:
            result = auto_order(y, period, search=self.search, max_p=self.max_p, max_q=self.max_q,
                                max_P=self.max_P, max_Q=self.max_Q, max_order=self.max_order, max_d=self.max_d,
                                max_D=self.max_D, criterion=self.criterion, allow_drift=self.allow_drift,
                                allow_mean=self.allow_mean, nmodels=self.nmodels, engine=self.engine_,
                                D=self.seasonal_d)
            self.search_ = result.table()
            self.spec_ = result.best.spec
            self.criterion_value_ = result.best.ic(result.criterion)
            try:
                self.results_ = _fit_statsmodels(y, self.spec_, result.best.statsmodels_params(), bool(self.refit))
            except (np.linalg.LinAlgError, ValueError) as err:
                raise ModelFitError(f"statsmodels could not fit the chosen {self.spec_.label()}: {err}") from err
            retvals = getattr(self.results_, "mle_retvals", None) or {}
            if not (retvals.get("converged", True) and result.best.converged):
                self.notes_.append("ARIMA optimiser did not converge")
        self.order_, self.seasonal_order_, self.trend_ = self.spec_.order, self.spec_.seasonal_order, self.spec_.trend
        self.fit_seconds_ = time.perf_counter() - began
        return self

    def forecast(self, h: int, levels=()) -> pd.DataFrame:
        """Steps 1..h past the end: ``mean`` and ``lower_80``/``upper_80``... for each level."""
        from pybbdl.models.series import check_levels, forecast_frame

        if not hasattr(self, "spec_"):
            from pybbdl.exceptions import NotFittedError

            raise NotFittedError("AutoArima is not fitted yet: call fit(y, period) first.")
        h = check_positive_int("h", h)
        levels = check_levels(levels)
        if self.results_ is None:
            mean = np.full(h, self.y_[-1])
            return forecast_frame(mean, {lv: (mean, mean) for lv in levels}, levels)
        fc = self.results_.get_forecast(h)
        mean = np.asarray(fc.predicted_mean, dtype=float)
        intervals = {}
        for lv in levels:
            ci = np.asarray(fc.conf_int(alpha=1 - lv), dtype=float)
            intervals[lv] = (ci[:, 0], ci[:, 1])
        return forecast_frame(mean, intervals, levels)

    def describe(self) -> str:
        """E.g. ``ARIMA(0,1,1)(0,1,1)[12] trend=n``."""
        if not hasattr(self, "spec_"):
            return "AutoArima (not fitted)"
        return self.spec_.label()


# -- the windowed forecaster's search (ArimaForecaster(order=None)) ----------------------------
def _constants_for(trend: str | None, d: int, D: int):
    """Constant choices of the forecaster's grid, in its historical row order; None when the
    requested trend is not a mean/drift this likelihood handles (the caller fits each with
    statsmodels then)."""
    if trend is None:
        return {0: (True, False), 1: (False, True)}.get(d + D, (False,))
    if trend == "n":
        return (False,)
    if (trend == "c" and d + D == 0) or (trend == "t" and d + D == 1):
        return (True,)
    return None


def forecaster_search(model, y: np.ndarray, fit_final):
    """pybbdl 0.3's windowed order search (``ArimaForecaster`` before it ran :class:`AutoArima`'s search
    in both contracts); kept for ``benchmarks/arima_engines.py`` and the engine tests. It reads the
    bounds of `model` (an ``ArimaForecaster``).

    ``search="exhaustive"``: the forecaster's grid (p <= max_p, q <= max_q, P, Q in {0, 1} with a
    seasonal period, the trend by d + D). ``search="stepwise"``: Hyndman-Khandakar over the same
    bounds. Candidates are scored here; the winner is then fitted by ``fit_final(order,
    seasonal_order, trend)`` (statsmodels), falling back to the next best when that fit fails.

    Returns:
        ``(rows, best)`` as the forecaster's own loop builds them (best None when nothing could
        be fitted), or None when the requested trend needs the statsmodels route for every
        candidate.
    """
    search = model.search
    if search not in SEARCHES:
        raise ArgumentError(f'`search` must be "exhaustive" or "stepwise". Received: {search!r}')
    max_p = check_positive_int("max_p", model.max_p, minimum=0)
    max_q = check_positive_int("max_q", model.max_q, minimum=0)
    max_d = check_positive_int("max_d", model.max_d, minimum=0)
    m, D, max_PQ = 1, 0, 0
    period = model.resolved_period()
    if period:
        m = check_positive_int("period", period, minimum=2)
        D = check_positive_int("seasonal_d", model.seasonal_d, minimum=0)
        max_PQ = 1
    d = number_of_differences(difference(y, 0, D, m), max_d=max_d)
    constants = _constants_for(model.trend, d, D)
    if constants is None:
        return None
    criterion = model.criterion
    engine = resolve_engine(getattr(model, "engine", "auto"))
    if search == "exhaustive":
        specs = exhaustive_specs(d, D, m, max_p=max_p, max_q=max_q, max_P=max_PQ, max_Q=max_PQ,
                                 constants=constants)
        result = search_candidates(y, specs, criterion=criterion, engine=engine)
    else:
        constant = constants[0] if model.trend is not None else (True in constants)
        result = stepwise_search(y, d, D, m, max_p=max_p, max_q=max_q, max_P=max_PQ, max_Q=max_PQ,
                                 constant=constant, allow_constant=len(constants) > 1, criterion=criterion,
                                 engine=engine)
    rows = result.table().to_dict("records")
    ranked = sorted((f for f in result.fits if not f.error and np.isfinite(f.ic(criterion))),
                    key=lambda f: (not f.converged, f.ic(criterion)))
    errors = []
    for fit in ranked:
        s = fit.spec
        try:
            res = fit_final(s.order, s.seasonal_order, s.trend)
        except Exception as err:  # noqa: BLE001 - recorded, the next best is tried
            errors.append(f"{type(err).__name__}: {err}")
            continue
        return rows, ((not fit.converged, fit.ic(criterion)), res, s.order, s.seasonal_order, s.trend)
    if not errors:
        errors = sorted({f.error for f in result.fits if f.error})
    for row in rows:
        if not row["error"] and errors:
            row["error"], row["converged"] = errors[0], False
    return rows, None


def warm_up() -> None:
    """Compile the numba likelihood now (and cache it beside the module) by fitting two small series,
    seasonal stepwise and non-seasonal exhaustive: what ``make setup`` runs, so that the first ARIMA
    of a session does not wait about a minute for the compiler. Does nothing without numba."""
    if _kernel() is None:
        return
    rng = np.random.default_rng(0)
    y = 10 + np.cumsum(rng.normal(size=48)) + np.tile([1.0, -1.0, 2.0, -2.0], 12)
    AutoArima().fit(y, 4)
    AutoArima(search="exhaustive", max_p=2, max_q=2).fit(y[:30], 1)
