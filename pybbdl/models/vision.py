"""Image classifiers used by the privacy experiments."""

from __future__ import annotations

import keras

from pybbdl.exceptions import ArgumentError


def mnist_cnn(*, input_shape: tuple[int, int, int] = (28, 28, 1), classes: int = 10,
              activation: str = "relu") -> keras.Model:
    """The CNN of tensorflow-privacy's MNIST DP-SGD tutorial (26,010 weights; logits out).

    Conv 16@8x8 stride 2 "same" -> max-pool 2x2 stride 1 -> conv 32@4x4 stride 2 -> max-pool 2x2
    stride 1 -> dense 32 -> dense 10. No batch normalisation, so DP-SGD's fast path applies.
    ``activation="tanh"`` gives the "tempered sigmoid" variant of Papernot et al. (2021), which
    keeps activations bounded and learns better under gradient clipping.
    """
    if activation not in ("relu", "tanh"):
        raise ArgumentError(f'`activation` must be "relu" or "tanh". Received: {activation!r}')
    return keras.Sequential([
        keras.Input(input_shape),
        keras.layers.Conv2D(16, 8, strides=2, padding="same", activation=activation),
        keras.layers.MaxPool2D(2, 1),
        keras.layers.Conv2D(32, 4, strides=2, padding="valid", activation=activation),
        keras.layers.MaxPool2D(2, 1),
        keras.layers.Flatten(),
        keras.layers.Dense(32, activation=activation),
        keras.layers.Dense(classes),
    ], name="mnist_cnn")
