"""Prediction intervals (split conformal, a model's own), their scores, Clark-West and the MCS."""

import math

import numpy as np
import pandas as pd
import pytest

from pybbdl.evaluation import backtest, compare
from pybbdl.evaluation.intervals import (conformal_half_width, conformal_intervals, coverage, crps_from_quantiles,
                                         min_calibration, pinball_loss, quantile_forecasts, winkler_score)
from pybbdl.evaluation.metrics import interval_scores
from pybbdl.evaluation.nested import clark_west, model_confidence_set, nesting, newey_west_variance
from pybbdl.exceptions import ArgumentError, DataError
from pybbdl.models import NaiveForecaster
from pybbdl.models.base import BaseForecaster
from pybbdl.windows import prepare_windows


@pytest.fixture(scope="module")
def walk():
    rng = np.random.default_rng(7)
    y = np.cumsum(rng.normal(size=400))
    return pd.DataFrame({"y": y}, index=pd.date_range("2000-01-01", periods=400, freq="D"))


# -- conformal ---------------------------------------------------------------------------------
def test_conformal_coverage_on_iid_noise_is_near_nominal():
    # split conformal's guarantee: over calibration draws, the expected coverage is exactly
    # k / (n + 1), k = ceil((n + 1) L): 40/50 = 0.80 and 48/50 = 0.96 for n = 49
    rng = np.random.default_rng(0)
    covered = {0.8: [], 0.95: []}
    for _ in range(400):
        cal = rng.standard_t(df=5, size=49)  # heavy tails: no normal approximation helps
        test = rng.standard_t(df=5, size=2000)
        for lv, (lo, hi) in conformal_intervals(np.zeros_like(test), cal, (0.8, 0.95)).items():
            covered[lv].append(coverage(test, lo, hi))
    assert np.mean(covered[0.8]) == pytest.approx(0.80, abs=0.008)
    assert np.mean(covered[0.95]) == pytest.approx(0.96, abs=0.005)
    # the finite-sample rule: the ceil((n + 1) L)-th smallest |residual|
    r = np.array([3.0, -1.0, 2.0, -5.0, 4.0])
    assert conformal_half_width(r, 0.5) == 3.0  # ceil(6 * 0.5) = 3rd of 1, 2, 3, 4, 5
    assert conformal_half_width(r, 0.8) == 5.0  # ceil(4.8) = 5th


def test_calibration_part_too_small_is_a_clear_error():
    assert min_calibration(0.95) == 19 and min_calibration(0.8) == 4 and min_calibration(0.5) == 1
    conformal_half_width(np.ones(19), 0.95)  # exactly enough
    with pytest.raises(DataError, match="at least 19 calibration errors"):
        conformal_half_width(np.ones(18), 0.95)
    with pytest.raises(DataError, match="finite"):
        conformal_half_width([1.0, np.nan, 2.0, 3.0, 4.0], 0.5)


@pytest.mark.parametrize("levels", [(0.8, 1.2), (0.0,), (80,), (0.8, 0.8), (float("nan"),), ("x",), (True,)])
def test_bad_levels_are_refused(levels):
    with pytest.raises(ArgumentError, match="levels"):
        conformal_intervals([0.0], np.ones(50), levels)


# -- scores ------------------------------------------------------------------------------------
def test_winkler_pinball_and_coverage_by_hand():
    y = np.array([0.0, 5.0, -3.0])
    lo, hi = np.array([-1.0, -1.0, -1.0]), np.array([1.0, 1.0, 1.0])
    # widths 2 each; y=5 is 4 above: + 2/0.2 * 4 = 40; y=-3 is 2 below: + 2/0.2 * 2 = 20
    assert winkler_score(y, lo, hi, 0.8) == pytest.approx((2 + 42 + 22) / 3)
    assert coverage(y, lo, hi) == pytest.approx(1 / 3)
    assert coverage(y, y - 0.0, y + 0.0) == 1.0  # a perfect interval covers every actual
    assert winkler_score(y, y, y, 0.95) == 0.0
    # pinball at tau = 0.9 of q = 0: y=5 -> 0.9 * 5; y=-3 -> 0.1 * 3
    assert pinball_loss(y, np.zeros(3), 0.9) == pytest.approx((0 + 4.5 + 0.3) / 3)
    taus, q = quantile_forecasts(np.zeros(3), {0.8: (lo, hi)})
    np.testing.assert_allclose(taus, [0.1, 0.5, 0.9])
    scores = interval_scores(y, np.zeros(3), {0.8: (lo, hi)})
    assert scores["pinball"] == pytest.approx(np.mean([pinball_loss(y, qi, t) for t, qi in zip(taus, q)]))
    # cells of (0, 1) nearest each tau: 0.3, 0.4, 0.3
    assert scores["crps"] == pytest.approx(2 * sum(w * pinball_loss(y, qi, t) for w, t, qi in zip([0.3, 0.4, 0.3],
                                                                                                   taus, q)))


def test_crps_from_many_quantiles_matches_the_normal_closed_form():
    from scipy import stats

    y = np.array([-1.3, 0.2, 2.0])
    k = 400
    taus = (np.arange(1, k + 1) - 0.5) / k
    q = np.repeat(stats.norm.ppf(taus)[:, None], len(y), axis=1)
    exact = np.mean(y * (2 * stats.norm.cdf(y) - 1) + 2 * stats.norm.pdf(y) - 1 / np.sqrt(np.pi))
    assert crps_from_quantiles(y, taus, q) == pytest.approx(exact, rel=2e-3)


# -- Clark-West ---------------------------------------------------------------------------------
def _cw_by_hand(y, big, small, h):
    """Clark and West (2007), eq. (3.3)-(3.5), written out with loops."""
    n = len(y)
    f = [(y[t] - small[t]) ** 2 - ((y[t] - big[t]) ** 2 - (small[t] - big[t]) ** 2) for t in range(n)]
    fbar = sum(f) / n
    lags = h - 1
    var = sum((f[t] - fbar) ** 2 for t in range(n)) / n
    for j in range(1, lags + 1):
        gamma = sum((f[t] - fbar) * (f[t - j] - fbar) for t in range(j, n)) / n
        var += 2 * (1 - j / (lags + 1)) * gamma
    stat = fbar / math.sqrt(var / n)
    return stat, 0.5 * math.erfc(stat / math.sqrt(2))


@pytest.mark.parametrize("h", [1, 3])
def test_clark_west_equals_the_papers_formula(h):
    y = np.array([1.0, 0.4, -0.3, 2.2, 1.7, 0.1, -1.2, 0.8, 1.5, 0.3, -0.6, 1.1])
    small = np.zeros_like(y)  # the random walk / zero forecast
    big = np.array([0.6, 0.7, 0.1, 1.1, 1.5, 0.5, -0.4, 0.2, 0.9, 0.6, -0.1, 0.4])
    res = clark_west(y, big, small, horizon=h)
    stat, p = _cw_by_hand(y, big, small, h)
    assert res.statistic == pytest.approx(stat, rel=1e-12) and res.p_value == pytest.approx(p, rel=1e-10)
    assert res.statistic > 0  # the larger model's forecasts track y
    if h == 1:  # golden value, computed once from the formula above
        assert res.statistic == pytest.approx(2.8418, abs=1e-4)
    assert newey_west_variance(np.array([1.0, -1.0, 1.0, -1.0]), 0) == 1.0


def test_clark_west_identical_forecasts_and_bad_input():
    y = np.arange(10.0)
    res = clark_west(y, y * 0.5, y * 0.5)
    assert np.isnan(res.statistic) and "no variance" in res.note
    with pytest.raises(DataError, match="equal lengths"):
        clark_west(y, y[:-1], y)
    with pytest.raises(DataError, match="finite"):
        clark_west(np.r_[y[:-1], np.nan], y, y)


def test_nesting_from_attributes_and_argument():
    from pybbdl.models.arima import ArimaForecaster

    est = {"naive": NaiveForecaster(), "arima": ArimaForecaster(order=(1, 1, 0))}
    assert nesting(est) == {"naive": (), "arima": ("naive",)}
    assert nesting(est, {"arima": []})["arima"] == ()
    with pytest.raises(ArgumentError, match="nested"):
        nesting(est, {"arima": ["gru"]})
    with pytest.raises(ArgumentError, match="nested"):
        nesting(est, {"lstm": ["naive"]})


# -- model confidence set ----------------------------------------------------------------------
def test_mcs_is_reproducible_and_excludes_a_clearly_worse_model():
    rng = np.random.default_rng(3)
    losses = pd.DataFrame({"good": np.abs(rng.normal(size=300)), "also_good": np.abs(rng.normal(size=300)),
                           "bad": np.abs(rng.normal(scale=3.0, size=300))})
    a = model_confidence_set(losses, seed=11, reps=300)
    b = model_confidence_set(losses, seed=11, reps=300)
    pd.testing.assert_frame_equal(a, b)
    assert a.loc["bad", "in_mcs"] == 0.0 and a.loc["good", "in_mcs"] == 1.0
    assert a.loc["bad", "mcs_p"] < 0.1


# -- in the comparison tables ------------------------------------------------------------------
class _OwnIntervals(BaseForecaster):
    """Forecasts the last value and gives fixed +/- 1 (80 %) and +/- 2 (95 %) intervals."""

    def __init__(self):
        pass

    def fit(self, windows):
        self.fitted_ = True
        return self

    def predict(self, windows, part):
        return windows.last_values(part)

    def predict_interval(self, windows, part, levels):
        f = self.predict(windows, part)
        return {lv: (f - (1.0 if lv < 0.9 else 2.0), f + (1.0 if lv < 0.9 else 2.0)) for lv in levels}


def test_compare_scores_conformal_and_own_intervals(walk):
    w = prepare_windows(walk, target="y", lookback=5, split=(0.5, 0.25, 0.25))
    c = compare(w, {"naive": NaiveForecaster(), "own": _OwnIntervals()}, nested={"own": ["naive"]},
                baselines=["naive", "own"], progress=False, conformal_scale="none")
    assert c.interval_methods == {"naive": "conformal", "own": "model"}
    long = c.long.set_index(["model", "part", "metric"])
    # conformal: calibrated on val, so val carries no interval score, with a note saying why
    assert np.isnan(long.loc[("naive", "val", "coverage_80"), "value"])
    assert "calibrates" in long.loc[("naive", "val", "coverage_80"), "note"]
    # test part: the scores equal the functions on the stored interval forecasts
    y = w.targets("test", scaled=False)
    frame = c.intervals["test"]["naive"]
    assert list(frame.columns) == ["mean", "lower_80", "upper_80", "lower_95", "upper_95"]
    resid = w.targets("val", scaled=False) - w.last_values("val")
    q80 = conformal_half_width(resid, 0.8)
    np.testing.assert_allclose(frame["upper_80"] - frame["mean"], q80)
    assert long.loc[("naive", "test", "coverage_80"), "value"] == pytest.approx(
        coverage(y, frame["lower_80"], frame["upper_80"]))
    assert long.loc[("naive", "test", "winkler_95"), "value"] == pytest.approx(
        winkler_score(y, frame["lower_95"], frame["upper_95"], 0.95))
    # the model's own intervals are used as given (width 2 and 4), on val too
    assert long.loc[("own", "val", "width_80"), "value"] == pytest.approx(2.0)
    assert long.loc[("own", "test", "width_95"), "value"] == pytest.approx(4.0)
    # nested pair -> Clark-West rows; the wide table says which test it used
    assert ("own", "test", "cw_stat_vs_naive") in long.index
    wide = c.table.set_index("model")
    assert wide.loc["own", "test_test_vs_naive"] == "CW: own nests naive"
    assert wide.loc["naive", "test_test_vs_own"] == "DM: not nested"
    assert {"test_in_mcs_90", "test_mcs_p", "test_coverage_95", "test_crps"} <= set(c.table.columns)
    # levels=() turns intervals off; explicit levels too high for the val part are refused before training
    assert "coverage_80" not in set(compare(w, ["naive"], levels=(), progress=False).long["metric"])
    short = prepare_windows(walk.iloc[:120], target="y", lookback=5, split=(0.8, 0.1, 0.1))
    with pytest.raises(DataError, match="at least 19 forecast errors on the val part"):
        compare(short, ["naive"], levels=(0.8, 0.95), progress=False)
    # ... while the default levels are skipped there with a note
    note = compare(short, ["naive"], progress=False).long.set_index(["part", "metric"]).loc[("test", "coverage_95"),
                                                                                           "note"]
    assert note.startswith("no intervals") and "19" in note


def test_backtest_pools_fold_intervals(walk):
    c = backtest(walk, target="y", lookback=5, models=["naive"], folds=3, fold_size=20, progress=False,
                 levels=(0.8,), conformal_scale="none")
    frame = c.intervals["test"]["naive"]
    assert len(frame) == 60 and list(frame.columns) == ["mean", "lower_80", "upper_80"]
    # each fold is calibrated on its own validation rows (the last 20 % before its block)
    y = walk["y"].to_numpy()
    half = (frame["upper_80"] - frame["mean"]).to_numpy()
    for k in range(3):
        lo = 340 + 20 * k
        val = np.arange(lo - int(0.2 * lo), lo)
        assert half[20 * k:20 * (k + 1)] == pytest.approx(conformal_half_width(y[val] - y[val - 1], 0.8))
    cov = c.long.set_index(["model", "metric"]).loc[("naive", "coverage_80"), "value"]
    assert cov == pytest.approx(coverage(c.forecasts["test"]["actual"], frame["lower_80"], frame["upper_80"]))


def test_report_writes_intervals_and_fan_charts(walk, tmp_path):
    from pybbdl.reports import write_report

    w = prepare_windows(walk, target="y", lookback=5, split=(0.5, 0.25, 0.25))
    c = compare(w, {"naive": NaiveForecaster(), "my model/1": _OwnIntervals()}, progress=False)
    paths = write_report(c, tmp_path)
    table = pd.read_csv(paths["intervals_test_csv"])
    assert set(table["model"]) == {"naive", "my model/1"} and "upper_95" in table.columns
    for name in ("fan_naive.png", "fan_my_model_1.png"):
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"


def test_cli_levels_option():
    from pybbdl.cli.forecast import _levels

    assert _levels("0.95,0.8") == (0.8, 0.95) and _levels("none") == () and _levels(None) is None
    for bad in ("80,95", "0.8,0.8", "0.8,x", "nan"):
        with pytest.raises(ArgumentError, match="levels"):
            _levels(bad)


def test_rolling_conformal_uses_only_errors_observed_at_each_origin():
    from pybbdl.evaluation.intervals import rolling_conformal_intervals

    rng = np.random.default_rng(5)
    pos = np.arange(100, 160)  # 30 validation then 30 scored targets, contiguous rows
    res = np.r_[rng.normal(size=30), 5 * rng.normal(size=30)]  # the error size jumps in the scored part
    point = np.zeros(30)
    h, window = 3, 12
    ints = rolling_conformal_intervals(point, res, pos, pos[30:], h, window, (0.8,))
    for j, tau in enumerate(pos[30:]):
        known = res[pos <= tau - h][-window:]  # brute force: errors of targets in the data at the origin
        assert ints[0.8][1][j] == pytest.approx(conformal_half_width(known, 0.8))
    # the first target (row 130, origin row 127) sees validation errors up to row 127 only
    assert ints[0.8][1][0] == pytest.approx(conformal_half_width(res[16:28], 0.8))
    with pytest.raises(ArgumentError, match="conformal_window"):
        rolling_conformal_intervals(point, res, pos, pos[30:], h, 3, (0.8,))


def test_compare_rolling_conformal_window(walk):
    w = prepare_windows(walk, target="y", lookback=5, split=(0.5, 0.25, 0.25))
    c = compare(w, ["naive"], conformal_window=40, levels=(0.8,), progress=False, conformal_scale="none")
    frame = c.intervals["test"]["naive"]
    half = (frame["upper_80"] - frame["mean"]).to_numpy()
    assert len(np.unique(half.round(12))) > 1  # recalibrated as the origin moves
    res = np.r_[w.targets("val", scaled=False) - w.last_values("val"), w.targets("test", scaled=False) - w.last_values("test")]
    pos = np.r_[w.target_positions("val"), w.target_positions("test")]
    tau = w.target_positions("test")[25]
    assert half[25] == pytest.approx(conformal_half_width(res[pos <= tau - 1][-40:], 0.8))
    with pytest.raises(ValueError, match="conformal_window"):
        compare(w, ["naive"], conformal_window=0, progress=False)


def test_cli_forecast_writes_coverage_and_fan_charts(tmp_path, capsys):
    from pybbdl.cli import main

    out = tmp_path / "run"
    assert main(["forecast", "--models", "naive", "--levels", "0.9", "--out", str(out), "--quiet"]) == 0
    table = pd.read_csv(out / "table.csv")
    assert {"coverage_90", "width_90", "winkler_90", "pinball", "crps"} <= set(table["metric"])
    assert (out / "fan_naive.png").read_bytes()[:4] == b"\x89PNG" and (out / "intervals_test.csv").exists()
    assert "test_coverage_90" in capsys.readouterr().out
    assert main(["forecast", "--models", "naive", "--levels", "0.9,1.5", "--out", str(out), "--quiet"]) == 2
    assert "levels" in capsys.readouterr().err


# -- normalized conformal (conformal_scale="window") ---------------------------------------------
def test_window_scales_are_the_in_window_naive_errors_at_the_horizon(walk):
    from pybbdl.evaluation.intervals import window_scales

    for lookback, horizon in ((10, 3), (5, 1), (4, 6)):  # h > lookback - 1: lag lookback - 1
        w = prepare_windows(walk, target="y", lookback=lookback, horizon=horizon, split=(0.5, 0.25, 0.25))
        v = w.values[:, 0]
        lag = min(horizon, lookback - 1)
        got = window_scales(w, "test")
        for j, origin in enumerate(w.rows("test")[:20]):
            window = v[origin - lookback: origin]  # the input rows
            assert got[j] == pytest.approx(np.mean(np.abs(window[lag:] - window[:-lag])), rel=1e-10)


def test_normalized_conformal_intervals_by_hand_and_bad_input(walk):
    from pybbdl.evaluation.intervals import SCALE_FLOOR, window_scales

    w = prepare_windows(walk, target="y", lookback=6, horizon=2, split=(0.5, 0.25, 0.25))
    c = compare(w, ["naive"], conformal_scale="window", levels=(0.8, 0.95), progress=False)
    frame = c.intervals["test"]["naive"]
    s_val, s_test = window_scales(w, "val"), window_scales(w, "test")
    floor = SCALE_FLOOR * np.median(s_val)
    r = np.abs(w.targets("val", scaled=False) - w.last_values("val")) / np.maximum(s_val, floor)
    for lv in (0.8, 0.95):
        half = conformal_half_width(r, lv) * np.maximum(s_test, floor)
        np.testing.assert_allclose(frame[f"upper_{int(lv * 100)}"] - frame["mean"], half, rtol=1e-12)
    assert c.table.attrs["conformal_scale"] == "window"
    # rolling and normalized together: each half-width from the last 30 scaled errors known at the origin
    r2 = compare(w, ["naive"], conformal_scale="window", conformal_window=30, levels=(0.8,), progress=False)
    half = (r2.intervals["test"]["naive"]["upper_80"] - r2.intervals["test"]["naive"]["mean"]).to_numpy()
    res = np.r_[w.targets("val", scaled=False) - w.last_values("val"), w.targets("test", scaled=False) - w.last_values("test")]
    scale = np.maximum(np.r_[s_val, s_test], floor)
    pos = np.r_[w.target_positions("val"), w.target_positions("test")]
    tau = w.target_positions("test")[17]
    known = (res / scale)[pos <= tau - 2][-30:]
    assert half[17] == pytest.approx(conformal_half_width(known, 0.8) * scale[len(s_val) + 17])
    default = compare(w, ["naive"], levels=(0.8, 0.95), progress=False)  # "auto": normalized at lookback 6
    pd.testing.assert_frame_equal(default.intervals["test"]["naive"], frame)
    with pytest.raises(ArgumentError, match="conformal_scale"):
        compare(w, ["naive"], conformal_scale="garch", progress=False)
    w1 = prepare_windows(walk, target="y", lookback=1, split=(0.5, 0.25, 0.25))
    with pytest.raises(ArgumentError, match="lookback >= 2"):
        compare(w1, ["naive"], conformal_scale="window", progress=False)
    # "auto" at lookback 1: absolute errors, recorded as such
    auto1 = compare(w1, ["naive"], levels=(0.8,), progress=False)
    none1 = compare(w1, ["naive"], levels=(0.8,), conformal_scale="none", progress=False)
    pd.testing.assert_frame_equal(auto1.intervals["test"]["naive"], none1.intervals["test"]["naive"])
    assert auto1.table.attrs["conformal_scale"] == "none"


def test_normalized_conformal_keeps_coverage_when_volatility_rises_in_the_test_part():
    """Errors twice as large in the test period as in validation: absolute conformal under-covers,
    normalized conformal (the windows show the larger moves) stays near nominal."""
    rng = np.random.default_rng(11)
    sd = np.r_[np.ones(600), 2.5 * np.ones(300)]
    y = np.cumsum(rng.normal(size=900) * sd)
    w = prepare_windows(pd.DataFrame({"y": y}), target="y", lookback=30, split=(0.45, 0.2, 0.35))
    cov = {}
    for scale in (None, "window"):  # None = "none": absolute errors
        c = compare(w, ["naive"], conformal_scale=scale, levels=(0.8,), progress=False)
        cov[scale] = c.table.set_index("model").loc["naive", "test_coverage_80"]
    assert cov[None] < 0.55  # 1 / 2.5 of the width it needs
    assert abs(cov["window"] - 0.80) < 0.06


def test_cli_conformal_scale_option(tmp_path, capsys):
    from pybbdl.cli import main

    out = tmp_path / "run"
    assert main(["forecast", "--models", "naive", "--conformal-scale", "window", "--out", str(out), "--quiet"]) == 0
    import json

    assert json.loads((out / "manifest.json").read_text())["settings"]["conformal_scale"] == "window"


def test_auto_scale_uses_absolute_errors_where_the_validation_windows_are_flat():
    """A target that stops moving before the validation part: no window scale to divide by, so
    "auto" calibrates on absolute errors and the table records "none"; "window" is refused."""
    rng = np.random.default_rng(3)
    y = np.r_[np.cumsum(rng.normal(size=120)), np.full(40, 5.0), 5.0 + np.cumsum(rng.normal(size=40))]
    w = prepare_windows(pd.DataFrame({"y": y}), target="y", lookback=4, split=(0.6, 0.2, 0.2))
    auto = compare(w, ["naive"], levels=(0.8,), progress=False)
    none = compare(w, ["naive"], levels=(0.8,), conformal_scale="none", progress=False)
    assert auto.table.attrs["conformal_scale"] == "none"
    pd.testing.assert_frame_equal(auto.intervals["test"]["naive"], none.intervals["test"]["naive"])
    with pytest.raises(DataError, match="flat"):
        compare(w, ["naive"], levels=(0.8,), conformal_scale="window", progress=False)
    bt = backtest(pd.DataFrame({"y": y}), target="y", lookback=4, models=["naive"], folds=2, fold_size=20,
                  levels=(0.8,), progress=False)
    # fold 1 calibrates on flat rows (absolute errors), fold 2 on rows that move again (scaled)
    assert bt.table.attrs["conformal_scale"] == "none/window"


# -- interval_method="conformal": conformal intervals for models with their own too -----------------
def test_interval_method_conformal_calibrates_a_models_own_intervals_on_val(walk):
    """With "conformal" a model that has its own intervals gets split-conformal ones from its
    validation errors (by hand here), the tables say so, and "auto" keeps the model's own."""
    w = prepare_windows(walk, target="y", lookback=5, split=(0.5, 0.25, 0.25))
    models = {"naive": NaiveForecaster(), "own": _OwnIntervals()}
    auto = compare(w, models, levels=(0.8,), progress=False, conformal_scale="none")
    conf = compare(w, models, levels=(0.8,), progress=False, conformal_scale="none", interval_method="conformal")
    assert auto.interval_methods == {"naive": "conformal", "own": "model"}
    assert conf.interval_methods == {"naive": "conformal", "own": "conformal"}
    assert conf.table.set_index("model").loc["own", "interval"] == "conformal"
    assert conf.table.attrs["interval_method"] == "conformal" and auto.table.attrs["interval_method"] == "auto"
    assert (auto.intervals["test"]["own"]["upper_80"] - auto.intervals["test"]["own"]["mean"]).to_numpy() == \
        pytest.approx(1.0)  # the model's own half-width
    resid = w.targets("val", scaled=False) - w.last_values("val")  # "own" forecasts the last value, as naive
    half = (conf.intervals["test"]["own"]["upper_80"] - conf.intervals["test"]["own"]["mean"]).to_numpy()
    np.testing.assert_allclose(half, conformal_half_width(resid, 0.8))
    # conformal intervals are calibrated on val: no interval scores there, with the note saying why
    long = conf.long.set_index(["model", "part", "metric"])
    assert np.isnan(long.loc[("own", "val", "coverage_80"), "value"])
    assert long.loc[("own", "test", "coverage_80"), "value"] == pytest.approx(
        long.loc[("naive", "test", "coverage_80"), "value"])
    bt = backtest(walk, target="y", lookback=5, models=models, folds=2, fold_size=20, progress=False,
                  levels=(0.8,), conformal_scale="none", interval_method="conformal")
    assert bt.interval_methods["own"] == "conformal" and bt.table.attrs["interval_method"] == "conformal"
    pd.testing.assert_frame_equal(bt.intervals["test"]["own"], bt.intervals["test"]["naive"], check_names=False)
    for bad in ("model", None, 1):
        with pytest.raises(ArgumentError, match="interval_method"):
            compare(w, models, levels=(0.8,), progress=False, interval_method=bad)
        with pytest.raises(ArgumentError, match="interval_method"):
            backtest(walk, target="y", lookback=5, models=["naive"], folds=2, fold_size=20, progress=False,
                     interval_method=bad)


def test_cli_interval_method_option(tmp_path):
    import json

    from pybbdl.cli import main

    out = tmp_path / "run"
    assert main(["forecast", "--models", "naive,ar", "--interval-method", "conformal", "--out", str(out),
                 "--quiet"]) == 0
    assert json.loads((out / "manifest.json").read_text())["settings"]["interval_method"] == "conformal"
    assert pd.read_csv(out / "results.csv").set_index("model")["interval"].to_dict() == {
        "naive": "conformal", "ar": "conformal"}
