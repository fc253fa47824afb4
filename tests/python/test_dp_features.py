"""ScatterNet features, their private normalisation, and prior releases composed into DP-SGD's epsilon."""

import math
import warnings

import dp_accounting
import numpy as np
import pytest

from pybbdl.exceptions import ArgumentError, ArgumentTypeError
from pybbdl.privacy import calibrate_noise, dp_sgd_epsilon, privacy_statement
from pybbdl.privacy.accounting import RDP_ORDERS, check_prior_releases
from pybbdl.privacy.features import PrivateNormalization, private_normalization, scattering_features


# ---------------------------------------------------------------- accounting of prior releases

def _direct(q, sigma, steps, releases, delta, accountant):
    events = [dp_accounting.GaussianDpEvent(s) for s in releases]
    events.append(dp_accounting.SelfComposedDpEvent(
        dp_accounting.PoissonSampledDpEvent(q, dp_accounting.GaussianDpEvent(sigma)), steps))
    acc = (dp_accounting.pld.PLDAccountant() if accountant == "pld"
           else dp_accounting.rdp.RdpAccountant(list(RDP_ORDERS)))
    acc.compose(dp_accounting.ComposedDpEvent(events))
    return acc.get_epsilon(delta)


@pytest.mark.parametrize("accountant", ["rdp", "pld"])
def test_prior_releases_compose_with_dp_sgd_exactly(accountant):
    # the stated epsilon equals dp-accounting's for the composed event that ran (rel 1e-9)
    eps = dp_sgd_epsilon(60000, 4096, 3.0, steps=30, delta=1e-5, accountant=accountant, prior_releases=(8.0, 8.0))
    assert eps == pytest.approx(_direct(4096 / 60000, 3.0, 30, (8.0, 8.0), 1e-5, accountant), rel=1e-9)
    alone = dp_sgd_epsilon(60000, 4096, 3.0, steps=30, delta=1e-5, accountant=accountant)
    assert eps > alone * 1.01  # the releases cost something


def test_no_prior_releases_changes_nothing():
    assert dp_sgd_epsilon(60000, 256, 1.1, 60, 1e-5, prior_releases=()) == dp_sgd_epsilon(60000, 256, 1.1, 60, 1e-5)
    assert dp_sgd_epsilon(60000, 256, 1.1, 60, 1e-5, prior_releases=None) == pytest.approx(2.597, abs=5e-4)


def test_calibration_with_prior_releases_meets_the_target_and_needs_more_noise():
    plain = calibrate_noise(60000, 4096, 2.0, 1e-5, epochs=2, tolerance=1e-2)
    cal = calibrate_noise(60000, 4096, 2.0, 1e-5, epochs=2, prior_releases=[8.0, 8.0], tolerance=1e-2)
    assert cal.epsilon <= 2.0 and cal.epsilon > 1.95
    assert cal.noise_multiplier > plain.noise_multiplier
    assert dp_sgd_epsilon(60000, 4096, cal.noise_multiplier, steps=cal.steps, delta=1e-5,
                          prior_releases=[8.0, 8.0]) == pytest.approx(cal.epsilon, rel=1e-9)


def test_target_below_what_the_releases_spend_is_refused():
    with pytest.raises(ArgumentError, match="prior releases .* alone spend"):
        calibrate_noise(60000, 4096, 0.1, 1e-5, epochs=10, prior_releases=[1.0])


@pytest.mark.parametrize("bad", ["8", 8.0, [0.0], [-1.0], [float("nan")], [float("inf")], [None], ["x"], [True]])
def test_bad_prior_releases_are_refused(bad):
    with pytest.raises((ArgumentError, ArgumentTypeError)):
        check_prior_releases(bad)
    with pytest.raises((ArgumentError, ArgumentTypeError)):
        dp_sgd_epsilon(60000, 256, 1.1, 1, 1e-5, prior_releases=bad)


def test_statement_names_the_releases():
    text = privacy_statement(60000, 4096, 3.0, steps=30, delta=1e-5, prior_releases=(8.0, 8.0))
    assert "2 Gaussian release(s)" in text and "8, 8" in text
    eps = dp_sgd_epsilon(60000, 4096, 3.0, steps=30, delta=1e-5, prior_releases=(8.0, 8.0))
    assert f"epsilon = {eps:.3f} (RDP accountant)" in text


# ---------------------------------------------------------------- private normalisation

def _features(n=50, k=5, seed=0):
    return np.random.default_rng(seed).uniform(0, 1, size=(n, k, 3, 3)).astype(np.float32)


def test_normalisation_sensitivity_bound_on_adversarial_neighbours():
    # add/remove one example: the clipped sums move by at most the clip, whatever the example is
    f = _features()
    huge = np.full((1, 5, 3, 3), 1e6, np.float32)           # adversarial: far beyond the clip
    spiky = np.zeros((1, 5, 3, 3), np.float32)
    spiky[0, 0] = 1e3                                        # all its mass on one channel
    for extra in (huge, spiky, -huge):
        for clip_attr, moment in (("mean_clip", 1), ("square_clip", 2)):
            a = private_normalization(f, noise_multiplier=1e-9, seed=1)
            b = private_normalization(np.concatenate([f, extra]), noise_multiplier=1e-9, seed=1)
            clip = getattr(a, clip_attr)
            sum_a = (a.mean if moment == 1 else a.var + a.mean ** 2) * a.n
            sum_b = (b.mean if moment == 1 else b.var + b.mean ** 2) * b.n
            if moment == 2:   # the variance is floored at 0: compare the second-moment sums where not floored
                keep = (a.var > 0) & (b.var > 0)
                sum_a, sum_b = sum_a[keep], sum_b[keep]
            assert np.linalg.norm(np.float64(sum_b) - np.float64(sum_a)) <= clip * (1 + 1e-4)


def test_normalisation_noise_has_the_stated_scale():
    f = np.zeros((1000, 3, 2, 2), np.float32)
    draws = np.stack([private_normalization(f, noise_multiplier=2.0, mean_clip=0.5, seed=s).mean for s in range(100)])
    # mean of zeros + N(0, (2 * 0.5)^2) / 1000 per channel
    assert draws.std() == pytest.approx(2.0 * 0.5 / 1000, rel=0.1)
    assert abs(draws.mean()) < 3 * 1e-3 / math.sqrt(draws.size)


def test_normalisation_without_noise_is_the_mean_and_variance_of_unclipped_data():
    f = _features() * 0.01                                 # small: nothing is clipped
    norm = private_normalization(f, noise_multiplier=1e-12, mean_clip=10, square_clip=10)
    flat = f.reshape(len(f), 5, -1).astype(np.float64)
    assert np.allclose(norm.mean, flat.mean(axis=(0, 2)), rtol=1e-5)
    assert np.allclose(norm.var, (flat ** 2).mean(axis=(0, 2)) - flat.mean(axis=(0, 2)) ** 2, rtol=1e-3, atol=1e-9)
    z = norm.standardize(f)
    assert z.shape == f.shape and z.dtype == np.float32
    assert np.allclose(z.reshape(len(f), 5, -1).mean(axis=(0, 2)), 0, atol=1e-3)
    assert norm.noise_multipliers == (1e-12, 1e-12)


def test_normalisation_same_seed_same_release():
    f = _features()
    a = private_normalization(f, noise_multiplier=1.0, seed=3)
    b = private_normalization(f, noise_multiplier=1.0, seed=3)
    c = private_normalization(f, noise_multiplier=1.0, seed=4)
    assert np.array_equal(a.mean, b.mean) and not np.array_equal(a.mean, c.mean)


@pytest.mark.parametrize("kwargs, exc", [
    ({"noise_multiplier": 0}, ArgumentError), ({"noise_multiplier": -1}, ArgumentError),
    ({"noise_multiplier": float("nan")}, ArgumentError), ({"noise_multiplier": "1"}, (ArgumentError, ArgumentTypeError)),
    ({"noise_multiplier": 1, "mean_clip": 0}, ArgumentError), ({"noise_multiplier": 1, "square_clip": -1}, ArgumentError),
    ({"noise_multiplier": 1, "mean_clip": float("inf")}, ArgumentError),
    ({"noise_multiplier": 1, "mean_clip": True}, ArgumentError), ({"noise_multiplier": 1, "mean_clip": "x"}, ArgumentError),
    ({"noise_multiplier": 1, "seed": -1}, ArgumentError), ({"noise_multiplier": 1, "seed": 2 ** 40}, ArgumentError),
])
def test_bad_normalisation_settings_are_refused(kwargs, exc):
    with pytest.raises(exc):
        private_normalization(_features(), **kwargs)


@pytest.mark.parametrize("features", [np.zeros((0, 3, 2, 2)), np.zeros(5), np.array([["a"]], dtype=object),
                                      np.full((2, 3, 2, 2), np.nan)])
def test_bad_features_are_refused(features):
    with pytest.raises((ArgumentError, ArgumentTypeError)):
        private_normalization(features, noise_multiplier=1.0)


def test_standardize_refuses_features_of_another_shape():
    norm = private_normalization(_features(), noise_multiplier=1.0)
    with pytest.raises(ArgumentError, match="shape"):
        norm.standardize(np.zeros((4, 6, 3, 3)))
    assert isinstance(norm, PrivateNormalization)


# ---------------------------------------------------------------- scattering

def test_scattering_shapes_and_translation_invariance():
    pytest.importorskip("kymatio")
    rng = np.random.default_rng(0)
    img = np.zeros((2, 28, 28), np.float32)
    img[0, 8:14, 10:16] = rng.uniform(0.5, 1, size=(6, 6))
    img[1, 9:15, 11:17] = img[0, 8:14, 10:16]                 # the same blob moved by one pixel
    f = scattering_features(img[..., None], batch_size=1)
    assert f.shape == (2, 81, 7, 7) and f.dtype == np.float32
    # the zeroth-order channel is a local average: its total is the image's total / 16 (pooling 4 x 4)
    assert f[0, 0].sum() == pytest.approx(img[0].sum() / 16, rel=0.05)
    # scattering is stable to small translations: pooled channel means barely move
    m = f.reshape(2, 81, -1).mean(-1)
    assert np.abs(m[0] - m[1]).max() < 0.05 * np.abs(m[0]).max()
    assert not np.array_equal(f[0], f[1])


@pytest.mark.parametrize("images, kwargs", [
    (np.zeros((0, 28, 28)), {}), (np.zeros((2, 28)), {}), (np.zeros((2, 28, 28, 3)), {}),
    (np.full((1, 28, 28), np.nan), {}), (np.zeros((1, 30, 30)), {}), (np.zeros((1, 28, 28)), {"J": 0}),
    (np.zeros((1, 28, 28)), {"J": 2.5}), (np.zeros((1, 28, 28)), {"J": True}), (np.zeros((1, 4, 4)), {"J": 2}),
    (np.zeros((1, 28, 28)), {"batch_size": 0}), ("images", {}), (np.array([[["a"]]], dtype=object), {}),
])
def test_bad_scattering_input_is_refused_before_any_work(images, kwargs):
    with pytest.raises((ArgumentError, ArgumentTypeError)):
        scattering_features(images, **kwargs)


def test_dp_fit_target_epsilon_holds_when_poisson_epochs_round_up():
    # n / B = 1.5: a Poisson epoch is round(1.5) = 2 steps, so 2 epochs run 4 steps, more than
    # ceil(2 * 1.5) = 3; sigma was calibrated for 3 and the run overspent its target (2.63 for 2.6 on MNIST)
    import keras

    from pybbdl.privacy import dp_fit

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(30, 3)).astype("float32"), rng.integers(0, 2, 30)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer=keras.optimizers.SGD(0.1),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # delta >= 1/n is warned about; not the point here
        hist = dp_fit(model, x, y, epochs=2, batch_size=20, delta=1e-2, target_epsilon=3.0, verbose=0,
                      prior_releases=[20.0])
    assert hist.history["epsilon"][-1] <= 3.0 + 1e-9
    assert hist.history["epsilon"][-1] > 2.9          # and the target is used, not wasted
    assert "1 Gaussian release(s)" in hist.privacy
