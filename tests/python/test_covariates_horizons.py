"""Future-known covariates (known=..., forecast_conditional) and several horizons at once (horizons=...).

Synthetic data where y follows a covariate x: y_t = 1 + 2 x_t + AR(1) noise, x an AR(1). A model that
uses x as a future-known input must move its forecast by about 2 * (change of the x path); a model
that cannot use it must refuse a conditional forecast instead of ignoring the path.
"""

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import pybbdl
from pybbdl.evaluation import backtest, compare
from pybbdl.evaluation.compare import LONG_COLUMNS
from pybbdl.exceptions import ArgumentError, ArgumentTypeError, DataError
from pybbdl.models import (MODEL_SPECS, ArimaForecaster, NaiveForecaster, NeuralForecaster,
                           SeasonalNaiveForecaster, make_model)
from pybbdl.models.horizons import DirectForecaster
from pybbdl.windows import parse_horizons, prepare_windows
from pybbdl.workflows.forecasting import forecast_backtest, forecast_compare

sys.path.insert(0, str(Path(__file__).parent))
from user_forecaster import RidgeLagForecaster  # noqa: E402

QUIET = {"progress": False}


def follows_x(n=240, beta=2.0, seed=0):
    rng = np.random.default_rng(seed)
    x, e = np.zeros(n), np.zeros(n)
    for t in range(1, n):
        x[t] = 0.8 * x[t - 1] + rng.normal()
        e[t] = 0.5 * e[t - 1] + 0.3 * rng.normal()
    z = rng.normal(size=n)  # an unrelated past-observed column
    return pd.DataFrame({"y": 1 + beta * x + e, "x": x, "z": z}, index=pd.date_range("2000-01", periods=n, freq="MS"))


@pytest.fixture(scope="module")
def data():
    return follows_x()


@pytest.fixture(scope="module")
def windows(data):
    return prepare_windows(data, target="y", lookback=6, horizons=3, known=["x"], split=(0.6, 0.2, 0.2))


def path(values):
    return pd.DataFrame({"x": np.asarray(values, dtype=float)})


# -- horizons --------------------------------------------------------------------------------------
@pytest.mark.parametrize("given, expected", [(3, (1, 2, 3)), ("1-4,8", (1, 2, 3, 4, 8)), ("2,1", (1, 2)),
                                             ([4, 1], (1, 4)), (None, None), ("5", (5,))])
def test_parse_horizons(given, expected):
    assert parse_horizons(given) == expected


@pytest.mark.parametrize("given", ["0-3", "1-x", "3-1", [1, 1], [], "1,,2", 0])
def test_parse_horizons_refuses_bad_values(given):
    with pytest.raises(ArgumentError, match="horizons"):
        parse_horizons(given)


def test_one_horizon_in_horizons_is_the_single_horizon_run(data):
    old = prepare_windows(data, target="y", lookback=6, horizon=3, split=(0.6, 0.2, 0.2))
    new = prepare_windows(data, target="y", lookback=6, horizons=[3], split=(0.6, 0.2, 0.2))
    for part in old.parts:
        np.testing.assert_array_equal(old.rows(part), new.rows(part))
        np.testing.assert_array_equal(old.targets_by_horizon(part)[:, 0], new.targets(part))
    with pytest.raises(ArgumentError, match="max\\(horizons\\)"):
        prepare_windows(data, target="y", lookback=6, horizon=2, horizons="1-3", split=(0.6, 0.2, 0.2))


def test_every_horizon_is_scored_from_the_same_origins_inside_the_part(windows):
    for part in windows.parts:
        start, stop = windows.bounds[part]
        rows = windows.rows(part)
        Y = windows.targets_by_horizon(part, scaled=False)
        assert Y.shape == (len(rows), 3)
        for j, h in enumerate(windows.horizons):
            targets = rows + h - 1
            assert targets.min() >= start and targets.max() < stop  # every target lies in the part
            np.testing.assert_array_equal(Y[:, j], windows.values[targets, 0])


def test_long_table_has_a_horizon_column_and_single_horizon_numbers_are_unchanged(data):
    w = prepare_windows(data, target="y", lookback=6, horizon=2, split=(0.6, 0.2, 0.2))
    c = compare(w, ["naive"], **QUIET)
    assert tuple(c.long.columns) == LONG_COLUMNS and (c.long["horizon"] == 2).all()
    y = w.targets("test", scaled=False)
    got = c.long.query("part == 'test' and metric == 'mae'")["value"].item()
    assert got == pytest.approx(np.mean(np.abs(y - w.last_values("test"))), rel=1e-12)


def test_compare_scores_every_horizon_with_dm_per_horizon(windows):
    c = compare(windows, {"naive": NaiveForecaster(), "arima": ArimaForecaster(order=(1, 0, 0)),
                          "ridge": RidgeLagForecaster()}, **QUIET)
    long = c.long
    assert sorted(long.loc[long["part"] == "test", "horizon"].unique()) == [1, 2, 3]
    assert (long.loc[long["part"] == "train", "horizon"] == 3).all()  # fit rows once
    actual = windows.targets_by_horizon("test", scaled=False)
    origins_last = windows.last_values("test")
    for j, h in enumerate(windows.horizons):
        got = long.query(f"model == 'naive' and part == 'test' and metric == 'mae' and horizon == {h}")["value"].item()
        assert got == pytest.approx(np.mean(np.abs(actual[:, j] - origins_last)), rel=1e-12)
    # DM per horizon: its own statistic at each horizon
    dm = long.query("model == 'arima' and part == 'test' and metric == 'dm_stat_vs_naive'")
    assert len(dm) == 3 and dm["value"].nunique() == 3
    cw = long.query("model == 'arima' and part == 'test' and metric == 'cw_stat_vs_naive'")  # arima nests naive
    assert sorted(cw["horizon"]) == [1, 2, 3] and cw["value"].notna().all()
    # the wide table shows the longest horizon
    assert c.table.set_index("model").loc["arima", "test_mae"] == pytest.approx(
        long.query("model == 'arima' and part == 'test' and metric == 'mae' and horizon == 3")["value"].item())
    # a model without predict_horizons is fitted once per horizon (direct strategy)
    assert c.table.set_index("model").loc["ridge", "spec"].startswith("direct, one per horizon 1..3")
    frame = c.horizon_forecasts["test"]
    assert len(frame) == 3 * windows.n_windows("test") and set(frame["horizon"]) == {1, 2, 3}


def test_arima_iterated_horizons_equal_single_horizon_fits(data):
    w = prepare_windows(data, target="y", lookback=6, horizons="1-3", split=(0.6, 0.2, 0.2))
    multi = ArimaForecaster(order=(1, 0, 1)).fit(w).predict_horizons(w, "test")
    for j, h in enumerate(w.horizons):
        single_w = prepare_windows(data, target="y", lookback=6, horizon=h, split=(0.6, 0.2, 0.2))
        single = ArimaForecaster(order=(1, 0, 1)).fit(single_w)
        pred = single.predict(single_w, "test")
        pos = np.searchsorted(single_w.rows("test"), w.rows("test"))
        np.testing.assert_allclose(multi[:, j], pred[pos], rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name, params", [("ets", {"spec": "AAN", "damped": True}), ("theta", {}),
                                          ("ar", {"method": "iterated"}), ("rw_mean", {}), ("var", {})])
def test_statistical_models_iterate_every_horizon_from_one_fit(name, params, data):
    """ETS, Theta, iterated AR, the random walk on a mean and VAR: one fit, h-step forecasts of the
    model's own recursion; equal to single-horizon fits, and compare() uses them without a
    DirectForecaster (AR's direct method keeps one fit per horizon)."""
    from pybbdl.models import make_model

    cols = ["y", "x"] if name == "var" else ["y"]
    w = prepare_windows(data[cols], target="y", lookback=6, horizons="1-4", split=(0.6, 0.2, 0.2))
    model = make_model(name, **params).fit(w)
    multi = model.predict_horizons(w, "test")
    assert multi.shape == (w.n_windows("test"), 4)
    for j, h in enumerate(w.horizons):
        single_w = prepare_windows(data[cols], target="y", lookback=6, horizon=h, split=(0.6, 0.2, 0.2))
        pred = make_model(name, **params).fit(single_w).predict(single_w, "test")
        pos = np.searchsorted(single_w.rows("test"), w.rows("test"))
        np.testing.assert_allclose(multi[:, j], pred[pos], rtol=1e-9, atol=1e-9)
    if name != "rw_mean":  # its forecast is the same at every horizon
        assert not np.allclose(multi[:, 0], multi[:, 3])
    c = compare(w, {name: make_model(name, **params)}, levels=(), **QUIET)
    assert not isinstance(c.models[name], DirectForecaster)
    np.testing.assert_allclose(c.long.query(f"model == '{name}' and part == 'test' and metric == 'mae'")
                               ["value"].to_numpy(),
                               [np.mean(np.abs(w.targets_by_horizon("test", scaled=False)[:, j] - multi[:, j])) for j in range(4)],
                               rtol=1e-9)
    if name == "ar":
        direct = make_model("ar", method="direct")
        assert getattr(direct, "predict_horizons", None) is None
        assert isinstance(compare(w, {"ar": direct}, levels=(), **QUIET).models["ar"], DirectForecaster)


def test_direct_forecaster_equals_one_fit_per_horizon(data):
    w = prepare_windows(data, target="y", lookback=6, horizons=[1, 3], split=(0.6, 0.2, 0.2))
    direct = DirectForecaster(RidgeLagForecaster(alpha=0.5)).fit(w)
    got = direct.predict_horizons(w, "val")
    for j, h in enumerate(w.horizons):
        single_w = prepare_windows(data, target="y", lookback=6, horizon=h, split=(0.6, 0.2, 0.2))
        pred = RidgeLagForecaster(alpha=0.5).fit(single_w).predict(single_w, "val")
        pos = np.searchsorted(single_w.rows("val"), w.rows("val"))
        np.testing.assert_allclose(got[:, j], pred[pos], rtol=1e-12)


def test_seasonal_naive_horizons(data):
    w = prepare_windows(data, target="y", lookback=12, horizons="1-3", split=(0.6, 0.2, 0.2))
    got = SeasonalNaiveForecaster(period=12).fit(w).predict_horizons(w, "test")
    for j, h in enumerate(w.horizons):
        np.testing.assert_array_equal(got[:, j], w.values[w.rows("test") + h - 1 - 12, 0])


def test_backtest_with_horizons(data):
    bt = backtest(data, target="y", lookback=6, horizons="1-2", models={"naive": NaiveForecaster(),
                  "arima": ArimaForecaster(order=(1, 0, 0))}, folds=2, fold_size=20, **QUIET)
    test = bt.long[bt.long["part"] == "test"]
    assert sorted(test["horizon"].unique()) == [1, 2]
    assert (test.query("metric == 'mae'")["n"] == test.query("metric == 'mae'")["n"].iloc[0]).all()


def test_workflow_horizons_write_the_plot(data, tmp_path):
    run = forecast_compare(data, target="y", models=["naive", "arima"], lookback=6, horizons="1-3",
                           split=(0.6, 0.2, 0.2), params={"order": (1, 0, 0)}, out_dir=tmp_path / "run", **QUIET)
    assert run.settings["horizons"] == [1, 2, 3] and run.settings["horizon"] == 3
    assert (tmp_path / "run" / "mae_by_horizon.png").exists()
    assert (tmp_path / "run" / "horizon_forecasts_test.csv").exists()
    fig = run.plot_horizons()
    assert len(fig.axes[0].lines) == 2
    with pytest.raises(ArgumentError, match="max\\(horizons\\)"):
        forecast_compare(data, target="y", models=["naive"], horizon=2, horizons="1-3", **QUIET)


def test_cli_horizons_and_known(tmp_path, capsys):
    from pybbdl.cli import main

    csv = tmp_path / "d.csv"
    follows_x(120).to_csv(csv, index_label="date")
    rc = main(["forecast", "--dataset", "csv", "--data-path", str(csv), "--target", "y", "--models", "naive,arima",
               "--horizons", "1-2", "--known", "x", "--lookback", "4", "--quick", "--quiet", "--out", str(tmp_path / "o")])
    assert rc == 0
    table = pd.read_csv(tmp_path / "o" / "table.csv")
    assert sorted(table.loc[table["part"] == "test", "horizon"].unique()) == [1, 2]
    assert "horizons [1, 2]" in capsys.readouterr().out


# -- future-known covariates ----------------------------------------------------------------------
def test_arimax_follows_a_changed_path_and_equals_statsmodels(windows, data):
    model = ArimaForecaster(order=(1, 0, 0)).fit(windows)
    base = pybbdl.forecast_conditional(model, path([0, 0, 0]), windows=windows)
    up = pybbdl.forecast_conditional(model, path([1, 1, 1]), windows=windows)
    beta = model.results_.params[1]
    assert beta == pytest.approx(2.0, abs=0.1)
    np.testing.assert_allclose(up.iloc[:, 1] - base.iloc[:, 1], beta, rtol=1e-8)  # moves by beta * change
    # equals statsmodels' own forecast with the same exog, from the last observation
    res = model.results_.apply(data["y"].to_numpy(), exog=data[["x"]].to_numpy())
    expected = res.get_forecast(3, exog=np.array([[0.5], [-1.0], [2.0]])).predicted_mean
    got = pybbdl.forecast_conditional(model, path([0.5, -1.0, 2.0]), windows=windows)
    np.testing.assert_allclose(got.iloc[:, 1].to_numpy(), expected, rtol=1e-8)
    assert list(got.index) == list(pd.date_range(data.index[-1], periods=4, freq="MS")[1:])


def test_network_follows_a_changed_path(windows):
    net = NeuralForecaster("dense", units=8, epochs=30, batch_size=32, optimizer="adam", learning_rate=1e-2,
                           random_state=1, verbose=0).fit(windows)
    base = pybbdl.forecast_conditional(net, path([0, 0, 0]), windows=windows)
    up = pybbdl.forecast_conditional(net, path([1, 1, 1]), windows=windows)
    moved = (up.iloc[:, 1] - base.iloc[:, 1]).to_numpy()
    assert np.all(moved > 1.6) and np.all(moved < 2.4), moved  # about 2 = the true coefficient


NETWORKS = [name for name, (cls, _) in MODEL_SPECS.items() if getattr(cls, "uses_known", False) and cls is NeuralForecaster]


@pytest.mark.parametrize("name", NETWORKS + ["arima"])
def test_models_that_claim_covariates_do_not_ignore_them(name, windows, data):
    params = {"order": (1, 0, 0)} if name == "arima" else {"epochs": 1, "batch_size": 64, "random_state": 0,
                                                            "verbose": 0, "units": 4}
    model = make_model(name, **params)
    assert model.uses_known
    model.fit(windows)
    a = pybbdl.forecast_conditional(model, path([0.0, 1.0, -1.0]), windows=windows)
    b = pybbdl.forecast_conditional(model, path([-1.0, 1.0, 0.0]), windows=windows)  # permuted path
    assert np.abs(a.iloc[:, 1].to_numpy() - b.iloc[:, 1].to_numpy()).max() > 1e-6
    # and on the scored parts: a changed covariate changes the forecast
    changed = data.assign(x=data["x"] + 1.0)
    shifted = prepare_windows(changed, target="y", lookback=6, horizons=3, known=["x"], split=(0.6, 0.2, 0.2),
                              scaler=windows.scaler)
    assert not np.allclose(model.predict(shifted, "test"), model.predict(windows, "test"))


@pytest.mark.parametrize("model", [NaiveForecaster(), SeasonalNaiveForecaster(period=4), RidgeLagForecaster()])
def test_models_that_cannot_use_covariates_refuse(model, windows):
    model.fit(windows)
    with pytest.raises(ArgumentError, match="future-known"):
        pybbdl.forecast_conditional(model, path([0, 0, 0]), windows=windows, models=type(model).__name__)
    with pytest.raises(ArgumentError, match="uses future-known columns"):
        pybbdl.forecast_conditional(model, path([0, 0, 0]), windows=windows)


@pytest.mark.parametrize("future, error, match", [
    (path([1, 2]), ArgumentError, "must have 3 rows"),
    (path([1, np.nan, 2]), DataError, "'x' must hold finite values.*step 2"),
    (pd.DataFrame({"w": [1.0, 2, 3]}), DataError, "missing: \\['x'\\]"),
    (pd.DataFrame({"x": [1.0, 2, 3], "z": 0.0}), ArgumentError, "\\['z'\\] that are not future-known"),
    (pd.DataFrame({"x": ["a", "b", "c"]}), DataError, "'x' must be numeric"),
    (np.zeros(3), ArgumentTypeError, "must be a DataFrame"),
])
def test_bad_future_paths_are_refused_naming_the_column(future, error, match, windows):
    model = ArimaForecaster(order=(1, 0, 0)).fit(windows)
    with pytest.raises(error, match=match):
        pybbdl.forecast_conditional(model, future, windows=windows)


def test_future_dates_must_follow_the_data(windows, data):
    model = ArimaForecaster(order=(1, 0, 0)).fit(windows)
    early = path([0, 0, 0]).set_axis(data.index[-3:])
    with pytest.raises(ArgumentError, match="start after the last observation"):
        pybbdl.forecast_conditional(model, early, windows=windows)


def test_known_columns_are_checked(data):
    with pytest.raises(DataError, match="`known` must name columns.*\\['nope'\\]"):
        prepare_windows(data, target="y", lookback=6, known=["nope"], split=(0.6, 0.2, 0.2))
    with pytest.raises(ArgumentError, match="must not hold the target"):
        prepare_windows(data, target="y", lookback=6, known=["y"], split=(0.6, 0.2, 0.2))
    w = prepare_windows(data, target="y", features=["z"], lookback=6, known=["x"], split=(0.6, 0.2, 0.2))
    assert w.columns == ["y", "z", "x"]  # a known column is an input even when not listed in features
    plain = prepare_windows(data, target="y", lookback=6, split=(0.6, 0.2, 0.2))
    model = ArimaForecaster(order=(1, 0, 0)).fit(plain)
    with pytest.raises(ArgumentError, match="declare future-known columns"):
        pybbdl.forecast_conditional(model, path([0]), windows=plain)
    with pytest.raises(ArgumentError, match="future-known columns must be those"):
        model.predict(w, "test")  # covariates present at forecast time but not at fit: refused


def test_a_network_trained_with_covariates_refuses_windows_without_them(windows, data):
    net = NeuralForecaster("dense", units=4, epochs=1, random_state=0, verbose=0).fit(windows)
    plain = prepare_windows(data, target="y", lookback=6, horizons=3, split=(0.6, 0.2, 0.2))
    with pytest.raises(ArgumentError, match="future-known columns must be those"):
        net.predict(plain, "test")


def test_workflow_run_conditional_forecast(data):
    run = forecast_compare(data, target="y", models=["naive", "arima"], lookback=6, horizons=3, known=["x"],
                           split=(0.6, 0.2, 0.2), params={"order": (1, 0, 0)}, **QUIET)
    base = pybbdl.forecast_conditional(run, path([0, 0, 0]))
    assert list(base.columns) == ["step", "arima"]  # naive cannot use the path: not asked by default
    up = pybbdl.forecast_conditional(run, path([1, 1, 1]), models=["arima"])
    assert np.all((up["arima"] - base["arima"]).to_numpy() == pytest.approx(2.0, abs=0.1))
    with pytest.raises(ArgumentError, match="\\['naive'\\] cannot use future-known columns"):
        pybbdl.forecast_conditional(run, path([1, 1, 1]), models=["naive", "arima"])
    bt = forecast_backtest(data, target="y", models=["naive", "arima"], lookback=6, horizon=2, known=["x"],
                           folds=2, fold_size=20, params={"order": (1, 0, 0)}, **QUIET)
    one = pybbdl.forecast_conditional(bt, path([0, 0]))
    assert list(one["step"]) == [2]  # a single-horizon run forecasts its horizon only
