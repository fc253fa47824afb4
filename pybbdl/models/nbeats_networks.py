"""The N-BEATS networks (Keras 3; Keras is imported only when one is built): the generic network of
the single global model (:func:`build_nbeats`), the authors' generic and interpretable (trend and
seasonality bases) stacks of the published ensemble (:func:`build_nbeats_paper`) and the paper's
three training losses (sMAPE, MAPE, MASE).
"""

from __future__ import annotations

import numpy as np


def build_nbeats(lookback: int, horizon: int, blocks: int, layers: int, width: int):
    """The generic N-BEATS network (Keras functional model)."""
    import keras

    inp = keras.Input((lookback,), name="window")
    residual, forecast = inp, None
    for b in range(blocks):
        h = residual
        for k in range(layers):
            h = keras.layers.Dense(width, activation="relu", name=f"block{b}_fc{k}")(h)
        backcast = keras.layers.Dense(lookback, name=f"block{b}_backcast")(h)
        f = keras.layers.Dense(horizon, name=f"block{b}_forecast")(h)
        residual = keras.layers.Subtract(name=f"block{b}_residual")([residual, backcast])
        forecast = f if forecast is None else keras.layers.Add(name=f"block{b}_sum")([forecast, f])
    return keras.Model(inp, forecast, name="nbeats_generic")


def _dense(units, name, activation=None):
    import keras

    # PyTorch's Linear initialisation (uniform +-1/sqrt(fan_in)), as the authors' networks start
    return keras.layers.Dense(units, activation=activation, name=name,
                              kernel_initializer=keras.initializers.VarianceScaling(1 / 3, "fan_in", "uniform"))


def _basis_matrices(stack: str, lookback: int, horizon: int, degree: int = 2, harmonics: int = 1):
    """Fixed (backcast, forecast) bases of the interpretable blocks: polynomial trend or Fourier seasonality."""
    if stack == "trend":
        tb = np.stack([(np.arange(lookback) / lookback) ** i for i in range(degree + 1)])
        tf_ = np.stack([(np.arange(horizon) / horizon) ** i for i in range(degree + 1)])
        return tb.astype(np.float32), tf_.astype(np.float32)
    freq = np.append(0.0, np.arange(harmonics, harmonics / 2 * horizon) / harmonics)[None, :]
    gb = -2 * np.pi * (np.arange(lookback)[:, None] / horizon) * freq
    gf = 2 * np.pi * (np.arange(horizon)[:, None] / horizon) * freq
    back = np.concatenate([np.cos(gb).T, np.sin(gb).T])  # (2F, L)
    fore = np.concatenate([np.cos(gf).T, np.sin(gf).T])  # (2F, H)
    return back.astype(np.float32), fore.astype(np.float32)


def build_nbeats_paper(stack: str, lookback: int, horizon: int, net: dict):
    """The authors' N-BEATS (Keras 3): inputs ``window`` and its 0/1 ``mask`` (left padding), the input
    reversed, residual stacking with the padding masked, the forecast starting from the last value.
    ``stack``: ``"generic"`` (``blocks`` x ``layers`` x ``width``) or ``"interpretable"`` (a trend
    stack then a seasonality stack, each of blocks sharing their weights)."""
    import keras
    from keras import ops

    x_in = keras.Input((lookback,), name="window")
    m_in = keras.Input((lookback,), name="mask")
    residual = ops.flip(x_in, axis=1)
    mask = ops.flip(m_in, axis=1)
    forecast = x_in[:, -1:]
    if stack == "generic":
        blocks = []
        for b in range(net["blocks"]):
            fcs = [_dense(net["width"], f"block{b}_fc{k}", "relu") for k in range(net["layers"])]
            blocks.append((fcs, _dense(lookback, f"block{b}_backcast"), _dense(horizon, f"block{b}_forecast")))
    else:
        blocks = []
        for part in ("trend", "seasonality"):
            back_basis, fore_basis = _basis_matrices(part, lookback, horizon, net["degree"], net["harmonics"])
            fcs = [_dense(net[f"{part}_width"], f"{part}_fc{k}", "relu") for k in range(net[f"{part}_layers"])]
            theta_b = _dense(back_basis.shape[0], f"{part}_theta_backcast")
            theta_f = _dense(fore_basis.shape[0], f"{part}_theta_forecast")
            back = keras.layers.Lambda(lambda t, B=back_basis: ops.matmul(t, B), name=f"{part}_backcast_basis")
            fore = keras.layers.Lambda(lambda t, B=fore_basis: ops.matmul(t, B), name=f"{part}_forecast_basis")
            shared = (fcs, keras.Sequential([theta_b, back]), keras.Sequential([theta_f, fore]))
            blocks += [shared] * net[f"{part}_blocks"]  # one block applied again: shared weights, as published
    for fcs, back, fore in blocks:
        h = residual
        for fc in fcs:
            h = fc(h)
        residual = (residual - back(h)) * mask
        forecast = forecast + fore(h)
    return keras.Model([x_in, m_in], forecast, name=f"nbeats_{stack}")


def _loss_fn(loss: str, horizon: int):
    """A Keras loss of ``y_true = [target (H) | target mask (H) | 1/MASE scale (1)]``."""
    from keras import ops

    def fn(y_true, y_pred):
        y, m, inv = y_true[:, :horizon], y_true[:, horizon:2 * horizon], y_true[:, 2 * horizon:]
        if loss == "mape":
            w = ops.where(ops.abs(y) > 0, m / ops.where(ops.abs(y) > 0, ops.abs(y), 1.0), 0.0)
            return ops.mean(ops.abs(y_pred - y) * w, axis=1)
        if loss == "mase":
            return ops.mean(ops.abs(y_pred - y) * m * inv, axis=1)
        den = ops.stop_gradient(ops.abs(y_pred) + ops.abs(y))
        return 200 * ops.mean(ops.where(den > 0, ops.abs(y_pred - y) / ops.where(den > 0, den, 1.0), 0.0) * m, axis=1)

    fn.__name__ = f"{loss}_loss"
    return fn
