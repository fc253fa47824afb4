"""Autoregressions and averages of the past, with both contracts
(:class:`pybbdl.models.local_base._Dual`) and their own normal intervals:

* ``ar`` / ``ar_direct`` -- :class:`ArForecaster`, AR(p) with p by BIC, iterated or direct;
* ``rw_mean`` -- :class:`RandomWalkMeanForecaster`, the random walk on the mean of the last k
  periods (Atkeson and Ohanian 2001);
* ``var`` -- :class:`VarForecaster`, a VAR on all the windows' columns (windowed only).
"""

from __future__ import annotations

import warnings

import numpy as np

from pybbdl._validation import check_positive_int
from pybbdl.exceptions import ArgumentError, DataError
from pybbdl.models.local_base import _Dual, _normal_quantile, check_series


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
