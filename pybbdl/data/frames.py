"""Any user DataFrame or CSV: choose the target and feature columns, get a clean time index."""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import pandas as pd

from pybbdl._validation import check_finite_frame, check_frame_columns, check_time_index
from pybbdl.data.dates import looks_like_dates, parse_dates, warn_if_irregular
from pybbdl.exceptions import ArgumentError, DataError, DataFileNotFoundError


def _date_column(frame: pd.DataFrame, target, date_col, date_format, dayfirst) -> tuple[pd.DataFrame, str | None]:
    """Make the date column (given, or the one column that looks like dates) the index."""
    if date_col is not None:
        if date_col not in frame.columns:
            raise DataError(f"`date_col` must name a column. Received: date_col={date_col!r} (not found); "
                            f"available: {list(frame.columns)}")
    elif isinstance(frame.index, (pd.DatetimeIndex, pd.PeriodIndex)):
        return frame, None
    elif looks_like_dates(frame.index.to_series(index=pd.RangeIndex(len(frame)))):
        name = frame.index.name or "index"
        stamps = parse_dates(frame.index.to_series(), column=name, date_format=date_format, dayfirst=dayfirst)
        return frame.set_index(stamps), None
    else:
        found = [c for c in frame.columns if c != target and looks_like_dates(frame[c])]
        if len(found) > 1:
            raise DataError(f"`date_col` must say which column holds the dates. Received: date_col=None, and "
                            f"{found} all look like dates.")
        if not found:
            if date_format is not None or dayfirst is not None:
                raise DataError("`date_format`/`dayfirst` need a date column, but no column looks like dates. "
                                f"Received: columns {list(frame.columns)}; pass date_col=...")
            return frame, None
        date_col = found[0]
    stamps = parse_dates(frame[date_col], column=str(date_col), date_format=date_format, dayfirst=dayfirst)
    return frame.drop(columns=[date_col]).set_index(stamps), date_col


def from_frame(
    frame: pd.DataFrame,
    *,
    target: str,
    features: Sequence[str] | None = None,
    date_col: str | None = None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
) -> pd.DataFrame:
    """Select ``[target, *features]`` from a frame, with a checked time index.

    The time index is the frame's DatetimeIndex, else `date_col`, else the one column (or a
    text index) that looks like dates. A date column is parsed completely or refused (see
    :func:`pybbdl.data.dates.parse_dates`); it never becomes a model input.

    Args:
        frame: The data, one row per period.
        target: Name of the column to forecast.
        features: Other numeric columns to feed the models; default: all numeric columns.
        date_col: Column holding the timestamps, made the index.
        date_format: ``strftime`` format of the dates, e.g. ``"%d/%m/%Y"``.
        dayfirst: For dates like ``01/02/2000`` that could be either: True = day first.

    Returns:
        A new DataFrame whose first column is the target.

    Warns:
        IrregularTimeIndexWarning: the steps between stamps are not regular (names the largest gap).

    Raises:
        DataError: no rows, repeated column names, unknown or non-numeric columns, a date column
            that does not parse completely in one format, unsorted or duplicate timestamps,
            NaN/inf in the columns used (rows count from 1, header not counted).
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"`frame` must be a pandas DataFrame. Received: {type(frame).__name__}")
    dup = frame.columns[frame.columns.duplicated()].unique().tolist()
    if dup:
        raise DataError(f"Column names must be unique. Received: {dup} more than once; rename them first.")
    if len(frame) == 0:
        raise DataError(f"The data must have rows. Received: no data rows (columns {list(frame.columns)}).")
    frame, date_col = _date_column(frame, target, date_col, date_format, dayfirst)
    for c in [target, *([] if features is None else [features] if isinstance(features, str) else features)]:
        if c in frame.columns and pd.api.types.is_object_dtype(frame[c]) and looks_like_dates(frame[c]):
            raise DataError(f"Column {c!r} holds dates; it must not be a model input. Received: {c!r} in "
                            f"`target`/`features`. Pass date_col={c!r} to make it the time index.")
    columns = check_frame_columns(frame, target, features)
    check_time_index(frame.index)
    warn_if_irregular(frame.index)
    out = frame[columns].copy()
    check_finite_frame(out)
    out.attrs = dict(frame.attrs)
    return out


def check_csv_frame(frame, path, header) -> None:
    """What every CSV reader (this one, the panel's) checks on the frame pandas read: data rows below
    the header, and commas as the separator (one column whose name holds ``;``, a tab or ``|`` is a
    file with another separator)."""
    if len(frame) == 0:
        raise DataError(f"CSV file {os.fspath(path)!r} must have data rows. Received: no data rows, only the header "
                        f"{list(header)}.")
    if frame.shape[1] == 1:
        only = str(frame.columns[0])
        seps = [name for sep, name in ((";", "';'"), ("\t", "tab"), ("|", "'|'")) if sep in only]
        if seps:
            raise DataError(f"CSV file {os.fspath(path)!r} must be comma-separated. Received: one column "
                            f"{only[:80]!r}, whose name holds {seps[0]}: the file uses another separator. Convert "
                            "it, e.g. pandas.read_csv(path, sep=';', decimal=',').to_csv(new_path, index=False).")


def _read(path, encoding, **kwargs) -> pd.DataFrame:
    try:
        return pd.read_csv(path, encoding=encoding, **kwargs)
    except UnicodeDecodeError as err:
        raise DataError(
            f"CSV file {os.fspath(path)!r} must be text in {encoding or 'UTF-8'}. Received: byte "
            f"{err.object[err.start:err.start + 1]!r} at byte {err.start} that is not valid {err.encoding}. "
            "If it is a Latin-1/Windows file, pass encoding='latin-1' (command line: --encoding latin-1)."
        ) from None
    except LookupError:  # pandas passes an unknown codec name on to Python's codecs
        raise ArgumentError(f"`encoding` must be a text encoding Python knows, e.g. 'utf-8' or 'latin-1'. "
                            f"Received: encoding={encoding!r}") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"CSV file {os.fspath(path)!r} must have a header and data rows. Received: an empty file.") \
            from None
    except pd.errors.ParserError as err:
        raise DataError(f"CSV file {os.fspath(path)!r} must be a well-formed CSV. "
                        f"Received: {str(err).strip()}") from None


def read_csv(
    path: str | os.PathLike,
    *,
    target: str,
    features: Sequence[str] | None = None,
    date_col: str | None = None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
    encoding: str | None = None,
) -> pd.DataFrame:
    """Read a CSV of time series (one row per period) and select target and features.

    Args:
        path: CSV file (``.gz``/``.zip`` compressed files work too).
        target: Column to forecast.
        features: Other numeric columns; default: all numeric columns.
        date_col: Timestamp column; default: the one column that looks like dates (most of its
            first 50 values parse), else the rows keep a plain integer index.
        date_format: ``strftime`` format of the dates, e.g. ``"%d.%m.%Y %H:%M:%S"``.
        dayfirst: Read ``01/02/2000`` as 1 February (True) or 2 January (False). Without it and
            without `date_format`, a day/month order that no value decides is refused.
        encoding: File encoding, e.g. ``"latin-1"`` for the 2020 Jena ``weather.csv``.

    Raises:
        DataFileNotFoundError: the file does not exist (a FileNotFoundError).
        DataError: an empty or header-only file, repeated column names, the wrong encoding,
            a separator other than the comma (one column whose name holds ';', tab or '|'),
            and everything :func:`from_frame` refuses. Rows count from 1, header not counted.

    Example:
        >>> frame = read_csv("sales.csv", target="sales", date_col="date", dayfirst=True)  # doctest: +SKIP
    """
    if not os.path.exists(path):
        raise DataFileNotFoundError(f"CSV file {os.fspath(path)!r} must exist. Received: no such file.")
    header = _read(path, encoding, header=None, nrows=1, dtype=str).iloc[0].tolist()
    seen = {str(h) for h in header}
    dup = sorted({str(h) for h in header if [str(x) for x in header].count(str(h)) > 1})
    if dup:
        raise DataError(f"CSV file {os.fspath(path)!r} must have unique column names. Received: {dup} more than "
                        "once in the header.")
    frame = _read(path, encoding)
    check_csv_frame(frame, path, sorted(seen))
    frame.attrs["source"] = os.fspath(path)
    return from_frame(frame, target=target, features=features, date_col=date_col, date_format=date_format,
                      dayfirst=dayfirst)


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
