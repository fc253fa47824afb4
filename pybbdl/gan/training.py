"""Training loop for :class:`~pybbdl.gan.model.GAN`: batches, a progress bar, sample grids, loss curves,
checkpoints every N steps, deterministic resume, and (DP) an exact privacy ledger.

Batches. Each step takes `n_d_steps` discriminator steps, then one generator step (Bie, Kamath & Zhang 2023:
with DP noise in D only, several D steps per G step restore the balance between the players). Without DP,
D step j uses the j-th fixed-size batch of shuffled epochs. With DP, D step j draws its real batch by
Poisson sampling: each image joins independently with probability ``q = batch_size / n`` (from
``numpy.random.default_rng([seed, j])``), the noisy gradient sum is divided by the expected batch size, and
the generator step conditions on labels drawn uniformly at random (it never sees a real label): the RDP/PLD
accountant's epsilon for the D steps that ran is then the epsilon of the run, not an approximation.

Ledger. :class:`TrainingHistory` counts every D step that touched real data and records each real batch's
size; with DP its ``privacy`` (noise multiplier, sampling rate, D steps, delta, epsilon from
:func:`pybbdl.privacy.dp_sgd_epsilon`) is updated at every checkpoint, stored in it, and at the end.

Resume is exact: a checkpoint holds every model variable (weights, BatchNormalization statistics, the noise
and dropout seed-generator states), both optimizers' slots and step counters, the per-step history and the
ledger; the batch order of epoch e is a permutation drawn from ``numpy.random.default_rng([seed, e])`` and
the Poisson draw of D step j depends on ``(seed, j)`` only. Training that is
interrupted and resumed therefore ends with the same weights as an uninterrupted run with the same seed.

A checkpoint also records the settings that define the run (:func:`run_settings`: architecture, DP on/off,
sigma, C, microbatches, batch size, seed, a SHA-256 fingerprint of the training images and labels, plus what
the caller adds, e.g. delta). Resuming with different settings is refused with an error that names each
difference, so a stated epsilon always describes the run that produced the weights.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from pybbdl._validation import check_positive_int
from pybbdl.gan.images import ValueRange, check_images, check_labels
from pybbdl.gan.model import GAN
from pybbdl.exceptions import ArgumentError, ArgumentTypeError, ModelFitError

_CKPT = re.compile(r"^ckpt-(\d{8})\.npz$")
LOSS_KEYS = ("d_loss", "g_loss", "d_real", "d_fake")


@dataclass
class TrainingHistory:
    """Per-step losses (``d_loss``, ``g_loss`` in nats; ``d_real``, ``d_fake``: mean D probabilities) and timing.

    Attributes:
        steps_per_epoch: Batches per epoch (``n // batch_size``; the remainder is dropped).
        epoch_seconds: Wall time of each completed epoch (kept in checkpoints; an epoch that was interrupted
            counts only the part run after the resume).
        resumed_from: Step of the checkpoint training resumed from; 0 = fresh start.
        timed_steps, timed_seconds: Steps run in this process after the first one (which includes tracing)
            and their wall time: ``timed_seconds / timed_steps * steps_per_epoch`` estimates seconds per epoch
            from a partial run.
        d_batch_sizes: The ledger: the number of real images of every discriminator step that ran, in order
            (Poisson draws with DP, so they vary); ``d_steps`` is its length.
        privacy: With DP, the accounting of the D steps that ran: ``accountant``, ``sampling``, ``n``,
            ``batch_size`` (expected), ``noise_multiplier``, ``l2_norm_clip``, ``delta``, ``d_steps`` and
            ``epsilon``; None without DP.
    """

    steps_per_epoch: int
    losses: dict[str, np.ndarray] = field(default_factory=lambda: {k: np.zeros(0, np.float32) for k in LOSS_KEYS})
    epoch_seconds: list[float] = field(default_factory=list)
    resumed_from: int = 0
    timed_steps: int = 0
    timed_seconds: float = 0.0
    d_batch_sizes: list[int] = field(default_factory=list)
    privacy: dict | None = None

    @property
    def d_steps(self) -> int:
        """Discriminator steps that ran (each touched real data)."""
        return len(self.d_batch_sizes)

    @property
    def steps(self) -> int:
        return int(len(self.losses["d_loss"]))

    def epoch_means(self) -> dict[str, np.ndarray]:
        """Mean of each loss over every completed epoch."""
        k = self.steps // self.steps_per_epoch
        return {key: v[: k * self.steps_per_epoch].reshape(k, self.steps_per_epoch).mean(axis=1)
                for key, v in self.losses.items()}


def _variables(gan: GAN) -> dict[str, list]:
    return {"model": list(gan.variables), "d_opt": list(gan.d_optimizer.variables),
            "g_opt": list(gan.g_optimizer.variables)}


def save_checkpoint(gan: GAN, folder: str | os.PathLike, step: int, history: TrainingHistory | None = None,
                    *, keep: int | None = 2, settings: dict | None = None) -> Path:
    """Write ``folder/ckpt-<step>.npz`` atomically (all variables, optimizer state, history, and the run's
    `settings`, see :func:`run_settings`); keep the newest `keep` checkpoints (None = all). Returns the path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {"step": np.asarray(step, np.int64)}
    paths = {}
    for group, variables in _variables(gan).items():
        paths[group] = [v.path for v in variables]
        for i, v in enumerate(variables):
            arrays[f"{group}/{i}"] = keras.ops.convert_to_numpy(v.value)
    if history is not None:
        for key, values in history.losses.items():
            arrays[f"history/{key}"] = values
        arrays["history/epoch_seconds"] = np.asarray(history.epoch_seconds, np.float64)
        arrays["history/d_batch_sizes"] = np.asarray(history.d_batch_sizes, np.int64)
    meta = {"paths": paths, "settings": settings}
    if history is not None and history.privacy is not None:
        meta["privacy"] = history.privacy
    arrays["meta"] = np.asarray(json.dumps(meta))
    path = folder / f"ckpt-{int(step):08d}.npz"
    tmp = folder / f".{path.name}.part"
    with open(tmp, "wb") as fh:
        np.savez(fh, **arrays)
    os.replace(tmp, path)
    if keep is not None:
        for old in sorted(p for p in folder.iterdir() if _CKPT.match(p.name))[:-keep]:
            old.unlink()
    return path


def latest_checkpoint(folder: str | os.PathLike) -> Path | None:
    """The newest ``ckpt-*.npz`` in `folder`, or None."""
    folder = Path(folder)
    if not folder.is_dir():
        return None
    found = sorted(p for p in folder.iterdir() if _CKPT.match(p.name))
    return found[-1] if found else None


def run_settings(gan: GAN, x: np.ndarray, y: np.ndarray | None, *, batch_size: int, seed: int,
                 extra: dict | None = None) -> dict:
    """The settings that define a training run (stored in each checkpoint and compared on resume): the
    architecture, DP on/off, sigma, C, microbatches, batch size, seed, the data's size and SHA-256
    fingerprint (of the float32 images and int labels), and `extra` (e.g. delta, the model name)."""
    digest = hashlib.sha256(np.ascontiguousarray(x, dtype=np.float32).tobytes())
    if y is not None:
        digest.update(np.ascontiguousarray(y, dtype=np.int64).tobytes())
    settings = {"generator": gan.generator.name, "discriminator": gan.discriminator.name,
                "latent_dim": gan.latent_dim, "num_classes": gan.num_classes,
                "label_smoothing": gan.label_smoothing, "ema_decay": gan.ema_decay, "dp": gan.private,
                "noise_multiplier": gan.dp_noise_multiplier, "l2_norm_clip": gan.l2_norm_clip,
                "dp_num_microbatches": gan.dp_num_microbatches, "batch_size": int(batch_size), "seed": int(seed),
                "n": int(len(x)), "data_sha256": digest.hexdigest()}
    settings.update(extra or {})
    return json.loads(json.dumps(settings))   # plain JSON types, as read back from a checkpoint


def checkpoint_settings(path: str | os.PathLike) -> dict | None:
    """The run settings stored in a checkpoint (None for checkpoints written before pybbdl recorded them)."""
    with np.load(path, allow_pickle=False) as data:
        return json.loads(str(data["meta"])).get("settings")


def check_resume_settings(path: str | os.PathLike, settings: dict) -> None:
    """Refuse to resume from `path` when its recorded run settings differ from `settings` (each difference
    is named), or when it records none."""
    saved = checkpoint_settings(path)
    if saved is None:
        raise ArgumentError(f"Checkpoint {path} records no run settings (written by an older pybbdl), so resuming "
                            "from it could mix runs (e.g. state a DP epsilon for a non-private generator). Use a new "
                            "output folder or delete its checkpoints/.")
    diffs = [f"{key}: checkpoint {saved.get(key)!r}, now {settings.get(key)!r}"
             for key in sorted(set(saved) | set(settings)) if saved.get(key) != settings.get(key)]
    if diffs:
        raise ArgumentError(f"Refusing to resume from {path}: it was written by a run with other settings ("
                            + "; ".join(diffs) + "). Use a new output folder, or the same settings to resume.")


def restore_checkpoint(gan: GAN, path: str | os.PathLike, history: TrainingHistory | None = None) -> int:
    """Load a checkpoint written by :func:`save_checkpoint` into `gan` (optimizers are built first); returns the
    step. Raises ValueError when the checkpoint belongs to a different architecture. It does not compare run
    settings: :func:`train_gan` calls :func:`check_resume_settings` first."""
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        gan.build_optimizers()
        for group, variables in _variables(gan).items():
            saved = meta["paths"][group]
            if len(saved) != len(variables):
                raise ArgumentError(f"Checkpoint {path} does not fit this GAN: {group} has {len(saved)} variables "
                                 f"saved, the model has {len(variables)}")
            for i, v in enumerate(variables):
                value = data[f"{group}/{i}"]
                if tuple(value.shape) != tuple(v.shape):
                    raise ArgumentError(f"Checkpoint {path} does not fit this GAN: {v.path} has shape {tuple(v.shape)}"
                                     f", saved {saved[i]} has {value.shape}")
                v.assign(value)
        if history is not None:
            history.losses = {k: data[f"history/{k}"].astype(np.float32) for k in LOSS_KEYS}
            history.epoch_seconds = data["history/epoch_seconds"].tolist()
            if "history/d_batch_sizes" in data:
                history.d_batch_sizes = [int(v) for v in data["history/d_batch_sizes"]]
            history.privacy = meta.get("privacy")
        return int(data["step"])


def checkpoint_privacy(path: str | os.PathLike) -> dict | None:
    """The privacy ledger stored in a DP-GAN checkpoint (the epsilon of the D steps before it; see
    :attr:`TrainingHistory.privacy`); None for a non-private run."""
    with np.load(path, allow_pickle=False) as data:
        return json.loads(str(data["meta"])).get("privacy")


def gan_privacy(gan: GAN, *, n: int, batch_size: int, d_steps: int, delta: float) -> dict:
    """The accounting of `d_steps` Poisson-sampled DP discriminator steps (RDP accountant of
    :func:`pybbdl.privacy.dp_sgd_epsilon`, sampling rate ``batch_size / n``)."""
    from pybbdl.privacy import dp_sgd_epsilon

    if not d_steps:
        eps = 0.0
    elif not gan.dp_noise_multiplier > 0:   # only a GAN whose sigma was set to 0 by hand (tests of the mechanics)
        eps = float("inf")
    else:
        eps = dp_sgd_epsilon(n, batch_size, gan.dp_noise_multiplier, steps=d_steps, delta=delta)
    return {"accountant": "rdp", "sampling": "poisson", "n": int(n), "batch_size": int(batch_size),
            "noise_multiplier": float(gan.dp_noise_multiplier), "l2_norm_clip": float(gan.l2_norm_clip),
            "delta": float(delta), "d_steps": int(d_steps), "epsilon": float(eps)}


def train_gan(
    gan: GAN,
    images,
    labels=None,
    *,
    epochs: int = 1,
    batch_size: int = 128,
    seed: int = 0,
    value_range: ValueRange = "auto",
    out_dir: str | os.PathLike | None = None,
    checkpoint_every: int | None = None,
    keep_checkpoints: int | None = 2,
    resume: bool = True,
    max_steps: int | None = None,
    grids: bool = True,
    progress: bool = True,
    deterministic: bool = True,
    settings: dict | None = None,
    n_d_steps: int = 1,
    delta: float | None = None,
) -> TrainingHistory:
    """Train `gan` for `epochs` passes over `images` (and `labels` if conditional).

    Args:
        images: ``(n, H, W[, C])`` or ``(n, H*W*C)``; [-1, 1], [0, 1] or [0, 255] (see `value_range`,
            :func:`~pybbdl.gan.images.check_images`).
        labels: Integer classes ``(n,)``; required for a conditional GAN, ignored otherwise.
        batch_size: Images per discriminator batch (with DP: the expected size of the Poisson draws). An epoch
            is ``n // batch_size`` discriminator steps, i.e. ``(n // batch_size) // n_d_steps`` steps (at least 1).
        seed: Seeds the batch order and the Poisson draws (the GAN's own `seed` seeds its noise).
        out_dir: Folder for ``checkpoints/``, ``grids/epoch_NNN.png`` (one 10x10 grid per epoch, rows = classes
            when conditional), ``losses.png`` and ``history.csv``. None = write nothing.
        checkpoint_every: Save a checkpoint every this many steps (and at the end); needs `out_dir`.
        resume: Continue from the newest checkpoint in ``out_dir/checkpoints`` if there is one.
        max_steps: Stop after this many steps in total (counting resumed ones); None = ``epochs`` full epochs.
        deterministic: Run TensorFlow ops deterministically (``tf.config.experimental.enable_op_determinism``)
            so that a resumed run equals an uninterrupted one. This is a process-wide TensorFlow setting: it is
            switched on for the training only and restored to its previous state afterwards.
        settings: Extra settings that define the run (e.g. delta); stored in checkpoints with
            :func:`run_settings` and compared on resume.
        n_d_steps: Discriminator steps per generator step (>= 1; Bie et al. 2023 use 50 on MNIST at
            epsilon = 10). Each step of the history is one generator step; the ledger counts every D step.
        delta: With DP, the delta of the ledger's epsilon (default 1e-5).

    Raises:
        ArgumentError: bad arguments, or a checkpoint in ``out_dir`` written with other run settings.
        ModelFitError: with DP, a loss became NaN/infinite (training stops; no epsilon should be stated).

    Returns:
        The :class:`TrainingHistory` (resumed runs include the steps before the interruption).
    """

    if not isinstance(gan, GAN):
        raise ArgumentTypeError(f"`gan` must be a pybbdl.gan.GAN. Received: {type(gan).__name__}")
    epochs = check_positive_int("epochs", epochs)
    batch_size = check_positive_int("batch_size", batch_size)
    image_shape = tuple(int(d) for d in gan.generator.output_shape[1:])
    x = check_images(images, image_shape=image_shape, value_range=value_range)
    n = len(x)
    y = check_labels(labels, n, gan.num_classes) if gan.conditional else None
    if batch_size > n:
        raise ArgumentError(f"`batch_size` must be <= the number of images. Received: batch_size={batch_size}, n={n}")
    if checkpoint_every is not None:
        checkpoint_every = check_positive_int("checkpoint_every", checkpoint_every)
        if out_dir is None:
            raise ArgumentError("`checkpoint_every` needs `out_dir`, the folder the checkpoints go to.")
    n_d_steps = check_positive_int("n_d_steps", n_d_steps)
    if gan.private and gan.dp_num_microbatches is not None:
        raise ArgumentError("`dp_num_microbatches` needs fixed-size batches, but train_gan draws the DP "
                            "discriminator's batches by Poisson sampling (so that the stated epsilon is exact). "
                            f"Received: dp_num_microbatches={gan.dp_num_microbatches}; leave it None.")
    if delta is not None and not gan.private:
        raise ArgumentError(f"`delta` applies to a DP-GAN only (l2_norm_clip and dp_noise_multiplier). "
                            f"Received: delta={delta}")
    if gan.private:
        from pybbdl.privacy.accounting import check_delta

        delta = 1e-5 if delta is None else float(delta)
        check_delta(delta, n, stacklevel=3)
    if not hasattr(gan, "d_optimizer"):
        gan.compile()
    gan.build_optimizers()
    from tensorflow.python.framework import config as tf_config

    was_deterministic = tf_config.is_op_determinism_enabled()
    if deterministic and not was_deterministic:
        tf_config.enable_op_determinism()
    elif not deterministic and was_deterministic:
        tf_config.disable_op_determinism()
    try:
        extra = {**(settings or {}), "n_d_steps": n_d_steps,
                 "sampling": "poisson" if gan.private else "shuffle"}
        if gan.private:
            extra["delta"] = delta
        return _train(gan, x, y, n, epochs=epochs, batch_size=batch_size, seed=seed, out_dir=out_dir,
                      checkpoint_every=checkpoint_every, keep_checkpoints=keep_checkpoints, resume=resume,
                      max_steps=max_steps, grids=grids, progress=progress, n_d_steps=n_d_steps, delta=delta,
                      settings=run_settings(gan, x, y, batch_size=batch_size, seed=seed, extra=extra))
    finally:
        if deterministic != was_deterministic:
            (tf_config.enable_op_determinism if was_deterministic else tf_config.disable_op_determinism)()


def gan_steps_per_epoch(n: int, batch_size: int, n_d_steps: int = 1) -> int:
    """Generator steps per epoch: ``(n // batch_size) // n_d_steps``, at least 1 (an epoch is ``n // batch_size``
    discriminator steps)."""
    return max(1, (n // batch_size) // n_d_steps)


def poisson_indices(n: int, batch_size: int, seed: int, d_step: int) -> np.ndarray:
    """The real images of DP discriminator step `d_step` (0-based): each of the `n` joins independently with
    probability ``batch_size / n`` (``numpy.random.default_rng([seed, d_step])``); the size varies."""
    rng = np.random.default_rng([int(seed), int(d_step)])
    return np.flatnonzero(rng.random(n) < batch_size / n)


def _shuffled_indices(n: int, batch_size: int, seed: int, d_step: int, cache: dict) -> np.ndarray:
    """D step j of fixed-size shuffled batches: batch j mod (n // batch_size) of epoch j // (n // batch_size)."""
    per_epoch = n // batch_size
    epoch, k = divmod(d_step, per_epoch)
    if cache.get("epoch") != epoch:
        cache.update(epoch=epoch, perm=np.random.default_rng([int(seed), epoch]).permutation(n))
    return np.sort(cache["perm"][k * batch_size:(k + 1) * batch_size])


def _train(gan, x, y, n, *, epochs, batch_size, seed, out_dir, checkpoint_every, keep_checkpoints, resume,
           max_steps, grids, progress, settings, n_d_steps=1, delta=None) -> TrainingHistory:
    from tqdm.auto import tqdm

    spe = gan_steps_per_epoch(n, batch_size, n_d_steps)
    total = epochs * spe if max_steps is None else min(check_positive_int("max_steps", max_steps), epochs * spe)
    history = TrainingHistory(steps_per_epoch=spe)
    out = Path(out_dir) if out_dir is not None else None
    ckpt_dir = out / "checkpoints" if out is not None else None
    step = 0
    if resume and ckpt_dir is not None and (found := latest_checkpoint(ckpt_dir)) is not None:
        check_resume_settings(found, settings)
        step = restore_checkpoint(gan, found, history)
        history.resumed_from = step
        if len(history.d_batch_sizes) != step * n_d_steps:
            raise ArgumentError(f"Checkpoint {found} records {len(history.d_batch_sizes)} discriminator steps for "
                                f"{step} steps of {n_d_steps}: its ledger is incomplete (written by an older "
                                "pybbdl?). Use a new output folder.")
    records = {k: [history.losses[k]] for k in LOSS_KEYS}

    def ledger():
        if gan.private:
            history.privacy = gan_privacy(gan, n=n, batch_size=batch_size, d_steps=history.d_steps, delta=delta)

    expected = float(batch_size) if gan.private else None
    if gan.private:   # Poisson batch sizes vary: one trace for every size (no retracing)
        x_spec = tf.TensorSpec((None, *x.shape[1:]), tf.as_dtype(x.dtype))
        data_spec = (x_spec, tf.TensorSpec((None,), tf.as_dtype(y.dtype))) if gan.conditional else x_spec
        private_d = tf.function(lambda data, weights: gan.d_step(data, weights, expected),
                                input_signature=[data_spec, tf.TensorSpec((None,), tf.float32)])
        d_fn = lambda data, weights: private_d(data, weights)  # noqa: E731
    else:
        plain_d = tf.function(gan.d_step, reduce_retracing=True)
        d_fn = lambda data, weights: plain_d(data, weights)  # noqa: E731
    g_fn = tf.function(gan.g_step, reduce_retracing=True)
    bar = tqdm(total=total, initial=step, desc=f"{gan.generator.name} steps", unit="step", disable=not progress,
               mininterval=2.0)
    cache, tick = {}, time.perf_counter()
    while step < total:
        step_start = time.perf_counter()
        d_logs = []
        for i in range(n_d_steps):
            j = step * n_d_steps + i
            if gan.private:
                idx = poisson_indices(n, batch_size, seed, j)
                weights = np.ones(len(idx), np.float32)
                history.d_batch_sizes.append(len(idx))
                if not len(idx):   # an empty draw: one zero-weight row, so the step is the noise alone
                    idx, weights = np.zeros(1, np.int64), np.zeros(1, np.float32)
                weights = tf.constant(weights)
            else:
                idx, weights = _shuffled_indices(n, batch_size, seed, j, cache), None
                history.d_batch_sizes.append(len(idx))
            batch = (tf.constant(x[idx]), tf.constant(y[idx])) if gan.conditional else tf.constant(x[idx])
            d_logs.append(d_fn(batch, weights))
        if gan.private:           # G never sees real data, labels included: uniform labels of the expected size
            g_loss = g_fn(None, batch_size)
        elif n_d_steps == 1:      # without DP, one D step per G step: G conditions on the batch's labels
            g_loss = g_fn(batch[1] if gan.conditional else None, batch_size)
        else:
            g_loss = g_fn(None, batch_size)
        values = {key: float(np.mean([float(logs[key]) for logs in d_logs])) for key in ("d_loss", "d_real", "d_fake")}
        values["g_loss"] = float(g_loss)
        if gan.private and not all(np.isfinite(v) for v in values.values()):
            bar.close()
            raise ModelFitError(f"DP-GAN training diverged at step {step + 1}: losses {values}; no epsilon is stated "
                                "for it. Lower the learning rates or the clipping norm.")
        for key in LOSS_KEYS:
            records[key].append(np.asarray([values[key]], np.float32))
        if step > history.resumed_from:
            history.timed_steps += 1
            history.timed_seconds += time.perf_counter() - step_start
        step += 1
        bar.update(1)
        if step % 50 == 0:
            bar.set_postfix(d_loss=f"{values['d_loss']:.3f}", g_loss=f"{values['g_loss']:.3f}")
        if step % spe == 0 or step == total:
            history.losses = {key: np.concatenate(v) for key, v in records.items()}
            records = {key: [v] for key, v in history.losses.items()}
        if step % spe == 0:
            history.epoch_seconds.append(time.perf_counter() - tick)
            tick = time.perf_counter()
            if out is not None and grids:
                _save_grid(gan, out / "grids" / f"epoch_{step // spe:03d}.png")
        if ckpt_dir is not None and checkpoint_every is not None and (step % checkpoint_every == 0 or step == total):
            history.losses = {key: np.concatenate(v) for key, v in records.items()}
            records = {key: [v] for key, v in history.losses.items()}
            ledger()
            save_checkpoint(gan, ckpt_dir, step, history, keep=keep_checkpoints, settings=settings)
    bar.close()
    history.losses = {key: np.concatenate(v) for key, v in records.items()}
    ledger()
    if out is not None:
        from pybbdl.gan.plots import plot_losses

        out.mkdir(parents=True, exist_ok=True)
        if history.steps:
            plot_losses(history, out / "losses.png")
        if grids:
            _save_grid(gan, out / "grid.png")
        _write_history_csv(history, out / "history.csv")
    return history


def _save_grid(gan: GAN, path: Path) -> None:
    from pybbdl.gan.plots import save_grid_png

    images, _ = gan.grid(gan.num_classes or 10, 10, seed=0)
    save_grid_png(images, path)


class GridCallback(keras.callbacks.Callback):
    """For ``gan.fit(...)``: after every epoch, save the GAN's 10x10 grid (rows = classes when conditional, from
    fixed noise) as ``folder/epoch_NNN.png``. :func:`train_gan` does the same without a callback."""

    def __init__(self, folder: str | os.PathLike):
        super().__init__()
        self.folder = Path(folder)

    def on_epoch_end(self, epoch, logs=None):
        if not isinstance(self.model, GAN):
            raise ArgumentTypeError(f"GridCallback needs a pybbdl.gan.GAN. Received: {type(self.model).__name__}")
        _save_grid(self.model, self.folder / f"epoch_{epoch + 1:03d}.png")


def _write_history_csv(history: TrainingHistory, path: Path) -> None:
    import pandas as pd

    frame = pd.DataFrame(history.losses)
    frame.insert(0, "step", np.arange(1, len(frame) + 1))
    frame.insert(1, "epoch", (frame["step"] - 1) // history.steps_per_epoch + 1)
    frame.to_csv(path, index=False, float_format="%.6g")
