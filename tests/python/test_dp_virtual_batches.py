"""Virtual batches for DP-SGD (issue 15 item 5): a logical batch computed in physical slices whose clipped
gradients are accumulated, with the Gaussian noise added once per logical step."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

from pybbdl.privacy import PoissonBatches, dp_fit, dp_model_gradients, make_private, per_example_loss_fn  # noqa: E402
from pybbdl.privacy import per_example  # noqa: E402

XENT = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def _cnn(seed=0):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Conv2D(3, 3, activation="relu"),
                             keras.layers.Flatten(), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(3)])


def _gru(seed=0):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((5, 2)), keras.layers.GRU(3, return_sequences=True), keras.layers.LSTM(2),
                             keras.layers.Dense(3)])   # the LSTM forces the vectorized path


def _data(n, shape, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, *shape)).astype("float32"), rng.integers(0, 3, n)


@pytest.mark.parametrize("builder,shape,method,n,compiled", [(_cnn, (6, 6, 1), "fast", 37, False),
                                                             (_cnn, (6, 6, 1), "fast", 37, True),
                                                             (_gru, (5, 2), "vectorized", 19, True)])
def test_virtual_batches_equal_one_big_batch_with_the_same_seed(builder, shape, method, n, compiled):
    # n examples in slices of 8 (the last one short): same clipped sum, and with the same seed the same noise,
    # because the noise is drawn once per logical step. Noise on (sigma = 1.3): equal noisy gradients.
    x, y = _data(n, shape)
    model = builder()
    loss_fn = per_example_loss_fn(XENT)

    def grads(physical):
        gen = keras.random.SeedGenerator(11)
        fn = (lambda: dp_model_gradients(model, x, y, loss_fn, l2_norm_clip=0.5, noise_multiplier=1.3,
                                         seed_generator=gen, denominator=40.0, method=method,
                                         physical_batch_size=physical))
        return tf.function(fn)() if compiled else fn()

    big, chunked = grads(None), grads(8)
    for a, b in zip(big[0], chunked[0]):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(big[1].numpy(), chunked[1].numpy(), rtol=1e-6)    # per-example losses, in order
    np.testing.assert_allclose(big[2].numpy(), chunked[2].numpy(), rtol=1e-6)    # predictions, in order
    np.testing.assert_allclose(big[3].numpy(), chunked[3].numpy(), rtol=1e-5)    # unclipped norms
    assert chunked[1].shape == (n,)


def test_noise_is_added_once_per_logical_step():
    # all examples weigh 0: the clipped sum is exactly 0 and the gradient is pure noise / B_logical. Its std
    # over 30,000 coordinates must be sigma * C / B_logical; noise per physical slice (5 slices) would give
    # sqrt(5) times that. The noise function itself is also counted.
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((300,)), keras.layers.Dense(100)])
    x, _ = _data(40, (300,))
    y = np.zeros((40, 100), "float32")
    sigma, clip, logical = 2.0, 3.0, 40.0
    calls = []
    original = per_example._finish

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    per_example._finish = counting
    try:
        grads, *_ = dp_model_gradients(model, x, y, per_example_loss_fn("mse"), l2_norm_clip=clip,
                                       noise_multiplier=sigma, seed_generator=keras.random.SeedGenerator(3),
                                       sample_weight=np.zeros(40, "float32"), denominator=logical,
                                       physical_batch_size=8)
    finally:
        per_example._finish = original
    assert len(calls) == 1
    kernel = grads[0].numpy().ravel()
    assert kernel.size == 30000
    assert abs(kernel.std() / (sigma * clip / logical) - 1) < 0.03


def test_dp_fit_with_virtual_batches_trains_like_one_batch_and_counts_logical_steps():
    x, y = _data(96, (6, 6, 1), seed=1)
    runs = {}
    for physical in (None, 7):
        model = _cnn(seed=2)
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss=XENT, metrics=["accuracy"])
        history = dp_fit(model, x, y, epochs=2, batch_size=32, noise_multiplier=1.1, l2_norm_clip=1.0,
                         delta=1e-3, seed=5, verbose=0, physical_batch_size=physical)
        runs[physical] = (model.get_weights(), history)
    (w_big, h_big), (w_virtual, h_virtual) = runs[None], runs[7]
    for a, b in zip(w_big, w_virtual):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    assert h_virtual.history["epsilon"] == h_big.history["epsilon"]     # the ledger counts logical steps
    assert h_virtual.privacy == h_big.privacy
    assert h_virtual.history["accuracy"] == pytest.approx(h_big.history["accuracy"])


def test_physical_batch_size_is_checked():
    model = _cnn()
    model.compile(optimizer="sgd", loss=XENT)
    with pytest.raises(ValueError, match="physical_batch_size"):
        make_private(model, noise_multiplier=1.0, l2_norm_clip=1.0, physical_batch_size=0)
    with pytest.raises(ValueError, match="cannot be combined with `num_microbatches`"):
        make_private(model, noise_multiplier=1.0, l2_norm_clip=1.0, physical_batch_size=4, num_microbatches=2)


def test_poisson_batches_vary_in_size_like_binomial_draws():
    x = np.zeros((1000, 1), "float32")
    batches = PoissonBatches(x, batch_size=50, seed=3, steps=400)
    sizes = np.array([len(batches.indices(i)) for i in range(400)])
    assert len(set(sizes)) > 10
    assert abs(sizes.mean() - 50) < 2 and abs(sizes.var() / (1000 * 0.05 * 0.95) - 1) < 0.25
