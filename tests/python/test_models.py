"""Keras builders (numerics against NumPy), the estimator contract, baselines."""

import numpy as np
import pandas as pd
import pytest

from pybbdl.exceptions import NotFittedError
from pybbdl.models import (MODEL_NAMES, make_models, NaiveForecaster, NeuralForecaster, SeasonalNaiveForecaster,
                           evaluate_naive_method, make_model)
from pybbdl.windows import generator, prepare_windows


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_dense_builder_computes_flatten_relu_dense():
    from pybbdl.models.dense import build_dense

    model = build_dense((2, 4), units=3)
    assert model.output_shape == (None, 1)
    assert model.count_params() == (8 * 3 + 3) + (3 + 1)
    W1 = np.linspace(-1, 1, 24).reshape(8, 3)
    b1 = np.array([0.1, -0.2, 0.3])
    W2 = np.array([[0.5], [-1.0], [2.0]])
    b2 = np.array([0.25])
    model.set_weights([W1, b1, W2, b2])
    x = np.arange(3 * 2 * 4, dtype="float32").reshape(3, 2, 4) / 10
    expected = np.maximum(x.reshape(3, 8) @ W1 + b1, 0) @ W2 + b2
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, atol=1e-5)


def test_gru_builder_matches_numpy_gru():
    from pybbdl.models.rnn import build_rnn

    units, feats = 2, 4
    model = build_rnn((3, feats), cell="gru", units=units)
    kernel = np.linspace(-0.5, 0.5, feats * 3 * units).reshape(feats, 3 * units)
    rec = np.linspace(0.3, -0.3, units * 3 * units).reshape(units, 3 * units)
    bias = np.linspace(-0.1, 0.1, 2 * 3 * units).reshape(2, 3 * units)
    dense_w, dense_b = np.array([[1.5], [-0.5]]), np.array([0.1])
    model.set_weights([kernel, rec, bias, dense_w, dense_b])
    x = np.arange(3 * 3 * feats, dtype="float32").reshape(3, 3, feats) / 20
    h = np.zeros((3, units))
    for t in range(3):
        xk, hk = x[:, t] @ kernel + bias[0], h @ rec + bias[1]
        z = _sigmoid(xk[:, :units] + hk[:, :units])
        r = _sigmoid(xk[:, units:2 * units] + hk[:, units:2 * units])
        hh = np.tanh(xk[:, 2 * units:] + r * hk[:, 2 * units:])
        h = z * h + (1 - z) * hh
    np.testing.assert_allclose(model.predict(x, verbose=0), h @ dense_w + dense_b, atol=1e-5)


@pytest.mark.parametrize("kwargs,n_params", [
    ({"cell": "lstm", "units": 3}, 4 * (3 * (4 + 3 + 1)) + 4),
    ({"cell": "simple_rnn", "units": 3}, 3 * (4 + 3 + 1) + 4),
    ({"cell": "gru", "units": 3, "bidirectional": True}, 2 * 3 * 3 * (4 + 3 + 2) + 7),
])
def test_rnn_variants_shapes_and_weights(kwargs, n_params):
    from pybbdl.models.rnn import build_rnn

    model = build_rnn((5, 4), **kwargs)
    assert model.output_shape == (None, 1)
    assert model.count_params() == n_params
    assert model.predict(np.zeros((3, 5, 4), "float32"), verbose=0).shape == (3, 1)


def test_stacked_and_conv_builders_round_trip_config():
    import keras

    from pybbdl.models.rnn import build_conv1d, build_rnn

    stacked = build_rnn((6, 2), cell="gru", units=4, layers=2, top_units=5, dropout=0.1, recurrent_dropout=0.5)
    grus = [layer for layer in stacked.layers if isinstance(layer, keras.layers.GRU)]
    assert [g.units for g in grus] == [4, 5] and grus[0].return_sequences and not grus[1].return_sequences
    assert grus[1].activation.__name__ == "relu" and grus[0].recurrent_dropout == 0.5
    conv = build_conv1d((3, 2), filters=4)  # padding "same": works on a 3-step window
    assert conv.predict(np.ones((2, 3, 2), "float32"), verbose=0).shape == (2, 1)
    clone = keras.Model.from_config(stacked.get_config())
    assert clone.count_params() == stacked.count_params()


@pytest.mark.parametrize("bad,match", [({"units": 0}, "units"), ({"dropout": 1.0}, "dropout"),
                                       ({"cell": "transformer"}, "cell")])
def test_builders_reject_bad_arguments(bad, match):
    from pybbdl.models.rnn import build_rnn

    with pytest.raises(ValueError, match=match):
        build_rnn((3, 2), **bad)


def _sine_windows(n=400, horizon=5):
    t = np.arange(n)
    frame = pd.DataFrame({"y": np.sin(2 * np.pi * t / 20) + 0.05 * np.random.default_rng(0).normal(size=n)},
                         index=pd.date_range("2000-01-01", periods=n, freq="D"))
    return prepare_windows(frame, target="y", lookback=20, horizon=horizon, split=(0.6, 0.2, 0.2))


def test_estimator_contract():
    est = NeuralForecaster(architecture="dense", units=8, epochs=2)
    assert not hasattr(est, "model_")  # __init__ learns nothing
    params = est.get_params()
    assert params["units"] == 8 and params["architecture"] == "dense"
    clone = est.clone().set_params(units=4)
    assert clone.units == 4 and est.units == 8
    with pytest.raises(ValueError, match="Invalid parameter"):
        est.set_params(unit=3)
    w = _sine_windows()
    with pytest.raises(NotFittedError, match="not fitted"):
        est.predict(w, "val")
    with pytest.raises(TypeError, match="prepare_windows"):
        est.fit(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="architecture"):
        NeuralForecaster(architecture="transformer").fit(w)


def test_neural_forecaster_learns_and_is_reproducible():
    w = _sine_windows()
    kwargs = dict(architecture="dense", units=16, epochs=15, batch_size=32, learning_rate=0.01, random_state=3,
                  verbose=0)
    a = NeuralForecaster(**kwargs).fit(w)
    pred = a.predict(w, "val")
    assert pred.shape == (w.n_windows("val"),)
    naive = NaiveForecaster().fit(w).predict(w, "val")
    actual = w.targets("val", scaled=False)
    # a quarter period ahead, persistence is poor and a dense net learns the cycle
    assert np.mean(np.abs(pred - actual)) < 0.5 * np.mean(np.abs(naive - actual))
    b = NeuralForecaster(**kwargs).fit(w)
    np.testing.assert_array_equal(pred, b.predict(w, "val"))
    assert a.epochs_run_ == 15 and len(a.history_["val_loss"]) == 15 and a.fit_seconds_ > 0


def test_early_stopping_restores_best_weights():
    w = _sine_windows()
    est = NeuralForecaster(architecture="dense", units=4, epochs=200, batch_size=32, learning_rate=0.5,
                           optimizer="sgd", patience=2, random_state=0, verbose=0).fit(w)
    assert est.epochs_run_ < 200
    best = min(est.history_["val_loss"])
    val_loss = est.model_.evaluate(w.dataset("val"), verbose=0)
    assert val_loss == pytest.approx(best, rel=1e-4)


def test_seasonal_naive_is_exact_on_a_seasonal_series():
    frame = pd.DataFrame({"y": np.tile([1.0, 5.0, 2.0, 7.0], 30)})
    w = prepare_windows(frame, target="y", lookback=4, horizon=6)
    pred = SeasonalNaiveForecaster(period=4).fit(w).predict(w, "test")
    np.testing.assert_array_equal(pred, w.targets("test", scaled=False))
    assert np.abs(NaiveForecaster().fit(w).predict(w, "test") - w.targets("test", scaled=False)).mean() > 1


def test_evaluate_naive_method_is_the_books_batch_average():
    data = np.random.default_rng(1).normal(size=(300, 3))
    gen = generator(data, lookback=24, delay=5, min_index=100, max_index=250, batch_size=16, step=3)
    expected = []
    for i in range(gen.steps_per_epoch):
        rows = np.arange(124 + 16 * i, 124 + 16 * (i + 1))
        expected.append(np.mean(np.abs(data[rows - 3, 1] - data[rows + 5, 1])))
    assert gen.steps_per_epoch == (250 - 100 - 24) // 16
    assert evaluate_naive_method(gen) == pytest.approx(np.mean(expected), rel=1e-12)


def test_make_model_names():
    assert {"naive", "dense", "lstm", "gru", "conv1d", "stacked_gru", "bidirectional_gru"} <= set(MODEL_NAMES)
    gru = make_model("gru_dropout", epochs=3)
    assert gru.dropout == 0.2 and gru.recurrent_dropout == 0.2 and gru.epochs == 3
    # issue 11 case 4: a parameter is used or refused, never dropped
    with pytest.raises(ValueError, match=r"Unknown parameter\(s\) \['period'\].*Valid: \['architecture'"):
        make_model("gru_dropout", period=4)
    # one shared dict: each model gets its keys, but every key must be taken by some model
    models = make_models(["seasonal_naive", "gru"], {"epochs": 3, "period": 4})
    assert models["seasonal_naive"].period == 4 and models["gru"].epochs == 3
    with pytest.raises(ValueError, match=r"\['epoch'\] that none of the models.*Valid keys: .*'epochs'"):
        make_models(["naive", "gru"], {"epoch": 1})
    with pytest.raises(ValueError, match="Unknown model 'transformer'. Known models: naive"):
        make_model("transformer")


def _residual_windows(**kwargs):
    """Small windows with the target plus a regressor and a calendar column (target not centred:
    its scaled last value is far from 0, so a forgotten skip or a wrong column shows)."""
    n = 160
    t = np.arange(n)
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"y": 10 + 3 * np.sin(t / 5) + 0.3 * rng.normal(size=n), "x": rng.normal(size=n),
                          "k": np.cos(2 * np.pi * t / 24)}, index=pd.date_range("2000-01-01", periods=n, freq="h"))
    return prepare_windows(frame, target="y", lookback=8, split=(0.6, 0.2, 0.2), **kwargs)


@pytest.mark.parametrize("architecture, kwargs", [
    ("gru", {"horizon": 4}),
    ("dense", {"horizon": 4, "step": 2}),
    ("conv1d", {"horizons": 3, "known": ["k"]}),
    ("lstm", {"horizons": "1,4", "step": 2, "known": ["k"]}),
])
def test_residual_network_with_zero_output_layer_is_the_naive_forecast(architecture, kwargs):
    w = _residual_windows(**kwargs)
    est = NeuralForecaster(architecture, units=3, epochs=1, batch_size=64, random_state=0, verbose=0,
                           residual=True).fit(w)
    head = est.model_.get_layer("forecast")
    head.set_weights([np.zeros_like(v) for v in head.get_weights()])
    for part in ("val", "test"):
        naive = w.last_values(part)  # the target's last value in each window, original units
        assert np.abs(naive - w.inverse_target(0.0)).max() > 1  # without the skip: the training mean
        np.testing.assert_allclose(est.predict(w, part), naive, atol=1e-5)
        np.testing.assert_allclose(est.predict_horizons(w, part), np.repeat(naive[:, None], len(w.horizons), 1),
                                   atol=1e-5)
    assert "residual" in est.describe()


def test_residual_false_is_the_plain_network_and_residual_only_adds_the_last_value():
    w = _residual_windows(horizon=4, known=["k"])
    kwargs = dict(architecture="gru", units=3, epochs=2, batch_size=32, random_state=5, verbose=0)
    plain = NeuralForecaster(**kwargs).fit(w)
    same = NeuralForecaster(**kwargs, residual=False).fit(w)
    np.testing.assert_array_equal(plain.predict(w, "val"), same.predict(w, "val"))
    assert "residual" not in [layer.name for layer in plain.model_.layers] and "residual" not in plain.describe()
    # the same layers and weights with the skip: forecasts move by exactly the window's last value
    residual = NeuralForecaster(**kwargs, residual=True)
    model = residual.build((w.lookback, len(w.columns)), (w.horizon, 1), 1)
    assert model.count_params() == plain.model_.count_params()
    model.set_weights(plain.model_.get_weights())
    scaled = model.predict(w.inputs("val"), verbose=0)[:, 0]
    last_scaled = w.X("val")[:, -1, 0]
    np.testing.assert_allclose(scaled, plain.model_.predict(w.inputs("val"), verbose=0)[:, 0] + last_scaled,
                               atol=1e-5)


def test_residual_is_validated_and_passed_through_model_params():
    w = _residual_windows(horizon=2)
    for bad in ("yes", 1, None):
        with pytest.raises(ValueError, match=r"`residual` must be True or False"):
            NeuralForecaster("dense", units=2, epochs=1, residual=bad).fit(w)
    assert "residual" in make_model("gru").get_params()
    assert make_model("gru", residual=True).residual is True
    models = make_models(["naive", "gru", "conv1d"], {"residual": True, "epochs": 1})
    assert models["gru"].residual is True and models["conv1d"].residual is True
