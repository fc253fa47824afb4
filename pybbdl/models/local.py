"""Local series models for panels (the series-level contract of :mod:`pybbdl.models.series`).

Each model is fitted on one whole series and forecasts steps 1..h past its end:

* ``NaiveSeries``: the last value. ``SeasonalNaiveSeries``: the value one period earlier.
* ``Naive2Series``: M3's NAIVE2: the naive forecast of the seasonally adjusted series,
  reseasonalised. The series is adjusted (classical multiplicative decomposition, as R's
  ``decompose(type = "multiplicative")``) only when the 90 % autocorrelation test at lag m of
  the M4 benchmark code says it is seasonal (:func:`seasonality_test`); otherwise NAIVE2 is naive.
* ``SESSeries``, ``HoltSeries``, ``DampedSeries``: simple, Holt (linear trend) and damped-trend
  exponential smoothing (additive errors; smoothing parameters and initial states by least
  squares, the forecast package's bounds), on the seasonally adjusted series as in the M4
  benchmarks.
* ``ThetaSeries``: the classic Theta method of the M3 competition (Assimakopoulos &
  Nikolopoulos 2000) as in the M4 benchmark code: mean of the linear-trend line and SES on the
  theta = 2 line, on the seasonally adjusted series.

Intervals: normal, from the one-step in-sample residual variance and the models' psi weights
(random walk, seasonal random walk, ETS(A,N,N)/(A,A,N)/(A,Ad,N)); Theta uses the SES weights of
its theta line. The seasonal adjustment's uncertainty is not included.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, signal, stats

from pybbdl.exceptions import DataError, NotFittedError
from pybbdl.models.series import check_levels, forecast_frame


# ---------------------------------------------------------------- seasonal adjustment
def _acf(y: np.ndarray, nlags: int) -> np.ndarray:
    """Sample autocorrelations at lags 1..nlags (R's ``acf``: mean removed, denominator n)."""
    x = y - y.mean()
    den = float(np.dot(x, x))
    if den == 0:
        return np.zeros(nlags)
    return np.array([np.dot(x[k:], x[:-k]) / den for k in range(1, nlags + 1)])


def seasonality_test(y, period: int) -> bool:
    """The M4 benchmarks' seasonality test: |acf at lag m| above its 90 % one-sided limit.

    The limit is ``1.645 / sqrt(n) * sqrt(1 + 2 * sum_{k<m} acf_k^2)``; series shorter than
    three periods (or with period 1) are not seasonal.
    """
    y = np.asarray(y, dtype=float)
    m = int(period)
    if m <= 1 or len(y) < 3 * m:
        return False
    r = _acf(y, m)
    limit = 1.645 / np.sqrt(len(y)) * np.sqrt(1 + 2 * np.sum(r[:-1] ** 2))
    return bool(abs(r[m - 1]) > limit)


def seasonal_indices(y, period: int) -> np.ndarray:
    """Classical multiplicative seasonal indices (R ``decompose(type = "multiplicative")``).

    ``out[j]`` is the index of positions ``t`` with ``t % period == j`` (t from 0 at the first
    value); they average 1.
    """
    y = np.asarray(y, dtype=float)
    m = int(period)
    if m % 2 == 0:
        w = np.r_[0.5, np.ones(m - 1), 0.5] / m
    else:
        w = np.ones(m) / m
    half = len(w) // 2
    trend = np.full(len(y), np.nan)
    trend[half:len(y) - half] = np.convolve(y, w, mode="valid")
    ratio = y / trend
    idx = np.array([np.nanmean(ratio[j::m]) for j in range(m)])
    return idx / idx.mean()


class _Deseason:
    """Seasonal adjustment of a fit: indices (ones when not seasonal) and where the series ends."""

    def __init__(self, y: np.ndarray, period: int, adjust: bool):
        self.period = int(period)
        self.seasonal = bool(adjust and self.period > 1 and np.all(y > 0) and seasonality_test(y, self.period))
        self.index = seasonal_indices(y, self.period) if self.seasonal else np.ones(max(self.period, 1))
        self.n = len(y)

    def adjust(self, y: np.ndarray) -> np.ndarray:
        return y / self.index[np.arange(len(y)) % len(self.index)]

    def restore(self, path: np.ndarray) -> np.ndarray:
        pos = (self.n + np.arange(len(path))) % len(self.index)
        return path * self.index[pos]


# ---------------------------------------------------------------- base
class _SeriesModel:
    """Shared checks, the intervals and ``describe()``."""

    name = "series model"
    stochastic = False

    def __init__(self):
        self.notes_: list[str] = []

    def _check_y(self, y, period):
        y = np.asarray(y, dtype=float).reshape(-1)
        if len(y) < 2:
            raise DataError(f"{self.name} needs at least 2 values. Received: {len(y)}")
        if not np.all(np.isfinite(y)):
            raise DataError(f"{self.name} needs finite values (no NaN). Received: "
                            f"{int((~np.isfinite(y)).sum())} non-finite value(s)")
        p = int(period)
        if p < 1:
            raise DataError(f"`period` must be a positive whole number. Received: {period!r}")
        return y, p

    def _psi(self, h: int) -> np.ndarray:
        """psi weights 0..h-1 of the forecast error (psi_0 = 1)."""
        return np.ones(h)

    def fit(self, y, period: int = 1):  # pragma: no cover - interface
        raise NotImplementedError

    def _path(self, h: int) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def forecast(self, h: int, levels=()):
        if not hasattr(self, "sigma_"):
            raise NotFittedError(f"{self.name}: call fit(y, period) before forecast()")
        h = int(h)
        if h < 1:
            raise DataError(f"`h` must be a positive whole number. Received: {h}")
        mean = self._path(h)
        levels = check_levels(levels)
        intervals = {}
        if levels:
            sd = self.sigma_ * np.sqrt(np.cumsum(self._psi(h) ** 2))
            scale = self._interval_scale(h)
            for lv in levels:
                z = stats.norm.ppf(0.5 + lv / 2)
                intervals[lv] = (mean - z * sd * scale, mean + z * sd * scale)
        return forecast_frame(mean, intervals, levels)

    def _interval_scale(self, h: int) -> np.ndarray:
        return np.ones(h)

    def describe(self) -> str:
        return self.name


class NaiveSeries(_SeriesModel):
    """The last observed value (random walk)."""

    name = "naive"

    def fit(self, y, period: int = 1):
        y, _ = self._check_y(y, period)
        self.last_ = y[-1]
        self.sigma_ = float(np.sqrt(np.mean(np.diff(y) ** 2)))
        return self

    def _path(self, h):
        return np.full(h, self.last_)


class SeasonalNaiveSeries(_SeriesModel):
    """The value one period earlier (naive when the series is shorter than a period)."""

    name = "seasonal_naive"

    def fit(self, y, period: int = 1):
        y, p = self._check_y(y, period)
        self.m_ = p if len(y) > p else 1
        if self.m_ != p:
            self.notes_.append(f"history ({len(y)}) not longer than the period {p}: naive forecast")
        self.tail_ = y[-self.m_:]
        self.sigma_ = float(np.sqrt(np.mean((y[self.m_:] - y[:-self.m_]) ** 2)))
        return self

    def _path(self, h):
        return self.tail_[np.arange(h) % self.m_]

    def _psi(self, h):
        return (np.arange(h) % self.m_ == 0).astype(float)


class Naive2Series(_SeriesModel):
    """M3's NAIVE2: naive on the seasonally adjusted series (adjusted only when the test says seasonal)."""

    name = "naive2"

    def fit(self, y, period: int = 1):
        y, p = self._check_y(y, period)
        self.season_ = _Deseason(y, p, True)
        ya = self.season_.adjust(y)
        self.last_ = ya[-1]
        self.sigma_ = float(np.sqrt(np.mean(np.diff(ya) ** 2)))
        return self

    def _path(self, h):
        return self.season_.restore(np.full(h, self.last_))

    def _interval_scale(self, h):
        return self.season_.restore(np.ones(h))


# ---------------------------------------------------------------- exponential smoothing
def _ses_sse_parts(y: np.ndarray, alpha: float):
    """One-step predictions ``a * l0 + b`` of SES with smoothing ``alpha`` (linear in l0)."""
    n = len(y)
    a = (1 - alpha) ** np.arange(n)
    b = np.zeros(n)
    b[1:] = signal.lfilter([alpha], [1, -(1 - alpha)], y[:-1])
    return a, b


def ses_fit(y: np.ndarray) -> tuple[float, float, float]:
    """SES by least squares: ``(alpha, l0, sse)``; alpha in [1e-4, 0.9999], l0 in closed form."""

    def sse_at(alpha):
        a, b = _ses_sse_parts(y, alpha)
        l0 = float(np.dot(a, y - b) / np.dot(a, a))
        e = y - a * l0 - b
        return float(np.dot(e, e)), l0

    grid = np.linspace(0.0001, 0.9999, 25)
    vals = [sse_at(al)[0] for al in grid]
    k = int(np.argmin(vals))
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
    res = optimize.minimize_scalar(lambda al: sse_at(al)[0], bounds=(lo, hi), method="bounded",
                                   options={"xatol": 1e-6})
    alpha = float(res.x) if res.fun <= vals[k] else float(grid[k])
    sse, l0 = sse_at(alpha)
    return alpha, l0, sse


def _ses_level(y: np.ndarray, alpha: float, l0: float) -> float:
    a, b = _ses_sse_parts(np.r_[y, 0.0], alpha)
    return float(a[-1] * l0 + b[-1])


def _holt_sse(params, y, damped):
    if damped:
        alpha, beta_s, phi, l0, b0 = params
    else:
        alpha, beta_s, l0, b0 = params
        phi = 1.0
    beta = alpha * beta_s
    level, trend, sse = l0, b0, 0.0
    for v in y:
        pred = level + phi * trend
        e = v - pred
        sse += e * e
        level = pred + alpha * e
        trend = phi * trend + beta * e
    return sse


def _holt_states(params, y, damped):
    if damped:
        alpha, beta_s, phi, l0, b0 = params
    else:
        alpha, beta_s, l0, b0 = params
        phi = 1.0
    beta = alpha * beta_s
    level, trend = l0, b0
    for v in y:
        pred = level + phi * trend
        e = v - pred
        level = pred + alpha * e
        trend = phi * trend + beta * e
    return level, trend, alpha, beta, phi


class SESSeries(_SeriesModel):
    """Simple exponential smoothing on the seasonally adjusted series."""

    name = "ses"

    def __init__(self, deseasonalize: bool = True):
        super().__init__()
        self.deseasonalize = deseasonalize

    def fit(self, y, period: int = 1):
        y, p = self._check_y(y, period)
        self.season_ = _Deseason(y, p, self.deseasonalize)
        ya = self.season_.adjust(y)
        self.alpha_, l0, sse = ses_fit(ya)
        self.level_ = _ses_level(ya, self.alpha_, l0)
        self.sigma_ = float(np.sqrt(sse / len(ya)))
        return self

    def _path(self, h):
        return self.season_.restore(np.full(h, self.level_))

    def _psi(self, h):
        return np.r_[1.0, np.full(h - 1, self.alpha_)]

    def _interval_scale(self, h):
        return self.season_.restore(np.ones(h))


class HoltSeries(_SeriesModel):
    """Holt's linear trend (``damped=False``) or the damped trend (``damped=True``), additive errors."""

    name = "holt"

    def __init__(self, damped: bool = False, deseasonalize: bool = True):
        super().__init__()
        self.damped = damped
        self.deseasonalize = deseasonalize
        if damped:
            self.name = "damped"

    def fit(self, y, period: int = 1):
        y, p = self._check_y(y, period)
        if len(y) < 3:
            raise DataError(f"{self.name} needs at least 3 values. Received: {len(y)}")
        self.season_ = _Deseason(y, p, self.deseasonalize)
        ya = self.season_.adjust(y)
        k = min(len(ya), 10)
        slope, intercept = np.polyfit(np.arange(k), ya[:k], 1)
        scale = max(float(np.std(ya)), 1e-8)
        # least squares in scaled units, so that the tolerances do not depend on the series' units
        ys = ya / scale
        x0 = [0.5, 0.1] + ([0.95] if self.damped else []) + [intercept / scale - slope / scale, slope / scale]
        bounds = [(1e-4, 0.9999), (1e-4, 0.9999)] + ([(0.8, 0.98)] if self.damped else []) + [(None, None)] * 2
        res = optimize.minimize(_holt_sse, x0, args=(ys, self.damped), method="L-BFGS-B", bounds=bounds)
        params = res.x
        level, trend, self.alpha_, self.beta_, self.phi_ = _holt_states(params, ys, self.damped)
        self.level_, self.trend_ = level * scale, trend * scale
        self.sigma_ = float(np.sqrt(_holt_sse(params, ys, self.damped) / len(ys))) * scale
        if not res.success:
            self.notes_.append(f"{self.name}: optimiser stopped early ({res.message})")
        return self

    def _damp(self, h):
        return np.cumsum(self.phi_ ** np.arange(1, h + 1))

    def _path(self, h):
        return self.season_.restore(self.level_ + self.trend_ * self._damp(h))

    def _psi(self, h):
        j = np.arange(1, h)
        if self.phi_ == 1.0:
            c = self.alpha_ + self.beta_ * j
        else:
            c = self.alpha_ + self.beta_ * self.phi_ * (1 - self.phi_ ** j) / (1 - self.phi_)
        return np.r_[1.0, c]

    def _interval_scale(self, h):
        return self.season_.restore(np.ones(h))


class DampedSeries(HoltSeries):
    """Damped-trend exponential smoothing (Gardner & McKenzie), phi in [0.8, 0.98]."""

    def __init__(self, deseasonalize: bool = True):
        super().__init__(damped=True, deseasonalize=deseasonalize)


class ThetaSeries(_SeriesModel):
    """The classic Theta method (M3's THETA; the M4 benchmark code's ``Theta.classic``)."""

    name = "theta_m3"

    def __init__(self, deseasonalize: bool = True):
        super().__init__()
        self.deseasonalize = deseasonalize

    def fit(self, y, period: int = 1):
        y, p = self._check_y(y, period)
        self.season_ = _Deseason(y, p, self.deseasonalize)
        ya = self.season_.adjust(y)
        n = len(ya)
        t = np.arange(1, n + 1)
        self.slope_, self.intercept_ = np.polyfit(t, ya, 1)
        line0 = self.intercept_ + self.slope_ * t
        theta2 = 2 * ya - line0
        self.alpha_, l0, _ = ses_fit(theta2)
        self.level_ = _ses_level(theta2, self.alpha_, l0)
        a, b = _ses_sse_parts(theta2, self.alpha_)
        fitted = 0.5 * (a * l0 + b) + 0.5 * line0
        self.sigma_ = float(np.sqrt(np.mean((ya - fitted) ** 2)))
        self.n_ = n
        return self

    def _path(self, h):
        t = self.n_ + np.arange(1, h + 1)
        return self.season_.restore(0.5 * (self.intercept_ + self.slope_ * t) + 0.5 * self.level_)

    def _psi(self, h):
        return np.r_[1.0, np.full(h - 1, self.alpha_)]

    def _interval_scale(self, h):
        return self.season_.restore(np.ones(h))


__all__ = ["DampedSeries", "HoltSeries", "Naive2Series", "NaiveSeries", "SESSeries", "SeasonalNaiveSeries",
           "ThetaSeries", "seasonal_indices", "seasonality_test", "ses_fit"]
