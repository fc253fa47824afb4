"""Common-sense baselines: naive persistence (the book's ``evaluate_naive_method``) and seasonal naive.

Each name is one class that follows both contracts (``naive`` and ``seasonal_naive`` in
:mod:`pybbdl.models.registry`): ``fit(windows)`` / ``predict(windows, part)`` scores it from every
origin of a part; ``fit(y, period)`` / ``forecast(h, levels)`` forecasts one whole series (panels),
through the series rule of :mod:`pybbdl.models.local` (:class:`~pybbdl.models.local.NaiveSeries`,
:class:`~pybbdl.models.local.SeasonalNaiveSeries`: the same last value / value one season earlier,
with random-walk intervals). ``fit`` tells the two apart by its argument.
"""

from __future__ import annotations

import numpy as np

from pybbdl._validation import check_positive_int
from pybbdl.exceptions import ArgumentError, ArgumentTypeError, DataError
from pybbdl.models.base import BaseForecaster
from pybbdl.windows import WindowGenerator, Windows


class _BothContracts(BaseForecaster):
    """``fit(windows)`` or ``fit(y, period)``; the series contract runs :attr:`_series_class`."""

    _series_class: type = None

    def fit(self, data, period: int | None = None):
        """``fit(windows)`` (windowed contract) or ``fit(y, period)`` (series contract); returns self."""
        if isinstance(data, Windows):
            self.mode_ = "windows"
            self._fit_windows(data)
        else:
            self.mode_ = "series"
            self.series_ = self._series_class().fit(data, 1 if period is None else period)
            self.notes_ = list(self.series_.notes_)
        self.fitted_ = True
        return self

    def _fit_windows(self, windows: Windows) -> None:
        self._check_windows(windows)

    def _check_mode(self, mode: str) -> None:
        self._check_fitted()
        if self.mode_ != mode:
            have, need = ("fit(y, period)", "fit(windows)") if mode == "windows" else ("fit(windows)",
                                                                                      "fit(y, period)")
            raise ArgumentError(f"This {type(self).__name__} was fitted with {have}; call {need} first for this "
                                "kind of forecast.")

    def forecast(self, h: int, levels=()):
        """Steps 1..h past the end of the series given to ``fit(y, period)``: ``mean`` and, per level,
        random-walk intervals (:mod:`pybbdl.models.series`)."""
        self._check_mode("series")
        return self.series_.forecast(h, levels=levels)


class NaiveForecaster(_BothContracts):
    """Persistence: the forecast is the target's last value in the window (DLwR §6.3.3); for a whole
    series (``fit(y, period)``), its last value with random-walk intervals."""

    def __init__(self):
        pass

    @property
    def _series_class(self):
        from pybbdl.models.local import NaiveSeries

        return NaiveSeries

    def predict(self, windows: Windows, part: str) -> np.ndarray:
        self._check_mode("windows")
        return self._check_windows(windows).last_values(part)

    def predict_horizons(self, windows: Windows, part: str) -> np.ndarray:
        """The last value for every horizon, ``(n_windows, len(horizons))``."""
        last = self.predict(windows, part)
        return np.repeat(last[:, None], len(windows.horizons), axis=1)

    def describe(self) -> str:
        return "last value of the window" if getattr(self, "mode_", "windows") == "windows" else "last value"


class SeasonalNaiveForecaster(_BothContracts):
    """The value one season before the target: ``y[t - k * period]`` with the smallest ``k``
    such that ``k * period >= horizon`` (so only data up to the window's end is used). For a whole
    series (``fit(y, period)``), the last season repeated, with seasonal random-walk intervals.

    Args:
        period: Season length in rows of windowed data; None (the default) = the index's season
            (:func:`season_of_index`: 4 for quarters, 12 for months, a day of rows for sub-daily
            data, e.g. 24 hourly, 7 for daily data); an index without one is refused, naming
            ``period``. A series fit uses the period given to ``fit(y, period)`` (the panel's), as
            ETS and Theta do.
    """

    def __init__(self, period: int | None = None):
        self.period = period

    @property
    def _series_class(self):
        from pybbdl.models.local import SeasonalNaiveSeries

        return SeasonalNaiveSeries

    def _fit_windows(self, windows: Windows) -> None:
        self._check_windows(windows)
        if self.period is None:
            self.period_ = season_of_index(windows)
        else:
            self.period_ = check_positive_int("period", self.period)

    def predict(self, windows: Windows, part: str) -> np.ndarray:
        self._check_mode("windows")
        windows = self._check_windows(windows)
        return self._at(windows, part, windows.horizon)

    def _at(self, windows: Windows, part: str, h: int) -> np.ndarray:
        period = self.period_
        k = -(-int(h) // period)  # ceil(horizon / period)
        targets = windows.target_positions_at(part, h)
        source = targets - k * period
        if source.min() < 0:
            raise DataError(
                f"Seasonal naive with period={period} needs {k * period} rows before the first "
                f"target of the {part} part, which starts at row {targets[0]}."
            )
        return windows.values[source, 0]

    def predict_horizons(self, windows: Windows, part: str) -> np.ndarray:
        """The value one season before each horizon's target, ``(n_windows, len(horizons))``."""
        self._check_mode("windows")
        windows = self._check_windows(windows)
        return np.column_stack([self._at(windows, part, h) for h in windows.horizons])

    def describe(self) -> str:
        if getattr(self, "mode_", "windows") == "series":
            return f"value one season (period {self.series_.m_}) earlier"
        return f"value one season (period {getattr(self, 'period_', self.period)}) before the target"


def season_of_index(windows: Windows) -> int:
    """Seasonal naive's season in rows when no ``period`` is given, from the index frequency:
    4 for quarters and 12 for months (:func:`pybbdl.models.series.index_period`, the rule ETS and
    Theta use), one day of rows for regular sub-daily data (24 hourly, 144 for 10-minute rows),
    7 for daily data. Any other index (yearly, weekly, business days, integers, irregular dates)
    has no season this rule knows: refused, asking for ``period``."""
    import pandas as pd

    from pybbdl.models.series import index_frequency, index_period

    m = index_period(windows)
    if m > 1:
        return m
    freq = index_frequency(windows.frame.index)
    step = None
    if freq:
        try:
            step = pd.Timedelta(pd.tseries.frequencies.to_offset(freq))
        except (ValueError, TypeError):
            step = None  # months, years, business days: no fixed length
    day = pd.Timedelta(days=1)
    if step is not None and pd.Timedelta(0) < step < day and day % step == pd.Timedelta(0):
        return int(day / step)
    if step == day:
        return 7
    raise ArgumentError(f"seasonal_naive needs `period` (rows per season): the index (frequency "
                        f"{freq or 'none'}) has no season it knows (quarters 4, months 12, a day of "
                        f"sub-daily rows, a week of days). Received: period=None; give e.g. period=7 "
                        f"(--period 7, R period = 7).")


def evaluate_naive_method(gen: WindowGenerator, steps: int | None = None) -> float:
    """The book's ``evaluate_naive_method()``: the mean over `steps` batches of each batch's MAE
    of ``samples[:, -1, target_col]`` against the targets, in the generator's (scaled) units.

    Args:
        gen: A :func:`pybbdl.windows.generator` (rewound first).
        steps: Batches to draw; default the book's ``val_steps`` (``gen.steps_per_epoch``).
    """
    if not isinstance(gen, WindowGenerator):
        raise ArgumentTypeError(f"`gen` must come from pybbdl.windows.generator(). Received: {type(gen).__name__}")
    steps = gen.steps_per_epoch if steps is None else check_positive_int("steps", steps)
    gen.reset()
    batch_maes = []
    for _ in range(steps):
        samples, targets = gen()
        preds = samples[:, -1, gen.target_col]
        batch_maes.append(np.mean(np.abs(preds - targets)))
    return float(np.mean(batch_maes))
