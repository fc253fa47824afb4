"""A global forecaster trained once across many series: an N-BEATS-style MLP (Oreshkin et al. 2020).

One network per (period, horizon) group of a panel learns from windows of all its series.
Training windows are *sampled*, never materialised: each batch draws series uniformly and a cut
point in each series' last ``history_limit * horizon`` values, and gathers its inputs and targets
from one flat array of all histories (:class:`WindowSampler`, a ``keras.utils.PyDataset``), so
memory grows with the data (one float per observation), not with the number of windows.

Each window is scaled by the mean absolute value of its input (so series of any units share one
network); the forecast is scaled back. Inputs shorter than the lookback are padded on the left
with the series' first value. The network is N-BEATS' generic architecture: ``blocks`` fully
connected blocks, each emitting a backcast (subtracted from its input before the next block: the
residual stacking) and a forecast (summed over blocks). Loss: mean absolute error on the scaled
values. TensorFlow is imported only when a model is fitted.
"""

from __future__ import annotations

import time

import numpy as np

from pybbdl._validation import check_positive_int
from pybbdl.exceptions import ArgumentError, DataError, NotFittedError


class WindowSampler:
    """Random (input, target) batches across series, drawn on the fly from a flat array.

    Args:
        ys: The histories (1-d arrays).
        lookback, horizon: Input and target lengths.
        batch_size, steps: Windows per batch and batches per epoch.
        history_limit: Cut points come from each series' last ``history_limit * horizon`` values.
        seed: The sampler's random seed (batch ``i`` of epoch ``e`` is the same for a seed).
    """

    def __init__(self, ys, lookback: int, horizon: int, batch_size: int, steps: int, history_limit: int, seed: int):
        self.lookback, self.horizon, self.batch_size, self.steps = lookback, horizon, batch_size, steps
        lengths = np.array([len(y) for y in ys])
        self.flat = np.concatenate([np.asarray(y, dtype=np.float32) for y in ys])
        self.offsets = np.r_[0, np.cumsum(lengths)[:-1]]
        self.lengths = lengths
        # cut c: target y[c:c+h] inside the history, at least 1 input value
        self.hi = lengths - horizon
        self.lo = np.maximum(1, lengths - history_limit * horizon)
        self.usable = np.flatnonzero(self.hi >= 1)
        self.lo = np.minimum(self.lo, np.maximum(self.hi, 1))
        self.seed = int(seed)
        self.epoch = 0

    def batch(self, rng: np.random.Generator):
        idx = self.usable[rng.integers(0, len(self.usable), self.batch_size)]
        cut = self.lo[idx] + np.floor(rng.random(self.batch_size) * (self.hi[idx] - self.lo[idx] + 1)).astype(int)
        pos = cut[:, None] - self.lookback + np.arange(self.lookback)[None, :]
        x = self.flat[self.offsets[idx, None] + np.maximum(pos, 0)]
        y = self.flat[self.offsets[idx, None] + cut[:, None] + np.arange(self.horizon)[None, :]]
        scale = window_scale(x)
        return x / scale, y / scale

    def __len__(self):
        return self.steps

    def __getitem__(self, i: int):
        rng = np.random.default_rng([self.seed, self.epoch, int(i)])
        return self.batch(rng)


def window_scale(x: np.ndarray) -> np.ndarray:
    """The per-window scale: mean absolute input value (1 where that is 0), shape (n, 1)."""
    s = np.mean(np.abs(x), axis=1, keepdims=True)
    return np.where(s > 0, s, 1.0).astype(np.float32)


def last_windows(ys, lookback: int) -> np.ndarray:
    """Each series' last `lookback` values, left-padded with its first value."""
    out = np.empty((len(ys), lookback), dtype=np.float32)
    for i, y in enumerate(ys):
        y = np.asarray(y, dtype=np.float32)
        take = y[-lookback:]
        out[i, lookback - len(take):] = take
        out[i, :lookback - len(take)] = y[0]
    return out


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


class NBeatsGlobal:
    """An N-BEATS-style global model for the series of one (period, horizon) group.

    Args:
        horizon: Steps to forecast. period: The group's seasonal period (recorded only).
        lookback_mult: Input length = ``lookback_mult * horizon``.
        blocks, layers, width: Blocks, fully connected layers per block, units per layer.
        steps: Training batches (``epochs * steps_per_epoch``); batch_size: windows per batch.
        history_limit: Training cut points from each series' last ``history_limit * horizon`` values.
        learning_rate: Adam's learning rate. seed: Seeds Keras, NumPy and the sampler.
        deterministic: Switch TensorFlow's op determinism on while training.
    """

    stochastic = True

    def __init__(self, horizon: int, period: int = 1, seed: int = 42, lookback_mult: int = 3, blocks: int = 4,
                 layers: int = 3, width: int = 256, steps: int = 1200, batch_size: int = 512,
                 history_limit: int = 10, learning_rate: float = 1e-3, epochs: int = 4, deterministic: bool = True,
                 verbose: int = 0):
        self.horizon = check_positive_int("horizon", horizon)
        self.period = check_positive_int("period", period)
        self.seed = int(seed)
        for name in ("lookback_mult", "blocks", "layers", "width", "steps", "batch_size", "history_limit", "epochs"):
            check_positive_int(name, locals()[name])
        if not learning_rate > 0:
            raise ArgumentError(f"`learning_rate` must be positive. Received: {learning_rate!r}")
        self.lookback = lookback_mult * self.horizon
        self.lookback_mult, self.blocks, self.layers, self.width = lookback_mult, blocks, layers, width
        self.steps, self.batch_size, self.history_limit = steps, batch_size, history_limit
        self.learning_rate, self.epochs = learning_rate, epochs
        self.deterministic, self.verbose = deterministic, verbose

    def fit(self, ys) -> NBeatsGlobal:
        """Train on the histories `ys` (a list of 1-d arrays, original units)."""
        from pybbdl._tensorflow import import_tensorflow_quietly

        import_tensorflow_quietly()
        import keras

        from pybbdl.models.neural import op_determinism, seed_everything

        ys = [np.asarray(y, dtype=float) for y in ys]
        if not any(len(y) > self.horizon for y in ys):
            raise DataError(f"N-BEATS needs at least one series longer than the horizon {self.horizon}. "
                            f"Received: lengths {sorted({len(y) for y in ys})[:10]}")
        start = time.perf_counter()
        seed_everything(self.seed)
        per_epoch = max(1, self.steps // self.epochs)
        sampler = _KerasSampler(WindowSampler(ys, self.lookback, self.horizon, self.batch_size, per_epoch,
                                              self.history_limit, self.seed))
        with op_determinism(self.deterministic):
            self.model_ = build_nbeats(self.lookback, self.horizon, self.blocks, self.layers, self.width)
            self.model_.compile(optimizer=keras.optimizers.Adam(self.learning_rate), loss="mae")
            hist = self.model_.fit(sampler, epochs=self.epochs, verbose=self.verbose, shuffle=False)
        self.history_ = {k: [float(v) for v in vals] for k, vals in hist.history.items()}
        self.fit_seconds_ = time.perf_counter() - start
        return self

    def forecast(self, ys) -> list[np.ndarray]:
        """Forecast `horizon` steps past the end of each history in `ys` (original units)."""
        if not hasattr(self, "model_"):
            raise NotFittedError("NBeatsGlobal: call fit(ys) before forecast()")
        x = last_windows(ys, self.lookback)
        scale = window_scale(x)
        out = self.model_.predict(x / scale, batch_size=4096, verbose=0) * scale
        return [row.astype(float) for row in out]

    def describe(self) -> str:
        return (f"N-BEATS generic: {self.blocks} blocks x {self.layers} x {self.width} units, lookback "
                f"{self.lookback}, horizon {self.horizon}, {self.steps} steps of {self.batch_size}")


def _KerasSampler(sampler: WindowSampler):
    """`sampler` as a ``keras.utils.PyDataset`` (made lazily: Keras is imported only on fit)."""
    import keras

    class _Data(keras.utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.s = sampler

        def __len__(self):
            return len(self.s)

        def __getitem__(self, i):
            return self.s[i]

        def on_epoch_end(self):
            self.s.epoch += 1

    return _Data()


__all__ = ["NBeatsGlobal", "WindowSampler", "build_nbeats", "last_windows", "window_scale"]
