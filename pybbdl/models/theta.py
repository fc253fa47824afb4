"""``theta``: the Theta method (statsmodels ``ThetaModel``), with both contracts
(:class:`pybbdl.models.local_base._Dual`) and its own normal intervals.

M3's classic Theta (``theta_m3``) is :class:`pybbdl.models.local.ThetaSeries`.
"""

from __future__ import annotations

import warnings

import numpy as np

from pybbdl.exceptions import ArgumentError
from pybbdl.models.local_base import _Dual, _check_period, _index_period, _normal_quantile, check_series


class ThetaForecaster(_Dual):
    """The Theta method (statsmodels ``ThetaModel``: SES with drift, theta = 2 by default).

    The series is deseasonalised as statsmodels does: when ``period > 1`` and the series has at
    least two periods, a seasonality test on the ACF at lag ``period`` (90 %), then classical
    decomposition, multiplicative when the data are > 0 (else additive). The seasonal factors,
    the SES ``alpha`` and the drift ``b0`` are estimated once on the training data; the windowed
    forecasts run the SES through the series with them fixed.

    Args:
        period: Seasonal period for the windowed contract; None = from the index frequency (4
            quarterly, 12 monthly, else 1). ``fit(y, period)`` uses its own argument.
        theta: Weight of the drift, >= 1 (2 = the classical method).
        deseasonalize, use_test: As statsmodels ``ThetaModel``.
        max_train: Fit on at most the last this many training rows.

    Intervals: statsmodels' normal intervals, variance ``sigma2 (1 + (h - 1)(1 + (alpha - 1)^2))``
    with ``sigma2`` of an ARIMA(0,1,1) with drift fitted to the training data.
    """

    label = "Theta"

    def __init__(self, period: int | None = None, theta: float = 2.0, deseasonalize: bool = True,
                 use_test: bool = True, max_train: int | None = None):
        self.period = period
        self.theta = theta
        self.deseasonalize = deseasonalize
        self.use_test = use_test
        self.max_train = max_train

    def _fit_windows(self, windows, start, stop):
        self.period_ = _check_period(self.period) if self.period is not None else _index_period(windows)
        self._estimate(windows.values[start:stop, 0])

    def _fit_series(self, y):
        self._estimate(y)

    def _estimate(self, y):
        from statsmodels.tsa.forecasting.theta import ThetaModel

        y = check_series(y, "Theta", 4)
        if not (isinstance(self.theta, (int, float)) and self.theta >= 1):
            raise ArgumentError(f"`theta` must be a number >= 1. Received: {self.theta!r}")
        m = self.period_
        deseason = bool(self.deseasonalize) and m > 1 and len(y) >= 2 * m
        if bool(self.deseasonalize) and m > 1 and not deseason:
            self.notes_.append(f"Theta: not deseasonalised ({len(y)} values < 2 periods of {m})")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = ThetaModel(y, period=m if m > 1 else 1, deseasonalize=deseason, use_test=bool(self.use_test))
            res = model.fit()
            self.sigma2_ = float(res.sigma2)
        self.results_ = res
        self.alpha_, self.b0_ = float(res.params["alpha"]), float(res.params["b0"])
        self.seasonal_ = np.asarray(res._seasonal, dtype=float) if deseason else np.empty(0)
        self.multiplicative_ = model.method.startswith("mul")
        self.n_params_ = 2 + len(self.seasonal_)
        self.y_ = y

    def _adjusted(self, series: np.ndarray) -> np.ndarray:
        if not len(self.seasonal_):
            return series
        s = self.seasonal_[np.arange(len(series)) % self.period_]
        return series / s if self.multiplicative_ else series - s

    def _means(self, series: np.ndarray, rows: np.ndarray, h: int) -> np.ndarray:
        """h-step forecasts from positions `rows` of `series` (0 = first training row)."""
        from scipy.signal import lfilter

        a = self.alpha_
        x = self._adjusted(series)
        # level_t = a x_t + (1 - a) level_{t-1}, level_{-1} = x_0
        level = lfilter([a], [1, -(1 - a)], x, zi=[(1 - a) * x[0]])[0]
        nobs = rows + 1
        trend = self.b0_ * (h - 1 + 1 / a - (1 - a) ** nobs / a)
        w = (self.theta - 1) / self.theta
        out = w * trend + level[rows]
        if len(self.seasonal_):
            s = self.seasonal_[(nobs + h - 1) % self.period_]
            out = out * s if self.multiplicative_ else out + s
        return out

    def _sd(self, h: int) -> float:
        return float(np.sqrt(self.sigma2_ * (1 + (h - 1) * (1 + (self.alpha_ - 1) ** 2))))

    def _predict_origins(self, windows, origins, h=None):
        series = windows.values[self.train_start_:origins.max() + 1, 0]
        return self._means(series, origins - self.train_start_, windows.horizon if h is None else h)

    def _forecast_series(self, h, levels):
        rows = np.array([len(self.y_) - 1])
        mean = np.array([self._means(self.y_, rows, i)[0] for i in range(1, h + 1)])
        sd = np.array([self._sd(i) for i in range(1, h + 1)])
        return mean, {lv: (mean - _normal_quantile(lv) * sd, mean + _normal_quantile(lv) * sd) for lv in levels}

    def describe(self) -> str:
        self._check_fitted()
        season = ""
        if len(self.seasonal_):
            season = f", {'multiplicative' if self.multiplicative_ else 'additive'} season [{self.period_}]"
        return f"Theta(theta={self.theta:g}, alpha={self.alpha_:.3f}{season})"
