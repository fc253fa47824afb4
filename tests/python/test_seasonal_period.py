"""seasonal_naive's season when no period is given: the dates' season, never a silent 24.

Until 0.3 a windowed seasonal_naive used period 24 whatever the data (on monthly sales it took the
value two years back; found by trying a monthly CSV through ``pybbdl forecast``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pybbdl.exceptions import ArgumentError
from pybbdl.models import SeasonalNaiveForecaster
from pybbdl.windows import prepare_windows


def _windows(freq, n=400, lookback=4):
    values = np.sin(np.arange(n) / 3.0) + 0.01 * np.arange(n)
    if freq is None:
        index = pd.RangeIndex(n)
    else:  # as read from a CSV: dates without a freq attribute (inferred from the dates)
        index = pd.DatetimeIndex(pd.date_range("2001-01-01", periods=n, freq=freq).values)
    return prepare_windows(pd.DataFrame({"y": values}, index=index), target="y", lookback=lookback,
                           split=(0.6, 0.2, 0.2))


@pytest.mark.parametrize("freq,season", [("QS", 4), ("QE", 4), ("MS", 12), ("ME", 12), ("h", 24),
                                         ("30min", 48), ("10min", 144), ("D", 7)])
def test_the_season_comes_from_the_dates(freq, season):
    w = _windows(freq)
    model = SeasonalNaiveForecaster().fit(w)
    assert model.period_ == season and f"period {season}" in model.describe()
    target = w.target_positions("test")
    np.testing.assert_array_equal(model.predict(w, "test"), w.values[target - season, 0])
    assert model.period is None  # the parameter stays as given (clone, params round-trip)


@pytest.mark.parametrize("freq", ["YS", "W", "B", None])
def test_an_index_without_a_known_season_is_refused_asking_for_period(freq):
    with pytest.raises(ArgumentError, match=r"seasonal_naive needs `period`.*period=7"):
        SeasonalNaiveForecaster().fit(_windows(freq, n=120))


def test_irregular_dates_are_refused():
    w = _windows("D", n=60)
    frame = w.frame.drop(w.frame.index[[5, 17, 30]])
    with pytest.warns(Warning, match="irregular"):
        irregular = prepare_windows(frame, target="y", lookback=4, split=(0.6, 0.2, 0.2))
    with pytest.raises(ArgumentError, match="seasonal_naive needs `period`"):
        SeasonalNaiveForecaster().fit(irregular)


def test_a_given_period_wins_and_bad_ones_are_refused():
    w = _windows("MS")
    assert SeasonalNaiveForecaster(period=3).fit(w).period_ == 3
    assert SeasonalNaiveForecaster(period=24).fit(_windows(None)).period_ == 24  # integers: give it
    for bad in (0, -4, 2.5, "12", True):
        with pytest.raises(ArgumentError, match="`period` must be"):
            SeasonalNaiveForecaster(period=bad).fit(w)


def test_monthly_data_through_the_workflow_use_twelve(tmp_path):
    from pybbdl.workflows.forecasting import forecast_compare

    n = 150
    t = np.arange(n)
    frame = pd.DataFrame({"sales": 100 + 0.4 * t + 8 * np.sin(2 * np.pi * t / 12)},
                         index=pd.DatetimeIndex(pd.date_range("2012-01-01", periods=n, freq="MS").values))
    run = forecast_compare(frame, target="sales", models=["seasonal_naive"], lookback=4, levels=(),
                           progress=False, out_dir=tmp_path)
    row = run.wide.set_index("model").loc["seasonal_naive"]
    # with no noise the season repeats exactly: only the trend over one year (0.4 x 12) is missed
    assert row["test_mae"] == pytest.approx(4.8, abs=1e-9) and "period 12" in row["spec"]


def test_forecast_series_takes_the_season_of_a_dated_series():
    from pybbdl.models.series import forecast_series

    n = 96
    t = np.arange(n)
    values = 50 + 0.2 * t + 6 * np.sin(2 * np.pi * t / 12) + np.random.default_rng(1).normal(0, 0.3, n)
    dated = pd.Series(values, index=pd.DatetimeIndex(pd.date_range("2015-01-01", periods=n, freq="MS").values))
    got = forecast_series(dated, "seasonal_naive", h=12, levels=())
    np.testing.assert_allclose(got["mean"].to_numpy(), values[-12:])  # the last year repeated: period 12
    pd.testing.assert_frame_equal(got, forecast_series(values, "seasonal_naive", h=12, levels=(), period=12))
    # a bare array has no dates: period 1 unless given; a given period wins over the dates
    np.testing.assert_allclose(forecast_series(values, "seasonal_naive", h=3, levels=())["mean"], values[-1])
    np.testing.assert_allclose(forecast_series(dated, "seasonal_naive", h=4, levels=(), period=4)["mean"],
                               values[-4:])
    with pytest.raises(ArgumentError, match="`period` must be"):
        forecast_series(dated, "seasonal_naive", h=3, period=0)
