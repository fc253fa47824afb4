"""Score forecasters on identical targets, in original units: MAE, RMSE, skill vs naive,
Diebold-Mariano tests against the naive and ARIMA baselines, several seeds, rolling-origin backtests."""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from pybbdl._validation import check_positive_int
from pybbdl.exceptions import ArgumentError, ArgumentTypeError, DataError, ModelFitError
from pybbdl.models import BaseForecaster, NaiveForecaster, make_model
from pybbdl.windows import Windows, prepare_windows

Loss = Literal["mae", "mse"]


def mae(actual, forecast) -> float:
    """Mean absolute error."""
    return float(np.mean(np.abs(np.asarray(actual) - np.asarray(forecast))))


def rmse(actual, forecast) -> float:
    """Root mean squared error."""
    return float(np.sqrt(np.mean((np.asarray(actual) - np.asarray(forecast)) ** 2)))


def diebold_mariano(actual, forecast, reference, *, horizon: int = 1, loss: Loss = "mae") -> tuple[float, float]:
    """Diebold-Mariano test of equal accuracy, with the Harvey-Leybourne-Newbold correction.

    The loss differential is ``loss(forecast) - loss(reference)``, so a negative statistic means
    `forecast` is the more accurate. The long-run variance uses ``horizon - 1`` Bartlett-weighted
    lags (statsmodels' ``diebold_mariano_test(..., lags=h-1, harvey_adj=True)``); the p-value is
    two-sided from Student's t with n - 1 degrees of freedom. This equals R's
    ``forecast::dm.test(e_forecast, e_reference, h, power, varestimator = "bartlett")``
    (``power = 1`` for ``"mae"``, 2 for ``"mse"``), and the default ``dm.test`` when ``h = 1``.

    Returns:
        ``(statistic, p_value)``; ``(0.0, 1.0)`` when the two losses are identical everywhere.
    """
    from statsmodels.tsa.stattools import diebold_mariano_test

    if loss not in ("mae", "mse"):
        raise ArgumentError(f'`loss` must be "mae" or "mse". Received: loss={loss!r}')
    horizon = check_positive_int("horizon", horizon)
    actual, forecast, reference = (np.asarray(a, dtype=float) for a in (actual, forecast, reference))
    if not (actual.shape == forecast.shape == reference.shape) or actual.ndim != 1:
        raise ArgumentError(f"actual, forecast and reference must be 1-D of equal length. Received: "
                         f"{actual.shape}, {forecast.shape}, {reference.shape}")
    if len(actual) < 3:
        raise DataError(f"The Diebold-Mariano test needs at least 3 forecasts. Received: {len(actual)}")
    power = 1 if loss == "mae" else 2
    diff = np.abs(actual - forecast) ** power - np.abs(actual - reference) ** power
    if np.allclose(diff, 0.0, atol=1e-12):
        return 0.0, 1.0
    res = diebold_mariano_test(actual, forecast, reference, lags=horizon - 1, criterion=loss,
                               harvey_adj=True, horizon=horizon)
    return float(res.statistic), float(res.pvalue)


@dataclass
class Comparison:
    """What :func:`compare` and :func:`backtest` return.

    Attributes:
        table: One row per model: ``{part}_mae``, ``{part}_rmse`` in target units (mean over
            seeds, with ``_sd`` columns when there are several), ``{part}_skill_pct``
            (100 * (1 - MAE / naive MAE)), ``{part}_dm_vs_naive``/``{part}_p_vs_naive`` and, when
            ARIMA is in the comparison, ``{part}_dm_vs_arima``/``{part}_p_vs_arima`` (negative
            statistic = more accurate than the reference; median over seeds), ``seeds``,
            ``epochs``, ``fit_seconds``, ``n_params``, ``note`` (e.g. an ARIMA that did not converge).
        forecasts: ``{part: DataFrame}`` of the actual target and each model's forecast (the
            first seed's), indexed by target timestamps.
        seed_forecasts: ``{part: {model: array (seeds, n)}}``.
        histories: ``{model: {"loss": [...], "val_loss": [...]}}`` (first seed).
        windows: The :class:`~pybbdl.windows.Windows` scored on (the last fold's for a backtest).
        models: The fitted estimators (first seed).
    """

    table: pd.DataFrame
    forecasts: dict[str, pd.DataFrame]
    histories: dict[str, dict]
    windows: Windows
    models: dict[str, BaseForecaster] = field(default_factory=dict)
    seed_forecasts: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)


def _as_estimators(models, params: Mapping | None) -> dict[str, BaseForecaster]:
    if isinstance(models, str):
        models = [m.strip() for m in models.split(",") if m.strip()]
    if isinstance(models, Mapping):
        out = dict(models)
        for name, est in out.items():
            if not isinstance(est, BaseForecaster):
                raise ArgumentTypeError(f"Model {name!r} must be a pybbdl forecaster. Received: {type(est).__name__}")
    else:
        out = {name: make_model(name, **(params or {})) for name in models}
    if "naive" not in out:  # the baseline is always in the table
        out = {"naive": NaiveForecaster(), **out}
    return out


def _as_seeds(seeds, params: Mapping | None) -> list:
    if seeds is None:
        return [(params or {}).get("random_state")]
    if isinstance(seeds, (int, np.integer)):
        base = (params or {}).get("random_state") or 0
        return [int(base) + i for i in range(check_positive_int("seeds", seeds))]
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ArgumentError("`seeds` must hold at least one seed")
    return seeds


def _fit_and_forecast(estimators, windows, parts, seeds, progress) -> tuple[dict, dict, dict, dict]:
    """Fit every model (once per seed if stochastic); forecasts as {model: {part: (seeds, n)}}
    and the fitted estimators as {model: [one per seed]}."""
    preds, info, fitted, histories = {}, {}, {}, {}
    for i, (name, est) in enumerate(estimators.items(), start=1):
        runs = seeds if est.stochastic else seeds[:1]
        preds[name] = {p: [] for p in parts}
        info[name] = {"seeds": len(runs), "epochs": [], "fit_seconds": [], "n_params": 0, "note": ""}
        for k, seed in enumerate(runs):
            if progress:
                label = f", seed {seed}" if est.stochastic and len(runs) > 1 else ""
                print(f"[{i}/{len(estimators)}] {name}{label}: fitting", file=sys.stderr, flush=True)
            model = est.clone().set_params(random_state=seed) if est.stochastic and seed is not None else est.clone()
            start = time.perf_counter()
            try:
                model.fit(windows)
            except ModelFitError as err:  # reported in the table, not dropped
                info[name]["note"] = f"fit failed: {err}"
                break
            info[name]["fit_seconds"].append(getattr(model, "fit_seconds_", time.perf_counter() - start))
            info[name]["epochs"].append(getattr(model, "epochs_run_", np.nan))
            info[name]["n_params"] = getattr(model, "n_params_", 0)
            if getattr(model, "converged_", True) is False:
                info[name]["note"] = "ARIMA optimiser did not converge"
            if hasattr(model, "describe") and callable(model.describe) and not isinstance(model, NaiveForecaster):
                try:
                    info[name]["spec"] = model.describe()
                except Exception:  # noqa: BLE001 - a description is optional
                    pass
            for part in parts:
                preds[name][part].append(model.predict(windows, part))
            fitted.setdefault(name, []).append(model)
            if k == 0 and hasattr(model, "history_"):
                histories[name] = model.history_
    preds = {m: {p: np.vstack(v) for p, v in by.items() if v} for m, by in preds.items()}
    return preds, info, fitted, histories


def _table(preds, info, actual: dict[str, np.ndarray], parts, horizon: int, dm_loss: Loss) -> pd.DataFrame:
    rows = []
    multi_seed = any(v["seeds"] > 1 for v in info.values())
    for name in info:
        row = {"model": name}
        for part in parts:
            f = preds[name].get(part)
            if f is None:
                row.update({f"{part}_mae": np.nan, f"{part}_rmse": np.nan})
                continue
            maes = [mae(actual[part], s) for s in f]
            rmses = [rmse(actual[part], s) for s in f]
            row[f"{part}_mae"], row[f"{part}_rmse"] = float(np.mean(maes)), float(np.mean(rmses))
            if multi_seed:
                row[f"{part}_mae_sd"] = float(np.std(maes, ddof=1)) if len(maes) > 1 else 0.0
                row[f"{part}_rmse_sd"] = float(np.std(rmses, ddof=1)) if len(rmses) > 1 else 0.0
            for ref in ("naive", "arima"):
                if ref not in preds or part not in preds[ref]:
                    continue
                if name == ref:
                    stat, pval = np.nan, np.nan
                else:
                    tests = [diebold_mariano(actual[part], s, preds[ref][part][0], horizon=horizon, loss=dm_loss)
                             for s in f]
                    stat, pval = float(np.median([t[0] for t in tests])), float(np.median([t[1] for t in tests]))
                row[f"{part}_dm_vs_{ref}"], row[f"{part}_p_vs_{ref}"] = stat, pval
        row["seeds"] = info[name]["seeds"]
        epochs = info[name]["epochs"]
        row["epochs"] = float(np.mean(epochs)) if epochs and not np.all(np.isnan(epochs)) else np.nan
        row["fit_seconds"] = float(np.mean(info[name]["fit_seconds"])) if info[name]["fit_seconds"] else np.nan
        row["n_params"] = info[name]["n_params"]
        row["spec"] = info[name].get("spec", "")
        row["note"] = info[name]["note"]
        rows.append(row)
    table = pd.DataFrame(rows)
    naive = table.set_index("model").loc["naive"]
    ordered = ["model"]
    for part in parts:
        table[f"{part}_skill_pct"] = 100.0 * (1.0 - table[f"{part}_mae"] / naive[f"{part}_mae"])
        for col in ("mae", "mae_sd", "rmse", "rmse_sd", "skill_pct", "dm_vs_naive", "p_vs_naive",
                    "dm_vs_arima", "p_vs_arima"):
            if f"{part}_{col}" in table:
                ordered.append(f"{part}_{col}")
    return table[ordered + ["seeds", "epochs", "fit_seconds", "n_params", "spec", "note"]]


def compare(
    windows: Windows,
    models: Sequence[str] | Mapping[str, BaseForecaster] | str = ("naive", "dense", "lstm", "gru"),
    *,
    parts: Sequence[str] | None = None,
    params: Mapping | None = None,
    seeds: int | Sequence[int] | None = None,
    dm_loss: Loss = "mae",
    progress: bool = True,
) -> Comparison:
    """Fit each model on the training part and score it on the other parts.

    Args:
        windows: From :func:`pybbdl.windows.prepare_windows`.
        models: Model names (see :data:`pybbdl.models.MODEL_NAMES`) or ``{name: estimator}``.
            The naive baseline is always added.
        parts: Parts to score; default every part but ``train``.
        params: Estimator parameters for models given by name (``epochs``, ``random_state``, ...).
        seeds: Neural models are trained once per seed (an int n = n seeds counting up from
            ``params["random_state"]`` or 0, or a list); the table shows mean and sd.
        dm_loss: Loss of the Diebold-Mariano tests, ``"mae"`` (absolute) or ``"mse"`` (squared).
        progress: Print one line per model fit to stderr (Keras draws its own progress bars).

    Returns:
        A :class:`Comparison`.
    """
    if not isinstance(windows, Windows):
        raise ArgumentTypeError(f"`windows` must come from prepare_windows(). Received: {type(windows).__name__}")
    estimators = _as_estimators(models, params)
    seeds = _as_seeds(seeds, params)
    parts = [p for p in windows.parts if p != "train"] if parts is None else list(parts)
    for part in parts:
        windows._check_part(part)
    preds, info, fitted, histories = _fit_and_forecast(estimators, windows, parts, seeds, progress)
    actual = {p: windows.y(p, scaled=False) for p in parts}
    table = _table(preds, info, actual, parts, windows.horizon, dm_loss)
    forecasts = {}
    for part in parts:
        frame = pd.DataFrame({"actual": windows.actuals(part)})
        for name in preds:
            if part in preds[name]:
                frame[name] = preds[name][part][0]
        forecasts[part] = frame
    table.attrs.update(target=windows.target, horizon=windows.horizon, seeds=seeds, dm_loss=dm_loss)
    return Comparison(table=table, forecasts=forecasts, histories=histories, windows=windows,
                      models={m: runs[0] for m, runs in fitted.items()},
                      seed_forecasts={p: {m: preds[m][p] for m in preds if p in preds[m]} for p in parts})


def backtest(
    data,
    *,
    target: str | None = None,
    features: Sequence[str] | None = None,
    lookback: int,
    horizon: int = 1,
    step: int = 1,
    models: Sequence[str] | Mapping[str, BaseForecaster] | str = ("naive", "arima", "gru"),
    folds: int = 5,
    fold_size: int | None = None,
    start: int | float | None = None,
    train_length: int | None = None,
    val_fraction: float = 0.2,
    retrain: bool = True,
    stride: int = 1,
    params: Mapping | None = None,
    seeds: int | Sequence[int] | None = None,
    dm_loss: Loss = "mae",
    progress: bool = True,
) -> Comparison:
    """Rolling-origin evaluation: every model forecasts the same targets, fold after fold.

    The scored targets are cut into `folds` consecutive blocks of `fold_size` rows, the last block
    ending with the series. Before each block the models are trained on the rows before it
    (``train_length=None``: expanding from the start; an int: a sliding window of that many rows),
    whose last `val_fraction` serves as validation for early stopping. With ``retrain=False`` the
    models are fitted before the first block only, and later blocks reuse them (ARIMA is filtered
    through the new data, networks see the new windows, parameters stay fixed).

    Args:
        data, target, features, lookback, horizon, step: As for :func:`prepare_windows`.
        models, params, seeds, dm_loss: As for :func:`compare`.
        folds: Number of test blocks, >= 1.
        fold_size: Rows per block; default: the rows after `start` split evenly, or 10 % of the
            series per fold if `start` is None.
        start: First scored row (int) or fraction of the series (float); default from `fold_size`.
        train_length: None = expanding window; int = sliding window of that many rows.
        val_fraction: Share of each training range kept for validation.
        retrain: Refit the models before every block (True) or only before the first.
        stride: Score every `stride`-th target only (1 = all).

    Returns:
        A :class:`Comparison` over all folds' targets pooled, with a ``fold`` column in each
        forecasts frame; its table adds ``folds``.

    Raises:
        ValueError: bad sizes, e.g. more folds than the series allows.
    """
    from tqdm.auto import tqdm

    horizon = check_positive_int("horizon", horizon)
    folds = check_positive_int("folds", folds)
    stride = check_positive_int("stride", stride)
    if not 0.0 < val_fraction < 1.0:
        raise ArgumentError(f"`val_fraction` must be in (0, 1). Received: {val_fraction}")
    n = len(data)
    if start is not None and isinstance(start, float):
        start = int(start * n)
    if fold_size is None:
        fold_size = (n - start) // folds if start is not None else max(1, int(0.1 * n))
    fold_size = check_positive_int("fold_size", fold_size)
    first = n - folds * fold_size if start is None else int(start)
    min_train = lookback + horizon + 2  # at least a couple of training windows before the first fold
    if first < min_train or first + folds * fold_size > n:
        raise ArgumentError(
            f"{folds} folds of {fold_size} rows do not fit a series of {n} rows with lookback={lookback}, "
            f"horizon={horizon}: the first fold would start at row {first}, but at least {min_train} rows "
            "must precede it. Use fewer or smaller folds.")
    estimators = _as_estimators(models, params)
    seeds = _as_seeds(seeds, params)
    pooled: dict[str, dict[str, list]] = {}
    windows = None
    actual, frames, info, fitted, histories = [], [], None, {}, {}
    for k in tqdm(range(folds), desc="backtest folds", disable=not progress):
        lo, hi = first + k * fold_size, first + (k + 1) * fold_size
        train_lo = 0 if train_length is None else max(0, lo - int(train_length))
        n_val = max(1, int(val_fraction * (lo - train_lo)))
        split = {"train": (train_lo, lo - n_val), "val": (lo - n_val, lo), "test": (lo, hi)}
        scaler = None if retrain or windows is None else windows.scaler  # keep the first fold's scaling
        windows = prepare_windows(data, target=target, features=features, lookback=lookback, horizon=horizon,
                                  step=step, split=split, scaler=scaler)
        if retrain or k == 0:
            preds, info, fitted, histories = _fit_and_forecast(estimators, windows, ["test"], seeds, progress)
        else:  # the same fitted models applied to the new block
            preds = {name: {"test": np.vstack([m.predict(windows, "test") for m in runs])}
                     for name, runs in fitted.items()}
        keep = np.arange(0, windows.n_windows("test"), stride)
        frame = pd.DataFrame({"actual": windows.actuals("test").iloc[keep]})
        frame["fold"] = k + 1
        for name, by in preds.items():
            pooled.setdefault(name, {}).setdefault("test", []).append(by["test"][:, keep] if "test" in by else None)
            if "test" in by:
                frame[name] = by["test"][0, keep]
        frames.append(frame)
        actual.append(frame["actual"].to_numpy())
    joined = {}
    for name, by in pooled.items():
        blocks = by["test"]
        joined[name] = {"test": np.concatenate(blocks, axis=1)} if all(b is not None for b in blocks) else {}
    table = _table(joined, info, {"test": np.concatenate(actual)}, ["test"], horizon, dm_loss)
    table.insert(table.columns.get_loc("seeds"), "folds", folds)
    table.attrs.update(target=windows.target, horizon=horizon, seeds=seeds, dm_loss=dm_loss, folds=folds,
                       fold_size=fold_size, first_row=first, retrain=retrain, train_length=train_length)
    forecasts = {"test": pd.concat(frames)}
    return Comparison(table=table, forecasts=forecasts, histories=histories, windows=windows,
                      models={m: runs[0] for m, runs in fitted.items()},
                      seed_forecasts={"test": {m: v["test"] for m, v in joined.items() if "test" in v}})
