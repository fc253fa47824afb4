"""What the local statistical models share: the dual contract and the checks of a series.

:class:`_Dual` gives a model **both** contracts:

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

The models built on it: :mod:`pybbdl.models.ets`, :mod:`pybbdl.models.theta`,
:mod:`pybbdl.models.autoregressive` (an index of them all: :mod:`pybbdl.models.statistical`).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from pybbdl._validation import check_positive_int
from pybbdl.exceptions import ArgumentError, ArgumentTypeError, DataError
from pybbdl.models.base import BaseForecaster
from pybbdl.models.series import check_levels, forecast_frame, index_period
from pybbdl.windows import Windows


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

    def _intervals_windows(self, windows, origins, levels, h=None):
        """Normal intervals around the forecasts from `origins` with the model's ``h``-step
        standard deviation ``self._sd(h)`` (Theta, AR); models with another rule override this."""
        h = windows.horizon if h is None else h
        mean = self._predict_origins(windows, origins, h)
        sd = self._sd(h)
        return self._interval_dict(mean, {lv: _normal_quantile(lv) * sd for lv in levels})

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
