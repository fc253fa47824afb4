"""ARIMA baseline (statsmodels), fitted on the training range, forecasting from every origin.

After the fit, the state-space model is filtered once through the whole series with the fitted
parameters (``results.apply``), and the ``horizon``-step forecast from every origin is computed at
once from the filtered states: ``a[e+h|e] = T^(h-1) a[e+1|e]`` (plus intercepts) and
``y[e+h|e] = Z a[e+h|e] + d``. This equals a ``get_forecast`` call per origin (the tests check it)
at a small fraction of the cost. Filtering is causal, so the forecast from origin ``e`` uses data up
to ``e`` only. ``refit_every`` re-estimates the parameters on all data up to each block of origins.
"""

from __future__ import annotations

import itertools
import time
import warnings
from typing import Literal

import numpy as np

from pybbdl._validation import check_positive_int
from pybbdl.exceptions import ArgumentError, DataError, ModelFitError
from pybbdl.models.base import BaseForecaster
from pybbdl.models.unit_root import number_of_differences  # noqa: F401 - also importable from here, as in 0.2
from pybbdl.windows import Windows

Criterion = Literal["aicc", "aic", "bic"]
_TRENDS_BY_D = {0: ("c", "n"), 1: ("n", "t"), 2: ("n",)}


def _fit_arima(y: np.ndarray, order, seasonal_order, trend, start_params=None, exog=None):
    """Fit one statsmodels ARIMA (with regressors `exog`: ARIMAX, regression with ARIMA errors);
    returns its results (warnings collected, not printed)."""
    from statsmodels.tsa.arima.model import ARIMA

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = ARIMA(y, exog=exog, order=order, seasonal_order=seasonal_order, trend=trend,
                      enforce_stationarity=True, enforce_invertibility=True)
        results = model.fit(start_params=start_params)
    results._pybbdl_warnings = [str(w.message) for w in caught]
    return results


def _converged(results) -> bool:
    retvals = getattr(results, "mle_retvals", None) or {}
    return bool(retvals.get("converged", True))


def _unit_root_series(y: np.ndarray, exog: np.ndarray | None, seasonal_d: int = 0,
                      period: int | None = None) -> np.ndarray:
    """The series whose KPSS tests choose ``d``, as R's ``auto.arima``: with regressors the
    residuals of the least-squares regression of ``y`` on them and a constant (regression with
    ARIMA errors: the errors, not ``y``, must be stationary after differencing), then
    ``seasonal_d`` seasonal differences at `period`."""
    x = np.asarray(y, dtype=float)
    if exog is not None and exog.shape[1]:
        design = np.column_stack([np.ones(len(x)), exog])
        x = x - design @ np.linalg.lstsq(design, x, rcond=None)[0]
    for _ in range(int(seasonal_d) if period else 0):
        x = x[int(period):] - x[:-int(period)]
    return x


def h_step_forecasts(filter_results, origins: np.ndarray, horizon: int) -> np.ndarray:
    """``horizon``-step forecasts of a filtered, time-invariant state-space model from every origin.

    Args:
        filter_results: ``results.filter_results`` of a model filtered through the data.
        origins: 0-based positions (in the filtered sample) of the last observation used.
        horizon: Steps ahead, >= 1; ``origins + horizon`` must lie inside the sample.
    """
    fr = filter_results
    if fr.transition.shape[-1] != 1 or fr.design.shape[-1] != 1:
        raise ArgumentError("h_step_forecasts needs time-invariant transition and design matrices")
    T, Z = fr.transition[:, :, 0], fr.design[:, :, 0]
    c, d = fr.state_intercept, fr.obs_intercept

    def at(arr, t):
        return arr[:, t] if arr.shape[1] > 1 else arr[:, np.zeros_like(t)]

    state = fr.predicted_state[:, origins + 1]  # a[e+1 | e]
    for j in range(1, horizon):
        state = T @ state + at(c, origins + j)
    return (Z @ state + at(d, origins + horizon))[0]


def h_step_variances(filter_results, origins: np.ndarray, horizon: int) -> np.ndarray:
    """Variances of the ``horizon``-step forecast errors of :func:`h_step_forecasts` (same arguments).

    ``P[e+1|e]`` is the filter's predicted state covariance; ``P[e+j+1|e] = T P[e+j|e] T' + R Q R'``
    and the forecast variance is ``Z P[e+h|e] Z' + H``: the exact Gaussian forecast variance of
    the model with its estimated parameters (as statsmodels' ``get_forecast`` and R's
    ``predict.Arima``), without parameter uncertainty.
    """
    fr = filter_results
    if any(arr.shape[-1] != 1 for arr in (fr.transition, fr.design, fr.selection, fr.state_cov, fr.obs_cov)):
        raise ArgumentError("h_step_variances needs a time-invariant state-space model")
    T, Z = fr.transition[:, :, 0], fr.design[:, :, 0]
    RQR = fr.selection[:, :, 0] @ fr.state_cov[:, :, 0] @ fr.selection[:, :, 0].T
    P = np.moveaxis(fr.predicted_state_cov[:, :, origins + 1], -1, 0)  # (n, k, k)
    for _ in range(1, horizon):
        P = T @ P @ T.T + RQR
    return np.einsum("ij,njk,ik->n", Z, P, Z) + fr.obs_cov[0, 0, 0]


class ArimaForecaster(BaseForecaster):
    """ARIMA(p, d, q)(P, D, Q)m on the target alone, statsmodels' state-space MLE.

    Args:
        order: ``(p, d, q)``; None = choose it: ``d`` by KPSS tests (with future-known
            regressors, on the residuals of the target regressed on them, as R's ``auto.arima``:
            the ARIMA errors must be stationary, not the target), then ``p <= max_p``,
            ``q <= max_q`` and the trend (mean/none for d = 0, drift/none for d = 1) by
            `criterion` over the full grid.
        seasonal_order: ``(P, D, Q, m)``, or None; with ``order=None`` and ``period=m``
            the search also tries ``P, Q in {0, 1}`` with ``D = seasonal_d``.
        trend: statsmodels trend (``"n"``, ``"c"``, ``"t"``, ``"ct"``); None = default for the
            order (``"c"`` if d = 0 else ``"n"``), or searched when the order is searched.
        max_p, max_q, max_d: Bounds of the search.
        period, seasonal_d: See `seasonal_order` (``period``: the seasonal period in rows, the
            name every pybbdl model uses).
        seasonal_period: Deprecated old name of `period` (FutureWarning; removed in the next release).
        criterion: ``"aicc"`` (as R's ``auto.arima``), ``"aic"`` or ``"bic"``.
        refit_every: Re-estimate the parameters every this many origins (expanding window);
            None = fit once on the training range.
        max_train: Fit on at most the last this many training rows (long hourly series);
            None = all.
        progress: Show progress bars over the refits (and over the order search when the trend
            asked for is not a mean/drift, which fits every candidate with statsmodels).
        search: ``"exhaustive"`` (every candidate of the grid) or ``"stepwise"`` (Hyndman-Khandakar
            as R's ``auto.arima``: start models, then +-1 moves on p, q, P, Q and the constant).
            Candidates are scored by :mod:`pybbdl.models.arima_search` (exact likelihood, no
            statsmodels fit per candidate); the winner is fitted by statsmodels. As in R, a
            candidate with an AR/MA root of modulus < 1.01 is refused, and with ``seasonal_d``
            the KPSS tests for ``d`` run on the seasonally differenced series. With future-known
            regressors (ARIMAX) every grid candidate is fitted by statsmodels instead (exhaustive).
        engine: Likelihood engine of that search: ``"auto"`` (numba unless the environment sets
            ``PYBBDL_ARIMA_ENGINE=numpy``), ``"numba"``, ``"numpy"``. Both choose the same model;
            the one used is ``engine_``.

    Future-known columns of the windows (``prepare_windows(..., known=[...])``) are regressors
    (statsmodels' ``exog``: regression with ARIMA errors, ARIMAX); their values at each target
    enter its forecast. Several ``horizons``: one fit, iterated forecasts for every step from
    each origin (:meth:`predict_horizons`).

    Attributes:
        results_: statsmodels results of the final fit (``summary()``, ``conf_int()`` work).
        order_, seasonal_order_, trend_: What was fitted.
        converged_: Whether the optimiser reported convergence.
        notes_: What the comparison tables should say about the fit (e.g. no convergence).
        search_: One row per candidate of the order search (criterion value or the error).
        engine_: The likelihood engine of the order search (``"numba"``/``"numpy"``; None when
            no search ran or statsmodels fitted every candidate).
    """

    #: ARIMA on levels nests the random walk (every coefficient zero): the comparison tables test
    #: this pair with Clark-West, not Diebold-Mariano (:mod:`pybbdl.evaluation.nested`).
    nests = ("naive",)
    #: Uses the windows' future-known columns as regressors (see :func:`pybbdl.forecast_conditional`).
    uses_known = True

    def __init__(
        self,
        order: tuple[int, int, int] | None = None,
        seasonal_order: tuple[int, int, int, int] | None = None,
        trend: str | None = None,
        max_p: int = 3,
        max_q: int = 3,
        max_d: int = 2,
        period: int | None = None,
        seasonal_d: int = 0,
        criterion: Criterion = "aicc",
        refit_every: int | None = None,
        max_train: int | None = None,
        progress: bool = False,
        search: Literal["exhaustive", "stepwise"] = "exhaustive",
        engine: Literal["auto", "numba", "numpy"] = "auto",
        seasonal_period: int | None = None,
    ):
        self.order = order
        self.seasonal_order = seasonal_order
        self.trend = trend
        self.max_p = max_p
        self.max_q = max_q
        self.max_d = max_d
        self.period = period
        self.seasonal_d = seasonal_d
        self.criterion = criterion
        self.refit_every = refit_every
        self.max_train = max_train
        self.progress = progress
        self.search = search
        self.engine = engine
        self.seasonal_period = seasonal_period

    def resolved_period(self) -> int | None:
        """The seasonal period to search (`period`, or the deprecated `seasonal_period` with a
        FutureWarning); None or 0 = none."""
        if self.seasonal_period is None:
            return self.period
        warnings.warn("`seasonal_period` is deprecated and will be removed in the next release; use `period` (the "
                      "seasonal period's one name in pybbdl).", FutureWarning, stacklevel=3)
        if self.period is not None and self.period != self.seasonal_period:
            raise ArgumentError(f"`seasonal_period` is the old name of `period`: give one. Received: "
                                f"seasonal_period={self.seasonal_period!r}, period={self.period!r}")
        return self.seasonal_period

    # -- fitting ----------------------------------------------------------------------------
    def _candidates(self, y: np.ndarray, exog: np.ndarray | None = None) -> list[tuple]:
        if self.order is not None:
            p, d, q = (int(v) for v in self.order)
            trend = self.trend if self.trend is not None else ("c" if d == 0 else "n")
            return [((p, d, q), tuple(self.seasonal_order or (0, 0, 0, 0)), trend)]
        period = self.resolved_period()
        d = number_of_differences(_unit_root_series(y, exog, self.seasonal_d, period),
                                  max_d=check_positive_int("max_d", self.max_d, minimum=0))
        seasonal = [(0, 0, 0, 0)]
        if period:
            m = check_positive_int("period", period, minimum=2)
            seasonal = [(P, int(self.seasonal_d), Q, m) for P in (0, 1) for Q in (0, 1)]
        trends = (self.trend,) if self.trend is not None else _TRENDS_BY_D.get(d, ("n",))
        grid = itertools.product(range(check_positive_int("max_p", self.max_p, minimum=0) + 1),
                                 range(check_positive_int("max_q", self.max_q, minimum=0) + 1), seasonal, trends)
        return [((p, d, q), s, t) for p, q, s, t in grid]

    def _fast_search(self, y: np.ndarray):
        from pybbdl.models.arima_search import forecaster_search

        return forecaster_search(self, y, lambda *spec: _fit_arima(y, *spec))

    def _score(self, results) -> float:
        return float(getattr(results, self.criterion))

    def fit(self, windows: Windows) -> ArimaForecaster:
        """Fit (or search and fit) on the training range of the target; returns self."""
        from tqdm.auto import tqdm

        windows = self._check_windows(windows)
        if self.criterion not in ("aicc", "aic", "bic"):
            raise ArgumentError(f'`criterion` must be "aicc", "aic" or "bic". Received: {self.criterion!r}')
        if self.search not in ("exhaustive", "stepwise"):
            raise ArgumentError(f'`search` must be "exhaustive" or "stepwise". Received: {self.search!r}')
        start, stop = windows.bounds["train"]
        if self.max_train is not None:
            start = max(start, stop - check_positive_int("max_train", self.max_train, minimum=10))
        y = windows.values[start:stop, 0]
        if len(y) < 10:
            raise DataError(f"ARIMA needs at least 10 training rows. Received: {len(y)}")
        if np.ptp(y) == 0:
            raise ModelFitError(f"ARIMA cannot be fitted: the target is constant ({y[0]!r}) over the "
                                f"{len(y)} training rows.")
        exog = windows.values[start:stop][:, windows.known_index] if windows.known else None
        began = time.perf_counter()
        # with order=None the candidates are scored by pybbdl.models.arima_search (exact likelihood,
        # fast) and only the winner is fitted here; None = a trend it does not handle: the loop below.
        # With regressors (future-known columns) every candidate is fitted as an ARIMAX in the loop
        # below (the fast search does not take regressors)
        from pybbdl.models.arima_search import resolve_engine

        engine = resolve_engine(self.engine)  # checked up front, even when no search runs
        fast = self._fast_search(y) if self.order is None and exog is None else None
        self.engine_ = engine if fast is not None else None
        candidates = self._candidates(y, exog) if fast is None else []
        search, best = ([], None) if fast is None else fast
        for order, seasonal, trend in tqdm(candidates, desc="ARIMA order search", leave=False,
                                           disable=not self.progress or len(candidates) == 1):
            try:
                res = _fit_arima(y, order, seasonal, trend, exog=exog)
                score = self._score(res)
                if not np.isfinite(score):
                    raise ArgumentError(f"{self.criterion} is not finite")
            except Exception as err:  # noqa: BLE001 - every failure is recorded in search_
                search.append({"order": order, "seasonal_order": seasonal, "trend": trend,
                               self.criterion: np.nan, "converged": False, "error": f"{type(err).__name__}: {err}"})
                continue
            search.append({"order": order, "seasonal_order": seasonal, "trend": trend, self.criterion: score,
                           "converged": _converged(res), "error": ""})
            # a fit whose optimiser did not converge is chosen only if none converged
            key = (not _converged(res), score)
            if best is None or key < best[0]:
                best = (key, res, order, seasonal, trend)
        import pandas as pd

        self.search_ = pd.DataFrame(search)
        if best is None:
            errors = "; ".join(sorted({row["error"] for row in search}))[:500]
            raise ModelFitError(f"The ARIMA order search found no model that could be fitted "
                                f"({len(candidates) or len(search)} candidate(s)): {errors}")
        _, self.results_, self.order_, self.seasonal_order_, self.trend_ = best
        self.converged_ = _converged(self.results_)
        self.notes_ = [] if self.converged_ else ["ARIMA optimiser did not converge"]
        self.train_start_ = start
        self.known_ = list(windows.known)
        self.n_params_ = int(len(self.results_.params))
        self.fit_seconds_ = time.perf_counter() - began
        self.fitted_ = True
        return self

    # -- forecasting ------------------------------------------------------------------------
    def predict(self, windows: Windows, part: str) -> np.ndarray:
        """``horizon``-step forecasts for every target of the part, original units.

        With ``refit_every`` the parameters are re-estimated per block of origins inside the
        call; the fitted model itself is not changed (see :meth:`predict_refits`)."""
        return self.predict_refits(windows, part)[0]

    def predict_horizons(self, windows: Windows, part: str) -> np.ndarray:
        """Iterated forecasts for every horizon of the windows from one fit, ``(n_windows, len(horizons))``."""
        if self.refit_every:
            raise ArgumentError("`refit_every` is not supported with several horizons; use refit_every=None.")
        series, exog, rel = self._series(windows, part)
        filtered = self.results_.apply(series, exog=exog).filter_results
        return np.column_stack([h_step_forecasts(filtered, rel, h) for h in windows.horizons])

    def _series(self, windows: Windows, part: str):
        """The target (and regressors) from the first training row to the part's last target, and
        the part's origins relative to it."""
        self._check_fitted()
        windows = self._check_windows(windows)
        known = getattr(self, "known_", [])
        if list(windows.known) != known:
            raise ArgumentError(f"The windows' future-known columns must be those the ARIMA was fitted with "
                                f"(its regressors). Received: known={windows.known}; fitted with known={known}")
        targets = windows.target_positions(part)
        origins = targets - windows.horizon  # last observation before each target
        if origins.min() < self.train_start_:
            raise DataError(f"The {part} part has origins before the ARIMA's first training row "
                            f"{self.train_start_}; ARIMA forecasts need the past.")
        series = windows.values[self.train_start_:targets.max() + 1, 0]
        exog = windows.values[self.train_start_:targets.max() + 1][:, windows.known_index] if known else None
        return series, exog, origins - self.train_start_

    def predict_refits(self, windows: Windows, part: str) -> tuple[np.ndarray, int]:
        """:meth:`predict` and the number of successful re-estimations (0 without ``refit_every``)."""
        from tqdm.auto import tqdm

        series, exog, rel = self._series(windows, part)
        if not self.refit_every:
            filtered = self.results_.apply(series, exog=exog)
            return h_step_forecasts(filtered.filter_results, rel, windows.horizon), 0
        every = check_positive_int("refit_every", self.refit_every)
        out = np.empty(len(rel))
        params, refits = self.results_.params, 0
        blocks = range(0, len(rel), every)
        for b in tqdm(blocks, desc="ARIMA refits", leave=False, disable=not self.progress):
            block = rel[b:b + every]
            try:
                res = _fit_arima(series[:block[0] + 1], self.order_, self.seasonal_order_, self.trend_,
                                 start_params=params, exog=None if exog is None else exog[:block[0] + 1])
                params = res.params
                refits += 1
            except Exception:  # noqa: BLE001 - keep the last good parameters
                res = self.results_
            filtered = res.apply(series, exog=exog)
            out[b:b + every] = h_step_forecasts(filtered.filter_results, block, windows.horizon)
        return out, refits

    def predict_interval(self, windows: Windows, part: str, levels=(0.8, 0.95)) -> dict:
        """``{level: (lower, upper)}`` around :meth:`predict`: normal prediction intervals with the
        model's exact ``horizon``-step forecast variance (:func:`h_step_variances`), sigma2
        corrected for degrees of freedom as R (:meth:`_sigma2_correction`): the intervals of R's
        ``forecast(Arima(...))`` for the same specification. With
        ``refit_every``, each block of origins uses its own re-estimated parameters."""
        from scipy.stats import norm

        from pybbdl.models.series import check_levels

        levels = check_levels(levels)
        if not levels:
            raise ArgumentError("`levels` must name at least one level in (0, 1). Received: none")
        series, exog, rel = self._series(windows, part)  # checks fitted, windows, regressors, origins
        blocks = [(0, len(rel), self.results_)]
        if self.refit_every:
            every = check_positive_int("refit_every", self.refit_every)
            blocks, params = [], self.results_.params
            for b in range(0, len(rel), every):
                try:
                    res = _fit_arima(series[:rel[b] + 1], self.order_, self.seasonal_order_, self.trend_,
                                     start_params=params, exog=None if exog is None else exog[:rel[b] + 1])
                    params = res.params
                except Exception:  # noqa: BLE001 - keep the last good parameters, as predict_refits
                    res = self.results_
                blocks.append((b, b + every, res))
        mean, var = np.empty(len(rel)), np.empty(len(rel))
        for b0, b1, res in blocks:
            fr = res.apply(series, exog=exog).filter_results
            mean[b0:b1] = h_step_forecasts(fr, rel[b0:b1], windows.horizon)
            var[b0:b1] = h_step_variances(fr, rel[b0:b1], windows.horizon) * self._sigma2_correction(res)
        sd = np.sqrt(var)
        return {lv: (mean - norm.ppf(0.5 + lv / 2) * sd, mean + norm.ppf(0.5 + lv / 2) * sd) for lv in levels}

    def predict_interval_horizons(self, windows: Windows, part: str, levels=(0.8, 0.95)) -> dict:
        """``{level: (lower, upper)}``, each ``(n_windows, len(windows.horizons))``: the intervals of
        :meth:`predict_interval` at every horizon of the windows from one fit (iterated forecasts
        and the exact ``h``-step variance at each ``h``, :func:`h_step_variances`, with R's sigma2
        correction): R's ``forecast(Arima(...), h = H, level = ...)`` from each origin."""
        from scipy.stats import norm

        from pybbdl.models.series import check_levels

        levels = check_levels(levels)
        if not levels:
            raise ArgumentError("`levels` must name at least one level in (0, 1). Received: none")
        if self.refit_every:
            raise ArgumentError("`refit_every` is not supported with several horizons; use refit_every=None.")
        series, exog, rel = self._series(windows, part)
        fr = self.results_.apply(series, exog=exog).filter_results
        mean = np.column_stack([h_step_forecasts(fr, rel, h) for h in windows.horizons])
        var = np.column_stack([h_step_variances(fr, rel, h) for h in windows.horizons])
        sd = np.sqrt(var * self._sigma2_correction(self.results_))
        return {lv: (mean - norm.ppf(0.5 + lv / 2) * sd, mean + norm.ppf(0.5 + lv / 2) * sd) for lv in levels}

    def _sigma2_correction(self, res) -> float:
        """R's ``forecast::Arima`` divides the residual sum of squares by ``n* - k`` (``n*`` = rows
        after differencing, ``k`` = estimated coefficients), statsmodels' MLE of sigma2 by ``n*``;
        the intervals use R's (the ratio ``n* / (n* - k)``)."""
        d, (D, m) = self.order_[1], (self.seasonal_order_[1], self.seasonal_order_[3])
        nstar = int(res.nobs) - d - D * m
        k = len(res.params) - 1
        return nstar / (nstar - k) if nstar > k else 1.0

    def describe(self) -> str:
        """E.g. ``ARIMA(1,1,1) trend=n`` (with the seasonal part when there is one)."""
        self._check_fitted()
        text = "ARIMA({},{},{})".format(*self.order_)
        if any(self.seasonal_order_[:3]):
            text += "({},{},{})[{}]".format(*self.seasonal_order_)
        return f"{text} trend={self.trend_}" + ("" if self.converged_ else " (did not converge)")


def __getattr__(name: str):
    # the series-level auto ARIMA (pybbdl.models.arima_search.AutoArima), imported when asked for
    if name == "AutoArima":
        from pybbdl.models.arima_search import AutoArima

        return AutoArima
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
