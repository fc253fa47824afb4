"""Dates in user data: parse a column completely or refuse it, and check the steps between stamps.

The rule (issue "No silent wrong answers", case 1): a column that looks like dates either parses
completely, in **one** format, or the read fails naming the column, the first bad value and its
row. ``21/02/2000`` is never silently dropped, and ``01/02/2000`` is never silently read as
2 January when the file means 1 February: a format that the values themselves do not decide
(every day field <= 12) is refused until ``date_format=`` or ``dayfirst=`` says which it is.

Rows in messages count from 1 over the data rows (the header line is not counted), which is the
row number R and spreadsheets show.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

from pybbdl._validation import format_stamp
from pybbdl.exceptions import DataError, IrregularTimeIndexWarning

#: Share of sampled values that must parse for an untyped text column to count as dates.
LOOKS_LIKE_DATES = 0.6
_SAMPLE = 50
_NUMBER = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")
_QUARTER = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*$")
ROW_NOTE = "rows count from 1, header not counted"


def _strings(values: pd.Series) -> pd.Series:
    return values.astype("string").str.strip()


def _parses_as_date(text: str) -> bool:
    if _NUMBER.match(text) or not any(ch.isdigit() for ch in text):
        return False
    if _QUARTER.match(text):
        return True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pd.Timestamp(text)
    except (ValueError, TypeError, OverflowError):
        return False
    return True


def looks_like_dates(values: pd.Series) -> bool:
    """True for a datetime column, or a text column most of whose first values parse as dates."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return True
    if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
        return False
    sample = values.dropna().head(_SAMPLE)
    if sample.empty or not all(isinstance(v, str) for v in sample):
        return False
    hits = sum(_parses_as_date(v) for v in sample)
    return hits >= LOOKS_LIKE_DATES * len(sample)


def _first_bad(text: pd.Series, parsed: pd.Series) -> int | None:
    bad = np.flatnonzero((parsed.isna() & text.notna()).to_numpy())
    return int(bad[0]) if len(bad) else None


_OFFSET = r"(Z|[+-]\d\d:?\d\d)$"


def _try_format(text: pd.Series, fmt: str) -> pd.Series:
    """Parse with one format; unparsable values become NaT. Mixed UTC offsets (summer time) become UTC."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = pd.to_datetime(text, format=fmt, errors="coerce")
            if pd.api.types.is_datetime64_any_dtype(out):
                return out
        except (ValueError, TypeError):
            pass
        try:  # several offsets: the same instants in UTC; a value without an offset is refused, not assumed UTC
            out = pd.to_datetime(text, format=fmt, errors="coerce", utc=True)
            return out.where(text.str.contains(_OFFSET, regex=True).fillna(False).astype(bool))
        except (ValueError, TypeError):
            return pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")


def _refuse_bad_value(column: str, text: pd.Series, pos: int, how: str, hint: str) -> DataError:
    return DataError(
        f"Date column {column!r} must hold dates in one format ({how}). Received: {text.iloc[pos]!r} "
        f"at row {pos + 1} ({ROW_NOTE}). {hint}"
    )


def parse_dates(
    values: pd.Series,
    *,
    column: str,
    date_format: str | None = None,
    dayfirst: bool | None = None,
) -> pd.DatetimeIndex:
    """Parse every value of a date column, or raise :class:`DataError`.

    Without `date_format`, ISO 8601 (``2000-02-21``, ``2000-02-21 10:00``) is tried first, then
    the formats guessed from the first value: day-first and month-first both, or the one
    `dayfirst` selects. Exactly one format must read every value; if both read every value
    and disagree (all day fields <= 12), the column is refused as ambiguous. Quarter labels
    (``2000Q1``, ``2000-Q1``) become quarter starts.

    Args:
        values: The column, text or already datetime.
        column: Its name, for messages.
        date_format: ``strftime`` format every value must match, e.g. ``"%d/%m/%Y"``.
        dayfirst: Read ``01/02/2000`` as 1 February (True) or 2 January (False).

    Returns:
        A DatetimeIndex named `column`, one stamp per value.

    Raises:
        DataError: a missing, unparsable or ambiguous value; the message names the column,
            the first bad value and its row (counting from 1, header not counted).
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = pd.Series(values)
        missing = np.flatnonzero(parsed.isna().to_numpy())
        if len(missing):
            raise DataError(f"Date column {column!r} must have no missing dates. Received: a missing date at "
                            f"row {missing[0] + 1} ({ROW_NOTE}), {len(missing)} in all.")
        return pd.DatetimeIndex(parsed, name=column)
    text = _strings(pd.Series(values).reset_index(drop=True))
    missing = np.flatnonzero(text.isna().to_numpy() | (text == "").fillna(False).to_numpy())
    if len(missing):
        raise DataError(f"Date column {column!r} must have no missing dates. Received: an empty value at "
                        f"row {missing[0] + 1} ({ROW_NOTE}), {len(missing)} in all.")
    if date_format is not None:
        parsed = _try_format(text, date_format)
        pos = _first_bad(text, parsed)
        if pos is not None:
            raise _refuse_bad_value(column, text, pos, f"date_format={date_format!r}",
                                    "Fix that value, or pass the `date_format` that every value matches.")
        return pd.DatetimeIndex(parsed, name=column)
    quarters = text.str.extract(_QUARTER) if _QUARTER.match(str(text.iloc[0])) else None
    if quarters is not None and quarters.notna().all(axis=None):
        stamps = pd.PeriodIndex.from_fields(year=quarters[0].astype(int), quarter=quarters[1].astype(int), freq="Q")
        return pd.DatetimeIndex(stamps.to_timestamp(how="start"), name=column)
    # formats are first tried on a sample (the first and spread-out values): full parses are slow
    spread = np.linspace(0, len(text) - 1, 1500).astype(int)
    sample = text.iloc[np.unique(np.r_[np.arange(min(len(text), 500)), spread])]
    iso = _try_format(text, "ISO8601") if _first_bad(sample, _try_format(sample, "ISO8601")) is None else None
    if iso is not None and _first_bad(text, iso) is None:
        return pd.DatetimeIndex(iso, name=column)
    first = str(text.iloc[0])
    from pandas.tseries.api import guess_datetime_format

    flags = [dayfirst] if dayfirst is not None else [False, True]
    candidates = []
    if not re.match(r"^\s*\d{4}", first):  # year-first stamps are read as ISO 8601 above
        for flag in flags:
            with warnings.catch_warnings():  # pandas warns when the guess contradicts `dayfirst`; we try both
                warnings.simplefilter("ignore", UserWarning)
                fmt = guess_datetime_format(first, dayfirst=flag)
            if fmt and fmt not in candidates:
                candidates.append(fmt)
    if not candidates:  # the first value is ISO (or unreadable): report where ISO reading stops
        iso = _try_format(text, "ISO8601") if iso is None else iso
        pos = _first_bad(text, iso)
        if pos == 0 and not iso.notna().any():
            raise DataError(
                f"Date column {column!r} must hold dates in a format pybbdl can infer. Received: {first!r} at "
                f"row 1 ({ROW_NOTE}). Pass `date_format`, e.g. date_format='%b %Y' for 'Jan 2000'.")
        raise _refuse_bad_value(column, text, pos, f"ISO 8601 like {first!r}",
                                "Fix that value, or pass `date_format` if the file really uses one other format.")
    survivors = [fmt for fmt in candidates if _first_bad(sample, _try_format(sample, fmt)) is None]
    results = {fmt: _try_format(text, fmt) for fmt in (survivors or candidates)}
    complete = [fmt for fmt, p in results.items() if _first_bad(text, p) is None]
    candidates = list(results)
    if len(complete) == 1:
        return pd.DatetimeIndex(results[complete[0]], name=column)
    if len(complete) == 2:
        a, b = (results[f] for f in complete)
        if (a == b).all():
            return pd.DatetimeIndex(a, name=column)
        pos = int(np.flatnonzero((a != b).to_numpy())[0])
        raise DataError(
            f"Date column {column!r} is ambiguous: {text.iloc[pos]!r} (row {pos + 1}, {ROW_NOTE}) reads as "
            f"{a.iloc[pos]:%Y-%m-%d} with {complete[0]!r} and as {b.iloc[pos]:%Y-%m-%d} with {complete[1]!r}, "
            "and no value decides it. It must be read one way: pass dayfirst=True (day/month/year) or "
            "dayfirst=False (month/day/year), or date_format=...")
    # no format reads everything: report the first failure of the format that reads the most
    best = max(candidates, key=lambda f: (_first_bad(text, results[f]), int(results[f].notna().sum())))
    pos = _first_bad(text, results[best])
    how = f"{best!r}, guessed from the first value {first!r}"
    raise _refuse_bad_value(column, text, pos, how,
                            "Fix that value, or pass the `date_format` (or `dayfirst`) every value matches.")


# -- steps between stamps ------------------------------------------------------------------------
_DAY = 86_400 * 10**9  # nanoseconds


def _normal_steps(index: pd.DatetimeIndex, median: float) -> tuple[float, float]:
    """Range of steps (ns) that is normal calendar irregularity for the series' frequency."""
    days = median / _DAY
    if 28 <= days <= 31:
        return 28 * _DAY, 31 * _DAY  # monthly
    if 89 <= days <= 92:
        return 89 * _DAY, 92 * _DAY  # quarterly
    if 365 <= days <= 366:
        return 365 * _DAY, 366 * _DAY  # yearly
    if days == 1 and (index.dayofweek < 5).all():
        return _DAY, 5 * _DAY  # business days: weekends and holidays
    return median, median


def irregular_step(index: pd.Index) -> str | None:
    """A sentence naming the largest irregular gap of a sorted DatetimeIndex, or None if regular.

    Monthly, quarterly, yearly and business-day series are regular despite their calendar
    (months of 28-31 days, weekends); anything else must have one step throughout.
    """
    if not isinstance(index, pd.DatetimeIndex) or len(index) < 3:
        return None
    steps = np.diff(index.asi8).astype(np.float64)
    if np.all(steps == steps[0]):
        return None
    median = float(np.median(steps))
    lo, hi = _normal_steps(index, median)
    odd = (steps < lo) | (steps > hi)
    if not odd.any():
        return None
    usual = pd.Timedelta(int(median), unit="ns")
    if (steps > hi).any():
        j, what = int(np.argmax(steps)), "the largest gap"
    else:
        j, what = int(np.argmin(steps)), "the shortest step"
    return (
        f"The time index is irregular: {int(odd.sum())} step(s) differ from the usual {usual}; {what} "
        f"is {pd.Timedelta(int(steps[j]), unit='ns')} between {format_stamp(index[j])} and "
        f"{format_stamp(index[j + 1])} (rows {j + 1} and {j + 2}). Windows count rows, not time, so a window "
        "across a gap mixes periods. Fill the gaps (e.g. frame.asfreq(...).interpolate()) if they are missing data."
    )


def warn_if_irregular(index: pd.Index, *, stacklevel: int = 3) -> None:
    """Issue :class:`IrregularTimeIndexWarning` if :func:`irregular_step` finds a gap."""
    message = irregular_step(index)
    if message:
        warnings.warn(message, IrregularTimeIndexWarning, stacklevel=stacklevel)
