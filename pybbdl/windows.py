"""Split a series, scale it on the training part, cut it into (lookback, horizon) windows.

:func:`prepare_windows` is what the rest of pybbdl uses: a split (fractions of the rows, or
row/date ranges in time order), a scaler fitted on the training part only, and windows whose
target lies exactly ``horizon`` steps after the window's last row. A window belongs to the part
(train/val/test) in which its *target* lies, so every model, whatever its lookback, is scored on
the same targets; a validation window's inputs may reach back into the training range (they are
past data, never future data). With ``step > 1`` a window keeps every ``step``-th row counting
back from its last row, so the last input is always the row just before the forecast origin.
Windows are strided views of the scaled array (no copy), and :meth:`Windows.dataset` feeds them
to ``model.fit`` as a ``keras.utils.PyDataset``.

The book's ``generator()`` and its R/Python index conventions live in :mod:`pybbdl.book`
(``from pybbdl.windows import generator`` still works).
"""

from __future__ import annotations

import functools
import math
import re
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pybbdl._validation import (
    check_finite_column,
    check_finite_frame,
    check_lookback_step,
    check_numeric_matrix,
    check_positive_int,
)
from pybbdl.data.frames import from_frame
from pybbdl.exceptions import ArgumentError, ArgumentTypeError, DataError
from pybbdl.splits import PARTS, rows_text, split_bounds

__all__ = ["Scaler", "Windows", "make_windows", "parse_horizons", "prepare_windows", "split_bounds",
           "window_positions"]


#: The largest forecast step `horizons` may name (a year of 10-minute data is 52,560 steps): a
#: larger one is refused before any list of steps is built.
MAX_HORIZON = 100_000


def parse_horizons(horizons) -> tuple[int, ...] | None:
    """``horizons`` as a sorted tuple of distinct steps >= 1, or None.

    Accepts None, an int ``H`` (= steps 1..H), a string ``"1-8"``, ``"1,4,8"`` or ``"1-4,8"``
    (the CLI's ``--horizons``), or a sequence of ints. Steps above :data:`MAX_HORIZON` are refused
    before any range is expanded, and the check for repeated steps takes linear time.
    """
    if horizons is None:
        return None
    text = horizons

    def check_max(largest):
        if largest > MAX_HORIZON:
            raise ArgumentError(f"`horizons` must be steps <= {MAX_HORIZON:,}. Received: a step of {largest:,} in "
                                f"horizons={_short(text)}")

    if isinstance(horizons, str):
        ranges = []
        for part in (p.strip() for p in horizons.split(",")):
            m = re.fullmatch(r"(\d+)\s*[-:]\s*(\d+)|(\d+)", part)
            if not m:
                raise ArgumentError(f'`horizons` must look like "1-8", "1,4,8" or "1-4,8" (steps >= 1). '
                                    f"Received: horizons={_short(text)}")
            lo, hi = (int(m.group(3)),) * 2 if m.group(3) is not None else (int(m.group(1)), int(m.group(2)))
            if hi < lo:
                raise ArgumentError(f"`horizons` ranges must go up (lo-hi with lo <= hi). Received: {part!r}")
            check_max(hi)
            ranges.append((lo, hi))
        if sum(hi - lo + 1 for lo, hi in ranges) > MAX_HORIZON:   # more steps than distinct ones can be
            raise ArgumentError(f"`horizons` must not repeat a step. Received: overlapping ranges in "
                                f"horizons={_short(text)}")
        values = [v for lo, hi in ranges for v in range(lo, hi + 1)]
    elif isinstance(horizons, (int, np.integer)) and not isinstance(horizons, bool):
        check_max(check_positive_int("horizons", horizons))
        values = list(range(1, int(horizons) + 1))
    else:
        try:
            values = list(horizons)
        except TypeError:
            raise ArgumentTypeError(f"`horizons` must be an int H (steps 1..H), a string like \"1-8\" or a list of "
                                    f"steps. Received: {type(horizons).__name__}") from None
        if not values:
            raise ArgumentError("`horizons` must hold at least one step. Received: an empty list")
        values = [check_positive_int("horizons", v) for v in values]
        check_max(max(values))
    if any(v < 1 for v in values):
        raise ArgumentError(f"`horizons` must be steps >= 1. Received: horizons={_short(text)}")
    counts = Counter(values)
    repeated = sorted(v for v, c in counts.items() if c > 1)
    if repeated:
        shown = ", ".join(map(str, repeated[:10])) + (", ..." if len(repeated) > 10 else "")
        raise ArgumentError(f"`horizons` must not repeat a step. Received: [{shown}] more than once in "
                            f"{_short(text)}")
    return tuple(sorted(counts))


def _short(value, limit: int = 80) -> str:
    if isinstance(value, str):
        text = repr(value)
    elif isinstance(value, (int, np.integer)):
        text = str(int(value))
    else:
        text = repr([int(v) if isinstance(v, (int, np.integer)) else v for v in value])
    return text if len(text) <= limit else text[:limit] + "..."


def _horizons_text(horizons) -> str:
    hs = list(horizons)
    if hs == list(range(hs[0], hs[-1] + 1)) and len(hs) > 2:
        return f"{hs[0]}-{hs[-1]}"
    return ",".join(map(str, hs))


def resolve_horizons(horizon, horizons) -> tuple[int, tuple[int, ...] | None]:
    """``(horizon, parsed horizons)``: with `horizons` given, `horizon` must be 1 (its default) or
    their maximum, and becomes that maximum (the windows are built for the longest one)."""
    horizon = check_positive_int("horizon", horizon)
    hs = parse_horizons(horizons)
    if hs is not None:
        if horizon not in (1, hs[-1]):
            raise ArgumentError(f"`horizon` must be 1 (the default) or max(horizons) = {hs[-1]} when `horizons` is "
                                f"given. Received: horizon={horizon}, horizons={_horizons_text(hs)}")
        horizon = hs[-1]
    return horizon, hs


def _future_index(index: pd.Index, future_index: pd.Index) -> pd.Index:
    """Timestamps of the future rows: `future_index` when it continues `index`, else inferred."""
    n = len(future_index)
    if isinstance(index, pd.DatetimeIndex):
        if isinstance(future_index, pd.DatetimeIndex):
            if not future_index.is_monotonic_increasing or future_index.has_duplicates:
                raise ArgumentError("`future` timestamps must be increasing without repeats. Received: "
                                    f"{list(future_index[:5])}...")
            if future_index[0] <= index[-1]:
                raise ArgumentError(f"`future` must start after the last observation {index[-1]}. Received: its "
                                    f"first timestamp is {future_index[0]}")
            return future_index
        freq = index.freq or (pd.infer_freq(index[-min(len(index), 60):]) if len(index) >= 3 else None)
        if freq is None:
            raise ArgumentError("`future` needs a DatetimeIndex (the data's timestamps are irregular, so the next "
                                f"{n} cannot be inferred). Received: an index of type {type(future_index).__name__}")
        return pd.date_range(index[-1], periods=n + 1, freq=freq)[1:]
    start = int(index[-1]) + 1 if pd.api.types.is_integer_dtype(index) else len(index)
    return pd.RangeIndex(start, start + n)


def window_positions(rows0: np.ndarray, lookback: int, step: int) -> np.ndarray:
    """0-based rows of each window, shape ``(len(rows0), lookback // step)``.

    ``rows0`` is the row just after each window span (the forecast origin); a window keeps
    ``rows0 - lookback + step - 1, ..., rows0 - 1``, every `step`-th row ending on ``rows0 - 1``.
    """
    rows0 = np.asarray(rows0, dtype=np.int64)
    return rows0[:, None] - lookback + np.arange(step - 1, lookback, step, dtype=np.int64)[None, :]


def make_windows(
    data,
    lookback: int,
    horizon: int = 1,
    step: int = 1,
    *,
    target_col: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Every window of a series and its target ``horizon`` steps after the window's last row.

    Returns:
        ``X`` of shape ``(n - lookback - horizon + 1, lookback // step, n_vars)``, a strided
        read-only view of ``data``, and ``y`` of shape ``(len(X),)``.
    """
    arr = check_numeric_matrix(data)
    lookback, step = check_lookback_step(lookback, step)
    horizon = check_positive_int("horizon", horizon)
    n = arr.shape[0]
    if n < lookback + horizon:
        raise DataError(f"The series is too short: {n} rows < lookback + horizon = {lookback + horizon}.")
    rows0 = np.arange(lookback, n - horizon + 1)
    check_finite_column(arr[rows0 + horizon - 1, target_col], f"column {target_col}",
                        pd.RangeIndex(lookback + horizon - 1, n))
    X = _window_view(arr, lookback, step, rows0[0], rows0[-1] + 1)
    return X, arr[rows0 + horizon - 1, target_col]


def _window_view(arr: np.ndarray, lookback: int, step: int, row_start: int, row_stop: int) -> np.ndarray:
    """Read-only strided view: the windows of origins ``row_start .. row_stop - 1``, see :func:`window_positions`."""
    view = np.lib.stride_tricks.sliding_window_view(arr, lookback, axis=0)  # (n-L+1, vars, L)
    return view[row_start - lookback:row_stop - lookback, :, step - 1::step].transpose(0, 2, 1)


@dataclass(frozen=True)
class Scaler:
    """Per-column standardisation ``(x - mean_) / scale_`` fitted on the training range."""

    mean_: np.ndarray
    scale_: np.ndarray

    @classmethod
    def fit(cls, values: np.ndarray) -> Scaler:
        mean = values.mean(axis=0)
        scale = values.std(axis=0)
        scale = np.where(scale > 0, scale, 1.0)  # a constant column stays as it is
        return cls(mean, scale)

    def transform(self, values: np.ndarray) -> np.ndarray:
        return (values - self.mean_) / self.scale_

    def inverse_transform(self, values: np.ndarray) -> np.ndarray:
        return values * self.scale_ + self.mean_


class Windows:
    """A series split into train/val/test, scaled on train, cut into windows. See :func:`prepare_windows`.

    Attributes:
        frame: The selected columns, target first, original units.
        values: ``frame`` as float64 ``(time, variables)``.
        scaled: Standardised float32 copy (scaler fitted on the training range).
        scaler: The :class:`Scaler`.
        bounds: ``{part: (start, stop)}`` row range of each part's targets.
    """

    def __init__(self, frame: pd.DataFrame, *, lookback: int, horizon: int, step: int,
                 bounds: dict[str, tuple[int, int]], scaler: Scaler | None = None,
                 horizons: Sequence[int] | None = None, known: Sequence[str] = ()):
        self.frame = frame
        self.target = str(frame.columns[0])
        self.columns = [str(c) for c in frame.columns]
        self.horizons = tuple(int(h) for h in horizons) if horizons else (int(horizon),)
        self.lookback, self.horizon, self.step = lookback, max(self.horizons), step
        self.known = [str(c) for c in known]
        self.known_index = [self.columns.index(c) for c in self.known]
        self.bounds = bounds
        self.future_origin: int | None = None
        self.values = frame.to_numpy(dtype=np.float64)
        train_start, train_stop = bounds["train"]
        self.scaler = Scaler.fit(self.values[train_start:train_stop]) if scaler is None else scaler
        self.scaled = self.scaler.transform(self.values).astype(np.float32)

    # -- rows and targets -------------------------------------------------------------------
    @property
    def parts(self) -> list[str]:
        return [p for p in PARTS if p in self.bounds]

    def _check_part(self, part: str) -> str:
        if part not in self.bounds:
            raise ArgumentError(f"`part` must be one of {self.parts}. Received: part={part!r}")
        return part

    def rows(self, part: str) -> np.ndarray:
        """0-based forecast origins of the part's windows: the row just after each window (the book's ``rows``).

        With several `horizons`, an origin belongs to a part when the targets of all its horizons
        lie in the part (for one horizon: its target does). The ``"future"`` part of
        :meth:`with_future` has one origin, the row after the last observation.
        """
        if part == "future" and self.future_origin is not None:
            return np.array([self.future_origin], dtype=np.int64)
        start, stop = self.bounds[self._check_part(part)]
        first = max(start - min(self.horizons) + 1, self.lookback)
        return np.arange(first, stop - self.horizon + 1)

    @property
    def multi_horizon(self) -> bool:
        """True when the windows carry several horizons (``horizons=(1, ..., H)``)."""
        return len(self.horizons) > 1

    def target_positions_at(self, part: str, h: int) -> np.ndarray:
        """0-based rows of the `h`-step targets of the part's origins."""
        return self.rows(part) + int(h) - 1

    def targets_by_horizon(self, part: str, *, scaled: bool = True) -> np.ndarray:
        """Each window's targets at every horizon, ``(n_windows, len(horizons))`` (column j =
        ``horizons[j]`` steps after the window), scaled (float32) or in original units (float64).
        With one horizon it is :meth:`targets` as a column. (pybbdl 0.3: ``Y``.)"""
        pos = self.rows(part)[:, None] + np.asarray(self.horizons)[None, :] - 1
        return self.scaled[pos, 0] if scaled else self.values[pos, 0]

    def Y(self, part: str, *, scaled: bool = True) -> np.ndarray:
        """Deprecated old name of :meth:`targets_by_horizon` (FutureWarning)."""
        _renamed("Y", "targets_by_horizon")
        return self.targets_by_horizon(part, scaled=scaled)

    def actuals_at(self, part: str, h: int) -> pd.Series:
        """The part's `h`-step targets in original units, indexed by their timestamps."""
        pos = self.target_positions_at(part, h)
        return pd.Series(self.values[pos, 0], index=self.frame.index[pos], name=self.target)

    def future_path(self, part: str, *, scaled: bool = True) -> np.ndarray:
        """The future-known columns over each origin's horizon path, ``(n_windows, horizon, n_known)``:
        rows ``origin, ..., origin + horizon - 1`` (steps 1..horizon; the last is the target's row)."""
        pos = self.rows(part)[:, None] + np.arange(self.horizon)[None, :]
        source = self.scaled if scaled else self.values
        return source[pos][:, :, self.known_index]

    def inputs(self, part: str):
        """What a network is fed: the windows ``X(part)``, or with future-known columns
        ``{"window": X, "future": future_path}``."""
        if not self.known:
            return self.X(part)
        return {"window": self._gather(self.rows(part)), "future": self.future_path(part)}

    def target_positions(self, part: str) -> np.ndarray:
        """0-based rows of the targets of the part's windows."""
        return self.rows(part) + self.horizon - 1

    def target_index(self, part: str) -> pd.Index:
        """Timestamps (or positions) of the part's targets."""
        return self.frame.index[self.target_positions(part)]

    def actuals(self, part: str) -> pd.Series:
        """The part's targets in original units, indexed by their timestamps."""
        pos = self.target_positions(part)
        return pd.Series(self.values[pos, 0], index=self.frame.index[pos], name=self.target)

    def n_windows(self, part: str) -> int:
        return len(self.rows(part))

    # -- windows ----------------------------------------------------------------------------
    def _gather(self, rows0: np.ndarray, source: np.ndarray | None = None) -> np.ndarray:
        source = self.scaled if source is None else source
        return source[window_positions(rows0, self.lookback, self.step)]

    def X(self, part: str, *, scaled: bool = True) -> np.ndarray:
        """Windows ``(n_windows, lookback // step, n_vars)``; a zero-copy view when possible."""
        rows0 = self.rows(part)
        source = self.scaled if scaled else self.values
        if len(rows0):
            return _window_view(source, self.lookback, self.step, rows0[0], rows0[-1] + 1)
        return self._gather(rows0, source)

    def targets(self, part: str, *, scaled: bool = True) -> np.ndarray:
        """Each window's target, ``horizon`` steps after it (the longest of `horizons`),
        ``(n_windows,)``, scaled (float32) or in original units (float64): what a one-horizon
        model is fitted to and scored on. (pybbdl 0.3: ``y``.)"""
        pos = self.target_positions(part)
        return self.scaled[pos, 0] if scaled else self.values[pos, 0]

    def y(self, part: str, *, scaled: bool = True) -> np.ndarray:
        """Deprecated old name of :meth:`targets` (FutureWarning)."""
        _renamed("y", "targets")
        return self.targets(part, scaled=scaled)

    def arrays(self, part: str) -> tuple[np.ndarray, np.ndarray]:
        """``(X, y)``, scaled: :meth:`X` and :meth:`targets`."""
        return self.X(part), self.targets(part)

    def last_values(self, part: str) -> np.ndarray:
        """The target's last value inside each window, in original units (the naive forecast)."""
        rows0 = self.rows(part)
        return self.values[rows0 - 1, 0]

    def with_future(self, future=None) -> Windows:
        """These windows plus a ``"future"`` part: one origin right after the last observation,
        whose future-known columns over the horizon path come from `future`.

        Windows without future-known columns take ``future=None``: ``horizon`` rows of NaN are
        appended, with timestamps continuing the data's (inferred from its frequency; positions
        for data without dates), so that every model can forecast steps 1..horizon from the last
        observation (:func:`pybbdl.workflows.future.forecast_future`). Their values are never
        read: a forecast from the future origin uses the rows before it only.

        Args:
            future: A DataFrame (or dict of columns) with exactly ``horizon`` rows (steps
                1..horizon after the last observation) and one column per future-known column
                (:attr:`known`), finite numbers. A DatetimeIndex must continue the data's.
                None for windows without future-known columns.

        Raises:
            ArgumentError: a `future` for windows without future-known columns (or None for
                windows with them), wrong number of rows, columns that are not future-known
                (they would be ignored), timestamps not after the data, or irregular timestamps
                from which the future ones cannot be inferred.
            DataError: a future-known column missing, NaN/inf or non-numeric values (the column
                and row are named).
        """
        if self.future_origin is not None:
            raise ArgumentError("`with_future` needs windows without a future part (call it on the original windows).")
        if future is None:
            if self.known:
                raise ArgumentError(f"`future` must give the future-known columns {self.known} over steps "
                                    f"1..{self.horizon} (a conditional forecast needs their path). Received: None")
            try:
                index = _future_index(self.frame.index, pd.RangeIndex(self.horizon))
            except ArgumentError:
                raise ArgumentError("The data's timestamps are irregular (no frequency can be inferred), so the "
                                    f"timestamps of the next {self.horizon} steps are unknown. Give the data a "
                                    "regular DatetimeIndex (or a plain row index).") from None
            return self._extended(pd.DataFrame(np.nan, index=index, columns=self.frame.columns))
        if not self.known:
            raise ArgumentError("`future` can only be used with windows that declare future-known columns "
                                "(prepare_windows(..., known=[...])). Received: windows without `known` columns.")
        if isinstance(future, Mapping):
            future = pd.DataFrame(dict(future))
        if not isinstance(future, pd.DataFrame):
            raise ArgumentTypeError(f"`future` must be a DataFrame with the future-known columns {self.known}. "
                                    f"Received: {type(future).__name__}")
        cols = [str(c) for c in future.columns]
        missing = [c for c in self.known if c not in cols]
        if missing:
            raise DataError(f"`future` must hold every future-known column; missing: {missing}. "
                            f"Future-known columns: {self.known}")
        extra = [c for c in cols if c not in self.known]
        if extra:
            raise ArgumentError(f"`future` has column(s) {extra} that are not future-known columns of the model, "
                                f"so they would be ignored. Future-known columns: {self.known}")
        if len(future) != self.horizon:
            raise ArgumentError(f"`future` must have {self.horizon} rows (steps 1..{self.horizon} after the last "
                                f"observation {self.frame.index[-1]}). Received: {len(future)} rows")
        future = future.set_axis(cols, axis=1)[self.known]
        for col in self.known:
            values = future[col]
            if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
                raise DataError(f"`future` column {col!r} must be numeric. Received: dtype {values.dtype}")
            bad = ~np.isfinite(values.to_numpy(dtype=np.float64))
            if bad.any():
                first = int(np.argmax(bad))
                raise DataError(f"`future` column {col!r} must hold finite values (a conditional forecast needs the "
                                f"whole path). Received: {values.iloc[first]} at step {first + 1} "
                                f"(row {future.index[first]!r}); {int(bad.sum())} bad value(s) in all")
        index = _future_index(self.frame.index, future.index)
        extension = pd.DataFrame(np.nan, index=index, columns=self.frame.columns)
        extension[self.known] = future[self.known].to_numpy(dtype=np.float64)
        return self._extended(extension)

    def _extended(self, extension: pd.DataFrame) -> Windows:
        """These windows with `extension` (``horizon`` rows) appended and the ``"future"`` part."""
        frame = pd.concat([self.frame, extension.rename_axis(self.frame.index.name)])
        n = len(self.frame)
        out = Windows(frame, lookback=self.lookback, horizon=self.horizon, step=self.step,
                      bounds=dict(self.bounds), scaler=self.scaler, horizons=self.horizons, known=self.known)
        out.future_origin = n
        out.bounds["future"] = (n, n + self.horizon)
        return out

    def inverse_target(self, y_scaled) -> np.ndarray:
        """Scaled target values back to original units."""
        return np.asarray(y_scaled, dtype=np.float64) * self.scaler.scale_[0] + self.scaler.mean_[0]

    def dataset(self, part: str, *, batch_size: int = 128, shuffle: bool = False, seed: int | None = None,
                targets: bool = True):
        """A ``keras.utils.PyDataset`` of ``(X, y)`` batches for ``model.fit``/``predict``."""
        batch_size = check_positive_int("batch_size", batch_size)
        return _window_dataset_class()(self, self._check_part(part), batch_size, shuffle, seed, targets)

    def describe(self) -> pd.DataFrame:
        """One row per part: row range of targets, first/last target stamp, number of windows."""
        out = []
        for part in self.parts:
            idx = self.target_index(part)
            out.append({"part": part, "start": self.bounds[part][0], "stop": self.bounds[part][1],
                        "first_target": idx[0] if len(idx) else None,
                        "last_target": idx[-1] if len(idx) else None, "windows": len(idx)})
        return pd.DataFrame(out).set_index("part")

    def __repr__(self) -> str:
        sizes = ", ".join(f"{p}={self.n_windows(p)}" for p in self.parts)
        extra = f", horizons={_horizons_text(self.horizons)}" if self.multi_horizon else ""
        extra += f", known={self.known}" if self.known else ""
        return (f"Windows(target={self.target!r}, n_vars={len(self.columns)}, lookback={self.lookback}, "
                f"horizon={self.horizon}{extra}, step={self.step}, windows: {sizes})")


def _renamed(old: str, new: str) -> None:
    warnings.warn(f"Windows.{old}() is deprecated and will be removed in the next release; use Windows.{new}() "
                  "(same values).", FutureWarning, stacklevel=3)


@functools.cache
def _window_dataset_class():
    import keras  # deferred: importing pybbdl must not start TensorFlow

    class WindowDataset(keras.utils.PyDataset):
        """Batches of windows gathered on demand from the scaled array (no full copy)."""

        def __init__(self, windows: Windows, part: str, batch_size: int, shuffle: bool, seed, targets: bool):
            super().__init__()
            self.windows, self.part = windows, part
            self.batch_size, self.shuffle, self.targets = batch_size, shuffle, targets
            self._rows = windows.rows(part)
            self._rng = np.random.default_rng(seed)
            self._order = self._rng.permutation(self._rows) if shuffle else self._rows

        def __len__(self) -> int:
            return math.ceil(len(self._rows) / self.batch_size)

        def __getitem__(self, idx: int):
            rows0 = self._order[idx * self.batch_size:(idx + 1) * self.batch_size]
            w = self.windows
            X = w._gather(rows0)
            if w.known:
                pos = rows0[:, None] + np.arange(w.horizon)[None, :]
                X = {"window": X, "future": w.scaled[pos][:, :, w.known_index]}
            if not self.targets:
                return (X,)
            if w.multi_horizon:
                return X, w.scaled[rows0[:, None] + np.asarray(w.horizons)[None, :] - 1, 0]
            return X, w.scaled[rows0 + w.horizon - 1, 0]

        def on_epoch_end(self) -> None:
            if self.shuffle:
                self._order = self._rng.permutation(self._rows)

    return WindowDataset


def prepare_windows(
    data,
    *,
    target: str | None = None,
    features: Sequence[str] | None = None,
    lookback: int,
    horizon: int = 1,
    step: int = 1,
    split=(0.5, 0.25, 0.25),
    scaler: Scaler | None = None,
    horizons=None,
    known: Sequence[str] | None = None,
) -> Windows:
    """Split a series, scale it on the training range, and cut it into windows.

    Args:
        data: A DataFrame (time index, numeric columns) or a 2-D array (target in column 0).
        target: Column to forecast (required for a DataFrame).
        features: Other input columns; default: every numeric column.
        lookback: Rows of history per window.
        horizon: Steps between the window's last row and the target (24 = one day ahead on
            hourly data). The book's ``delay`` is ``horizon - 1``.
        step: Keep every `step`-th row of the lookback, counting back from the last row.
        split: Fractions ``(train, val[, test])`` of the rows summing to 1 (the DLwP 2nd edition
            uses ``(0.5, 0.25, 0.25)``), or ``{"train": (start, stop), "val": ..., "test": ...}``
            with integer rows or dates, in time order without overlap (see :func:`split_bounds`).
            A window belongs to the part that holds its target.
        scaler: Use this fitted :class:`Scaler` instead of fitting one on the training range
            (to apply already-trained models to a later stretch of the series).
        horizons: Several steps ahead at once: an int ``H`` (= 1..H), ``"1-8"``, ``"1,4,8"`` or a
            list. Targets are ``origin + h - 1`` for each ``h``; an origin belongs to the part that
            holds all its targets, so every horizon is scored from the same origins. ``horizon``
            becomes ``max(horizons)`` (give 1, the default, or that). None = `horizon` alone.
        known: Future-known columns (calendar terms, an assumed policy path, scenarios): their
            values over each origin's horizon path (rows ``origin .. origin + horizon - 1``, up to
            the target's row) are known in advance and fed to the models that use them (networks:
            a second input; ARIMA: regressors, ARIMAX). They stay past inputs in the window too.
            Must be columns of the data (added to `features` if missing there), never the target.

    Returns:
        A :class:`Windows`.

    Raises:
        DataError: non-numeric columns, NaN/inf values, unsorted or duplicate timestamps,
            a series too short for one window, an empty, overlapping or misordered part, a
            target that is constant over the training part.
        ArgumentError: lookback not a multiple of step, fractions not summing to 1.
    """
    lookback, step = check_lookback_step(lookback, step)
    horizon, hs = resolve_horizons(horizon, horizons)
    if known is not None and isinstance(known, str):
        known = [known]
    known = [str(k) for k in (known or [])]
    if isinstance(data, pd.DataFrame):
        if target is None:
            raise DataError(f"`target` must name a column of the DataFrame. Available: {list(data.columns)}")
        if known:
            cols = [str(c) for c in data.columns]
            missing = [k for k in known if k not in cols]
            if missing:
                raise DataError(f"`known` must name columns of the data. Received: {missing} not among {cols}")
            if str(target) in known:
                raise ArgumentError(f"`known` must not hold the target {target!r}: its future is what is forecast.")
            if features is not None:
                features = [features] if isinstance(features, str) else list(features)
                features = features + [k for k in known if k not in features]
        frame = from_frame(data, target=target, features=features)
    else:
        arr = check_numeric_matrix(data)
        frame = pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])
        check_finite_frame(frame)
        missing = [k for k in known if k not in frame.columns[1:]]
        if missing:
            raise DataError(f"`known` must name columns x1, x2, ... of the array (x0 is the target). "
                            f"Received: {missing}")
    n = len(frame)
    if n < lookback + horizon:
        raise DataError(f"The series is too short: {n} rows, but one window needs lookback + horizon = "
                        f"{lookback + horizon} rows (lookback={lookback}, horizon={horizon}).")
    bounds = split_bounds(frame.index, split)
    train_start, train_stop = bounds["train"]
    if train_stop - train_start < 2:
        raise DataError(f"The training part must hold at least 2 rows to fit the scaler. Received: "
                        f"{rows_text(frame.index, train_start, train_stop)}")
    train_target = frame.iloc[train_start:train_stop, 0].to_numpy(dtype=np.float64)
    if np.ptp(train_target) <= 1e-12 * max(1.0, float(np.max(np.abs(train_target)))):
        raise DataError(
            f"The target {frame.columns[0]!r} must vary over the training part. Received: it is constant "
            f"(= {train_target[0]:g}) over {rows_text(frame.index, train_start, train_stop)}. Its scale is zero "
            "and forecast skill and Diebold-Mariano tests are undefined: there is nothing to forecast."
        )
    if scaler is not None and len(scaler.mean_) != frame.shape[1]:
        raise ArgumentError(f"`scaler` was fitted on {len(scaler.mean_)} columns; the data has {frame.shape[1]}.")
    windows = Windows(frame, lookback=lookback, horizon=horizon, step=step, bounds=bounds, scaler=scaler,
                      horizons=hs, known=known)
    for part in windows.parts:
        if windows.n_windows(part) == 0:
            start, stop = bounds[part]
            raise DataError(
                f"The {part} part must hold at least one window. Received: its targets are "
                f"{rows_text(frame.index, start, stop)}, but the first possible target is row "
                f"{lookback + horizon} (lookback={lookback}, horizon={horizon}). Use a shorter lookback or a "
                "larger part."
            )
    return windows


_BOOK_NAMES = ("Convention", "WindowGenerator", "generator", "window_indices")


def __getattr__(name: str):
    """``from pybbdl.windows import generator`` keeps working: the book's generator lives in :mod:`pybbdl.book`."""
    if name in _BOOK_NAMES:
        from pybbdl import book

        return getattr(book, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
