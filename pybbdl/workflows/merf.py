"""DP-MERF on MNIST: :func:`merf_train`, the run behind ``gan_train(method="merf")``, ``pybbdl gan --method merf``
and R's ``train_gan(method = "merf")``.

One Gaussian release of the class-conditional mean embedding (:mod:`pybbdl.gan.merf`), sigma calibrated for
`target_epsilon` at `delta` by :func:`pybbdl.privacy.accounting.gaussian_release_noise_multiplier`, the stated
epsilon the accountant's for the sigma that ran (replace-one adjacency, sensitivity 2/n). Every argument is checked
before data are read (epsilon <= 0, delta outside (0, 1), a feature count that does not fit in memory); delta >= 1/n
is refused as soon as n is known, before the release.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pybbdl._validation import check_positive_int
from pybbdl.exceptions import ArgumentError
from pybbdl.gan.merf import MERF_DEFAULTS
from pybbdl.workflows.gan_run import GanRun

#: The defaults of :func:`merf_train` (the reference implementation's for digit MNIST, see pybbdl.gan.merf).
#: (A test checks that the signatures of merf_train and train_merf agree with it.)
MERF_WORKFLOW_DEFAULTS = {**{k: v for k, v in MERF_DEFAULTS.items() if k not in ("hidden", "channels", "lr_decay")},
                          "downstream": ("logreg", "mlp", "cnn"), "downstream_samples": 60_000}
MERF_QUICK_IMAGES = 2048


@dataclass
class MerfRun(GanRun):
    """What :func:`merf_train` returns (a :class:`~pybbdl.workflows.gan.GanRun` with DP-MERF's parts).

    Attributes:
        table: The generator's loss per step, long form: ``step``, ``epoch``, ``metric`` (``mmd_loss``: the squared
            RFF-MMD to the released embedding) and ``value``.
        settings: Every setting used, and ``epsilon`` (the accountant's for the release that ran), ``delta``,
            ``noise_multiplier`` (sigma; noise std = sigma * sensitivity), ``sensitivity`` (2/n),
            ``adjacency`` (``"replace-one"``), ``accountant``, ``seconds_release``, ``seconds_training``.
        grid: ``(10, 10, 28, 28, 1)`` samples in [-1, 1], row r = digit r.
        downstream: :func:`pybbdl.gan.downstream_accuracy`'s table (classifier, accuracy, ...) on the real
            test set, or None when not asked for.
        gan: The :class:`~pybbdl.gan.merf.MerfGenerator` (``sample``, ``grid``, ``sampler``).
    """

    downstream: Any = field(default=None)

    def summary(self) -> dict:
        s = self.settings
        out = {"method": "merf", "images": s["n"], "features": s["features"], "epochs": s["epochs"],
               "steps": s["steps"], "noise_multiplier": s["noise_multiplier"], "sensitivity": s["sensitivity"],
               "delta": s["delta"], "epsilon": s["epsilon"], "final_mmd_loss": s.get("final_mmd_loss"),
               "seconds_release": s.get("seconds_release"), "seconds_training": s.get("seconds_training")}
        if self.downstream is not None:
            for row in self.downstream.itertuples():
                out[f"downstream_{row.classifier}"] = row.accuracy
        return out

    def plot(self):
        """The loss per step beside the 10 x 10 grid; returns the matplotlib Figure."""
        from matplotlib.figure import Figure

        from pybbdl.gan.plots import grid_mosaic

        fig = Figure(figsize=(10, 4))
        ax1, ax2 = fig.subplots(1, 2)
        ax1.plot(self.table["step"], self.table["value"], lw=0.8)
        ax1.set(xlabel="step", ylabel="squared RFF-MMD", yscale="log", title="DP-MERF generator loss")
        ax2.imshow(grid_mosaic(self.grid), cmap="gray", vmin=0, vmax=255)
        ax2.set_title(f"epsilon = {self.settings['epsilon']:.3g}, delta = {self.settings['delta']:g}")
        ax2.set_axis_off()
        fig.tight_layout()
        return fig

    def _write_files(self, out):
        paths = super()._write_files(out)
        if self.downstream is not None:
            paths.append(self._write_text(out / "downstream.csv", self.downstream.to_csv(index=False)))
        return paths


def merf_statement(n: int, features: int, sigma: float, sensitivity: float, delta: float, epsilon: float,
                   accountant: str) -> str:
    return "\n".join([
        "DP-MERF privacy statement",
        f"  one Gaussian release of the class-conditional mean embedding ({features} random Fourier features x 10 "
        f"digits) of n = {n} images",
        f"  L2 sensitivity 2/n = {sensitivity:.4g} (replace-one adjacency: n fixed, one record replaced), "
        f"noise multiplier sigma = {sigma:.6g} (noise std {sigma * sensitivity:.4g})",
        f"  epsilon = {epsilon:.4f} at delta = {delta:g} ({accountant.upper()} accountant, dp-accounting, "
        "one GaussianDpEvent)",
        "  The generator, its samples and every classifier trained on them are post-processing of this release.",
    ])


def merf_train(data_path: str | os.PathLike | None = None, *, images=None, labels=None,
               target_epsilon: float = 10.0, delta: float = 1e-5, features: int = 10_000,
               length_scale: float = 105 ** 0.5, batch_size: int = 100, epochs: int = 5,
               learning_rate: float = 0.01, code_dim: int = 5, seed: int = 1,
               downstream=("logreg", "mlp", "cnn"), downstream_samples: int = 60_000,
               downstream_epochs=None, test_images=None, test_labels=None, quick: bool = False,
               limit: int | None = None, out_dir: str | os.PathLike | None = "results/gan_merf",
               progress: bool = True) -> MerfRun:
    """Train a DP-MERF generator on MNIST (or given images) and return a :class:`MerfRun`.

    Args:
        data_path: Folder with the four MNIST IDX files (None: the cache); not read when `images` is given.
        images, labels: Train on these instead (``(n, 28, 28[, 1])``, digits 0-9).
        target_epsilon, delta: The privacy target; sigma is calibrated for it (one Gaussian release). delta must be
            < 1/n.
        features, length_scale: Random Fourier features (even) and the Gaussian kernel's length scale on [0, 1]
            pixels (reference: 10,000 and sqrt(105)).
        batch_size, epochs, learning_rate, code_dim: Generator training (reference: 100, 5, 0.01, 5).
        seed: Seeds the frequencies, the DP noise, the generator and the downstream classifiers.
        downstream: Classifiers for :func:`pybbdl.gan.downstream_accuracy` (trained on `downstream_samples`
            balanced synthetic digits, tested on the real test set: MNIST's, or `test_images`/`test_labels`);
            None or () skips it.
        downstream_epochs: Override the classifiers' epochs (int or mapping; tests use 1).
        quick: The first 2,048 images, 1 epoch, 2,000 features, 2,000 synthetic samples, classifiers 1 epoch.
        limit: Train on the first `limit` images only.
        out_dir: Folder for grid.png, table.csv, downstream.csv, generator.keras, summary.json, statement.txt
            and manifest.json; None writes nothing.
    """
    from pybbdl.gan.downstream import _check_classifiers
    from pybbdl.gan.merf import check_delta_below_one_over_n, check_merf_arguments
    from pybbdl.outputs import prepare_output_dir, versions

    if quick:
        features, epochs = min(features, 2000), 1
        downstream_samples = min(downstream_samples, 2000)
        downstream_epochs = 1 if downstream_epochs is None else downstream_epochs
    checked = check_merf_arguments(features, length_scale, batch_size, epochs, learning_rate, target_epsilon,
                                   delta, code_dim)
    seed = check_positive_int("seed", seed, minimum=0)
    if limit is not None:
        limit = check_positive_int("limit", limit)
    downstream = () if downstream is None else _check_classifiers(downstream) if len(downstream) else ()
    downstream_samples = check_positive_int("downstream_samples", downstream_samples)
    if downstream and downstream_samples % 10:
        raise ArgumentError(f"`downstream_samples` must be a multiple of 10 (balanced digits). "
                            f"Received: downstream_samples={downstream_samples}")
    if (test_images is None) != (test_labels is None):
        raise ArgumentError("Give both `test_images` and `test_labels`, or neither.")
    out = prepare_output_dir(out_dir) if out_dir is not None else None

    test = None
    if images is None:
        from pybbdl.data import load_mnist

        (x, y), test = load_mnist(data_path, scale="unit")
    else:
        x, y = np.asarray(images), None if labels is None else np.asarray(labels)
        if y is None:
            raise ArgumentError("`labels` (digits 0-9, one per image) are needed: DP-MERF is conditional.")
        if len(y) != len(x):
            raise ArgumentError(f"`labels` must have one label per image: {len(x)} images. Received: {len(y)} labels")
    if test_images is not None:
        test = (np.asarray(test_images), np.asarray(test_labels))
    keep = limit if limit is not None else MERF_QUICK_IMAGES if quick else None
    if keep is not None:
        x, y = x[:keep], y[:keep]
    n = len(x)
    check_delta_below_one_over_n(checked["delta"], n)
    if downstream and test is None:
        raise ArgumentError("`downstream` needs a real test set: give `test_images` and `test_labels` (or train on "
                            "MNIST from `data_path`), or pass downstream=None.")

    from pybbdl.gan.merf import train_merf

    fit = train_merf(x, y, features=checked["features"], length_scale=checked["length_scale"],
                     code_dim=checked["code_dim"], batch_size=checked["batch_size"], epochs=checked["epochs"],
                     learning_rate=checked["learning_rate"], target_epsilon=checked["target_epsilon"],
                     delta=checked["delta"], seed=seed, progress=progress)
    rel = fit.release
    steps = len(fit.losses)
    table = pd.DataFrame({"step": np.arange(1, steps + 1),
                          "epoch": np.arange(steps) // fit.steps_per_epoch + 1,
                          "metric": "mmd_loss", "value": fit.losses})
    table_down = None
    if downstream:
        from pybbdl.gan.downstream import downstream_accuracy

        gen_labels = np.repeat(np.arange(10), downstream_samples // 10)
        samples = fit.generator.sample(downstream_samples, gen_labels, seed=seed)
        table_down = downstream_accuracy(samples, gen_labels, test[0], test[1], downstream, seed=seed,
                                         epochs=downstream_epochs)
    settings = {"method": "merf", "model": "merf", "data_path": None if images is not None or data_path is None
                else str(data_path), **fit.settings, "steps_per_epoch": fit.steps_per_epoch,
                "target_epsilon": checked["target_epsilon"], "delta": rel.delta, "epsilon": rel.epsilon,
                "noise_multiplier": rel.noise_multiplier, "sensitivity": rel.sensitivity, "adjacency": "replace-one",
                "accountant": rel.accountant, "dp": True, "quick": bool(quick), "limit": limit,
                "downstream": list(downstream), "downstream_samples": downstream_samples if downstream else None,
                "final_mmd_loss": float(np.mean(fit.losses[-min(50, steps):])),
                "seconds_release": fit.seconds["release"], "seconds_training": fit.seconds["training"],
                "out_dir": None if out is None else str(out), "versions": versions()}
    statement = merf_statement(n, checked["features"], rel.noise_multiplier, rel.sensitivity, rel.delta,
                               rel.epsilon, rel.accountant)
    grid, _ = fit.generator.grid(10, 10, seed=0)
    run = MerfRun(kind="gan_merf", table=table, settings=settings, grid=grid, scores={}, statement=statement,
                  gan=fit.generator, history=fit, downstream=table_down)
    if out is not None:
        run.save(out)
    return run





#: gan_train's GAN-only settings and their defaults: DP-MERF refuses any other value (nothing would use it).
_GAN_ONLY = {"model": "cgan", "label_smoothing": 0.1, "latent_dim": 100, "checkpoint_every": None, "dp": False,
             "d_steps": 1, "l2_norm_clip": None, "ema_decay": None, "classifier": None, "deterministic": True}
#: gan_train's arguments that DP-MERF takes, and what they are called in merf_train.
_SHARED = ("data_path", "images", "labels", "epochs", "batch_size", "seed", "target_epsilon", "delta", "features",
           "length_scale", "learning_rate", "downstream", "quick", "limit", "out_dir", "progress")
METHODS = ("gan", "merf")


def merf_from_gan_arguments(args: dict) -> MerfRun:
    """``gan_train(method="merf", ...)``: refuse an unknown method and every GAN-only setting that is not at its
    default, fill DP-MERF's defaults for the shared ones left at None, and call :func:`merf_train`."""
    method = args["method"]
    if method != "merf":
        raise ArgumentError(f"`method` must be one of {list(METHODS)}. Received: method={method!r}")
    for name, default in _GAN_ONLY.items():
        value = args[name]
        if value is not default and value != default:
            raise ArgumentError(f"`{name}` applies to the GANs, not to method='merf' (DP-MERF is private by "
                                f"construction: one release, no discriminator). Received: {name}={value!r}")
    if args["quick"] and args["epochs"] is not None:
        raise ArgumentError(f"`quick` trains 1 epoch: give `quick` or `epochs`, not both. Received: "
                            f"epochs={args['epochs']}")
    kwargs = {k: args[k] for k in _SHARED if args[k] is not None}
    if "downstream" in kwargs and isinstance(kwargs["downstream"], str):
        kwargs["downstream"] = () if kwargs["downstream"] == "none" else tuple(kwargs["downstream"].split(","))
    if args["out_dir"] is None:
        kwargs["out_dir"] = None
    return merf_train(**kwargs)


__all__ = ["METHODS", "MERF_QUICK_IMAGES", "MERF_WORKFLOW_DEFAULTS", "MerfRun", "merf_from_gan_arguments", "merf_statement",
           "merf_train"]
