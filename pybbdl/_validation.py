"""Input checks used at entry points. Messages say what must hold and what was received."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from pybbdl.exceptions import ArgumentError, DataError


def check_positive_int(name: str, value, *, minimum: int = 1) -> int:
    """Return `value` as an int, or raise if it is not an integer >= `minimum`."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            value = int(value)
        else:
            raise ArgumentError(f"`{name}` must be an integer >= {minimum}. Received: {name}={value!r}")
    if value < minimum:
        raise ArgumentError(f"`{name}` must be >= {minimum}. Received: {name}={value}")
    return int(value)


def check_lookback_step(lookback: int, step: int) -> tuple[int, int]:
    lookback = check_positive_int("lookback", lookback)
    step = check_positive_int("step", step)
    if lookback % step:
        raise ArgumentError(
            f"`lookback` must be a multiple of `step` (each window holds lookback/step rows). "
            f"Received: lookback={lookback}, step={step}"
        )
    return lookback, step


def check_numeric_matrix(data, name: str = "data") -> np.ndarray:
    """A 2-D float64 array from an array-like or numeric DataFrame (columns = variables)."""
    if isinstance(data, pd.DataFrame):
        bad = [c for c in data.columns if not pd.api.types.is_numeric_dtype(data[c])]
        if bad:
            raise DataError(f"`{name}` must have numeric columns only. Non-numeric: {bad}")
        data = data.to_numpy(dtype=np.float64)
    arr = np.asarray(data)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise DataError(f"`{name}` must be 2-D (time, variables). Received shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.complexfloating):
        raise DataError(f"`{name}` must be numeric. Received dtype {arr.dtype}")
    return arr.astype(np.float64, copy=False)


def check_finite_column(values: np.ndarray, name: str) -> None:
    bad = ~np.isfinite(values)
    if bad.any():
        where = np.flatnonzero(bad)
        raise DataError(
            f"The target {name!r} must be finite: it has {bad.sum()} NaN/inf value(s), "
            f"first at row(s) {where[:5].tolist()}. Fill or drop them before windowing."
        )


def check_time_index(index: pd.Index) -> None:
    """A DatetimeIndex/PeriodIndex must be strictly increasing (sorted, no duplicates)."""
    if not isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex)):
        return
    if index.hasnans:
        raise DataError("The time index must not contain missing timestamps (NaT).")
    dup = index.duplicated()
    if dup.any():
        raise DataError(
            f"The time index has {int(dup.sum())} duplicate timestamp(s), first {index[dup][0]}. "
            "Drop them first, e.g. frame = frame[~frame.index.duplicated()]."
        )
    if not index.is_monotonic_increasing:
        pos = int(np.flatnonzero(np.diff(index.asi8) < 0)[0]) + 1
        raise DataError(
            f"The time index must be sorted in increasing order; row {pos} ({index[pos]}) comes "
            f"before the row above it. Use frame.sort_index()."
        )


def check_frame_columns(frame: pd.DataFrame, target: str, features: Iterable[str] | None) -> list[str]:
    """Return the column list [target, *other features], checking names and dtypes."""
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"`data` must be a pandas DataFrame. Received: {type(frame).__name__}")
    if target not in frame.columns:
        raise DataError(f"Target column {target!r} not found. Available: {list(frame.columns)}")
    if features is None:
        features = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    features = list(features)
    missing = [c for c in features if c not in frame.columns]
    if missing:
        raise DataError(f"Feature column(s) {missing} not found. Available: {list(frame.columns)}")
    columns = [target] + [c for c in features if c != target]
    for c in columns:
        if not pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c]):
            raise DataError(
                f"Column {c!r} must be numeric. Received dtype {frame[c].dtype}; "
                "convert it (pd.to_numeric) or leave it out of `features`."
            )
    return columns
