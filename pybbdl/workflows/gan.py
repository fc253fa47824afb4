"""GAN / DP-GAN training on MNIST-shaped images: :func:`gan_train`.

The CLI (``pybbdl gan``) and R's ``train_gan()`` call this function and nothing else. With ``dp=True`` the
discriminator's real batches are Poisson draws (expected size ``batch_size``), the noise multiplier comes from
:func:`pybbdl.privacy.calibrate_noise` for the discriminator steps that will run,
``gan_steps_per_epoch(n, batch_size, d_steps) * d_steps * epochs``, and the stated epsilon is the accountant's
for the D steps that did run (the training ledger, :attr:`pybbdl.gan.TrainingHistory.privacy`): exact, not
the shuffled-batch approximation. Every argument is checked before data is read or a model is built (an
unwritable ``out_dir`` and a missing ``classifier`` file included).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from pybbdl._validation import check_positive_int, check_seed
from pybbdl.exceptions import ArgumentError, ArgumentTypeError
from pybbdl.workflows.gan_run import GanRun  # noqa: F401 - importable from here, as in 0.2

#: Default epochs per model (when `epochs` is None) and the images of a ``quick`` run.
GAN_EPOCHS = {"mlp": 20, "dcgan": 5, "cgan": 30}
GAN_QUICK_IMAGES = 2048
#: Training images of MNIST: the `n` an argument check assumes before the files are read.
MNIST_TRAIN_IMAGES = 60_000
#: The defaults of :func:`gan_train` (shown by the CLI's --help, the README and R's docs).
GAN_DEFAULTS = {"model": "cgan", "epochs": None, "batch_size": 128, "latent_dim": 100, "label_smoothing": 0.1,
                "seed": 1, "checkpoint_every": None, "dp": False, "d_steps": 1, "target_epsilon": None, "delta": None,
                "l2_norm_clip": None, "ema_decay": None, "quick": False, "limit": None, "deterministic": True,
                "out_dir": "results/gan"}
#: The target epsilon, delta and clipping norm C of a DP-GAN when none is given (None = these with `dp`;
#: given without `dp` they are refused, since nothing would use them).
DP_TARGET_EPSILON = 10.0
DP_DELTA = 1e-5
DP_L2_NORM_CLIP = 1.0
GAN_METRICS = ("d_loss", "g_loss", "d_real", "d_fake")


def _check_steps(n: int, batch_size: int, d_steps: int) -> None:
    """An epoch is ``n // batch_size`` discriminator steps and at least one generator step: refuse a
    `batch_size` above `n` and a `d_steps` above an epoch's D steps (G3: `--quick --d-steps 1000` made one
    "epoch" 62.5 passes over the data and 0 generator steps by the README's formula)."""
    if batch_size > n:
        raise ArgumentError(f"`batch_size` must be <= the number of images, {n}. Received: batch_size={batch_size}")
    per_epoch = n // batch_size
    if d_steps > per_epoch:
        raise ArgumentError(f"`d_steps` must be <= {per_epoch} (an epoch is {n} // {batch_size} = {per_epoch} "
                            f"discriminator steps, and each generator step takes d_steps of them), so that an "
                            f"epoch is one pass over the data. Received: d_steps={d_steps}; lower it, or use "
                            "more images or a smaller batch_size")


def _finite(name, value, *, lower=None, upper=None, lower_open=True, none_ok=False):
    from pybbdl.workflows.privacy import _number

    return _number(name, value, lower=lower, upper=upper, lower_open=lower_open, none_ok=none_ok)


def gan_train(model: str = "cgan", data_path: str | os.PathLike | None = None, *, images=None, labels=None,
              epochs: int | None = None, batch_size: int | None = None, latent_dim: int = 100, label_smoothing: float = 0.1,
              seed: int = 1, checkpoint_every: int | None = None, dp: bool = False, d_steps: int = 1,
              target_epsilon: float | None = None,
              delta: float | None = None, l2_norm_clip: float | None = None, ema_decay: float | None = None,
              classifier: str | os.PathLike | None = None, quick: bool = False, limit: int | None = None,
              deterministic: bool = True, out_dir: str | os.PathLike | None = "results/gan",
              progress: bool = True, method: str = "gan", features: int | None = None,
              length_scale: float | None = None, learning_rate: float | None = None,
              downstream=None) -> GanRun:
    """Train a GAN on MNIST (or on given images) and return a :class:`GanRun`.

    ``method="merf"`` trains DP-MERF instead (:func:`pybbdl.workflows.merf.merf_train`: one Gaussian release of
    the data's mean embedding, then a generator; returns a :class:`~pybbdl.workflows.merf.MerfRun`); it takes
    `target_epsilon`, `delta`, `epochs`, `batch_size`, `seed`, `features`, `length_scale`, `learning_rate`,
    `downstream` (classifiers for the downstream table, default all three; ``()`` skips), `quick`, `limit` and
    `out_dir`, and refuses the GAN-only settings.

    Args:
        model: ``"cgan"`` (conditional: rows of the grid = digits 0-9), ``"mlp"`` (Goodfellow et al. 2014) or
            ``"dcgan"``.
        data_path: Folder with the four MNIST IDX files (None: download once into the cache); not read when
            `images` is given.
        images, labels: Train on these instead of MNIST (``(n, 28, 28[, 1])`` in [-1, 1], [0, 1] or [0, 255];
            integer labels 0-9, needed by ``"cgan"``).
        epochs: Passes over the data, >= 1; None = the model's default (:data:`GAN_EPOCHS`; 1 with `quick`).
        batch_size: Images per discriminator step (with DP the expected size of its Poisson draws); an epoch is
            ``n // batch_size`` discriminator steps.
        d_steps: Discriminator steps per generator step (Bie, Kamath & Zhang 2023: several restore the balance
            that DP noise in D upsets; they use 50 on MNIST at epsilon 10), at most ``n // batch_size`` (an
            epoch's D steps, so that an epoch stays one pass over the data). With DP every one is accounted for.
        latent_dim, label_smoothing, ema_decay: See :class:`~pybbdl.gan.GAN`.
        seed: Seeds the weights, the noise, the DP noise and the batch order.
        checkpoint_every: Steps between checkpoints (default one epoch); needs `out_dir`. A rerun with the same
            `out_dir` resumes from the newest checkpoint when its recorded settings match, and is refused
            otherwise.
        dp: Train the discriminator with DP-SGD on Poisson-sampled batches, sigma calibrated for `target_epsilon` at
            `delta` over the D steps that will run (:func:`~pybbdl.privacy.calibrate_noise`), clipping norm
            `l2_norm_clip`. With DP, None
            means 10, 1e-5 and 1.0; without `dp` the three are refused (nothing would use them).
        classifier: A classifier saved by :func:`pybbdl.gan.train_mnist_classifier`: adds FID, class coverage and
            (cgan) label accuracy on 10,000 samples (1,000 with `quick`) against the MNIST test images.
        quick: 1 epoch on the first 2,048 images, a smoke run.
        limit: Train on the first `limit` images only.
        deterministic: Run TensorFlow ops deterministically during training (restored afterwards).
        out_dir: Folder for checkpoints, grids, loss curves, the table and a manifest (checked for writability
            before training); None writes nothing and keeps no checkpoints.
        progress: Show a progress bar.
    """
    from pybbdl.outputs import prepare_output_dir, versions

    if method != "gan":   # DP-MERF (or a refusal of an unknown method) before any GAN check
        from pybbdl.workflows.merf import merf_from_gan_arguments

        return merf_from_gan_arguments(dict(locals()))
    for name, value in (("features", features), ("length_scale", length_scale), ("learning_rate", learning_rate),
                        ("downstream", downstream)):
        if value is not None:
            raise ArgumentError(f"`{name}` applies to method='merf' only. Received: {name}={value!r}, "
                                f"method={method!r}")
    batch_size = GAN_DEFAULTS["batch_size"] if batch_size is None else batch_size
    if model not in GAN_EPOCHS:
        raise ArgumentError(f"`model` must be one of {sorted(GAN_EPOCHS)}. Received: model={model!r}")
    if quick and epochs is not None:
        raise ArgumentError(f"`quick` trains 1 epoch: give `quick` or `epochs`, not both. Received: epochs={epochs}")
    epochs = 1 if quick else GAN_EPOCHS[model] if epochs is None else check_positive_int("epochs", epochs)
    batch_size = check_positive_int("batch_size", batch_size)
    d_steps = check_positive_int("d_steps", d_steps)
    latent_dim = check_positive_int("latent_dim", latent_dim)
    seed = check_seed("seed", seed)
    label_smoothing = _finite("label_smoothing", label_smoothing, lower=0, upper=0.5, lower_open=False)
    ema_decay = _finite("ema_decay", ema_decay, lower=0, upper=1, none_ok=True)
    if checkpoint_every is not None:
        checkpoint_every = check_positive_int("checkpoint_every", checkpoint_every)
        if out_dir is None:
            raise ArgumentError("`checkpoint_every` needs `out_dir`, the folder the checkpoints go to.")
    if limit is not None:
        limit = check_positive_int("limit", limit)
    if not isinstance(dp, (bool, np.bool_)):
        raise ArgumentTypeError(f"`dp` must be True or False. Received: dp={dp!r}")
    dp = bool(dp)
    if not dp:
        for name, value in (("target_epsilon", target_epsilon), ("delta", delta), ("l2_norm_clip", l2_norm_clip)):
            if value is not None:
                raise ArgumentError(f"`{name}` applies to DP training only: pass dp=True (--dp) or leave it out. "
                                    f"Received: {name}={value}, dp=False")
    if dp:
        target_epsilon = DP_TARGET_EPSILON if target_epsilon is None else target_epsilon
        delta = DP_DELTA if delta is None else delta
        l2_norm_clip = DP_L2_NORM_CLIP if l2_norm_clip is None else l2_norm_clip
        from pybbdl.privacy._checks import check_l2_norm_clip

        target_epsilon = _finite("target_epsilon", target_epsilon, lower=0)
        delta = _finite("delta", delta, lower=0, upper=1)
        l2_norm_clip = check_l2_norm_clip(l2_norm_clip)
    if classifier is not None and not Path(classifier).is_file():
        raise ArgumentError(f"`classifier` must be a file saved by train_mnist_classifier. Received: "
                            f"{str(classifier)!r} (no such file)")
    clf = None
    if classifier is not None:  # loaded (and checked) before training, not after it
        from pybbdl.gan import load_classifier

        clf = load_classifier(classifier)
    keep = limit if limit is not None else GAN_QUICK_IMAGES if quick else None
    planned = len(images) if images is not None else MNIST_TRAIN_IMAGES
    _check_steps(planned if keep is None else min(planned, keep), batch_size, d_steps)  # before data is read
    out = prepare_output_dir(out_dir) if out_dir is not None else None

    test = None
    if images is None:
        from pybbdl.data import load_mnist

        (x, y), test = load_mnist(data_path, scale="symmetric")
    else:
        x, y = np.asarray(images), None if labels is None else np.asarray(labels)
        if y is not None and len(y) != len(x):
            raise ArgumentError(f"`labels` must have one label per image: {len(x)} images. Received: {len(y)} labels")
    if keep is not None:
        x, y = x[:keep], None if y is None else y[:keep]
    if model == "cgan" and y is None:
        raise ArgumentError("`labels` (digits 0-9, one per image) are needed by the conditional GAN (model='cgan').")
    n = len(x)
    _check_steps(n, batch_size, d_steps)  # again: a data_path folder may hold fewer images than MNIST
    from pybbdl.gan.training import gan_steps_per_epoch

    steps_per_epoch = gan_steps_per_epoch(n, batch_size, d_steps)

    sigma = None
    if dp:
        from pybbdl.privacy.accounting import calibrate_noise

        sigma = calibrate_noise(n, batch_size, target_epsilon, delta,
                                steps=steps_per_epoch * d_steps * epochs).noise_multiplier

    from pybbdl.gan import make_gan, train_gan

    gan = make_gan(model, latent_dim, seed=seed, label_smoothing=label_smoothing, ema_decay=ema_decay,
                   l2_norm_clip=l2_norm_clip if dp else None, dp_noise_multiplier=sigma)
    if out is not None and checkpoint_every is None:
        checkpoint_every = max(1, steps_per_epoch)
    history = train_gan(gan, x, y if gan.conditional else None, epochs=epochs, batch_size=batch_size, seed=seed,
                        out_dir=out, checkpoint_every=checkpoint_every, progress=progress,
                        deterministic=deterministic, n_d_steps=d_steps, delta=delta if dp else None,
                        settings={"model": model, "target_epsilon": target_epsilon if dp else None})

    steps = history.steps
    frame = pd.DataFrame({k: np.asarray(v, dtype=np.float64) for k, v in history.losses.items()})
    frame.insert(0, "step", np.arange(1, steps + 1))
    frame.insert(1, "epoch", (frame["step"] - 1) // steps_per_epoch + 1)
    table = frame.melt(id_vars=["step", "epoch"], value_vars=list(GAN_METRICS), var_name="metric",
                       value_name="value").sort_values(["step", "metric"], kind="mergesort").reset_index(drop=True)
    settings = {"model": model, "data_path": None if data_path is None or images is not None else str(data_path),
                "epochs": epochs, "steps": steps, "steps_per_epoch": steps_per_epoch, "d_steps": d_steps,
                "d_steps_run": history.d_steps, "n": n,
                "batch_size": batch_size, "latent_dim": latent_dim, "label_smoothing": label_smoothing,
                "ema_decay": ema_decay, "seed": seed, "quick": bool(quick), "limit": limit, "dp": dp,
                "deterministic": bool(deterministic), "checkpoint_every": checkpoint_every,
                "resumed_from": history.resumed_from, "out_dir": None if out is None else str(out),
                "seconds_per_epoch": (float(np.mean(history.epoch_seconds)) if history.epoch_seconds else None)}
    statement = ""
    if dp:
        from pybbdl.privacy.accounting import privacy_statement

        ledger = history.privacy    # the accountant for the D steps that ran (Poisson sampling)
        settings.update(noise_multiplier=sigma, l2_norm_clip=l2_norm_clip, delta=delta,
                        target_epsilon=target_epsilon, epsilon=ledger["epsilon"], accountant=ledger["accountant"],
                        sampling=ledger["sampling"])
        statement = (privacy_statement(n, batch_size, sigma, delta=delta, steps=ledger["d_steps"], sampling="poisson",
                                       l2_norm_clip=l2_norm_clip) if ledger["d_steps"] else "no DP steps were run")
    scores = {}
    if classifier is not None:
        from pybbdl.gan import class_coverage, fid, label_accuracy

        if test is None:
            from pybbdl.data import load_mnist

            _, test = load_mnist(data_path, scale="symmetric")
        xt, yt = test
        if quick:
            xt, yt = xt[:1000], yt[:1000]
        fake = gan.sample(len(xt), yt if gan.conditional else None, seed=seed)
        scores["fid"] = fid(clf, xt, fake)
        coverage = class_coverage(clf, fake)
        scores.update(classes_covered=coverage.covered, effective_classes=coverage.effective)
        if gan.conditional:
            scores["label_accuracy"] = label_accuracy(clf, fake, yt)
    settings["versions"] = versions()
    grid, _ = gan.grid(gan.num_classes or 10, 10, seed=0)
    run = GanRun(kind="gan", table=table, settings=settings, grid=grid, scores=scores, statement=statement,
                 gan=gan, history=history)
    if out is not None:
        run.save(out)
    return run


__all__ = ["DP_DELTA", "DP_L2_NORM_CLIP", "DP_TARGET_EPSILON", "GAN_DEFAULTS", "GAN_EPOCHS", "GAN_METRICS", "GAN_QUICK_IMAGES", "GanRun", "MNIST_TRAIN_IMAGES", "gan_train"]
