"""Any user DataFrame or CSV: choose the target and feature columns, get a clean time index."""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import pandas as pd

from pybbdl._validation import check_frame_columns, check_time_index
from pybbdl.exceptions import DataError


def from_frame(
    frame: pd.DataFrame,
    *,
    target: str,
    features: Sequence[str] | None = None,
    date_col: str | None = None,
) -> pd.DataFrame:
    """Select ``[target, *features]`` from a frame and check its time index.

    Args:
        frame: The data, one row per period.
        target: Name of the column to forecast.
        features: Other numeric columns to feed the models; default: all numeric columns.
        date_col: Column holding the timestamps, made the index. Default: keep the index.

    Returns:
        A new DataFrame whose first column is the target.

    Raises:
        DataError: unknown or non-numeric columns, unsorted or duplicate timestamps.
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"`frame` must be a pandas DataFrame. Received: {type(frame).__name__}")
    if date_col is not None:
        if date_col not in frame.columns:
            raise DataError(f"Date column {date_col!r} not found. Available: {list(frame.columns)}")
        frame = frame.set_index(pd.DatetimeIndex(pd.to_datetime(frame[date_col]), name=date_col))
        frame = frame.drop(columns=[date_col])
    columns = check_frame_columns(frame, target, features)
    check_time_index(frame.index)
    out = frame[columns].copy()
    out.attrs = dict(frame.attrs)
    return out


def read_csv(
    path: str | os.PathLike,
    *,
    target: str,
    features: Sequence[str] | None = None,
    date_col: str | None = None,
    date_format: str | None = None,
    encoding: str | None = None,
) -> pd.DataFrame:
    """Read a CSV of time series (one row per period) and select target and features.

    Args:
        path: CSV file (``.gz``/``.zip`` compressed files work too).
        target: Column to forecast.
        features: Other numeric columns; default: all numeric columns.
        date_col: Timestamp column; default: the first column if it parses as dates,
            otherwise the rows keep a plain integer index.
        date_format: ``strftime`` format of the dates, e.g. ``"%d.%m.%Y %H:%M:%S"``.
        encoding: File encoding, e.g. ``"latin-1"`` for the 2020 Jena ``weather.csv``.

    Raises:
        FileNotFoundError: the file does not exist.
        DataError: see :func:`from_frame`.
    """
    if not os.path.exists(path):
        raise FileNotFoundError(f"CSV file not found: {os.fspath(path)!r}")
    frame = pd.read_csv(path, encoding=encoding)
    if date_col is None:
        first = frame.columns[0]
        if not pd.api.types.is_numeric_dtype(frame[first]):
            try:
                pd.to_datetime(frame[first].head(20), format=date_format)
                date_col = first
            except (ValueError, TypeError):
                date_col = None
    if date_col is not None and date_col in frame.columns:
        frame[date_col] = pd.to_datetime(frame[date_col], format=date_format)
    return from_frame(frame, target=target, features=features, date_col=date_col)


def with_calendar_features(frame: pd.DataFrame, *, daily: bool = True, yearly: bool = True) -> pd.DataFrame:
    """Add sine/cosine of the time of day and of the day of the year as extra columns.

    Temperature has both cycles; a network sees where in them a window ends without having to
    infer it from the data. Needs a DatetimeIndex. The new columns are ``day_sin``, ``day_cos``,
    ``year_sin``, ``year_cos`` (unitless, in [-1, 1]); the target stays first.
    """
    if not isinstance(frame.index, pd.DatetimeIndex):
        raise DataError(f"Calendar features need a DatetimeIndex. Received: {type(frame.index).__name__}")
    out = frame.copy()
    seconds = (frame.index - frame.index.normalize()).total_seconds().to_numpy()
    if daily:
        out["day_sin"] = np.sin(2 * np.pi * seconds / 86400.0)
        out["day_cos"] = np.cos(2 * np.pi * seconds / 86400.0)
    if yearly:
        year_frac = (frame.index.dayofyear.to_numpy() - 1 + seconds / 86400.0) / 365.2425
        out["year_sin"] = np.sin(2 * np.pi * year_frac)
        out["year_cos"] = np.cos(2 * np.pi * year_frac)
    return out
