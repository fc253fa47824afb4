"""Densely connected forecaster of DLwR §6.3.4: flatten the window, Dense(32, relu), Dense(1)."""

from __future__ import annotations

import keras

from pybbdl._validation import check_positive_int
from pybbdl.exceptions import ArgumentError


def model_inputs(input_shape, future_shape=None) -> tuple[list, object, object]:
    """``(inputs, window, future)``: the window input and, when `future_shape` is given, the
    future-known path input ``(horizon, n_known)`` (named ``"window"`` and ``"future"``)."""
    window = keras.Input(shape=tuple(input_shape), name="window")
    if future_shape is None:
        return window, window, None
    future = keras.Input(shape=tuple(future_shape), name="future")
    return {"window": window, "future": future}, window, future


def forecast_head(x, future=None, outputs: int = 1):
    """``Dense(outputs)`` on the network's summary `x`, with the flattened future-known path
    concatenated to it first (so the forecast is linear in the known values given the past)."""
    if future is not None:
        x = keras.layers.Concatenate(name="with_future")([x, keras.layers.Flatten(name="future_flat")(future)])
    return keras.layers.Dense(check_positive_int("outputs", outputs), name="forecast")(x)


@keras.saving.register_keras_serializable(package="pybbdl")
class LastValueSkip(keras.layers.Layer):
    """``forecast + window[:, -1, column]``: adds the window's last value of one input column (the
    scaled target) to every output, so the layers before it learn the change from that value."""

    def __init__(self, column: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.column = int(column)

    def call(self, inputs):
        forecast, window = inputs
        last = window[:, -1, self.column:self.column + 1]  # (batch, 1): broadcast over the outputs
        return forecast + keras.ops.cast(last, forecast.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self) -> dict:
        return {**super().get_config(), "column": self.column}


def with_residual(model: keras.Model, column: int = 0) -> keras.Model:
    """`model` with a skip connection from the window's last value of input column `column` to
    every output: the same layers (and weights), the outputs now the sum of the old ones and
    that value. For a forecaster whose window holds the target, scaled as the target, in column
    `column`: the network forecasts the change from the last observation (all-zero output
    weights give the naive forecast)."""
    inputs = model.input
    window = inputs["window"] if isinstance(inputs, dict) else inputs
    if not 0 <= int(column) < window.shape[-1]:
        raise ArgumentError(f"`column` must be an input column, 0 to {window.shape[-1] - 1}. Received: {column}")
    out = LastValueSkip(column, name="residual")([model.output, window])
    return keras.Model(inputs, out, name=f"{model.name}_residual")


def quantile_taus(levels) -> tuple[float, ...]:
    """The quantiles a quantile network outputs for interval `levels` (validated, sorted): the
    median and ``(1 - L) / 2``, ``(1 + L) / 2`` of each level, sorted, e.g. ``(0.8, 0.95)`` ->
    ``(0.025, 0.1, 0.5, 0.9, 0.975)``."""
    from pybbdl.models.series import interval_quantiles

    return tuple(sorted({0.5, *(tau for lv in levels for tau in interval_quantiles(lv))}))


@keras.saving.register_keras_serializable(package="pybbdl")
class PinballLoss(keras.losses.Loss):
    """The pinball (quantile) loss of a network with ``len(taus)`` outputs per horizon.

    ``y_pred`` is ``(batch, horizons * len(taus))``, horizon-major (the quantiles of horizon 1,
    then of horizon 2, ...); ``y_true`` is ``(batch,)`` or ``(batch, horizons)``. Per window: the
    pinball losses ``max(tau d, (tau - 1) d)``, ``d = y - q_tau``, summed over the quantiles and
    averaged over the horizons; Keras then averages over the windows.
    """

    def __init__(self, taus=(0.5,), name: str = "pinball", **kwargs):
        super().__init__(name=name, **kwargs)
        self.taus = tuple(float(t) for t in taus)

    def call(self, y_true, y_pred):
        n_q = len(self.taus)
        q = keras.ops.reshape(y_pred, (-1, keras.ops.shape(y_pred)[-1] // n_q, n_q))
        y = keras.ops.reshape(keras.ops.cast(y_true, q.dtype), (-1, keras.ops.shape(q)[1], 1))
        tau = keras.ops.reshape(keras.ops.convert_to_tensor(self.taus, dtype=q.dtype), (1, 1, n_q))
        d = y - q
        loss = keras.ops.maximum(tau * d, (tau - 1.0) * d)
        return keras.ops.mean(keras.ops.sum(loss, axis=-1), axis=-1)

    def get_config(self) -> dict:
        return {**super().get_config(), "taus": list(self.taus)}


def build_dense(input_shape: tuple[int, int], *, units: int = 32, dropout: float = 0.0,
                future_shape: tuple[int, int] | None = None, outputs: int = 1) -> keras.Model:
    """Flatten + dense model, uncompiled.

    Args:
        input_shape: ``(timesteps, features)`` of one window.
        units: Width of the hidden layer.
        dropout: Dropout rate after the hidden layer, in [0, 1).
        future_shape: ``(horizon, n_known)`` of the future-known path: a second input
            concatenated before the output layer (see :func:`forecast_head`).
        outputs: Forecasts per window (one per horizon for a multi-horizon, MIMO network).

    Returns:
        A ``keras.Model`` mapping ``(batch, timesteps, features)`` to ``(batch, outputs)``.
    """
    units = check_positive_int("units", units)
    _check_rate("dropout", dropout)
    inputs, window, future = model_inputs(input_shape, future_shape)
    x = keras.layers.Flatten()(window)
    x = keras.layers.Dense(units, activation="relu")(x)
    if dropout:
        x = keras.layers.Dropout(dropout)(x)
    return keras.Model(inputs, forecast_head(x, future, outputs), name="dense")


def _check_rate(name: str, value: float) -> float:
    if not 0.0 <= float(value) < 1.0:
        raise ArgumentError(f"`{name}` must be in [0, 1). Received: {name}={value}")
    return float(value)
