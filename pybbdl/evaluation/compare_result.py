"""What :func:`~pybbdl.evaluation.compare.compare` and :func:`~pybbdl.evaluation.backtest.backtest`
return: the :class:`Comparison`, and the frames of forecasts it holds (intervals of the first seed,
:func:`interval_frames`; every origin x horizon, :func:`horizon_frames`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pybbdl.evaluation.intervals import interval_frame
from pybbdl.windows import Windows


@dataclass
class Comparison:
    """What :func:`~pybbdl.evaluation.compare.compare` and :func:`~pybbdl.evaluation.backtest.backtest` return.

    Attributes:
        table: One row per model (the 0.1 "wide" layout): ``{part}_mae``, ``{part}_rmse`` in target
            units (mean over seeds, with ``_sd`` columns when there are several),
            ``{part}_skill_pct`` (100 * (1 - MAE / naive MAE)), ``{part}_dm_vs_<b>``/``{part}_p_vs_<b>``
            for each baseline ``b`` (negative statistic = more accurate than ``b``; median over seeds),
            ``seeds``, ``epochs``, ``fit_seconds``, ``n_params``, ``spec`` (``describe()``), ``note``.
        long: The same numbers as a long, tidy table, see :func:`~pybbdl.evaluation.compare_scores.long_table`.
        forecasts: ``{part: DataFrame}`` of the actual target and each model's forecast (the
            first seed's), indexed by target timestamps.
        histories: ``{model: {"loss": [...], "val_loss": [...]}}`` (first seed).
        windows: The :class:`~pybbdl.windows.Windows` scored on (the last fold's for a backtest).
        models: The fitted forecasters (first seed).
        seed_forecasts: ``{part: {model: array (seeds, n)}}``.
        baselines: The models the DM columns test against.
        levels: The interval levels scored (``()`` = none).
        intervals: ``{part: {model: DataFrame(mean, lower_80, upper_80, ...)}}`` indexed by target
            timestamps (first seed); for a backtest, all folds pooled.
        interval_methods: ``{model: "model" | "conformal"}``: the model's own ``predict_interval``
            or split-conformal intervals calibrated on the validation part
            (:mod:`pybbdl.evaluation.intervals`).
        nests: ``{model: (models it nests, ...)}``: pairs tested with Clark-West instead of DM.
        columns: The catalog of `table`'s metric columns
            (:func:`~pybbdl.evaluation.compare_layout.wide_layout`): which metric (of
            :mod:`pybbdl.evaluation.metrics`), part, level and baseline each column holds, its
            label and whether it is printed; R's print method and the terminal summary read it.
        horizon_forecasts: With several horizons: ``{part: DataFrame}`` with one row per origin
            and horizon (``origin``, ``horizon``, ``target_time``, ``actual`` and each model's
            forecast, first seed); empty otherwise.
    """

    table: pd.DataFrame
    forecasts: dict[str, pd.DataFrame]
    histories: dict[str, dict]
    windows: Windows
    models: dict = field(default_factory=dict)
    seed_forecasts: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    long: pd.DataFrame | None = None
    baselines: list[str] = field(default_factory=list)
    levels: tuple = ()
    intervals: dict[str, dict[str, pd.DataFrame]] = field(default_factory=dict)
    interval_methods: dict[str, str] = field(default_factory=dict)
    nests: dict[str, tuple] = field(default_factory=dict)
    horizon_forecasts: dict[str, pd.DataFrame] = field(default_factory=dict)
    columns: pd.DataFrame | None = None


def interval_frames(ints: Mapping, preds: Mapping, index: Mapping) -> dict[str, dict[str, pd.DataFrame]]:
    """``{part: {model: DataFrame(mean, lower_80, upper_80, ...)}}`` of the first seed."""
    out: dict[str, dict[str, pd.DataFrame]] = {}
    for name, by_part in ints.items():
        for part, runs in by_part.items():
            if runs:
                out.setdefault(part, {})[name] = interval_frame(preds[name][part][0], runs[0], index=index[part])
    return out


def horizon_frames(windows: Windows, preds, parts) -> dict[str, pd.DataFrame]:
    """``{part: DataFrame}`` of every origin x horizon: origin time, horizon, target time, actual,
    each model's forecast (first seed)."""
    out = {}
    for part in parts:
        rows = windows.rows(part)
        k = len(windows.horizons)
        frame = pd.DataFrame({
            "origin": np.repeat(np.asarray(windows.frame.index[rows - 1]), k),
            "horizon": np.tile(np.asarray(windows.horizons), len(rows)),
            "target_time": np.asarray(windows.frame.index[(rows[:, None] + np.asarray(windows.horizons) - 1)
                                      .reshape(-1)]),
            "actual": windows.targets_by_horizon(part, scaled=False).reshape(-1)})
        for name, by in preds.items():
            if part in by:
                frame[name] = by[part][0].reshape(-1)
        out[part] = frame
    return out
