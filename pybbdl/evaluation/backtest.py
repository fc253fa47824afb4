"""Rolling-origin backtests: every model forecasts the same targets, fold after fold."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from pybbdl._validation import check_positive_int
from pybbdl.evaluation.compare import (Comparison, as_forecasters, as_seeds, check_dm_length, check_not_constant,
                                       collect_fits, fit_task, fit_tasks, forecast_part, horizon_long_table,
                                       interval_pass, long_table, longest, mcs_rows, resolve_baselines,
                                       resolve_levels, wide_layout)
from pybbdl.evaluation.intervals import check_conformal_scale, check_interval_method, interval_frame, resolved_scale
from pybbdl.evaluation.nested import nesting
from pybbdl.evaluation.dm import LOSS_POWER, Loss
from pybbdl.exceptions import ArgumentError
from pybbdl.parallel import resolve_backend, run_tasks
from pybbdl.windows import prepare_windows, resolve_horizons


def backtest(
    data,
    *,
    target: str | None = None,
    features: Sequence[str] | None = None,
    lookback: int,
    horizon: int = 1,
    step: int = 1,
    models: Sequence[str] | Mapping | str = ("naive", "arima", "gru"),
    folds: int = 5,
    fold_size: int | None = None,
    start: int | float | None = None,
    train_length: int | None = None,
    val_fraction: float = 0.2,
    retrain: bool = True,
    stride: int = 1,
    params: Mapping | None = None,
    seeds: int | Sequence[int] | None = None,
    baselines: Sequence[str] | None = None,
    dm_loss: Loss = "mae",
    progress: bool = True,
    n_jobs: int = 1,
    backend: str | None = None,
    address: str | None = None,
    levels: Sequence[float] | None = None,
    nested: Mapping | None = None,
    conformal_window: int | None = None,
    conformal_scale: str | None = "auto",
    interval_method: str = "auto",
    horizons=None,
    known: Sequence[str] | None = None,
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
        models, params, seeds, baselines, dm_loss, levels, nested, conformal_window, conformal_scale,
            interval_method: As for :func:`~pybbdl.evaluation.compare.compare`. Conformal intervals
            of a fold are calibrated on that fold's validation rows (the last `val_fraction` of its
            training range), never on its test block.
        folds: Number of test blocks, >= 1.
        fold_size: Rows per block; default: the rows after `start` split evenly, or 10 % of the
            series per fold if `start` is None.
        start: First scored row (int) or fraction of the series (float); default from `fold_size`.
        train_length: None = expanding window; int = sliding window of that many rows.
        val_fraction: Share of each training range kept for validation.
        retrain: Refit the models before every block (True) or only before the first.
        stride: Score every `stride`-th target only (1 = all).
        n_jobs, backend, address: How the fold x model x seed fits run, as for
            :func:`~pybbdl.evaluation.compare.compare` (every fold's fits are tasks of one
            :func:`pybbdl.parallel.run_tasks` call; with ``retrain=False`` only the first fold's).
        horizons, known: Several horizons at once and future-known columns, as for
            :func:`prepare_windows` (each fold scores every horizon from the same origins; the
            long table gets one block per horizon, interval scores at the longest).

    Returns:
        A :class:`Comparison` over all folds' targets pooled, with a ``fold`` column in each
        forecasts frame; its table adds ``folds``.

    Raises:
        ArgumentError: bad sizes, e.g. more folds than the series allows; DataError: fewer pooled
            targets than the Diebold-Mariano tests need (both checked before any training).
    """
    horizon, hs = resolve_horizons(horizon, horizons)
    folds = check_positive_int("folds", folds)
    stride = check_positive_int("stride", stride)
    if train_length is not None:
        train_length = check_positive_int("train_length", train_length)
    if not 0.0 < val_fraction < 1.0:
        raise ArgumentError(f"`val_fraction` must be in (0, 1). Received: {val_fraction}")
    n = len(data)
    if start is not None and isinstance(start, float):
        if not 0.0 < start < 1.0:
            raise ArgumentError(f"`start` as a fraction of the series must be in (0, 1) (an int is a row). "
                                f"Received: start={start}")
        start = int(start * n)
    if fold_size is None:
        fold_size = (n - start) // folds if start is not None else max(1, int(0.1 * n))
    fold_size = check_positive_int("fold_size", fold_size)
    first = n - folds * fold_size if start is None else int(start)
    min_train = lookback + horizon + 2  # at least a couple of training windows before the first fold
    if first < min_train or first + folds * fold_size > n:
        raise ArgumentError(
            f"{folds} folds of {fold_size} rows do not fit a series of {n} rows with lookback={lookback}, "
            f"horizon={horizon}: the first fold would start at row {first + 1} (rows count from 1), but at least "
            f"{min_train} rows must precede it. Use fewer or smaller folds.")
    if dm_loss not in LOSS_POWER:
        raise ArgumentError(f'`dm_loss` must be "mae" or "mse". Received: {dm_loss!r}')
    check_dm_length(folds * len(range(0, fold_size, stride)), horizon, "backtest (all folds, after `stride`)")
    sequential = resolve_backend(n_jobs, backend, address) == "sequential"
    estimators = as_forecasters(models, params)
    baselines = resolve_baselines(baselines, list(estimators))
    seeds = as_seeds(seeds, params)
    nests = nesting(estimators, nested)
    if conformal_window is not None:
        conformal_window = check_positive_int("conformal_window", conformal_window)
    conformal_scale = check_conformal_scale(conformal_scale)
    interval_method = check_interval_method(interval_method)
    scales_used: set[str] = set()  # what "auto" meant in each fold
    pooled_ints: dict[str, list] = {}
    int_notes: dict[str, dict[str, str]] = {}
    methods: dict[str, str] = {}
    fold_windows = []
    for k in range(folds):
        lo, hi = first + k * fold_size, first + (k + 1) * fold_size
        train_lo = 0 if train_length is None else max(0, lo - int(train_length))
        n_val = max(1, int(val_fraction * (lo - train_lo)))
        split = {"train": (train_lo, lo - n_val), "val": (lo - n_val, lo), "test": (lo, hi)}
        scaler = None if retrain or not fold_windows else fold_windows[0].scaler  # keep the first fold's scaling
        fold_windows.append(prepare_windows(data, target=target, features=features, lookback=lookback,
                                            horizon=horizon, step=step, split=split, scaler=scaler,
                                            horizons=hs, known=known))
        if k == 0:
            check_not_constant(fold_windows[0])
            levels, strict = resolve_levels(levels, fold_windows[0], estimators, interval_method)
    fitting = range(folds) if retrain else range(1)
    tasks = {k: fit_tasks(estimators, fold_windows[k], ["test"], seeds, progress and sequential, fold=k + 1)
             for k in fitting}
    flat = [t for k in fitting for t in tasks[k]]
    results = iter(run_tasks(fit_task, flat, n_jobs=n_jobs, backend=backend, address=address,
                             progress=progress and (not sequential or sys.stderr.isatty()), desc="backtest fits"))
    fold_results = {k: [next(results) for _ in tasks[k]] for k in fitting}
    pooled: dict[str, dict[str, list]] = {}
    actual, frames, info, fitted, histories = [], [], None, {}, {}
    for k, windows in enumerate(fold_windows):
        if retrain or k == 0:
            preds, info, fitted, histories = collect_fits(estimators, tasks[k], fold_results[k], windows, ["test"],
                                                          seeds)
        else:  # the same fitted models applied to the new block
            preds = {name: {"test": np.stack([forecast_part(m, windows, "test") for m in runs])}
                     for name, runs in fitted.items()}
        all_horizons, preds = preds, longest(preds)  # intervals and the forecasts frame: the longest horizon
        keep = np.arange(0, windows.n_windows("test"), stride)
        fold_scale = resolved_scale(conformal_scale, windows) if levels else conformal_scale
        scales_used.add(fold_scale)
        ints, fold_methods, fold_notes = interval_pass(fitted, windows, ["test"], levels, preds, strict=strict,
                                                       fold=k + 1, window=conformal_window, scale=fold_scale,
                                                       method=interval_method)
        methods.update(fold_methods)
        for name, by in ints.items():
            runs = by["test"]
            if fold_notes.get(name, {}).get("test"):
                int_notes.setdefault(name, {}).setdefault("test", fold_notes[name]["test"])
            pooled_ints.setdefault(name, []).append(
                [{lv: (lo[keep], hi[keep]) for lv, (lo, hi) in run.items()} for run in runs] if runs else None)
        frame = pd.DataFrame({"actual": windows.actuals("test").iloc[keep]})
        frame["fold"] = k + 1
        for name, by in all_horizons.items():
            pooled.setdefault(name, {}).setdefault("test", []).append(by["test"][:, keep] if "test" in by else None)
        for name, by in preds.items():
            if "test" in by:
                frame[name] = by["test"][0, keep]
        frames.append(frame)
        actual.append(windows.targets_by_horizon("test", scaled=False)[keep] if windows.multi_horizon
                      else frame["actual"].to_numpy())
    joined = {}
    for name, by in pooled.items():
        blocks = by["test"]
        joined[name] = {"test": np.concatenate(blocks, axis=1)} if all(b is not None for b in blocks) else {}
    joined_ints = {}
    for name, blocks in pooled_ints.items():
        if all(b is not None for b in blocks) and len({len(b) for b in blocks}) == 1:
            joined_ints[name] = {"test": [{lv: tuple(np.concatenate([b[s][lv][j] for b in blocks]) for j in (0, 1))
                                           for lv in blocks[0][s]} for s in range(len(blocks[0]))]}
        else:
            joined_ints[name] = {"test": []}
    y_all = np.concatenate(actual)
    multi = hs is not None and len(hs) > 1
    joined_all, joined = joined, longest(joined)
    y_longest = y_all[:, -1] if multi else y_all
    mcs = mcs_rows(joined, {"test": y_longest}, ["test"], dm_loss=dm_loss)
    if multi:
        long = horizon_long_table(joined_all, info, {"test": y_all}, ["test"], horizons=hs, dm_loss=dm_loss,
                                  baselines=baselines, nests=nests, levels=levels, intervals=joined_ints,
                                  interval_notes=int_notes, mcs=mcs or None)
    else:
        long = long_table(joined, info, {"test": y_all}, ["test"], horizon=horizon, dm_loss=dm_loss,
                          baselines=baselines, levels=levels, intervals=joined_ints, interval_notes=int_notes,
                          nests=nests, mcs=mcs or None)
    table, columns = wide_layout(long, info, ["test"], baselines, extra={"folds": folds}, nests=nests,
                                 interval_methods=methods, levels=levels)
    table.attrs.update(target=windows.target, horizon=horizon, horizons=list(windows.horizons), seeds=seeds,
                       dm_loss=dm_loss, folds=folds,
                       fold_size=fold_size, first_row=first, retrain=retrain, train_length=train_length,
                       baselines=baselines, levels=list(levels), conformal_window=conformal_window,
                       conformal_scale="/".join(sorted(scales_used)) or conformal_scale,
                       interval_method=interval_method)
    forecasts = {"test": pd.concat(frames)}
    intervals = {"test": {name: interval_frame(joined[name]["test"][0], by["test"][0],
                                               index=forecasts["test"].index)
                          for name, by in joined_ints.items() if by["test"] and "test" in joined.get(name, {})}}
    return Comparison(table=table, forecasts=forecasts, histories=histories, windows=windows,
                      models={m: runs[0] for m, runs in fitted.items()},
                      seed_forecasts={"test": {m: v["test"] for m, v in joined.items() if "test" in v}},
                      long=long, baselines=baselines, levels=tuple(levels), intervals=intervals,
                      interval_methods=methods, nests={m: v for m, v in nests.items() if v}, columns=columns)
