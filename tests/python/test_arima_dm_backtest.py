"""ARIMA from every origin, Diebold-Mariano against R, multi-seed tables, rolling-origin backtests."""

import numpy as np
import pandas as pd
import pytest

from pybbdl.evaluation import backtest, compare, diebold_mariano
from pybbdl.exceptions import ModelFitError
from pybbdl.models import ArimaForecaster, NaiveForecaster
from pybbdl.models import arima as arima_module
from pybbdl.windows import Windows, prepare_windows

# R's datasets::WWWusage (users connected to a server each minute, 100 values).
WWWUSAGE = [88, 84, 85, 85, 84, 85, 83, 85, 88, 89, 91, 99, 104, 112, 126, 138, 146, 151, 150, 148, 147, 149,
            143, 132, 131, 139, 147, 150, 148, 145, 140, 134, 131, 131, 129, 126, 126, 132, 137, 140, 142, 150,
            159, 167, 170, 171, 172, 172, 174, 175, 172, 172, 174, 174, 169, 165, 156, 142, 131, 121, 112, 104,
            102, 99, 99, 95, 88, 84, 84, 87, 89, 88, 85, 86, 89, 91, 91, 94, 101, 110, 121, 135, 145, 149, 156,
            165, 171, 175, 177, 182, 193, 204, 208, 210, 215, 222, 228, 226, 222, 220]
# R 4.2.2, forecast 8.20: auto.arima(WWWusage, stepwise = FALSE, approximation = FALSE) -> ARIMA(3,1,0),
# AICc = 512.42, forecast(h = 5)$mean:
R_WWW_FORECAST = [219.6608, 219.2299, 218.2766, 217.3484, 216.7633]


def _series_windows(y, lookback=1, horizon=1, split=None):
    frame = pd.DataFrame({"y": np.asarray(y, dtype=float)})
    return prepare_windows(frame, target="y", lookback=lookback, horizon=horizon,
                           split=split or {"train": (0, len(frame))})


def test_auto_order_matches_r_auto_arima_on_wwwusage():
    w = _series_windows(WWWUSAGE)
    model = ArimaForecaster(max_p=5, max_q=5, search="exhaustive").fit(w)
    assert model.order_ == (3, 1, 0) and model.trend_ == "n" and model.converged_
    assert model.results_.aicc == pytest.approx(512.42, abs=0.01)
    np.testing.assert_allclose(model.results_.forecast(5), R_WWW_FORECAST, atol=1e-3)
    assert model.describe() == "ARIMA(3,1,0) trend=n"
    # p, q <= 5 with p + q <= max_order = 5 (as R's stepwise = FALSE), with and without drift
    assert len(model.search_) == 21 * 2 and model.search_["aicc"].min() == pytest.approx(512.42, abs=0.01)


def test_auto_order_matches_live_r_when_available():
    interop = pytest.importorskip("pybbdl.interop_r")
    if not interop.r_available():
        pytest.skip("R/rpy2 not available")
    try:
        r = interop.auto_arima(WWWUSAGE, h=5, stepwise=False, approximation=False)
    except ImportError as err:
        pytest.skip(f"R package missing: {err}")
    model = ArimaForecaster(max_p=5, max_q=5, search="exhaustive").fit(_series_windows(WWWUSAGE))
    assert r["order"] == model.order_
    assert r["aicc"] == pytest.approx(model.results_.aicc, abs=1e-2)
    np.testing.assert_allclose(model.results_.forecast(5), r["forecast"], atol=1e-3)
    # R's own data set, through the conversion helpers
    np.testing.assert_array_equal(interop.r_dataset("WWWusage").to_numpy(), WWWUSAGE)


@pytest.mark.parametrize("order,seasonal,trend", [((2, 0, 1), (0, 0, 0, 0), "c"), ((1, 1, 1), (0, 0, 0, 0), "n"),
                                                  ((1, 1, 0), (0, 0, 0, 0), "t"), ((1, 0, 0), (1, 0, 0, 4), "c")])
@pytest.mark.parametrize("horizon", [1, 3])
def test_vectorised_forecasts_equal_a_get_forecast_loop(order, seasonal, trend, horizon):
    rng = np.random.default_rng(0)
    y = 50 + np.cumsum(rng.normal(size=160)) * 0.3 + np.tile([1.0, -1.0, 0.5, -0.5], 40)
    w = _series_windows(y, lookback=4, horizon=horizon, split=(0.6, 0.2, 0.2))
    model = ArimaForecaster(order=order, seasonal_order=seasonal, trend=trend).fit(w)
    pred = model.predict(w, "test")
    origins = w.target_positions("test") - horizon
    for i in (0, 7, len(origins) - 1):
        loop = model.results_.apply(y[:origins[i] + 1]).get_forecast(horizon).predicted_mean[-1]
        assert pred[i] == pytest.approx(loop, abs=1e-8)


def test_refit_every_reestimates_per_block():
    rng = np.random.default_rng(1)
    y = 10 + np.cumsum(rng.normal(size=120)) * 0.5
    w = _series_windows(y, lookback=2, horizon=2, split=(0.5, 0.25, 0.25))
    fixed = ArimaForecaster(order=(1, 1, 0)).fit(w)
    refit = ArimaForecaster(order=(1, 1, 0), refit_every=10).fit(w)
    a, (b, refits) = fixed.predict(w, "test"), refit.predict_refits(w, "test")
    assert refits == int(np.ceil(w.n_windows("test") / 10))
    np.testing.assert_array_equal(refit.predict(w, "test"), b)
    assert np.all(np.isfinite(b)) and not np.allclose(a, b)
    # the first block's refit uses data up to its first origin only
    first = w.target_positions("test")[0] - 2
    manual = arima_module._fit_arima(y[:first + 1], (1, 1, 0), (0, 0, 0, 0), "n", fixed.results_.params)
    assert b[0] == pytest.approx(manual.apply(y[:first + 1]).forecast(2)[-1], abs=1e-6)


def test_order_search_that_finds_nothing_raises(monkeypatch):
    def broken(*args, **kwargs):
        raise np.linalg.LinAlgError("Schur decomposition solver error")

    monkeypatch.setattr(arima_module, "_fit_arima", broken)
    with pytest.raises(ModelFitError, match="found no model.*LinAlgError"):  # the statsmodels grid (a trend)
        ArimaForecaster(max_p=1, max_q=1, trend="t").fit(_series_windows(WWWUSAGE))
    with pytest.raises(ModelFitError, match=r"could not re-estimate the chosen ARIMA\(.*LinAlgError"):
        ArimaForecaster(max_p=1, max_q=1, estimates="statsmodels").fit(_series_windows(WWWUSAGE))
    from pybbdl.models import auto_arima

    monkeypatch.setattr(auto_arima, "_fit_statsmodels", broken)
    with pytest.raises(ModelFitError, match=r"could not fit the chosen ARIMA\(.*Schur"):
        ArimaForecaster(max_p=1, max_q=1).fit(_series_windows(WWWUSAGE))


def test_failed_and_unconverged_arima_are_reported_in_the_table(monkeypatch):
    w = _series_windows(WWWUSAGE, lookback=3, split=(0.6, 0.2, 0.2))
    monkeypatch.setattr(arima_module, "_converged", lambda results: False)
    table = compare(w, ["arima"], params={"arima": {"order": (1, 1, 0)}}, progress=False).table.set_index("model")
    assert "did not converge" in table.loc["arima", "note"] and np.isfinite(table.loc["arima", "test_mae"])
    monkeypatch.setattr(arima_module, "_fit_arima", lambda *a, **k: (_ for _ in ()).throw(ValueError("bad")))
    table = compare(w, ["arima"], params={"arima": {"estimates": "statsmodels"}}, progress=False).table.set_index("model")
    assert "fit failed" in table.loc["arima", "note"] and np.isnan(table.loc["arima", "test_mae"])


def test_arima_rejects_bad_arguments():
    w = _series_windows(WWWUSAGE)
    with pytest.raises(ValueError, match="criterion"):
        ArimaForecaster(criterion="hqic").fit(w)
    with pytest.raises(ValueError, match="max_p"):
        ArimaForecaster(max_p=-1).fit(w)


# Reference case for R's dm.test: t = 0..39, y = 10 + 3 sin(t/3) + 0.5 cos(1.7 t),
# fa = y + 0.8 sin(2.3 t), fb = y + 1.1 cos(0.9 t) + 0.3. Values from R 4.2.2, forecast 8.20:
# dm.test(y - fa, y - fb, h, power, varestimator = "bartlett") -> (h, power, statistic, p-value)
R_DM = [(1, 1, -2.4991483049, 0.0167683604), (1, 2, -3.6849158662, 0.0006935447),
        (4, 1, -3.2456313782, 0.0024089258), (4, 2, -3.9700169164, 0.0002995098)]


def _dm_case():
    t = np.arange(40)
    y = 10 + 3 * np.sin(t / 3) + 0.5 * np.cos(t * 1.7)
    return y, y + 0.8 * np.sin(t * 2.3), y + 1.1 * np.cos(t * 0.9) + 0.3


@pytest.mark.parametrize("h,power,stat,pvalue", R_DM)
def test_diebold_mariano_matches_r_dm_test(h, power, stat, pvalue):
    y, fa, fb = _dm_case()
    got = diebold_mariano(y, fa, fb, horizon=h, loss="mae" if power == 1 else "mse")
    assert got[0] == pytest.approx(stat, abs=1e-6)
    assert got[1] == pytest.approx(pvalue, abs=1e-6)


def test_diebold_mariano_matches_live_r_when_available():
    interop = pytest.importorskip("pybbdl.interop_r")
    if not interop.r_available():
        pytest.skip("R/rpy2 not available")
    y, fa, fb = _dm_case()
    for h, power, *_ in R_DM:
        r = interop.dm_test(y - fa, y - fb, h=h, power=power, varestimator="bartlett")
        ours = diebold_mariano(y, fa, fb, horizon=h, loss="mae" if power == 1 else "mse")
        assert ours == pytest.approx(r, abs=1e-3)
    # h = 1: R's default variance estimator gives the same
    assert interop.dm_test(y - fa, y - fb, h=1, power=1) == pytest.approx(diebold_mariano(y, fa, fb), abs=1e-3)


def test_diebold_mariano_edge_cases():
    y, fa, fb = _dm_case()
    assert diebold_mariano(y, fa, fa) == (0.0, 1.0)
    stat, _ = diebold_mariano(y, fb, fa)
    assert stat == pytest.approx(2.4991483049, abs=1e-6)  # swapping the forecasts flips the sign
    with pytest.raises(ValueError, match="loss"):
        diebold_mariano(y, fa, fb, loss="mape")
    with pytest.raises(ValueError, match="horizon"):
        diebold_mariano(y, fa, fb, horizon=0)


def _macro_like(n=140, seed=0):
    rng = np.random.default_rng(seed)
    y = np.zeros(n)
    for t in range(1, n):
        y[t] = 0.8 * y[t - 1] + rng.normal()
    return pd.DataFrame({"y": y + 3, "x": rng.normal(size=n)}, index=pd.date_range("1975-01-01", periods=n, freq="QS"))


def test_compare_with_seeds_and_arima_columns():
    w = prepare_windows(_macro_like(), target="y", lookback=4, horizon=1, split=(0.6, 0.2, 0.2))
    result = compare(w, ["arima", "dense"], params={"dense": {"epochs": 2, "batch_size": 16, "verbose": 0},
                                                    "arima": {"max_p": 2, "max_q": 1}}, seeds=[1, 2, 3], progress=False)
    t = result.table.set_index("model")
    assert t.loc["dense", "seeds"] == 3 and t.loc["naive", "seeds"] == 1 and t.loc["arima", "seeds"] == 1
    maes = [np.mean(np.abs(s - w.targets("test", scaled=False))) for s in result.seed_forecasts["test"]["dense"]]
    assert t.loc["dense", "test_mae"] == pytest.approx(np.mean(maes))
    assert t.loc["dense", "test_mae_sd"] == pytest.approx(np.std(maes, ddof=1)) and t.loc["dense", "test_mae_sd"] > 0
    for col in ("test_dm_vs_naive", "test_p_vs_naive", "test_dm_vs_arima", "test_p_vs_arima"):
        assert col in t.columns
    assert np.isnan(t.loc["naive", "test_dm_vs_naive"]) and np.isnan(t.loc["arima", "test_dm_vs_arima"])
    actual = w.targets("test", scaled=False)
    expected = diebold_mariano(actual, result.forecasts["test"]["arima"], result.forecasts["test"]["naive"])
    assert (t.loc["arima", "test_dm_vs_naive"], t.loc["arima", "test_p_vs_naive"]) == pytest.approx(expected)
    assert t.loc["arima", "spec"].startswith("ARIMA(")


def test_backtest_expanding_folds_pool_identical_targets():
    frame = _macro_like()
    result = backtest(frame, target="y", lookback=4, horizon=2, models=["arima"], folds=3, fold_size=10,
                      params={"arima": {"order": (1, 0, 0)}}, progress=False)
    fc = result.forecasts["test"]
    assert len(fc) == 30 and fc["fold"].tolist() == [1] * 10 + [2] * 10 + [3] * 10
    assert list(fc.index) == list(frame.index[110:140])
    np.testing.assert_array_equal(fc["naive"], frame["y"].to_numpy()[108:138])  # value 2 rows before
    t = result.table.set_index("model")
    assert t.loc["naive", "test_mae"] == pytest.approx(np.mean(np.abs(fc["actual"] - fc["naive"])))
    assert t.loc["arima", "folds"] == 3 and "test_p_vs_naive" in t.columns


def test_backtest_without_retrain_sliding_and_stride():
    frame = _macro_like()
    kept = backtest(frame, target="y", lookback=4, horizon=1, models=["arima", "dense"], folds=2, fold_size=12,
                    retrain=False, train_length=60, stride=3, params={"arima": {"order": (1, 0, 0)},
                                                                     "dense": {"epochs": 1, "verbose": 0, "random_state": 0}},
                    progress=False)
    fc = kept.forecasts["test"]
    assert len(fc) == 8  # 4 of 12 targets per fold
    assert np.all(np.isfinite(fc[["arima", "dense"]].to_numpy()))
    # without retraining, fold 2 uses the parameters fitted before fold 1
    first_fit = kept.models["arima"].results_.params
    refit = backtest(frame, target="y", lookback=4, horizon=1, models=["arima"], folds=2, fold_size=12,
                     train_length=60, stride=3, params={"arima": {"order": (1, 0, 0)}}, progress=False)
    assert not np.allclose(refit.models["arima"].results_.params, first_fit)


@pytest.mark.parametrize("kwargs,match", [({"folds": 20, "fold_size": 10}, "do not fit"), ({"horizon": 0}, "horizon"),
                                          ({"folds": 0}, "folds"), ({"val_fraction": 1.5}, "val_fraction")])
def test_backtest_rejects_bad_sizes(kwargs, match):
    args = {"target": "y", "lookback": 4, "models": ["naive"], "progress": False, **kwargs}
    with pytest.raises(ValueError, match=match):
        backtest(_macro_like(), **args)


def test_naive_forecaster_is_stateless_between_windows():
    w = prepare_windows(_macro_like(), target="y", lookback=4, horizon=1)
    assert NaiveForecaster().fit(w).predict(w, "val").shape == (w.n_windows("val"),)


# R 4.2.2, forecast 8.20, same case: dm.test(y - fa, y - fb, alternative, h, power) with R's default
# varestimator = "acf" -> (alternative, h, power, statistic, p-value)
R_DM_ACF = [("two.sided", 4, 1, -16.9676578078, 1.331738867e-19), ("less", 1, 1, -2.4991483049, 0.008384180177),
            ("less", 4, 2, -11.5502120872, 1.854196799e-14), ("greater", 1, 2, -3.6849158662, 0.9996532276),
            ("greater", 1, 1, -2.4991483049, 0.9916158198), ("less", 1, 2, -3.6849158662, 0.0003467723657)]


@pytest.mark.parametrize("alternative,h,power,stat,pvalue", R_DM_ACF)
def test_dm_test_alternatives_match_r_dm_test(alternative, h, power, stat, pvalue):
    from pybbdl.evaluation import dm_test

    y, fa, fb = _dm_case()
    got = dm_test(y - fa, y - fb, alternative=alternative, h=h, power=power)
    assert got.statistic == pytest.approx(stat, abs=1e-6)
    assert got.p_value == pytest.approx(pvalue, rel=1e-6, abs=1e-12)
    # diebold_mariano is the same test on actuals and forecasts; "two.sided" is also "two-sided"
    alt = alternative.replace(".", "-")
    loss = "mae" if power == 1 else "mse"
    assert diebold_mariano(y, fa, fb, horizon=h, loss=loss, alternative=alt, varestimator="acf") == \
        pytest.approx(tuple(got), rel=1e-12)


def test_dm_alternatives_match_live_r_for_h1_and_h4():
    from pybbdl.evaluation import dm_test

    interop = pytest.importorskip("pybbdl.interop_r")
    if not interop.r_available():
        pytest.skip("R/rpy2 not available")
    ro = interop._robjects()
    try:
        forecast = interop._package("forecast")
    except ImportError as err:
        pytest.skip(f"R package missing: {err}")
    y, fa, fb = _dm_case()
    e1, e2 = y - fa, y - fb
    for alternative in ("two.sided", "less", "greater"):
        for h in (1, 4):
            for power in (1, 2):
                for var in ("acf", "bartlett"):
                    r = forecast.dm_test(ro.FloatVector(e1), ro.FloatVector(e2), alternative=alternative, h=h,
                                         power=power, varestimator=var)
                    ours = dm_test(e1, e2, alternative=alternative, h=h, power=power, varestimator=var)
                    assert ours.statistic == pytest.approx(r.rx2("statistic")[0], abs=1e-6)
                    assert ours.p_value == pytest.approx(r.rx2("p.value")[0], abs=1e-6)


def test_dm_default_loss_is_absolute_error_and_alternatives_are_checked():
    from pybbdl.evaluation import dm_test

    y, fa, fb = _dm_case()
    assert diebold_mariano(y, fa, fb) == pytest.approx(
        tuple(dm_test(y - fa, y - fb, power=1, varestimator="bartlett")))
    two = diebold_mariano(y, fa, fb)
    less = diebold_mariano(y, fa, fb, alternative="less")
    greater = diebold_mariano(y, fa, fb, alternative="greater")
    assert less.p_value == pytest.approx(two.p_value / 2) and greater.p_value == pytest.approx(1 - two.p_value / 2)
    with pytest.raises(ValueError, match="alternative"):
        diebold_mariano(y, fa, fb, alternative="lesser")
    with pytest.raises(ValueError, match="varestimator"):
        dm_test(y - fa, y - fb, varestimator="nw")
    with pytest.raises(ValueError, match="power"):
        dm_test(y - fa, y - fb, power=0)
    with pytest.raises(ValueError, match="at least 8"):
        dm_test((y - fa)[:7], (y - fb)[:7], h=4)


def test_dm_on_numerically_zero_errors_gives_no_p_value():
    # issue 11 case 5: naive exact, ARIMA off by round-off (3e-9) on a constant series: no test
    rng = np.random.default_rng(0)
    y = np.full(40, 2.5)
    arima = y + 3e-9 * (1 + rng.random(40))
    res = diebold_mariano(y, arima, y)
    assert np.isnan(res.statistic) and np.isnan(res.p_value)
    assert "exact to numerical precision" in res.note and "constant" in res.note
    # a constant loss differential (R: "Variance of DM statistic is zero") is NaN with a note too
    from pybbdl.evaluation import dm_test

    res = dm_test(np.full(10, 1.0), np.zeros(10))
    assert np.isnan(res.p_value) and "variance is zero" in res.note


class _Recorder(NaiveForecaster):
    fits = 0

    def fit(self, windows):
        type(self).fits += 1
        return super().fit(windows)


def test_constant_series_is_refused_before_any_model_trains():
    frame = pd.DataFrame({"y": np.full(60, 2.5)}, index=pd.date_range("2000-01-01", periods=60, freq="QS"))
    with pytest.raises(ValueError, match="constant"):  # refused where the data enter (pybbdl.windows)
        prepare_windows(frame, target="y", lookback=4, split=(0.6, 0.2, 0.2))
    # windows built by hand (prepare_windows refuses them): compare() refuses them too
    w = Windows(frame, lookback=4, horizon=1, step=1, bounds={"train": (0, 36), "val": (36, 48), "test": (48, 60)})
    _Recorder.fits = 0
    with pytest.raises(ValueError, match="constant"):
        compare(w, {"rec": _Recorder()}, progress=False)
    with pytest.raises(ValueError, match="constant"):
        backtest(frame, target="y", lookback=4, models={"rec": _Recorder()}, folds=2, fold_size=10, progress=False)
    assert _Recorder.fits == 0


def test_exact_naive_part_gives_nan_skill_with_a_note():
    # the test part is flat: naive is exact there, so skill is undefined (not -inf), and says so
    y = np.r_[np.sin(np.arange(60) / 3.0) + 5, np.full(20, 5.0)]
    frame = pd.DataFrame({"y": y}, index=pd.date_range("2000-01-01", periods=80, freq="QS"))
    w = prepare_windows(frame, target="y", lookback=4, split={"train": (0, 50), "val": (50, 60), "test": (64, 80)})
    result = compare(w, ["arima"], params={"arima": {"order": (1, 0, 0)}}, progress=False)
    row = result.table.set_index("model").loc["arima"]
    assert np.isnan(row["test_skill_pct"]) and "skill undefined" in row["note"]
    long = result.long.set_index(["model", "part", "metric"])
    assert "naive forecast is exact" in long.loc[("arima", "test", "skill_pct"), "note"]
    # every NaN of the table says why
    nan = result.long[result.long["value"].isna() & (result.long["model"] != "naive")
                      & (result.long["metric"] != "epochs") & ~result.long["metric"].str.endswith("_vs_arima")]
    assert (nan["note"] != "").all(), nan


def test_dm_minimum_length_is_checked_before_training():
    frame = _macro_like(40)
    w = prepare_windows(frame, target="y", lookback=4, horizon=2,
                        split={"train": (0, 30), "val": (30, 37), "test": (37, 40)})
    _Recorder.fits = 0
    with pytest.raises(ValueError, match="test part has 3 target.*at least 4"):
        compare(w, {"rec": _Recorder()}, progress=False)
    with pytest.raises(ValueError, match="at least 4"):
        backtest(frame, target="y", lookback=4, horizon=2, models={"rec": _Recorder()}, folds=1, fold_size=3,
                 progress=False)
    assert _Recorder.fits == 0


def test_dm_of_forecasts_equal_up_to_round_off_is_no_difference():
    # ARIMA(0,1,0) without drift *is* the naive forecast; its errors differ from naive's by ~1e-15
    from pybbdl.evaluation import dm_test

    rng = np.random.default_rng(3)
    e = rng.normal(size=30)
    res = dm_test(e, e * (1 + 1e-15 * rng.normal(size=30)), power=1)
    assert res == (0.0, 1.0) and "round-off" in res.note
    y = np.cumsum(rng.normal(size=120)) + 50
    w = _series_windows(y, lookback=2, split=(0.6, 0.2, 0.2))
    result = compare(w, ["arima"], params={"arima": {"order": (0, 1, 0), "trend": "n"}}, progress=False)
    t = result.table.set_index("model")
    assert t.loc["arima", "test_p_vs_naive"] == 1.0 and t.loc["arima", "test_dm_vs_naive"] == 0.0
