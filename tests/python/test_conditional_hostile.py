"""Hostile inputs to conditional forecasts and the GAN's d_steps (issue 20: C5, C6, C19, G3).

A future path must continue the data: its first stamp is the period right after the last observation and
its stamps follow the data's frequency without gaps (a path dated years later, or daily on monthly data,
was relabelled silently). A known column that never varied in training has no identified effect, so a
path that moves it is refused. `d_steps` larger than an epoch's discriminator steps made one "epoch"
many passes over the data.
"""

import numpy as np
import pandas as pd
import pytest

import pybbdl
from pybbdl.exceptions import ArgumentError, DataError
from pybbdl.models import ArimaForecaster
from pybbdl.windows import prepare_windows


def follows_x(n=120, seed=0):
    rng = np.random.default_rng(seed)
    x = np.sin(np.arange(n) / 6)
    y = 1 + 2 * x + 0.1 * rng.normal(size=n)
    return pd.DataFrame({"y": y, "x": x}, index=pd.date_range("2000-01", periods=n, freq="MS"))


@pytest.fixture(scope="module")
def data():
    return follows_x()


@pytest.fixture(scope="module")
def fitted(data):
    windows = prepare_windows(data, target="y", lookback=6, horizons=3, known=["x"], split=(0.6, 0.2, 0.2))
    return ArimaForecaster(order=(1, 0, 0)).fit(windows), windows


def path(values, index=None):
    return pd.DataFrame({"x": np.asarray(values, dtype=float)}, index=index)


def test_C5_a_path_dated_years_after_the_data_is_refused(fitted, data):
    model, windows = fitted
    later = pd.date_range("2015-01-01", periods=3, freq="MS")
    with pytest.raises(ArgumentError, match=r"(?s)must start after the last observation 2009-12-01 and continue the data.*2010-01-01, 2010-02-01, 2010-03-01.*"
                                            r"Received: 2015-01-01, 2015-02-01, 2015-03-01"):
        pybbdl.forecast_conditional(model, path([0, 0, 0], later), windows=windows)


def test_C6_daily_stamps_on_monthly_data_are_refused(fitted):
    model, windows = fitted
    daily = pd.date_range("2010-01-01", periods=3, freq="D")
    with pytest.raises(ArgumentError, match=r"continue the data.*Received: 2010-01-01, 2010-01-02, 2010-01-03"):
        pybbdl.forecast_conditional(model, path([0, 0, 0], daily), windows=windows)
    gap = pd.DatetimeIndex(["2010-01-01", "2010-02-01", "2010-04-01"])  # a month skipped
    with pytest.raises(ArgumentError, match="continue the data at its frequency \\(MS\\) without gaps"):
        pybbdl.forecast_conditional(model, path([0, 0, 0], gap), windows=windows)


def test_C5_the_next_periods_and_undated_paths_are_accepted_with_the_same_forecast(fitted, data):
    model, windows = fitted
    right = pd.date_range("2010-01-01", periods=3, freq="MS")
    dated = pybbdl.forecast_conditional(model, path([0.5, 0, 1], right), windows=windows)
    plain = pybbdl.forecast_conditional(model, path([0.5, 0, 1]), windows=windows)
    pd.testing.assert_frame_equal(dated, plain)
    assert list(plain.index) == list(right)


def test_C5_dates_on_undated_data_and_wrong_positions_are_refused(data):
    undated = data.reset_index(drop=True)
    windows = prepare_windows(undated, target="y", lookback=6, horizons=3, known=["x"], split=(0.6, 0.2, 0.2))
    model = ArimaForecaster(order=(1, 0, 0)).fit(windows)
    dates = pd.date_range("2010-01-01", periods=3, freq="MS")
    with pytest.raises(ArgumentError, match="data have no time stamps"):
        pybbdl.forecast_conditional(model, path([0, 0, 0], dates), windows=windows)
    with pytest.raises(ArgumentError, match=r"continue the data at the next row positions.*120, 121, 122.*Received: 500, 501, 502"):
        pybbdl.forecast_conditional(model, path([0, 0, 0], pd.RangeIndex(500, 503)), windows=windows)
    ok = pybbdl.forecast_conditional(model, path([0, 0, 0], pd.RangeIndex(120, 123)), windows=windows)
    assert list(ok.index) == [120, 121, 122]
    assert list(pybbdl.forecast_conditional(model, path([0, 0, 0]), windows=windows).index) == [120, 121, 122]


def test_C19_a_known_column_constant_in_training_may_not_move(data):
    flat = data.assign(x=0.0)
    flat.iloc[100:, flat.columns.get_loc("x")] = np.linspace(-1, 1, 20)  # varies after the training rows only
    windows = prepare_windows(flat, target="y", lookback=6, horizons=3, known=["x"], split=(0.6, 0.2, 0.2))
    model = ArimaForecaster(order=(1, 0, 0)).fit(windows)
    with pytest.raises(DataError, match=r"(?s)'x' was constant \(0\.0\) in every training row.*not identified.*"
                                        r"Received: 1\.0 at step 1"):
        pybbdl.forecast_conditional(model, path([1, 1, 1]), windows=windows)
    # the path the model was trained on is fine: nothing is extrapolated
    same = pybbdl.forecast_conditional(model, path([0, 0, 0]), windows=windows)
    assert np.isfinite(same.iloc[:, 1]).all()


def test_G3_d_steps_above_an_epochs_discriminator_steps_are_refused():
    from pybbdl.workflows.gan import gan_train

    images = np.zeros((64, 28, 28), dtype="float32")
    with pytest.raises(ArgumentError, match=r"`d_steps` must be <= 2 \(an epoch is 64 // 32 = 2 discriminator "
                                            r"steps.*one pass over the data. Received: d_steps=3"):
        gan_train("mlp", images=images, batch_size=32, d_steps=3, epochs=1, out_dir=None, progress=False)


def test_G3_cli_quick_dp_d_steps_1000_exits_2(tmp_path, capsys):
    from pybbdl.cli import main

    images = np.zeros((64, 28, 28), dtype="float32")
    # --quick keeps the first 2,048 MNIST images: 16 D steps per epoch at batch 128
    code = main(["gan", "--quick", "--dp", "--d-steps", "1000", "--data-path", str(tmp_path / "nowhere"),
                 "--out", str(tmp_path / "out")])
    assert code == 2
    err = capsys.readouterr().err
    assert "`d_steps` must be <= 16" in err and "d_steps=1000" in err
