"""The book's data generator: *Deep Learning with R* §6.3 (and the Python edition), batch for batch.

:func:`generator` reproduces the book's ``generator(data, lookback, delay, min_index, max_index,
shuffle, batch_size, step)`` (wrap-around quirk included), in either of the book's index
conventions:

* ``convention="python"`` (the Python edition, 0-based): rows run over
  ``[min_index + lookback, max_index)`` and a window takes ``range(row - lookback, row, step)``;
* ``convention="r"`` (the R edition, 1-based ``min_index``/``max_index``): rows run over
  ``(min_index + lookback):max_index`` and a window takes
  ``seq(row - lookback, row - 1, length.out = lookback / step)``, fractional indices truncated as R
  does. With ``step == 1`` both conventions pick the same rows.

Either way the target is ``data[row + delay, target_col]``: ``delay + 1`` steps after the window's
last row ``row - 1`` (the book's ``delay = 144`` is 24 h 10 min ahead). With ``step > 1`` the
Python edition's last input is ``row - step``, not ``row - 1``.

These conventions belong to the book only. The library's own windows
(:func:`pybbdl.windows.prepare_windows`) always end on the row just before the forecast origin.
:func:`pybbdl.models.evaluate_naive_method` is the book's naive baseline on such a generator.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from pybbdl._validation import (
    check_finite_column,
    check_lookback_step,
    check_numeric_matrix,
    check_positive_int,
)
from pybbdl.exceptions import ArgumentError, DataError

Convention = Literal["python", "r"]

__all__ = ["Convention", "WindowGenerator", "generator", "window_indices"]


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
                            f"column {self.target_col}", pd.RangeIndex(first0 + self.delay, last0 + self.delay + 1))
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
            return (_book_view(self.data, self.lookback, self.step, first, stop),
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


def _book_view(arr: np.ndarray, lookback: int, step: int, row_start: int, row_stop: int) -> np.ndarray:
    """Read-only strided view: the Python edition's windows for rows ``row_start .. row_stop - 1``."""
    view = np.lib.stride_tricks.sliding_window_view(arr, lookback, axis=0)  # (n-L+1, vars, L)
    return view[row_start - lookback:row_stop - lookback, :, ::step].transpose(0, 2, 1)
