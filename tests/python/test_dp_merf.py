"""DP-MERF (issue 23): the sensitivity bound on adversarial neighbouring datasets, the stated epsilon equals the
accountant's for the release that ran, bad input refused before any work, the downstream table, and the doors
(gan_train(method="merf"), the CLI). Tiny data and few features: seconds."""

import math

import numpy as np
import pytest
from conftest import SHARED_DATA

pytest.importorskip("keras")

from pybbdl.exceptions import ArgumentError  # noqa: E402
from pybbdl.gan import merf  # noqa: E402
from pybbdl.gan.merf import (embedding_sensitivity, mean_embedding, release_embedding, rff_features,  # noqa: E402
                             rff_frequencies)
from pybbdl.privacy.accounting import gaussian_release_epsilon, gaussian_release_noise_multiplier  # noqa: E402

MNIST = SHARED_DATA / "mnist"
LS = math.sqrt(105.0)


def _data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 1, (n, 28, 28)).astype(np.float32), np.arange(n) % 10


def _emb(x, y, freqs):
    return mean_embedding(x.reshape(len(x), -1), y, freqs)


# ----------------------------------------------------------------------------------------------- sensitivity
def test_features_have_unit_norm():
    freqs = rff_frequencies(64, LS, seed=3)
    x, _ = _data(30)
    np.testing.assert_allclose(np.linalg.norm(rff_features(x.reshape(30, -1), freqs), axis=1), 1.0, rtol=1e-12)


@pytest.mark.parametrize("features", [8, 32, 64])
def test_sensitivity_bound_holds_and_is_attained_on_adversarial_neighbours(features):
    """Replace-one neighbours: D and D' share n - 1 records; the replaced record is chosen adversarially.
    Same label: x' - x solves W d = pi (every frequency's phase flipped, phi(x') = -phi(x)), inside [0, 1]^784:
    the change of the embedding is 2/n, the bound. Different labels: exactly sqrt(2)/n."""
    n = 17
    freqs = rff_frequencies(features, LS, seed=features)
    x, y = _data(n, seed=1)
    bound = embedding_sensitivity(n)
    assert bound == pytest.approx(2 / n, rel=1e-15)
    w = freqs.astype(np.float64)
    d = np.linalg.pinv(w) @ np.full(w.shape[0], math.pi)          # minimum-norm solution of W d = pi
    assert np.abs(d).max() <= 1.0                                  # x = 0.5 + d/2, x' = 0.5 - d/2 are valid images
    x1, x2 = x.copy(), x.copy()
    x1[0] = (0.5 + d / 2).reshape(28, 28)
    x2[0] = (0.5 - d / 2).reshape(28, 28)
    same = np.linalg.norm(_emb(x1, y, freqs) - _emb(x2, y, freqs))
    assert same <= bound * (1 + 1e-6)
    assert same >= 0.999 * bound                                   # nearly attained (float32 projections)
    y2 = y.copy()
    y2[0] = (y[0] + 1) % 10                                        # a different label: orthogonal columns
    other = np.linalg.norm(_emb(x1, y, freqs) - _emb(x2, y2, freqs))
    assert other == pytest.approx(math.sqrt(2) / n, rel=1e-5)
    # projected gradient ascent on the replaced record (random starts, both labels) never exceeds the bound
    rng = np.random.default_rng(7)
    for _ in range(5):
        a, b = rng.uniform(0, 1, 784), rng.uniform(0, 1, 784)
        for _ in range(200):
            proj = w @ (a - b)
            grad = (2 / w.shape[0]) * (np.sin(proj) @ w)           # d/d(a-b) of ||phi(a) - phi(b)||^2
            a = np.clip(a + 5.0 * grad, 0, 1)
            b = np.clip(b - 5.0 * grad, 0, 1)
        for label in (y[0], (y[0] + 3) % 10):
            xa, xb, yb = x.copy(), x.copy(), y.copy()
            xa[0], xb[0], yb[0] = a.reshape(28, 28), b.reshape(28, 28), label
            assert np.linalg.norm(_emb(xa, y, freqs) - _emb(xb, yb, freqs)) <= bound * (1 + 1e-6)


def test_release_noise_has_the_calibrated_scale():
    x, y = _data(50)
    freqs = rff_frequencies(2000, LS, seed=2)
    rel = release_embedding(x.reshape(50, -1), y, freqs, noise_multiplier=3.0, delta=1e-5, seed=4)
    noise = rel.embedding - _emb(x, y, freqs)
    assert noise.shape == (2000, 10)
    assert np.std(noise) == pytest.approx(3.0 * 2 / 50, rel=0.03)
    assert rel.sensitivity == 2 / 50


# ----------------------------------------------------------------------------------------------- accounting
def test_gaussian_release_epsilon_matches_the_analytic_gaussian_mechanism():
    from pybbdl.privacy import gaussian_sigma

    for eps in (1.0, 3.0):
        sigma = gaussian_release_noise_multiplier(eps, 1e-5)
        assert gaussian_release_epsilon(sigma, 1e-5) <= eps
        assert sigma == pytest.approx(gaussian_sigma(1.0, eps, 1e-5), rel=2e-4)   # PLD is tight for one release
    rdp = gaussian_release_noise_multiplier(1.0, 1e-5, accountant="rdp")
    assert gaussian_release_epsilon(rdp, 1e-5, accountant="rdp") <= 1.0 < gaussian_release_epsilon(
        rdp * 0.999, 1e-5, accountant="rdp")


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), "ten"])
def test_gaussian_release_refuses_bad_epsilon(bad):
    with pytest.raises(ArgumentError, match="target_epsilon"):
        gaussian_release_noise_multiplier(bad, 1e-5)


def test_stated_epsilon_equals_the_accountants_for_the_release_that_ran(monkeypatch):
    from pybbdl.workflows.merf import merf_train

    seen = {}
    real = merf.release_embedding

    def spy(*args, **kwargs):
        out = real(*args, **kwargs)
        seen["sigma"], seen["delta"], seen["n"] = kwargs["noise_multiplier"], kwargs["delta"], len(args[0])
        return out

    monkeypatch.setattr(merf, "release_embedding", spy)
    x, y = _data(60)
    run = merf_train(images=x, labels=y, target_epsilon=2.0, delta=1e-3, features=32, batch_size=20, epochs=1,
                     downstream=None, out_dir=None, progress=False)
    s = run.settings
    assert seen == {"sigma": s["noise_multiplier"], "delta": 1e-3, "n": 60}
    assert s["epsilon"] == pytest.approx(gaussian_release_epsilon(seen["sigma"], seen["delta"]), rel=1e-9)
    assert s["epsilon"] <= 2.0
    assert s["sensitivity"] == 2 / 60 and s["adjacency"] == "replace-one"
    assert f"epsilon = {s['epsilon']:.4f}" in run.statement and "replace-one" in run.statement
    assert run.grid.shape == (10, 10, 28, 28, 1) and run.downstream is None
    assert list(run.table.columns) == ["step", "epoch", "metric", "value"] and len(run.table) == 3


# ----------------------------------------------------------------------------------------------- refusals
@pytest.mark.parametrize("kwargs, match", [
    ({"target_epsilon": 0}, "target_epsilon"), ({"target_epsilon": -1}, "target_epsilon"),
    ({"delta": 1.0}, "delta"), ({"delta": 0}, "delta"), ({"features": 7}, "even"),
    ({"features": 10**9}, "fit in memory"), ({"length_scale": 0}, "length_scale"),
    ({"downstream": ("svm",)}, "classifiers")])
def test_bad_input_refused_before_data_are_read(kwargs, match, tmp_path):
    from pybbdl.workflows.merf import merf_train

    with pytest.raises(ArgumentError, match=match):   # the folder does not exist: no data read, nothing built
        merf_train(tmp_path / "no-such-mnist", out_dir=None, progress=False, **kwargs)


def test_delta_at_or_above_one_over_n_refused_before_the_release(monkeypatch):
    from pybbdl.workflows.merf import merf_train

    def boom(*a, **k):
        raise AssertionError("the data were touched")

    monkeypatch.setattr(merf, "mean_embedding", boom)
    x, y = _data(40)
    with pytest.raises(ArgumentError, match="1/n"):
        merf_train(images=x, labels=y, delta=1 / 40, features=16, downstream=None, out_dir=None, progress=False)


def test_feature_memory_check_uses_the_limit():
    assert merf.check_merf_arguments(10_000, LS, 100, 5, 0.01, 10, 1e-5)["features"] == 10_000
    with pytest.raises(ArgumentError, match="fit in memory"):
        merf.check_merf_arguments(10_000, LS, 100, 5, 0.01, 10, 1e-5, memory_limit=10**6)


def test_gan_train_door_and_its_refusals():
    from pybbdl.workflows.gan import gan_train
    from pybbdl.workflows.merf import MerfRun

    x, y = _data(60)
    run = gan_train(method="merf", images=x, labels=y, target_epsilon=1.0, delta=1e-3, features=32, batch_size=30,
                    epochs=1, downstream=(), out_dir=None, progress=False)
    assert isinstance(run, MerfRun) and run.settings["method"] == "merf" and run.settings["epsilon"] <= 1.0
    assert run.summary()["epsilon"] == run.settings["epsilon"]
    for kwargs, match in (({"dp": True}, "dp"), ({"model": "mlp"}, "model"), ({"d_steps": 5}, "d_steps"),
                          ({"l2_norm_clip": 1.0}, "l2_norm_clip"), ({"latent_dim": 5}, "latent_dim")):
        with pytest.raises(ArgumentError, match=match):
            gan_train(method="merf", images=x, labels=y, out_dir=None, **kwargs)
    with pytest.raises(ArgumentError, match="method"):
        gan_train(method="sinkhorn", images=x, labels=y, out_dir=None)
    with pytest.raises(ArgumentError, match="features"):
        gan_train("mlp", images=x, features=100, out_dir=None)


def test_cli_merf_refuses_bad_epsilon_with_exit_2(capsys):
    from pybbdl.cli import main

    assert main(["gan", "--method", "merf", "--target-epsilon", "0", "--out", "unused"]) == 2
    assert "target_epsilon" in capsys.readouterr().err
    assert main(["gan", "--method", "merf", "--dp", "--out", "unused"]) == 2
    assert "dp" in capsys.readouterr().err


# ----------------------------------------------------------------------------------------------- downstream
def test_downstream_accuracy_table():
    from pybbdl.gan.downstream import DOWNSTREAM_COLUMNS, downstream_accuracy

    rng = np.random.default_rng(0)
    y = np.arange(200) % 10
    x = rng.uniform(0, 0.2, (200, 28, 28)).astype(np.float32)
    x[np.arange(200), y, :] = 1.0                       # digit k = a bright row k: learnable
    table = downstream_accuracy(x, y, x[:50], y[:50], seed=1, epochs={"logreg": 1, "mlp": 4, "cnn": 1})
    assert list(table.columns) == list(DOWNSTREAM_COLUMNS)
    assert list(table["classifier"]) == ["logreg", "mlp", "cnn"]
    assert table["accuracy"].between(0, 1).all() and table["accuracy"].max() > 0.5
    with pytest.raises(ArgumentError, match="classifiers"):
        downstream_accuracy(x, y, x, y, classifiers=("forest",))


@pytest.mark.skipif(not MNIST.is_dir(), reason="MNIST not in the shared data folder")
def test_quick_run_on_mnist_writes_its_files(tmp_path):
    from pybbdl.workflows.merf import merf_train

    run = merf_train(MNIST, quick=True, features=200, downstream=("logreg",), out_dir=tmp_path, progress=False)
    assert run.settings["n"] == 2048 and run.downstream.shape[0] == 1
    for name in ("grid.png", "downstream.csv", "summary.json", "statement.txt", "manifest.json", "generator.keras"):
        assert (tmp_path / name).is_file(), name


def test_one_set_of_defaults():
    import inspect

    from pybbdl.gan.merf import MERF_DEFAULTS, train_merf
    from pybbdl.workflows.merf import MERF_WORKFLOW_DEFAULTS, merf_train

    for func, table in ((merf_train, MERF_WORKFLOW_DEFAULTS), (train_merf, MERF_DEFAULTS)):
        params = inspect.signature(func).parameters
        for name, value in table.items():
            if name in params:
                assert params[name].default == value, (func.__name__, name)
