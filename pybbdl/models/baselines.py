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
        period: Season length in rows of windowed data (24 for hourly data with a daily cycle, 4 for
            quarters). A series fit uses the period given to ``fit(y, period)`` (the panel's), as ETS
            and Theta do.
    """

    def __init__(self, period: int = 24):
        self.period = period

    @property
    def _series_class(self):
        from pybbdl.models.local import SeasonalNaiveSeries

        return SeasonalNaiveSeries

    def _fit_windows(self, windows: Windows) -> None:
        self._check_windows(windows)
        check_positive_int("period", self.period)

    def predict(self, windows: Windows, part: str) -> np.ndarray:
        self._check_mode("windows")
        windows = self._check_windows(windows)
        return self._at(windows, part, windows.horizon)

    def _at(self, windows: Windows, part: str, h: int) -> np.ndarray:
        k = -(-int(h) // self.period)  # ceil(horizon / period)
        targets = windows.target_positions_at(part, h)
        source = targets - k * self.period
        if source.min() < 0:
            raise DataError(
                f"Seasonal naive with period={self.period} needs {k * self.period} rows before the first "
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
        return f"value one season (period {self.period}) before the target"


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
