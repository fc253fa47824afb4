"""GANs on tiny shapes: one step moves both players, resume equals an uninterrupted run, the cGAN grid, input
checks, FID and Parzen against closed forms and an independent implementation."""

import math

import numpy as np
import pytest
from conftest import SHARED_DATA

keras = pytest.importorskip("keras")

from pybbdl.exceptions import DataError  # noqa: E402
from pybbdl.gan import (GAN, Maxout, build_cgan, build_dcgan, build_mlp_gan, check_images,  # noqa: E402
                        frechet_distance, grid_mosaic, latest_checkpoint, parzen_evaluation,
                        parzen_log_likelihood, train_gan)

SHAPE = (8, 8, 1)
MNIST = SHARED_DATA / "mnist"


def _tiny(model: str, seed: int = 0) -> GAN:
    keras.utils.set_random_seed(seed)
    if model == "mlp":
        g, d = build_mlp_gan(4, image_shape=SHAPE, g_units=16, d_units=6, pieces=2)
    elif model == "dcgan":
        g, d = build_dcgan(4, image_shape=SHAPE, filters=2)
    else:
        g, d = build_cgan(4, num_classes=10, image_shape=SHAPE, embed_dim=3, g_units=(16,), d_units=(12, 8))
    cond = model == "cgan"   # the cGAN also keeps a moving average of G (its variables must survive resume)
    return GAN(g, d, latent_dim=4, num_classes=10 if cond else None, seed=3, label_smoothing=0.1,
               ema_decay=0.9 if cond else None)


def _data(n: int = 24, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, (n, *SHAPE)).astype(np.float32), rng.integers(0, 10, n)


@pytest.mark.parametrize("model", ["mlp", "dcgan", "cgan"])
def test_one_step_changes_both_players_and_losses_are_finite(model):
    gan = _tiny(model)
    x, y = _data()
    before_g = [v.numpy().copy() for v in gan.generator.trainable_variables]
    before_d = [v.numpy().copy() for v in gan.discriminator.trainable_variables]
    history = train_gan(gan, x, y, epochs=1, batch_size=24, progress=False)
    assert history.steps == 1
    for key in ("d_loss", "g_loss", "d_real", "d_fake"):
        assert np.isfinite(history.losses[key]).all()
    # at initialisation D is near chance: d_loss near 2 log 2 (two BCE terms), g_loss near log 2
    assert 0.5 < history.losses["d_loss"][0] < 3.0 and 0.2 < history.losses["g_loss"][0] < 2.0
    for before, variables in ((before_g, gan.generator.trainable_variables),
                              (before_d, gan.discriminator.trainable_variables)):
        changed = [not np.array_equal(b, v.numpy()) for b, v in zip(before, variables)]
        assert all(changed), f"{sum(changed)} of {len(changed)} variables moved"
    if model == "cgan":   # after G update n = 1 the decay is min(0.9, 2 / 11); sampling uses the average
        d = 2 / 11
        for b, v, avg in zip(before_g, gan.generator.trainable_variables, gan.generator_ema.trainable_variables):
            np.testing.assert_allclose(avg.numpy(), d * b + (1 - d) * v.numpy(), rtol=1e-5, atol=1e-7)
        assert gan.sampler is gan.generator_ema


def test_keras_fit_runs_the_custom_train_step_and_the_grid_callback(tmp_path):
    from pybbdl.gan import GridCallback

    gan = _tiny("cgan")
    gan.compile()
    x, y = _data()
    logs = gan.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[GridCallback(tmp_path)]).history
    assert set(logs) == {"d_loss", "g_loss"} and np.isfinite(logs["d_loss"]).all()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["epoch_001.png", "epoch_002.png"]


def test_resume_after_interruption_equals_uninterrupted_run(tmp_path):
    x, y = _data(30)
    full = _tiny("cgan", seed=0)   # BN in G, dropout in D: their states and the noise stream must be restored
    h_full = train_gan(full, x, y, epochs=3, batch_size=8, seed=5, out_dir=tmp_path / "a", checkpoint_every=2,
                       progress=False, grids=False)
    assert h_full.steps == 9
    part = _tiny("cgan", seed=0)
    train_gan(part, x, y, epochs=3, batch_size=8, seed=5, out_dir=tmp_path / "b", checkpoint_every=2,
              max_steps=5, progress=False, grids=False)       # "killed" after step 5, mid-epoch 2
    assert latest_checkpoint(tmp_path / "b" / "checkpoints").name == "ckpt-00000005.npz"
    resumed = _tiny("cgan", seed=99)                           # a fresh process: different initial weights
    h_res = train_gan(resumed, x, y, epochs=3, batch_size=8, seed=5, out_dir=tmp_path / "b", checkpoint_every=2,
                      progress=False, grids=False)
    assert h_res.resumed_from == 5 and h_res.steps == 9
    for a, b in zip(full.variables, resumed.variables):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=0, atol=1e-6, err_msg=a.path)
    np.testing.assert_allclose(h_full.losses["g_loss"], h_res.losses["g_loss"], atol=1e-6)
    # without the checkpoint, the other start gives other weights: the test can tell the difference
    other = _tiny("cgan", seed=99)
    train_gan(other, x, y, epochs=3, batch_size=8, seed=5, progress=False)
    assert not np.allclose(full.generator.variables[0].numpy(), other.generator.variables[0].numpy())


def test_checkpoint_of_another_architecture_is_refused(tmp_path):
    x, y = _data()
    train_gan(_tiny("cgan"), x, y, epochs=1, batch_size=8, out_dir=tmp_path, checkpoint_every=3, progress=False)
    with pytest.raises(ValueError, match="other settings.*generator: checkpoint 'cgan_generator', now 'mlp_gen"):
        train_gan(_tiny("mlp"), x, epochs=2, batch_size=8, out_dir=tmp_path, progress=False)
    from pybbdl.gan import restore_checkpoint

    with pytest.raises(ValueError, match="does not fit this GAN"):
        mlp = _tiny("mlp")
        mlp.compile()
        restore_checkpoint(mlp, latest_checkpoint(tmp_path / "checkpoints"))


def _tiny_mlp_gan(**dp):
    keras.utils.set_random_seed(0)
    g, d = build_mlp_gan(4, image_shape=SHAPE, g_units=16, d_units=6, pieces=2)
    return GAN(g, d, latent_dim=4, seed=3, **dp)


@pytest.mark.parametrize("change, named", [
    ({"dp": {"l2_norm_clip": 1.0, "dp_noise_multiplier": 1.0}}, "dp: checkpoint False, now True"),
    ({"batch_size": 4}, "batch_size: checkpoint 8, now 4"),
    ({"data_seed": 1}, "data_sha256"),
    ({"seed": 5}, "seed: checkpoint 0, now 5"),
    ({"settings": {"delta": 1e-3}}, "delta: checkpoint 1e-05, now 0.001"),
])
def test_resume_with_other_run_settings_is_refused_naming_the_difference(tmp_path, change, named):
    # issue 11 case 6a: a non-DP checkpoint resumed with DP (or another batch size, data, seed, delta) used to run
    # 0 steps and state an epsilon for a non-private generator
    x, _ = _data()
    train_gan(_tiny_mlp_gan(), x, epochs=1, batch_size=8, out_dir=tmp_path, checkpoint_every=3, progress=False,
              settings={"delta": 1e-5})
    x2, _ = _data(seed=change.get("data_seed", 0))
    with pytest.raises(ValueError, match=named.replace("(", r"\(")):
        train_gan(_tiny_mlp_gan(**change.get("dp", {})), x2, epochs=1, batch_size=change.get("batch_size", 8),
                  seed=change.get("seed", 0), out_dir=tmp_path, progress=False,
                  settings=change.get("settings", {"delta": 1e-5}))
    # the same settings resume (here: already finished, 0 new steps, history kept)
    h = train_gan(_tiny_mlp_gan(), x, epochs=1, batch_size=8, out_dir=tmp_path, progress=False,
                  settings={"delta": 1e-5})
    assert h.resumed_from == 3 and h.steps == 3


def test_checkpoint_without_recorded_settings_is_refused(tmp_path):
    from pybbdl.gan import save_checkpoint

    x, _ = _data()
    old = _tiny_mlp_gan()
    old.compile()
    old.build_optimizers()
    save_checkpoint(old, tmp_path / "checkpoints", 1)   # no settings, as pybbdl 0.1 wrote them
    with pytest.raises(ValueError, match="records no run settings"):
        train_gan(_tiny_mlp_gan(), x, epochs=1, batch_size=8, out_dir=tmp_path, progress=False)


def test_dp_gan_refuses_sigma_zero_and_infinite_clip_and_accepts_numpy_scalars():
    from pybbdl.gan import make_gan

    with pytest.raises(ValueError, match="dp_noise_multiplier.*must be a finite number > 0"):
        make_gan("mlp", l2_norm_clip=1.0, dp_noise_multiplier=0)        # issue 11 case 6c
    with pytest.raises(ValueError, match="dp_noise_multiplier"):
        _tiny_mlp_gan(l2_norm_clip=1.0, dp_noise_multiplier=-1.0)
    with pytest.raises(ValueError, match="l2_norm_clip.*finite number > 0"):
        _tiny_mlp_gan(l2_norm_clip=float("inf"), dp_noise_multiplier=1.0)  # issue 11 case 6b
    gan = _tiny_mlp_gan(l2_norm_clip=np.float32(1.0), dp_noise_multiplier=np.float32(1.5))
    assert gan.l2_norm_clip == 1.0 and gan.dp_noise_multiplier == 1.5
    with pytest.warns(DeprecationWarning, match="dp_l2_norm_clip"):
        assert _tiny_mlp_gan(dp_l2_norm_clip=2.0, dp_noise_multiplier=1.0).l2_norm_clip == 2.0


def test_dp_microbatches_are_refused_with_poisson_batches_and_nan_losses_stop_dp_training():
    x, _ = _data()
    gan = _tiny_mlp_gan(l2_norm_clip=1.0, dp_noise_multiplier=1.0, dp_num_microbatches=4)
    with pytest.raises(ValueError, match="dp_num_microbatches. needs fixed-size batches.*Poisson"):
        train_gan(gan, x, epochs=1, batch_size=8, progress=False)
    from pybbdl.exceptions import ModelFitError

    gan = _tiny_mlp_gan(l2_norm_clip=1.0, dp_noise_multiplier=1.0)
    gan.compile(d_optimizer=keras.optimizers.SGD(1e30), g_optimizer=keras.optimizers.SGD(1e30))
    with pytest.raises(ModelFitError, match="diverged"):
        train_gan(gan, x, epochs=3, batch_size=8, progress=False)


def test_train_gan_restores_the_op_determinism_setting():
    # issue 12 item 3: a library call must not leave a process-wide TensorFlow setting switched on
    from tensorflow.python.framework import config as tf_config

    x, _ = _data()
    before = tf_config.is_op_determinism_enabled()
    try:
        tf_config.disable_op_determinism()
        train_gan(_tiny_mlp_gan(), x, epochs=1, batch_size=8, progress=False)
        assert not tf_config.is_op_determinism_enabled()
        tf_config.enable_op_determinism()
        train_gan(_tiny_mlp_gan(), x, epochs=1, batch_size=8, progress=False, deterministic=False)
        assert tf_config.is_op_determinism_enabled()
    finally:
        (tf_config.enable_op_determinism if before else tf_config.disable_op_determinism)()


def test_cgan_grid_is_10x10_with_row_r_conditioned_on_digit_r(tmp_path):
    gan = _tiny("cgan")
    images, labels = gan.grid(10, 10, seed=4)
    assert images.shape == (10, 10, *SHAPE) and labels.shape == (10, 10)
    assert (labels == np.arange(10)[:, None]).all()
    z = keras.random.normal((100, 4), seed=4)
    for r in (0, 3, 9):   # each row is exactly what G draws for label r from the same noise
        rows = keras.ops.convert_to_numpy(gan.sampler([z, keras.ops.full((100,), r, "int32")], training=False))
        np.testing.assert_allclose(images[r], rows.reshape(10, 10, *SHAPE)[r], atol=1e-6)
    assert not np.allclose(images[0], images[1])
    with pytest.raises(ValueError, match="one row per class"):
        gan.grid(8, 10)
    mosaic = grid_mosaic(images)
    assert mosaic.shape == (10 * 10 + 2, 10 * 10 + 2) and mosaic.dtype == np.uint8


def test_training_writes_grids_curves_history_and_checkpoints(tmp_path):
    x, y = _data(16)
    train_gan(_tiny("cgan"), x, y, epochs=2, batch_size=8, out_dir=tmp_path, checkpoint_every=3, progress=False)
    for name in ("grid.png", "losses.png", "history.csv", "grids/epoch_001.png", "grids/epoch_002.png"):
        assert (tmp_path / name).stat().st_size > 100, name
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == ["ckpt-00000003.npz", "ckpt-00000004.npz"]


@pytest.mark.parametrize("images, message", [
    (np.full((2, 8, 8), 1.5, np.float32) - np.eye(8, dtype=np.float32) * 3, r"\[0, 1\], \[0, 255\] or \[-1, 1\]"),
    (np.full((2, 8, 8), 300.0), r"\[0, 1\], \[0, 255\] or \[-1, 1\]. Received values in \[300, 300\]"),
    (np.array([[[[-5]]]], np.int64).repeat(8, 1).repeat(8, 2), r"integer pixels must lie in \[0, 255\]"),
    (np.zeros((2, 8, 9)), r"must have shape \(n, 8, 8, 1\)"),
    (np.zeros((2, 63)), r"must have shape"),
    (np.zeros((0, 8, 8)), "at least one image"),
    (np.full((2, 8, 8), np.nan), "finite"),
    (np.full((2, 8, 8), "a"), "numeric"),
])
def test_bad_images_are_refused_with_a_clear_message(images, message):
    with pytest.raises(DataError, match=message):
        check_images(images, image_shape=SHAPE)


def test_image_scales_are_recognised_and_declared_ranges_enforced():
    unit = np.linspace(0, 1, 64, dtype=np.float32).reshape(1, 8, 8)
    raw = (unit * 255).astype(np.uint8)
    for arr in (unit, raw, unit * 2 - 1, raw.astype(np.float64), unit.reshape(1, 64)):
        out = check_images(arr, image_shape=SHAPE)
        assert out.shape == (1, 8, 8, 1) and out.dtype == np.float32
        np.testing.assert_allclose(out.ravel(), unit.ravel() * 2 - 1, atol=2 / 255)
    with pytest.raises(DataError, match=r"declared as unit must lie in \[0, 1\]"):
        check_images(unit * 2 - 1, image_shape=SHAPE, value_range="unit")


def test_bad_labels_and_arguments_are_refused():
    x, y = _data()
    with pytest.raises(DataError, match=r"must lie in 0..9"):
        train_gan(_tiny("cgan"), x, y + 5, progress=False)
    with pytest.raises(DataError, match=r"must have shape \(24,\)"):
        train_gan(_tiny("cgan"), x, y[:5], progress=False)
    with pytest.raises(DataError, match=r"must have shape \(n, 8, 8, 1\)"):
        train_gan(_tiny("mlp"), np.zeros((4, 28, 28)), progress=False)
    with pytest.raises(ValueError, match="batch_size"):
        train_gan(_tiny("mlp"), x, batch_size=100, progress=False)
    with pytest.raises(ValueError, match="label_smoothing"):
        GAN(*build_mlp_gan(4, image_shape=SHAPE, g_units=4, d_units=2), latent_dim=4, label_smoothing=0.7)
    with pytest.raises(ValueError, match="divisible by 4"):
        build_dcgan(4, image_shape=(10, 10, 1))
    with pytest.raises(ValueError, match="BatchNormalization"):
        g, _ = build_dcgan(4, image_shape=SHAPE, filters=2)
        GAN(g, g, latent_dim=4, l2_norm_clip=1.0, dp_noise_multiplier=1.0)   # G has BN: not a DP-able D


def test_maxout_takes_the_max_of_its_pieces_and_round_trips():
    layer = Maxout(2, pieces=3)
    layer.build((None, 2))
    kernel = np.array([[1, 2, 3, -1, -2, -3], [0, 0, 0, 1, 1, 1]], np.float32)
    layer.dense.kernel.assign(kernel)
    out = keras.ops.convert_to_numpy(layer(np.array([[1.0, 10.0]], np.float32)))
    np.testing.assert_allclose(out, [[3.0, 9.0]])   # pieces (1, 2, 3) and (9, 8, 7)
    again = Maxout.from_config(layer.get_config())
    assert (again.units, again.pieces) == (2, 3)


# --------------------------------------------------------------------------- metrics
def test_frechet_distance_is_zero_for_a_set_with_itself_and_grows_with_a_shift():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(500, 6)) @ rng.normal(size=(6, 6))
    assert frechet_distance(a, a) < 1e-8
    shifts = [frechet_distance(a, a + s) for s in (0.5, 1.0, 2.0)]
    np.testing.assert_allclose(shifts, [6 * 0.25, 6 * 1.0, 6 * 4.0], rtol=1e-9)   # |shift|^2, covariances equal


def test_frechet_distance_matches_the_scipy_sqrtm_formula():
    from scipy import linalg

    rng = np.random.default_rng(1)
    a = rng.normal(size=(400, 5)) @ rng.normal(size=(5, 5))
    b = rng.normal(loc=0.3, size=(300, 5)) @ rng.normal(size=(5, 5))
    ca, cb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    ref = ((a.mean(0) - b.mean(0)) ** 2).sum() + np.trace(ca + cb - 2 * linalg.sqrtm(ca @ cb).real)
    assert frechet_distance(a, b) == pytest.approx(ref, rel=1e-7)
    with pytest.raises(DataError, match="same d"):
        frechet_distance(a, b[:, :4])


def test_parzen_matches_the_gaussian_density_in_closed_form():
    from scipy.stats import multivariate_normal

    rng = np.random.default_rng(2)
    mu, x = rng.normal(size=(1, 7)), rng.normal(size=(20, 7))
    ll = parzen_log_likelihood(mu, x, 0.8)
    np.testing.assert_allclose(ll, multivariate_normal(mu[0], 0.64 * np.eye(7)).logpdf(x), rtol=1e-10)
    two = rng.normal(size=(2, 7))
    mix = np.log(0.5 * multivariate_normal(two[0], 0.25 * np.eye(7)).pdf(x)
                 + 0.5 * multivariate_normal(two[1], 0.25 * np.eye(7)).pdf(x))
    np.testing.assert_allclose(parzen_log_likelihood(two, x, 0.5), mix, rtol=1e-9)


def test_parzen_protocol_picks_the_true_bandwidth_and_recovers_the_entropy():
    # one kernel at 0, points ~ N(0, s^2 I): E log p = -d/2 (s^2/sigma^2 + log 2 pi sigma^2), maximal at sigma = s,
    # where it equals minus the differential entropy -d/2 (1 + log 2 pi s^2)
    rng = np.random.default_rng(3)
    d, s = 10, 0.3
    val, test = rng.normal(scale=s, size=(4000, d)), rng.normal(scale=s, size=(4000, d))
    result = parzen_evaluation(np.zeros((1, d)), val, test, sigmas=[0.1, 0.2, 0.3, 0.45, 0.6])
    assert result.sigma == 0.3
    expected = -d / 2 * (1 + math.log(2 * math.pi * s ** 2))
    assert abs(result.mean - expected) < 3 * result.std_error
    assert result.validation[0.3] == max(result.validation.values())
    with pytest.raises(DataError, match="same dimension"):
        parzen_evaluation(np.zeros((1, d)), val[:, :3], test)


@pytest.fixture(scope="module")
def mnist_small():
    if not MNIST.exists():
        pytest.skip(f"real data not available: {MNIST} is absent")
    from pybbdl.data import load_mnist

    (x, y), (xt, yt) = load_mnist(MNIST)
    return x[:3000], y[:3000], xt[:1000], yt[:1000]


def test_classifier_metrics_on_real_digits(tmp_path, mnist_small):
    from pybbdl.gan import class_coverage, fid, label_accuracy, load_classifier, train_mnist_classifier

    x, y, xt, yt = mnist_small
    path = tmp_path / "clf.keras"
    train_mnist_classifier(x, y, epochs=1, batch_size=64, seed=0, path=path, verbose=0)
    clf = load_classifier(path)
    assert label_accuracy(clf, xt, yt) > 0.85
    assert label_accuracy(clf, xt, (yt + 1) % 10) < 0.1
    assert class_coverage(clf, xt).covered == 10 and class_coverage(clf, xt).effective > 9
    ones = class_coverage(clf, xt[yt == 1])
    assert ones.covered <= 2 and ones.effective < 1.5
    assert fid(clf, xt[:500], xt[:500]) < 1e-6
    same = fid(clf, xt[:500], xt[500:])
    assert same < fid(clf, xt[:500], np.clip(xt[500:] + 0.5, -1, 1))          # brightened digits
    assert same < fid(clf, xt[:500], xt[500:][yt[500:] == 1])                  # only ones: a collapsed mode


# --------------------------------------------------------------------------- CLI
def test_cli_gan_quick_run_writes_grid_curves_and_resumes(tmp_path, capsys, mnist_small):
    from pybbdl.cli import main

    argv = ["gan", "--model", "cgan", "--quick", "--data-path", str(MNIST), "--out", str(tmp_path),
            "--checkpoint-every", "5"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "steps: 16" in out and "model: cgan" in out
    for name in ("grid.png", "losses.png", "history.csv", "generator.keras", "summary.json",
                 "checkpoints/ckpt-00000016.npz"):
        assert (tmp_path / name).stat().st_size > 100, name
    from pybbdl.gan import train_mnist_classifier

    x, y, _, _ = mnist_small
    train_mnist_classifier(x[:1000], y[:1000], epochs=1, path=tmp_path / "clf.keras", verbose=0)
    assert main(argv + ["--classifier", str(tmp_path / "clf.keras")]) == 0   # finished: found, not retrained
    out = capsys.readouterr().out
    assert "steps: 16" in out and "fid: " in out and "classes_covered: " in out
    assert 0 <= float(out.split("label_accuracy: ")[1].split()[0]) <= 1


def test_cli_gan_reports_bad_input_without_traceback(tmp_path, capsys):
    from pybbdl.cli import main

    assert main(["gan", "--data-path", str(tmp_path / "nowhere"), "--out", str(tmp_path)]) == 2
    assert "pybbdl gan: error: MNIST folder" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["gan", "--data-path", str(tmp_path / "empty"), "--out", str(tmp_path)]) == 2
    assert "train-images-idx3-ubyte[.gz] is missing" in capsys.readouterr().err


# --------------------------------------------------------------------------- DP-GAN
def _tiny_cgan_no_dropout(**dp):
    keras.utils.set_random_seed(0)
    g, d = build_cgan(4, num_classes=10, image_shape=SHAPE, embed_dim=3, g_units=(16,), d_units=(12, 8), dropout=0.0)
    sigma = dp.pop("dp_noise_multiplier", None)
    gan = GAN(g, d, latent_dim=4, num_classes=10, seed=3, dp_noise_multiplier=sigma if sigma != 0 else 1.0, **dp)
    if sigma == 0:   # a test of the mechanics only: the public API refuses sigma = 0
        gan.dp_noise_multiplier = 0.0
    return gan


def test_dp_discriminator_without_clipping_or_noise_equals_the_plain_step():
    # each (real, fake) pair is one microbatch whose loss is the pair's mean: with a huge clip and no noise the
    # DP gradient (sum over the batch / expected batch size 8) is exactly half the plain one on a batch of 8,
    # so SGD with twice the rate must land on the same weights. (train_gan draws other batches with DP:
    # Poisson samples; the D step itself is compared here.)
    x, y = _data(8)
    batch = (keras.ops.convert_to_tensor(x), keras.ops.convert_to_tensor(y))
    plain = _tiny_cgan_no_dropout()
    plain.compile(d_optimizer=keras.optimizers.SGD(0.05), g_optimizer=keras.optimizers.SGD(0.05))
    private = _tiny_cgan_no_dropout(l2_norm_clip=1e6, dp_noise_multiplier=0.0)
    private.compile(d_optimizer=keras.optimizers.SGD(0.1), g_optimizer=keras.optimizers.SGD(0.05))
    for gan in (plain, private):
        gan.build_optimizers()
    logs_plain = plain.d_step(batch)
    logs_private = private.d_step(batch, None, 8.0)
    np.testing.assert_allclose(float(logs_plain["d_loss"]), float(logs_private["d_loss"]), rtol=1e-5)
    for a, b in zip(plain.variables, private.variables):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-6, err_msg=a.path)


def test_dp_clipping_bounds_each_examples_influence_and_noise_is_seeded():
    x, y = _data(8)
    runs = []
    for seed in (0, 0, 1):
        gan = _tiny_cgan_no_dropout(l2_norm_clip=1e-3, dp_noise_multiplier=0.0)
        gan.compile(d_optimizer=keras.optimizers.SGD(1.0), g_optimizer=keras.optimizers.SGD(0.0))
        before = [v.numpy().copy() for v in gan.discriminator.trainable_variables]
        train_gan(gan, x, y, epochs=1, batch_size=8, progress=False)
        step = np.sqrt(sum(((v.numpy() - b) ** 2).sum() for v, b in zip(gan.discriminator.trainable_variables,
                                                                          before)))
        runs.append(step)
    # mean of 8 clipped gradients: the update norm is at most the clip norm, and here it binds
    assert runs[0] <= 1e-3 * (1 + 1e-5) and runs[0] > 1e-4
    noisy = []
    for seed in (5, 5, 6):
        keras.utils.set_random_seed(0)
        g, d = build_cgan(4, num_classes=10, image_shape=SHAPE, embed_dim=3, g_units=(16,), d_units=(12, 8))
        gan = GAN(g, d, latent_dim=4, num_classes=10, seed=seed, l2_norm_clip=1.0, dp_noise_multiplier=1.0)
        train_gan(gan, x, y, epochs=1, batch_size=8, progress=False)
        noisy.append(gan.discriminator.trainable_variables[0].numpy())
    np.testing.assert_array_equal(noisy[0], noisy[1])
    assert not np.allclose(noisy[0], noisy[2])


def test_cli_gan_dp_reports_epsilon(tmp_path, capsys, mnist_small):
    from pybbdl.cli import main

    assert main(["gan", "--model", "mlp", "--quick", "--dp", "--target-epsilon", "5", "--data-path", str(MNIST),
                 "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "DP-SGD privacy statement" in out
    eps = float(out.split("epsilon: ")[1].split()[0])
    assert 4.5 < eps <= 5.0


def test_a_file_that_is_not_a_classifier_is_refused_before_training(tmp_path, capsys):
    """QA: `gan --classifier some.csv` trained the whole GAN, then died with Keras' ValueError traceback."""
    from pybbdl.cli import main
    from pybbdl.exceptions import DataError
    from pybbdl.workflows.gan import gan_train

    not_keras = tmp_path / "series.csv"
    not_keras.write_text("date,y\n2000-01-01,1\n")
    not_classifier = tmp_path / "generator.keras"
    keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]).save(not_classifier)
    images = np.zeros((8, 28, 28), dtype="float32")
    for path, match in ((not_keras, "which Keras cannot load"), (not_classifier, "without its 'features' layer")):
        out = tmp_path / f"out_{path.stem}"
        with pytest.raises(DataError, match=match):
            gan_train("mlp", images=images, epochs=1, batch_size=4, classifier=path, out_dir=out, progress=False)
        assert not out.exists()   # refused before the output folder, so before training
    assert main(["gan", "--model", "mlp", "--data-path", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o"),
                 "--classifier", str(not_keras)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pybbdl gan: error: `classifier` must be a .keras file") and len(err.splitlines()) == 1


@pytest.mark.parametrize("given", [{"delta": 1e-6}, {"l2_norm_clip": 2.0}, {"target_epsilon": 3.0}])
def test_dp_settings_without_dp_are_refused_not_ignored(tmp_path, capsys, given):
    """QA: `gan --l2-norm-clip 2` or `--delta 1e-6` without --dp ran with rc 0 and ignored them."""
    from pybbdl.cli import main
    from pybbdl.exceptions import ArgumentError
    from pybbdl.workflows.gan import gan_train

    (name, value), = given.items()
    with pytest.raises(ArgumentError, match=f"`{name}` applies to DP training only"):
        gan_train("mlp", images=np.zeros((8, 28, 28), dtype="float32"), epochs=1, batch_size=4, out_dir=None,
                  progress=False, **given)
    flag = "--" + name.replace("_", "-")
    assert main(["gan", "--model", "mlp", "--data-path", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o"),
                 flag, str(value)]) == 2
    assert f"`{name}` applies to DP training only" in capsys.readouterr().err
