"""DP-MERF (Harder, Adamczewski & Park, AISTATS 2021): a private conditional digit generator from one release.

The data are touched once. The class-conditional kernel mean embedding of the training set in random Fourier
features (RFF),

    E = (1/n) sum_i phi(x_i) e_{y_i}^T            (features x classes),

with ``phi(x) = [cos(W x), sin(W x)] / sqrt(D/2)`` (``D`` features, ``W`` a ``(D/2, 784)`` draw of N(0, I / l^2):
the Gaussian kernel ``exp(-||x - x'||^2 / (2 l^2))`` on [0, 1] pixels) and ``e_y`` the one-hot label, is released
through the Gaussian mechanism, ``E + N(0, (sigma * Delta)^2)``. A generator (label + a small noise code -> image)
is then trained to match the released embedding with the RFF approximation of the MMD,
``||E_noisy - (1/B) sum_j phi(g_j) e_{y_j}^T||_F^2``, without touching the data again (post-processing).

Sensitivity (replace-one adjacency: neighbouring datasets have the same n and differ in one record, as in the
paper, Sec. 4.1). ``||phi(x)|| = 1`` for every x (cos^2 + sin^2 = 1, averaged), and ``||e_y|| = 1``, so each term
``phi(x) e_y^T`` has Frobenius norm 1 and replacing one record moves E by at most

    ||phi(x) e_y^T - phi(x') e_y'^T||_F / n <= 2 / n       (:func:`embedding_sensitivity`).

The bound is attained when y = y' and phi(x') = -phi(x) (every ``w_j . (x - x')`` an odd multiple of pi), which is
possible whenever the frequencies are at most as many as the pixels; with y != y' the change is exactly sqrt(2)/n.
The frequencies W are data-independent (drawn from the seed), so they cost no privacy. The generator, its
samples and the downstream classifiers are post-processing, so the whole run is (epsilon, delta)-DP with the
epsilon of ONE Gaussian mechanism of noise multiplier sigma
(:func:`pybbdl.privacy.accounting.gaussian_release_epsilon`). n itself is public under replace-one adjacency.

Defaults follow the reference implementation for digit MNIST (github.com/ParkLabML/DP-MERF,
``code_balanced/mnist_sr_gen.py``): 10,000 features, ``l^2 = 105``, a convolutional generator (5-d code + one-hot
label -> dense 200 -> dense 7x7x16 -> upsample -> conv 5x5 8 -> upsample -> conv 5x5 1, batch norm, sigmoid),
batch 100, Adam at 0.01 decayed by 0.9 per epoch, 5 epochs of n / batch steps; generator labels drawn uniformly.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pybbdl._validation import check_positive_int
from pybbdl.exceptions import ArgumentError

#: The defaults of :func:`train_merf` (those of the reference code for digit MNIST, see the module docstring).
MERF_DEFAULTS = {"features": 10_000, "length_scale": math.sqrt(105.0), "code_dim": 5, "hidden": 200,
                 "channels": (16, 8), "batch_size": 100, "epochs": 5, "learning_rate": 0.01, "lr_decay": 0.9,
                 "target_epsilon": 10.0, "delta": 1e-5, "seed": 1}
#: Memory (bytes) a run may plan for at most: this share of the machine's physical memory.
MEMORY_SHARE = 0.5
NUM_CLASSES = 10
IMAGE_SHAPE = (28, 28, 1)


def embedding_sensitivity(n: int) -> float:
    """L2 (Frobenius) sensitivity of the mean embedding under replace-one adjacency: ``2 / n`` (module docstring)."""
    return 2.0 / check_positive_int("n", n)


def physical_memory() -> int:
    """Bytes of physical memory of this machine (0 when unknown)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 0


def merf_memory_bytes(features: int, batch_size: int, input_dim: int = 784, num_classes: int = NUM_CLASSES,
                      chunk: int = 2000) -> int:
    """Bytes DP-MERF needs beyond the data: the float32 frequencies, the embedding (float64 while summed), the
    features of one chunk of data / one generator batch and their gradients (about 4 live copies)."""
    half = features // 2
    return int(4 * half * input_dim + 8 * 2 * features * num_classes
               + 4 * 4 * max(chunk, batch_size) * (features + half))


def check_merf_arguments(features, length_scale, batch_size, epochs, learning_rate, target_epsilon, delta,
                         code_dim=5, *, memory_limit: int | None = None) -> dict:
    """Check every DP-MERF setting up front (no data read, no model built); return them cleaned.

    A feature count whose working memory (:func:`merf_memory_bytes`) exceeds `memory_limit` (default half of
    this machine's physical memory) is refused.
    """
    features = check_positive_int("features", features)
    if features < 2 or features % 2:
        raise ArgumentError(f"`features` must be an even number >= 2 (cosine and sine of each frequency). "
                            f"Received: features={features}")
    batch_size = check_positive_int("batch_size", batch_size)
    limit = int(MEMORY_SHARE * physical_memory()) if memory_limit is None else int(memory_limit)
    need = merf_memory_bytes(features, batch_size)
    if limit > 0 and need > limit:
        raise ArgumentError(f"`features` must fit in memory: {features} random features with batch {batch_size} "
                            f"need about {need / 2**30:.1f} GiB, more than the {limit / 2**30:.1f} GiB allowed "
                            f"({MEMORY_SHARE:.0%} of this machine's memory). Received: features={features}")
    return {"features": features, "batch_size": batch_size,
            "length_scale": _number("length_scale", length_scale, lower=0),
            "epochs": check_positive_int("epochs", epochs),
            "learning_rate": _number("learning_rate", learning_rate, lower=0),
            "target_epsilon": _number("target_epsilon", target_epsilon, lower=0),
            "delta": _number("delta", delta, lower=0, upper=1),
            "code_dim": check_positive_int("code_dim", code_dim)}


def _number(name, value, *, lower, upper=None):
    """A finite number in (lower, upper) (open), else "`name` must be ... Received: ..."."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        out = math.nan
    ok = not isinstance(value, bool) and math.isfinite(out) and out > lower and (upper is None or out < upper)
    if not ok:
        where = f"in ({lower}, {upper})" if upper is not None else f"> {lower}"
        raise ArgumentError(f"`{name}` must be a finite number {where}. Received: {name}={value!r}")
    return out


def check_delta_below_one_over_n(delta: float, n: int) -> None:
    """DP-MERF refuses delta >= 1/n (such a delta allows publishing a whole record)."""
    if delta >= 1.0 / n:
        raise ArgumentError(f"`delta` must be < 1/n = {1.0 / n:.3g} (n = {n} images): a larger delta allows "
                            f"publishing a whole record. Received: delta={delta:g}")


def rff_frequencies(features: int, length_scale: float, input_dim: int = 784, seed: int = 0) -> np.ndarray:
    """The ``(features / 2, input_dim)`` float32 frequencies W ~ N(0, I / length_scale^2) (data-independent)."""
    rng = np.random.default_rng([int(seed), 0x6D657266])   # "merf": a stream of its own
    return (rng.standard_normal((features // 2, input_dim)) / float(length_scale)).astype(np.float32)


def rff_features(x: np.ndarray, freqs: np.ndarray) -> np.ndarray:
    """``phi(x) = [cos(x W^T), sin(x W^T)] / sqrt(D/2)`` for flat rows `x` (NumPy; unit norm per row)."""
    proj = (np.asarray(x, dtype=np.float32) @ np.asarray(freqs, dtype=np.float32).T).astype(np.float64)
    return np.concatenate([np.cos(proj), np.sin(proj)], axis=1) / math.sqrt(freqs.shape[0])


def mean_embedding(x: np.ndarray, labels: np.ndarray, freqs: np.ndarray, num_classes: int = NUM_CLASSES, *,
                   chunk: int = 2000) -> np.ndarray:
    """The class-conditional mean embedding ``(1/n) sum_i phi(x_i) e_{y_i}^T``: ``(features, num_classes)``
    float64, computed `chunk` rows at a time. `x` holds flat rows in [0, 1]."""
    x = np.asarray(x, dtype=np.float32).reshape(len(x), -1)
    labels = np.asarray(labels).astype(np.int64)
    total = np.zeros((2 * freqs.shape[0], num_classes))
    for start in range(0, len(x), chunk):
        phi = rff_features(x[start:start + chunk], freqs)
        onehot = np.eye(num_classes)[labels[start:start + chunk]]
        total += phi.T @ onehot
    return total / len(x)


@dataclass
class MerfRelease:
    """The one release that touched the data: the noisy embedding, the noise and its accounting."""

    embedding: np.ndarray = field(repr=False)   # (features, classes), noise added
    n: int
    noise_multiplier: float
    sensitivity: float
    delta: float
    epsilon: float
    accountant: str


def release_embedding(x, labels, freqs, *, noise_multiplier: float, delta: float, seed: int = 0,
                      num_classes: int = NUM_CLASSES, accountant: str = "pld") -> MerfRelease:
    """The Gaussian mechanism on :func:`mean_embedding`: noise std ``noise_multiplier * 2 / n`` on every entry;
    epsilon from :func:`pybbdl.privacy.accounting.gaussian_release_epsilon` for that one release."""
    from pybbdl.privacy.accounting import gaussian_release_epsilon

    n = len(x)
    sens = embedding_sensitivity(n)
    emb = mean_embedding(x, labels, freqs, num_classes)
    rng = np.random.default_rng([int(seed), 0x6E6F6973])    # the DP noise: a stream of its own
    noisy = emb + rng.normal(0.0, noise_multiplier * sens, size=emb.shape)
    eps = gaussian_release_epsilon(noise_multiplier, delta, accountant=accountant)
    return MerfRelease(noisy, n, float(noise_multiplier), sens, float(delta), eps, accountant)


def build_merf_generator(code_dim: int = 5, num_classes: int = NUM_CLASSES, hidden: int = 200,
                         channels: tuple[int, int] = (16, 8), seed: int = 1):
    """The reference's convolutional conditional generator as a Keras model: inputs ``[code, one_hot]``,
    output ``(28, 28, 1)`` in [0, 1]."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(int(seed))
    code = keras.Input((code_dim,), name="code")
    onehot = keras.Input((num_classes,), name="label")
    h = layers.Concatenate()([code, onehot])
    h = layers.Dense(hidden)(h)
    h = layers.BatchNormalization()(h)
    h = layers.ReLU()(h)
    h = layers.Dense(7 * 7 * channels[0])(h)
    h = layers.BatchNormalization()(h)
    h = layers.Reshape((7, 7, channels[0]))(h)
    h = layers.UpSampling2D(2, interpolation="bilinear")(h)
    h = layers.Conv2D(channels[1], 5, padding="same", activation="relu")(h)
    h = layers.UpSampling2D(2, interpolation="bilinear")(h)
    out = layers.Conv2D(1, 5, padding="same", activation="sigmoid")(h)
    return keras.Model([code, onehot], out, name="merf_generator")


class MerfGenerator:
    """A trained DP-MERF generator with the sampling interface of :class:`~pybbdl.gan.GAN` (images in [-1, 1])."""

    conditional = True

    def __init__(self, generator, code_dim: int, num_classes: int = NUM_CLASSES):
        self.generator = generator
        self.code_dim = int(code_dim)
        self.num_classes = int(num_classes)
        self.latent_dim = self.code_dim

    @property
    def sampler(self):
        return self.generator

    def sample(self, n: int, labels=None, *, seed: int = 0, batch_size: int = 1000) -> np.ndarray:
        """`n` images ``(n, 28, 28, 1)`` in [-1, 1]; `labels` ``(n,)`` digits (None: ``arange(n) % 10``)."""
        from pybbdl.gan.images import check_labels

        n = check_positive_int("n", n)
        labels = np.arange(n) % self.num_classes if labels is None else labels
        labels = check_labels(labels, n, self.num_classes)
        code = np.random.default_rng([int(seed), 0x73616D70]).standard_normal((n, self.code_dim)).astype(np.float32)
        onehot = np.eye(self.num_classes, dtype=np.float32)[labels]
        out = [np.asarray(self.generator([code[s:s + batch_size], onehot[s:s + batch_size]], training=False))
               for s in range(0, n, batch_size)]
        return np.concatenate(out) * np.float32(2.0) - np.float32(1.0)

    def sample_unit(self, n: int, labels=None, *, seed: int = 0) -> np.ndarray:
        """As :meth:`sample`, in [0, 1]."""
        return (self.sample(n, labels, seed=seed) + 1.0) / 2.0

    def grid(self, rows: int = 10, cols: int = 10, *, seed: int = 0):
        """``(rows, cols, 28, 28, 1)`` samples in [-1, 1], row r = digit r, and their labels ``(rows, cols)``."""
        rows, cols = check_positive_int("rows", rows), check_positive_int("cols", cols)
        if rows != self.num_classes:
            raise ArgumentError(f"A conditional grid has one row per class: `rows` must be {self.num_classes}. "
                                f"Received: rows={rows}")
        labels = np.repeat(np.arange(rows, dtype=np.int32), cols)
        images = self.sample(rows * cols, labels, seed=seed)
        return images.reshape(rows, cols, *images.shape[1:]), labels.reshape(rows, cols)


@dataclass
class MerfFit:
    """What :func:`train_merf` returns: the generator, the release, the loss per step and timings."""

    generator: MerfGenerator
    release: MerfRelease
    losses: np.ndarray
    steps_per_epoch: int
    settings: dict
    seconds: dict = field(default_factory=dict)
    extra: Any = None


def train_merf(images, labels, *, features: int = 10_000, length_scale: float = math.sqrt(105.0),
               code_dim: int = 5, batch_size: int = 100, epochs: int = 5, learning_rate: float = 0.01,
               lr_decay: float = 0.9, noise_multiplier: float | None = None, target_epsilon: float | None = 10.0,
               delta: float = 1e-5, seed: int = 1, progress: bool = False) -> MerfFit:
    """Release the noisy mean embedding of (`images`, `labels`) once, then train a generator to match it.

    Args:
        images: ``(n, 28, 28[, 1])`` in [-1, 1], [0, 1] or [0, 255]; labels: digits 0-9.
        features: Random Fourier features D (even; D/2 frequencies).
        length_scale: l of the Gaussian kernel on [0, 1] pixels (reference: l^2 = 105).
        noise_multiplier: sigma of the release (noise std = sigma * 2/n); None: calibrated for `target_epsilon`
            at `delta` (:func:`pybbdl.privacy.accounting.gaussian_release_noise_multiplier`). Give one of the two.
        batch_size, epochs, learning_rate, lr_decay: Generator training (an epoch is ``n // batch_size`` steps;
            the rate is multiplied by `lr_decay` after each epoch).
        seed: Seeds the frequencies, the DP noise, the generator's weights and its codes/labels.
    """
    from pybbdl.gan.images import check_images, check_labels
    from pybbdl.privacy.accounting import gaussian_release_noise_multiplier

    if (noise_multiplier is None) == (target_epsilon is None):
        raise ArgumentError("Give exactly one of `noise_multiplier` and `target_epsilon`. "
                            f"Received: noise_multiplier={noise_multiplier}, target_epsilon={target_epsilon}")
    checked = check_merf_arguments(features, length_scale, batch_size, epochs, learning_rate,
                                   1.0 if target_epsilon is None else target_epsilon, delta, code_dim)
    x = (check_images(images) + 1.0) / 2.0
    n = len(x)
    y = check_labels(labels, n, NUM_CLASSES)
    check_delta_below_one_over_n(checked["delta"], n)
    if checked["batch_size"] > n:
        raise ArgumentError(f"`batch_size` must be <= the number of images, {n}. Received: batch_size={batch_size}")
    if noise_multiplier is None:
        noise_multiplier = gaussian_release_noise_multiplier(checked["target_epsilon"], checked["delta"])
    else:
        from pybbdl.privacy._checks import check_noise

        noise_multiplier = check_noise(noise_multiplier, "noise_multiplier")
    t0 = time.perf_counter()
    freqs = rff_frequencies(checked["features"], checked["length_scale"], x[0].size, seed)
    release = release_embedding(x.reshape(n, -1), y, freqs, noise_multiplier=noise_multiplier,
                                delta=checked["delta"], seed=seed)
    t1 = time.perf_counter()
    steps_per_epoch = max(1, n // checked["batch_size"])
    gen, losses = _fit_generator(release.embedding, freqs, code_dim=checked["code_dim"],
                                 batch_size=checked["batch_size"], steps_per_epoch=steps_per_epoch,
                                 epochs=checked["epochs"], learning_rate=checked["learning_rate"],
                                 lr_decay=float(lr_decay), seed=seed, progress=progress)
    t2 = time.perf_counter()
    settings = {"features": checked["features"], "length_scale": checked["length_scale"],
                "code_dim": checked["code_dim"], "batch_size": checked["batch_size"], "epochs": checked["epochs"],
                "steps": steps_per_epoch * checked["epochs"], "learning_rate": checked["learning_rate"],
                "lr_decay": float(lr_decay), "seed": int(seed), "n": n}
    return MerfFit(MerfGenerator(gen, checked["code_dim"]), release, losses, steps_per_epoch, settings,
                   {"release": t1 - t0, "training": t2 - t1})


def _fit_generator(target, freqs, *, code_dim, batch_size, steps_per_epoch, epochs, learning_rate, lr_decay, seed,
                   progress):
    import keras
    import tensorflow as tf

    gen = build_merf_generator(code_dim, target.shape[1], seed=seed)
    schedule = keras.optimizers.schedules.ExponentialDecay(learning_rate, steps_per_epoch, lr_decay, staircase=True)
    opt = keras.optimizers.Adam(schedule)
    w = tf.constant(freqs.T)                              # (784, D/2)
    tgt = tf.constant(target, dtype=tf.float32)           # (D, C)
    scale = 1.0 / math.sqrt(freqs.shape[0])
    num_classes = target.shape[1]
    rng = tf.random.Generator.from_seed(int(seed))
    opt.build(gen.trainable_variables)

    def step():
        code = rng.normal((batch_size, code_dim))
        onehot = tf.one_hot(rng.uniform((batch_size,), 0, num_classes, dtype=tf.int32), num_classes)
        with tf.GradientTape() as tape:
            img = gen([code, onehot], training=True)
            proj = tf.reshape(img, (batch_size, -1)) @ w
            phi = tf.concat([tf.cos(proj), tf.sin(proj)], axis=1) * scale
            emb = tf.matmul(phi, onehot, transpose_a=True) / batch_size
            loss = tf.reduce_sum(tf.square(tgt - emb))
        grads = tape.gradient(loss, gen.trainable_variables)
        opt.apply_gradients(zip(grads, gen.trainable_variables))
        return loss

    @tf.function
    def run(k):   # k steps in one graph call: no Python round trip per step (about 1.5x faster on 2 cores)
        out = tf.TensorArray(tf.float32, size=k)
        for i in tf.range(k):
            out = out.write(i, step())
        return out.stack()

    total = steps_per_epoch * epochs
    chunk = 50
    losses = np.empty(total)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, desc="DP-MERF generator", unit="step")
    done = 0
    while done < total:
        k = min(chunk, total - done)
        losses[done:done + k] = run(tf.constant(k)).numpy()
        done += k
        if bar is not None:
            bar.update(k)
    if bar is not None:
        bar.close()
    return gen, losses


__all__ = ["MERF_DEFAULTS", "MerfFit", "MerfGenerator", "MerfRelease", "build_merf_generator",
           "check_merf_arguments", "embedding_sensitivity", "mean_embedding", "merf_memory_bytes",
           "release_embedding", "rff_features", "rff_frequencies", "train_merf"]
