"""DP-SGD for Keras 3 models (TensorFlow backend): per-example clipping plus Gaussian noise inside ``fit()``.

This module holds the Keras side (``make_private``, ``dp_fit``, Poisson batches, the ledger); the
per-example gradients are in :mod:`pybbdl.privacy.per_example` (re-exported here).

Each step clips every example's gradient to L2 norm C, sums, adds N(0, sigma^2 C^2) noise and divides by
the (expected) batch size (Abadi et al. 2016); how the per-example norms are computed (``"fast"`` or
``"vectorized"``) and which layers are refused is described in :mod:`pybbdl.privacy.per_example`.
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from typing import Literal

import keras
import numpy as np
import tensorflow as tf

from pybbdl.exceptions import ArgumentError, ArgumentTypeError, ModelFitError
from pybbdl._validation import check_positive_int
from pybbdl.privacy.accounting import check_delta, dp_sgd_epsilon, dp_sgd_noise_multiplier, privacy_statement
from pybbdl.privacy.per_example import (Method, UnsupportedLayerError, _check_clip_noise,  # noqa: F401
                                        check_dp_layers, dp_gradients, dp_model_gradients,  # noqa: F401
                                        per_example_loss_fn)

Sampling = Literal["poisson", "shuffle"]


@dataclass(frozen=True)
class DPConfig:
    """What `make_private` attached to a model (``model.dp_config``)."""

    l2_norm_clip: float
    noise_multiplier: float
    num_microbatches: int | None
    expected_batch_size: int | None
    method: str
    seed: int | None
    physical_batch_size: int | None = None


def _dp_train_step(self, data):
    """Replaces ``Model.train_step``: the TensorFlow trainer's step with the DP gradient."""
    from keras.src.trainers.data_adapters import data_adapter_utils

    cfg: DPConfig = self.dp_config
    x, y, sample_weight = data_adapter_utils.unpack_x_y_sample_weight(data)
    loss_fn = per_example_loss_fn(self.loss)
    denominator = None
    if cfg.expected_batch_size is not None:
        denominator = float(cfg.expected_batch_size if cfg.num_microbatches is None else cfg.num_microbatches)
    grads, losses, y_pred, _ = dp_model_gradients(
        self, x, y, loss_fn, l2_norm_clip=cfg.l2_norm_clip, noise_multiplier=cfg.noise_multiplier,
        seed_generator=self._dp_seed_generator, sample_weight=sample_weight,
        num_microbatches=cfg.num_microbatches, denominator=denominator, method=cfg.method,
        physical_batch_size=cfg.physical_batch_size)
    if self.losses:  # regularisation does not touch the data: added after clipping and noise
        with tf.GradientTape() as tape:
            penalty = tf.add_n(self.losses)
        reg = tape.gradient(penalty, self.trainable_variables, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        grads = [g + r for g, r in zip(grads, reg)]
    self.optimizer.apply(grads, self.trainable_variables)
    batch = tf.shape(losses)[0]
    mean_loss = tf.math.divide_no_nan(tf.reduce_sum(losses), tf.cast(batch, tf.float32))
    self._loss_tracker.update_state(mean_loss, sample_weight=batch)
    return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)


def make_private(model: keras.Model, *, noise_multiplier: float, l2_norm_clip: float,
                 num_microbatches: int | None = None, expected_batch_size: int | None = None,
                 method: Method = "auto", seed: int | None = None,
                 physical_batch_size: int | None = None) -> keras.Model:
    """Make ``model.fit()`` run DP-SGD (in place; the model is returned for chaining).

    Compile as usual (any Keras optimizer, a single loss, metrics). Give ``expected_batch_size`` when
    you feed Poisson-sampled batches (:class:`PoissonBatches`): the noisy sum is then divided by it,
    as the privacy analysis assumes; otherwise by each batch's size. The (epsilon, delta) of a run
    comes from :class:`PrivacyLedger` or :func:`dp_sgd_epsilon`.

    ``physical_batch_size`` turns on virtual batches: each batch ``fit`` feeds is one *logical* step,
    processed in slices of at most this many examples whose clipped gradients are accumulated; the noise
    is added once per logical step and the optimizer steps once, so a logical batch of thousands runs in
    the memory of one slice and the ledger counts logical steps (see
    :func:`~pybbdl.privacy.per_example.dp_model_gradients`).

    Raises:
        ValueError: sigma <= 0, C <= 0 or infinite (no clipping: no guarantee), a bad microbatch count.
        UnsupportedLayerError: a layer that mixes examples (BatchNormalization).
    """
    if not isinstance(model, keras.Model):
        raise ArgumentTypeError(f"make_private needs a keras.Model, got {type(model).__name__}")
    if keras.backend.backend() != "tensorflow":
        raise RuntimeError(f"pybbdl's DP-SGD runs on the TensorFlow backend; KERAS_BACKEND is "
                           f"{keras.backend.backend()!r}")
    l2_norm_clip, noise_multiplier = _check_clip_noise(l2_norm_clip, noise_multiplier)
    if num_microbatches is not None:
        num_microbatches = check_positive_int("num_microbatches", num_microbatches)
    if expected_batch_size is not None:
        expected_batch_size = check_positive_int("expected_batch_size", expected_batch_size)
    if physical_batch_size is not None:
        physical_batch_size = check_positive_int("physical_batch_size", physical_batch_size)
        if num_microbatches is not None:
            raise ArgumentError("`physical_batch_size` (virtual batches) cannot be combined with `num_microbatches`."
                                f" Received: physical_batch_size={physical_batch_size}, "
                                f"num_microbatches={num_microbatches}")
    found = check_dp_layers(model)
    if method == "fast" and found != "fast":
        raise UnsupportedLayerError("method='fast' needs every trainable layer to be Dense, Conv1D or Conv2D; "
                                    "use method='auto' or 'vectorized'")
    if method not in ("auto", "fast", "vectorized"):
        raise ArgumentError(f'`method` must be "auto", "fast" or "vectorized". Received: {method!r}')
    model.dp_config = DPConfig(float(l2_norm_clip), float(noise_multiplier), num_microbatches, expected_batch_size,
                               found if method == "auto" else method, seed, physical_batch_size)
    model._dp_seed_generator = keras.random.SeedGenerator(seed)
    model.train_step = types.MethodType(_dp_train_step, model)
    model.train_function = None
    return model


def make_private_with_epsilon(model: keras.Model, *, target_epsilon: float, delta: float, n: int,
                              batch_size: int, epochs: float, l2_norm_clip: float,
                              num_microbatches: int | None = None, method: Method = "auto",
                              seed: int | None = None, accountant: str = "rdp",
                              physical_batch_size: int | None = None) -> keras.Model:
    """:func:`make_private` with the smallest sigma whose epsilon after ``epochs`` is <= ``target_epsilon``
    (Poisson sampling with expected batch size ``batch_size``; :func:`~pybbdl.privacy.calibrate_noise`)."""
    from pybbdl.privacy.accounting import calibrate_noise

    import math

    # cover both ways of running `epochs`: ceil(epochs * n / B) steps, or whole Poisson epochs of round(n / B)
    steps = max(math.ceil(float(epochs) * n / batch_size), math.ceil(float(epochs)) * poisson_steps_per_epoch(n, batch_size))
    sigma = calibrate_noise(n, batch_size, target_epsilon, delta, steps=steps, accountant=accountant).noise_multiplier
    return make_private(model, noise_multiplier=sigma, l2_norm_clip=l2_norm_clip, num_microbatches=num_microbatches,
                        expected_batch_size=batch_size, method=method, seed=seed,
                        physical_batch_size=physical_batch_size)


# ---------------------------------------------------------------------------------------- sampling
def poisson_steps_per_epoch(n: int, batch_size: int) -> int:
    """Steps of one epoch under Poisson sampling: 1/q = n / batch_size, rounded."""
    return max(1, round(n / batch_size))


class PoissonBatches(keras.utils.PyDataset):
    """Batches in which each example appears independently with probability q = batch_size / n.

    ``steps`` batches per epoch (default round(n / batch_size) = 1/q; when n / batch_size has a fractional
    part >= 0.5, e.g. 60,000 / 4,096 = 14.65 -> 15, ``epochs`` epochs take more steps than
    ``ceil(epochs * n / batch_size)``, so ``dp_fit`` calibrates sigma for the steps that will run, and
    every ledger counts the steps that ran); batch sizes vary around
    ``batch_size`` and can be 0. The draw of batch ``i`` in epoch ``e`` depends only on
    ``(seed, e, i)``, so a run is reproducible.
    """

    def __init__(self, x, y=None, *, batch_size: int, seed: int = 0, sample_weight=None, steps: int | None = None):
        super().__init__()
        self.x, self.y, self.sample_weight = x, y, sample_weight
        arrays = [a for a in tf.nest.flatten((x, y, sample_weight)) if a is not None]
        self.n = len(arrays[0])
        if any(len(a) != self.n for a in arrays):
            raise ArgumentError(f"x, y and sample_weight need the same number of rows; got {[len(a) for a in arrays]}")
        if not 1 <= int(batch_size) <= self.n:
            raise ArgumentError(f"`batch_size` must be in [1, n={self.n}]. Received: {batch_size}")
        self.batch_size = int(batch_size)
        self.q = self.batch_size / self.n
        self.steps = int(steps) if steps is not None else poisson_steps_per_epoch(self.n, self.batch_size)
        self.seed, self.epoch = int(seed), 0

    def __len__(self):
        return self.steps

    def indices(self, i: int) -> np.ndarray:
        rng = np.random.default_rng([self.seed, self.epoch, i])
        return np.flatnonzero(rng.random(self.n) < self.q)

    def __getitem__(self, i):
        idx = self.indices(i)
        take = lambda a: None if a is None else tf.nest.map_structure(lambda t: t[idx], a)  # noqa: E731
        out = (take(self.x), take(self.y))
        return out + (take(self.sample_weight),) if self.sample_weight is not None else out

    def on_epoch_end(self):
        self.epoch += 1


# ---------------------------------------------------------------------------------------- the ledger
class PrivacyLedger(keras.callbacks.Callback):
    """Writes the epsilon spent so far into the logs after each epoch (``history.history["epsilon"]``)
    and stops training before an epoch would take epsilon above ``budget``.

    Steps are counted as they run, so a stopped or interrupted run reports what it spent.
    """

    def __init__(self, *, n: int, batch_size: int, noise_multiplier: float | None = None, delta: float,
                 budget: float | None = None, accountant: str = "rdp", steps_per_epoch: int | None = None,
                 verbose: bool = False, prior_releases=()):
        super().__init__()
        from pybbdl.privacy.accounting import check_prior_releases

        self.prior_releases = check_prior_releases(prior_releases)
        self.n, self.batch_size, self.delta, self.budget = int(n), int(batch_size), float(delta), budget
        self.noise_multiplier, self.accountant, self.verbose = noise_multiplier, accountant, verbose
        self.steps_per_epoch = steps_per_epoch or poisson_steps_per_epoch(self.n, self.batch_size)
        self.steps = 0
        self.epsilons: list[float] = []
        self.diverged: tuple[int, int, float] | None = None
        if budget is not None and not budget > 0:
            raise ArgumentError(f"`budget` must be > 0. Received: {budget}")

    def epsilon(self, steps: int) -> float:
        if steps <= 0:
            if not self.prior_releases:
                return 0.0
            from pybbdl.privacy.accounting import _releases_epsilon

            return _releases_epsilon(self.prior_releases, self.delta, "pld" if self.accountant == "pld" else "rdp")
        return dp_sgd_epsilon(self.n, self.batch_size, self._sigma(), steps=steps, delta=self.delta,
                              accountant=self.accountant, prior_releases=self.prior_releases)

    def _sigma(self) -> float:
        if self.noise_multiplier is not None:
            return self.noise_multiplier
        cfg = getattr(self.model, "dp_config", None)
        if cfg is None:
            raise ArgumentError("PrivacyLedger: the model is not private (call make_private first) and no "
                             "noise_multiplier was given")
        # one example moves a clipped microbatch mean by up to 2C: the effective sigma is halved
        return cfg.noise_multiplier / 2 if cfg.num_microbatches else cfg.noise_multiplier

    def on_train_begin(self, logs=None):
        if getattr(self.model, "dp_config", None) is None:
            raise ArgumentError("PrivacyLedger on a model without DP-SGD: call make_private(model, ...) first; "
                             "refusing to report epsilon for a non-private run")
        if self.budget is not None and self.epsilon(self.steps + self.steps_per_epoch) > self.budget:
            raise ArgumentError(f"One epoch already spends epsilon {self.epsilon(self.steps + self.steps_per_epoch):.3f}"
                             f" > budget {self.budget}: raise the noise multiplier or the budget")

    def on_train_batch_end(self, batch, logs=None):
        self.steps += 1
        loss = (logs or {}).get("loss")
        if loss is not None and not np.isfinite(float(loss)):
            self.model.stop_training = True
            self.diverged = (len(self.epsilons) + 1, batch + 1, float(loss))

    def on_epoch_end(self, epoch, logs=None):
        eps = self.epsilon(self.steps)
        self.epsilons.append(eps)
        if logs is not None:
            logs["epsilon"] = eps
        if self.verbose:
            print(f"epoch {epoch + 1}: {self.steps} DP steps, epsilon = {eps:.3f} (delta = {self.delta:g})")
        if self.budget is not None and self.epsilon(self.steps + self.steps_per_epoch) > self.budget:
            self.model.stop_training = True
            if self.verbose:
                print(f"stopping: another epoch would exceed the budget epsilon = {self.budget}")


def dp_fit(model: keras.Model, x, y=None, *, epochs: int, batch_size: int, delta: float,
           noise_multiplier: float | None = None, target_epsilon: float | None = None, l2_norm_clip: float = 1.0,
           sampling: Sampling = "poisson", budget: float | None = None, num_microbatches: int | None = None,
           validation_data=None, callbacks=None, seed: int = 0, verbose="auto", method: Method = "auto",
           physical_batch_size: int | None = None, prior_releases=()):
    """Compile-then-train in one call: make ``model`` private, train on Poisson batches, keep a ledger.

    Give ``noise_multiplier`` or ``target_epsilon`` (sigma is then calibrated for ``epochs`` with
    :func:`~pybbdl.privacy.accounting.calibrate_noise`). The model must be compiled. Returns the Keras
    ``History`` with ``history.history["epsilon"]`` and ``history.privacy`` (the statement).

    ``physical_batch_size``: virtual batches (gradient accumulation). ``batch_size`` is then the expected
    *logical* batch (e.g. 4096), drawn by Poisson sampling as usual, and each logical step is computed in
    slices of at most ``physical_batch_size`` examples, with the noise added once per logical step; the
    ledger and the statement count logical steps. Same seed, same result as without it (up to float
    rounding), in the memory of one slice.

    ``prior_releases``: noise multipliers of Gaussian releases of the same training data made before this
    run (e.g. ``norm.noise_multipliers`` of :func:`pybbdl.privacy.features.private_normalization`). The
    ledger's epsilon, a ``target_epsilon`` calibration and the statement then cover them too.

    Raises:
        ArgumentError: an uncompiled model, ``epochs`` not a whole number >= 1, C infinite or <= 0,
            sigma <= 0, microbatches that do not divide the batch size.
        ModelFitError: the loss became NaN or infinite: training stops and no epsilon is stated
            (the run is not a model anyone should release).
    """
    if not isinstance(model, keras.Model):
        raise ArgumentTypeError(f"`model` must be a keras.Model. Received: {type(model).__name__}")
    if getattr(model, "optimizer", None) is None or getattr(model, "loss", None) is None:
        raise ArgumentError("`model` must be compiled (optimizer and loss) before dp_fit: call "
                            "model.compile(optimizer=..., loss=...) first. Received: an uncompiled model")
    epochs = check_positive_int("epochs", epochs)
    batch_size = check_positive_int("batch_size", batch_size)
    if (noise_multiplier is None) == (target_epsilon is None):
        raise ArgumentError("Give exactly one of `noise_multiplier` and `target_epsilon`")
    if sampling not in ("poisson", "shuffle"):
        raise ArgumentError(f'`sampling` must be "poisson" or "shuffle". Received: {sampling!r}')
    n = len(tf.nest.flatten(x)[0])
    check_delta(delta, n, stacklevel=3)
    from pybbdl.privacy.accounting import check_prior_releases

    prior_releases = check_prior_releases(prior_releases)
    l2_norm_clip, _ = _check_clip_noise(l2_norm_clip, 1.0 if noise_multiplier is None else noise_multiplier)
    if num_microbatches is not None:
        num_microbatches = check_positive_int("num_microbatches", num_microbatches)
        if sampling == "poisson":
            raise ArgumentError("num_microbatches needs fixed-size batches: use sampling='shuffle' with a batch "
                                "size divisible by num_microbatches")
        if batch_size % num_microbatches or n % batch_size % num_microbatches:
            raise ArgumentError(f"`num_microbatches` must divide every batch: batch_size={batch_size} and the last "
                                f"batch of {n % batch_size or batch_size} (n={n}). Received: "
                                f"num_microbatches={num_microbatches}")
    if target_epsilon is not None:
        from pybbdl.privacy.accounting import calibrate_noise

        # the steps that will run (Poisson: epochs x round(n / batch_size), which can exceed ceil(epochs * n / B))
        steps = epochs * poisson_steps_per_epoch(n, batch_size) if sampling == "poisson" else None
        noise_multiplier = calibrate_noise(n, batch_size, target_epsilon, delta, epochs=None if steps else epochs,
                                           steps=steps, prior_releases=prior_releases).noise_multiplier
    make_private(model, noise_multiplier=noise_multiplier, l2_norm_clip=l2_norm_clip,
                 num_microbatches=num_microbatches, method=method, seed=seed,
                 expected_batch_size=batch_size if sampling == "poisson" else None,
                 physical_batch_size=physical_batch_size)
    ledger = PrivacyLedger(n=n, batch_size=batch_size, delta=delta, budget=budget, prior_releases=prior_releases)
    callbacks = [ledger, *(callbacks or [])]
    if sampling == "poisson":
        data = PoissonBatches(x, y, batch_size=batch_size, seed=seed)
        history = model.fit(data, epochs=epochs, validation_data=validation_data, callbacks=callbacks,
                            verbose=verbose)
    else:
        history = model.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=True, callbacks=callbacks,
                            validation_data=validation_data, verbose=verbose)
    if ledger.diverged is not None:
        epoch, batch, loss = ledger.diverged
        raise ModelFitError(f"DP training diverged: the loss became {loss} at epoch {epoch}, batch {batch}; no "
                            "epsilon is stated for it. Lower the learning rate or the clipping norm.")
    history.privacy = privacy_statement(n, batch_size, noise_multiplier, delta=delta, steps=ledger.steps,
                                        sampling=sampling,
                                        l2_norm_clip=l2_norm_clip, microbatching=bool(num_microbatches),
                                        prior_releases=prior_releases) if ledger.steps else "no DP steps were run"
    history.epsilon = ledger.epsilons[-1] if ledger.epsilons else 0.0
    history.noise_multiplier = float(noise_multiplier)
    return history
