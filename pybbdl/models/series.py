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

#: Interval levels when none are given (80 % and 95 %, as R's forecast package).
DEFAULT_LEVELS = (0.8, 0.95)


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
