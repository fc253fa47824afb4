"""ARIMA: the model behind the name ``"arima"`` (R's ``auto.arima`` by default), in both contracts.

The order is chosen by :class:`~pybbdl.models.auto_arima.AutoArima`'s search (exact likelihood,
R's rules); the chosen model is held as statsmodels results. In the windowed contract, after the
fit, the state-space model is filtered once through the whole series with the fitted
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
    """Automatic ARIMA(p, d, q)(P, D, Q)m: the one model behind the name ``"arima"``, in both contracts.

    **By default it is R's** ``forecast::auto.arima(y)`` (with ``approximation = FALSE``): ``d`` by
    KPSS tests, ``D`` by the seasonal-strength test, then the stepwise Hyndman-Khandakar search over
    ``p, q <= 5``, ``P, Q <= 2``, a mean (d + D = 0) or drift (d + D = 1) tried both ways, by AICc;
    the chosen model keeps the search's exact maximum-likelihood estimates, as R's does
    (:mod:`pybbdl.models.arima_order`, :class:`~pybbdl.models.auto_arima.AutoArima`, which this
    class runs). The seasonal period is the data's: the ``period`` of ``fit(y, period)``, or for
    windows the index frequency (4 for quarters, 12 for months, else 1), unless `period`
    says otherwise.

    * ``fit(windows)`` / ``predict(windows, part)`` (windowed contract): the model is chosen and
      estimated once on the training part, then filtered through the whole series with those
      parameters, and the ``horizon``-step forecasts from every origin come from the filtered states
      at once (:func:`h_step_forecasts`; data up to each origin only).
    * ``fit(y, period)`` / ``forecast(h, levels)`` (series contract): steps 1..h past the end of
      one series (panels, :func:`~pybbdl.models.series.forecast_series`).

    pybbdl 0.3's windowed ARIMA (an exhaustive search over ``p, q <= 3``, non-seasonal, refitted by
    statsmodels) is ``ArimaForecaster(search="exhaustive", max_p=3, max_q=3, max_order=6,
    period=1, estimates="statsmodels")`` (``params={"arima": {...}}`` in the workflows).

    Args:
        order: ``(p, d, q)``; None = choose it (above). Given: fitted by statsmodels as R's
            ``Arima(y, order = ...)``.
        seasonal_order: ``(P, D, Q, m)`` with a given `order`, or None.
        trend: statsmodels trend (``"n"``, ``"c"``, ``"t"``, ``"ct"``); None = for a given order
            ``"c"`` if d = 0 else ``"n"``, for a searched one the constant is searched; ``"n"`` = no
            constant in the search; another trend fits every grid candidate with statsmodels.
        max_p, max_q, max_P, max_Q, max_order, max_d, max_D: Bounds of the search, as R's
            ``auto.arima`` (``max_order`` bounds p + q + P + Q in the exhaustive search).
        period: The period m of the seasonal terms (rows per season, the name every pybbdl model uses);
            None = the data's (above); 1 = none.
        seasonal_period: Deprecated old name of `period` (FutureWarning; removed in the next release).
        seasonal_d: Seasonal differences D; None = chosen by the seasonal-strength test, as R.
        criterion: ``"aicc"`` (as R's ``auto.arima``), ``"aic"`` or ``"bic"``.
        refit_every: Windows only: re-estimate the parameters every this many origins (expanding
            window, statsmodels); None = fit once on the training range.
        max_train: Fit on at most the last this many training rows (long hourly series); None = all.
        progress: Show progress bars over the refits and the statsmodels grid.
        search: ``"stepwise"`` (R's default) or ``"exhaustive"`` (R's ``stepwise = FALSE``).
        engine: Likelihood engine of the search: ``"auto"`` (numba unless the environment sets
            ``PYBBDL_ARIMA_ENGINE=numpy``), ``"numba"``, ``"numpy"``; both choose the same model.
        estimates: ``"search"`` (default): the search's exact ML estimates, as R's ``auto.arima``
            returns them; ``"statsmodels"``: the chosen order re-estimated by statsmodels from its
            own start values (pybbdl 0.3's windowed ARIMA; estimates differ in about the 5th digit).

    Intervals: normal, with the model's exact h-step variance. sigma2 is the search's ML estimate
    for a searched model (R's ``forecast(auto.arima(y))``) and R's degrees-of-freedom corrected one
    for statsmodels' estimates (R's ``forecast(Arima(y, order = ...))``, :meth:`_sigma2_correction`).

    Future-known columns of the windows (``prepare_windows(..., known=[...])``) are regressors
    (statsmodels' ``exog``: regression with ARIMA errors, ARIMAX; ``d`` by KPSS on the residuals of
    the target regressed on them, as R's ``auto.arima``); every candidate of the grid ``p <= max_p,
    q <= max_q, p + q <= max_order`` (seasonal ``P, Q in {0, 1}`` only with a `period`
    given) is fitted by statsmodels. Several ``horizons``: one fit, iterated forecasts for every step
    from each origin (:meth:`predict_horizons`).

    Attributes:
        results_: statsmodels results of the final model (``summary()``, ``conf_int()`` work; without
            standard errors for the search's estimates).
        order_, seasonal_order_, trend_: What was fitted.
        converged_: Whether the optimiser reported convergence.
        notes_: What the comparison tables should say about the fit (e.g. no convergence).
        search_: One row per candidate of the order search (criterion value or the error).
        engine_: The likelihood engine of the order search (``"numba"``/``"numpy"``; None when
            no search ran or statsmodels fitted every candidate).
        mode_: ``"windows"`` or ``"series"``: the contract ``fit`` was called with.
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
        max_p: int = 5,
        max_q: int = 5,
        max_d: int = 2,
        period: int | None = None,
        seasonal_d: int | None = None,
        criterion: Criterion = "aicc",
        refit_every: int | None = None,
        max_train: int | None = None,
        progress: bool = False,
        search: Literal["exhaustive", "stepwise"] = "stepwise",
        engine: Literal["auto", "numba", "numpy"] = "auto",
        max_P: int = 2,
        max_Q: int = 2,
        max_D: int = 1,
        max_order: int = 5,
        estimates: Literal["search", "statsmodels"] = "search",
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
        self.max_P = max_P
        self.max_Q = max_Q
        self.max_D = max_D
        self.max_order = max_order
        self.estimates = estimates
        self.seasonal_period = seasonal_period

    def resolved_period(self) -> int | None:
        """The seasonal period asked for (`period`, or the deprecated `seasonal_period` with a
        FutureWarning); None = the data's."""
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
        """The statsmodels grid (a given order, regressors, or a trend the search does not handle)."""
        if self.order is not None:
            p, d, q = (int(v) for v in self.order)
            trend = self.trend if self.trend is not None else ("c" if d == 0 else "n")
            return [((p, d, q), tuple(self.seasonal_order or (0, 0, 0, 0)), trend)]
        seasonal_d = int(self.seasonal_d or 0)
        asked = self.resolved_period()
        period = asked if asked not in (None, 1) else None
        d = number_of_differences(_unit_root_series(y, exog, seasonal_d, period),
                                  max_d=check_positive_int("max_d", self.max_d, minimum=0))
        seasonal = [(0, 0, 0, 0)]
        if period:
            m = check_positive_int("period", period, minimum=2)
            seasonal = [(P, seasonal_d, Q, m) for P in (0, 1) for Q in (0, 1)]
        trends = (self.trend,) if self.trend is not None else _TRENDS_BY_D.get(d, ("n",))
        max_order = check_positive_int("max_order", self.max_order, minimum=0)
        grid = itertools.product(range(check_positive_int("max_p", self.max_p, minimum=0) + 1),
                                 range(check_positive_int("max_q", self.max_q, minimum=0) + 1), seasonal, trends)
        return [((p, d, q), s, t) for p, q, s, t in grid if p + q + s[0] + s[2] <= max_order]

    def _check_options(self) -> None:
        if self.criterion not in ("aicc", "aic", "bic"):
            raise ArgumentError(f'`criterion` must be "aicc", "aic" or "bic". Received: {self.criterion!r}')
        if self.search not in ("exhaustive", "stepwise"):
            raise ArgumentError(f'`search` must be "exhaustive" or "stepwise". Received: {self.search!r}')
        if self.estimates not in ("search", "statsmodels"):
            raise ArgumentError(f'`estimates` must be "search" or "statsmodels". Received: {self.estimates!r}')
        if self.resolved_period() is not None:
            check_positive_int("period", self.resolved_period(), minimum=1)
        if self.seasonal_d is not None:
            check_positive_int("seasonal_d", self.seasonal_d, minimum=0)

    def _auto(self, period: int):
        """The series model of the search: R's ``auto.arima`` with this model's bounds."""
        from pybbdl.models.auto_arima import AutoArima

        allow = self.trend is None
        return AutoArima(self.search, max_p=self.max_p, max_q=self.max_q, max_P=self.max_P, max_Q=self.max_Q,
                         max_order=self.max_order, max_d=self.max_d, max_D=self.max_D, criterion=self.criterion,
                         allow_drift=allow, allow_mean=allow, refit=False, engine=self.engine,
                         seasonal_d=self.seasonal_d)

    def fit(self, data, period: int | None = None) -> ArimaForecaster:
        """``fit(windows)``: choose and estimate on the training range of the target (windowed
        contract); ``fit(y, period)``: on a whole 1-d series (series contract). Returns self."""
        if isinstance(data, Windows):
            return self._fit_windows(data)
        return self._fit_series(data, period)

    def _fit_series(self, y, period) -> ArimaForecaster:
        from pybbdl.models.arima_order import check_series

        began = time.perf_counter()
        self._check_options()
        if isinstance(y, np.ndarray) and y.ndim > 1 or hasattr(y, "columns"):
            raise ArgumentError(f"ArimaForecaster.fit takes a pybbdl Windows or a 1-d series. Received: "
                                f"{type(y).__name__}")
        y = check_series(y)
        period = 1 if period is None else check_positive_int("period", period, minimum=1)
        if self.max_train is not None:
            y = y[-check_positive_int("max_train", self.max_train, minimum=10):]
        self.period_ = period
        self.y_ = y
        m = period if self.resolved_period() is None else int(self.resolved_period())
        if np.ptp(y) == 0:  # as R: a constant series is its own mean model
            self.results_, self.search_, self.engine_ = None, None, None
            self.order_, self.seasonal_order_, self.trend_ = (0, 0, 0), (0, 0, 0, 0), "c"
            self.estimates_ = "search"
            self.converged_ = True
            self.notes_ = ["constant series: forecast = its value, zero-width intervals"]
        else:
            self._fit_core(y, None, m)
        self.mode_ = "series"
        self.fit_seconds_ = time.perf_counter() - began
        self.fitted_ = True
        return self

    def _fit_windows(self, windows: Windows) -> ArimaForecaster:
        windows = self._check_windows(windows)
        self._check_options()
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
        if self.resolved_period() is not None:
            m = int(self.resolved_period())
        else:
            from pybbdl.models.series import index_period

            m = index_period(windows)
        self._fit_core(y, exog, m)
        self.mode_ = "windows"
        self.train_start_ = start
        self.known_ = list(windows.known)
        self.fit_seconds_ = time.perf_counter() - began
        self.fitted_ = True
        return self

    def _fit_core(self, y: np.ndarray, exog: np.ndarray | None, m: int) -> None:
        """Choose and estimate: R's ``auto.arima`` search (order None, no regressors, trend None or
        "n"), else statsmodels over :meth:`_candidates`."""
        from tqdm.auto import tqdm

        from pybbdl.models.arima_likelihood import resolve_engine

        engine = resolve_engine(self.engine)  # checked up front, even when no search runs
        if self.order is None and exog is None and self.trend in (None, "n"):
            auto = self._auto(m).fit(y, m)
            self.engine_ = auto.engine_
            self.search_ = auto.search_
            self.order_, self.seasonal_order_, self.trend_ = auto.order_, auto.seasonal_order_, auto.trend_
            if self.estimates == "search":
                self.results_ = auto.results_
                self.converged_ = not auto.notes_
            else:
                try:
                    self.results_ = _fit_arima(y, self.order_, self.seasonal_order_, self.trend_)
                except (np.linalg.LinAlgError, ValueError) as err:
                    raise ModelFitError(f"statsmodels could not re-estimate the chosen {auto.describe()}: "
                                        f"{type(err).__name__}: {err}") from err
                self.converged_ = _converged(self.results_)
            self.estimates_ = self.estimates
            self.notes_ = [] if self.converged_ else ["ARIMA optimiser did not converge"]
            self.n_params_ = int(len(self.results_.params))
            return
        self.engine_ = None
        del engine
        candidates = self._candidates(y, exog)
        search, best = [], None
        for order, seasonal, trend in tqdm(candidates, desc="ARIMA order search", leave=False,
                                           disable=not self.progress or len(candidates) == 1):
            try:
                res = _fit_arima(y, order, seasonal, trend, exog=exog)
                score = float(getattr(res, self.criterion))
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
        self.estimates_ = "statsmodels"
        self.converged_ = _converged(self.results_)
        self.notes_ = [] if self.converged_ else ["ARIMA optimiser did not converge"]
        self.n_params_ = int(len(self.results_.params))

    def _check_mode(self, mode: str) -> None:
        self._check_fitted()
        if getattr(self, "mode_", "windows") != mode:
            have, need = ("fit(y, period)", "fit(windows)") if mode == "windows" else ("fit(windows)",
                                                                                      "fit(y, period)")
            raise ArgumentError(f"This ArimaForecaster was fitted with {have}; call {need} first for this kind "
                                "of forecast.")

    def forecast(self, h: int, levels=()):
        """Steps 1..h past the end of the series given to ``fit(y, period)``: ``mean`` and, per level,
        ``lower_80``/``upper_80``... (normal, the exact h-step variance; sigma2 as in the class
        docstring)."""
        from pybbdl.models.auto_arima import results_forecast

        self._check_mode("series")
        # the search's estimates: exactly statsmodels' (and AutoArima's) intervals; else R's sigma2
        scale = None if self.estimates_ == "search" else (lambda: self._sigma2_correction(self.results_))
        return results_forecast(self.results_, self.y_, h, levels, scale)

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
        self._check_mode("windows")
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
        the intervals use R's (the ratio ``n* / (n* - k)``) for statsmodels' estimates; the search's
        estimates keep their ML sigma2, as R's ``auto.arima`` (ratio 1)."""
        if getattr(self, "estimates_", "statsmodels") == "search" and res is self.results_:
            return 1.0
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
    # the series-level auto ARIMA (pybbdl.models.auto_arima.AutoArima), imported when asked for
    if name == "AutoArima":
        from pybbdl.models.auto_arima import AutoArima

        return AutoArima
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
