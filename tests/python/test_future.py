"""Forecasts from today (issue 21, item 5): pybbdl.workflows.future.forecast_future, run.forecast(h),
forecast_compare(future=H) and `pybbdl forecast --future H`."""

import json

import numpy as np
import pandas as pd
import pytest

from pybbdl.data import macro_data
from pybbdl.exceptions import ArgumentError, ArgumentTypeError
from pybbdl.models import make_model
from pybbdl.windows import prepare_windows
from pybbdl.workflows.forecasting import forecast_backtest, forecast_compare
from pybbdl.workflows.future import FutureForecast, forecast_future

H = 8
# R 4.2.2, forecast 8.20, on all 202 quarters of pybbdl.data.macro_data()["infl"]:
#   fc <- forecast(Arima(ts(y), order = c(2, 1, 0)), h = 8, level = c(80, 95))
# (d = 1: no mean; no drift, as the run's trend "n"). ARIMA(2,1,0) is the order the run below
# chooses on its training part with pybbdl 0.3's windowed search (LEGACY_ARIMA; the default, R's
# stepwise auto.arima on the quarterly series, chooses ARIMA(0,1,3)(0,0,2)[4]); the future forecast
# re-estimates it on all rows.
LEGACY_ARIMA = {"search": "exhaustive", "max_p": 3, "max_q": 3, "max_order": 6, "period": 1,
                "estimates": "statsmodels"}
R_ARIMA_FUTURE = {
    "mean": [2.607796, 3.097905, 3.141444, 2.946347, 3.045169, 3.055022, 3.015057, 3.034977],
    "lower_80": [-0.370055, -0.127576, -0.308237, -0.960825, -1.134088, -1.377475, -1.698122, -1.920701],
    "upper_80": [5.585648, 6.323387, 6.591124, 6.853519, 7.224427, 7.487518, 7.728236, 7.990655],
    "lower_95": [-1.946434, -1.835043, -2.134388, -3.029156, -3.346453, -3.723896, -4.193129, -4.544078],
    "upper_95": [7.162027, 8.030853, 8.417275, 8.921850, 9.436792, 9.833940, 10.223243, 10.614033],
}
COLUMNS = ["model", "step", "time", "mean", "sd", "lower_80", "upper_80", "lower_95", "upper_95", "interval"]


@pytest.fixture(scope="module")
def infl():
    return macro_data()[["infl"]]


@pytest.fixture(scope="module")
def run(infl):
    return forecast_compare(infl, target="infl", models="naive,arima", params={"arima": LEGACY_ARIMA},
                            progress=False)


@pytest.fixture(scope="module")
def future(run):
    return run.forecast(H, progress=False)


# -- the table -----------------------------------------------------------------------------------
def test_table_has_fixed_columns_and_one_row_per_model_and_step(future):
    assert isinstance(future, FutureForecast)
    assert list(future.table.columns) == COLUMNS
    assert future.models == ["naive", "arima"]
    for name in future.models:
        rows = future.path(name)
        assert rows["step"].tolist() == list(range(1, H + 1))
        assert np.isfinite(rows[["mean", "lower_80", "upper_80", "lower_95", "upper_95"]].to_numpy()).all()
    assert set(future.path("arima")["interval"]) == {"model"}
    assert set(future.path("naive")["interval"]) == {"conformal"}
    assert future.settings["refit"] == "all" and future.settings["h"] == H
    assert future.settings["levels"] == [0.8, 0.95]
    assert future.settings["models"]["arima"]["refit_params"]["order"] == (2, 1, 0)
    assert future.settings["models"]["naive"]["calibration"]["parts"] == ["val", "test"]
    assert "arima" in str(future) and "2009-10-01" in str(future)


def test_future_timestamps_continue_the_quarterly_data(future, infl):
    want = pd.date_range(infl.index[-1], periods=H + 1, freq="QS-OCT")[1:]
    assert list(future.path("arima")["time"]) == list(want)
    assert future.history.index[-1] == infl.index[-1] and future.history.name == "infl"


def test_arima_intervals_are_ordered_nested_and_widen_with_the_step(future):
    a = future.path("arima")
    assert (a["lower_95"] < a["lower_80"]).all() and (a["lower_80"] < a["mean"]).all()
    assert (a["mean"] < a["upper_80"]).all() and (a["upper_80"] < a["upper_95"]).all()
    width = (a["upper_95"] - a["lower_95"]).to_numpy()
    assert (np.diff(width) > 0).all()


def test_naive_forecast_from_today_is_the_last_observation(future, infl):
    n = future.path("naive")
    np.testing.assert_allclose(n["mean"], infl["infl"].iloc[-1])
    assert (n["lower_80"] < n["mean"]).all() and (n["upper_95"] > n["upper_80"]).all()


# -- ARIMA equals R -------------------------------------------------------------------------------
def test_arima_future_intervals_equal_r_forecast_golden(future):
    a = future.path("arima")
    for col, values in R_ARIMA_FUTURE.items():
        np.testing.assert_allclose(a[col], values, atol=1e-3, err_msg=col)


def test_arima_future_intervals_equal_live_r_when_available(run, future):
    interop = pytest.importorskip("pybbdl.interop_r")
    if not interop.r_available():
        pytest.skip("R/rpy2 not available")
    ro = interop._robjects()
    try:
        ro.r("suppressMessages(library(forecast))")
    except Exception as err:  # noqa: BLE001 - the R package is missing
        pytest.skip(f"R package forecast missing: {err}")
    p, d, q = run.models["arima"].order_
    assert run.models["arima"].trend_ == "n"  # d = 1 without drift: R's Arima() default
    ro.globalenv["y"] = ro.FloatVector(np.array(future.history.to_numpy(), copy=True))
    ro.r(f"fc <- forecast(Arima(ts(y), order = c({p}, {d}, {q})), h = {H}, level = c(80, 95))")
    a = future.path("arima")
    for col, code in (("mean", "fc$mean"), ("lower_80", "fc$lower[, 1]"), ("upper_80", "fc$upper[, 1]"),
                      ("lower_95", "fc$lower[, 2]"), ("upper_95", "fc$upper[, 2]")):
        want = np.array(ro.r(f"as.numeric({code})"), dtype=float, copy=True)
        np.testing.assert_allclose(a[col], want, atol=1e-3, err_msg=col)


# -- the run is not changed ---------------------------------------------------------------------
def test_forecasting_does_not_change_the_run(infl):
    run = forecast_compare(infl, target="infl", models="naive,arima", levels=(0.8,), progress=False)
    table, wide = run.table.copy(), run.wide.copy()
    before = run.models["arima"].predict(run.comparison.windows, "test")
    params = run.models["arima"].get_params()
    out = run.forecast(3, progress=False)
    pd.testing.assert_frame_equal(run.table, table)
    pd.testing.assert_frame_equal(run.wide, wide)
    np.testing.assert_array_equal(run.models["arima"].predict(run.comparison.windows, "test"), before)
    assert run.models["arima"].get_params() == params and run.future is None
    assert out.settings["levels"] == [0.8]  # the run's levels
    assert [c for c in out.table.columns if c.startswith(("lower", "upper"))] == ["lower_80", "upper_80"]


# -- hostile inputs ---------------------------------------------------------------------------------
@pytest.mark.parametrize("h", [0, -1, 2.5, "8", True, None, 10**6, [8]])
def test_bad_h_is_refused(run, h):
    with pytest.raises(ArgumentError, match="`h` must"):
        forecast_future(run, h, progress=False)


@pytest.mark.parametrize("levels", [(0.8, 1.5), (80, 95), (0.0,), (), "0.8", (float("nan"),), (True,), (0.8, 0.8)])
def test_bad_levels_are_refused(run, levels):
    with pytest.raises(ArgumentError, match="`levels` must"):
        run.forecast(2, levels=levels, progress=False)


@pytest.mark.parametrize("models", ["gru", ["naive", "nope"], [], ["naive", "naive"], [1]])
def test_unknown_models_are_refused(run, models):
    with pytest.raises(ArgumentError, match="`models` must"):
        run.forecast(2, models=models, progress=False)


def test_other_bad_arguments_are_refused(run):
    with pytest.raises(ArgumentError, match="`refit` must"):
        run.forecast(2, refit="train", progress=False)
    with pytest.raises(ArgumentTypeError, match="`run` must"):
        forecast_future(run.table, 2)
    with pytest.raises(ArgumentTypeError, match="`progress` must"):
        run.forecast(2, progress="no")


def test_a_run_with_future_known_columns_is_pointed_to_forecast_conditional():
    data = macro_data()
    run = forecast_compare(data, target="infl", known=["tbilrate"], models="naive", levels=(), progress=False)
    with pytest.raises(ArgumentError, match="forecast_conditional"):
        run.forecast(2, progress=False)
    with pytest.raises(ArgumentError, match="forecast_conditional"):
        forecast_compare(data, target="infl", known=["tbilrate"], models="naive", future=2, progress=False)


@pytest.mark.parametrize("value", [0, -2, "8", True, 2.5, 10**6])
def test_bad_future_setting_is_refused_before_training(infl, value):
    with pytest.raises(ArgumentError, match="`future` must"):
        forecast_compare(infl, target="infl", models="naive", future=value, progress=False)


class _Bare:
    """A forecaster with fit/predict only: no clone(), no get_params()."""

    def fit(self, windows):
        return self

    def predict(self, windows, part):
        return windows.last_values(part)


def test_a_user_model_is_refitted_or_refused_with_a_reason(infl):
    from user_forecaster import RidgeLagForecaster

    run = forecast_compare(infl, target="infl", models={"ridge": RidgeLagForecaster(lags=2), "bare": _Bare()},
                           lookback=4, levels=(0.8,), progress=False)
    out = run.forecast(3, models="ridge", progress=False)  # get_params() gives the unfitted copy
    ridge = out.path("ridge")
    assert np.isfinite(ridge[["mean", "lower_80", "upper_80"]].to_numpy()).all()
    assert set(ridge["interval"]) == {"conformal"}
    with pytest.raises(ArgumentTypeError, match="'bare'.*clone"):
        run.forecast(3, progress=False)


# -- files ---------------------------------------------------------------------------------------
def test_save_writes_the_csv_and_one_fan_chart_per_model(future, tmp_path):
    paths = future.save(tmp_path / "out")
    names = sorted(p.name for p in paths)
    assert names == ["fan_future_arima.png", "fan_future_naive.png", "forecast_future.csv"]
    # nothing else but pybbdl's hidden claim on the folder (pybbdl.outputs.prepare_output_dir)
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if not p.name.startswith(".")) == names
    back = pd.read_csv(tmp_path / "out" / "forecast_future.csv")
    assert list(back.columns) == COLUMNS and len(back) == 2 * H
    fig = future.plot()
    assert len(fig.axes) == 2
    assert future.fan("arima").axes[0].get_title().startswith("infl: arima, the next 8 steps")


def test_a_backtest_run_with_future_saves_its_files_in_the_manifest(infl, tmp_path):
    run = forecast_backtest(infl, target="infl", models="naive,arima", folds=2, fold_size=20, quick=True, future=3,
                            levels=(0.8,), progress=False, out_dir=tmp_path)
    assert run.future is not None and run.future.settings["h"] == 3
    assert any("last 200 of the 202 rows (its max_train)" in n for n in run.future.notes)  # quick's cap, said
    assert run.future.settings["calibration_split"]["test"] == list(run.comparison.windows.bounds["test"])
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    for name in ("forecast_future.csv", "fan_future_naive.png", "fan_future_arima.png"):
        assert (tmp_path / name).exists() and name in manifest["files"]
    assert manifest["settings"]["future"] == 3


# -- windows and per-horizon intervals -----------------------------------------------------------
def test_with_future_without_known_columns_appends_nan_rows_with_future_stamps(infl):
    w = prepare_windows(infl, target="infl", lookback=4, horizons=3, split={"train": (0, len(infl))})
    f = w.with_future()
    assert f.rows("future").tolist() == [len(infl)] and f.bounds["future"] == (len(infl), len(infl) + 3)
    assert np.isnan(f.values[len(infl):]).all() and f.frame.index.name == infl.index.name
    assert list(f.frame.index[len(infl):]) == list(pd.date_range("2009-10-01", periods=3, freq="QS-OCT"))
    with pytest.raises(ArgumentError, match="without a future part"):
        f.with_future()
    known = prepare_windows(macro_data(), target="infl", lookback=4, known=["tbilrate"], split=(0.6, 0.2, 0.2))
    with pytest.raises(ArgumentError, match="must give the future-known columns"):
        known.with_future(None)


@pytest.mark.parametrize("name", ["arima", "ets", "theta", "ar", "rw_mean", "var"])
def test_interval_horizons_equal_predict_interval_at_the_longest_horizon(name):
    data = macro_data()
    multi = prepare_windows(data, target="infl", lookback=4, horizons=3, split=(0.6, 0.2, 0.2))
    single = prepare_windows(data, target="infl", lookback=4, horizon=3, split=(0.6, 0.2, 0.2))
    params = {"order": (1, 1, 0)} if name == "arima" else {}
    m, s = make_model(name, **params).fit(multi), make_model(name, **params).fit(single)
    got = m.predict_interval_horizons(multi, "test", (0.8,))[0.8]
    want = s.predict_interval(single, "test", (0.8,))[0.8]
    k = multi.n_windows("test")  # the multi-horizon origins are the last k single-horizon ones
    assert got[0].shape == (k, 3)
    np.testing.assert_allclose(got[0][:, -1], want[0][-k:])
    np.testing.assert_allclose(got[1][:, -1], want[1][-k:])
    assert (got[1] - got[0] > 0).all()


# -- networks ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def net_run(infl):
    return forecast_compare(infl, target="infl", models="naive,dense", quick=True, epochs=1, lookback=2, units=4,
                            seeds=2, levels=(0.8,), progress=False)


def test_a_network_forecast_from_today_has_finite_conformal_bounds_and_repeats(net_run):
    one = net_run.forecast(2, models="dense", progress=False)
    d = one.path("dense")
    assert np.isfinite(d[["mean", "sd", "lower_80", "upper_80"]].to_numpy()).all()
    assert set(d["interval"]) == {"conformal"} and (d["upper_80"] > d["lower_80"]).all()
    info = one.settings["models"]["dense"]
    assert info["seeds"] == 2 and info["epochs"] == [1, 1]
    assert info["calibration"]["errors_per_step"][0] >= 4
    two = net_run.forecast(2, models="dense", progress=False)
    pd.testing.assert_frame_equal(one.table, two.table)  # same seeds, same numbers


def test_a_level_the_calibration_cannot_support_is_nan_with_a_note(infl):
    run = forecast_compare(infl, target="infl", models="naive", split={"train": (0, 180), "val": (180, 196)},
                           levels=(0.8,), progress=False)
    out = run.forecast(8, levels=(0.8, 0.99), progress=False)
    n = out.path("naive")
    assert np.isfinite(n["lower_80"]).all() and n["lower_99"].isna().all()
    assert any("99 %" in note for note in out.notes)


# -- CLI -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["0", "x", "2.5", "-3"])
def test_cli_future_refuses_bad_values(tmp_path, value, capsys):
    from pybbdl.cli import main

    assert main(["forecast", "--models", "naive", "--future", value, "--out", str(tmp_path), "--quiet"]) == 2
    assert "--future" in capsys.readouterr().err


def test_cli_future_writes_the_csv_and_fan_charts(tmp_path, capsys):
    from pybbdl.cli import main

    code = main(["forecast", "--models", "naive,arima", "--quick", "--levels", "0.8", "--future", "2", "--out",
                 str(tmp_path), "--quiet"])
    assert code == 0
    out = capsys.readouterr().out
    assert "next 2 steps" in out
    for name in ("forecast_future.csv", "fan_future_arima.png", "fan_future_naive.png"):
        assert (tmp_path / name).exists()
    table = pd.read_csv(tmp_path / "forecast_future.csv")
    assert list(table.columns) == ["model", "step", "time", "mean", "sd", "lower_80", "upper_80", "interval"]
    assert len(table) == 4
