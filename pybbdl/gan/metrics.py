"""Sample quality: a small MNIST classifier (feature space for FID, label accuracy, class coverage) and the
Parzen-window log-likelihood protocol of Goodfellow et al. (2014).

The classifier is pybbdl's own (:func:`train_mnist_classifier`), so FID values here are in *its* feature
space (the 128-unit layer ``"features"``), not Inception's: compare them with each other, not with papers.
"""

from __future__ import annotations

import math
import os
from typing import NamedTuple

import numpy as np

from pybbdl._validation import check_positive_int
from pybbdl.exceptions import ArgumentError, DataError, DataFileNotFoundError
from pybbdl.gan.images import ValueRange, check_images, check_labels

FEATURE_LAYER = "features"


def build_mnist_classifier(*, image_shape: tuple[int, int, int] = (28, 28, 1), num_classes: int = 10,
                           features: int = 128):
    """A small CNN: Conv(32, 3) -> MaxPool -> Conv(64, 3) -> MaxPool -> Flatten -> Dropout(0.25) ->
    Dense(`features`, ReLU, name ``"features"``) -> Dropout(0.25) -> Dense(num_classes) logits. Inputs in [-1, 1]."""
    import keras
    from keras import layers

    features = check_positive_int("features", features)
    inp = keras.Input(image_shape, name="image")
    x = layers.Conv2D(32, 3, activation="relu")(inp)
    x = layers.MaxPooling2D()(x)
    x = layers.Conv2D(64, 3, activation="relu")(x)
    x = layers.MaxPooling2D()(x)
    x = layers.Dropout(0.25)(layers.Flatten()(x))
    x = layers.Dense(features, activation="relu", name=FEATURE_LAYER)(x)
    out = layers.Dense(check_positive_int("num_classes", num_classes, minimum=2))(layers.Dropout(0.25)(x))
    return keras.Model(inp, out, name="mnist_classifier")


def train_mnist_classifier(images, labels, *, epochs: int = 3, batch_size: int = 128, seed: int = 0,
                           path: str | os.PathLike | None = None, value_range: ValueRange = "auto",
                           verbose: int | str = "auto"):
    """Train :func:`build_mnist_classifier` (Adam 1e-3, cross-entropy) and save it to `path` (``.keras``).

    Args:
        images, labels: MNIST training images (any admissible scale, see ``check_images``) and digits ``(n,)``.
        seed: Seeds weights, shuffling and dropout (``keras.utils.set_random_seed``).
        verbose: Keras ``fit`` verbosity (1 = progress bar).

    Returns:
        The trained ``keras.Model`` (logits).
    """
    import keras

    x = check_images(images, value_range=value_range)
    y = check_labels(labels, len(x), 10)
    keras.utils.set_random_seed(int(seed))
    model = build_mnist_classifier()
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    model.fit(x, y, epochs=check_positive_int("epochs", epochs), batch_size=check_positive_int("batch_size",
              batch_size), verbose=verbose)
    if path is not None:
        path = os.fspath(path)
        if not path.endswith(".keras"):
            raise ArgumentError(f"`path` must end in .keras. Received: path={path!r}")
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        model.save(path)
    return model


def load_classifier(path: str | os.PathLike):
    """Load a classifier saved by :func:`train_mnist_classifier`.

    Raises:
        DataFileNotFoundError: no such file (a FileNotFoundError).
        DataError: the file is not a Keras model, or a model without the classifier's
            ``"features"`` layer (e.g. a GAN's ``generator.keras``); the message names the file.
    """
    import keras

    if not os.path.isfile(path):
        raise DataFileNotFoundError(f"No classifier at {os.fspath(path)!r}; train one with "
                                    "pybbdl.gan.train_mnist_classifier(x, y, path=...)")
    try:
        model = keras.saving.load_model(path)
    except (ValueError, OSError, TypeError) as err:
        raise DataError(f"`classifier` must be a .keras file saved by train_mnist_classifier. Received: "
                        f"{os.fspath(path)!r}, which Keras cannot load ({type(err).__name__}: "
                        f"{str(err).splitlines()[0][:200]})") from None
    if FEATURE_LAYER not in {layer.name for layer in getattr(model, "layers", [])}:
        raise DataError(f"`classifier` must be a model saved by train_mnist_classifier. Received: "
                        f"{os.fspath(path)!r}, a Keras model without its {FEATURE_LAYER!r} layer")
    return model


def _predict(model, x: np.ndarray, batch_size: int) -> np.ndarray:
    import keras

    return np.concatenate([keras.ops.convert_to_numpy(model(x[i:i + batch_size], training=False))
                           for i in range(0, len(x), batch_size)])


def classifier_features(classifier, images, *, batch_size: int = 1000,
                        value_range: ValueRange = "auto") -> np.ndarray:
    """Activations ``(n, features)`` of the classifier's ``"features"`` layer (float64)."""
    import keras

    x = check_images(images, image_shape=tuple(classifier.input_shape[1:]), value_range=value_range)
    sub = keras.Model(classifier.input, classifier.get_layer(FEATURE_LAYER).output)
    return _predict(sub, x, batch_size).astype(np.float64)


def predict_labels(classifier, images, *, batch_size: int = 1000, value_range: ValueRange = "auto") -> np.ndarray:
    """The classifier's argmax class ``(n,)`` for each image."""
    x = check_images(images, image_shape=tuple(classifier.input_shape[1:]), value_range=value_range)
    return _predict(classifier, x, batch_size).argmax(axis=1)


def _psd_sqrt(cov: np.ndarray) -> np.ndarray:
    vals, vecs = np.linalg.eigh(cov)
    return (vecs * np.sqrt(np.clip(vals, 0.0, None))) @ vecs.T


def frechet_distance(features_a, features_b) -> float:
    """Squared Frechet distance between Gaussians fitted to two feature sets ``(n, d)`` (Heusel et al. 2017):
    ``|mu_a - mu_b|^2 + tr(S_a + S_b - 2 (S_a^{1/2} S_b S_a^{1/2})^{1/2})``, computed with symmetric
    eigendecompositions (no complex square roots)."""
    a, b = np.asarray(features_a, np.float64), np.asarray(features_b, np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise DataError(f"Feature sets must be (n, d) with the same d. Received shapes {a.shape} and {b.shape}")
    if len(a) < 2 or len(b) < 2:
        raise DataError(f"Each feature set needs at least 2 rows for a covariance. Received {len(a)} and {len(b)}")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise DataError("Feature sets must be finite (no NaN/inf).")
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root_a = _psd_sqrt(cov_a)
    middle = root_a @ cov_b @ root_a
    cross = np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0.0, None)).sum()
    return float(max(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2.0 * cross, 0.0))


def fid(classifier, real_images, fake_images, *, batch_size: int = 1000) -> float:
    """FID between two image sets in the feature space of `classifier` (pybbdl's MNIST classifier)."""
    return frechet_distance(classifier_features(classifier, real_images, batch_size=batch_size),
                            classifier_features(classifier, fake_images, batch_size=batch_size))


def label_accuracy(classifier, images, labels, *, batch_size: int = 1000) -> float:
    """Share of `images` the classifier assigns to their `labels` (conditioning labels for a cGAN's samples)."""
    pred = predict_labels(classifier, images, batch_size=batch_size)
    return float(np.mean(pred == check_labels(labels, len(pred), classifier.output_shape[-1])))


class ClassCoverage(NamedTuple):
    """covered: classes receiving at least `min_share` of the samples; shares: predicted share per class;
    effective: exp(entropy of shares), 10 for a perfectly balanced MNIST sample, 1 for a single class."""

    covered: int
    shares: np.ndarray
    effective: float


def class_coverage(classifier, images, *, min_share: float = 0.01, batch_size: int = 1000) -> ClassCoverage:
    """How many classes the samples cover, by the classifier's predictions (detects mode collapse)."""
    if not 0 <= min_share < 1:
        raise ArgumentError(f"`min_share` must be in [0, 1). Received: min_share={min_share}")
    pred = predict_labels(classifier, images, batch_size=batch_size)
    k = int(classifier.output_shape[-1])
    shares = np.bincount(pred, minlength=k) / len(pred)
    nz = shares[shares > 0]
    return ClassCoverage(int((shares >= min_share).sum()), shares, float(np.exp(-(nz * np.log(nz)).sum())))


# ------------------------------------------------------------------------------------------- Parzen
class ParzenResult(NamedTuple):
    """mean, std_error: mean log-likelihood of the test points and its standard error (nats); sigma: the
    bandwidth chosen on the validation points; validation: ``{sigma: mean validation log-likelihood}``."""

    mean: float
    std_error: float
    sigma: float
    validation: dict[float, float]


def _flat(points, name: str) -> np.ndarray:
    arr = np.asarray(points, dtype=np.float64)
    if arr.ndim < 2:
        raise DataError(f"`{name}` must be (n, d) points or (n, H, W[, C]) images. Received shape {arr.shape}")
    arr = arr.reshape(len(arr), -1)
    if len(arr) == 0 or not np.isfinite(arr).all():
        raise DataError(f"`{name}` must be a non-empty finite array. Received shape {arr.shape}")
    return arr


def _parzen_many(samples: np.ndarray, points: np.ndarray, sigmas: np.ndarray, batch_size: int) -> np.ndarray:
    """Log-likelihood ``(len(sigmas), n_points)`` of each point under each bandwidth."""
    from scipy.special import logsumexp

    d = samples.shape[1]
    s_sq = (samples ** 2).sum(1)
    out = np.empty((len(sigmas), len(points)))
    for i in range(0, len(points), batch_size):
        x = points[i:i + batch_size]
        dist = np.maximum((x ** 2).sum(1)[:, None] + s_sq[None, :] - 2.0 * x @ samples.T, 0.0)
        for j, sigma in enumerate(sigmas):
            out[j, i:i + batch_size] = logsumexp(-dist / (2.0 * sigma ** 2), axis=1)
    norm = math.log(len(samples)) + 0.5 * d * np.log(2.0 * math.pi * sigmas ** 2)
    return out - norm[:, None]


def parzen_log_likelihood(samples, points, sigma: float, *, batch_size: int = 500) -> np.ndarray:
    """Log-density ``(n_points,)`` of `points` under a Gaussian Parzen window (isotropic std `sigma`) centred on
    `samples`: ``log (1/N) sum_i N(x; s_i, sigma^2 I)``, in nats. Points and samples: ``(n, d)`` or images."""
    if not float(sigma) > 0:
        raise ArgumentError(f"`sigma` must be > 0. Received: sigma={sigma}")
    s, p = _flat(samples, "samples"), _flat(points, "points")
    if s.shape[1] != p.shape[1]:
        raise DataError(f"`samples` and `points` must have the same dimension. Received {s.shape[1]} and {p.shape[1]}")
    return _parzen_many(s, p, np.asarray([float(sigma)]), check_positive_int("batch_size", batch_size))[0]


def parzen_evaluation(samples, validation, test, *, sigmas=None, batch_size: int = 500,
                      progress: bool = False) -> ParzenResult:
    """The protocol of Goodfellow et al. (2014): fit a Gaussian Parzen window to `samples` (they use 10,000),
    choose the bandwidth with the best mean log-likelihood of `validation` among `sigmas` (default, as their
    ``parzen_ll.py``: ``numpy.logspace(-1, 0, 10)``), report the mean test log-likelihood and its standard error.

    Scale images to [0, 1] first (:func:`~pybbdl.gan.images.to_unit`) to compare with the paper's table
    (adversarial nets on MNIST: 225 +- 2 nats). The estimate is biased and high-variance in 784 dimensions
    (Theis et al. 2016): use it beside, not instead of, the other metrics.
    """
    from tqdm.auto import tqdm

    s, v, t = _flat(samples, "samples"), _flat(validation, "validation"), _flat(test, "test")
    if not s.shape[1] == v.shape[1] == t.shape[1]:
        raise DataError(f"samples, validation and test must have the same dimension. Received {s.shape[1]}, "
                        f"{v.shape[1]}, {t.shape[1]}")
    sigmas = np.logspace(-1.0, 0.0, 10) if sigmas is None else np.asarray(sigmas, dtype=np.float64).ravel()
    if sigmas.size == 0 or not (sigmas > 0).all():
        raise ArgumentError(f"`sigmas` must be positive bandwidths. Received: {sigmas}")
    batch_size = check_positive_int("batch_size", batch_size)
    val = np.concatenate([_parzen_many(s, v[i:i + batch_size], sigmas, batch_size)
                          for i in tqdm(range(0, len(v), batch_size), desc="Parzen bandwidth",
                                        disable=not progress)], axis=1).mean(axis=1)
    best = float(sigmas[int(np.argmax(val))])
    ll = parzen_log_likelihood(s, t, best, batch_size=batch_size)
    return ParzenResult(float(ll.mean()), float(ll.std(ddof=1) / math.sqrt(len(ll))) if len(ll) > 1 else float("nan"),
                        best, {float(a): float(b) for a, b in zip(sigmas, val)})
