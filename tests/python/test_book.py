"""pybbdl.book: the book's generator() batch for batch, in both index conventions."""

import shutil
import subprocess

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from book_reference import book_generator_python, book_generator_r
from pybbdl.book import generator, window_indices
from pybbdl.exceptions import DataError
from pybbdl.windows import make_windows


def _data(n, n_vars=3, seed=0):
    return np.random.default_rng(seed).normal(size=(n, n_vars))


@pytest.mark.parametrize("lookback,step,delay,batch", [(12, 3, 4, 5), (10, 1, 0, 7), (30, 6, 6, 4), (8, 8, 2, 3)])
def test_python_convention_matches_book_function(lookback, step, delay, batch):
    data = _data(120)
    ours = generator(data, lookback, delay, min_index=5, max_index=90, batch_size=batch, step=step)
    book = book_generator_python(data, lookback, delay, 5, 90, batch_size=batch, step=step)
    for _ in range(25):  # several passes, so the wrap-around is exercised
        (s1, t1), (s2, t2) = ours(), next(book)
        np.testing.assert_array_equal(s1, s2)
        np.testing.assert_array_equal(t1, t2)


@pytest.mark.parametrize("lookback,step,delay,batch", [(12, 3, 4, 5), (10, 1, 0, 7), (30, 6, 6, 4), (1440, 6, 144, 16)])
def test_r_convention_matches_literal_r_port(lookback, step, delay, batch):
    data = _data(2000)
    ours = generator(data, lookback, delay, min_index=1, max_index=1700, batch_size=batch, step=step,
                     convention="r")
    book = book_generator_r(data, lookback, delay, 1, 1700, batch_size=batch, step=step)
    for _ in range(12):
        (s1, t1), (s2, t2) = ours(), book()
        np.testing.assert_array_equal(s1, s2)
        np.testing.assert_array_equal(t1, t2)


def test_r_convention_spreads_indices_like_seq_length_out():
    # seq(1, 30, length.out = 5) = 1, 8.25, 15.5, 22.75, 30 -> rows 1, 8, 15, 22, 30 (1-based)
    idx = window_indices(np.array([30]), lookback=30, step=6, convention="r")
    assert idx.tolist() == [[0, 7, 14, 21, 29]]
    # the Python edition takes every 6th row and stops 6 before the row
    idx = window_indices(np.array([30]), lookback=30, step=6, convention="python")
    assert idx.tolist() == [[0, 6, 12, 18, 24]]


@pytest.mark.skipif(shutil.which("Rscript") is None, reason="R is not installed")
def test_r_convention_matches_the_book_function_run_in_r(tmp_path):
    data = np.round(_data(80, 2, seed=3), 6)
    np.savetxt(tmp_path / "data.csv", data, delimiter=",")
    script = f"""
    generator <- function(data, lookback, delay, min_index, max_index,
                          shuffle = FALSE, batch_size = 128, step = 6) {{
      if (is.null(max_index)) max_index <- nrow(data) - delay - 1
      i <- min_index + lookback
      function() {{
        if (shuffle) {{
          rows <- sample(c((min_index+lookback):max_index), size = batch_size)
        }} else {{
          if (i + batch_size >= max_index) i <<- min_index + lookback
          rows <- c(i:min(i+batch_size-1, max_index))
          i <<- i + length(rows)
        }}
        samples <- array(0, dim = c(length(rows), lookback / step, dim(data)[[-1]]))
        targets <- array(0, dim = c(length(rows)))
        for (j in 1:length(rows)) {{
          indices <- seq(rows[[j]] - lookback, rows[[j]] - 1, length.out = dim(samples)[[2]])
          samples[j,,] <- data[indices,]
          targets[[j]] <- data[rows[[j]] + delay, 2]
        }}
        list(samples, targets)
      }}
    }}
    data <- as.matrix(read.csv("{tmp_path}/data.csv", header = FALSE))
    gen <- generator(data, lookback = 14, delay = 3, min_index = 1, max_index = 60, batch_size = 9, step = 2)
    out <- NULL
    for (b in 1:8) {{ r <- gen(); out <- rbind(out, cbind(b, matrix(aperm(r[[1]], c(1, 3, 2)), nrow = length(r[[2]])), r[[2]])) }}
    write.table(out, "{tmp_path}/out.csv", sep = ",", row.names = FALSE, col.names = FALSE)
    """
    subprocess.run(["Rscript", "-e", script], check=True, capture_output=True)
    r_out = np.loadtxt(tmp_path / "out.csv", delimiter=",")
    gen = generator(data, 14, 3, min_index=1, max_index=60, batch_size=9, step=2, convention="r")
    rows = []
    for b in range(1, 9):
        s, t = gen()
        flat = s.transpose(0, 2, 1).reshape(len(t), -1, order="F")  # R's column-major matrix()
        rows.append(np.column_stack([np.full(len(t), b), flat, t]))
    np.testing.assert_allclose(np.vstack(rows), r_out, rtol=0, atol=1e-12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(10, 70), lookback_steps=st.integers(1, 5), step=st.integers(1, 3), delay=st.integers(0, 5),
       min_index=st.integers(0, 10), tail=st.integers(0, 15), batch=st.integers(1, 12),
       convention=st.sampled_from(["python", "r"]))
def test_generator_edges_match_book(n, lookback_steps, step, delay, min_index, tail, batch, convention):
    lookback = lookback_steps * step
    base = 0 if convention == "python" else 1
    min_index += base
    max_index = n - delay - tail  # within the largest valid value n - delay
    first = min_index + lookback
    assume(max_index > first if convention == "python" else max_index >= first)
    data = np.arange(n * 2, dtype=float).reshape(n, 2)  # value encodes (row, col)
    ours = generator(data, lookback, delay, min_index, max_index, batch_size=batch, step=step, convention=convention)
    if convention == "python":
        book = book_generator_python(data, lookback, delay, min_index, max_index, batch_size=batch, step=step)
        draw = lambda: next(book)  # noqa: E731
    else:
        draw = book_generator_r(data, lookback, delay, min_index, max_index, batch_size=batch, step=step)
    for _ in range(6):
        (s1, t1), (s2, t2) = ours(), draw()
        np.testing.assert_array_equal(s1, s2)
        np.testing.assert_array_equal(t1, t2)
    # the target never lies inside its window, and never before it
    assert np.all(t1 > s1[:, -1, 1])


def test_shuffled_batches_are_windows_of_the_valid_rows():
    data = np.arange(200, dtype=float).reshape(100, 2)
    gen = generator(data, 10, 5, min_index=0, max_index=60, shuffle=True, batch_size=32, step=2, seed=1)
    s, t = gen()
    rows = (t - 1) / 2 - 5  # data[row + delay, 1] = 2 * (row + 5) + 1
    assert np.all((rows >= 10) & (rows < 60))
    np.testing.assert_array_equal(s[:, 0, 0], 2 * (rows - 10))
    s2, _ = generator(data, 10, 5, min_index=0, max_index=60, shuffle=True, batch_size=32, step=2, seed=1)()
    np.testing.assert_array_equal(s, s2)  # seeded


@pytest.mark.parametrize("kwargs,match", [
    ({"lookback": 10, "step": 3}, "multiple of `step`"),
    ({"lookback": 0}, "lookback"),
    ({"delay": -1}, "delay"),
    ({"max_index": 200}, "points past the data"),
    ({"min_index": 90, "max_index": 95}, "No rows"),
    ({"convention": "julia"}, "convention"),
])
def test_generator_rejects_bad_arguments(kwargs, match):
    args = {"lookback": 12, "delay": 2, "step": 3, "min_index": 0, "max_index": 80, **kwargs}
    with pytest.raises(ValueError, match=match):
        generator(_data(100), **args)


def test_generator_rejects_short_series_and_nan_target():
    with pytest.raises(DataError, match="too short"):
        generator(_data(10), lookback=12, delay=2, step=1)
    data = _data(100)
    data[50, 1] = np.nan
    with pytest.raises(DataError, match="finite"):
        generator(data, lookback=12, delay=2, step=1)


def test_generator_batch_takes_given_rows_and_checks_them():
    data = np.arange(60, dtype=float).reshape(30, 2)
    gen = generator(data, lookback=4, delay=2, min_index=1, max_index=20, batch_size=3, step=2, convention="r")
    samples, targets = gen.batch([9, 5, 12])  # 1-based rows, as R's sample() draws them
    # R: seq(row - 4, row - 1, length.out = 2) = (row - 4, row - 1); target data[row + 2, 2]
    assert samples[:, :, 0].tolist() == [[(9 - 5) * 2, (9 - 2) * 2], [0 * 2, 3 * 2], [7 * 2, 10 * 2]]
    assert targets.tolist() == [(9 + 1) * 2 + 1, (5 + 1) * 2 + 1, (12 + 1) * 2 + 1]
    with pytest.raises(ValueError, match=r"must lie in \[5, 20\].*Received: \[4, 21\]"):
        gen.batch([4, 21])
    with pytest.raises(ValueError, match="whole numbers"):
        gen.batch([5.5])


def test_library_windows_equal_the_book_at_step_1_and_end_on_the_last_row_otherwise():
    data = _data(60, 2)
    X, y = make_windows(data, lookback=12, horizon=5, step=1, target_col=1)
    s, t = generator(data, 12, 4, min_index=0, max_index=None, batch_size=len(y) + 5, step=1)()
    n = len(t)  # the book's default max_index drops the last row
    np.testing.assert_array_equal(X[:n], s)
    np.testing.assert_array_equal(y[:n], t)
    # step > 1: the Python edition's last input is row - step; the library's is row - 1 (its own convention)
    X3, y3 = make_windows(data, lookback=12, horizon=5, step=3, target_col=1)
    s3, t3 = generator(data, 12, 4, min_index=0, max_index=None, batch_size=len(y3) + 5, step=3)()
    origins = np.arange(12, 12 + n)
    np.testing.assert_array_equal(y3[:n], t3)
    np.testing.assert_array_equal(X3[:n, -1], data[origins - 1])
    np.testing.assert_array_equal(s3[:, -1], data[origins - 3])


def test_old_import_path_still_gives_the_book_generator():
    from pybbdl import book, windows

    assert windows.generator is book.generator and windows.WindowGenerator is book.WindowGenerator
    with pytest.raises(AttributeError):
        windows.no_such_name  # noqa: B018
