"""The series-level contract: forecast one whole series `h` steps past its end (panels, M3).

The windowed contract of :mod:`pybbdl.models.base` scores forecasts from every origin of a part;
panels of short series (M3: 14 to 144 observations) need the other shape: fit on the whole
history, forecast steps 1..h from its end. Any object with these methods is a series forecaster:

* ``fit(y, period) -> self``: ``y`` a 1-d float array in original units (no NaN), ``period``
  the seasonal period (1 = none, 4 = quarterly, 12 = monthly).
* ``forecast(h, levels=()) -> pandas.DataFrame``: index ``step`` 1..h, column ``mean`` and, for
  each level L in (0, 1), the columns :func:`interval_columns` names (``lower_80``/``upper_80``
  for 0.8). Calling it does not change the model.
* optional: ``describe() -> str``, ``notes_`` (list of str), ``stochastic``/``random_state`` as
  in the windowed contract.

Errors raised on purpose are :mod:`pybbdl.exceptions` types (``DataError`` for a series the
model cannot handle, ``ModelFitError`` when estimation fails): a panel run records them in that
series' row and goes on with the others.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pybbdl.exceptions import ArgumentError
from pybbdl.models.base import BaseForecaster

#: Interval levels when none are given (80 % and 95 %, as R's forecast package).
DEFAULT_LEVELS = (0.8, 0.95)


def index_period(windows) -> int:
    """The seasonal period of windowed data from its index frequency: 4 for quarters, 12 for months,
    else 1 (a frame from R or a CSV carries no ``freq``: it is inferred from three or more dates)."""
    return period_of_index(windows.frame.index)


def period_of_index(index) -> int:
    """:func:`index_period`'s rule for a bare index (a pandas Series' dates): 4 for quarters, 12
    for months, else 1."""
    freq = index_frequency(index) or ""
    if freq.startswith(("Q", "BQ")):
        return 4
    if freq.startswith(("M", "BM", "MS", "BMS")) and not freq.startswith("min"):
        return 12
    return 1


def index_frequency(index) -> str | None:
    """The index's frequency string: its ``freq``, else inferred from three or more regular dates
    (a frame from R or a CSV carries none), else None."""
    freq = getattr(index, "freqstr", None)
    if freq is None and isinstance(index, pd.DatetimeIndex) and len(index) >= 3:
        freq = pd.infer_freq(index)
    return freq


def check_levels(levels) -> tuple[float, ...]:
    """Levels as a sorted tuple of floats in (0, 1); refuses percentages, duplicates and NaN."""
    if levels is None:
        return ()
    if np.isscalar(levels):
        levels = [levels]
    out = []
    for lv in levels:
        try:
            f = float(lv)
        except (TypeError, ValueError):
            raise ArgumentError(f"`levels` must be numbers in (0, 1), e.g. 0.8 for 80 %. Received: {lv!r}") from None
        if not 0 < f < 1:
            raise ArgumentError(f"`levels` must be numbers in (0, 1), e.g. 0.8 for 80 %. Received: {lv!r}")
        out.append(f)
    if len(set(out)) != len(out):
        raise ArgumentError(f"`levels` must not repeat a level. Received: {list(levels)}")
    return tuple(sorted(out))


def level_label(level: float) -> str:
    """``0.8 -> "80"``, ``0.975 -> "97.5"``."""
    return format(round(100 * float(level), 6), "g")


def interval_quantiles(level: float) -> tuple[float, float]:
    """The quantiles that bound a central interval: ``0.8 -> (0.1, 0.9)`` (rounded to 12 decimals,
    so the same level always gives the same keys)."""
    return round((1.0 - float(level)) / 2.0, 12), round((1.0 + float(level)) / 2.0, 12)


def interval_columns(level: float) -> tuple[str, str]:
    """The lower and upper column names of a level: ``("lower_80", "upper_80")``."""
    lab = level_label(level)
    return f"lower_{lab}", f"upper_{lab}"


def forecast_frame(mean, intervals: dict | None = None, levels: Sequence[float] = ()) -> pd.DataFrame:
    """The frame ``forecast()`` returns, from the mean path and ``{level: (lower, upper)}``."""
    mean = np.asarray(mean, dtype=float).reshape(-1)
    frame = pd.DataFrame({"mean": mean}, index=pd.RangeIndex(1, len(mean) + 1, name="step"))
    for lv in check_levels(levels):
        lo, hi = (intervals or {})[lv]
        lo_col, hi_col = interval_columns(lv)
        frame[lo_col] = np.asarray(lo, dtype=float).reshape(-1)
        frame[hi_col] = np.asarray(hi, dtype=float).reshape(-1)
    return frame


class SeriesOrigins(BaseForecaster):
    """The windowed contract of :mod:`pybbdl.models.base` for a model that has only the series
    contract (``naive2``, ``ses``, ``holt``, ``damped``, ``theta_m3``): the generic path of the one
    contract, *fit on the data up to the origin, forecast steps 1..H from it*, rolled over every
    origin of a part (an expanding window from the first training row; ``max_train`` bounds it).

    Models with a windowed ``predict`` of their own skip this and score every origin at once (their
    fast path: ARIMA's filter, the networks' batched windows); this adapter refits the series model
    at each origin, so it suits fast local models. ``fit(windows)`` fits once on the training part
    (to fail early and to describe the model).

    Args:
        model: A registered name with the series contract (:mod:`pybbdl.models.registry`).
        period: Seasonal period given to the series model; None = the index frequency (4 for
            quarters, 12 for months, else 1).
        max_train: Fit on at most the last this many rows before each origin; None = all from the
            first training row.
    """

    stochastic = False
    uses_known = False

    def __init__(self, model: str = "ses", period: int | None = None, max_train: int | None = None):
        self.model = model
        self.period = period
        self.max_train = max_train

    def _spec(self):
        from pybbdl.models.registry import get_spec

        return get_spec(self.model, "series")

    @property
    def interval_levels(self):
        """None (any level) when the series model has intervals of its own, else none (conformal)."""
        return None if self._spec().has("own_intervals") else ()

    def fit(self, windows) -> SeriesOrigins:
        from pybbdl._validation import check_positive_int

        windows = self._check_windows(windows)
        self._spec()  # a clear error for a name without the series contract
        if self.period is None:
            self.period_ = index_period(windows)
        else:
            self.period_ = check_positive_int("period", self.period)
        if self.max_train is not None:
            check_positive_int("max_train", self.max_train, minimum=2)
        self.train_start_, stop = windows.bounds["train"]
        self.horizon_ = windows.horizon
        self.model_ = self._fit_at(windows, stop - 1)
        self.notes_ = list(getattr(self.model_, "notes_", []) or [])
        self.fitted_ = True
        return self

    def _fit_at(self, windows, origin: int):
        start = self.train_start_
        if self.max_train is not None:
            start = max(start, origin + 1 - int(self.max_train))
        return self._spec().build("series").fit(windows.values[start:origin + 1, 0], self.period_)

    def _origins(self, windows, part: str) -> np.ndarray:
        self._check_fitted()
        windows = self._check_windows(windows)
        origins = windows.target_positions(part) - windows.horizon
        if len(origins) and origins.min() < self.train_start_:
            from pybbdl.exceptions import DataError

            raise DataError(f"The {part} part has origins before the first training row {self.train_start_}; "
                            f"{self.model} is fitted on the rows from there up to each origin.")
        return origins

    def _steps(self, windows) -> list[int]:
        return list(windows.horizons) if windows.horizons else [windows.horizon]

    def _forecasts(self, windows, part: str, levels=()) -> list[pd.DataFrame]:
        h = max(self._steps(windows))
        return [self._fit_at(windows, int(e)).forecast(h, levels=levels) for e in self._origins(windows, part)]

    def predict(self, windows, part: str) -> np.ndarray:
        """The ``windows.horizon``-step forecast from every origin of the part, one refit per origin."""
        h = windows.horizon
        return np.array([fc["mean"].iloc[h - 1] for fc in self._forecasts(windows, part)], dtype=float)

    def predict_horizons(self, windows, part: str) -> np.ndarray:
        """Every horizon of the windows from one refit per origin, ``(n_windows, len(horizons))``."""
        steps = self._steps(windows)
        out = [fc["mean"].to_numpy()[np.asarray(steps) - 1] for fc in self._forecasts(windows, part)]
        return np.asarray(out, dtype=float).reshape(-1, len(steps))

    def _intervals(self, windows, part: str, levels, steps: list[int]) -> dict:
        levels = check_levels(levels)
        if not levels:
            raise ArgumentError("`levels` must name at least one level in (0, 1). Received: none")
        if not self._spec().has("own_intervals"):
            raise ArgumentError(f"{self.model} has no intervals of its own; the evaluation layer gives it "
                                "conformal ones.")
        fcs = self._forecasts(windows, part, levels)
        idx = np.asarray(steps) - 1
        out = {}
        for lv in levels:
            lo, hi = interval_columns(lv)
            out[lv] = (np.array([fc[lo].to_numpy()[idx] for fc in fcs], dtype=float).reshape(-1, len(steps)),
                       np.array([fc[hi].to_numpy()[idx] for fc in fcs], dtype=float).reshape(-1, len(steps)))
        return out

    def predict_interval(self, windows, part: str, levels=(0.8, 0.95)) -> dict:
        """``{level: (lower, upper)}`` at the windows' horizon from each origin: the series model's own
        intervals (an ``ArgumentError`` for a model without them)."""
        out = self._intervals(windows, part, levels, [windows.horizon])
        return {lv: (lo[:, 0], hi[:, 0]) for lv, (lo, hi) in out.items()}

    def predict_interval_horizons(self, windows, part: str, levels=(0.8, 0.95)) -> dict:
        """``{level: (lower, upper)}``, each ``(n_windows, len(horizons))``: the series model's own
        intervals at every horizon, one refit per origin."""
        return self._intervals(windows, part, levels, self._steps(windows))

    def describe(self) -> str:
        text = self.model_.describe() if hasattr(self, "model_") else self.model
        return f"{text}, refitted at each origin"


def forecast_series(y, model="ets", h: int = 8, levels=(0.8, 0.95), period: int | None = None,
                    **params) -> pd.DataFrame:
    """Fit a series-level forecaster on all of `y` and forecast steps 1..h with intervals.

    Args:
        y: 1-d series (original units, no NaN).
        model: A registered model name with the series contract (every name of
            ``pybbdl.models.model_names("series")``: ``"ets"``, ``"theta"``, ``"arima"`` (R's
            auto.arima search), ``"ar"``, ``"rw_mean"``, ``"naive"``, ``"ses"``, ...) or a forecaster
            object that has ``fit(y, period)`` and ``forecast(h, levels)``.
        h: Steps ahead, >= 1.
        levels: Interval levels in (0, 1); ``()`` for none.
        period: Seasonal period (1 = none, 4 = quarterly, 12 = monthly); None (default) = the
            dates' season of a pandas Series with a date index (4 quarterly, 12 monthly), else 1.
        **params: Parameters of the named model (``k=8`` for ``rw_mean``, ``spec="AAN"`` for ``ets``).

    Returns:
        The forecaster's frame: index ``step``, columns ``mean``, ``lower_80``, ``upper_80``, ...
    """
    from pybbdl._validation import check_positive_int
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
    if period is None:
        period = period_of_index(y.index) if isinstance(y, pd.Series) else 1
    period = check_positive_int("period", period)
    return estimator.fit(y, period).forecast(h, levels)
