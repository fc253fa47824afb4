"""The R package, driven from pytest through rpy2's embedded R (fixture ``r_pybbdl``).

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


def r(code: str):
    from pybbdl.interop_r import _robjects

    return _robjects().r(code)


def test_r_reaches_this_python_interpreter(r_pybbdl):
    assert r("pybbdl_available()")[0]
    pybbdl._r_package_marker = 20260101
    try:
        assert r('reticulate::import("pybbdl")$`_r_package_marker`')[0] == 20260101
    finally:
        del pybbdl._r_package_marker


def test_macro_data_crosses_to_r_and_back(r_pybbdl):
    from pybbdl.interop_r import r_to_frame

    r("macro <- macro_data()")
    assert list(r("class(macro$date)")) == ["Date"]
    assert list(r("format(macro$date[1:2])")) == ["1959-04-01", "1959-07-01"]
    back = r_to_frame(r("macro[-1]"))
    want = macro_data()
    assert list(back.columns) == list(want.columns)
    np.testing.assert_array_equal(back.to_numpy(), want.to_numpy())


@pytest.mark.parametrize("lookback, step, delay, min_index, max_index, batch_size",
                         [(12, 4, 5, 3, 150, 16), (10, 1, 0, 1, 60, 7), (9, 3, 2, 20, None, 32)])
def test_r_generator_equals_the_books_r_function(r_pybbdl, lookback, step, delay, min_index, max_index,
                                                  batch_size):
    import rpy2.robjects as ro

    data = np.round(np.random.default_rng(6).normal(size=(200, 3)), 3)
    matrix = ro.r.matrix(ro.FloatVector(data.ravel(order="F")), nrow=data.shape[0])  # column-major, as R
    r_max = "NULL" if max_index is None else str(max_index)
    gen = r(f"function(data) generator(data, lookback = {lookback}, delay = {delay}, min_index = {min_index}, "
            f"max_index = {r_max}, batch_size = {batch_size}, step = {step})")(matrix)
    book = book_generator_r(data, lookback, delay, min_index, max_index, batch_size=batch_size, step=step)
    for _ in range(10):  # past max_index: the wrap-around is compared too
        batch = gen()
        dims = tuple(int(d) for d in ro.r.dim(batch[0]))
        samples = np.asarray(batch[0]).reshape(dims, order="F")
        targets = np.asarray(batch[1])
        want_samples, want_targets = book()
        np.testing.assert_array_equal(samples, want_samples)
        np.testing.assert_array_equal(targets, want_targets)


def test_dp_epsilon_from_r_is_the_python_number(r_pybbdl):
    eps = r("dp_epsilon(60000, 256, 1.1, 60, 1e-5)")[0]
    assert eps == pytest.approx(2.597, abs=1e-3)
    assert eps == dp_sgd_epsilon(60000, 256, 1.1, 60, 1e-5)


def test_python_errors_reach_python_callers_of_r_as_message_plus_hint(r_pybbdl, tmp_path, monkeypatch):
    from rpy2.rinterface_lib.embedded import RRuntimeError

    r(f'Sys.setenv(PYBBDL_CACHE = "{tmp_path.as_posix()}")')
    try:
        with pytest.raises(RRuntimeError) as err:
            r("jena_climate(download = FALSE)")
    finally:
        r('Sys.unsetenv("PYBBDL_CACHE")')
    cond = r("tryCatch(jena_climate(path = 'nowhere.csv'), error = conditionMessage)")[0]
    assert cond.startswith("`path` must name an existing file; nowhere.csv does not exist")
    msg = r("conditionMessage(tryCatch(jena_climate(download = FALSE), error = identity))")[0]
    assert "could not be downloaded (download=False)" in msg
    assert "Hint: download the file once and pass it with `path = `" in msg
    assert "Traceback" not in msg and "Traceback" not in str(err.value)


def test_forecast_compare_from_r_equals_python(r_pybbdl):
    table = r('forecast_compare(macro_data(), models = c("naive", "gru"), epochs = 1, batch_size = 32, seed = 3)')
    from pybbdl.interop_r import r_to_frame

    ours = r_to_frame(table)
    windows = prepare_windows(macro_data(), target="infl", lookback=8, horizon=1, split=(0.6, 0.2, 0.2))
    want = compare(windows, ["naive", "gru"], params={"epochs": 1, "batch_size": 32, "random_state": 3},
                   progress=False).table
    assert list(ours.columns) == list(want.columns)
    numbers = [c for c in want.columns if c not in ("model", "spec", "note", "fit_seconds")]
    pd.testing.assert_frame_equal(ours[numbers].reset_index(drop=True).astype(float),
                                  want[numbers].reset_index(drop=True).astype(float), rtol=0, atol=0)
    assert list(ours["model"]) == ["naive", "gru"]
