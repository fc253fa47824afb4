"""The DP-GAN's exact accounting (issue 15 items 1-2): Poisson-sampled discriminator batches, a ledger of every
discriminator step, its epsilon equal to dp-accounting's for those steps, and n_d_steps D steps per G step."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from pybbdl.gan import GAN, build_cgan, build_mlp_gan, train_gan  # noqa: E402
from pybbdl.gan.training import checkpoint_privacy  # noqa: E402
from pybbdl.privacy.accounting import RDP_ORDERS  # noqa: E402

SHAPE = (8, 8, 1)


def _cgan(seed=3, **dp):
    keras.utils.set_random_seed(0)
    g, d = build_cgan(4, num_classes=10, image_shape=SHAPE, embed_dim=3, g_units=(16,), d_units=(12, 8), dropout=0.0)
    return GAN(g, d, latent_dim=4, num_classes=10, seed=seed, **dp)


def _data(n, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, (n, *SHAPE)).astype(np.float32), rng.integers(0, 10, n)


def _accountant(n, batch_size, sigma, steps, delta):
    """dp-accounting directly: a Poisson-sampled Gaussian composed over `steps`, RDP with tf-privacy's orders."""
    import dp_accounting

    event = dp_accounting.SelfComposedDpEvent(
        dp_accounting.PoissonSampledDpEvent(batch_size / n, dp_accounting.GaussianDpEvent(sigma)), steps)
    acc = dp_accounting.rdp.RdpAccountant(list(RDP_ORDERS))
    acc.compose(event)
    return acc.get_epsilon(delta)


def test_dp_gan_ledger_epsilon_equals_the_accountant_for_the_d_steps_that_ran(tmp_path):
    x, y = _data(40)
    gan = _cgan(l2_norm_clip=1.0, dp_noise_multiplier=1.2)
    # 40 images, batches of 8: an epoch is 5 D steps = 5 // 3 = 1 G step of 3 D steps; 3 epochs = 9 D steps
    history = train_gan(gan, x, y, epochs=3, batch_size=8, seed=4, n_d_steps=3, delta=1e-3, progress=False,
                        out_dir=tmp_path, checkpoint_every=1, keep_checkpoints=None, grids=False)
    assert history.steps == 3 and history.d_steps == 9
    assert int(gan.d_optimizer.iterations) == 9 and int(gan.g_optimizer.iterations) == 3
    ledger = history.privacy
    assert ledger["d_steps"] == 9 and ledger["sampling"] == "poisson" and ledger["batch_size"] == 8
    assert ledger["epsilon"] == pytest.approx(_accountant(40, 8, 1.2, 9, 1e-3), rel=1e-12)
    # every checkpoint states the epsilon of the D steps before it
    for step in (1, 2, 3):
        saved = checkpoint_privacy(tmp_path / "checkpoints" / f"ckpt-{step:08d}.npz")
        assert saved["d_steps"] == 3 * step
        assert saved["epsilon"] == pytest.approx(_accountant(40, 8, 1.2, 3 * step, 1e-3), rel=1e-12)


def test_dp_gan_real_batches_are_poisson_draws_and_empty_draws_are_pure_noise_steps():
    x, y = _data(60)
    gan = _cgan(l2_norm_clip=1.0, dp_noise_multiplier=1.0)
    # q = 6 / 60 = 0.1: batch sizes are Binomial(60, 0.1) (mean 6, variance 5.4), not a fixed 6
    history = train_gan(gan, x, y, epochs=4, batch_size=6, seed=2, n_d_steps=1, progress=False)
    sizes = np.asarray(history.d_batch_sizes)
    assert len(sizes) == 40 and len(set(sizes.tolist())) >= 4
    assert abs(sizes.mean() - 6) < 1.5 and 2 < sizes.var() < 12
    # q = 1 / 30 over 30 images: P(empty) = 0.36, so some draws are empty; those steps still run (noise only)
    gan = _cgan(l2_norm_clip=1.0, dp_noise_multiplier=1.0)
    history = train_gan(gan, x[:30], y[:30], epochs=1, batch_size=1, seed=0, progress=False, max_steps=10)
    assert 0 in history.d_batch_sizes and history.d_steps == 10 == int(gan.d_optimizer.iterations)
    assert all(np.isfinite(v).all() for v in history.losses.values())


def test_n_d_steps_takes_k_discriminator_steps_per_generator_step_without_dp_too():
    x, y = _data(48)
    for k in (1, 4):
        gan = _cgan()
        history = train_gan(gan, x, y, epochs=2, batch_size=6, n_d_steps=k, progress=False)
        # an epoch is 48 // 6 = 8 D steps = 8 // k G steps
        assert history.steps == 2 * (8 // k) and history.d_steps == 16 == int(gan.d_optimizer.iterations)
        assert int(gan.g_optimizer.iterations) == history.steps
        assert history.privacy is None and set(history.d_batch_sizes) == {6}
    with pytest.raises(ValueError, match="n_d_steps"):
        train_gan(_cgan(), x, y, epochs=1, batch_size=6, n_d_steps=0, progress=False)
    with pytest.raises(ValueError, match="delta. applies to a DP-GAN only"):
        train_gan(_cgan(), x, y, epochs=1, batch_size=6, delta=1e-5, progress=False)


def test_dp_gan_resume_continues_the_poisson_draws_and_the_ledger(tmp_path):
    x, y = _data(24)
    full = _cgan(l2_norm_clip=1.0, dp_noise_multiplier=1.1)
    h_full = train_gan(full, x, y, epochs=3, batch_size=4, seed=1, n_d_steps=2, out_dir=tmp_path / "a",
                       checkpoint_every=2, progress=False, grids=False)
    part = _cgan(l2_norm_clip=1.0, dp_noise_multiplier=1.1)
    train_gan(part, x, y, epochs=3, batch_size=4, seed=1, n_d_steps=2, out_dir=tmp_path / "b", checkpoint_every=2,
              max_steps=4, progress=False, grids=False)
    resumed = _cgan(seed=3, l2_norm_clip=1.0, dp_noise_multiplier=1.1)
    h_res = train_gan(resumed, x, y, epochs=3, batch_size=4, seed=1, n_d_steps=2, out_dir=tmp_path / "b",
                      checkpoint_every=2, progress=False, grids=False)
    assert h_res.resumed_from == 4 and h_res.d_batch_sizes == h_full.d_batch_sizes
    assert h_res.privacy == h_full.privacy
    for a, b in zip(full.variables, resumed.variables):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=0, atol=1e-6, err_msg=a.path)
    with pytest.raises(ValueError, match="n_d_steps: checkpoint 2, now 3"):
        train_gan(_cgan(l2_norm_clip=1.0, dp_noise_multiplier=1.1), x, y, epochs=3, batch_size=4, seed=1,
                  n_d_steps=3, out_dir=tmp_path / "b", progress=False, grids=False)


def test_gan_workflow_states_the_accountants_epsilon_for_the_d_steps_that_ran(tmp_path):
    from pybbdl.privacy import calibrate_noise
    from pybbdl.workflows.gan import gan_train

    rng = np.random.default_rng(0)
    images = rng.uniform(0, 1, (64, 28, 28)).astype(np.float32)
    run = gan_train("mlp", images=images, epochs=1, batch_size=16, d_steps=2, dp=True, target_epsilon=8.0,
                    delta=1e-3, seed=0, out_dir=None, progress=False)
    s = run.settings
    # 64 // 16 = 4 D steps per epoch = 2 G steps of 2 D steps; sigma calibrated for those 4 D steps
    assert s["steps"] == 2 and s["d_steps"] == 2 and s["d_steps_run"] == 4 and s["sampling"] == "poisson"
    assert s["noise_multiplier"] == calibrate_noise(64, 16, 8.0, 1e-3, steps=4).noise_multiplier
    assert s["epsilon"] == pytest.approx(_accountant(64, 16, s["noise_multiplier"], 4, 1e-3), rel=1e-12)
    assert s["epsilon"] <= 8.0
    assert "(4 steps)" in run.statement and "Sampling: Poisson" in run.statement
    assert run.summary()["discriminator_steps"] == 4


def test_cli_gan_has_d_steps(tmp_path, capsys):
    from pybbdl.cli import main

    assert main(["gan", "--d-steps", "0", "--out", str(tmp_path)]) == 2
    assert "d_steps" in capsys.readouterr().err


def test_unconditional_dp_gan_runs_poisson_d_steps():
    # the plain MLP GAN (Maxout D) runs the DP step on Poisson batches too
    keras.utils.set_random_seed(0)
    g, d = build_mlp_gan(4, image_shape=SHAPE, g_units=16, d_units=6, pieces=2)
    gan = GAN(g, d, latent_dim=4, seed=1, l2_norm_clip=1.0, dp_noise_multiplier=1.0)
    x, _ = _data(16)
    history = train_gan(gan, x, epochs=1, batch_size=4, n_d_steps=2, progress=False)
    assert history.d_steps == 4 and history.privacy["d_steps"] == 4


# ------------------------------------------------------------------------- one sigma calibration for every door
def test_cli_epsilon_command_calibrates_with_calibrate_noise(capsys, monkeypatch):
    from pybbdl.cli import main
    from pybbdl.privacy import accounting, calibrate_noise

    expected = calibrate_noise(60000, 256, 2.0, 1e-5, epochs=30)
    calls = []
    original = accounting.calibrate_noise

    def recording(*args, **kwargs):
        calls.append((args, kwargs))
        return original(*args, **kwargs)

    monkeypatch.setattr(accounting, "calibrate_noise", recording)
    import pybbdl.privacy

    monkeypatch.setattr(pybbdl.privacy, "calibrate_noise", recording)
    assert main(["privacy", "epsilon", "--n", "60000", "--batch-size", "256", "--epochs", "30",
                 "--target-epsilon", "2"]) == 0
    assert len(calls) == 1
    assert f"sigma = {expected.noise_multiplier:.4f} reaches epsilon <= 2.0" in capsys.readouterr().out
    assert main(["privacy", "epsilon", "--n", "60000", "--batch-size", "256", "--epochs", "30",
                 "--target-epsilon", "2", "--microbatching"]) == 0
    assert f"sigma = {2 * expected.noise_multiplier:.4f}" in capsys.readouterr().out
