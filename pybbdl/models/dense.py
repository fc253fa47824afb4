"""Densely connected forecaster of DLwR §6.3.4: flatten the window, Dense(32, relu), Dense(1)."""

from __future__ import annotations

import keras

from pybbdl._validation import check_positive_int
from pybbdl.exceptions import ArgumentError


def build_dense(input_shape: tuple[int, int], *, units: int = 32, dropout: float = 0.0) -> keras.Model:
    """Flatten + dense model, uncompiled.

    Args:
        input_shape: ``(timesteps, features)`` of one window.
        units: Width of the hidden layer.
        dropout: Dropout rate after the hidden layer, in [0, 1).

    Returns:
        A ``keras.Model`` mapping ``(batch, timesteps, features)`` to ``(batch, 1)``.
    """
    units = check_positive_int("units", units)
    _check_rate("dropout", dropout)
    inputs = keras.Input(shape=tuple(input_shape), name="window")
    x = keras.layers.Flatten()(inputs)
    x = keras.layers.Dense(units, activation="relu")(x)
    if dropout:
        x = keras.layers.Dropout(dropout)(x)
    outputs = keras.layers.Dense(1, name="forecast")(x)
    return keras.Model(inputs, outputs, name="dense")


def _check_rate(name: str, value: float) -> float:
    if not 0.0 <= float(value) < 1.0:
        raise ArgumentError(f"`{name}` must be in [0, 1). Received: {name}={value}")
    return float(value)
