"""Prediction intervals of the N-BEATS global model: split-conformal, from in-sample forecast
origins (:func:`calibration_histories`, :func:`conformal_intervals`).
"""

from __future__ import annotations

import numpy as np


#: In-sample forecast origins the intervals are calibrated on: each series' last ``H + j`` values
#: held out, j = 0..CALIBRATION_ORIGINS-1 (the network saw these windows in training, so the
#: intervals can be too narrow; the panel's scores say how they cover).
CALIBRATION_ORIGINS = 3


def calibration_histories(ys, horizon: int, origins: int = CALIBRATION_ORIGINS):
    """``[(series index, cut)]`` and the truncated histories ``y[:cut]`` of the in-sample origins."""
    where, hist = [], []
    for j in range(origins):
        for i, y in enumerate(ys):
            cut = len(y) - horizon - j
            if cut >= 2:
                where.append((i, cut))
                hist.append(np.asarray(y[:cut], dtype=float))
    return where, hist


def conformal_intervals(ys, means, horizon: int, where, calib_means, levels) -> list:
    """Split-conformal intervals: per step, the `level` quantile of the in-sample absolute errors
    scaled by each history's mean absolute last-H value, times that scale of each series."""
    import pandas as pd

    from pybbdl.models.series import interval_columns

    def scale(y):
        s = float(np.mean(np.abs(np.asarray(y, dtype=float)[-horizon:])))
        return s if s > 0 else 1.0

    errs = np.array([np.abs(np.asarray(ys[i][cut:cut + horizon], float) - f) / scale(ys[i][:cut])
                     for (i, cut), f in zip(where, calib_means)]).reshape(-1, horizon)
    out = []
    qs = {}
    for level in levels:
        n = len(errs)
        if n == 0:
            qs[level] = np.full(horizon, np.nan)
            continue
        rank = min(1.0, np.ceil((n + 1) * level) / n)
        qs[level] = np.quantile(errs, rank, axis=0, method="higher")
    for y, m in zip(ys, means):
        cols = {"mean": m}
        s = scale(y)
        for level in levels:
            lo, hi = interval_columns(level)
            cols[lo], cols[hi] = m - qs[level] * s, m + qs[level] * s
        out.append(pd.DataFrame(cols).drop(columns="mean"))
    return out
