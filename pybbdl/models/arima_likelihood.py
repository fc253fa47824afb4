"""The exact ARIMA likelihood and one candidate's fit (R's ``arima(method = "CSS-ML")``).

The order search (:mod:`pybbdl.models.arima_order`) scores each candidate ARIMA(p, d, q)(P, D, Q)m
by its exact Gaussian maximum likelihood, computed here without a Kalman filter loop. For the
differenced series ``w`` (length N) of an ARMA with AR polynomial ``a(B)`` and MA polynomial ``b(B)`` (seasonal factors
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
(:func:`pybbdl.models._optim._vmmin` is the kernel's ``vmmin`` step for step), about 10x slower, and chooses the same
models (AICc equal to 1e-6; tests/python/test_arima_engines.py, benchmarks/arima_engines.py). Until
issue 20 the numpy engine used scipy's BFGS from its own start and could stop at another local
optimum (Jena: ARIMA(2,1,2), where R and numba choose ARIMA(2,1,0)). Warm starts from a fitted
neighbour (``warm=True``) are available but off: they are faster, but they find better local
optima than R's CSS starts on some series (M3 N1702) and then choose a different model than R.

The likelihood is the one statsmodels' ``ARIMA`` and R's ``arima(method = "ML")`` maximise (the
tests check it against statsmodels), so the criterion values agree with both; the chosen model
is then fitted once more by statsmodels (``results_``), so forecasts, intervals and ``summary()``
come from statsmodels as before.

The series-level model over the search is :class:`pybbdl.models.auto_arima.AutoArima`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
from scipy.linalg.lapack import dgesv as _dgesv
from scipy.signal import lfilter

try:  # scipy's C filter without the array-API wrapper (a third of a candidate's time); same numbers
    from scipy.signal._sigtools import _linear_filter as _c_filter

    def _filter(b: np.ndarray, a: np.ndarray, x: np.ndarray) -> np.ndarray:
        return _c_filter(b, a, x, 0)
except ImportError:  # pragma: no cover - other scipy versions
    def _filter(b: np.ndarray, a: np.ndarray, x: np.ndarray) -> np.ndarray:
        return lfilter(b, a, x, axis=0)

from pybbdl.exceptions import ArgumentError, ModelFitError
from pybbdl.models._optim import _RELTOL, _vmmin

#: R's auto.arima refuses a model with an AR or MA root of modulus below this.
MIN_ROOT = 1.01


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
