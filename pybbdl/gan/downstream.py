"""Downstream accuracy of synthetic digits: train a classifier on generated samples, test it on real images.

The protocol of the private-generator literature (DP-MERF, GS-WGAN, DP-Sinkhorn, DPDM Table 1): logistic
regression, an MLP and a small CNN, each trained on the synthetic (image, label) pairs only and scored on the real
MNIST test set. All three are Keras models (pybbdl's core needs no scikit-learn):

* ``"logreg"``: softmax regression on the 784 pixels (Adam 1e-3, 10 epochs, batch 256);
* ``"mlp"``: 784 -> 100 ReLU -> 10 (scikit-learn's MLPClassifier default width; Adam 1e-3, 10 epochs, batch 256);
* ``"cnn"``: conv 3x3 32 -> max-pool -> conv 3x3 64 -> max-pool -> dropout 0.25 -> dense 128 ReLU -> dropout 0.5
  -> 10 (the Keras MNIST example; Adam 1e-3, 5 epochs, batch 128).

The settings are fixed conventions, not tuned on the test set. Pixels are fed in [0, 1].
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from pybbdl._validation import check_positive_int
from pybbdl.exceptions import ArgumentError

#: The classifiers and their training settings (epochs, batch size, Adam learning rate).
DOWNSTREAM_CLASSIFIERS = {"logreg": {"epochs": 10, "batch_size": 256, "learning_rate": 1e-3},
                          "mlp": {"epochs": 10, "batch_size": 256, "learning_rate": 1e-3},
                          "cnn": {"epochs": 5, "batch_size": 128, "learning_rate": 1e-3}}
DOWNSTREAM_COLUMNS = ("classifier", "accuracy", "train_size", "test_size", "epochs", "seconds")


def build_downstream_classifier(name: str, seed: int = 1, num_classes: int = 10):
    """The Keras model of one downstream classifier (input ``(28, 28, 1)`` in [0, 1], softmax output)."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(int(seed))
    inp = keras.Input((28, 28, 1))
    if name == "logreg":
        h = layers.Flatten()(inp)
    elif name == "mlp":
        h = layers.Dense(100, activation="relu")(layers.Flatten()(inp))
    elif name == "cnn":
        h = layers.Conv2D(32, 3, activation="relu")(inp)
        h = layers.MaxPooling2D()(h)
        h = layers.Conv2D(64, 3, activation="relu")(h)
        h = layers.MaxPooling2D()(h)
        h = layers.Dropout(0.25)(layers.Flatten()(h))
        h = layers.Dropout(0.5)(layers.Dense(128, activation="relu")(h))
    else:
        raise ArgumentError(f"`classifiers` must name {sorted(DOWNSTREAM_CLASSIFIERS)}. Received: {name!r}")
    out = layers.Dense(num_classes, activation="softmax")(h)
    return keras.Model(inp, out, name=f"downstream_{name}")


def _check_classifiers(classifiers) -> tuple[str, ...]:
    if isinstance(classifiers, str):
        classifiers = (classifiers,)
    names = tuple(classifiers)
    bad = [c for c in names if c not in DOWNSTREAM_CLASSIFIERS]
    if not names or bad or len(set(names)) != len(names):
        raise ArgumentError(f"`classifiers` must be distinct names from {sorted(DOWNSTREAM_CLASSIFIERS)}. "
                            f"Received: {list(names)}")
    return names


def _unit(images, name):
    from pybbdl.gan.images import check_images

    return (check_images(images, name=name) + np.float32(1.0)) / np.float32(2.0)


def downstream_accuracy(samples, labels, test_images, test_labels, classifiers=("logreg", "mlp", "cnn"), *,
                        seed: int = 1, epochs: dict | int | None = None, verbose: int = 0) -> pd.DataFrame:
    """Train each classifier on (`samples`, `labels`) and return its accuracy on (`test_images`, `test_labels`).

    Args:
        samples: Synthetic images ``(n, 28, 28[, 1])`` or flat ``(n, 784)`` in [-1, 1], [0, 1] or [0, 255].
        labels: Their digits 0-9.
        test_images, test_labels: The real test set (MNIST's 10,000 test images in the literature).
        classifiers: Any of ``"logreg"``, ``"mlp"``, ``"cnn"`` (see the module docstring).
        seed: Seeds the classifiers' weights and batch order.
        epochs: Override the epochs: one number for all, or a mapping name -> epochs (tests use 1).

    Returns:
        A table with one row per classifier and columns ``classifier``, ``accuracy`` (fraction correct on the
        test set), ``train_size``, ``test_size``, ``epochs``, ``seconds`` (training + scoring wall time).
    """
    from pybbdl.gan.images import check_labels

    names = _check_classifiers(classifiers)
    seed = check_positive_int("seed", seed, minimum=0)
    if epochs is None:
        chosen = {c: DOWNSTREAM_CLASSIFIERS[c]["epochs"] for c in names}
    elif isinstance(epochs, dict):
        unknown = sorted(set(epochs) - set(names))
        if unknown:
            raise ArgumentError(f"`epochs` names classifiers that are not run: {unknown}. Received: {epochs}")
        chosen = {c: check_positive_int(f"epochs[{c!r}]", epochs.get(c, DOWNSTREAM_CLASSIFIERS[c]["epochs"]))
                  for c in names}
    else:
        chosen = {c: check_positive_int("epochs", epochs) for c in names}
    x = _unit(samples, "samples")
    y = check_labels(labels, len(x), 10)
    xt = _unit(test_images, "test_images")
    yt = check_labels(test_labels, len(xt), 10, name="test_labels")

    import keras

    rows = []
    for name in names:
        spec = DOWNSTREAM_CLASSIFIERS[name]
        t0 = time.perf_counter()
        model = build_downstream_classifier(name, seed)
        model.compile(optimizer=keras.optimizers.Adam(spec["learning_rate"]),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(x, y, epochs=chosen[name], batch_size=spec["batch_size"], shuffle=True, verbose=verbose)
        pred = np.argmax(model.predict(xt, batch_size=1000, verbose=0), axis=1)
        rows.append({"classifier": name, "accuracy": float(np.mean(pred == yt)), "train_size": len(x),
                     "test_size": len(xt), "epochs": chosen[name], "seconds": time.perf_counter() - t0})
    return pd.DataFrame(rows, columns=list(DOWNSTREAM_COLUMNS))


__all__ = ["DOWNSTREAM_CLASSIFIERS", "DOWNSTREAM_COLUMNS", "build_downstream_classifier", "downstream_accuracy"]
