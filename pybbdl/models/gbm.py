"""Gradient boosting on lagged values: scikit-learn's ``HistGradientBoostingRegressor`` on the last
`lags` changes of the target (the optional extra ``pip install "pybbdl[gbm]"``).

This model is the example of a model in one file: it is registered through the entry point
``gbm = "pybbdl.models.gbm:REGISTRATION"`` (group ``pybbdl.models`` in ``pyproject.toml``; see
:mod:`pybbdl.models.registry`), and nothing else in pybbdl names it. It follows both contracts:

* windows (``fit(windows)`` / ``predict(windows, part)``): a direct regression for the windows'
  horizon ``h``, the change ``y[e + h] - y[e]`` on the last `lags` changes up to the origin ``e``
  (rows of the training part only); forecasts from every origin of a part use data up to that
  origin. Intervals come from the evaluation layer (split-conformal); several horizons are fitted
  once each (:class:`~pybbdl.models.horizons.DirectForecaster`).
* series (``fit(y, period)`` / ``forecast(h)``): the one-step regression, iterated h steps
  (point forecasts only; ``levels`` are refused, as for the combinations).

With ``differences=False`` the levels are regressed on the levels instead (trees cannot forecast
beyond the range of the training targets, hence the default).

Threads: scikit-learn's boosting runs OpenMP threads; on the few hundred rows of an economic series
they cost more than they save (on 2 busy cores a fit took 1.7 s with them, 0.12 s without), so fits
and predictions run with one OpenMP thread (threadpoolctl, restored afterwards); panels run series
in parallel instead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pybbdl._validation import check_positive_int
from pybbdl.exceptions import ArgumentError, DataError, MissingDependencyError
from pybbdl.models.base import BaseForecaster
from pybbdl.windows import Windows

#: The registry entry (read through the ``pybbdl.models`` entry point of pyproject.toml).
REGISTRATION = {
    "family": "ml",
    "summary": "gradient boosting on lagged changes (scikit-learn HistGradientBoostingRegressor; extra [gbm])",
    "windows": "pybbdl.models.gbm:GbmForecaster",
    "series": "pybbdl.models.gbm:GbmForecaster",
    "settings": ("seed", "max_train"),
    "capabilities": (),
}
_INSTALL = 'The gbm model needs scikit-learn: pip install "pybbdl[gbm]" (or pip install scikit-learn).'


def _regressor_class():
    try:
        from sklearn.ensemble import HistGradientBoostingRegressor
    except ImportError as err:
        raise MissingDependencyError(f"{_INSTALL} ({err})") from None
    return HistGradientBoostingRegressor


def _one_thread():
    """A context in which OpenMP uses one thread (scikit-learn's threadpoolctl; restored on exit)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="openmp")


def _features(y: np.ndarray, origins: np.ndarray, lags: int, differences: bool) -> np.ndarray:
    """One row per origin ``e``: the last `lags` changes ``y[e-k+1] - y[e-k]`` (or levels ``y[e-k+1]``),
    k = 1..lags."""
    cols = np.arange(lags)
    if differences:
        return y[origins[:, None] - cols] - y[origins[:, None] - cols - 1]
    return y[origins[:, None] - cols]


class GbmForecaster(BaseForecaster):
    """Gradient-boosted trees on lagged changes of the target.

    Args:
        lags: Lagged changes (or levels) per row, >= 1; None = the windows' lookback (windows) or
            ``min(max(2 * period, 4), n // 3)`` (a series of n values).
        differences: Regress changes on changes (default) or levels on levels.
        max_iter, learning_rate, max_leaf_nodes, min_samples_leaf: scikit-learn's boosting settings
            (``learning_rate`` is the trees' shrinkage, in (0, 1]; never a run's Adam rate).
        random_state: Seed of scikit-learn's estimator (the fit is deterministic without early
            stopping; kept for reproducible settings).
        max_train: Fit on at most the last this many training rows; None = all.

    Shapes: windows ``(n_windows(part),)`` forecasts in the target's units; series ``forecast(h)``
    has index ``step`` 1..h and the column ``mean``.
    """

    def __init__(self, lags: int | None = None, differences: bool = True, max_iter: int = 100,
                 learning_rate: float = 0.1, max_leaf_nodes: int = 15, min_samples_leaf: int = 5,
                 random_state: int | None = 0, max_train: int | None = None):
        self.lags = lags
        self.differences = differences
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.random_state = random_state
        self.max_train = max_train

    # -- fitting ----------------------------------------------------------------------------------
    def _check_params(self) -> None:
        if self.lags is not None:
            check_positive_int("lags", self.lags)
        check_positive_int("max_iter", self.max_iter)
        check_positive_int("max_leaf_nodes", self.max_leaf_nodes, minimum=2)
        check_positive_int("min_samples_leaf", self.min_samples_leaf)
        if self.max_train is not None:
            check_positive_int("max_train", self.max_train, minimum=3)
        if not isinstance(self.differences, (bool, np.bool_)):
            raise ArgumentError(f"`differences` must be True or False. Received: {self.differences!r}")
        lr = self.learning_rate
        if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not 0 < lr <= 1:
            raise ArgumentError(f"`learning_rate` must be a number in (0, 1]. Received: learning_rate={lr!r}")

    def _regressor(self):
        return _regressor_class()(max_iter=int(self.max_iter), learning_rate=float(self.learning_rate),
                                  max_leaf_nodes=int(self.max_leaf_nodes),
                                  min_samples_leaf=int(self.min_samples_leaf), early_stopping=False,
                                  random_state=self.random_state)

    def _fit_rows(self, y: np.ndarray, origins: np.ndarray, h: int):
        lags = self.lags_
        X = _features(y, origins, lags, bool(self.differences))
        target = y[origins + h] - y[origins] if self.differences else y[origins + h]
        if len(origins) < 3:
            raise DataError(f"gbm needs at least 3 training rows of {lags} lag(s) and a target {h} step(s) "
                            f"ahead. Received: {len(origins)}")
        with _one_thread():
            self.model_ = self._regressor().fit(X, target)
        self.n_train_ = int(len(origins))

    def fit(self, data, period: int | None = None) -> GbmForecaster:
        """``fit(windows)`` (windowed contract) or ``fit(y, period)`` (series contract); returns self."""
        self._check_params()
        if isinstance(data, Windows):
            start, stop = data.bounds["train"]
            if self.max_train is not None:
                start = max(start, stop - int(self.max_train))
            y = np.asarray(data.values[:, 0], dtype=float)
            self.lags_ = int(self.lags) if self.lags is not None else int(data.lookback)
            h = int(data.horizon)
            first = start + self.lags_ if self.differences else start + self.lags_ - 1
            origins = np.arange(first, stop - h)
            self._fit_rows(y, origins, h)
            self.horizon_ = h
            self.mode_ = "windows"
        else:
            if isinstance(data, pd.DataFrame) or np.ndim(data) != 1:
                raise ArgumentError(f"GbmForecaster.fit takes a pybbdl Windows or a 1-d series. Received: "
                                    f"{type(data).__name__} of {np.ndim(data)} dimension(s)")
            try:
                y = np.asarray(data, dtype=float)
            except (TypeError, ValueError):
                raise ArgumentError(f"`y` must be numbers. Received: {type(data).__name__}") from None
            if not np.all(np.isfinite(y)):
                raise DataError(f"gbm needs finite values (no NaN). Received: {int((~np.isfinite(y)).sum())} "
                                "non-finite value(s)")
            period = 1 if period is None else check_positive_int("period", period)
            if self.max_train is not None:
                y = y[-int(self.max_train):]
            self.lags_ = int(self.lags) if self.lags is not None else max(1, min(max(2 * period, 4), len(y) // 3))
            first = self.lags_ if self.differences else self.lags_ - 1
            self._fit_rows(y, np.arange(first, len(y) - 1), 1)
            self.y_ = y
            self.mode_ = "series"
        self.fitted_ = True
        return self

    # -- forecasting --------------------------------------------------------------------------------
    def _check_mode(self, mode: str) -> None:
        self._check_fitted()
        if self.mode_ != mode:
            have, need = ("fit(y, period)", "fit(windows)") if mode == "windows" else ("fit(windows)",
                                                                                      "fit(y, period)")
            raise ArgumentError(f"This GbmForecaster was fitted with {have}; call {need} first for this kind of "
                                "forecast.")

    def predict(self, windows: Windows, part: str) -> np.ndarray:
        """The ``windows.horizon``-step forecast from every origin of the part (target's units)."""
        self._check_mode("windows")
        windows = self._check_windows(windows)
        if windows.horizon != self.horizon_:
            raise ArgumentError(f"`windows` has horizon {windows.horizon}, but gbm was fitted with horizon "
                                f"{self.horizon_}. Refit on these windows.")
        y = np.asarray(windows.values[:, 0], dtype=float)
        origins = windows.target_positions(part) - windows.horizon
        need = self.lags_ if self.differences else self.lags_ - 1
        if origins.min() < need:
            raise DataError(f"The {part} part starts at row {int(origins.min())}; gbm's {self.lags_} lag(s) need "
                            f"{need} earlier row(s).")
        with _one_thread():
            out = self.model_.predict(_features(y, origins, self.lags_, bool(self.differences)))
        return out + y[origins] if self.differences else out

    def forecast(self, h: int, levels=()) -> pd.DataFrame:
        """Steps 1..h past the end of the series of ``fit(y, period)``, the one-step model iterated."""
        from pybbdl.models.series import check_levels, forecast_frame

        self._check_mode("series")
        h = check_positive_int("h", h)
        if check_levels(levels):
            raise ArgumentError("gbm gives point forecasts only: call forecast(h) without `levels` (compare and "
                                "backtest give it conformal intervals).")
        path = list(self.y_)
        with _one_thread():
            for _ in range(h):
                arr = np.asarray(path)
                e = np.array([len(arr) - 1])
                step = float(self.model_.predict(_features(arr, e, self.lags_, bool(self.differences)))[0])
                path.append(arr[-1] + step if self.differences else step)
        return forecast_frame(np.asarray(path[len(self.y_):]))

    def describe(self) -> str:
        self._check_fitted()
        what = "changes" if self.differences else "levels"
        return f"gradient boosting on {self.lags_} lagged {what} ({self.model_.n_iter_} trees)"
