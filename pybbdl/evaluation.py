"""Score forecasters on identical targets, in original units: MAE, RMSE, skill vs naive."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pybbdl.models import BaseForecaster, NaiveForecaster, make_model
from pybbdl.windows import Windows


def mae(actual, forecast) -> float:
    """Mean absolute error."""
    return float(np.mean(np.abs(np.asarray(actual) - np.asarray(forecast))))


def rmse(actual, forecast) -> float:
    """Root mean squared error."""
    return float(np.sqrt(np.mean((np.asarray(actual) - np.asarray(forecast)) ** 2)))


@dataclass
class Comparison:
    """What :func:`compare` returns.

    Attributes:
        table: One row per model: ``{part}_mae``, ``{part}_rmse`` (target units),
            ``{part}_skill_pct`` (100 * (1 - MAE / naive MAE)), ``epochs``, ``fit_seconds``,
            ``n_params``.
        forecasts: ``{part: DataFrame}`` of the actual target and each model's forecast, indexed
            by target timestamps.
        histories: ``{model: {"loss": [...], "val_loss": [...]}}`` for the trained models.
        windows: The :class:`~pybbdl.windows.Windows` everything was scored on.
        models: The fitted estimators.
    """

    table: pd.DataFrame
    forecasts: dict[str, pd.DataFrame]
    histories: dict[str, dict]
    windows: Windows
    models: dict[str, BaseForecaster] = field(default_factory=dict)


def _as_estimators(models, params: Mapping | None) -> dict[str, BaseForecaster]:
    if isinstance(models, str):
        models = [m.strip() for m in models.split(",") if m.strip()]
    if isinstance(models, Mapping):
        out = dict(models)
        for name, est in out.items():
            if not isinstance(est, BaseForecaster):
                raise TypeError(f"Model {name!r} must be a pybbdl forecaster. Received: {type(est).__name__}")
    else:
        out = {name: make_model(name, **(params or {})) for name in models}
    if "naive" not in out:  # the baseline is always in the table
        out = {"naive": NaiveForecaster(), **out}
    return out


def compare(
    windows: Windows,
    models: Sequence[str] | Mapping[str, BaseForecaster] | str = ("naive", "dense", "lstm", "gru"),
    *,
    parts: Sequence[str] | None = None,
    params: Mapping | None = None,
    progress: bool = True,
) -> Comparison:
    """Fit each model on the training part and score it on the other parts.

    Args:
        windows: From :func:`pybbdl.windows.prepare_windows`.
        models: Model names (see :data:`pybbdl.models.MODEL_NAMES`) or ``{name: estimator}``.
            The naive baseline is always added.
        parts: Parts to score; default every part but ``train``.
        params: Estimator parameters for models given by name (``epochs``, ``random_state``, ...).
        progress: Print one line per model to stderr (Keras draws its own progress bars).

    Returns:
        A :class:`Comparison`.
    """
    if not isinstance(windows, Windows):
        raise TypeError(f"`windows` must come from prepare_windows(). Received: {type(windows).__name__}")
    estimators = _as_estimators(models, params)
    parts = [p for p in windows.parts if p != "train"] if parts is None else list(parts)
    for part in parts:
        windows._check_part(part)
    forecasts = {p: pd.DataFrame({"actual": windows.actuals(p)}) for p in parts}
    rows, histories = [], {}
    for i, (name, est) in enumerate(estimators.items(), start=1):
        if progress:
            print(f"[{i}/{len(estimators)}] {name}: fitting", file=sys.stderr, flush=True)
        est.fit(windows)
        row = {"model": name}
        for part in parts:
            pred = est.predict(windows, part)
            forecasts[part][name] = pred
            actual = forecasts[part]["actual"].to_numpy()
            row[f"{part}_mae"] = mae(actual, pred)
            row[f"{part}_rmse"] = rmse(actual, pred)
        row["epochs"] = getattr(est, "epochs_run_", np.nan)
        row["fit_seconds"] = getattr(est, "fit_seconds_", 0.0)
        row["n_params"] = getattr(est, "n_params_", 0)
        if hasattr(est, "history_"):
            histories[name] = est.history_
        rows.append(row)
    table = pd.DataFrame(rows)
    naive = table.set_index("model").loc["naive"]
    for part in parts:
        table[f"{part}_skill_pct"] = 100.0 * (1.0 - table[f"{part}_mae"] / naive[f"{part}_mae"])
    ordered = ["model"] + [f"{p}_{m}" for p in parts for m in ("mae", "rmse", "skill_pct")] + \
        ["epochs", "fit_seconds", "n_params"]
    table = table[ordered]
    table.attrs["target"] = windows.target
    table.attrs["horizon"] = windows.horizon
    return Comparison(table=table, forecasts=forecasts, histories=histories, windows=windows, models=estimators)
