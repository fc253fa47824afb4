"""The R package, driven from pytest in rpy2's embedded R (fixture ``r_pybbdl``).

R's calls into Python run in this very interpreter, so R results are compared with the Python
core's directly. Skips when R, rpy2 or reticulate are missing.
"""

import numpy as np
import pandas as pd
import pytest

import pybbdl
from book_reference import book_generator_r
from pybbdl.data import macro_data
from pybbdl.evaluation import compare
from pybbdl.privacy import dp_sgd_epsilon
from pybbdl.windows import prepare_windows


def test_r_reaches_this_python_interpreter(r_pybbdl):
    assert r_pybbdl("pybbdl_available()") is True
    pybbdl._r_package_marker = 20260101
    try:
        assert r_pybbdl('reticulate::py_to_r(reticulate::import("pybbdl", convert = FALSE)$`_r_package_marker`)') \
            == 20260101
    finally:
        del pybbdl._r_package_marker


def test_macro_data_is_a_data_frame_with_dates_in_r(r_pybbdl):
    assert r_pybbdl("class(macro_data()$date)") == "Date"
    assert r_pybbdl("format(macro_data()$date[c(1, 202)])") == ["1959-04-01", "2009-07-01"]
    frame = r_pybbdl("macro_data()")  # the R data.frame, converted back by reticulate
    want = macro_data()
    assert list(frame.columns) == ["date", *want.columns]
    np.testing.assert_array_equal(frame[list(want.columns)].to_numpy(), want.to_numpy())
    np.testing.assert_array_equal(pd.to_datetime(frame["date"]).to_numpy(), want.index.to_numpy())


@pytest.mark.parametrize("lookback, step, delay, min_index, max_index, batch_size",
                         [(12, 4, 5, 3, 150, 16), (10, 1, 0, 1, 60, 7), (9, 3, 2, 20, None, 32)])
def test_r_generator_equals_the_books_r_function(r_pybbdl, lookback, step, delay, min_index, max_index,
                                                  batch_size):
    data = np.round(np.random.default_rng(6).normal(size=(200, 3)), 3)
    r_max = "NULL" if max_index is None else str(max_index)
    r_pybbdl(f"gen <- generator(data, lookback = {lookback}, delay = {delay}, min_index = {min_index}, "
             f"max_index = {r_max}, batch_size = {batch_size}, step = {step})", data=data)
    book = book_generator_r(data, lookback, delay, min_index, max_index, batch_size=batch_size, step=step)
    for _ in range(10):  # past max_index: the wrap-around is compared too
        samples, targets = r_pybbdl("gen()")
        want_samples, want_targets = book()
        np.testing.assert_array_equal(samples, want_samples)
        np.testing.assert_array_equal(targets, want_targets)


def test_dp_epsilon_from_r_is_the_python_number(r_pybbdl):
    eps = r_pybbdl("dp_epsilon(60000, 256, 1.1, 60, 1e-5)")
    assert eps == pytest.approx(2.597, abs=1e-3)
    assert eps == dp_sgd_epsilon(60000, 256, 1.1, 60, 1e-5)


def test_errors_carry_the_message_and_a_hint_not_a_traceback(r_pybbdl, tmp_path, monkeypatch):
    with pytest.raises(RuntimeError, match="`lookback` must be a whole number between 1 and 2147483647, not -1"):
        r_pybbdl("generator(matrix(0, 10, 2), lookback = -1, delay = 1, min_index = 1, max_index = 5)")
    monkeypatch.setenv("PYBBDL_CACHE", str(tmp_path))  # the same process: R's Python sees it
    with pytest.raises(RuntimeError) as err:
        r_pybbdl("jena_climate(download = FALSE)")
    assert "could not be downloaded (download=False)" in str(err.value)
    assert "Hint: download the file once and pass it with `path = `" in str(err.value)
    assert "Traceback" not in str(err.value)
    assert r_pybbdl('class(tryCatch(jena_climate(download = FALSE), error = identity))')[:3] == [
        "pybbdl_datasetunavailableerror", "pybbdl_python_error", "pybbdl_error"]


def test_forecast_compare_from_r_equals_python(r_pybbdl):
    ours = r_pybbdl('forecast_compare(macro_data(), models = c("naive", "gru"), epochs = 1, batch_size = 32, '
                    'patience = NULL, seed = 3)$wide')
    windows = prepare_windows(macro_data(), target="infl", lookback=8, horizon=1, split=(0.6, 0.2, 0.2))
    want = compare(windows, ["naive", "gru"], params={"epochs": 1, "batch_size": 32, "random_state": 3},
                   progress=False).table
    assert list(ours.columns) == list(want.columns)
    assert list(ours["model"]) == ["naive", "gru"]
    numbers = [c for c in want.columns if pd.api.types.is_numeric_dtype(want[c]) and c != "fit_seconds"]
    text = [c for c in want.columns if c not in numbers and c not in ("spec", "note", "fit_seconds")]
    assert "interval" in text  # the wide table's labels (interval kind, which test per pair) travel too
    assert ours[text].astype(str).values.tolist() == want[text].astype(str).values.tolist()
    pd.testing.assert_frame_equal(ours[numbers].reset_index(drop=True).astype(float),
                                  want[numbers].reset_index(drop=True).astype(float), rtol=0, atol=0)


def test_r_machinery_lives_in_tests_not_in_the_library():
    import pybbdl.interop_r as interop

    for name in ("RPackage", "r_package", "R_PACKAGE_FILES", "_r_evaluate", "_end_r_without_finalizers"):
        assert not hasattr(interop, name), name


def test_whole_numbers_above_2_31_are_refused_in_r(r_pybbdl):
    with pytest.raises(RuntimeError, match="`lookback` must be a whole number between 1 and 2147483647, not 3e"):
        r_pybbdl("forecast_compare(macro_data(), lookback = 3e9)")
