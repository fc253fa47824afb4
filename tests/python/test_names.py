"""One name per thing (issue 21, item 6): the seasonal period is `period` in Python, the CLI and R;
Windows.targets/targets_by_horizon say what Windows.y/Y held. The old names still work for one
release, with a FutureWarning, and give the same values. Tiny data: a few seconds."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from pybbdl.exceptions import ArgumentError
from pybbdl.models import ArimaForecaster
from pybbdl.models.registry import get_spec, register_model, unregister_model
from pybbdl.windows import prepare_windows
from pybbdl.workflows.forecasting import build_models, forecast_compare, resolve_settings


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(5)
    t = np.arange(64)
    y = 10 + np.sin(2 * np.pi * t / 4) + rng.normal(scale=0.2, size=64)
    return pd.DataFrame({"y": y}, index=pd.date_range("2000-01-01", periods=64, freq="QS"))


def test_windows_targets_are_the_old_y_and_Y_which_warn(frame):
    w = prepare_windows(frame, target="y", lookback=4, horizons=[1, 2, 3], split=(0.5, 0.25, 0.25))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the new names and arrays() do not warn
        targets, by_h = w.targets("test", scaled=False), w.targets_by_horizon("test", scaled=False)
        X, y = w.arrays("train")
    assert by_h.shape == (w.n_windows("test"), 3) and np.array_equal(by_h[:, -1], targets)
    np.testing.assert_array_equal(targets, frame["y"].to_numpy()[w.target_positions("test")])
    np.testing.assert_array_equal(y, w.targets("train"))
    with pytest.warns(FutureWarning, match=r"Windows\.y\(\) is deprecated.*Windows\.targets\(\)"):
        old = w.y("test", scaled=False)
    np.testing.assert_array_equal(old, targets)
    with pytest.warns(FutureWarning, match=r"Windows\.Y\(\) is deprecated.*Windows\.targets_by_horizon\(\)"):
        old_by_h = w.Y("test")
    np.testing.assert_array_equal(old_by_h, w.targets_by_horizon("test"))


def test_season_is_the_old_name_of_period(frame):
    with pytest.warns(FutureWarning, match="`season` is deprecated.*use `period`"):
        s = resolve_settings(models=["seasonal_naive"], season=4)
    assert s["period"] == 4 and "season" not in s
    s["seeds"] = [0]
    assert build_models(s)["seasonal_naive"].period == 4
    with pytest.warns(FutureWarning), pytest.raises(ArgumentError, match="`season` is the old name of `period`"):
        resolve_settings(models=["seasonal_naive"], season=4, period=12)
    with pytest.warns(FutureWarning):  # the same value twice is not a conflict
        assert resolve_settings(models=["seasonal_naive"], season=4, period=4)["period"] == 4


def test_forecast_compare_season_warns_and_gives_the_period_run(frame):
    kw = dict(target="y", models=["seasonal_naive"], lookback=4, split=(0.5, 0.25, 0.25), levels=(),
              progress=False)
    new = forecast_compare(frame, period=4, **kw)
    with pytest.warns(FutureWarning, match="`season` is deprecated"):
        old = forecast_compare(frame, season=4, **kw)
    assert old.settings["period"] == new.settings["period"] == 4 and "season" not in old.settings
    pd.testing.assert_frame_equal(old.wide.drop(columns="fit_seconds"), new.wide.drop(columns="fit_seconds"))
    assert new.wide.loc[new.wide["model"] == "seasonal_naive", "test_mae"].item() < 0.6  # period 4 was used


def test_arima_seasonal_period_is_the_old_name_of_period():
    assert "period" in ArimaForecaster().get_params() and ArimaForecaster(period=4).resolved_period() == 4
    with pytest.warns(FutureWarning, match="`seasonal_period` is deprecated.*use `period`"):
        assert ArimaForecaster(seasonal_period=4).resolved_period() == 4
    with pytest.warns(FutureWarning), pytest.raises(ArgumentError, match="old name of `period`"):
        ArimaForecaster(seasonal_period=4, period=12).resolved_period()
    # the search sees the same seasonal candidates under either name
    y = np.tile([1.0, 3.0, 2.0, 4.0], 10) + np.arange(40) * 0.1
    with pytest.warns(FutureWarning):
        old = ArimaForecaster(seasonal_period=4, max_p=1, max_q=1)._candidates(y)
    assert old == ArimaForecaster(period=4, max_p=1, max_q=1)._candidates(y)
    assert {c[1][3] for c in old} == {4}


def test_a_registry_setting_called_season_is_period():
    try:
        with pytest.warns(FutureWarning, match="`season` is now `period`"):
            register_model("old_style", windows="pybbdl.models.baselines:SeasonalNaiveForecaster",
                           settings=("season",))
        assert get_spec("old_style").settings == ("period",)
        assert get_spec("seasonal_naive").settings == ("period",)
    finally:
        unregister_model("old_style")
