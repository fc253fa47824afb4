"""``ets``: exponential smoothing chosen by AICc over the model space of R's ``forecast::ets``.

:class:`EtsForecaster` follows both contracts (:class:`pybbdl.models.local_base._Dual`); its
estimates are R's (the compiled likelihood and Nelder-Mead of :mod:`pybbdl.models._ets_kernel`,
or statsmodels' ``ETSModel`` with ``engine="statsmodels"``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from pybbdl._validation import check_positive_int
from pybbdl.exceptions import ArgumentError, DataError, ModelFitError
from pybbdl.models.local_base import _Dual, _check_period, _index_period, _normal_quantile, check_series


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
