"""Common-sense baselines: naive persistence (the book's ``evaluate_naive_method``) and seasonal naive."""

from __future__ import annotations

import numpy as np

from pybbdl._validation import check_positive_int
from pybbdl.exceptions import ArgumentTypeError, DataError
from pybbdl.models.base import BaseForecaster
from pybbdl.windows import WindowGenerator, Windows


class NaiveForecaster(BaseForecaster):
    """Persistence: the forecast is the target's last value in the window (DLwR §6.3.3)."""

    def __init__(self):
        pass

    def fit(self, windows: Windows) -> NaiveForecaster:
        self._check_windows(windows)
        self.fitted_ = True
        return self

    def predict(self, windows: Windows, part: str) -> np.ndarray:
        self._check_fitted()
        return self._check_windows(windows).last_values(part)

    def predict_horizons(self, windows: Windows, part: str) -> np.ndarray:
        """The last value for every horizon, ``(n_windows, len(horizons))``."""
        last = self.predict(windows, part)
        return np.repeat(last[:, None], len(windows.horizons), axis=1)

    def describe(self) -> str:
        return "last value of the window"


class SeasonalNaiveForecaster(BaseForecaster):
    """The value one season before the target: ``y[t - k * period]`` with the smallest ``k``
    such that ``k * period >= horizon`` (so only data up to the window's end is used).

    Args:
        period: Season length in rows (24 for hourly data with a daily cycle, 4 for quarters).
    """

    def __init__(self, period: int = 24):
        self.period = period

    def fit(self, windows: Windows) -> SeasonalNaiveForecaster:
        self._check_windows(windows)
        check_positive_int("period", self.period)
        self.fitted_ = True
        return self

    def predict(self, windows: Windows, part: str) -> np.ndarray:
        self._check_fitted()
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
        self._check_fitted()
        windows = self._check_windows(windows)
        return np.column_stack([self._at(windows, part, h) for h in windows.horizons])

    def describe(self) -> str:
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
