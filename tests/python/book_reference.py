"""Literal, slow ports of the book's generator() (test oracles and the benchmark's baseline).

`book_generator_python` is the Python edition's function (DLwP 1st ed. §6.3.2) as printed.
`book_generator_r` transcribes the R edition's function (DLwR §6.3.2) line by line, keeping R's
1-based indices, inclusive `:` ranges, `seq(from, to, length.out)` arithmetic and the
truncation of fractional subscripts.
"""

import math

import numpy as np


def book_generator_python(data, lookback, delay, min_index, max_index, shuffle=False, batch_size=128, step=6):
    if max_index is None:
        max_index = len(data) - delay - 1
    i = min_index + lookback
    while 1:
        if shuffle:
            rows = np.random.randint(min_index + lookback, max_index, size=batch_size)
        else:
            if i + batch_size >= max_index:
                i = min_index + lookback
            rows = np.arange(i, min(i + batch_size, max_index))
            i += len(rows)

        samples = np.zeros((len(rows), lookback // step, data.shape[-1]))
        targets = np.zeros((len(rows),))
        for j, row in enumerate(rows):
            indices = range(rows[j] - lookback, rows[j], step)
            samples[j] = data[indices]
            targets[j] = data[rows[j] + delay][1]
        yield samples, targets


def r_seq_length_out(from_, to, length_out):
    """R's seq.default(from, to, length.out = n) for n >= 1 (R 4.x source)."""
    if length_out > 2:
        if from_ == to:
            return [from_] * length_out
        n1 = length_out - 1
        by = (to - from_) / n1
        return [from_] + [from_ + k * by for k in range(1, n1)] + [to]
    return [from_, to][:length_out]


def book_generator_r(data, lookback, delay, min_index, max_index, shuffle=False, batch_size=128, step=6):
    """Returns a closure like the R function; indices are R's (1-based)."""
    nrow, ncol = data.shape
    if max_index is None:
        max_index = nrow - delay - 1
    state = {"i": min_index + lookback}

    def gen():
        i = state["i"]
        if shuffle:
            raise NotImplementedError("R's sample() stream is not reproducible from Python")
        if i + batch_size >= max_index:
            i = min_index + lookback
        rows = list(range(i, min(i + batch_size - 1, max_index) + 1))  # i:min(...) inclusive
        state["i"] = i + len(rows)
        depth = lookback / step
        samples = np.zeros((len(rows), int(depth), ncol))
        targets = np.zeros(len(rows))
        for j in range(len(rows)):
            indices = r_seq_length_out(float(rows[j] - lookback), float(rows[j] - 1), int(depth))
            samples[j] = data[[math.trunc(x) - 1 for x in indices], :]  # R truncates subscripts
            targets[j] = data[rows[j] + delay - 1, 1]  # data[rows[[j]] + delay, 2]
        return samples, targets

    return gen
