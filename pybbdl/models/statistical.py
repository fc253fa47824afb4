"""Statistical baselines of the macro-forecasting literature, with their own prediction intervals.

Every class here follows **both** contracts:

* the windowed one (:mod:`pybbdl.models.base`): ``fit(windows)`` on the training part of the
  target, ``predict(windows, part)`` = the ``windows.horizon``-step forecast from every origin of
  the part, and ``predict_interval(windows, part, levels)``;
* the series-level one (:mod:`pybbdl.models.series`): ``fit(y, period)`` on a whole series,
  ``forecast(h, levels)`` = steps 1..h past its end with intervals.

``fit`` tells the two apart by its argument (a :class:`~pybbdl.windows.Windows` or a 1-d array).

Windowed forecasts are cheap: the parameters are estimated **once** on the training part; the
model is then run through the series with those parameters fixed (a filter: exponential
smoothing recursions, lagged values), and the forecast from origin ``e`` uses the rows up to
``e`` only. No model is re-estimated per origin.

Models (the names in :data:`pybbdl.models.MODEL_SPECS`):

* ``ets`` -- :class:`EtsForecaster`, exponential smoothing chosen by AICc over the model space
  of R's ``forecast::ets`` (statsmodels ``ETSModel``);
* ``theta`` -- :class:`ThetaForecaster`, the Theta method (statsmodels ``ThetaModel``);
* ``ar`` / ``ar_direct`` -- :class:`ArForecaster`, AR(p) with p by BIC, iterated or direct;
* ``rw_mean`` -- :class:`RandomWalkMeanForecaster`, the random walk on the mean of the last k
  periods (Atkeson and Ohanian 2001);
* ``var`` -- :class:`VarForecaster`, a VAR on all the windows' columns (windowed only);
* ``combo_mean``, ``combo_median``, ``combo_inverse_mse`` -- :class:`CombinationForecaster`.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd

from pybbdl._validation import check_positive_int
from pybbdl.exceptions import ArgumentError, ArgumentTypeError, DataError, ModelFitError
from pybbdl.models.base import BaseForecaster
from pybbdl.models.series import check_levels, forecast_frame, index_period
from pybbdl.windows import Windows


# --------------------------------------------------------------------------------------------
# shared helpers
# --------------------------------------------------------------------------------------------
def _normal_quantile(level: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(0.5 + level / 2))


def check_series(y, model: str, min_length: int) -> np.ndarray:
    """``y`` as a finite 1-d float array of at least `min_length` values (DataError naming `model`)."""
    try:
        arr = np.asarray(y, dtype=float)
    except (TypeError, ValueError):
        raise ArgumentTypeError(f"`y` must be a 1-d array of numbers. Received: {type(y).__name__}") from None
    if arr.ndim != 1:
        raise DataError(f"`y` must be a 1-d series. Received: an array of shape {arr.shape}")
    bad = np.flatnonzero(~np.isfinite(arr))
    if len(bad):
        raise DataError(f"`y` must hold no NaN or infinite values. Received: {len(bad)} at position(s) "
                        f"{bad[:3].tolist()}")
    if len(arr) < min_length:
        raise DataError(f"{model} needs a series of at least {min_length} values. Received: {len(arr)}")
    return arr


def _check_period(period) -> int:
    if period is None:
        return 1
    return check_positive_int("period", period)


def _index_period(windows: Windows) -> int:
    """Seasonal period from the index frequency: 4 for quarters, 12 for months, else 1
    (:func:`pybbdl.models.series.index_period`, the one rule)."""
    return index_period(windows)


class _Dual(BaseForecaster):
    """Shared machinery: ``fit`` dispatches on its argument; training ranges; level checks."""

    #: Short model name used in messages.
    label = "model"

    def fit(self, data, period=None):
        """``fit(windows)`` (windowed contract) or ``fit(y, period)`` (series contract); returns self."""
        began = time.perf_counter()
        self.notes_ = []
        if isinstance(data, Windows):
            start, stop = data.bounds["train"]
            max_train = getattr(self, "max_train", None)
            if max_train is not None:
                start = max(start, stop - check_positive_int("max_train", max_train, minimum=2))
            self.mode_ = "windows"
            self.train_start_ = start
            self.horizon_ = data.horizon
            self._fit_windows(data, start, stop)
        else:
            if isinstance(data, (pd.DataFrame,)) or (hasattr(data, "ndim") and getattr(data, "ndim", 1) > 1):
                raise ArgumentTypeError(f"{type(self).__name__}.fit takes a pybbdl Windows or a 1-d series. "
                                        f"Received: {type(data).__name__}")
            self.mode_ = "series"
            self.period_ = _check_period(period)
            self._fit_series(np.asarray(data, dtype=float) if not isinstance(data, pd.Series)
                             else data.to_numpy(dtype=float))
        self.fit_seconds_ = time.perf_counter() - began
        self.fitted_ = True
        return self

    def _check_mode(self, mode: str) -> None:
        self._check_fitted()
        if self.mode_ != mode:
            other = "fit(windows)" if mode == "windows" else "fit(y, period)"
            raise ArgumentError(f"This {type(self).__name__} was fitted with "
                                f"{'fit(y, period)' if mode == 'windows' else 'fit(windows)'}; call {other} "
                                "first for this kind of forecast.")

    def _origins(self, windows: Windows, part: str) -> np.ndarray:
        """0-based rows of the last observation before each target of the part (checked)."""
        self._check_mode("windows")
        windows = self._check_windows(windows)
        if windows.horizon != self.horizon_:
            raise ArgumentError(f"`windows` has horizon {windows.horizon}, but the {self.label} was fitted with "
                                f"horizon {self.horizon_}. Refit on these windows.")
        origins = windows.target_positions(part) - windows.horizon
        if origins.min() < self.train_start_:
            raise DataError(f"The {part} part has origins before the {self.label}'s first training row "
                            f"{self.train_start_}; its forecasts need the past.")
        return origins

    def predict(self, windows: Windows, part: str) -> np.ndarray:
        """The ``windows.horizon``-step forecast from every origin of the part, original units,
        with the parameters estimated by ``fit`` (data up to each origin only)."""
        return self._predict_origins(windows, self._origins(windows, part))

    def _iterates(self) -> bool:
        """True when one fit gives every horizon (iterated forecasts); AR's direct method does not."""
        return True

    @property
    def predict_horizons(self):
        """Every horizon of multi-horizon windows from one fit, ``(n_windows, len(horizons))``: the
        ``h``-step forecasts of the model's own recursion from each origin (iterated, as R's
        ``forecast()`` of an ETS/Theta/AR model). Absent (AttributeError) for AR's direct method,
        which :class:`~pybbdl.models.horizons.DirectForecaster` fits once per horizon instead."""
        if not self._iterates():
            raise AttributeError(f"{type(self).__name__}(method='direct') has no predict_horizons: one fit per "
                                 "horizon")
        return self._predict_horizons

    def _predict_horizons(self, windows: Windows, part: str) -> np.ndarray:
        origins = self._origins(windows, part)
        return np.column_stack([self._predict_origins(windows, origins, h) for h in windows.horizons])

    def _interval_dict(self, mean, half_widths: dict) -> dict:
        return {lv: (mean - w, mean + w) for lv, w in half_widths.items()}

    def forecast(self, h: int, levels=()) -> pd.DataFrame:
        """Steps 1..h past the end of the series given to ``fit(y, period)``, with intervals."""
        self._check_mode("series")
        h = check_positive_int("h", h)
        levels = check_levels(levels)
        mean, intervals = self._forecast_series(h, levels)
        return forecast_frame(mean, intervals, levels)

    def predict_interval(self, windows: Windows, part: str, levels=(0.8, 0.95)) -> dict:
        """``{level: (lower, upper)}``, one value per window of the part, original units."""
        levels = check_levels(levels)
        if not levels:
            raise ArgumentError("`levels` must name at least one level in (0, 1). Received: none")
        origins = self._origins(windows, part)
        return self._intervals_windows(windows, origins, levels)

    @property
    def predict_interval_horizons(self):
        """``{level: (lower, upper)}``, each ``(n_windows, len(windows.horizons))``: the model's own
        intervals at every horizon of the windows from one fit (the ``h``-step variance at each
        ``h``, as R's ``forecast(fit, h = H)``), around :meth:`predict_horizons`. Absent
        (AttributeError) for AR's direct method, like :attr:`predict_horizons`."""
        if not self._iterates():
            raise AttributeError(f"{type(self).__name__}(method='direct') has no predict_interval_horizons: one fit "
                                 "per horizon")
        return self._predict_interval_horizons

    def _predict_interval_horizons(self, windows: Windows, part: str, levels=(0.8, 0.95)) -> dict:
        levels = check_levels(levels)
        if not levels:
            raise ArgumentError("`levels` must name at least one level in (0, 1). Received: none")
        origins = self._origins(windows, part)
        per_h = [self._intervals_windows(windows, origins, levels, h) for h in windows.horizons]
        return {lv: (np.column_stack([np.asarray(p[lv][0], dtype=float) for p in per_h]),
                     np.column_stack([np.asarray(p[lv][1], dtype=float) for p in per_h])) for lv in levels}


# --------------------------------------------------------------------------------------------
# ETS
# --------------------------------------------------------------------------------------------
_ERRORS = {"A": "add", "M": "mul"}
_SEASONS = {"N": None, "A": "add", "M": "mul"}


def ets_candidates(spec: str, damped, period: int, n: int, positive: bool, restrict: bool = True) -> list[tuple]:
    """The ``(error, trend, damped, season)`` letters R's ``forecast::ets`` would try.

    As ``ets(model = "ZZZ", allow.multiplicative.trend = FALSE, restrict = TRUE)``: no
    multiplicative trend; no additive error with multiplicative season; no multiplicative
    error or season unless the data are all > 0; no season when ``period`` is 1 or above 24;
    and a model is skipped when ``n <= npars + 4`` (``npars`` as R counts it).
    """
    if not isinstance(spec, str) or len(spec) != 3:
        raise ArgumentError(f'`spec` must be three letters (error, trend, season) as R\'s ets(model = ), e.g. '
                            f'"ZZZ" or "AAN". Received: {spec!r}')
    e, t, s = spec.upper()
    if e not in "AMZ" or t not in "NAZ" or s not in "NAMZ":
        raise ArgumentError(f'`spec` must be error in A/M/Z, trend in N/A/Z (damped via `damped`), season in '
                            f'N/A/M/Z. Received: {spec!r}')
    errors = ["A", "M"] if e == "Z" else [e]
    trends = ["N", "A"] if t == "Z" else [t]
    seasons = ["N", "A", "M"] if s == "Z" else [s]
    if period <= 1 or period > 24:
        if s in "AM":
            raise DataError(f"A seasonal ETS model ({spec!r}) needs a period in 2..24. Received: period={period}")
        seasons = ["N"]
    out = []
    for ee in errors:
        for tt in trends:
            for dd in ([False, True] if damped is None else [bool(damped)]):
                if tt == "N" and dd:
                    continue
                for ss in seasons:
                    if not positive and (ee == "M" or ss == "M"):
                        continue
                    if restrict and ee == "A" and ss == "M":
                        continue
                    npars = 2 + (2 if tt != "N" else 0) + (period if ss != "N" else 0) + int(dd)
                    if n <= npars + 4:
                        continue
                    out.append((ee, tt, dd, ss))
    return out


def _ets_name(e, t, d, s) -> str:
    return f"ETS({e},{t}{'d' if d else ''},{s})"


def _fit_ets(y: np.ndarray, e, t, d, s, period: int, maxiter: int):
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ETSModel(y, error=_ERRORS[e], trend="add" if t == "A" else None, damped_trend=bool(d),
                         seasonal=_SEASONS[s], seasonal_periods=period if s != "N" else None)
        return model.fit(disp=False, maxiter=maxiter)


#: How :class:`EtsForecaster` estimates each candidate: ``"numba"`` (R's ``forecast::ets``
#: likelihood, bounds and Nelder-Mead, compiled; :mod:`pybbdl.models._ets_kernel`), ``"python"``
#: (the same code uncompiled, slow, for checks) or ``"statsmodels"`` (``ETSModel.fit``, L-BFGS-B
#: on statsmodels' own bounds and start: pybbdl's estimator before issue 22).
ETS_ENGINES = ("numba", "python", "statsmodels")
_KERNELS: dict = {}


def _ets_kernel(engine: str):
    if engine not in _KERNELS:
        from pybbdl.models import _ets_kernel as kernel

        _KERNELS[engine] = kernel if engine == "numba" else kernel.python_twin()
    return _KERNELS[engine]


def _smooth_r_fit(y, e, t, d, s, period, fit):
    """statsmodels ``ETSResults`` at R's estimates (``fit`` from ``_ets_kernel.fit_candidate``):
    the same states and one-step errors, so forecasts and intervals run through statsmodels."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ETSModel(y, error=_ERRORS[e], trend="add" if t == "A" else None, damped_trend=bool(d),
                         seasonal=_SEASONS[s], seasonal_periods=period if s != "N" else None)
        x0 = fit["x0"]
        par = [fit["alpha"]] + ([fit["beta"]] if t == "A" else []) + ([fit["gamma"]] if s != "N" else [])
        par += ([fit["phi"]] if d else []) + [x0[0]] + ([x0[1]] if t == "A" else [])
        if s != "N":  # R's s_1 (latest) .. s_m, in statsmodels' order (estimated initial states)
            par += list(x0[2 if t == "A" else 1:])
        return model.smooth(np.asarray(par, dtype=float))


class EtsForecaster(_Dual):
    """Exponential smoothing (ETS) chosen by AICc as R's ``forecast::ets`` (statsmodels ``ETSModel``).

    Args:
        spec: Three letters (error, trend, season) as R's ``ets(model = )``: ``"ZZZ"`` = choose
            each; e.g. ``"AAN"`` fixes Holt's linear trend with additive errors.
        damped: True/False fixes the damping of the trend; None = try both (as R).
        period: Seasonal period for the windowed contract; None = from the index frequency
            (4 for quarterly, 12 for monthly data, else 1 = no season). ``fit(y, period)``
            uses its own argument.
        criterion: ``"aicc"`` (R's default), ``"aic"`` or ``"bic"``, with R's parameter count.
        restrict: As R: no additive error with multiplicative season.
        max_train: Fit on at most the last this many training rows.
        maxiter: Likelihood evaluations of R's Nelder-Mead per candidate (R's ``maxit``, 2000);
            with ``engine="statsmodels"``, iterations of its optimiser.
        simulations: Sample paths for the intervals of multiplicative-season models (seeded
            with `random_state`).
        random_state: Seed of those simulations.
        params: Fixed parameters instead of estimation, by statsmodels' names
            (``smoothing_level``, ``smoothing_trend``, ``damping_trend``, ``initial_level``,
            ``initial_trend``, ...), for a fully specified `spec` and `damped` (as R's
            ``ets(y, model = fit)`` re-uses a fit). R's names ``alpha, beta, gamma, phi, l, b``
            are accepted too (non-seasonal models).
        engine: ``"numba"`` (default), ``"python"`` or ``"statsmodels"``, see :data:`ETS_ENGINES`.

    Estimation is R's (forecast 8.20 ``etsmodel``): its start (``initparam``, ``initstate``),
    likelihood, "both" bounds (usual and admissible) and Nelder-Mead, so the estimates, AICc and
    chosen model equal R's ``ets(y)`` up to rounding (tests/python/test_ets_r.py).
    The model space is R's default one (no multiplicative trend, see :func:`ets_candidates`).
    Multiplicative error or season only when the data are all > 0.

    Intervals: normal, analytic for the additive-error class (``ETS(A,N|A|Ad,N|A)``: variance
    ``sigma2 * (1 + sum_{j<h} c_j^2)``, Hyndman et al. 2008, class 1) and the multiplicative
    error, non-multiplicative-season class (class 2, their recursion for ``theta_h``), with
    ``sigma2 = SSE / (n - npars)`` as R. These equal R's ``forecast(ets(...))`` on the same
    model and parameters. For multiplicative seasons (class 3) the mean and variance are R's
    ``class3`` formulas (as R, its damped-trend mean is ``l + b`` at h = 1). With
    ``engine="statsmodels"`` (whose multiplicative season is the Holt-Winters form, not R's),
    `simulations` sample paths from each origin give the class-3 intervals.

    Attributes:
        results_: statsmodels ``ETSResults`` of the chosen model (at R's estimates; for a
            multiplicative season statsmodels' recursion differs from R's, which the forecasts use).
        fit_: R's estimates (``alpha, beta, gamma, phi``, initial states ``x0`` as R's
            ``l, b, s_1..s_m``, ``lik``), None with ``engine="statsmodels"``.
        spec_: ``(error, trend, damped, season)`` letters; ``search_``: one row per candidate.
        sigma2_: Residual variance as R's ``ets`` (``SSE / (n - npars)``).
    """

    #: ETS nests the random walk (ETS(A,N,N) with alpha = 1; the other forms reduce to it with the
    #: remaining smoothing parameters and initial trend/season at zero): Clark-West, not DM, against naive.
    nests = ("naive",)

    label = "ETS"

    def __init__(self, spec: str = "ZZZ", damped: bool | None = None, period: int | None = None,
                 criterion: str = "aicc", restrict: bool = True, max_train: int | None = None,
                 maxiter: int = 2000, simulations: int = 1000, random_state: int | None = 0,
                 params: dict | None = None, engine: str = "numba"):
        self.spec = spec
        self.engine = engine
        self.damped = damped
        self.period = period
        self.criterion = criterion
        self.restrict = restrict
        self.max_train = max_train
        self.maxiter = maxiter
        self.simulations = simulations
        self.random_state = random_state
        self.params = params

    # -- fitting ---------------------------------------------------------------------------
    def _fit_windows(self, windows, start, stop):
        period = _check_period(self.period) if self.period is not None else _index_period(windows)
        self.period_ = period
        self._select(windows.values[start:stop, 0])

    def _fit_series(self, y):
        self._select(y)

    def _select(self, y):
        if self.criterion not in ("aicc", "aic", "bic"):
            raise ArgumentError(f'`criterion` must be "aicc", "aic" or "bic". Received: {self.criterion!r}')
        engine = self.engine
        if not isinstance(engine, str) or engine not in ETS_ENGINES:
            raise ArgumentError(f'`engine` must be one of {", ".join(map(repr, ETS_ENGINES))}. Received: {engine!r}')
        y = check_series(y, "ETS", 7)
        period = self.period_
        cands = ets_candidates(self.spec, self.damped, period, len(y), bool(np.min(y) > 0), self.restrict)
        if not cands:
            raise DataError(f"ETS({self.spec}) has no model that can be fitted to {len(y)} values "
                            f"(R's rule: more than npars + 4 values; a seasonal model with period {period} needs "
                            f"at least {period + 7} values, Holt's trend 9). Received: {len(y)} values")
        rows, best = [], None
        n = len(y)
        if self.params is not None:
            if len(cands) != 1:
                raise ArgumentError(f"`params` fixes the parameters of one model: give `spec` without Z and "
                                    f"`damped`. Received: spec={self.spec!r}, damped={self.damped!r}")
            self._fixed(y, *ets_candidates(self.spec, self.damped, period, len(y), bool(np.min(y) > 0),
                                           self.restrict)[0])
            return
        maxiter = check_positive_int("maxiter", self.maxiter)
        kernel = _ets_kernel(engine) if engine != "statsmodels" else None
        for e, t, d, s in cands:
            name = _ets_name(e, t, d, s)
            k = _r_npars(t, d, s, period)
            try:
                if kernel is not None:
                    fit = kernel.fit_candidate(y, e, t, d, s, period, maxiter)
                    if fit is None:
                        raise ModelFitError("R's ets gives no fit (too few values or no finite likelihood at "
                                            "its start)")
                    score, res = fit[self.criterion], fit
                else:
                    res = _fit_ets(y, e, t, d, s, period, maxiter)
                    llf = float(res.llf)
                    aic = -2 * llf + 2 * k
                    score = {"aic": aic, "aicc": aic + 2 * k * (k + 1) / (n - k - 1) if n - k - 1 > 0 else np.inf,
                             "bic": -2 * llf + np.log(n) * k}[self.criterion]
                if not np.isfinite(score):
                    raise ModelFitError(f"{self.criterion} is not finite")
            except Exception as err:  # noqa: BLE001 - recorded in search_, the other candidates go on
                rows.append({"model": name, self.criterion: np.nan, "error": f"{type(err).__name__}: {err}"})
                continue
            rows.append({"model": name, self.criterion: score, "error": ""})
            if best is None or score < best[0]:
                best = (score, res, (e, t, d, s), k)
        self.search_ = pd.DataFrame(rows)
        if best is None:
            raise ModelFitError("No ETS model could be fitted: " + "; ".join(sorted(set(self.search_["error"])))[:500])
        _, res, self.spec_, k = best
        self.fit_ = None
        if isinstance(res, dict):  # R's estimates; states and forecasts by R's recursion (the kernel)
            self.fit_ = {key: float(res[key]) for key in ("alpha", "beta", "gamma", "phi", "lik")}
            self.fit_["x0"] = tuple(float(v) for v in res["x0"])
            resid = np.asarray(res["e"], dtype=float)
            res = _smooth_r_fit(y, *self.spec_, period, res)
        else:
            resid = np.asarray(res.resid, dtype=float)
        self.results_ = res
        # as R's ets: sigma2 = SSE / (n - length(par)), par = smoothing parameters and initial states
        self.sigma2_ = float(np.sum(resid**2) / (n - (k - 1)))
        self.n_params_ = k
        self.y_ = y

    _R_NAMES = {"alpha": "smoothing_level", "beta": "smoothing_trend", "gamma": "smoothing_seasonal",
                "phi": "damping_trend", "l": "initial_level", "b": "initial_trend"}

    def _fixed(self, y, e, t, d, s):
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = ETSModel(y, error=_ERRORS[e], trend="add" if t == "A" else None, damped_trend=bool(d),
                             seasonal=_SEASONS[s], seasonal_periods=self.period_ if s != "N" else None)
        given = {self._R_NAMES.get(k, k): float(v) for k, v in dict(self.params).items()}
        names = list(model.param_names)
        if sorted(given) != sorted(names):
            raise ArgumentError(f"`params` must give exactly {names} for {_ets_name(e, t, d, s)}. "
                                f"Received: {sorted(dict(self.params))}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.results_ = model.smooth(np.array([given[k] for k in names]))
        k = _r_npars(t, d, s, self.period_)
        self.spec_, self.n_params_, self.y_, self.fit_ = (e, t, d, s), k, y, None
        resid = np.asarray(self.results_.resid, dtype=float)
        if self.engine != "statsmodels":  # R's recursion (the same as statsmodels' but for multiplicative seasons)
            x0 = [given["initial_level"]] + ([given["initial_trend"]] if t == "A" else [])
            x0 += [given[f"initial_seasonal.{i}"] for i in range(self.period_)] if s != "N" else []
            self.fit_ = {"alpha": given["smoothing_level"], "beta": given.get("smoothing_trend", 0.0),
                         "gamma": given.get("smoothing_seasonal", 0.0), "phi": given.get("damping_trend", 1.0),
                         "x0": tuple(float(v) for v in x0), "lik": np.nan}
            resid = self._r_resid(y)
        self.sigma2_ = float(np.sum(resid**2) / (len(y) - (k - 1)))
        self.search_ = pd.DataFrame([{"model": _ets_name(e, t, d, s), self.criterion: np.nan, "error": "fixed"}])

    # -- forecasting -----------------------------------------------------------------------
    def _states(self, series: np.ndarray):
        """Smoothed internal states (n, 2 + m) of the fitted model run through `series`."""
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        if getattr(self, "fit_", None) is not None:
            return None, None, self._r_states(series)
        res = self.results_
        e, t, d, s = self.spec_
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = ETSModel(series, error=_ERRORS[e], trend="add" if t == "A" else None, damped_trend=bool(d),
                             seasonal=_SEASONS[s], seasonal_periods=self.period_ if s != "N" else None)
            model.initialization_method = res.model.initialization_method
            smoothed = model.smooth(np.asarray(res.params))
        return model, smoothed, model._get_internal_states(smoothed.states, np.asarray(res.params))

    def _r_states(self, series: np.ndarray) -> np.ndarray:
        """R's states after each value of `series` from the estimated initial states, in
        statsmodels' internal layout (n, 2 + m): ``l, b (0 without trend), s_t .. s_{t-m+1}``."""
        e, t, d, s = self.spec_
        fit = self.fit_
        kernel = _ets_kernel("python" if self.engine == "python" else "numba")
        m = self.period_ if s != "N" else 1
        series = np.ascontiguousarray(series, dtype=float)
        states = np.zeros((len(series) + 1, len(fit["x0"])))
        kernel.etscalc(series, m, np.asarray(fit["x0"], dtype=float), 1 if e == "A" else 2, int(t == "A"),
                       {"N": 0, "A": 1, "M": 2}[s], fit["alpha"], fit["beta"], fit["gamma"], fit["phi"],
                       np.zeros(len(series)), states)
        out = np.zeros((len(series), 2 + m))
        out[:, 0] = states[1:, 0]
        if t == "A":
            out[:, 1] = states[1:, 1]
        if s != "N":
            out[:, 2:] = states[1:, 1 + (t == "A"):]
        return out

    def _r_resid(self, y: np.ndarray) -> np.ndarray:
        """R's one-step errors (relative for multiplicative errors) of the fixed model on `y`."""
        e, t, d, s = self.spec_
        fit = self.fit_
        kernel = _ets_kernel("python" if self.engine == "python" else "numba")
        out = np.zeros(len(y))
        kernel.etscalc(np.ascontiguousarray(y, dtype=float), self.period_ if s != "N" else 1,
                       np.asarray(fit["x0"], dtype=float), 1 if e == "A" else 2, int(t == "A"),
                       {"N": 0, "A": 1, "M": 2}[s], fit["alpha"], fit["beta"], fit["gamma"], fit["phi"], out,
                       np.zeros((0, 0)))
        return out

    def _r_paths(self, state: np.ndarray, h: int) -> np.ndarray:
        """(h, simulations) sample paths from one row of internal states, by R's recursion
        (``simulate.ets``: normal errors with R's sigma2, relative for multiplicative errors)."""
        e, t, d, s = self.spec_
        alpha, beta, gamma, phi = self._params()
        eps = self._errors(h)
        reps = eps.shape[1]
        m = self.period_ if s != "N" else 1
        lvl, b = np.full(reps, state[0]), np.full(reps, state[1])
        seas = np.tile(np.asarray(state[2:2 + m], dtype=float), (reps, 1))
        out = np.empty((h, reps))
        for i in range(h):
            q = lvl + phi * b if t == "A" else lvl
            last = seas[:, m - 1] if s != "N" else 0.0
            f = q + last if s == "A" else (q * last if s == "M" else q)
            y = f * (1 + eps[i]) if e == "M" else f + eps[i]
            out[i] = y
            p = y - last if s == "A" else (y / last if s == "M" else y)
            new = q + alpha * (p - q)
            if t == "A":
                b = phi * b + (beta / alpha) * ((new - lvl) - phi * b)
            if s != "N":
                target = y - q if s == "A" else y / q
                seas = np.column_stack([last + gamma * (target - last), seas[:, :m - 1]])
            lvl = new
        return out

    def _params(self):
        e, t, d, s = self.spec_
        if getattr(self, "fit_", None) is not None:
            f = self.fit_
            return f["alpha"], f["beta"] if t == "A" else 0.0, f["gamma"] if s != "N" else 0.0, f["phi"] if d else 1.0
        res = self.results_
        alpha = float(res.smoothing_level)
        beta = float(res.smoothing_trend) if t == "A" else 0.0
        gamma = float(res.smoothing_seasonal) if s != "N" else 0.0
        phi = float(res.damping_trend) if d else 1.0
        return alpha, beta, gamma, phi

    def _class3(self, state: np.ndarray, h: int) -> tuple[float, float]:
        """R's ``class3`` (forecast 8.20) for multiplicative error and season: the h-step mean and
        variance from one row of internal states (its mean of a damped trend is ``l + b``, not
        ``l + phi b``, at h = 1, as R's)."""
        _, t, d, s = self.spec_
        alpha, beta, gamma, phi = self._params()
        m = self.period_
        k = 1 + (t == "A")
        h1 = np.ones((1, k))
        h2 = np.zeros((1, m))
        h2[0, m - 1] = 1.0
        if t == "N":
            f1, g1 = np.array([[1.0]]), np.array([[alpha]])
        else:
            f1 = np.array([[1.0, 1.0], [0.0, phi]])
            g1 = np.array([[alpha, alpha], [beta, beta]])
        f2 = np.zeros((m, m))
        f2[0, m - 1] = 1.0
        f2[1:, :m - 1] = np.eye(m - 1)
        g2 = np.zeros((m, m))
        g2[0, m - 1] = gamma
        lb = np.array([state[0]] + ([state[1]] if t == "A" else []))
        mh = np.outer(lb, state[2:2 + m])
        vh = np.zeros((mh.size, mh.size))
        h21, f21, g21 = np.kron(h2, h1), np.kron(f2, f1), np.kron(g2, g1)
        kk = np.kron(g2, f1) + np.kron(f2, g1)
        sigma2 = self.sigma2_
        mu = var = 0.0
        for _ in range(h):
            mu = float((h1 @ mh @ h2.T)[0, 0])
            var = float((1 + sigma2) * (h21 @ vh @ h21.T)[0, 0] + sigma2 * mu**2)
            vec = mh.reshape(-1, order="F")[:, None]
            vv = vec @ vec.T
            vh = (f21 @ vh @ f21.T + sigma2 * (f21 @ vh @ g21.T + g21 @ vh @ f21.T + kk @ (vh + vv) @ kk.T
                                               + sigma2 * g21 @ (3 * vh + 2 * vv) @ g21.T))
            mh = f1 @ mh @ f2.T + g1 @ mh @ g2.T * sigma2
        return mu, var

    def _means(self, states: np.ndarray, h: int) -> np.ndarray:
        """h-step point forecasts from rows of internal states ``[l, b, s_t, ..., s_{t-m+1}]``."""
        e, t, d, s = self.spec_
        if s == "M" and getattr(self, "fit_", None) is not None:  # R's class-3 mean
            return np.array([self._class3(row, h)[0] for row in states])
        _, _, _, phi = self._params()
        phi_h = 0.0 if t == "N" else (float(np.sum(phi ** np.arange(1, h + 1))) if d else float(h))
        base = states[:, 0] + phi_h * states[:, 1]
        if s == "N":
            return base
        m = self.period_
        j = m * int(np.ceil(h / m)) - h  # s_{t+h-m*ceil(h/m)} = internal column 2 + j
        season = states[:, 2 + j]
        return base + season if s == "A" else base * season

    def _c(self, h: int) -> np.ndarray:
        """Class-1/2 coefficients c_1..c_{h-1}: alpha + beta*phi_j + gamma*[j mod m == 0]."""
        alpha, beta, gamma, phi = self._params()
        _, t, d, s = self.spec_
        j = np.arange(1, h)
        phi_j = np.cumsum(phi ** np.arange(1, h)) if d else j.astype(float)
        c = alpha + np.zeros(h - 1) + (beta * phi_j if t == "A" else 0.0)
        if s != "N":
            c = c + gamma * (j % self.period_ == 0)
        return np.asarray(c, dtype=float)

    def _variances(self, states: np.ndarray, h: int) -> np.ndarray | None:
        """Analytic h-step forecast variances per row (classes 1 and 2); None for class 3."""
        e, t, d, s = self.spec_
        sigma2 = self.sigma2_
        if e == "A" and s != "M":
            c = self._c(h)
            return np.full(len(states), sigma2 * (1 + np.sum(c**2)))
        if s == "M" and getattr(self, "fit_", None) is not None:  # R's class 3
            return np.array([self._class3(row, h)[1] for row in states])
        if e == "M" and s != "M":
            # class 2: theta_1 = mu_1^2, theta_h = mu_h^2 + sigma2 * sum_{j=1}^{h-1} c_j^2 theta_{h-j}
            c = self._c(h)
            mus = np.stack([self._means(states, i) for i in range(1, h + 1)])  # (h, n)
            theta = np.empty_like(mus)
            for i in range(h):
                theta[i] = mus[i] ** 2 + sigma2 * sum(c[j - 1] ** 2 * theta[i - j] for j in range(1, i + 1))
            return (1 + sigma2) * theta[h - 1] - mus[h - 1] ** 2
        return None

    def _predict_origins(self, windows, origins, h=None):
        series = windows.values[self.train_start_:origins.max() + 1, 0]
        _, _, states = self._states(series)
        return self._means(states[origins - self.train_start_], windows.horizon if h is None else h)

    def _reps(self) -> int:
        return check_positive_int("simulations", self.simulations, minimum=10)

    def _errors(self, h: int) -> np.ndarray:
        """Normal errors with R's sigma2 (relative errors for multiplicative-error models), seeded."""
        rng = np.random.default_rng(self.random_state)
        return rng.normal(0.0, np.sqrt(self.sigma2_), size=(h, self._reps()))

    def _simulated(self, series_or_model, anchors, h, levels):
        """Quantiles of simulated paths from each anchor (class 3)."""
        res = series_or_model
        out = {lv: (np.empty(len(anchors)), np.empty(len(anchors))) for lv in levels}
        for i, a in enumerate(anchors):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sims = np.asarray(res.simulate(h, anchor=int(a),  # the first simulated value is a + 1
                                               repetitions=self._reps(),
                                               random_errors=self._errors(h)))[h - 1]
            for lv in levels:
                out[lv][0][i], out[lv][1][i] = np.quantile(sims, [0.5 - lv / 2, 0.5 + lv / 2])
        return out

    def _intervals_windows(self, windows, origins, levels, h=None):
        series = windows.values[self.train_start_:origins.max() + 1, 0]
        model, smoothed, states = self._states(series)
        rows = origins - self.train_start_
        h = windows.horizon if h is None else h
        mean = self._means(states[rows], h)
        var = self._variances(states[rows], h)
        if var is None and self.fit_ is not None:
            out = {lv: (np.empty(len(rows)), np.empty(len(rows))) for lv in levels}
            for i, r in enumerate(rows):
                sims = self._r_paths(states[r], h)[h - 1]
                for lv in levels:
                    out[lv][0][i], out[lv][1][i] = np.quantile(sims, [0.5 - lv / 2, 0.5 + lv / 2])
            return out
        if var is None:
            return self._simulated(smoothed, rows, h, levels)
        sd = np.sqrt(var)
        return self._interval_dict(mean, {lv: _normal_quantile(lv) * sd for lv in levels})

    def _forecast_series(self, h, levels):
        _, _, states = self._states(self.y_)
        last = states[-1:]
        mean = np.array([self._means(last, i)[0] for i in range(1, h + 1)])
        if not levels:
            return mean, {}
        if self._variances(last, 1) is None:
            res = self.results_
            if self.fit_ is not None:
                sims = self._r_paths(last[0], h)
            else:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    sims = np.asarray(res.simulate(h, anchor="end", repetitions=self._reps(),
                                                   random_errors=self._errors(h)))
            return mean, {lv: (np.quantile(sims, 0.5 - lv / 2, axis=1), np.quantile(sims, 0.5 + lv / 2, axis=1))
                          for lv in levels}
        sd = np.sqrt(np.array([self._variances(last, i)[0] for i in range(1, h + 1)]))
        return mean, {lv: (mean - _normal_quantile(lv) * sd, mean + _normal_quantile(lv) * sd) for lv in levels}

    def describe(self) -> str:
        """E.g. ``ETS(A,Ad,N)`` (with the period when seasonal)."""
        self._check_fitted()
        e, t, d, s = self.spec_
        return _ets_name(e, t, d, s) + (f"[{self.period_}]" if s != "N" else "")


def _r_npars(t, d, s, period: int) -> int:
    """R's ``length(fit$par) + 1`` for ETS: alpha, l0 (+ beta, b0) (+ gamma, m - 1 seasonal
    states) (+ phi) + sigma."""
    return 2 + (2 if t != "N" else 0) + (period if s != "N" else 0) + int(d) + 1


# --------------------------------------------------------------------------------------------
# Theta
# --------------------------------------------------------------------------------------------
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

    def _intervals_windows(self, windows, origins, levels, h=None):
        h = windows.horizon if h is None else h
        mean = self._predict_origins(windows, origins, h)
        sd = self._sd(h)
        return self._interval_dict(mean, {lv: _normal_quantile(lv) * sd for lv in levels})

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


# --------------------------------------------------------------------------------------------
# AR(p) by BIC, iterated and direct
# --------------------------------------------------------------------------------------------
def _lagged(y: np.ndarray, p: int, h: int, first: int) -> tuple[np.ndarray, np.ndarray]:
    """Regressors ``[1, y_t, ..., y_{t-p+1}]`` and targets ``y_{t+h}`` for ``t = first .. n-1-h``."""
    t = np.arange(first, len(y) - h)
    X = np.column_stack([np.ones(len(t))] + [y[t - i] for i in range(p)])
    return X, y[t + h]


def _ols(X, z):
    coef, *_ = np.linalg.lstsq(X, z, rcond=None)
    resid = z - X @ coef
    return coef, float(resid @ resid), resid


def fit_ar_by_bic(y: np.ndarray, max_p: int, h: int = 1, criterion: str = "bic") -> dict:
    """OLS of ``y[t+h]`` on a constant and ``p`` lags, ``p <= max_p`` chosen by BIC (or AIC) on the
    common sample (the rows every candidate can use), then re-estimated on all rows its ``p``
    allows. Returns ``{"p", "coef", "sigma2", "scores", "nobs"}`` (``sigma2 = SSE / (N - p - 1)``)."""
    n = len(y)
    P = max_p
    while P > 0 and (n - h - max(P - 1, 0)) < 2 * (P + 1) + 3:
        P -= 1
    first = max(P - 1, 0)
    scores = {}
    for p in range(P + 1):
        X, z = _lagged(y, p, h, first)
        N = len(z)
        _, sse, _ = _ols(X, z)
        penalty = np.log(N) if criterion == "bic" else 2.0
        scores[p] = N * np.log(max(sse, 1e-300) / N) + (p + 1) * penalty
    p = min(scores, key=scores.get)
    X, z = _lagged(y, p, h, max(p - 1, 0))
    coef, sse, _ = _ols(X, z)
    return {"p": p, "coef": coef, "sigma2": sse / max(len(z) - p - 1, 1), "scores": scores, "nobs": len(z),
            "max_p_used": P}


def _psi_weights(phi: np.ndarray, h: int) -> np.ndarray:
    psi = np.zeros(h)
    psi[0] = 1.0
    for j in range(1, h):
        psi[j] = sum(phi[i - 1] * psi[j - i] for i in range(1, min(j, len(phi)) + 1))
    return psi


class ArForecaster(_Dual):
    """AR(p) on the target with ``p <= max_lags`` chosen by BIC, OLS with a constant.

    Args:
        max_lags: Largest lag order p tried (lowered when the series is short, so that every
            candidate keeps at least ``2 (p + 1) + 3`` observations).
        method: ``"iterated"``: one AR fitted to one-step changes, iterated to the horizon;
            ``"direct"``: ``y[t+h]`` regressed on ``y[t], ..., y[t-p+1]`` for the horizon itself
            (``p`` chosen by BIC for that regression; the series contract runs one regression
            per step 1..h).
        criterion: ``"bic"`` or ``"aic"``.
        max_train: Fit on at most the last this many training rows.

    Intervals (normal): iterated = analytic, ``sigma2 * sum_{j<h} psi_j^2`` (MA(inf) weights of
    the fitted AR, parameter uncertainty ignored, as R's ``forecast(ar(...))``); direct =
    normal with the standard deviation of the direct regression's residuals
    (``SSE / (N - p - 1)``).

    Attributes:
        p_, coef_ (constant first), sigma2_, scores_ (``{p: BIC}``).
    """

    #: AR(p) on levels nests the random walk (phi_1 = 1, the rest and the constant 0; for the direct
    #: regression, y[t+h] on y[t] with slope 1): Clark-West, not DM, against naive.
    nests = ("naive",)

    label = "AR"

    def __init__(self, max_lags: int = 8, method: str = "iterated", criterion: str = "bic",
                 max_train: int | None = None):
        self.max_lags = max_lags
        self.method = method
        self.criterion = criterion
        self.max_train = max_train

    def _check(self):
        if self.method not in ("iterated", "direct"):
            raise ArgumentError(f'`method` must be "iterated" or "direct". Received: {self.method!r}')
        if self.criterion not in ("bic", "aic"):
            raise ArgumentError(f'`criterion` must be "bic" or "aic". Received: {self.criterion!r}')
        return check_positive_int("max_lags", self.max_lags, minimum=0)

    def _estimate(self, y, h):
        max_p = self._check()
        name = "AR" if self.method == "iterated" else f"Direct AR (h={h})"
        y = check_series(y, name, h + 5)
        fit = fit_ar_by_bic(y, max_p, h, self.criterion)
        return fit

    def _store(self, fit):
        self.p_, self.coef_, self.sigma2_, self.scores_ = fit["p"], fit["coef"], fit["sigma2"], fit["scores"]
        self.n_params_ = self.p_ + 2

    def _fit_windows(self, windows, start, stop):
        h = windows.horizon if self.method == "direct" else 1
        self._store(self._estimate(windows.values[start:stop, 0], h))

    def _fit_series(self, y):
        self._store(self._estimate(y, 1))
        self.y_ = check_series(y, "AR", 6)

    def _lags_at(self, y: np.ndarray, origins: np.ndarray, p: int) -> np.ndarray:
        if p and origins.min() - p + 1 < 0:
            raise DataError(f"AR({p}) needs {p} values up to each origin; the first origin is row {origins.min()}.")
        return np.column_stack([y[origins - i] for i in range(p)]) if p else np.empty((len(origins), 0))

    def _iterate(self, lags: np.ndarray, h: int) -> np.ndarray:
        """Forecasts for steps 1..h (h, n) from lag rows (newest first)."""
        c, phi = self.coef_[0], self.coef_[1:]
        out = np.empty((h, len(lags)))
        L = lags.copy()
        for j in range(h):
            f = c + L @ phi
            out[j] = f
            if L.shape[1]:
                L = np.column_stack([f, L[:, :-1]])
        return out

    def _iterates(self) -> bool:
        return self.method == "iterated"

    def _predict_origins(self, windows, origins, h=None):
        y = windows.values[:, 0]
        X = self._lags_at(y, origins, self.p_)
        if self.method == "direct":
            return self.coef_[0] + X @ self.coef_[1:]
        return self._iterate(X, windows.horizon if h is None else h)[-1]

    def _sd(self, h):
        if self.method == "direct":
            return float(np.sqrt(self.sigma2_))
        psi = _psi_weights(self.coef_[1:], h)
        return float(np.sqrt(self.sigma2_ * np.sum(psi**2)))

    def _intervals_windows(self, windows, origins, levels, h=None):
        h = windows.horizon if h is None else h
        mean = self._predict_origins(windows, origins, h)
        sd = self._sd(h)
        return self._interval_dict(mean, {lv: _normal_quantile(lv) * sd for lv in levels})

    def _forecast_series(self, h, levels):
        y = self.y_
        if self.method == "iterated":
            mean = self._iterate(self._lags_at(y, np.array([len(y) - 1]), self.p_), h)[:, 0]
            sd = np.array([self._sd(i) for i in range(1, h + 1)])
        else:
            check_series(y, f"Direct AR (h={h})", h + 5)
            mean, sd = np.empty(h), np.empty(h)
            for s in range(1, h + 1):
                fit = fit_ar_by_bic(y, self._check(), s, self.criterion)
                x = np.concatenate([[1.0], y[::-1][:fit["p"]]])
                mean[s - 1], sd[s - 1] = x @ fit["coef"], np.sqrt(fit["sigma2"])
        return mean, {lv: (mean - _normal_quantile(lv) * sd, mean + _normal_quantile(lv) * sd) for lv in levels}

    def describe(self) -> str:
        self._check_fitted()
        return f"AR({self.p_}) by {self.criterion.upper()}, {self.method}"


# --------------------------------------------------------------------------------------------
# random walk on the mean of the last k periods (Atkeson-Ohanian)
# --------------------------------------------------------------------------------------------
def _trailing_means(y: np.ndarray, origins: np.ndarray, k: int) -> np.ndarray:
    csum = np.concatenate([[0.0], np.cumsum(y)])
    return (csum[origins + 1] - csum[origins + 1 - k]) / k


class RandomWalkMeanForecaster(_Dual):
    """Random walk on the mean of the last `k` periods: every horizon's forecast is the average
    of the last `k` observed values (Atkeson and Ohanian 2001: k = 4 quarters of inflation).

    No parameter is estimated. Intervals: normal, with the root mean square of the model's own
    in-sample ``h``-step errors on the training data (zero mean assumed), per horizon.
    """

    label = "RW-mean"

    def __init__(self, k: int = 4):
        self.k = k

    def _errors_sd(self, y: np.ndarray, h: int) -> float:
        k = self.k
        origins = np.arange(k - 1, len(y) - h)
        if len(origins) < 2:
            raise DataError(f"RW-mean (k={k}) needs at least k + h + 1 = {k + h + 1} values for its "
                            f"{h}-step intervals. Received: {len(y)}")
        err = y[origins + h] - _trailing_means(y, origins, k)
        return float(np.sqrt(np.mean(err**2)))

    def _fit_windows(self, windows, start, stop):
        k = check_positive_int("k", self.k)
        y = check_series(windows.values[:stop, 0], f"RW-mean (k={k})", k)
        self.sd_ = self._errors_sd(y, windows.horizon)
        self.train_y_ = y  # the other horizons' error sd (predict_interval_horizons)
        self.n_params_ = 0

    def _fit_series(self, y):
        k = check_positive_int("k", self.k)
        self.y_ = check_series(y, f"RW-mean (k={k})", k)
        self.n_params_ = 0

    def _predict_origins(self, windows, origins, h=None):  # the same forecast at every horizon
        if origins.min() - self.k + 1 < 0:
            raise DataError(f"RW-mean (k={self.k}) needs {self.k} values up to each origin; the first origin "
                            f"is row {origins.min()}.")
        return _trailing_means(windows.values[:, 0], origins, self.k)

    def _intervals_windows(self, windows, origins, levels, h=None):
        mean = self._predict_origins(windows, origins)
        sd = self.sd_ if h is None or h == self.horizon_ else self._errors_sd(self.train_y_, h)
        return self._interval_dict(mean, {lv: _normal_quantile(lv) * sd for lv in levels})

    def _forecast_series(self, h, levels):
        y = self.y_
        mean = np.full(h, y[-self.k:].mean())
        if not levels:
            return mean, {}
        sd = np.array([self._errors_sd(y, s) for s in range(1, h + 1)])
        return mean, {lv: (mean - _normal_quantile(lv) * sd, mean + _normal_quantile(lv) * sd) for lv in levels}

    def describe(self) -> str:
        return f"random walk on the mean of the last {self.k} values"


# --------------------------------------------------------------------------------------------
# VAR
# --------------------------------------------------------------------------------------------
class VarForecaster(_Dual):
    """VAR(p) on all the windows' columns (target first), statsmodels ``VAR``, ``p`` chosen by
    `criterion` up to `max_lags` (at least 1); the target's forecast is reported.

    Windowed contract only (a VAR needs several series). The coefficients are estimated once on
    the training rows; the forecast from each origin iterates the VAR from the values up to it.
    Intervals: normal with the target's entry of statsmodels' forecast MSE matrix
    (``results.mse(h)``, parameter uncertainty ignored).
    """

    #: A VAR nests the random walk of its target (own first lag 1, everything else 0).
    nests = ("naive",)

    label = "VAR"

    def __init__(self, max_lags: int = 4, criterion: str = "bic", max_train: int | None = None):
        self.max_lags = max_lags
        self.criterion = criterion
        self.max_train = max_train

    def _fit_series(self, y):
        raise ArgumentError("VAR forecasts several series at once: use fit(windows) with feature columns; "
                            "the series contract (fit(y, period)) takes one series.")

    def _fit_windows(self, windows, start, stop):
        from statsmodels.tsa.api import VAR

        if self.criterion not in ("bic", "aic", "hqic", "fpe"):
            raise ArgumentError(f'`criterion` must be "bic", "aic", "hqic" or "fpe". Received: {self.criterion!r}')
        Y = windows.values[start:stop]
        if Y.shape[1] < 2:
            raise DataError(f"VAR needs at least 2 columns (the target and a feature). Received: {windows.columns}")
        k = Y.shape[1]
        max_lags = check_positive_int("max_lags", self.max_lags)
        max_lags = min(max_lags, (len(Y) - 1) // (k + 1) - 1)
        if max_lags < 1:
            raise DataError(f"VAR on {k} columns needs at least {3 * (k + 1) + 1} training rows. Received: {len(Y)}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = VAR(Y)
            order = model.select_order(max_lags).selected_orders[self.criterion]
            self.lags_ = max(1, int(order))
            self.results_ = model.fit(self.lags_)
        self.k_ = k
        self.n_params_ = int(self.results_.params.size)

    def _predict_path(self, values, origins, h):
        p, res = self.lags_, self.results_
        if origins.min() - p + 1 < 0:
            raise DataError(f"VAR({p}) needs {p} rows up to each origin; the first origin is row {origins.min()}.")
        hist = [values[origins - i] for i in range(p)]  # newest first, each (n, k)
        c, A = np.asarray(res.intercept), np.asarray(res.coefs)
        for _ in range(h):
            f = c + sum(hist[i] @ A[i].T for i in range(p))
            hist = [f] + hist[:-1]
        return hist[0][:, 0]

    def _predict_origins(self, windows, origins, h=None):
        if windows.values.shape[1] != self.k_:
            raise DataError(f"The VAR was fitted on {self.k_} columns; these windows have {windows.values.shape[1]}.")
        return self._predict_path(windows.values, origins, windows.horizon if h is None else h)

    def _intervals_windows(self, windows, origins, levels, h=None):
        h = windows.horizon if h is None else h
        mean = self._predict_origins(windows, origins, h)
        sd = float(np.sqrt(self.results_.mse(h)[h - 1][0, 0]))
        return self._interval_dict(mean, {lv: _normal_quantile(lv) * sd for lv in levels})

    def describe(self) -> str:
        self._check_fitted()
        return f"VAR({self.lags_}) on {self.k_} series by {self.criterion.upper()}"


# --------------------------------------------------------------------------------------------
# forecast combinations
# --------------------------------------------------------------------------------------------
class CombinationForecaster(BaseForecaster):
    """A combination of other forecasters' point forecasts.

    Args:
        members: Model names of :data:`pybbdl.models.MODEL_SPECS` (with their defaults) or
            unfitted forecaster objects.
        method: ``"mean"``, ``"median"``, or ``"inverse_mse"``: weights proportional to
            ``1 / MSE`` of each member's forecasts on the **validation part** (the members are
            fitted on the training part only, so the weights are out of sample; the test part
            is never used).

    Both contracts: ``fit(windows)``/``predict``; ``fit(y, period)``/``forecast(h)`` for
    ``"mean"`` and ``"median"`` (no validation part there). No ``predict_interval``: the
    evaluation layer gives a combination conformal intervals.

    Attributes:
        members_: ``{name: fitted forecaster}``; weights_: ``{name: weight}`` (sum 1; for
        ``"median"`` NaN).
    """

    def __init__(self, members=("ets", "theta", "ar"), method: str = "mean"):
        self.members = members
        self.method = method

    def _make_members(self) -> dict:
        from pybbdl.models.registry import get_spec

        if self.method not in ("mean", "median", "inverse_mse"):
            raise ArgumentError(f'`method` must be "mean", "median" or "inverse_mse". Received: {self.method!r}')
        if isinstance(self.members, str) or not len(self.members):
            raise ArgumentError(f"`members` must be a list of at least one model name or forecaster. "
                                f"Received: {self.members!r}")
        out = {}
        for m in self.members:
            if isinstance(m, str):
                if m.startswith("combo"):
                    raise ArgumentError(f"`members` must not hold a combination. Received: {m!r}")
                out[m] = get_spec(m, "windows").build("windows")
            else:
                out[f"{type(m).__name__}_{len(out)}"] = m.clone() if hasattr(m, "clone") else m
        return out

    def fit(self, data, period=None):
        began = time.perf_counter()
        self.members_ = self._make_members()
        if isinstance(data, Windows):
            self.mode_ = "windows"
            for model in self.members_.values():
                model.fit(data)
            if self.method == "inverse_mse":
                if "val" not in data.bounds:
                    raise DataError("Inverse-MSE combination weights come from the validation part; these windows "
                                    "have none (split with a validation fraction).")
                actual = data.targets("val", scaled=False)
                mse = np.array([np.mean((np.asarray(m.predict(data, "val")) - actual) ** 2)
                                for m in self.members_.values()])
                w = 1 / np.maximum(mse, 1e-300)
                w = w / w.sum()
            elif self.method == "mean":
                w = np.full(len(self.members_), 1 / len(self.members_))
            else:
                w = np.full(len(self.members_), np.nan)
        else:
            if self.method == "inverse_mse":
                raise ArgumentError('`method="inverse_mse"` needs a validation part: use fit(windows). The series '
                                    'contract combines with "mean" or "median".')
            self.mode_ = "series"
            for model in self.members_.values():
                model.fit(data, period)
            w = np.full(len(self.members_), 1 / len(self.members_) if self.method == "mean" else np.nan)
        self.weights_ = dict(zip(self.members_, w.tolist()))
        self.notes_ = [f"{name}: {note}" for name, m in self.members_.items() for note in getattr(m, "notes_", [])]
        self.fit_seconds_ = time.perf_counter() - began
        self.fitted_ = True
        return self

    def _combine(self, preds: np.ndarray) -> np.ndarray:
        if self.method == "median":
            return np.median(preds, axis=0)
        return np.asarray(list(self.weights_.values())) @ preds

    def predict(self, windows: Windows, part: str) -> np.ndarray:
        self._check_fitted()
        return self._combine(np.stack([np.asarray(m.predict(windows, part), dtype=float)
                                       for m in self.members_.values()]))

    def forecast(self, h: int, levels=()) -> pd.DataFrame:
        self._check_fitted()
        if check_levels(levels):
            raise ArgumentError("A combination gives point forecasts only: call forecast(h) without `levels`.")
        preds = np.stack([m.forecast(h)["mean"].to_numpy() for m in self.members_.values()])
        return forecast_frame(self._combine(preds))

    def describe(self) -> str:
        self._check_fitted()
        if self.method == "median":
            return f"median of {', '.join(self.members_)}"
        return f"{self.method} combination: " + ", ".join(f"{n} {w:.2f}" for n, w in self.weights_.items())


def forecast_series(y, model="ets", h: int = 8, levels=(0.8, 0.95), period: int = 1, **params) -> pd.DataFrame:
    """Fit a series-level forecaster on all of `y` and forecast steps 1..h with intervals.

    Args:
        y: 1-d series (original units, no NaN).
        model: A registered model name with the series contract (every name of
            ``pybbdl.models.model_names("series")``: ``"ets"``, ``"theta"``, ``"arima"`` (R's
            auto.arima search), ``"ar"``, ``"rw_mean"``, ``"naive"``, ``"ses"``, ...) or a forecaster
            object that has ``fit(y, period)`` and ``forecast(h, levels)``.
        h: Steps ahead, >= 1.
        levels: Interval levels in (0, 1); ``()`` for none.
        period: Seasonal period (1 = none, 4 = quarterly, 12 = monthly).
        **params: Parameters of the named model (``k=8`` for ``rw_mean``, ``spec="AAN"`` for ``ets``).

    Returns:
        The forecaster's frame: index ``step``, columns ``mean``, ``lower_80``, ``upper_80``, ...
    """
    from pybbdl.models.registry import get_spec

    if isinstance(model, str):
        estimator = get_spec(model, "series").build("series", **params)
    else:
        if params:
            raise ArgumentError(f"`params` apply to model names only. Received: {sorted(params)} with a "
                                f"{type(model).__name__}")
        estimator = model
    if not (callable(getattr(estimator, "forecast", None)) and callable(getattr(estimator, "fit", None))):
        raise ArgumentError(f"`model` must have the series contract (fit(y, period), forecast(h, levels)). "
                            f"Received: {model!r}")
    levels = check_levels(levels)
    h = check_positive_int("h", h)
    period = check_positive_int("period", period)
    return estimator.fit(y, period).forecast(h, levels)
