"""DP-SGD: clipping, noise, equivalence with ordinary SGD, Poisson batches, the ledger, bad input, the audit."""

import dataclasses
import math
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from scipy.stats import mannwhitneyu  # noqa: E402

from pybbdl.privacy import (PoissonBatches, PrivacyLedger, UnsupportedLayerError, dp_advantage_bound,  # noqa: E402
                            dp_fit, dp_gradients, dp_model_gradients, dp_sgd_epsilon, loss_threshold_attack,
                            make_private, make_private_with_epsilon, membership_inference, per_example_loss_fn)

XENT = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def small_cnn():
    return keras.Sequential([
        keras.Input((12, 12, 2)),
        keras.layers.Conv2D(4, 3, strides=2, padding="same", activation="relu"),
        keras.layers.MaxPool2D(2, 1),
        keras.layers.Conv2D(5, (2, 3), padding="valid", dilation_rate=(1, 2), activation="tanh"),
        keras.layers.Flatten(), keras.layers.Dense(6, activation="relu"), keras.layers.Dense(3)])


def small_seq():
    inp = keras.Input((9, 3))
    h = keras.layers.Conv1D(4, 3, padding="causal", dilation_rate=2, activation="relu")(inp)
    h = keras.layers.Conv1D(4, 2, strides=2, padding="same")(h)
    h = keras.layers.Dense(5, activation="relu")(h)  # Dense on a sequence
    return keras.Model(inp, keras.layers.Dense(1)(keras.layers.Flatten()(h)))


def small_gru():
    return keras.Sequential([keras.Input((6, 2)), keras.layers.GRU(4), keras.layers.Dense(1)])


def stacked_gru():
    return keras.Sequential([keras.Input((6, 2)), keras.layers.GRU(3, return_sequences=True),
                             keras.layers.GRU(4, use_bias=False), keras.layers.Dense(2, activation="relu"),
                             keras.layers.Dense(1)])


def gru_dropout():  # the book's regularised GRU: dropout masks need the vectorized path
    return keras.Sequential([keras.Input((6, 2)), keras.layers.GRU(4, dropout=0.2, recurrent_dropout=0.2),
                             keras.layers.Dense(1)])


def data(kind, n=8, seed=0):
    rng = np.random.default_rng(seed)
    if kind == "cnn":
        return rng.normal(size=(n, 12, 12, 2)).astype("float32"), rng.integers(0, 3, n), XENT
    if kind == "seq":
        return rng.normal(size=(n, 9, 3)).astype("float32"), rng.normal(size=(n, 1)).astype("float32"), "mae"
    if kind == "stacked":
        return rng.normal(size=(n, 6, 2)).astype("float32"), rng.normal(size=(n, 1)).astype("float32"), "mae"
    return rng.normal(size=(n, 6, 2)).astype("float32"), rng.normal(size=(n, 1)).astype("float32"), "mse"


BUILD = {"cnn": small_cnn, "seq": small_seq, "gru": small_gru, "stacked": stacked_gru}


def grads_of(model, x, y, loss, **kw):
    kw.setdefault("seed_generator", keras.random.SeedGenerator(0))
    return dp_model_gradients(model, x, y, per_example_loss_fn(loss), **kw)


@pytest.mark.parametrize("kind", ["cnn", "seq", "stacked"])
@pytest.mark.parametrize("microbatches", [None, 4])
def test_fast_norms_and_clipped_sums_equal_vectorized(kind, microbatches):
    keras.utils.set_random_seed(1)
    model = BUILD[kind]()
    x, y, loss = data(kind)
    fast = grads_of(model, x, y, loss, l2_norm_clip=0.5, noise_multiplier=0.0, method="fast",
                    num_microbatches=microbatches)
    vec = grads_of(model, x, y, loss, l2_norm_clip=0.5, noise_multiplier=0.0, method="vectorized",
                   num_microbatches=microbatches)
    np.testing.assert_allclose(fast[3], vec[3], rtol=1e-5)
    assert np.max(fast[3]) > 0.5  # clipping is active for some rows
    for a, b in zip(fast[0], vec[0]):
        np.testing.assert_allclose(a, b, atol=1e-6)


@pytest.mark.parametrize("kind", ["cnn", "seq", "gru", "stacked"])
def test_no_noise_no_clipping_equals_ordinary_gradient(kind):
    keras.utils.set_random_seed(2)
    model = BUILD[kind]()
    x, y, loss = data(kind)
    with tf.GradientTape() as tape:
        ref_loss = tf.reduce_mean(per_example_loss_fn(loss)(y, model(x, training=True)))
    ref = tape.gradient(ref_loss, model.trainable_variables)
    got = grads_of(model, x, y, loss, l2_norm_clip=math.inf, noise_multiplier=0.0)[0]
    for a, b in zip(got, ref):
        np.testing.assert_allclose(a, b, atol=1e-6)


@settings(max_examples=12, deadline=None)
@given(clip=st.floats(0.01, 5.0), seed=st.integers(0, 1000))
def test_each_clipped_example_gradient_has_norm_at_most_c(clip, seed):
    model = _cached_cnn()
    x, y, loss = data("cnn", n=4, seed=seed)
    for i in range(len(x)):  # a batch of one: the DP gradient (sigma 0) is that example's clipped gradient
        grads, _, _, norms = grads_of(model, x[i:i + 1], y[i:i + 1], loss, l2_norm_clip=clip, noise_multiplier=0.0)
        norm = math.sqrt(sum(float(tf.reduce_sum(g * g)) for g in grads))
        assert norm <= clip * (1 + 1e-5)
        assert norm == pytest.approx(min(clip, float(norms[0])), rel=1e-4)


_CNN = []


def _cached_cnn():
    if not _CNN:
        keras.utils.set_random_seed(3)
        _CNN.append(small_cnn())
    return _CNN[0]


def test_noise_std_is_sigma_c_over_batch_size():
    keras.utils.set_random_seed(4)
    model = small_cnn()
    x, y, loss = data("cnn", n=16)
    sigma, clip = 1.3, 0.7
    noisy = grads_of(model, x, y, loss, l2_norm_clip=clip, noise_multiplier=sigma)[0]
    clean = grads_of(model, x, y, loss, l2_norm_clip=clip, noise_multiplier=0.0)[0]
    noise = np.concatenate([np.ravel(a - b) for a, b in zip(noisy, clean)])
    expected = sigma * clip / 16
    # sd of a sample sd of N normals is about sd / sqrt(2N)
    assert abs(noise.std() - expected) < 4 * expected / math.sqrt(2 * noise.size)
    assert abs(noise.mean()) < 4 * expected / math.sqrt(noise.size)
    # and the noise is not the same draw twice
    again = grads_of(model, x, y, loss, l2_norm_clip=clip, noise_multiplier=sigma,
                     seed_generator=keras.random.SeedGenerator(99))[0]
    assert not np.allclose(again[0], noisy[0])


def test_dp_train_step_with_sigma_zero_equals_ordinary_fit():
    x, y, loss = data("cnn", n=12)
    weights = []
    for private in (False, True):
        keras.utils.set_random_seed(5)
        model = small_cnn()
        if private:
            make_private(model, noise_multiplier=1.0, l2_norm_clip=1.0)
            model.dp_config = dataclasses.replace(model.dp_config, noise_multiplier=0.0, l2_norm_clip=math.inf)
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss=loss, metrics=["accuracy"])
        hist = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        weights.append((model.get_weights(), hist.history))
    for a, b in zip(weights[0][0], weights[1][0]):
        np.testing.assert_allclose(a, b, atol=1e-5)
    np.testing.assert_allclose(weights[0][1]["loss"], weights[1][1]["loss"], rtol=1e-5)
    np.testing.assert_allclose(weights[0][1]["accuracy"], weights[1][1]["accuracy"])


def test_dp_fit_changes_weights_and_ledger_equals_accountant():
    keras.utils.set_random_seed(6)
    model = small_gru()
    x, y, loss = data("gru", n=40)
    model.compile(optimizer="sgd", loss=loss)
    before = [w.copy() for w in model.get_weights()]
    hist = dp_fit(model, x, y, epochs=3, batch_size=8, noise_multiplier=1.2, delta=1e-3, verbose=0, seed=1)
    eps = hist.history["epsilon"]
    assert eps == sorted(eps) and eps[0] > 0
    np.testing.assert_allclose(eps, [dp_sgd_epsilon(40, 8, 1.2, steps=5 * k, delta=1e-3) for k in (1, 2, 3)])
    assert hist.epsilon == eps[-1]
    assert "holds as stated" in hist.privacy and "epochs = 3 (15 steps)" in hist.privacy
    assert model.dp_config.method == "fast" and model.dp_config.expected_batch_size == 8
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())
    assert any(not np.allclose(a, b) for a, b in zip(before, model.get_weights()))


def test_ledger_stops_before_the_budget_is_exceeded():
    keras.utils.set_random_seed(7)
    model = small_seq()
    x, y, loss = data("seq", n=40)
    model.compile(optimizer="sgd", loss=loss)
    per_epoch = [dp_sgd_epsilon(40, 8, 1.0, steps=5 * k, delta=1e-3) for k in (1, 2, 3)]
    budget = (per_epoch[1] + per_epoch[2]) / 2
    hist = dp_fit(model, x, y, epochs=10, batch_size=8, noise_multiplier=1.0, delta=1e-3, budget=budget, verbose=0)
    assert len(hist.history["epsilon"]) == 2 and hist.epsilon <= budget
    with pytest.raises(ValueError, match="One epoch already spends"):
        dp_fit(model, x, y, epochs=2, batch_size=8, noise_multiplier=1.0, delta=1e-3, budget=per_epoch[0] / 2,
               verbose=0)


def test_poisson_batches_are_reproducible_and_have_rate_q():
    x = np.arange(1000, dtype="float32")[:, None]
    data_a = PoissonBatches(x, x, batch_size=50, seed=3)
    data_b = PoissonBatches(x, x, batch_size=50, seed=3)
    sizes = [len(data_a[i][0]) for i in range(len(data_a))]
    assert len(data_a) == 20 and len(set(sizes)) > 1  # variable sizes
    np.testing.assert_array_equal(data_a[4][0], data_b[4][0])
    data_b.on_epoch_end()
    assert not np.array_equal(data_a.indices(4), data_b.indices(4))  # a new draw each epoch
    draws = np.array([len(data_a.indices(i)) for i in range(20)] +
                     [len(PoissonBatches(x, batch_size=50, seed=s).indices(0)) for s in range(200)])
    assert abs(draws.mean() - 50) < 4 * math.sqrt(50 * 0.95 / len(draws))  # binomial(1000, 0.05)
    with pytest.raises(ValueError, match="same number of rows"):
        PoissonBatches(x, x[:5], batch_size=2)


def test_empty_poisson_batches_still_take_a_noisy_step():
    keras.utils.set_random_seed(8)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer="sgd", loss=XENT)
    x = np.ones((30, 3), "float32")
    y = np.zeros(30, "int64")
    data_ = PoissonBatches(x, y, batch_size=1, seed=0)
    assert any(len(data_.indices(i)) == 0 for i in range(len(data_)))
    hist = dp_fit(model, x, y, epochs=1, batch_size=1, noise_multiplier=1.0, delta=1e-3, verbose=0)
    assert np.all(np.isfinite(model.get_weights()[0])) and len(hist.history["epsilon"]) == 1


def test_bad_input_is_refused_never_trained_without_privacy():
    model = small_cnn()
    for sigma in (0, -1.0):
        with pytest.raises(ValueError, match="noise_multiplier"):
            make_private(model, noise_multiplier=sigma, l2_norm_clip=1.0)
    for clip in (0, -2.0):
        with pytest.raises(ValueError, match="l2_norm_clip"):
            make_private(model, noise_multiplier=1.0, l2_norm_clip=clip)
    bn = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.BatchNormalization(),
                           keras.layers.Dense(1)])
    with pytest.raises(UnsupportedLayerError, match="GroupNormalization"):
        make_private(bn, noise_multiplier=1.0, l2_norm_clip=1.0)
    with pytest.raises(UnsupportedLayerError, match="method='fast'"):
        make_private(gru_dropout(), noise_multiplier=1.0, l2_norm_clip=1.0, method="fast")
    with pytest.raises(ValueError, match="unreachable"):
        make_private_with_epsilon(small_cnn(), target_epsilon=1e-4, delta=1e-5, n=100, batch_size=100, epochs=1000,
                                  l2_norm_clip=1.0)
    plain = small_cnn()
    plain.compile(optimizer="sgd", loss=XENT)
    x, y, _ = data("cnn", n=8)
    with pytest.raises(ValueError, match="make_private"):
        plain.fit(x, y, epochs=1, verbose=0,
                  callbacks=[PrivacyLedger(n=8, batch_size=4, noise_multiplier=1.0, delta=1e-3)])
    with pytest.warns(UserWarning, match="1/n"):
        dp_fit(plain, x, y, epochs=1, batch_size=4, noise_multiplier=1.0, delta=0.5, verbose=0)
    with pytest.raises(ValueError, match="num_microbatches needs fixed-size"):
        dp_fit(plain, x, y, epochs=1, batch_size=4, noise_multiplier=1.0, delta=1e-3, num_microbatches=2)


def test_dp_gradients_from_a_tape_matches_the_model_route():
    keras.utils.set_random_seed(9)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(3)])
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(6, 5)).astype("float32"), rng.integers(0, 3, 6)
    with tf.GradientTape(persistent=True) as tape:
        losses = per_example_loss_fn(XENT)(y, model(x, training=True))
    got = dp_gradients(tape, losses, model.trainable_variables, l2_norm_clip=0.3, noise_multiplier=0.0,
                       seed_generator=keras.random.SeedGenerator(0))
    ref = grads_of(model, x, y, XENT, l2_norm_clip=0.3, noise_multiplier=0.0)[0]
    for a, b in zip(got, ref):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_loss_threshold_attack_auc_equals_mann_whitney():
    rng = np.random.default_rng(0)
    members, others = rng.exponential(0.5, 300), rng.exponential(1.0, 200)
    members[:20] = others[:20]  # ties
    result = loss_threshold_attack(members, others)
    u = mannwhitneyu(others, members).statistic  # P(loss_other > loss_member) + ties / 2
    assert result.auc == pytest.approx(u / (300 * 200), abs=1e-12)
    # advantage = max(TPR - FPR) brute force over thresholds
    thr = np.unique(np.concatenate([members, others]))
    brute = max(np.mean(members <= t) - np.mean(others <= t) for t in thr)
    assert result.advantage == pytest.approx(brute)
    assert np.mean(members <= result.threshold) - np.mean(others <= result.threshold) == pytest.approx(brute)
    assert loss_threshold_attack([0.1, 0.2], [0.5, 0.9]).auc == 1.0
    assert loss_threshold_attack([1.0, 1.0], [1.0, 1.0]).auc == 0.5
    with pytest.raises(ValueError, match="non-finite"):
        loss_threshold_attack([np.nan], [1.0])
    assert dp_advantage_bound(0.0) == 0.0 and dp_advantage_bound(1.0) == pytest.approx((math.e - 1) / (math.e + 1))


def test_membership_inference_on_a_memorising_model():
    keras.utils.set_random_seed(10)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 20)).astype("float32")
    y = rng.integers(0, 2, 64)  # random labels: only memorisation fits them
    model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(64, activation="relu"), keras.layers.Dense(2)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=XENT)
    model.fit(x[:32], y[:32], epochs=150, batch_size=32, verbose=0)
    result = membership_inference(model, (x[:32], y[:32]), (x[32:], y[32:]))
    assert result.auc > 0.8 and result.advantage > 0.4
    assert "AUC" in str(result)


def test_exact_cross_entropy_matches_keras_and_does_not_saturate():
    from pybbdl.privacy.audit import _exact_sparse_xent

    rng = np.random.default_rng(2)
    logits = rng.normal(scale=3, size=(50, 10))
    labels = rng.integers(0, 10, 50)
    keras_loss = np.asarray(per_example_loss_fn(XENT)(labels, logits.astype("float32")))
    np.testing.assert_allclose(_exact_sparse_xent(logits, labels), keras_loss, rtol=1e-5, atol=1e-6)
    big = np.array([[60.0, 0.0, 0.0], [70.0, 0.0, 0.0]])  # margins beyond float64's 1 + eps
    exact = _exact_sparse_xent(big, np.array([0, 0]))
    assert 0 < exact[1] < exact[0]  # keras gives 0 and 0: a tie


def test_gru_with_dropout_trains_on_the_vectorized_path():
    keras.utils.set_random_seed(11)
    model = keras.Sequential([keras.Input((6, 2)), keras.layers.GRU(3, return_sequences=True, dropout=0.1),
                              keras.layers.GRU(4, recurrent_dropout=0.2), keras.layers.Dense(1)])
    x, y, loss = data("gru", n=16)
    model.compile(optimizer="sgd", loss=loss)
    hist = dp_fit(model, x, y, epochs=1, batch_size=4, noise_multiplier=1.0, delta=1e-3, verbose=0)
    assert model.dp_config.method == "vectorized" and np.isfinite(hist.history["loss"][0])
