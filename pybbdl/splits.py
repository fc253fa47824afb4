"""Check a train/val/test split: fractions that use every row, or row/date ranges in time order.

Used by :func:`pybbdl.windows.prepare_windows`. Issue "No silent wrong answers", case 3: fractions
that leave rows out, and ranges where training overlaps or follows the test part (test leakage,
training on the future), are refused with the rows and dates involved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from pybbdl._validation import format_stamp
from pybbdl.exceptions import ArgumentError, DataError

PARTS = ("train", "val", "test")


def _resolve_bound(index: pd.Index, value, name: str) -> int:
    if value is None:
        return len(index) if name.endswith("stop") else 0
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        if not 0 <= value <= len(index):
            raise ArgumentError(f"`split` bound {name} must be a row within 0..{len(index)}. Received: {value}")
        return int(value)
    if isinstance(value, (str, pd.Timestamp, np.datetime64)) or hasattr(value, "isoformat"):
        if not isinstance(index, pd.DatetimeIndex):
            raise ArgumentError(f"`split` bound {name} must be an integer row (the index has no dates). "
                                f"Received: {value!r}")
        try:
            stamp = pd.Timestamp(value)
        except (ValueError, TypeError):
            raise ArgumentError(f"`split` bound {name} must be an integer row or a date. Received: {value!r}") from None
        if index.tz is not None and stamp.tz is None:
            stamp = stamp.tz_localize(index.tz)
        return int(index.searchsorted(stamp, side="left"))
    raise ArgumentError(f"`split` bound {name} must be an integer row or a date. Received: {value!r}")


def rows_text(index: pd.Index, start: int, stop: int) -> str:
    """``rows 3..7 (2000-01-03 .. 2000-01-07)``: 1-based rows, with their stamps if the index has them."""
    if stop <= start:
        return "no rows"
    text = f"rows {start + 1}..{stop}"
    if isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex)):
        text += f" ({format_stamp(index[start])} .. {format_stamp(index[stop - 1])})"
    return text


def _fraction_bounds(n: int, split) -> dict[str, tuple[int, int]]:
    try:
        fractions = [float(f) for f in split]
    except (TypeError, ValueError):
        fractions = None
    if fractions is None or len(fractions) not in (2, 3) or any(isinstance(f, bool) for f in split) \
            or not all(np.isfinite(f) and f >= 0 for f in fractions):
        raise ArgumentError(
            "`split` must be 2 or 3 non-negative fractions (train, val[, test]) summing to 1, or a dict of "
            f"row/date ranges. Received: split={split!r}"
        )
    total = sum(fractions)
    n_train, n_val = int(fractions[0] * n), int(fractions[1] * n)
    if abs(total - 1) > 1e-9:
        used = n_train + n_val + (int(fractions[2] * n) if len(fractions) == 3 else 0)
        effect = (f"{n - used} of {n} rows would go unused" if total < 1 else
                  f"the parts would need {used} of the {n} rows")
        raise ArgumentError(
            f"`split` fractions must sum to 1, so that no row is silently left out. Received: split={split!r}, "
            f"summing to {total:g}: {effect}. To hold rows back on purpose, pass a dict of row/date ranges, "
            "e.g. {'train': (None, 600), 'val': (600, 800)}."
        )
    bounds = {"train": (0, n_train), "val": (n_train, n_train + n_val if len(fractions) == 3 else n)}
    if len(fractions) == 3:
        bounds["test"] = (n_train + n_val, n)
    return bounds


def split_bounds(index: pd.Index, split) -> dict[str, tuple[int, int]]:
    """Row ranges ``{part: (start, stop)}`` (0-based, stop excluded) of a split, checked.

    Args:
        index: The series' index (its length, and its dates for date bounds).
        split: Fractions ``(train, val[, test])`` summing to 1 (within 1e-9), or a dict
            ``{"train": (start, stop), "val": ..., "test": ...}`` of integer rows (0-based, stop
            excluded) or dates (a date bound is the first row at or after it); ``None`` is an open
            end. ``"train"`` is required, ``"val"`` and ``"test"`` are optional; rows between
            parts or after the last may be left out on purpose.

    Raises:
        ArgumentError: fractions that do not sum to 1 (the message says how many rows would go
            unused), unknown keys, bounds that are neither rows nor dates.
        DataError: an empty or reversed part, or parts that overlap or are out of time order
            (training on the future, testing on the training rows).
    """
    n = len(index)
    if not isinstance(split, Mapping):
        return _fraction_bounds(n, split)
    unknown = [k for k in split if k not in PARTS]
    if unknown or "train" not in split:
        raise ArgumentError(f"`split` keys must include 'train' and be among {PARTS}. Received: {list(split)}")
    bounds = {}
    for part in PARTS:
        if part not in split:
            continue
        pair = split[part]
        if isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise ArgumentError(f"`split['{part}']` must be a (start, stop) pair. Received: {pair!r}")
        start = _resolve_bound(index, pair[0], f"{part}.start")
        stop = _resolve_bound(index, pair[1], f"{part}.stop")
        if stop <= start:
            raise DataError(f"`split['{part}']` must hold rows: start before stop. Received: {tuple(pair)!r}, "
                            f"which gives {rows_text(index, start, stop)} (start row {start + 1}, stop row {stop}).")
        bounds[part] = (start, stop)
    parts = list(bounds)
    for earlier, later in zip(parts, parts[1:]):
        (a0, a1), (b0, b1) = bounds[earlier], bounds[later]
        if b0 < a0:
            raise DataError(
                f"`split` parts must be in time order train < val < test. Received: {later} "
                f"{rows_text(index, b0, b1)} starts before {earlier} {rows_text(index, a0, a1)}."
            )
        if b0 < a1:
            raise DataError(
                f"`split` parts must not overlap: {earlier} must end before {later} starts. Received: {earlier} "
                f"{rows_text(index, a0, a1)} and {later} {rows_text(index, b0, b1)} share "
                f"{rows_text(index, b0, min(a1, b1))}."
            )
    return bounds
