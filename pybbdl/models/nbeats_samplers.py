"""Training windows of the N-BEATS global model, *sampled*, never materialised: each batch draws
series uniformly and a cut point in each series' last ``history_limit * horizon`` values, and
gathers its inputs and targets from one flat array of all histories, so memory grows with the data
(one float per observation), not with the number of windows. :class:`WindowSampler` feeds the
single generic network (inputs left-padded with the series' first value, scaled by their mean
absolute value); :class:`PaperSampler` feeds the published ensemble's members (zero padding,
masked). Also the last input window of each series, to forecast from.
"""

from __future__ import annotations

import numpy as np


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


class PaperSampler:
    """The authors' window sampler: a series uniformly, a cut point uniformly in its last
    ``history_limit * H`` values (at least 1 input value, targets may run past the end: masked),
    inputs left-padded with zeros (masked). Windows are scaled by the mean absolute value of their
    observed inputs (the losses are scale-free, so this only eases optimisation). Batch ``i`` is
    a function of (seed, i): a member resumed or run elsewhere sees the same batches."""

    def __init__(self, ys, lookback: int, horizon: int, period: int, batch_size: int, history_limit: int,
                 seed: int):
        self.lookback, self.horizon, self.period, self.batch_size = lookback, horizon, period, batch_size
        self.lengths = np.array([len(y) for y in ys])
        self.flat = np.concatenate([np.asarray(y, dtype=np.float32) for y in ys] + [np.zeros(1, np.float32)])
        self.offsets = np.r_[0, np.cumsum(self.lengths)[:-1]]
        self.lo = np.maximum(1, self.lengths - history_limit * horizon)
        self.usable = np.flatnonzero(self.lengths >= 2)
        self.seed = int(seed)

    def batch(self, i: int):
        rng = np.random.default_rng([self.seed, int(i)])
        idx = self.usable[rng.integers(0, len(self.usable), self.batch_size)]
        n, lo = self.lengths[idx], self.lo[idx]
        cut = lo + np.floor(rng.random(self.batch_size) * (n - lo)).astype(int)  # in [lo, n-1]
        x, mask, y, tmask = self.windows(idx, cut)
        scale = masked_scale(x, mask)
        x, y = x / scale, y / scale
        p = self.period if self.lookback > self.period else 1
        pair = mask[:, p:] * mask[:, :-p]
        cnt = pair.sum(axis=1)
        masep = np.where(cnt > 0, (np.abs(x[:, p:] - x[:, :-p]) * pair).sum(axis=1) / np.maximum(cnt, 1), 0.0)
        inv = np.where(masep > 0, 1.0 / np.where(masep > 0, masep, 1.0), 0.0).astype(np.float32)[:, None]
        return (x, mask), np.concatenate([y, tmask, inv], axis=1)

    def windows(self, idx, cut):
        """Raw inputs (zero-padded), their mask, targets (zero past the end) and theirs, cut at `cut`."""
        pos = cut[:, None] - self.lookback + np.arange(self.lookback)[None, :]
        mask = (pos >= 0).astype(np.float32)
        x = np.where(mask > 0, self.flat[self.offsets[idx, None] + np.maximum(pos, 0)], 0.0).astype(np.float32)
        tpos = cut[:, None] + np.arange(self.horizon)[None, :]
        tmask = (tpos < self.lengths[idx, None]).astype(np.float32)
        y = np.where(tmask > 0, self.flat[self.offsets[idx, None] + np.minimum(tpos, self.lengths[idx, None] - 1)],
                     0.0).astype(np.float32)
        return x, mask, y, tmask

    def last(self):
        """Every series' last input window, scaled, its mask and its scale."""
        x, mask, _, _ = self.windows(np.arange(len(self.lengths)), self.lengths.copy())
        scale = masked_scale(x, mask)
        return x / scale, mask, scale


def masked_scale(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean absolute observed value of each window (1 where that is 0), shape (n, 1)."""
    cnt = mask.sum(axis=1, keepdims=True)
    s = np.abs(x * mask).sum(axis=1, keepdims=True) / np.maximum(cnt, 1)
    return np.where(s > 0, s, 1.0).astype(np.float32)
