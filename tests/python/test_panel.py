"""Panels (issue 14): input forms and per-series errors, scale-free metrics, NAIVE2, combinations,
the global model, the CLI, and the M3 competitors' published scores (skips without the data)."""

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pybbdl.data.panel import as_panel
from pybbdl.evaluation.scale_free import mase, mase_scale, owa, smape
from pybbdl.exceptions import ArgumentError, DataError
from pybbdl.models.local import Naive2Series, SESSeries, ThetaSeries, seasonality_test
from pybbdl.workflows.panel import forecast_panel, score_panel

M3 = Path(os.environ.get("PYBBDL_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data")) / "m3"


def _seasonal(n, period, seed=0, level=100.0, amp=0.2):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return level * (1 + 0.01 * t) * (1 + amp * np.sin(2 * np.pi * t / period)) * np.exp(rng.normal(0, 0.01, n))


def _long(series: dict) -> pd.DataFrame:
    return pd.concat([pd.DataFrame({"id": k, "time": np.arange(1, len(v) + 1), "value": v}) for k, v in series.items()],
                     ignore_index=True)


# ------------------------------------------------------------------ input and per-series errors
def test_bad_series_get_an_error_row_and_the_others_are_scored():
    good = {"a": _seasonal(40, 4, 1), "b": _seasonal(48, 4, 2)}
    df = _long(good)
    text = pd.DataFrame({"id": "words", "time": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
                         "value": ["1", "2", "x", "4", "5", "6", "7", "8", "9", "10"]})
    short = pd.DataFrame({"id": "short", "time": [1, 2, 3], "value": [1.0, 2.0, 3.0]})
    gap = _long({"gap": _seasonal(30, 4, 3)})
    gap.loc[5, "value"] = np.nan
    df = pd.concat([df, text, short, gap], ignore_index=True)
    run = forecast_panel(df, models=["naive", "ses"], horizon=4, period=4)
    s = run.series
    assert list(pd.unique(s["id"])) == ["a", "b", "words", "short", "gap"]
    err = s.drop_duplicates("id").set_index("id")["error"]
    assert "series 'words'" in err["words"] and "'x'" in err["words"] and "time 3" in err["words"]
    assert "series 'short'" in err["short"] and "at least 3 history values" in err["short"]
    assert "series 'gap'" in err["gap"] and "time 6" in err["gap"]
    assert err["a"] == "" and err["b"] == ""
    assert s.loc[s["id"].isin(["a", "b"]), "smape"].notna().all()
    assert s.loc[s["id"].isin(["words", "short", "gap"]), "smape"].isna().all()
    overall = run.table[run.table["frequency"] == "overall"].set_index("model")
    assert (overall["n_series"] == 2).all()


def test_a_model_that_fails_on_one_series_keeps_the_others():
    # 2 history values: naive fits, Holt needs 3 -> Holt's row for that series carries the error
    panel = as_panel({"tiny": np.array([1.0, 2.0, 3.0, 4.0]), "ok": _seasonal(30, 1)}, horizon=2, period=1,
                     min_length=2)
    run = forecast_panel(panel, models=["holt", "naive"], reference=None)
    s = run.series.set_index(["id", "model"])
    assert "at least 3 values" in s.loc[("tiny", "holt"), "error"]
    assert s.loc[("tiny", "naive"), "error"] == "" and np.isfinite(s.loc[("tiny", "naive"), "smape"])
    assert s.loc[("ok", "holt"), "error"] == ""


def test_mixed_frequencies_from_a_dict_of_dated_series():
    q = pd.Series(_seasonal(40, 4, 1), index=pd.period_range("2000Q1", periods=40, freq="Q"))
    m = pd.Series(_seasonal(72, 12, 2), index=pd.date_range("2000-01-01", periods=72, freq="MS"))
    y = pd.Series(_seasonal(20, 1, 3), index=pd.date_range("2000-01-01", periods=20, freq="YS"))
    panel = as_panel({"q": q, "m": m, "y": y})
    info = {s.id: (s.period, s.horizon, s.frequency, len(s.y)) for s in panel.series}
    assert info == {"q": (4, 8, "quarterly", 32), "m": (12, 18, "monthly", 54), "y": (1, 6, "yearly", 14)}
    run = forecast_panel(panel, models=["seasonal_naive"])
    assert set(run.table["frequency"]) == {"quarterly", "monthly", "yearly", "overall"}
    assert run.table.set_index(["model", "frequency"]).loc[("seasonal_naive", "overall"), "n_forecasts"] == 32


def test_csv_input_unsorted_times_and_part_column(tmp_path):
    df = _long({"a": _seasonal(24, 4, 1), "b": _seasonal(28, 4, 2)})
    df["part"] = "train"
    df.loc[df.groupby("id").tail(4).index, "part"] = "test"
    df = df.sample(frac=1.0, random_state=0)  # shuffled rows: times are sorted per series
    path = tmp_path / "panel.csv"
    df.to_csv(path, index=False)
    panel = as_panel(path, period=4, part_col="part")
    a = next(s for s in panel.series if s.id == "a")
    np.testing.assert_allclose(a.y, _seasonal(24, 4, 1)[:20])
    np.testing.assert_allclose(a.actual, _seasonal(24, 4, 1)[20:])
    assert a.horizon == 4
    with pytest.raises(DataError, match=r"must have the column\(s\) \['series'\]"):
        as_panel(df, id_col="series")
    with pytest.raises(FileNotFoundError, match="must be an existing CSV"):
        as_panel(tmp_path / "nope.csv")


# ------------------------------------------------------------------ metrics by hand
def test_metrics_equal_hand_computations():
    a, f = np.array([100.0, 0.0, 50.0]), np.array([110.0, 0.0, 40.0])
    np.testing.assert_allclose(smape(a, f), [200 * 10 / 210, 0.0, 200 * 10 / 90])
    y = np.array([1.0, 2.0, 4.0, 3.0, 5.0, 9.0])
    # seasonal differences at m = 2: 4-1, 3-2, 5-4, 9-3
    assert mase_scale(y, 2) == pytest.approx((3 + 1 + 1 + 6) / 4)
    assert mase(np.array([10.0, 12.0]), np.array([9.0, 15.0]), y, 2) == pytest.approx(2.0 / (11 / 4))
    assert mase_scale(np.array([1.0, 2.0, 4.0]), 12) == pytest.approx(1.5)  # too short for m = 12: m = 1
    assert owa(10.0, 1.2, 20.0, 2.0) == pytest.approx(0.5 * (0.5 + 0.6))


def test_pooled_and_mean_of_series_smape_differ_as_computed_by_hand():
    # two series with horizons 2 and 4; forecasts are the naive last value
    ya, yb = np.array([10.0, 10, 10, 10, 12, 14]), np.array([5.0, 6, 5, 6, 6, 7, 8, 9])
    run = forecast_panel({"a": ya, "b": yb}, models=["naive"], horizon={"a": 2, "b": 4}, period=1, reference=None)
    ea, eb = smape(ya[4:], np.full(2, 10.0)), smape(yb[4:], np.full(4, 6.0))
    row = run.table.set_index(["model", "frequency"]).loc[("naive", "overall")]
    assert row["smape_pooled"] == pytest.approx(np.r_[ea, eb].mean())
    assert row["smape_mean"] == pytest.approx((ea.mean() + eb.mean()) / 2)
    assert row["smape_pooled"] != pytest.approx(row["smape_mean"])
    s = run.series.set_index("id")
    assert np.isnan(s.loc["a", "mase"])  # flat history: no scale
    assert s.loc["b", "mase"] == pytest.approx((0 + 1 + 2 + 3) / 4 / 1.0)
    assert row["mase"] == pytest.approx(1.5)
    assert "MASE undefined for" in row["note"]


# ------------------------------------------------------------------ NAIVE2 by hand
def _naive2_by_hand(y, m, h):
    n = len(y)
    # the M4 seasonality test: acf with the mean removed, denominator sum of squares
    ybar = sum(y) / n
    den = sum((v - ybar) ** 2 for v in y)
    acf = [sum((y[t] - ybar) * (y[t - k] - ybar) for t in range(k, n)) / den for k in range(1, m + 1)]
    limit = 1.645 / n ** 0.5 * (1 + 2 * sum(r * r for r in acf[:m - 1])) ** 0.5
    if not abs(acf[m - 1]) > limit:
        return [y[-1]] * h, False
    # centred 2 x m moving average (m even), ratios, mean ratio per season, normalised
    ratios = {j: [] for j in range(m)}
    for t in range(m // 2, n - m // 2):
        trend = (0.5 * y[t - m // 2] + sum(y[t - m // 2 + 1:t + m // 2]) + 0.5 * y[t + m // 2]) / m
        ratios[t % m].append(y[t] / trend)
    idx = [sum(r) / len(r) for r in (ratios[j] for j in range(m))]
    mean_idx = sum(idx) / m
    idx = [v / mean_idx for v in idx]
    last = y[-1] / idx[(n - 1) % m]
    return [last * idx[(n + k) % m] for k in range(h)], True


@pytest.mark.parametrize("amp, seasonal", [(0.3, True), (0.0, False)])
def test_naive2_equals_a_hand_computation(amp, seasonal):
    y = list(_seasonal(50, 12, seed=4, amp=amp))
    expected, was_seasonal = _naive2_by_hand(y, 12, 18)
    assert was_seasonal is seasonal and seasonality_test(np.array(y), 12) is seasonal
    got = Naive2Series().fit(np.array(y), 12).forecast(18)["mean"].to_numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_naive2_is_naive_for_short_or_non_seasonal_periods():
    y = _seasonal(20, 12, seed=1, amp=0.3)  # shorter than 3 periods: no seasonal adjustment
    np.testing.assert_allclose(Naive2Series().fit(y, 12).forecast(3)["mean"], np.full(3, y[-1]))


def test_theta_and_ses_forecast_shapes_and_intervals():
    y = _seasonal(60, 12, seed=2)
    fc = ThetaSeries().fit(y, 12).forecast(6, levels=(0.8, 0.95))
    assert list(fc.columns) == ["mean", "lower_80", "upper_80", "lower_95", "upper_95"]
    assert (fc["lower_95"] < fc["lower_80"]).all() and (fc["upper_80"] < fc["upper_95"]).all()
    ses = SESSeries(deseasonalize=False).fit(np.r_[np.full(20, 3.0), np.full(20, 7.0)], 1)
    assert ses.forecast(2)["mean"].iloc[0] == pytest.approx(7.0, abs=1e-2)


# ------------------------------------------------------------------ combinations and options
def test_combination_is_the_mean_of_its_members():
    data = {"a": _seasonal(40, 4, 1), "b": _seasonal(44, 4, 2)}
    run = forecast_panel(data, models=["naive", "seasonal_naive", "ses"], horizon=4, period=4,
                         combinations={"c": ["naive", "seasonal_naive", "ses"]}, reference=None)
    fc = run.forecasts.pivot_table(index=["id", "step"], columns="model", values="forecast")
    np.testing.assert_allclose(fc["c"], fc[["naive", "seasonal_naive", "ses"]].mean(axis=1))
    with pytest.raises(ArgumentError, match="not in `models`"):
        forecast_panel(data, models=["naive"], horizon=4, combinations={"c": ["naive", "ses"]})
    with pytest.raises(ArgumentError, match=r"`params\['ses'\]` has unknown parameter"):
        forecast_panel(data, models=["ses"], horizon=4, params={"ses": {"alpha": 0.5}})
    with pytest.raises(ArgumentError, match="Unknown model 'prophet'"):
        forecast_panel(data, models=["prophet"], horizon=4)


def test_no_holdout_forecasts_past_the_end_and_saves(tmp_path):
    run = forecast_panel({"a": _seasonal(30, 4, 1)}, models=["naive"], horizon=3, holdout=False, reference=None,
                         out_dir=tmp_path / "out")
    assert len(run.table) == 0 and "actual" not in run.forecasts.columns
    assert run.forecasts["forecast"].tolist() == [_seasonal(30, 4, 1)[-1]] * 3
    assert (tmp_path / "out" / "manifest.json").exists() and (tmp_path / "out" / "series.csv").exists()


def test_cli_panel_writes_tables(tmp_path, capsys):
    from pybbdl.cli import main

    path = tmp_path / "p.csv"
    _long({"a": _seasonal(40, 4, 1), "b": _seasonal(36, 4, 2)}).to_csv(path, index=False)
    rc = main(["panel", str(path), "--models", "naive,theta_m3", "--period", "4", "--horizon", "4", "--quiet",
               "--out", str(tmp_path / "out")])
    assert rc == 0
    out = capsys.readouterr().out
    assert "theta_m3" in out and "naive2" in out
    table = pd.read_csv(tmp_path / "out" / "table.csv")
    assert set(table["model"]) == {"naive", "theta_m3", "naive2"}
    assert main(["panel", str(tmp_path / "missing.csv"), "--quiet", "--out", str(tmp_path / "o2")]) == 2


# ------------------------------------------------------------------ global model
def test_global_model_runs_on_a_tiny_panel_and_is_reproducible():
    pytest.importorskip("keras")
    data = {f"s{i}": _seasonal(36, 4, i) * (1 + 10 * i) for i in range(5)}  # different scales
    params = {"nbeats": {"steps": 8, "epochs": 2, "width": 16, "blocks": 2, "layers": 2, "batch_size": 32}}
    runs = [forecast_panel(data, models=["nbeats", "theta_m3", "damped"], horizon=4, period=4, params=params,
                           seed=s, seeds=2, reference=None) for s in (7, 7, 8)]
    a, b, c = (r.forecasts.query("model == 'nbeats'")["forecast"].to_numpy() for r in runs)
    assert np.all(np.isfinite(a)) and len(a) == 5 * 4
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    s = runs[0].series.set_index(["id", "model"])
    assert s.loc[("s0", "nbeats"), "note"] == "mean of 2 seeds"
    assert len(runs[0].histories) == 2
    # the default combination of Theta, damped and N-BEATS is their mean
    fc = runs[0].forecasts.pivot_table(index=["id", "step"], columns="model", values="forecast")
    np.testing.assert_allclose(fc["comb_tdn"], fc[["theta_m3", "damped", "nbeats"]].mean(axis=1))


def test_window_sampler_gathers_the_right_values():
    from pybbdl.models.global_nbeats import WindowSampler, last_windows

    ys = [np.arange(1.0, 11.0), np.arange(100.0, 106.0)]
    s = WindowSampler(ys, lookback=4, horizon=2, batch_size=64, steps=1, history_limit=10, seed=0)
    x, y = s.batch(np.random.default_rng(0))
    np.testing.assert_allclose(np.mean(np.abs(x), axis=1), 1.0, rtol=1e-5)  # scaled by the input's mean level
    # the targets continue the input: last input, target 1, target 2 are equally spaced (the data are ramps)
    z = np.hstack([x[:, -1:], y])
    np.testing.assert_allclose(np.diff(z, axis=1)[:, 0], np.diff(z, axis=1)[:, 1], rtol=1e-3)
    assert np.all(np.diff(z, axis=1) > 0)
    np.testing.assert_allclose(last_windows(ys, 8)[1], [100, 100, 100, 101, 102, 103, 104, 105])


# ------------------------------------------------------------------ the M3 competitors' published scores
@pytest.mark.slow
@pytest.mark.skipif(not (M3 / "m3_series.csv.gz").exists(), reason="needs ../shared/data/m3 (M3 data)")
def test_m3_competitor_scores_reproduce_sources_md():
    data = pd.read_csv(M3 / "m3_series.csv.gz")
    panel = as_panel(data, time_col="t", period_col="frequency", horizon_col="horizon", frequency_col="period",
                     part_col="part")
    assert len(panel) == 3003 and sum(s.horizon for s in panel.series) == 37014
    f = pd.read_csv(M3 / "m3_original_forecasts.csv.gz")
    f = f[f["method"].isin(["THETA", "NAIVE2", "B-J auto"])].sort_values(["method", "id", "step"])
    results = {(m, sid): {"mean": g["value"].to_numpy(), "error": "", "seconds": 0.0, "note": ""}
               for (m, sid), g in f.groupby(["method", "id"])}
    _, _, table = score_panel(panel, results, ["THETA", "NAIVE2", "B-J auto"], reference="NAIVE2")
    t = table.set_index(["model", "frequency"])
    assert round(t.loc[("THETA", "overall"), "smape_pooled"], 2) == 13.05
    assert round(t.loc[("THETA", "overall"), "smape_mean"], 2) == 12.76
    assert round(t.loc[("NAIVE2", "overall"), "smape_pooled"], 2) == 15.46
    assert round(t.loc[("NAIVE2", "overall"), "smape_mean"], 2) == 14.74
    assert round(t.loc[("B-J auto", "overall"), "smape_pooled"], 2) == 13.99
    assert round(t.loc[("THETA", "overall"), "mase"], 3) == 1.395
    assert round(t.loc[("B-J auto", "overall"), "mase"], 3) == 1.544
    assert round(t.loc[("NAIVE2", "overall"), "mase"], 3) == 1.665
    assert round(t.loc[("THETA", "QUARTERLY"), "smape_mean"], 2) == 8.96
    assert t.loc[("NAIVE2", "overall"), "owa"] == pytest.approx(1.0)


def test_two_worker_processes_give_the_same_tables():
    pytest.importorskip("joblib")
    data = {f"s{i}": _seasonal(40, 4, i) for i in range(3)}
    one, two = (forecast_panel(data, models=["theta_m3", "damped"], horizon=4, period=4, n_jobs=n,
                               backend=b) for n, b in ((1, None), (2, "loky")))
    cols = ["model", "frequency", "n_series", "smape_pooled", "smape_mean", "mase", "owa"]
    pd.testing.assert_frame_equal(one.table[cols], two.table[cols])
    pd.testing.assert_frame_equal(one.forecasts, two.forecasts)


# ------------------------------------------------------------------ panel backtest (several origins)
def test_backtest_panel_folds_equal_forecast_panel_on_the_series_cut_by_hand(tmp_path):
    from pybbdl.workflows.panel import BACKTEST_SERIES_COLUMNS, FOLD_COLUMNS, backtest_panel

    data = {"a": _seasonal(40, 4, 1), "b": _seasonal(33, 4, 2), "short": _seasonal(13, 4, 3)}
    models = ["naive", "theta_m3", "damped"]
    bt = backtest_panel(data, models=models, horizon=4, period=4, folds=3, step=3, out_dir=tmp_path / "bt")
    assert list(bt.series.columns) == BACKTEST_SERIES_COLUMNS and list(bt.folds.columns) == FOLD_COLUMNS
    assert list(bt.forecasts.columns[:2]) == ["id", "fold"]
    for fold in (1, 2, 3):
        back = 3 * (3 - fold)  # values between this fold's origin and the last fold's
        cut = {k: v[: len(v) - back] for k, v in data.items() if len(v) - 4 - back >= 3}
        by_hand = forecast_panel(cut, models=models, horizon=4, period=4)
        got = bt.forecasts[bt.forecasts["fold"] == fold].drop(columns="fold").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, by_hand.forecasts, check_exact=True)
        theirs = bt.folds[bt.folds["fold"] == fold].drop(columns=["fold", "seconds", "note"]).reset_index(drop=True)
        ours = by_hand.table[by_hand.table["frequency"] == "overall"].drop(columns=["seconds", "note"])
        if fold == 1:  # "short" (13 values) has 13 - 4 - 6 = 3 values before fold 1's origin: still scored
            assert (bt.series.query("fold == 1 and id == 'short'")["error"] == "").all()
        pd.testing.assert_frame_equal(theirs.drop(columns="n_failed"), ours.drop(columns="n_failed").reset_index(drop=True),
                                      check_exact=True)
    # the pooled table is every forecast of every fold: sMAPE pooled by hand
    fc = bt.forecasts
    e = smape(fc["actual"].to_numpy(), fc["forecast"].to_numpy())
    pooled = pd.Series(e).groupby(fc["model"].to_numpy()).mean()
    overall = bt.table[bt.table["frequency"] == "overall"].set_index("model")
    for m in [*models, "naive2"]:
        assert overall.loc[m, "smape_pooled"] == pytest.approx(pooled[m], rel=1e-12)
        assert overall.loc[m, "n_series"] == 9 and overall.loc[m, "n_forecasts"] == 36
    assert (tmp_path / "bt" / "folds.csv").exists() and (tmp_path / "bt" / "manifest.json").exists()
    assert "by fold" in str(bt)
    bt.plot(id="a")


def test_backtest_panel_a_series_too_short_for_an_early_fold_fails_there_only():
    from pybbdl.workflows.panel import backtest_panel

    data = {"a": _seasonal(40, 4, 1), "short": _seasonal(12, 4, 3)}
    bt = backtest_panel(data, models=["naive"], horizon=4, period=4, folds=3, reference=None)
    short = bt.series[bt.series["id"] == "short"].set_index("fold")
    assert short.loc[1, "error"] == ("DataError: fold 1: only 0 value(s) before its origin (8 before the last "
                                     "fold's); needs at least 3")
    assert short.loc[2, "error"] == "" and short.loc[3, "error"] == ""
    assert short.loc[1, "frequency"] == "quarterly" and short.loc[1, "horizon"] == 4  # counts as failed there
    overall = bt.table[bt.table["frequency"] == "overall"].iloc[0]
    assert overall["n_series"] == 5 and overall["n_failed"] == 1


def test_backtest_panel_refuses_bad_arguments_and_matches_two_workers():
    from pybbdl.workflows.panel import backtest_panel

    data = {f"s{i}": _seasonal(40, 4, i) for i in range(3)}
    for bad in ({"folds": 0}, {"folds": 2.5}, {"step": 0}, {"folds": True}, {"min_length": 0}):
        with pytest.raises(ArgumentError, match=f"`{next(iter(bad))}` must be a whole number"):
            backtest_panel(data, models=["naive"], horizon=4, **bad)
    one, two = (backtest_panel(data, models=["theta_m3", "ses"], horizon=4, period=4, folds=2, n_jobs=n)
                for n in (1, 2))
    pd.testing.assert_frame_equal(one.forecasts, two.forecasts, check_exact=True)
    cols = ["model", "frequency", "n_series", "smape_pooled", "smape_mean", "mase", "owa"]
    pd.testing.assert_frame_equal(one.table[cols], two.table[cols], check_exact=True)


def test_cli_panel_folds_writes_a_backtest(tmp_path, capsys):
    from pybbdl.cli import main

    path = tmp_path / "p.csv"
    _long({"a": _seasonal(40, 4, 1), "b": _seasonal(36, 4, 2)}).to_csv(path, index=False)
    rc = main(["panel", str(path), "--models", "naive", "--period", "4", "--horizon", "4", "--folds", "3",
               "--quiet", "--out", str(tmp_path / "out")])
    assert rc == 0 and "by fold" in capsys.readouterr().out
    folds = pd.read_csv(tmp_path / "out" / "folds.csv")
    assert sorted(folds["fold"].unique()) == [1, 2, 3]
    assert main(["panel", str(path), "--folds", "2", "--no-holdout", "--quiet", "--out", str(tmp_path / "o2")]) == 2
