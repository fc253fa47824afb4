"""Panels: many series at once, each with its own length, frequency and horizon.

:func:`as_panel` reads long data (one row per series x time: an id column, a time column, a
value column, optional covariates) from a pandas DataFrame, a CSV file or an R data.frame (which
arrives as a DataFrame through reticulate), or a dict/list of series, and returns a
:class:`Panel`: the series that are usable, and ``{id: message}`` for those that are not. One bad
series never stops the others; the panel workflow gives it a row with its error. What is wrong
with the whole input (a missing file, rows without an id, a time column that is not one, settings
that no series can meet) is refused once, up front, with one message.
"""

from __future__ import annotations

import datetime
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pybbdl._validation import format_stamp
from pybbdl.data.dates import ROW_NOTE, irregular_step, looks_like_dates, parse_dates
from pybbdl.exceptions import (ArgumentError, ArgumentTypeError, DataError, DataFileNotFoundError,
                               IrregularTimeIndexWarning)

#: Default horizon per seasonal period (the M3/M4 horizons; other periods: 2 * period, at least 6).
DEFAULT_HORIZONS = {1: 6, 4: 8, 12: 18, 52: 13, 7: 14, 24: 48}
#: Frequency labels of the seasonal periods (used when no frequency column names them).
PERIOD_LABELS = {1: "yearly", 4: "quarterly", 12: "monthly", 52: "weekly", 7: "daily", 24: "hourly"}
#: The longest horizon, in multiples of a series' length: forecasts past the end are bounded.
MAX_HORIZON_RATIO = 10
_FREQ_PERIODS = {"Y": 1, "A": 1, "Q": 4, "M": 12, "W": 52, "D": 7, "B": 5, "H": 24, "h": 24}


@dataclass
class PanelSeries:
    """One series of a panel.

    Attributes:
        id: The series id (a string).
        y: The history the models are fitted on (float array, oldest first, no NaN).
        period: The seasonal period (1 = none, 4 = quarterly, 12 = monthly).
        horizon: Steps to forecast.
        frequency: The label the per-frequency tables group by (``"monthly"``, M3's ``"OTHER"``).
        actual: The held-out values the forecasts are scored on (``horizon`` values), or None.
        times: The time labels of ``y`` (None when the input had none).
        covariates: Covariate columns of the history rows (None when there are none); carried
            along for models that use them, ignored by the local models.
        note: What the reader noticed but did not refuse (a gap between times), or ``""``.
    """

    id: str
    y: np.ndarray
    period: int
    horizon: int
    frequency: str
    actual: np.ndarray | None = None
    times: pd.Index | None = None
    covariates: pd.DataFrame | None = None
    note: str = ""


@dataclass
class Panel:
    """The usable series and ``errors`` ``{id: what is wrong}`` for the others, in input order;
    ``time_col``: the column that ordered each series' rows (None: input order)."""

    series: list[PanelSeries]
    errors: dict[str, str] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    time_col: str | None = None

    @property
    def ids(self) -> list[str]:
        return [s.id for s in self.series]

    def __len__(self) -> int:
        return len(self.series)

    def info(self) -> pd.DataFrame:
        """One row per input series: id, frequency, period, horizon, n_train, error, note."""
        by_id = {s.id: s for s in self.series}
        rows = []
        for sid in self.order:
            s = by_id.get(sid)
            rows.append({"id": sid, "frequency": s.frequency if s else None, "period": s.period if s else None,
                         "horizon": s.horizon if s else None, "n_train": len(s.y) if s else None,
                         "error": self.errors.get(sid, ""), "note": s.note if s else ""})
        return pd.DataFrame(rows, columns=["id", "frequency", "period", "horizon", "n_train", "error", "note"])


def infer_period(index) -> int | None:
    """The seasonal period of a regular pandas DatetimeIndex/PeriodIndex (Q -> 4, M -> 12), or None."""
    freq = None
    if isinstance(index, pd.PeriodIndex):
        freq = index.freqstr
    elif isinstance(index, pd.DatetimeIndex) and len(index) >= 3:
        freq = index.freqstr or pd.infer_freq(index)
    if not freq:
        return None
    base = freq.lstrip("0123456789").split("-")[0]
    for key in (base[:2], base[:1]):
        if key in ("YS", "AS", "QS", "MS", "BA", "BQ", "BM"):
            return _FREQ_PERIODS[key[0] if key[0] != "B" else key[1]]
        if key in _FREQ_PERIODS:
            return _FREQ_PERIODS[key]
    return None


def _series_frame(data, date_format=None, dayfirst=None) -> tuple[pd.DataFrame, str, str | None, str]:
    """A dict or list of series as a long frame (id, time, value); text indexes read as dates."""
    if isinstance(data, Mapping):
        items = list(data.items())
    else:
        items = []
        for i, s in enumerate(data):
            name = getattr(s, "name", None)
            items.append((name if name is not None else f"series_{i + 1}", s))
    if not items:
        raise DataError("`data` must hold at least one series. Received: an empty collection")
    frames, text_times = [], False
    ids = [str(k) for k, _ in items]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise DataError(f"`data` must name each series once. Received: {dup} more than once")
    for sid, s in items:
        if isinstance(s, pd.DataFrame):
            if s.shape[1] != 1:
                raise DataError(f"series {str(sid)!r} must be one column. Received: a DataFrame with columns "
                                f"{list(s.columns)}")
            s = s.iloc[:, 0]
        if isinstance(s, pd.Series):
            values, times = s.to_numpy(), s.index
            if not isinstance(times, (pd.DatetimeIndex, pd.PeriodIndex)) and len(times):
                column = times.to_series(index=pd.RangeIndex(len(times)))
                text = not (pd.api.types.is_numeric_dtype(column) or pd.api.types.is_datetime64_any_dtype(column))
                text_times |= text
                times = pd.Index(_parse_times(column, f"index of series {str(sid)!r}", *((date_format, dayfirst)
                                                                                          if text else (None, None))))
        else:
            values = np.asarray(s, dtype=object).reshape(-1) if not isinstance(s, np.ndarray) else s.reshape(-1)
            times = pd.RangeIndex(1, len(values) + 1)
        frames.append(pd.DataFrame({"id": str(sid), "time": times, "value": values}))
    if (date_format is not None or dayfirst is not None) and not text_times:
        raise DataError("`date_format`/`dayfirst` apply to dates written as text, and no series has such an index. "
                        f"Received: date_format={date_format!r}, dayfirst={dayfirst!r}")
    return pd.concat(frames, ignore_index=True), "id", "time", "value"


# ---------------------------------------------------------------- reading: the checks of the whole input
def _rows(positions, limit: int = 5, note: bool = True) -> str:
    """``'rows 6, 7, 8'`` (1-based data rows) for 0-based positions, with the count when there are more."""
    positions = [int(p) + 1 for p in positions]
    text = ", ".join(str(p) for p in positions[:limit])
    more = f" ... ({len(positions)} in all)" if len(positions) > limit else ""
    return f"row{'s' if len(positions) > 1 else ''} {text}{more}" + (f" ({ROW_NOTE})" if note else "")


def _whole(name: str, value, *, minimum: int = 1, where: str = "") -> int:
    """A whole number >= `minimum` (whole floats such as 4.0 too), else ArgumentError/ArgumentTypeError."""
    text = f"`{name}` must be a whole number >= {minimum}{where}. Received: {value!r}"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer, float, np.floating)):
        raise ArgumentTypeError(text)
    if not np.isfinite(value) or value != int(value) or value < minimum:
        raise ArgumentError(text)
    return int(value)


def _check_settings(id_col, time_col, value_col, period, horizon, holdout, period_col, horizon_col, frequency_col,
                    part_col, covariates, min_length, date_format, dayfirst, encoding) -> list[str]:
    """Refuse settings that are wrong, or that another setting would silently override; the covariates."""
    for name, value, optional in (("id_col", id_col, False), ("value_col", value_col, False),
                                  ("period_col", period_col, True), ("horizon_col", horizon_col, True),
                                  ("frequency_col", frequency_col, True), ("part_col", part_col, True),
                                  ("date_format", date_format, True), ("encoding", encoding, True)):
        if not (isinstance(value, str) or (optional and value is None)):
            what = "text" if name in ("date_format", "encoding") else "a column name (text)"
            raise ArgumentTypeError(f"`{name}` must be {what}{' or None' if optional else ''}. Received: {value!r}")
    if not (time_col is None or time_col is False or isinstance(time_col, str)):
        raise ArgumentTypeError("`time_col` must be a column name, None (a column of dates, else 'time') or False "
                                f"(no times: each series' rows in input order). Received: {time_col!r}")
    if not isinstance(holdout, (bool, np.bool_)):
        raise ArgumentTypeError(f"`holdout` must be True or False. Received: {holdout!r}")
    if not (dayfirst is None or isinstance(dayfirst, (bool, np.bool_))):
        raise ArgumentTypeError(f"`dayfirst` must be True, False or None. Received: {dayfirst!r}")
    if date_format is not None and dayfirst is not None:
        raise ArgumentError("`date_format` and `dayfirst` must not both be given: the format decides the day/month "
                            f"order. Received: date_format={date_format!r}, dayfirst={dayfirst!r}")
    if encoding is not None:
        import codecs

        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ArgumentError(f"`encoding` must be an encoding Python knows, e.g. 'latin-1' or 'utf-16'. "
                                f"Received: {encoding!r}") from None
    _whole("min_length", min_length)
    for name, value in (("period", period), ("horizon", horizon)):
        if isinstance(value, Mapping):
            for sid, v in value.items():
                _whole(name, v, where=f" for every series (here {str(sid)!r})")
        elif value is not None:
            if isinstance(value, (str, bytes)) or not np.isscalar(value):
                raise ArgumentTypeError(f"`{name}` must be a whole number or a dict {{id: {name}}}. Received: "
                                        f"{value!r}")
            _whole(name, value)
    for name, value, col_name, col in (("period", period, "period_col", period_col),
                                       ("horizon", horizon, "horizon_col", horizon_col)):
        if value is not None and col is not None:
            raise ArgumentError(f"`{name}` and `{col_name}` must not both be given: one would override the other. "
                                f"Received: {name}={value!r}, {col_name}={col!r}")
    if not holdout and part_col is not None:
        raise ArgumentError("`holdout` must be True with `part_col`: the 'test' rows are the held-out values. "
                            f"Received: holdout=False, part_col={part_col!r}; drop part_col to forecast past the end")
    if covariates is None:
        covariates = []
    elif isinstance(covariates, str):
        covariates = [covariates]
    else:
        covariates = list(covariates)
    roles = [("id_col", id_col), ("time_col", time_col or None), ("value_col", value_col),
             ("period_col", period_col), ("horizon_col", horizon_col), ("frequency_col", frequency_col),
             ("part_col", part_col), *(("covariates", c) for c in covariates)]
    seen: dict = {}
    for role, col in roles:
        if col is None:
            continue
        if col in seen:
            raise ArgumentError(f"`{seen[col]}` and `{role}` must name different columns (each column has one "
                                f"role). Received: {col!r} for both")
        seen[col] = role
    return covariates


def _read_panel_csv(path: str, encoding: str | None, text_columns) -> pd.DataFrame:
    """A panel CSV as the single-series CSV reader reads files (same messages), text columns as text."""
    from pybbdl.data.frames import _read, check_csv_frame

    if not os.path.exists(path):
        raise DataFileNotFoundError(f"`data` must be an existing CSV file. Received: {path!r} (not found)")
    if os.path.isdir(path):
        raise DataError(f"`data` must be a CSV file. Received: {path!r}, a folder")
    try:
        header = _read(path, encoding, header=None, nrows=1, dtype=str).iloc[0].tolist()
    except DataError as err:
        if encoding is None and "must be text in" in str(err):
            with open(path, "rb") as f:
                start = f.read(2)
            if start in (b"\xff\xfe", b"\xfe\xff"):  # a byte order mark: what Excel and PowerShell write
                raise DataError(f"CSV file {path!r} must be text in UTF-8. Received: a UTF-16 file (it starts "
                                "with a UTF-16 byte order mark); pass encoding='utf-16' (command line: "
                                "--encoding utf-16).") from None
        raise
    names = [str(h) for h in header]
    dup = sorted({h for h in names if names.count(h) > 1})
    if dup:
        raise DataError(f"CSV file {path!r} must have unique column names. Received: {dup} more than once in the "
                        "header.")
    frame = _read(path, encoding, dtype={c: str for c in text_columns if c in names})
    check_csv_frame(frame, path, names)
    return frame


def _series_ids(frame: pd.DataFrame, id_col: str) -> pd.Series:
    """The id of every row, as text; missing ids and ids that only differ in type are refused."""
    raw = frame[id_col]
    missing = raw.isna().to_numpy() | (raw.astype(str).str.strip() == "").to_numpy()
    if missing.any():
        raise DataError(f"`id_col` {id_col!r} must name a series on every row. Received: an empty or missing (NA) "
                        f"id on {_rows(np.flatnonzero(missing))}. Fill them in or drop those rows.")
    ids = raw.astype(str)
    if raw.dtype == object:  # e.g. 1 and "1" in one column: one text, two values
        kinds = raw.groupby(ids, sort=False).nunique()
        clash = kinds.index[kinds > 1].tolist()
        if clash:
            raise DataError(f"`id_col` {id_col!r} must hold one kind of id. Received: {clash[:5]}, each written "
                            "both as a number and as text; make the column text (ids are text).")
    return ids


def _holds_times(values: pd.Series) -> bool:
    """A column of dates: datetime or period values, date/time objects, or text that looks like dates."""
    if isinstance(values.dtype, pd.PeriodDtype) or looks_like_dates(values):
        return True
    sample = values.dropna().head(50)
    return values.dtype == object and len(sample) > 0 and all(isinstance(v, (datetime.date, pd.Period))
                                                               for v in sample)


def _time_column(frame: pd.DataFrame, time_col, used: set) -> str | None:
    """The column that orders each series' rows: `time_col`, else the one column of dates or named
    'time'; None only when asked for (``time_col=False``) or when no column could hold times."""
    if time_col is False:
        return None
    if time_col is not None:
        return time_col
    free = [c for c in frame.columns if c not in used]
    found = [c for c in free if _holds_times(frame[c])]
    found += ["time"] if "time" in free and "time" not in found else []
    if len(found) > 1:
        raise DataError(f"`time_col` must say which column holds the times. Received: time_col=None, and {found} all "
                        "could (dates, or the name 'time'). Pass time_col=... (command line: --time-col).")
    if found:
        return found[0]
    numbers = [c for c in free if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])]
    if numbers:
        raise DataError(f"`time_col` must name the column that orders each series' rows. Received: time_col=None; "
                        f"no column holds dates or is named 'time', and {numbers} may hold times. Pass "
                        f"time_col={numbers[0]!r} (command line: --time-col {numbers[0]}), declare the column(s) "
                        "as covariates, or time_col=False (--no-time-col) to keep each series' rows in input order.")
    return None


def _parse_times(values: pd.Series, column: str, date_format, dayfirst) -> pd.Series:
    """The time column as numbers or timestamps, every value read, by the single-series CSV reader's date rule
    (:func:`pybbdl.data.dates.parse_dates`: one format for the whole column, ambiguous day/month refused)."""
    text_dates = not (pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values)
                      or isinstance(values.dtype, pd.PeriodDtype))
    if text_dates and not pd.api.types.is_bool_dtype(values):
        numbers = pd.to_numeric(values, errors="coerce")
        if numbers.notna().sum() == values.notna().sum():  # numbers written as text (e.g. an R character column)
            values, text_dates = numbers, False
    if (date_format is not None or dayfirst is not None) and not text_dates:
        raise DataError(f"`date_format`/`dayfirst` apply to dates written as text, but the time column {column!r} "
                        f"holds {values.dtype} values. Received: date_format={date_format!r}, dayfirst={dayfirst!r}")
    if pd.api.types.is_bool_dtype(values):
        raise DataError(f"The time column {column!r} must hold numbers or dates. Received: True/False values")
    if not text_dates:
        missing = np.flatnonzero(values.isna().to_numpy())
        if len(missing):
            raise DataError(f"The time column {column!r} must have a time on every row. Received: a missing time on "
                            f"{_rows(missing)}.")
        return values
    try:
        stamps = parse_dates(values, column=str(column), date_format=date_format, dayfirst=dayfirst)
    except DataError as err:
        text = str(err)
        if "dayfirst" in text:
            text += " (command line: --dayfirst, or --date-format %d/%m/%Y)"
        if not looks_like_dates(values):
            text = f"The time column {column!r} must hold numbers or dates. {text}"
        raise DataError(text) from None
    return pd.Series(stamps, index=values.index)


def _per_id(name: str, value, ids: pd.Index):
    """A per-series setting ``{id: value}`` with text keys that are all ids of the panel."""
    if not isinstance(value, Mapping):
        return value
    out: dict[str, object] = {}
    for k, v in value.items():
        if str(k) in out:
            raise ArgumentError(f"`{name}` must give each series once. Received: {str(k)!r} more than once "
                                "(ids are text: 1 and '1' are the same id)")
        out[str(k)] = v
    unknown = [k for k in out if k not in ids]
    if unknown:
        raise ArgumentError(f"`{name}` must only name series of the panel. Received: {unknown[:5]}"
                            f"{' ...' if len(unknown) > 5 else ''}, not ids of it; ids are e.g. {list(ids[:5])}")
    return out


def _check_parts(frame: pd.DataFrame, part_col: str) -> None:
    labels = frame[part_col]
    missing = np.flatnonzero(labels.isna().to_numpy())
    if len(missing):
        raise DataError(f"`part_col` {part_col!r} must mark every row 'train' or 'test'. Received: an empty value on "
                        f"{_rows(missing)}.")
    text = labels.astype(str).str.strip().str.lower()
    bad = ~text.isin(["train", "test"]).to_numpy()
    if bad.any():
        unknown = list(dict.fromkeys(labels[bad].astype(str)))
        raise DataError(f"`part_col` {part_col!r} must mark every row 'train' or 'test'. Received: {unknown[:5]}"
                        f"{' ...' if len(unknown) > 5 else ''}, first on {_rows(np.flatnonzero(bad)[:1])}.")
    if not (text == "test").any():
        raise DataError(f"`part_col` {part_col!r} has no 'test' rows: nothing would be scored. Received: only "
                        "'train' rows; drop part_col and pass holdout=False (command line: --no-holdout) to "
                        "forecast past the end.")


def _check_horizon_fits(horizon, sizes: pd.Series, holdout: bool, part_col, min_length: int) -> None:
    """A horizon too long for every series is refused once, not once per series; forecasts past the end
    are bounded (:data:`MAX_HORIZON_RATIO` times the longest series)."""
    longest = int(sizes.max())
    if holdout and part_col is None and horizon is not None and not isinstance(horizon, Mapping) \
            and longest - int(horizon) < min_length:
        raise ArgumentError(f"`horizon` must leave at least {min_length} values to fit on in some series. Received: "
                            f"horizon={horizon!r}, but the longest series has {longest} values, so the horizon can be "
                            f"at most {longest - min_length} (or forecast past the end: holdout=False, command "
                            "line --no-holdout)")
    values = list(horizon.values()) if isinstance(horizon, Mapping) else [] if horizon is None else [horizon]
    too_far = [h for h in values if int(h) > MAX_HORIZON_RATIO * longest]
    if too_far:
        raise ArgumentError(f"`horizon` must be at most {MAX_HORIZON_RATIO} times the longest series ({longest} "
                            f"values). Received: {too_far[0]!r}")


def summarise_errors(errors: Mapping, limit: int = 5, total: int | None = None) -> str:
    """``"a: reason; b: reason; ... (12 in all)"``: the first reasons of ``{id: reason}`` (of `total`, default
    all of them), for a one-line message."""
    items = list(errors.items())
    total = len(items) if total is None else total
    text = "; ".join(" ".join(str(v).split()) if str(v).startswith(f"series {k!r}") else
                     f"{k}: {' '.join(str(v).split())}" for k, v in items[:limit])
    return text + (f"; ... ({total} in all)" if total > min(limit, len(items)) else "")


def as_panel(data, *, id_col: str = "id", time_col: str | None = None, value_col: str = "value",
             period=None, horizon=None, holdout: bool = True, period_col: str | None = None,
             horizon_col: str | None = None, frequency_col: str | None = None, part_col: str | None = None,
             covariates: Sequence[str] | None = None, min_length: int = 3, date_format: str | None = None,
             dayfirst: bool | None = None, encoding: str | None = None) -> Panel:
    """Read a panel.

    Every door (a CSV path, a DataFrame, an R data.frame, the CLI) goes through these checks, once,
    before any series is fitted: what is wrong with the whole input is refused with one message;
    what is wrong with one series gives that series an error and leaves the others.

    Args:
        data: A long DataFrame (one row per series and time), the path of a CSV file with such
            rows, or a dict ``{id: series}`` / list of series (pandas Series with a time index,
            or arrays). An R data.frame arrives as a DataFrame.
        id_col, value_col: Columns of long data. Ids are text (``01``, ``1`` and ``1.0`` are three
            series); a row without an id is refused, naming the rows.
        time_col: The column that orders each series' rows (the file's row order does not
            count). Default: the one column of dates (read as :func:`pybbdl.data.read_csv` reads
            dates: one format for the whole column; ``01/02/2000`` with no value deciding the
            day/month order is refused until `dayfirst` or `date_format` says), else the column
            named ``"time"`` (numbers or dates). Several candidates are refused, naming them, and
            so is a frame without one that has other numeric columns; ``False``: no times, each
            series' rows in input order.
        period: The seasonal period, for all series (int) or per id (dict); by default the
            ``period_col`` value, else inferred from the dates (Q -> 4, M -> 12; from the usual
            step when there are gaps), else 1.
        horizon: Steps to forecast, for all series (int) or per id (dict); by default the
            ``horizon_col`` value, the number of ``part_col == "test"`` rows, or
            :data:`DEFAULT_HORIZONS` by period.
        holdout: Hold back each series' last ``horizon`` values as the actuals its forecasts
            are scored on (False: forecast past the end, no scores; not with ``part_col``).
        period_col, horizon_col: Columns holding each series' period / horizon (constant per
            id); not together with `period` / `horizon`, which would override them.
        frequency_col: Column holding the label the per-frequency tables group by (M3: its
            ``period`` column YEARLY/QUARTERLY/...); default a label from the period.
        part_col: Column marking rows ``"train"`` (history) and ``"test"`` (actuals to score);
            any other label is refused.
        covariates: Extra columns carried with each series.
        min_length: Fewest history values a series must have.
        date_format, dayfirst: How to read text dates (as :func:`pybbdl.data.read_csv`).
        encoding: The CSV file's encoding, e.g. ``"latin-1"`` or ``"utf-16"`` (default UTF-8).

    Returns:
        A :class:`Panel`; series that cannot be used are in ``panel.errors`` with the reason.

    Warns:
        IrregularTimeIndexWarning: series with gaps between their times (named, with the
            largest gap; also in each series' ``note``).

    Raises:
        DataFileNotFoundError: a CSV path that does not exist.
        DataError: an empty, header-only, undecodable or not comma-separated file; missing
            columns; missing ids or times; times that are neither numbers nor dates in one
            format; unknown ``part_col`` labels; no usable series at all (with the reasons).
        ArgumentError / ArgumentTypeError: settings that are wrong (``horizon=0``, a horizon
            longer than every series allows), contradict each other or name no series of the
            panel.
    """
    covariates = _check_settings(id_col, time_col, value_col, period, horizon, holdout, period_col, horizon_col,
                                 frequency_col, part_col, covariates, min_length, date_format, dayfirst, encoding)
    if encoding is not None and not isinstance(data, (str, os.PathLike)):
        raise ArgumentError(f"`encoding` applies to a CSV file only. Received: encoding={encoding!r} with "
                            f"{type(data).__name__} data")
    if isinstance(data, (str, os.PathLike)):
        data = _read_panel_csv(os.fspath(data), encoding, [id_col, part_col, frequency_col])
    from_series = isinstance(data, (Mapping, list, tuple))
    if isinstance(data, pd.DataFrame):
        frame = data
    elif from_series:
        given = {k: v for k, v in (("id_col", id_col), ("time_col", time_col), ("value_col", value_col))
                 if v != {"id_col": "id", "time_col": None, "value_col": "value"}[k]}
        if given:
            raise ArgumentError(f"{', '.join(f'`{k}`' for k in given)} name columns of long data; a dict or list of "
                                f"series has none. Received: {given}")
        frame, id_col, time_col, value_col = _series_frame(data, date_format, dayfirst)
    elif isinstance(data, pd.Series):
        raise ArgumentTypeError("`data` must be long data (a DataFrame with id, time, value columns), a CSV path, "
                                "or a dict/list of series. Received: one pandas Series; pass [series] or "
                                "{'name': series}")
    else:
        raise ArgumentTypeError("`data` must be long data (a DataFrame with id, time, value columns), a CSV path, "
                                f"or a dict/list of series. Received: {type(data).__name__}")
    if len(frame) == 0:
        raise DataError(f"`data` must have at least one row. Received: an empty table (columns {list(frame.columns)})")
    dup = frame.columns[frame.columns.duplicated()].unique().tolist()
    if dup:
        raise DataError(f"`data` must have unique column names. Received: {dup} more than once")
    index = frame.index
    if isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex, pd.MultiIndex)) and \
            not {n for n in index.names if n is not None} & set(frame.columns):
        frame = frame.reset_index()  # times (or id and time) in the index are columns like the others
    frame = frame.reset_index(drop=True)  # rows in messages are positions, counted from 1
    used = {c for c in (id_col, value_col, period_col, horizon_col, frequency_col, part_col, *covariates)
            if c is not None}
    needed = [(role, c) for role, c in (("id_col", id_col), ("time_col", time_col or None), ("value_col", value_col),
                                         ("period_col", period_col), ("horizon_col", horizon_col),
                                         ("frequency_col", frequency_col), ("part_col", part_col),
                                         *(("covariates", c) for c in covariates)) if c is not None]
    missing = [(role, c) for role, c in needed if c not in frame.columns]
    if missing:
        roles = ", ".join(f"{role}={c!r}" for role, c in missing)
        raise DataError(f"`data` must have the column(s) {[c for _, c in missing]} ({roles}). Received columns: "
                        f"{list(frame.columns)}")
    ids = _series_ids(frame, id_col)
    time_col = _time_column(frame, time_col, used)
    if time_col is None and (date_format is not None or dayfirst is not None):
        raise DataError("`date_format`/`dayfirst` need a time column of dates, but there is none. Received: "
                        f"columns {list(frame.columns)}; pass time_col=...")
    if time_col is not None and not from_series:  # a dict/list of series has each series' times read already
        frame = frame.assign(**{time_col: _parse_times(frame[time_col], time_col, date_format, dayfirst)})
    sizes = ids.value_counts(sort=False)
    period = _per_id("period", period, sizes.index)
    horizon = _per_id("horizon", horizon, sizes.index)
    if isinstance(period, (int, np.integer, float)) and int(period) > int(sizes.max()):
        raise ArgumentError(f"`period` must be at most the length of the longest series ({int(sizes.max())} "
                            f"values). Received: {period!r}")
    if part_col is not None:
        _check_parts(frame, part_col)
    _check_horizon_fits(horizon, sizes, bool(holdout), part_col, int(min_length))

    series, errors, order = [], {}, []
    for sid, rows in frame.groupby(ids, sort=False):
        order.append(sid)
        try:
            series.append(_one_series(sid, rows, time_col, value_col, period, horizon, holdout, period_col,
                                      horizon_col, frequency_col, part_col, covariates, int(min_length)))
        except (DataError, ArgumentError) as err:
            errors[sid] = str(err)
    gappy = [s for s in series if s.note]
    if gappy:
        named = "; ".join(f"{s.id!r}: {s.note}" for s in gappy[:5]) + (" ..." if len(gappy) > 5 else "")
        warnings.warn(f"{len(gappy)} series of the panel {'has' if len(gappy) == 1 else 'have'} gaps in their "
                      f"times: {named}. The models count values, not time, so a gap shifts the seasons after it; "
                      "fill the gaps (e.g. interpolate) if they are missing data. Each series' note says the same.",
                      IrregularTimeIndexWarning, stacklevel=2)
    if not series:
        raise DataError(f"`data` has no usable series: every one of the {len(errors)} series has an error. Received: "
                        f"{summarise_errors(errors)}")
    return Panel(series=series, errors=errors, order=order, time_col=time_col)


def _constant(rows: pd.DataFrame, col: str, sid: str):
    vals = rows[col].dropna().unique()
    if len(vals) != 1:
        raise DataError(f"series {sid!r}: column {col!r} must hold one value per series. Received: "
                        f"{list(vals[:5])}")
    return vals[0]


def _positive_int(name: str, value, sid: str) -> int:
    if isinstance(value, (bool, np.bool_)):
        raise DataError(f"`{name}` must be a positive whole number. Received: {value!r}")
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise DataError(f"`{name}` must be a positive whole number. Received: {value!r}") from None
    if not np.isfinite(f) or f < 1 or f != int(f):
        raise DataError(f"`{name}` must be a positive whole number. Received: {value!r}")
    return int(f)


def _stamp(value) -> str:
    """A time as messages show it: ``2000-05-01``, ``4``, ``1990.25``."""
    return format_stamp(value) if isinstance(value, pd.Timestamp) else str(value)


def _date_period(index: pd.DatetimeIndex) -> int | None:
    """The period of dated values: from their frequency, else from their usual (median) step."""
    p = infer_period(index)
    if p is not None or len(index) < 2:
        return p
    days = float(np.median(np.diff(index.asi8))) / 86_400e9
    if 28 <= days <= 31:
        return 12
    if 89 <= days <= 92:
        return 4
    if 365 <= days <= 366:
        return 1
    if days == 7:
        return 52
    if days == 1:
        return 5 if (index.dayofweek < 5).all() else 7
    if days == 1 / 24:
        return 24
    return None


def _duration(ns) -> str:
    """``92 days``, ``1 day``, ``0 days 01:00:00``."""
    td = pd.Timedelta(int(ns), unit="ns")
    if td.value % (86_400 * 10**9) == 0:
        return f"{td.days} day{'s' if td.days != 1 else ''}"
    return str(td)


def _gap(index: pd.Index) -> str:
    """A note naming the largest gap between a series' sorted times, or ``""`` when the steps are regular."""
    if len(index) < 3:
        return ""
    if isinstance(index, pd.DatetimeIndex):
        if irregular_step(index) is None:
            return ""
        steps = np.diff(index.asi8)
        j = int(np.argmax(steps))
        return (f"gap in the times: the largest is {_duration(steps[j])} between {format_stamp(index[j])} and "
                f"{format_stamp(index[j + 1])}, where the usual step is {_duration(np.median(steps))}")
    if not pd.api.types.is_numeric_dtype(index):
        return ""
    steps = np.diff(index.to_numpy(dtype=float))
    usual = float(np.median(steps))
    if np.allclose(steps, usual, rtol=1e-6, atol=0):
        return ""
    j = int(np.argmax(steps))
    return (f"gap in the times: the largest is {steps[j]:g} between {index[j]!r} and {index[j + 1]!r}, where the "
            f"usual step is {usual:g}")


def _one_series(sid, rows, time_col, value_col, period, horizon, holdout, period_col, horizon_col,
                frequency_col, part_col, covariates, min_length) -> PanelSeries:
    t_index, note = None, ""
    if time_col is not None:
        times = rows[time_col]  # per series, so that dates/periods of a dict of series keep their type
        t_index = pd.Index(times.tolist() if times.dtype == object else times)
        if not t_index.is_monotonic_increasing:
            order = np.argsort(t_index.to_numpy(), kind="stable")
            rows, t_index = rows.iloc[order], t_index[order]
        if t_index.has_duplicates:
            first = t_index[t_index.duplicated()][0]
            where = np.flatnonzero(t_index == first)
            raise DataError(f"series {sid!r}: time {_stamp(first)} appears more than once "
                            f"({_rows(rows.index[where], note=False)})")
        note = _gap(t_index)
    values = pd.to_numeric(rows[value_col], errors="coerce")
    bad_text = values.isna() & rows[value_col].notna()
    if bad_text.any():
        first = rows[value_col][bad_text].iloc[0]
        raise DataError(f"series {sid!r}: column {value_col!r} must be numbers. Received: {first!r}"
                        + (f" at time {_stamp(rows[time_col][bad_text].iloc[0])}" if time_col else "")
                        + f" ({_rows(rows.index[bad_text.to_numpy()][:1], note=False)})")
    values = values.to_numpy(dtype=float)

    # period
    p = period.get(sid) if isinstance(period, Mapping) else period
    if p is None and period_col is not None:
        p = _constant(rows, period_col, sid)
    if p is None and isinstance(t_index, pd.DatetimeIndex):
        p = _date_period(t_index)
        if p is not None and note:
            note += f"; period {p} from the usual step"
    elif p is None and isinstance(t_index, pd.PeriodIndex):
        p = infer_period(t_index)
    p = 1 if p is None else p
    try:
        p = _positive_int("period", p, sid)
    except DataError as err:
        raise DataError(f"series {sid!r}: {err}") from None

    # split history / actuals
    if part_col is not None:
        part = rows[part_col].astype(str).str.strip().str.lower().to_numpy()
        if np.any(np.diff((part == "test").astype(int)) < 0):
            raise DataError(f"series {sid!r}: 'test' rows must come after all 'train' rows")
        n_test = int((part == "test").sum())
    h = horizon.get(sid) if isinstance(horizon, Mapping) else horizon
    if h is None and horizon_col is not None:
        h = _constant(rows, horizon_col, sid)
    if h is None and part_col is not None and n_test:
        h = n_test
    if h is None:
        h = DEFAULT_HORIZONS.get(p, max(6, 2 * p))
    try:
        h = _positive_int("horizon", h, sid)
    except DataError as err:
        raise DataError(f"series {sid!r}: {err}") from None
    if h > MAX_HORIZON_RATIO * len(values):
        raise DataError(f"series {sid!r}: `horizon` must be at most {MAX_HORIZON_RATIO} times the series' "
                        f"{len(values)} values. Received: {h}")

    if part_col is not None:
        n_train = len(values) - n_test
        if n_test and n_test != h:
            raise DataError(f"series {sid!r}: has {n_test} 'test' rows but horizon {h}")
        actual = values[n_train:] if n_test else None
    elif holdout:
        n_train = len(values) - h
        actual = values[n_train:]
    else:
        n_train, actual = len(values), None
    y = values[:n_train]
    if n_train < min_length:
        raise DataError(f"series {sid!r}: needs at least {min_length} history values"
                        + (f" plus the {h} held out" if actual is not None else "") + f". Received: {len(values)} "
                        f"value(s) in all")
    missing = np.flatnonzero(~np.isfinite(values))
    if len(missing):
        where = (f"time {_stamp(rows[time_col].iloc[missing[0]])}" if time_col is not None
                 else f"position {missing[0] + 1}")
        raise DataError(f"series {sid!r}: value must be finite; {len(missing)} missing or infinite value(s), "
                        f"first at {where} ({_rows(rows.index[missing[:1]], note=False)})")
    if frequency_col is not None:
        label = str(_constant(rows, frequency_col, sid))
    else:
        label = PERIOD_LABELS.get(p, f"period_{p}")
    cov = rows[list(covariates)].iloc[:n_train].reset_index(drop=True) if covariates else None
    return PanelSeries(id=sid, y=y, period=p, horizon=h, frequency=label, actual=actual,
                       times=t_index[:n_train] if t_index is not None else None, covariates=cov, note=note)


__all__ = ["DEFAULT_HORIZONS", "MAX_HORIZON_RATIO", "PERIOD_LABELS", "Panel", "PanelSeries", "as_panel", "infer_period",
           "summarise_errors"]
