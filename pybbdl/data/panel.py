"""Panels: many series at once, each with its own length, frequency and horizon.

:func:`as_panel` reads long data (one row per series x time: an id column, a time column, a
value column, optional covariates) from a pandas DataFrame, a CSV file or an R data.frame (which
arrives as a DataFrame through reticulate), or a dict/list of series, and returns a
:class:`Panel`: the series that are usable, and ``{id: message}`` for those that are not. One bad
series never stops the others; the panel workflow gives it a row with its error.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pybbdl.exceptions import ArgumentError, ArgumentTypeError, DataError, DataFileNotFoundError

#: Default horizon per seasonal period (the M3/M4 horizons; other periods: 2 * period, at least 6).
DEFAULT_HORIZONS = {1: 6, 4: 8, 12: 18, 52: 13, 7: 14, 24: 48}
#: Frequency labels of the seasonal periods (used when no frequency column names them).
PERIOD_LABELS = {1: "yearly", 4: "quarterly", 12: "monthly", 52: "weekly", 7: "daily", 24: "hourly"}
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
    """

    id: str
    y: np.ndarray
    period: int
    horizon: int
    frequency: str
    actual: np.ndarray | None = None
    times: pd.Index | None = None
    covariates: pd.DataFrame | None = None


@dataclass
class Panel:
    """The usable series and ``errors`` ``{id: what is wrong}`` for the others, in input order."""

    series: list[PanelSeries]
    errors: dict[str, str] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)

    @property
    def ids(self) -> list[str]:
        return [s.id for s in self.series]

    def __len__(self) -> int:
        return len(self.series)

    def info(self) -> pd.DataFrame:
        """One row per input series: id, frequency, period, horizon, n_train, error."""
        by_id = {s.id: s for s in self.series}
        rows = []
        for sid in self.order:
            s = by_id.get(sid)
            rows.append({"id": sid, "frequency": s.frequency if s else None, "period": s.period if s else None,
                         "horizon": s.horizon if s else None, "n_train": len(s.y) if s else None,
                         "error": self.errors.get(sid, "")})
        return pd.DataFrame(rows, columns=["id", "frequency", "period", "horizon", "n_train", "error"])


def _per_series(name, value, sid, kind=int):
    """A setting given once for all series, or as ``{id: value}``; None when not given."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        value = value.get(sid, value.get(str(sid)))
        if value is None:
            return None
    return value


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


def _series_frame(data) -> tuple[pd.DataFrame, str, str | None, str]:
    """A dict or list of series as a long frame (id, time, value)."""
    if isinstance(data, Mapping):
        items = list(data.items())
    else:
        items = []
        for i, s in enumerate(data):
            name = getattr(s, "name", None)
            items.append((name if name is not None else f"series_{i + 1}", s))
    if not items:
        raise DataError("`data` must hold at least one series. Received: an empty collection")
    frames = []
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
        else:
            values = np.asarray(s, dtype=object).reshape(-1) if not isinstance(s, np.ndarray) else s.reshape(-1)
            times = pd.RangeIndex(1, len(values) + 1)
        frames.append(pd.DataFrame({"id": str(sid), "time": times, "value": values}))
    return pd.concat(frames, ignore_index=True), "id", "time", "value"


def as_panel(data, *, id_col: str = "id", time_col: str | None = None, value_col: str = "value",
             period=None, horizon=None, holdout: bool = True, period_col: str | None = None,
             horizon_col: str | None = None, frequency_col: str | None = None, part_col: str | None = None,
             covariates: Sequence[str] | None = None, min_length: int = 3) -> Panel:
    """Read a panel.

    Args:
        data: A long DataFrame (one row per series and time), the path of a CSV file with such
            rows, or a dict ``{id: series}`` / list of series (pandas Series with a time index,
            or arrays). An R data.frame arrives as a DataFrame.
        id_col, time_col, value_col: Columns of long data. ``time_col`` defaults to ``"time"``
            when there is such a column; without one, rows keep their order within each id.
        period: The seasonal period, for all series (int) or per id (dict); by default the
            ``period_col`` value, else inferred from a date index (Q -> 4, M -> 12), else 1.
        horizon: Steps to forecast, for all series (int) or per id (dict); by default the
            ``horizon_col`` value, the number of ``part_col == "test"`` rows, or
            :data:`DEFAULT_HORIZONS` by period.
        holdout: Hold back each series' last ``horizon`` values as the actuals its forecasts
            are scored on (False: forecast past the end, no scores). Ignored with ``part_col``.
        period_col, horizon_col: Columns holding each series' period / horizon (constant per id).
        frequency_col: Column holding the label the per-frequency tables group by (M3: its
            ``period`` column YEARLY/QUARTERLY/...); default a label from the period.
        part_col: Column marking rows ``"train"`` (history) and ``"test"`` (actuals to score).
        covariates: Extra columns carried with each series.
        min_length: Fewest history values a series must have.

    Returns:
        A :class:`Panel`; series that cannot be used are in ``panel.errors`` with the reason.

    Raises:
        DataError / ArgumentError: problems of the whole input (missing columns, no rows).
    """
    if isinstance(data, (str, os.PathLike)):
        path = os.fspath(data)
        if not os.path.exists(path):
            raise DataFileNotFoundError(f"`data` must be an existing CSV file. Received: {path!r} (not found)")
        try:
            data = pd.read_csv(path)
        except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as err:
            raise DataError(f"`data` could not be read as CSV: {path!r} ({err})") from None
    if isinstance(data, pd.DataFrame):
        frame = data
    elif isinstance(data, (Mapping, list, tuple)):
        frame, id_col, time_col, value_col = _series_frame(data)
    elif isinstance(data, pd.Series):
        raise ArgumentTypeError("`data` must be long data (a DataFrame with id, time, value columns), a CSV path, "
                                "or a dict/list of series. Received: one pandas Series; pass [series] or "
                                "{'name': series}")
    else:
        raise ArgumentTypeError("`data` must be long data (a DataFrame with id, time, value columns), a CSV path, "
                                f"or a dict/list of series. Received: {type(data).__name__}")
    if len(frame) == 0:
        raise DataError("`data` must have at least one row. Received: an empty table")
    if time_col is None and "time" in frame.columns and id_col in frame.columns:
        time_col = "time"
    needed = [c for c in (id_col, time_col, value_col, period_col, horizon_col, frequency_col, part_col,
                          *(covariates or [])) if c is not None]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise DataError(f"`data` must have the column(s) {missing}. Received columns: {list(frame.columns)}")
    if not isinstance(holdout, (bool, np.bool_)):
        raise ArgumentTypeError(f"`holdout` must be True or False. Received: {holdout!r}")
    if isinstance(period, (int, np.integer)) or period is None or isinstance(period, Mapping):
        pass
    else:
        raise ArgumentTypeError(f"`period` must be a whole number or a dict {{id: period}}. Received: {period!r}")
    if not (horizon is None or isinstance(horizon, (int, np.integer, Mapping))) or isinstance(horizon, bool):
        raise ArgumentTypeError(f"`horizon` must be a whole number or a dict {{id: horizon}}. Received: {horizon!r}")

    series, errors, order = [], {}, []
    for sid, rows in frame.groupby(frame[id_col].astype(str), sort=False):
        order.append(sid)
        try:
            series.append(_one_series(sid, rows, time_col, value_col, period, horizon, holdout, period_col,
                                      horizon_col, frequency_col, part_col, covariates, min_length))
        except (DataError, ArgumentError) as err:
            errors[sid] = str(err)
    return Panel(series=series, errors=errors, order=order)


def _constant(rows: pd.DataFrame, col: str, sid: str):
    vals = rows[col].dropna().unique()
    if len(vals) != 1:
        raise DataError(f"series {sid!r}: column {col!r} must hold one value per series. Received: "
                        f"{list(vals[:5])}")
    return vals[0]


def _one_series(sid, rows, time_col, value_col, period, horizon, holdout, period_col, horizon_col,
                frequency_col, part_col, covariates, min_length) -> PanelSeries:
    t_index = None
    if time_col is not None:
        times = rows[time_col]
        if times.isna().any():
            raise DataError(f"series {sid!r}: column {time_col!r} has {int(times.isna().sum())} missing time(s)")
        t_index = pd.Index(times.tolist())  # per series, so that dates/periods keep their type
        if t_index.dtype == object:
            try:
                t_index = pd.DatetimeIndex(pd.to_datetime(t_index))
            except (ValueError, TypeError):
                pass
        if t_index.has_duplicates:
            raise DataError(f"series {sid!r}: time {t_index[t_index.duplicated()][0]!r} appears more than once")
        if not t_index.is_monotonic_increasing:
            try:
                order = np.argsort(t_index, kind="stable")
            except TypeError:
                raise DataError(f"series {sid!r}: times in column {time_col!r} cannot be ordered") from None
            rows, t_index = rows.iloc[order], t_index[order]
    values = pd.to_numeric(rows[value_col], errors="coerce")
    bad_text = values.isna() & rows[value_col].notna()
    if bad_text.any():
        first = rows[value_col][bad_text].iloc[0]
        raise DataError(f"series {sid!r}: column {value_col!r} must be numbers. Received: {first!r}"
                        + (f" at time {rows[time_col][bad_text].iloc[0]!r}" if time_col else ""))
    values = values.to_numpy(dtype=float)

    # period
    p = _per_series("period", period, sid)
    if p is None and period_col is not None:
        p = _constant(rows, period_col, sid)
    if p is None and t_index is not None:
        p = infer_period(t_index)
    p = 1 if p is None else p
    try:
        p = _positive_int("period", p, sid)
    except DataError as err:
        raise DataError(f"series {sid!r}: {err}") from None

    # split history / actuals
    if part_col is not None:
        part = rows[part_col].astype(str).str.lower().to_numpy()
        unknown = sorted(set(part) - {"train", "test"})
        if unknown:
            raise DataError(f"series {sid!r}: column {part_col!r} must be 'train' or 'test'. Received: {unknown}")
        if np.any(np.diff((part == "test").astype(int)) < 0):
            raise DataError(f"series {sid!r}: 'test' rows must come after all 'train' rows")
        n_test = int((part == "test").sum())
    h = _per_series("horizon", horizon, sid)
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
        where = (f"time {rows[time_col].iloc[missing[0]]!r}" if time_col is not None else f"position {missing[0] + 1}")
        raise DataError(f"series {sid!r}: value must be finite; {len(missing)} missing or infinite value(s), "
                        f"first at {where}")
    if frequency_col is not None:
        label = str(_constant(rows, frequency_col, sid))
    else:
        label = PERIOD_LABELS.get(p, f"period_{p}")
    cov = rows[list(covariates)].iloc[:n_train].reset_index(drop=True) if covariates else None
    return PanelSeries(id=sid, y=y, period=p, horizon=h, frequency=label, actual=actual,
                       times=t_index[:n_train] if t_index is not None else None, covariates=cov)


__all__ = ["DEFAULT_HORIZONS", "PERIOD_LABELS", "Panel", "PanelSeries", "as_panel", "infer_period"]
