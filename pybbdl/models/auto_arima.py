"""``AutoArima``: automatic ARIMA for one series, as R's ``forecast::auto.arima`` (series-level contract).

The order comes from :func:`pybbdl.models.arima_order.auto_order` (exact likelihood,
:mod:`pybbdl.models.arima_likelihood`); the chosen model is then fitted once more by statsmodels
(``results_``), so forecasts, intervals and ``summary()`` come from statsmodels.
"""

from __future__ import annotations

import time
import warnings
from typing import Literal

import numpy as np
import pandas as pd

from pybbdl._validation import check_positive_int
from pybbdl.exceptions import ModelFitError
from pybbdl.models.arima_likelihood import Spec, _kernel, resolve_engine
from pybbdl.models.arima_order import auto_order, check_series


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


def results_forecast(results, y: np.ndarray, h, levels=(), variance_scale=None) -> pd.DataFrame:
    """Steps 1..h past the end of `y` from statsmodels ARIMA `results`, as the series contract's
    frame (`h` and `levels` checked here): ``mean`` and, per level, statsmodels' own intervals
    (``conf_int``), or, with `variance_scale` (called only when levels are asked, returns a
    number), normal intervals of the forecast variance times it. `results` None (a constant
    series, as R): the last value of `y` at every step with zero-width intervals.

    The one forecast of :class:`AutoArima` and ``ArimaForecaster.forecast``.
    """
    from pybbdl.models.series import check_levels, forecast_frame

    h = check_positive_int("h", h)
    levels = check_levels(levels)
    if results is None:
        mean = np.full(h, y[-1])
        return forecast_frame(mean, {lv: (mean, mean) for lv in levels}, levels)
    fc = results.get_forecast(h)
    mean = np.asarray(fc.predicted_mean, dtype=float)
    intervals = {}
    if levels and variance_scale is None:
        for lv in levels:
            ci = np.asarray(fc.conf_int(alpha=1 - lv), dtype=float)
            intervals[lv] = (ci[:, 0], ci[:, 1])
    elif levels:
        from scipy.stats import norm

        sd = np.sqrt(np.asarray(fc.var_pred_mean, dtype=float) * variance_scale())
        intervals = {lv: (mean - norm.ppf(0.5 + lv / 2) * sd, mean + norm.ppf(0.5 + lv / 2) * sd) for lv in levels}
    return forecast_frame(mean, intervals, levels)


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
        if not hasattr(self, "spec_"):
            from pybbdl.exceptions import NotFittedError

            raise NotFittedError("AutoArima is not fitted yet: call fit(y, period) first.")
        return results_forecast(self.results_, self.y_, h, levels)

    def describe(self) -> str:
        """E.g. ``ARIMA(0,1,1)(0,1,1)[12] trend=n``."""
        if not hasattr(self, "spec_"):
            return "AutoArima (not fitted)"
        return self.spec_.label()


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
