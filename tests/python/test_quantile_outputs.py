"""Quantile outputs of the neural forecasters (``NeuralForecaster(quantiles=...)``, pinball loss)."""

import numpy as np
import pandas as pd
import pytest

from pybbdl.evaluation import compare
from pybbdl.evaluation.intervals import has_own_intervals, model_intervals
from pybbdl.exceptions import ArgumentError
from pybbdl.models import NeuralForecaster, make_models
from pybbdl.models.dense import PinballLoss, quantile_taus
from pybbdl.windows import prepare_windows

FAST = dict(units=8, batch_size=32, optimizer="adam", learning_rate=1e-2, random_state=0, verbose=0)


@pytest.fixture(scope="module")
def ar1():
    """600 points of an AR(1) with N(0, 1) noise: its 80 % forecast interval is +/- 1.28."""
    rng = np.random.default_rng(0)
    y = np.zeros(600)
    for t in range(1, len(y)):
        y[t] = 0.6 * y[t - 1] + rng.normal()
    return pd.DataFrame({"y": y})


def _mimo_windows(**kwargs):
    n = 200
    t = np.arange(n)
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"y": 10 + 3 * np.sin(t / 5) + 0.3 * rng.normal(size=n), "k": np.cos(2 * np.pi * t / 24)},
                         index=pd.date_range("2000-01-01", periods=n, freq="h"))
    return prepare_windows(frame, target="y", lookback=8, split=(0.6, 0.2, 0.2), **kwargs)


def test_quantile_taus_are_the_median_and_the_interval_bounds():
    assert quantile_taus((0.8, 0.95)) == (0.025, 0.1, 0.5, 0.9, 0.975)
    assert quantile_taus((0.5,)) == (0.25, 0.5, 0.75)


def test_quantile_network_intervals_cover_and_replace_conformal_ones_in_compare(ar1):
    w = prepare_windows(ar1, target="y", lookback=4, split=(0.6, 0.2, 0.2))
    q = NeuralForecaster("dense", epochs=30, quantiles=(0.8,), **FAST)
    assert has_own_intervals(q) and not has_own_intervals(q, "conformal")
    c = compare(w, {"q": q}, levels=(0.8,), progress=False)
    assert c.interval_methods["q"] == "model"
    long = c.long.set_index(["model", "part", "metric"])
    assert 0.7 <= long.loc[("q", "test", "coverage_80"), "value"] <= 0.9
    assert np.isfinite(long.loc[("q", "val", "coverage_80"), "value"])  # own intervals: val is scored too
    assert np.isnan(long.loc[("naive", "val", "coverage_80"), "value"])  # conformal: val calibrates
    # the stored intervals are the network's quantiles around its median forecast
    frame = c.intervals["test"]["q"]
    assert (frame["lower_80"] <= frame["mean"]).all() and (frame["mean"] <= frame["upper_80"]).all()
    width = (frame["upper_80"] - frame["lower_80"]).mean()
    assert 2.0 < width < 3.2  # 2 x 1.28 = 2.56 for N(0, 1) noise
    assert "quantiles 80 %" in c.table.set_index("model").loc["q", "spec"]
    # interval_method="conformal": the same kind of network gets conformal intervals (val calibrates)
    c2 = compare(w, {"q": q.clone().set_params(epochs=1)}, levels=(0.8,), progress=False,
                 interval_method="conformal")
    assert c2.interval_methods["q"] == "conformal"
    assert np.isnan(c2.long.set_index(["model", "part", "metric"]).loc[("q", "val", "coverage_80"), "value"])


def test_keras_pinball_loss_equals_the_summed_pinball_loss_by_hand():
    w = _mimo_windows(horizons=2)
    est = NeuralForecaster("dense", epochs=1, quantiles=(0.5, 0.9), **FAST).fit(w)
    assert isinstance(est.model_.loss, PinballLoss)
    taus = np.array(est.taus_)
    assert tuple(taus) == (0.05, 0.25, 0.5, 0.75, 0.95)
    X, Y = w.inputs("val"), w.targets_by_horizon("val")
    reported = est.model_.evaluate(X, Y, batch_size=1000, verbose=0)
    out = est.model_.predict(X, verbose=0).reshape(len(Y), 2, len(taus))  # horizon-major outputs
    d = Y[:, :, None] - out
    by_hand = np.mean(np.sum(np.maximum(taus * d, (taus - 1) * d), axis=-1))
    assert reported == pytest.approx(by_hand, rel=1e-5)
    # the loss is serializable with the model (saving, parallel workers)
    again = PinballLoss.from_config(est.model_.loss.get_config())
    assert again.taus == est.model_.loss.taus


def test_without_quantiles_the_network_is_unchanged():
    w = _mimo_windows(horizon=2)
    kwargs = dict(architecture="dense", units=3, epochs=1, batch_size=64, random_state=5, verbose=0)
    plain = NeuralForecaster(**kwargs).fit(w)
    same = NeuralForecaster(**kwargs, quantiles=None).fit(w)
    np.testing.assert_array_equal(plain.predict(w, "test"), same.predict(w, "test"))
    assert plain.model_.loss == "mae" and plain.taus_ == ()
    # one output: Dense(8 x 2 -> 3), Dense(3 -> 1)
    assert plain.n_params_ == 16 * 3 + 3 + 4
    assert plain.interval_levels == () and not has_own_intervals(plain)
    assert "quantiles" not in plain.describe()
    with pytest.raises(ArgumentError, match="no quantile outputs"):
        plain.predict_interval(w, "test", (0.8,))
    # model_intervals (the evaluation layer) gives it conformal intervals
    assert model_intervals(plain, w, "test", (0.8,))[1] == "conformal"
    # quantiles: five outputs instead of one, the same layers below
    q = NeuralForecaster(**kwargs, quantiles=(0.8, 0.95)).fit(w)
    assert q.n_params_ == plain.n_params_ + 4 * 4


def test_bad_quantiles_and_levels_are_refused():
    w = _mimo_windows(horizon=1)
    for bad in ((1.2,), "0.8", 0.8, (), (0.8, 0.8), (0.0,), (float("nan"),), {"a": 0.8}):
        with pytest.raises(ArgumentError, match="`quantiles` must"):
            NeuralForecaster("dense", units=2, epochs=1, quantiles=bad, verbose=0).fit(w)
    with pytest.raises(ArgumentError, match="replaces it"):
        NeuralForecaster("dense", units=2, epochs=1, quantiles=(0.8,), loss="mse", verbose=0).fit(w)
    est = NeuralForecaster("dense", epochs=1, quantiles=(0.8, 0.95), **FAST).fit(w)
    with pytest.raises(ArgumentError, match=r"trained for the interval levels \[0.8, 0.95\].*no 90 %"):
        est.predict_interval(w, "test", (0.8, 0.9))
    assert set(est.predict_interval(w, "test", [0.95])) == {0.95}
    # a run asking for levels the network cannot give is refused before training
    with pytest.raises(ArgumentError, match=r"'q' gives its own intervals at the levels \[0.8, 0.95\] only"):
        compare(w, {"q": NeuralForecaster("dense", units=2, epochs=1, quantiles=(0.8, 0.95))}, levels=(0.5,),
                progress=False)
    with pytest.raises(ArgumentError, match="at the levels \\[0.9\\] only"):  # the default levels are 80/95 %
        compare(w, {"q": NeuralForecaster("dense", units=2, epochs=1, quantiles=(0.9,))}, progress=False)
    # networks given by name take it from `params`
    models = make_models(["naive", "dense", "gru"], {"quantiles": (0.8,), "epochs": 1})
    assert models["dense"].quantiles == (0.8,) and models["gru"].interval_levels == (0.8,)


@pytest.mark.parametrize("architecture, kwargs", [
    ("gru", {"horizons": 3, "known": ["k"]}),
    ("dense", {"horizons": 3, "known": ["k"], "step": 2}),
    ("conv1d", {"horizons": 3, "known": ["k"]}),
    ("lstm", {"horizon": 2}),
    ("simple_rnn", {"horizons": "1,3", "step": 2}),
])
def test_mimo_residual_known_quantile_network_gives_ordered_intervals(architecture, kwargs):
    w = _mimo_windows(**kwargs)
    est = NeuralForecaster(architecture, epochs=1, quantiles=(0.8, 0.95), residual=True, **FAST).fit(w)
    n_h = len(w.horizons)
    assert est.model_.output_shape == (None, n_h * 5)
    for part in ("val", "test"):
        n = w.n_windows(part)
        point = est.predict_horizons(w, part)
        assert point.shape == (n, n_h)
        np.testing.assert_array_equal(est.predict(w, part), point[:, -1])
        iv = est.predict_interval(w, part, (0.8, 0.95))
        for lv in (0.8, 0.95):
            lo, hi = iv[lv]
            assert lo.shape == hi.shape == (n,)
            assert np.all(lo <= point[:, -1]) and np.all(point[:, -1] <= hi)
        assert np.all(iv[0.95][0] <= iv[0.8][0]) and np.all(iv[0.8][1] <= iv[0.95][1])
    assert "residual, quantiles 80/95 %" in est.describe()


def test_crossing_quantiles_are_sorted():
    w = _mimo_windows(horizon=1)
    est = NeuralForecaster("dense", epochs=1, quantiles=(0.8,), **FAST).fit(w)
    head = est.model_.get_layer("forecast")
    kernel, bias = head.get_weights()
    # reverse the order of the three quantile outputs: lower and upper swap
    head.set_weights([kernel[:, ::-1], bias[::-1]])
    raw = est.model_.predict(w.inputs("test"), verbose=0)
    assert np.any(raw[:, 0] > raw[:, 2])
    lo, hi = est.predict_interval(w, "test", (0.8,))[0.8]
    mid = est.predict(w, "test")
    assert np.all(lo <= mid) and np.all(mid <= hi)
    np.testing.assert_allclose(w.inverse_target(np.sort(raw, axis=1)), np.c_[lo, mid, hi], rtol=1e-6)
