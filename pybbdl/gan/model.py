"""The GAN as a Keras 3 ``Model`` with a custom ``train_step`` (TensorFlow backend)."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from pybbdl._validation import check_positive_int
from pybbdl.exceptions import ArgumentError


class GAN(keras.Model):
    """A generator and a discriminator trained against each other (Goodfellow et al. 2014).

    Each ``train_step`` first updates the discriminator D on a batch of real images and as many fakes, then the
    generator G with the non-saturating loss ``-log D(G(z))``. Noise comes from the model's own
    ``keras.random.SeedGenerator``, whose state is a variable, so a checkpoint restores the noise stream too.

    Args:
        generator: ``z -> images`` (``[z, labels] -> images`` when conditional), images in [-1, 1].
        discriminator: ``images -> logits (batch, 1)`` (``[images, labels] -> logits`` when conditional).
        latent_dim: Size of z; z ~ N(0, I).
        num_classes: Classes of a conditional GAN; None = unconditional.
        label_smoothing: One-sided label smoothing (Salimans et al. 2016): real targets are
            ``1 - label_smoothing``, fakes stay 0. In [0, 0.5).
        seed: Seed of the noise stream (and of the DP noise).
        l2_norm_clip, dp_noise_multiplier: When both are given, D is trained with DP-SGD
            (``pybbdl.privacy.dp_model_gradients``, fast per-example norms for Dense/Conv layers): each real
            example's gradient (its loss paired with one fake) is clipped to L2 norm `l2_norm_clip` (finite,
            > 0) and Gaussian noise of std ``dp_noise_multiplier * l2_norm_clip`` is added; sigma <= 0 and
            C = inf are refused (no guarantee). G never sees real data, so it inherits D's guarantee by
            post-processing. :func:`~pybbdl.gan.train_gan` draws D's real batches by Poisson sampling and keeps a
            ledger of every D step, so the epsilon it states is exact (``fit`` uses fixed-size batches: there the
            Poisson epsilon is only the usual approximation). Sigma calibration: ``pybbdl.workflows.gan_train``.
            ``dp_l2_norm_clip`` is a deprecated alias of `l2_norm_clip`.
        ema_decay: Keep an exponential moving average of G's variables, ``ema = d_n * ema + (1 - d_n) * w``
            after G update n, with ``d_n = min(ema_decay, (1 + n) / (10 + n))`` (the warm-up of
            ``tf.train.ExponentialMovingAverage``) (Yazici et al. 2019); ``sample`` and ``grid`` then draw from
            the average, which has visibly less pixel noise. None = off; 0.999 is typical.
        dp_num_microbatches: With DP: clip the mean gradient of this many equal microbatches of (real, fake)
            pairs instead of every pair (cheaper; one example still changes one clipped microbatch). None = one
            microbatch per example. Must divide the batch size.

    Call arguments:
        inputs: z ``(batch, latent_dim)``, or ``[z, labels]`` when conditional. Returns images.

    Example:
        >>> gen, disc = build_mlp_gan()
        >>> gan = GAN(gen, disc, latent_dim=100, seed=1)
        >>> gan.compile()                      # Adam(2e-4, beta_1=0.5) for both players
        >>> gan.fit(x_train, epochs=1, batch_size=128)     # or train_gan(...) for checkpoints and resume
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model, *, latent_dim: int = 100,
                 num_classes: int | None = None, label_smoothing: float = 0.0, seed: int | None = None,
                 l2_norm_clip: float | None = None, dp_noise_multiplier: float | None = None,
                 dp_num_microbatches: int | None = None, ema_decay: float | None = None,
                 dp_l2_norm_clip: float | None = None, **kwargs):
        from pybbdl.privacy._checks import renamed

        dp_l2_norm_clip = renamed("dp_l2_norm_clip", "l2_norm_clip", dp_l2_norm_clip, l2_norm_clip)
        super().__init__(**kwargs)
        self.latent_dim = check_positive_int("latent_dim", latent_dim)
        self.num_classes = None if num_classes is None else check_positive_int("num_classes", num_classes, minimum=2)
        if not 0 <= float(label_smoothing) < 0.5:
            raise ArgumentError(f"`label_smoothing` must be in [0, 0.5). Received: label_smoothing={label_smoothing}")
        self.label_smoothing = float(label_smoothing)
        if (dp_l2_norm_clip is None) != (dp_noise_multiplier is None):
            raise ArgumentError("DP-SGD needs both `l2_norm_clip` and `dp_noise_multiplier` (or neither). Received: "
                                f"l2_norm_clip={dp_l2_norm_clip}, dp_noise_multiplier={dp_noise_multiplier}")
        if dp_l2_norm_clip is not None:
            from pybbdl.privacy import check_dp_layers
            from pybbdl.privacy._checks import check_l2_norm_clip, check_noise

            dp_l2_norm_clip = check_l2_norm_clip(dp_l2_norm_clip)
            dp_noise_multiplier = check_noise(dp_noise_multiplier, "dp_noise_multiplier")

            check_dp_layers(discriminator)   # refuses BatchNormalization & co., which mix the examples of a batch
        self._l2_norm_clip = None if dp_l2_norm_clip is None else float(dp_l2_norm_clip)
        self.dp_noise_multiplier = None if dp_noise_multiplier is None else float(dp_noise_multiplier)
        self.dp_num_microbatches = (None if dp_num_microbatches is None
                                    else check_positive_int("dp_num_microbatches", dp_num_microbatches))
        self.generator = generator
        self.discriminator = discriminator
        if ema_decay is not None and not 0 < float(ema_decay) < 1:
            raise ArgumentError(f"`ema_decay` must be in (0, 1) or None. Received: ema_decay={ema_decay}")
        self.ema_decay = None if ema_decay is None else float(ema_decay)
        self.generator_ema = None
        if self.ema_decay is not None:
            self.generator_ema = keras.models.clone_model(generator)
            self.generator_ema.set_weights(generator.get_weights())
        self.seed = seed
        self.noise_seed = keras.random.SeedGenerator(seed)
        self.dp_seed = keras.random.SeedGenerator(None if seed is None else seed + 7919)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")

    @property
    def conditional(self) -> bool:
        return self.num_classes is not None

    @property
    def private(self) -> bool:
        return self._l2_norm_clip is not None

    @property
    def l2_norm_clip(self) -> float | None:
        """The discriminator's DP-SGD clipping norm C (None without DP)."""
        return self._l2_norm_clip

    @property
    def dp_l2_norm_clip(self) -> float | None:
        """Deprecated name of :attr:`l2_norm_clip`."""
        return self._l2_norm_clip

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        """Both optimizers default to Adam(learning_rate=2e-4, beta_1=0.5) (Radford et al. 2016)."""
        super().compile(**kwargs)
        self.d_optimizer = d_optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5)
        self.g_optimizer = g_optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5)

    def build_optimizers(self) -> None:
        """Create the optimizer slots eagerly (before ``tf.function`` tracing and before restoring a checkpoint)."""
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)

    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)

    def _generate(self, z, labels, training):
        return self.generator([z, labels] if self.conditional else z, training=training)

    def _discriminate(self, images, labels, training):
        logits = self.discriminator([images, labels] if self.conditional else images, training=training)
        return ops.reshape(logits, (-1,))

    def _split(self, data):
        if isinstance(data, (tuple, list)):
            images = data[0]
            labels = data[1] if len(data) > 1 else None
        else:
            images, labels = data, None
        if self.conditional and labels is None:
            raise ArgumentError("A conditional GAN trains on (images, labels) pairs; no labels were given.")
        return images, (ops.cast(labels, "int32") if self.conditional else None)

    def train_step_losses(self, data):
        """One D update then one G update on a batch; returns this step's ``{"d_loss", "g_loss", "d_real",
        "d_fake"}`` (losses in nats per example; d_real/d_fake = mean D probability on reals/fakes).

        This is what ``fit`` runs (fixed-size batches; with DP the noisy sum is divided by each batch's size).
        :func:`~pybbdl.gan.train_gan` instead calls :meth:`d_step` (Poisson-sampled real batches with DP,
        `n_d_steps` of them) and :meth:`g_step`, which is what makes its stated epsilon exact."""
        real, labels = self._split(data)
        logs = self.d_step(data)
        logs["g_loss"] = self.g_step(labels, ops.shape(real)[0])
        return logs

    def d_step(self, data, weights=None, expected_batch_size=None):
        """One discriminator update on real `data` (images, or ``(images, labels)``) and as many fakes; returns
        ``{"d_loss", "d_real", "d_fake"}`` (weighted means over the batch).

        With DP, every real example's term (its loss paired with one fake) is clipped to `l2_norm_clip` and the
        noise is added once; the noisy sum is divided by `expected_batch_size` (the Poisson sampling's expected
        batch size; None = this batch's size). `weights` (one per real example, 0 or 1) lets a Poisson draw
        that came out empty run as one zero-weight row: the update is then pure noise, as the analysis
        assumes."""
        real, labels = self._split(data)
        batch = ops.shape(real)[0]
        z = keras.random.normal((batch, self.latent_dim), seed=self.noise_seed)
        fake = self._generate(z, labels, training=True)
        target = 1.0 - self.label_smoothing
        d_vars = self.discriminator.trainable_variables
        if self.private:
            d_grads, real_logits, fake_logits, per_example = self._dp_discriminator_gradients(
                real, fake, labels, target, batch, weights=weights, expected_batch_size=expected_batch_size)
        else:
            with tf.GradientTape() as tape:
                real_logits = self._discriminate(real, labels, training=True)
                fake_logits = self._discriminate(fake, labels, training=True)
                # binary cross-entropy with logits: softplus(l) - t * l
                per_example = (ops.softplus(real_logits) - target * real_logits) + ops.softplus(fake_logits)
                if weights is not None:
                    per_example = per_example * ops.cast(weights, per_example.dtype)
                d_loss = ops.mean(per_example)
            d_grads = tape.gradient(d_loss, d_vars)
        self.d_optimizer.apply_gradients(zip(d_grads, d_vars))
        w = ops.ones((batch,), "float32") if weights is None else ops.cast(weights, "float32")
        count = ops.sum(w)

        def mean(v):
            return tf.math.divide_no_nan(ops.sum(ops.cast(v, "float32") * w), count)

        return {"d_loss": mean(per_example), "d_real": mean(ops.sigmoid(real_logits)),
                "d_fake": mean(ops.sigmoid(fake_logits))}

    def g_step(self, labels=None, batch_size=None):
        """One generator update with the non-saturating loss ``-log D(G(z))`` on `batch_size` fakes; returns the
        loss. A conditional GAN conditions them on `labels`, or (None) on labels drawn uniformly from the classes
        with the GAN's noise stream: :func:`~pybbdl.gan.train_gan` does that with DP, so that G never sees a real
        label and inherits D's guarantee by post-processing."""
        if self.conditional and labels is None:
            labels = keras.random.randint((batch_size,), 0, self.num_classes, seed=self.noise_seed, dtype="int32")
        if labels is not None:
            batch_size = ops.shape(labels)[0]
        z = keras.random.normal((batch_size, self.latent_dim), seed=self.noise_seed)
        g_vars = self.generator.trainable_variables
        with tf.GradientTape() as tape:
            logits = self._discriminate(self._generate(z, labels, training=True), labels, training=True)
            g_loss = ops.mean(ops.softplus(-logits))  # non-saturating: -log sigmoid(D(G(z)))
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, g_vars), g_vars))
        if self.ema_decay is not None:
            # warm-up as tf.train.ExponentialMovingAverage(num_updates=n): decay min(d, (1 + n) / (10 + n)), so
            # the average forgets the random initial weights within the first few hundred steps
            n = ops.cast(self.g_optimizer.iterations, "float32")
            decay = ops.minimum(self.ema_decay, (1.0 + n) / (10.0 + n))
            for avg, var in zip(self.generator_ema.variables, self.generator.variables):
                avg.assign(decay * avg + (1.0 - decay) * ops.cast(var, avg.dtype))
        return g_loss

    def _dp_discriminator_gradients(self, real, fake, labels, target, batch, weights=None, expected_batch_size=None):
        """DP-SGD gradients of D (``pybbdl.privacy.dp_model_gradients``). Real image i and fake i are interleaved
        into rows 2i, 2i+1 and each (real, fake) pair is one microbatch, so the clipped unit is example i's term
        ``(bce(D(x_i), t) + bce(D(G(z_i)), 0)) / 2``; with `dp_num_microbatches` = M, B/M pairs share a
        microbatch. Noise std: ``dp_noise_multiplier * l2_norm_clip``; denominator: `expected_batch_size` (Poisson
        sampling) or the number of microbatches."""
        from pybbdl.privacy import dp_model_gradients

        shape = ops.shape(real)[1:]
        rows = ops.reshape(ops.stack([real, ops.cast(fake, real.dtype)], axis=1), (2 * batch, *shape))
        targets = ops.reshape(ops.stack([ops.full((batch,), target), ops.zeros((batch,))], axis=1), (2 * batch,))
        inputs = [rows, ops.repeat(labels, 2)] if self.conditional else rows
        row_weights = None if weights is None else ops.repeat(ops.cast(weights, "float32"), 2)

        def bce(t, logits):
            logits = ops.reshape(logits, (-1,))
            return ops.softplus(logits) - t * logits

        groups = self.dp_num_microbatches if self.dp_num_microbatches is not None else batch
        grads, losses, logits, _ = dp_model_gradients(
            self.discriminator, inputs, targets, bce, l2_norm_clip=self._l2_norm_clip,
            noise_multiplier=self.dp_noise_multiplier, seed_generator=self.dp_seed, num_microbatches=groups,
            variables=self.discriminator.trainable_variables, sample_weight=row_weights,
            denominator=None if expected_batch_size is None else float(expected_batch_size))
        pairs = ops.reshape(logits, (batch, 2))
        return grads, pairs[:, 0], pairs[:, 1], ops.sum(ops.reshape(losses, (batch, 2)), axis=1)

    def train_step(self, data):
        losses = self.train_step_losses(data)
        self.d_loss_tracker.update_state(losses["d_loss"])
        self.g_loss_tracker.update_state(losses["g_loss"])
        return {m.name: m.result() for m in self.metrics}

    # ---------------------------------------------------------------- sampling
    @property
    def sampler(self) -> keras.Model:
        """The generator that ``sample``/``grid`` use: the moving average when `ema_decay` is set."""
        return self.generator_ema if self.generator_ema is not None else self.generator

    def sample(self, n: int, labels=None, *, seed: int = 0, batch_size: int = 1000) -> np.ndarray:
        """`n` images ``(n, H, W, C)`` in [-1, 1] from fixed noise (stateless: `seed` alone decides z; the
        training noise stream is untouched). A conditional GAN needs `labels` ``(n,)``; None = ``arange(n) % K``."""
        n = check_positive_int("n", n)
        if self.conditional:
            from pybbdl.gan.images import check_labels

            labels = np.arange(n) % self.num_classes if labels is None else labels
            labels = check_labels(labels, n, self.num_classes)
        z = keras.random.normal((n, self.latent_dim), seed=int(seed))
        out = []
        for start in range(0, n, batch_size):
            zb = z[start:start + batch_size]
            inputs = [zb, ops.convert_to_tensor(labels[start:start + batch_size])] if self.conditional else zb
            out.append(keras.ops.convert_to_numpy(self.sampler(inputs, training=False)))
        return np.concatenate(out)

    def grid(self, rows: int = 10, cols: int = 10, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray | None]:
        """A ``(rows, cols, H, W, C)`` block of samples in [-1, 1] and their labels ``(rows, cols)``.

        Conditional: row r is conditioned on label r (rows 0-9 on MNIST), so `rows` must equal `num_classes`;
        labels is None for an unconditional GAN.
        """
        rows, cols = check_positive_int("rows", rows), check_positive_int("cols", cols)
        labels = None
        if self.conditional:
            if rows != self.num_classes:
                raise ArgumentError(f"A conditional grid has one row per class: `rows` must be {self.num_classes}. "
                                 f"Received: rows={rows}")
            labels = np.repeat(np.arange(rows, dtype=np.int32), cols)
        images = self.sample(rows * cols, labels, seed=seed)
        return (images.reshape(rows, cols, *images.shape[1:]),
                None if labels is None else labels.reshape(rows, cols))


def make_gan(model: str, latent_dim: int = 100, *, seed: int | None = None, label_smoothing: float = 0.0,
             l2_norm_clip: float | None = None, dp_noise_multiplier: float | None = None,
             dp_num_microbatches: int | None = None, ema_decay: float | None = None,
             dp_l2_norm_clip: float | None = None, **builder_kwargs) -> GAN:
    """Build ``"mlp"``, ``"dcgan"`` or ``"cgan"`` (MNIST shapes unless `builder_kwargs` say otherwise) and wrap it
    in a :class:`GAN`. An int `seed` seeds the initial weights (``keras.utils.set_random_seed``) and the noise.
    DP: give `l2_norm_clip` (finite, > 0) and `dp_noise_multiplier` (> 0; sigma <= 0 is refused);
    ``dp_l2_norm_clip`` is a deprecated alias of `l2_norm_clip`."""
    from pybbdl.gan.builders import build_gan
    from pybbdl.privacy._checks import renamed

    l2_norm_clip = renamed("dp_l2_norm_clip", "l2_norm_clip", dp_l2_norm_clip, l2_norm_clip)

    if seed is not None:
        keras.utils.set_random_seed(int(seed))
    generator, discriminator = build_gan(model, latent_dim, **builder_kwargs)
    num_classes = builder_kwargs.get("num_classes", 10) if model == "cgan" else None
    return GAN(generator, discriminator, latent_dim=latent_dim, num_classes=num_classes, seed=seed,
               label_smoothing=label_smoothing, l2_norm_clip=l2_norm_clip,
               dp_noise_multiplier=dp_noise_multiplier, dp_num_microbatches=dp_num_microbatches,
               ema_decay=ema_decay)
