"""Cut series into (lookback, horizon) windows the way *Deep Learning with R* §6.3 does.

Two layers live here.

1. :func:`generator` reproduces the book's ``generator(data, lookback, delay, min_index,
   max_index, shuffle, batch_size, step)`` batch for batch (wrap-around quirk included), in
   either of the book's index conventions:

   * ``convention="python"`` (the Python edition, 0-based): rows run over
     ``[min_index + lookback, max_index)`` and a window takes ``range(row - lookback, row, step)``;
   * ``convention="r"`` (the R edition, 1-based ``min_index``/``max_index``): rows run over
     ``(min_index + lookback):max_index`` and a window takes
     ``seq(row - lookback, row - 1, length.out = lookback / step)``, fractional indices truncated
     as R does. With ``step == 1`` both conventions pick the same rows.

   Either way the target is ``data[row + delay, target_col]``: ``delay + 1`` steps after the
   window's last row ``row - 1`` (the book's ``delay = 144`` is 24 h 10 min ahead).

2. :func:`prepare_windows` is what the rest of pybbdl uses: a split (by fractions or index/date
   ranges), a scaler fitted on the training range only, and windows whose target lies exactly
   ``horizon`` steps after the end of the window span (``horizon = delay + 1`` in the book's
   terms). A window belongs to the part (train/val/test) in which its *target* lies, so every
   model, whatever its lookback, is scored on the same targets; a validation window's inputs may
   reach back into the training range (they are past data, never future data). Windows are
   strided views of the scaled array (no copy) for the Python convention, and
   :meth:`Windows.dataset` feeds them to ``model.fit`` as a ``keras.utils.PyDataset``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from pybbdl._validation import (
    check_finite_column,
    check_lookback_step,
    check_numeric_matrix,
    check_positive_int,
)
from pybbdl.data.frames import from_frame
from pybbdl.exceptions import ArgumentError, DataError

Convention = Literal["python", "r"]
PARTS = ("train", "val", "test")


def _check_convention(convention: str) -> str:
    if convention not in ("python", "r"):
        raise ArgumentError(f'`convention` must be "python" or "r". Received: convention={convention!r}')
    return convention


def window_indices(rows0: np.ndarray, lookback: int, step: int, convention: Convention) -> np.ndarray:
    """0-based row indices of each window, shape ``(len(rows0), lookback // step)``.

    ``rows0`` are the book's ``rows`` as 0-based positions (the row just after each window span).
    For the R convention the float arithmetic of R's ``seq(from, to, length.out)`` is repeated on
    1-based values, then truncated like R's ``data[indices, ]``.
    """
    rows0 = np.asarray(rows0, dtype=np.int64)
    m = lookback // step
    if convention == "python":
        return rows0[:, None] - lookback + np.arange(0, lookback, step, dtype=np.int64)[None, :]
    from1 = (rows0 + 1 - lookback).astype(np.float64)  # R: rows[[j]] - lookback (1-based)
    to1 = (rows0 + 1 - 1).astype(np.float64)  # R: rows[[j]] - 1
    if m == 1:
        idx1 = from1[:, None]
    elif m == 2:
        idx1 = np.stack([from1, to1], axis=1)
    else:
        n1 = m - 1
        by = float(lookback - 1) / n1  # (to - from) / n1, identical for every row
        inner = np.arange(1, n1, dtype=np.float64) * by
        idx1 = np.concatenate([from1[:, None], from1[:, None] + inner[None, :], to1[:, None]], axis=1)
    return np.trunc(idx1).astype(np.int64) - 1


class WindowGenerator:
    """The book's ``generator()`` as an object: call it (R style) or ``next()`` it (Python style).

    Each call returns ``(samples, targets)`` with shapes ``(batch, lookback // step, n_vars)``
    and ``(batch,)``, exactly the values the book's function returns. Sequential batches are
    read-only strided views of ``data`` (zero-copy; R convention only when ``step == 1``, since
    its spread-out indices are not evenly strided); shuffled batches are fresh arrays. Build it
    with :func:`generator`.
    """

    def __init__(self, data, lookback, delay, min_index, max_index, shuffle, batch_size, step,
                 target_col, convention, seed):
        self.convention = _check_convention(convention)
        self.data = check_numeric_matrix(data)
        self.lookback, self.step = check_lookback_step(lookback, step)
        self.delay = check_positive_int("delay", delay, minimum=0)
        self.batch_size = check_positive_int("batch_size", batch_size)
        self.shuffle = bool(shuffle)
        n, n_vars = self.data.shape
        self.target_col = check_positive_int("target_col", target_col, minimum=0)
        if self.target_col >= n_vars:
            raise ArgumentError(f"`target_col` must be < the number of columns ({n_vars}). Received: {target_col}")
        if n < self.lookback + self.delay + 1:
            raise DataError(
                f"The series is too short: {n} rows, but one window needs lookback + delay + 1 = "
                f"{self.lookback + self.delay + 1} rows (lookback={self.lookback}, delay={self.delay})."
            )
        base = 0 if convention == "python" else 1
        self.min_index = base if min_index is None else check_positive_int("min_index", min_index, minimum=base)
        self.max_index = (n - self.delay - 1) if max_index is None else check_positive_int(
            "max_index", max_index, minimum=base)
        # 0-based first/last row (inclusive) of the range the rows are drawn from.
        first0 = self.min_index + self.lookback - base
        last0 = self.max_index - 1  # Python: max_index excluded; R: 1-based and included
        if last0 < first0:
            raise DataError(
                f"No rows between min_index + lookback = {self.min_index + self.lookback} and "
                f"max_index = {self.max_index} ({convention} convention)."
            )
        if last0 + self.delay > n - 1:
            raise DataError(
                f"max_index + delay points past the data: max_index={self.max_index}, delay={self.delay}, "
                f"rows={n}. The largest valid max_index is {n - self.delay}."
            )
        check_finite_column(self.data[first0 + self.delay:last0 + self.delay + 1, self.target_col],
                            f"column {self.target_col}")
        self._rng = np.random.default_rng(seed)
        self.reset()

    @property
    def steps_per_epoch(self) -> int:
        """The book's ``val_steps``: ``(max_index - min_index - lookback) // batch_size`` (at least 1)."""
        return max(1, (self.max_index - self.min_index - self.lookback) // self.batch_size)

    def reset(self) -> None:
        """Rewind to the first batch."""
        self._i = self.min_index + self.lookback

    def _next_rows(self) -> np.ndarray:
        """Rows (in the convention's own index base) of the next batch."""
        lo = self.min_index + self.lookback
        if self.convention == "python":
            if self.shuffle:
                return self._rng.integers(lo, self.max_index, size=self.batch_size)
            if self._i + self.batch_size >= self.max_index:
                self._i = lo
            rows = np.arange(self._i, min(self._i + self.batch_size, self.max_index))
        else:
            if self.shuffle:
                population = np.arange(lo, self.max_index + 1)
                if self.batch_size > len(population):
                    raise DataError(
                        f"cannot take a sample larger than the population: batch_size={self.batch_size}, "
                        f"rows={len(population)} (R's sample() without replacement)"
                    )
                return self._rng.choice(population, size=self.batch_size, replace=False)
            if self._i + self.batch_size >= self.max_index:
                self._i = lo
            rows = np.arange(self._i, min(self._i + self.batch_size - 1, self.max_index) + 1)
        self._i += len(rows)
        return rows

    def batch(self, rows) -> tuple[np.ndarray, np.ndarray]:
        """Samples and targets of the given rows (the book's ``rows``, in the convention's index base).

        ``__call__`` uses it for the rows it draws; the R package draws shuffled rows with R's own
        ``sample()`` (so ``set.seed()`` gives the book's batches) and hands them here.

        Raises:
            ValueError: a row outside ``[min_index + lookback, max_index]`` (Python: ``max_index``
                excluded), or no rows.
        """
        rows = np.asarray(rows)
        if rows.ndim != 1 or rows.size == 0 or not np.issubdtype(rows.dtype, np.number) \
                or not np.all(rows == np.floor(rows)):
            raise ArgumentError(f"`rows` must be a non-empty vector of whole numbers. Received: {rows!r}")
        rows = rows.astype(np.int64)
        lo = self.min_index + self.lookback
        hi = self.max_index - (1 if self.convention == "python" else 0)
        bad = (rows < lo) | (rows > hi)
        if bad.any():
            raise ArgumentError(f"`rows` must lie in [{lo}, {hi}] (min_index + lookback .. the last row before "
                             f"max_index + delay, {self.convention} convention). Received: {rows[bad][:5].tolist()}")
        rows0 = rows - (0 if self.convention == "python" else 1)
        if np.all(np.diff(rows0) == 1) and (self.convention == "python" or self.step == 1):
            # consecutive rows and evenly strided windows: read-only views, nothing is copied
            first, stop = rows0[0], rows0[-1] + 1
            return (_window_view(self.data, self.lookback, self.step, first, stop),
                    self.data[first + self.delay:stop + self.delay, self.target_col])
        idx = window_indices(rows0, self.lookback, self.step, self.convention)
        return self.data[idx], self.data[rows0 + self.delay, self.target_col]

    def __call__(self) -> tuple[np.ndarray, np.ndarray]:
        return self.batch(self._next_rows())

    __next__ = __call__

    def __iter__(self):
        return self

    def __repr__(self) -> str:
        return (f"WindowGenerator(lookback={self.lookback}, delay={self.delay}, min_index={self.min_index}, "
                f"max_index={self.max_index}, shuffle={self.shuffle}, batch_size={self.batch_size}, "
                f"step={self.step}, convention={self.convention!r})")


def generator(
    data,
    lookback: int,
    delay: int,
    min_index: int | None = None,
    max_index: int | None = None,
    shuffle: bool = False,
    batch_size: int = 128,
    step: int = 6,
    *,
    target_col: int = 1,
    convention: Convention = "python",
    seed: int | None = None,
) -> WindowGenerator:
    """The book's ``generator()``, same arguments, same samples and targets.

    Args:
        data: Numeric matrix ``(time, variables)``, already scaled as in the book.
        lookback: Rows of history per window (1440 = 10 days of 10-minute data).
        delay: The target is ``data[row + delay]``, i.e. ``delay + 1`` steps after the last row.
        min_index, max_index: Row bounds, 0-based with ``max_index`` excluded for
            ``convention="python"``, 1-based and included for ``convention="r"``. Defaults:
            the first row, and ``len(data) - delay - 1`` as in the book.
        shuffle: Draw rows at random (with replacement in Python, without in R, as the book).
        batch_size: Rows per batch.
        step: Keep one row in `step` (6 = hourly from 10-minute data).
        target_col: 0-based column of the target (the book's temperature is column 1).
        convention: ``"python"`` or ``"r"``, see the module docstring.
        seed: Seed of the shuffle's random generator.

    Raises:
        ValueError: lookback not a multiple of step, non-positive sizes, bad convention.
        DataError: series too short, empty row range, NaN/inf target.
    """
    return WindowGenerator(data, lookback, delay, min_index, max_index, shuffle, batch_size, step,
                           target_col, convention, seed)


def make_windows(
    data,
    lookback: int,
    horizon: int = 1,
    step: int = 1,
    *,
    target_col: int = 0,
    convention: Convention = "python",
) -> tuple[np.ndarray, np.ndarray]:
    """Every window of a series and its target ``horizon`` steps after the window span.

    Returns:
        ``X`` of shape ``(n - lookback - horizon + 1, lookback // step, n_vars)`` (a strided,
        read-only view of ``data`` for the Python convention) and ``y`` of shape ``(len(X),)``.
    """
    arr = check_numeric_matrix(data)
    lookback, step = check_lookback_step(lookback, step)
    horizon = check_positive_int("horizon", horizon)
    _check_convention(convention)
    n = arr.shape[0]
    if n < lookback + horizon:
        raise DataError(f"The series is too short: {n} rows < lookback + horizon = {lookback + horizon}.")
    rows0 = np.arange(lookback, n - horizon + 1)
    check_finite_column(arr[rows0 + horizon - 1, target_col], f"column {target_col}")
    X = _window_view(arr, lookback, step, rows0[0], rows0[-1] + 1) if convention == "python" else \
        arr[window_indices(rows0, lookback, step, convention)]
    return X, arr[rows0 + horizon - 1, target_col]


def _window_view(arr: np.ndarray, lookback: int, step: int, row_start: int, row_stop: int) -> np.ndarray:
    """Read-only strided view: windows for rows ``row_start .. row_stop - 1`` (Python convention)."""
    view = np.lib.stride_tricks.sliding_window_view(arr, lookback, axis=0)  # (n-L+1, vars, L)
    return view[row_start - lookback:row_stop - lookback, :, ::step].transpose(0, 2, 1)


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
                 bounds: dict[str, tuple[int, int]], convention: Convention, scaler: Scaler | None = None):
        self.frame = frame
        self.target = str(frame.columns[0])
        self.columns = [str(c) for c in frame.columns]
        self.lookback, self.horizon, self.step = lookback, horizon, step
        self.convention = convention
        self.bounds = bounds
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
        """The book's ``rows`` (0-based row after each window span) of the part's windows."""
        start, stop = self.bounds[self._check_part(part)]
        first_target = max(start, self.lookback + self.horizon - 1)
        return np.arange(first_target, stop) - self.horizon + 1

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
        return source[window_indices(rows0, self.lookback, self.step, self.convention)]

    def X(self, part: str, *, scaled: bool = True) -> np.ndarray:
        """Windows ``(n_windows, lookback // step, n_vars)``; a zero-copy view when possible."""
        rows0 = self.rows(part)
        source = self.scaled if scaled else self.values
        if self.convention == "python" and len(rows0):
            return _window_view(source, self.lookback, self.step, rows0[0], rows0[-1] + 1)
        return self._gather(rows0, source)

    def y(self, part: str, *, scaled: bool = True) -> np.ndarray:
        """Targets ``(n_windows,)``, scaled (float32) or in original units (float64)."""
        pos = self.target_positions(part)
        return self.scaled[pos, 0] if scaled else self.values[pos, 0]

    def arrays(self, part: str) -> tuple[np.ndarray, np.ndarray]:
        """``(X, y)``, scaled."""
        return self.X(part), self.y(part)

    def last_values(self, part: str) -> np.ndarray:
        """The target's last value inside each window, in original units (the naive forecast)."""
        rows0 = self.rows(part)
        last = window_indices(rows0[:1], self.lookback, self.step, self.convention)[0, -1] - rows0[0]
        return self.values[rows0 + last, 0]

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
        return (f"Windows(target={self.target!r}, n_vars={len(self.columns)}, lookback={self.lookback}, "
                f"horizon={self.horizon}, step={self.step}, convention={self.convention!r}, windows: {sizes})")


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
            X = self.windows._gather(rows0)
            if not self.targets:
                return (X,)
            return X, self.windows.scaled[rows0 + self.windows.horizon - 1, 0]

        def on_epoch_end(self) -> None:
            if self.shuffle:
                self._order = self._rng.permutation(self._rows)

    return WindowDataset


def _resolve_bound(index: pd.Index, value, name: str) -> int:
    if value is None:
        return len(index) if name.endswith("stop") else 0
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        if not 0 <= value <= len(index):
            raise ArgumentError(f"`split` bound {name} must be within 0..{len(index)}. Received: {value}")
        return int(value)
    if isinstance(index, pd.DatetimeIndex):
        try:
            stamp = pd.Timestamp(value)
        except (ValueError, TypeError):
            raise ArgumentError(f"`split` bound {name} must be an integer row or a date. Received: {value!r}") from None
        return int(index.searchsorted(stamp, side="left"))
    raise ArgumentError(f"`split` bound {name} must be an integer row (the index has no dates). Received: {value!r}")


def _split_bounds(index: pd.Index, split) -> dict[str, tuple[int, int]]:
    n = len(index)
    if isinstance(split, Mapping):
        unknown = set(split) - set(PARTS)
        if unknown or "train" not in split:
            raise ArgumentError(f"`split` keys must include 'train' and be among {PARTS}. Received: {list(split)}")
        bounds = {}
        for part in PARTS:
            if part in split:
                start, stop = split[part]
                bounds[part] = (_resolve_bound(index, start, f"{part}.start"),
                                _resolve_bound(index, stop, f"{part}.stop"))
    else:
        fractions = [float(f) for f in split]
        if len(fractions) not in (2, 3) or any(f < 0 for f in fractions) or sum(fractions) > 1 + 1e-9:
            raise ArgumentError(
                "`split` must be 2 or 3 non-negative fractions (train, val[, test]) summing to <= 1, "
                f"or a dict of row/date ranges. Received: split={split!r}"
            )
        n_train, n_val = int(fractions[0] * n), int(fractions[1] * n)
        bounds = {"train": (0, n_train), "val": (n_train, n_train + n_val)}
        if len(fractions) == 3:
            stop = n if abs(sum(fractions) - 1) < 1e-9 else n_train + n_val + int(fractions[2] * n)
            bounds["test"] = (n_train + n_val, stop)
    return bounds


def prepare_windows(
    data,
    *,
    target: str | None = None,
    features: Sequence[str] | None = None,
    lookback: int,
    horizon: int = 1,
    step: int = 1,
    split=(0.5, 0.25, 0.25),
    convention: Convention = "python",
    scaler: Scaler | None = None,
) -> Windows:
    """Split a series, scale it on the training range, and cut it into windows.

    Args:
        data: A DataFrame (time index, numeric columns) or a 2-D array (target in column 0).
        target: Column to forecast (required for a DataFrame).
        features: Other input columns; default: every numeric column.
        lookback: Rows of history per window.
        horizon: Steps between the last row of the window span and the target (24 = one day
            ahead on hourly data). The book's ``delay`` is ``horizon - 1``.
        step: Keep one row in `step` within the window.
        split: Fractions ``(train, val, test)`` of the rows (the DLwP 2nd edition uses
            ``(0.5, 0.25, 0.25)``), or ``{"train": (start, stop), "val": ..., "test": ...}`` with
            integer rows or dates (``stop`` excluded; ``None`` = open end). A window belongs to
            the part that holds its target.
        convention: Index convention of the window rows, see the module docstring.
        scaler: Use this fitted :class:`Scaler` instead of fitting one on the training range
            (to apply already-trained models to a later stretch of the series).

    Returns:
        A :class:`Windows`.

    Raises:
        DataError: non-numeric columns, NaN/inf values, unsorted or duplicate timestamps,
            a series too short for one window, an empty part.
        ValueError: lookback not a multiple of step, bad split, bad convention.
    """
    lookback, step = check_lookback_step(lookback, step)
    horizon = check_positive_int("horizon", horizon)
    _check_convention(convention)
    if isinstance(data, pd.DataFrame):
        if target is None:
            raise DataError(f"`target` must name a column of the DataFrame. Available: {list(data.columns)}")
        frame = from_frame(data, target=target, features=features)
    else:
        arr = check_numeric_matrix(data)
        frame = pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])
    values = frame.to_numpy(dtype=np.float64)
    check_finite_column(values[:, 0], frame.columns[0])
    for j, col in enumerate(frame.columns[1:], start=1):
        bad = ~np.isfinite(values[:, j])
        if bad.any():
            raise DataError(f"Feature {col!r} has {int(bad.sum())} NaN/inf value(s), first at row "
                            f"{int(np.flatnonzero(bad)[0])}. Fill or drop them, or leave the column out.")
    n = len(frame)
    if n < lookback + horizon:
        raise DataError(f"The series is too short: {n} rows, but one window needs lookback + horizon = "
                        f"{lookback + horizon} rows (lookback={lookback}, horizon={horizon}).")
    bounds = _split_bounds(frame.index, split)
    train_start, train_stop = bounds["train"]
    if train_stop - train_start < 2:
        raise DataError(f"The training range must hold at least 2 rows to fit the scaler. Received: rows "
                        f"{train_start}..{train_stop}")
    if scaler is not None and len(scaler.mean_) != frame.shape[1]:
        raise ArgumentError(f"`scaler` was fitted on {len(scaler.mean_)} columns; the data has {frame.shape[1]}.")
    windows = Windows(frame, lookback=lookback, horizon=horizon, step=step, bounds=bounds, convention=convention,
                      scaler=scaler)
    for part in windows.parts:
        if windows.n_windows(part) == 0:
            start, stop = bounds[part]
            raise DataError(
                f"The {part} part has no windows: its targets are rows {start}..{stop - 1}, but the first "
                f"possible target is row {lookback + horizon - 1} (lookback={lookback}, horizon={horizon}). "
                "Use a shorter lookback or a larger part."
            )
    return windows
