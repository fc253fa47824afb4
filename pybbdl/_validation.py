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


#: The largest seed NumPy's legacy seeding and ``keras.utils.set_random_seed`` take.
MAX_SEED = 2**32 - 1


def check_seed(name: str, value) -> int:
    """`value` as an int in [0, 2**32 - 1], the range every seeded library takes (a larger seed
    passes an `int` check and then fails inside NumPy, after training has started)."""
    value = check_positive_int(name, value, minimum=0)
    if value > MAX_SEED:
        raise ArgumentError(f"`{name}` must be <= {MAX_SEED} (2**32 - 1, the seeds NumPy and Keras take). "
                            f"Received: {name}={value}")
    return value


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


ROW_NOTE = "rows count from 1, header not counted"


def format_stamp(stamp) -> str:
    """A timestamp as text, without ``00:00:00`` when it is midnight."""
    if isinstance(stamp, pd.Timestamp) and stamp == stamp.normalize():
        return stamp.strftime("%Y-%m-%d")
    return str(stamp)


def describe_rows(index: pd.Index, positions, limit: int = 3) -> str:
    """``'2000-01-05 (row 5), ...'`` for 0-based positions: timestamps where the index has them, 1-based rows."""
    positions = [int(p) for p in positions[:limit]]
    if isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex)):
        return ", ".join(f"{format_stamp(index[p])} (row {p + 1})" for p in positions)
    if isinstance(index, pd.RangeIndex):  # positions inside a slice: rows of the whole series
        return "row(s) " + ", ".join(str(index[p] + 1) for p in positions)
    return "row(s) " + ", ".join(str(p + 1) for p in positions)


def check_finite_column(values: np.ndarray, name: str, index: pd.Index | None = None) -> None:
    """Refuse NaN/inf, naming the count, the first timestamps or 1-based rows, and how to fill them."""
    bad = ~np.isfinite(values)
    if bad.any():
        where = describe_rows(index if index is not None else pd.RangeIndex(len(values)), np.flatnonzero(bad))
        raise DataError(
            f"Column {name!r} must hold finite numbers. Received: {int(bad.sum())} NaN/inf value(s), first at "
            f"{where} ({ROW_NOTE}). Fill them first, e.g. frame = frame.interpolate() or frame.ffill(), "
            "drop those rows, or leave the column out."
        )


def check_finite_frame(frame: pd.DataFrame) -> None:
    """Every column of `frame` (numeric) must be finite; see :func:`check_finite_column`."""
    for col in frame.columns:
        check_finite_column(frame[col].to_numpy(dtype=np.float64), str(col), frame.index)


def check_time_index(index: pd.Index) -> None:
    """A DatetimeIndex/PeriodIndex must be strictly increasing (sorted, no duplicates).

    Messages name the timestamps and their 1-based rows.
    """
    if not isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex)):
        return
    if index.hasnans:
        pos = np.flatnonzero(pd.isna(index))
        raise DataError(f"The time index must not contain missing timestamps. Received: NaT at row {pos[0] + 1} "
                        f"({ROW_NOTE}), {len(pos)} in all.")
    dup = index.duplicated(keep=False)
    if dup.any():
        first = index[dup][0]
        rows = (np.flatnonzero(index == first) + 1).tolist()
        raise DataError(
            f"The time index must not repeat a timestamp. Received: {format_stamp(first)} at rows {rows[:5]} "
            f"({ROW_NOTE}), {int(index.duplicated().sum())} repeat(s) in all. Drop them first, e.g. "
            "frame = frame[~frame.index.duplicated()]."
        )
    if not index.is_monotonic_increasing:
        if len(index) > 1 and index.is_monotonic_decreasing:
            raise DataError(
                "The time index must be sorted in increasing order. Received: decreasing stamps, from "
                f"{format_stamp(index[0])} (row 1) to {format_stamp(index[-1])} (row {len(index)}). "
                "Use frame.sort_index() if the rows are the periods in reverse."
            )
        pos = int(np.flatnonzero(np.diff(index.asi8) < 0)[0]) + 1
        raise DataError(
            f"The time index must be sorted in increasing order. Received: {format_stamp(index[pos])} at row "
            f"{pos + 1} after {format_stamp(index[pos - 1])} at row {pos} ({ROW_NOTE}). Check the date format (day/month?), or use "
            "frame.sort_index()."
        )


#: Column names that hold time stamps, not inputs (lower case).
TIME_LIKE_NAMES = {"date", "time", "datetime", "timestamp", "year", "month", "quarter", "period", "day", "week"}


def _first_non_numeric(values: pd.Series) -> tuple[int, object] | None:
    coerced = pd.to_numeric(values, errors="coerce")
    bad = np.flatnonzero((coerced.isna() & values.notna()).to_numpy())
    return (int(bad[0]), values.iloc[bad[0]]) if len(bad) else None


def check_frame_columns(frame: pd.DataFrame, target: str, features: Iterable[str] | None) -> list[str]:
    """Return the column list [target, *other features], checking names and dtypes.

    Default features: every numeric (non-boolean) column; a numeric column named like a time stamp
    (``year``, ``date``, ...) is refused rather than silently used as an input.
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"`data` must be a pandas DataFrame. Received: {type(frame).__name__}")
    dup = frame.columns[frame.columns.duplicated()].unique().tolist()
    if dup:
        raise DataError(f"Column names must be unique. Received: {dup} more than once; rename them first.")
    if not isinstance(target, str) and not isinstance(target, (int, np.integer)):
        raise ArgumentError(f"`target` must be a column name. Received: target={target!r}")
    if target not in frame.columns:
        raise DataError(f"`target` must name a column. Received: target={target!r} (not found); "
                        f"available: {list(frame.columns)}")
    if features is None:
        features = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])
                    and not pd.api.types.is_bool_dtype(frame[c])]
        timelike = [c for c in features if c != target and str(c).strip().lower() in TIME_LIKE_NAMES]
        if timelike:
            raise DataError(
                f"Column(s) {timelike} look like time stamps; they must not become model inputs unasked. "
                f"Received: features=None (every numeric column). Pass date_col={timelike[0]!r} to use it as "
                "the time index, or list the inputs in `features`."
            )
        saved_index = [c for c in features if c != target and str(c).startswith("Unnamed: ")]
        if saved_index:
            raise DataError(
                f"Column(s) {saved_index} look like a row index saved with the data (pandas writes it unnamed); "
                "it must not become a model input unasked. Received: features=None (every numeric column). "
                "List the inputs in `features`, or save the file with index=False."
            )
    elif isinstance(features, str):
        features = [features]
    features = list(features)
    missing = [c for c in features if c not in frame.columns]
    if missing:
        raise DataError(f"`features` must name columns. Received: {missing} (not found); "
                        f"available: {list(frame.columns)}")
    columns = [target] + [c for c in features if c != target]
    for c in columns:
        col = frame[c]
        if pd.api.types.is_datetime64_any_dtype(col):
            raise DataError(f"Column {c!r} holds dates; it must not be a model input. Received: dtype {col.dtype}. "
                            f"Pass date_col={c!r} to make it the time index.")
        if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
            found = _first_non_numeric(col) if not pd.api.types.is_bool_dtype(col) else (0, col.iloc[0])
            what = f"{found[1]!r} at row {found[0] + 1} ({ROW_NOTE}), dtype {col.dtype}" if found else \
                f"dtype {col.dtype}"
            raise DataError(
                f"Column {c!r} must be numeric. Received: {what}. Convert it (pd.to_numeric, or fix the value, "
                "e.g. a decimal comma) or leave it out of `features`."
            )
    return columns
