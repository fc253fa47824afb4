"""Many series at once: :func:`forecast_panel` fits local models on each series and global
models across all of them, scores every forecast scale-free (sMAPE, MASE, OWA vs NAIVE2) and
returns per-series and aggregate tables (:class:`PanelRun`); :func:`backtest_panel` does so from
several forecast origins (:class:`PanelBacktest`).

Every (series x local model) fit and every (frequency group x seed) global training is an
independent, picklable task run through :func:`pybbdl.parallel.run_tasks`, so ``n_jobs`` /
``backend`` / ``address`` spread them over processes or a cluster with the same results.

This module holds the defaults and the two public functions; the work is done by
:mod:`~pybbdl.workflows.panel_args` (argument checks and reading), :mod:`~pybbdl.workflows.panel_fit`
(the model fits as tasks), :mod:`~pybbdl.workflows.panel_combine` (combinations),
:mod:`~pybbdl.workflows.panel_scores` (scores and tables) and :mod:`~pybbdl.workflows.panel_results`
(the result objects), whose public names are importable from here as before.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from pybbdl.data.panel import Panel
from pybbdl.evaluation.metrics import get_metric
from pybbdl.evaluation.scale_free import AGGREGATE_COLUMNS, aggregate_scores
from pybbdl.exceptions import ArgumentError
from pybbdl.models.registry import get_spec, model_names
from pybbdl.models.series import check_levels
from pybbdl.workflows.panel_args import _check_models, _check_run_settings, _read_panel
from pybbdl.workflows.panel_combine import _combine, _resolve_combinations, validation_series  # noqa: F401
from pybbdl.workflows.panel_fit import _fit_models, _global_model, series_model
from pybbdl.workflows.panel_results import (BACKTEST_SERIES_COLUMNS, FOLD_COLUMNS, SERIES_COLUMNS, PanelBacktest,
                                            PanelRun)
from pybbdl.workflows.panel_scores import NothingScoredError, _refuse_nothing_forecast, score_panel

# The models a panel can run are the registry's (pybbdl.models.registry): local models follow the
# series contract (fit(y, period) / forecast(h, levels)), global ones are trained per group, and
# combinations (the registry's "combination" contract, pybbdl.workflows.combinations) combine them.
PANEL_DEFAULTS = {"models": ("naive2", "ses", "damped", "theta_m3"), "combine": "mean", "reference": "naive2",
                  "seed": 42, "seeds": 1, "levels": (), "n_jobs": 1}


def available_series_models() -> list[str]:
    """The local model names this install can build (the registry's series-contract models)."""
    return list(model_names("series"))


def __getattr__(name: str):
    # SERIES_MODELS / GLOBAL_MODELS of pybbdl 0.2 are views of the registry now: {name: ModelSpec}
    if name == "SERIES_MODELS":
        return {n: get_spec(n) for n in model_names("series")}
    if name == "GLOBAL_MODELS":
        return {n: get_spec(n) for n in model_names("global")}
    if name == "DEFAULT_COMBINATIONS":  # the registry's fixed combinations, made when their members all run
        return {n: tuple(get_spec(n).defaults["members"])
                for n in model_names("combination", without="validation")}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def forecast_panel(data, models=PANEL_DEFAULTS["models"], horizon=None, *, period=None, holdout: bool = True,
                   id_col: str = "id", time_col: str | None = None, value_col: str = "value",
                   period_col: str | None = None, horizon_col: str | None = None, frequency_col: str | None = None,
                   part_col: str | None = None, covariates=None, combinations: dict | None = None,
                   combine: str = "mean", reference: str | None = "naive2", levels=(), params: dict | None = None,
                   seed: int = 42, seeds: int = 1, n_jobs: int = 1, backend: str | None = None,
                   address: str | None = None, progress: bool = False, out_dir=None, date_format: str | None = None,
                   dayfirst: bool | None = None, encoding: str | None = None) -> PanelRun:
    """Forecast every series of a panel with local and global models; score them scale-free.

    Args:
        data: Long data (id, time, value; a DataFrame, CSV path or R data.frame) or a dict/list
            of series, or a :class:`~pybbdl.data.panel.Panel` already read (then with none of the
            reading options); see :func:`pybbdl.data.panel.as_panel` for ``period``, ``horizon``,
            ``holdout``, ``*_col``, ``covariates``, ``date_format``, ``dayfirst`` and ``encoding``
            and what it refuses up front.
        models: Local models (the registry's series-contract models,
            ``pybbdl.models.model_names("series")``: naive, seasonal_naive, naive2, arima, ets,
            theta, theta_m3, ses, holt, damped, ar, ...) and global models (``model_names("global")``:
            nbeats, one network per (period, horizon) group, trained once across its series).
        combinations: ``{name: [members]}``; each is the ``combine`` (mean or median) of its
            members' forecasts, on the series where all members succeeded. Default: the registry's
            fixed combinations (:data:`DEFAULT_COMBINATIONS`) whose members all run (``comb`` =
            ETS, Theta, ARIMA). A list names registered combinations, e.g. ``["comb", "comb_ivw"]``
            (``model_names("combination")``); ``{name: {"members": [...], "weights": "select"}}``
            makes your own. Weights ``"inverse_smape"`` and ``"select"`` are chosen per series on a
            validation window (the last ``horizon`` values of its training part, the members
            fitted again without them; :mod:`pybbdl.workflows.combinations`), never on the test
            part; the table's note says so and ``run.combination_weights`` lists them.
        reference: The model OWA is relative to; added to the run when missing (NAIVE2).
        levels: Interval levels in (0, 1): the local models' own intervals; global models' are
            conformal, from in-sample origins (:meth:`~pybbdl.models.global_nbeats.NBeatsGlobal.forecast_intervals`).
        params: ``{model: {parameter: value}}`` passed to the models.
        seed, seeds: Global models train with seeds seed..seed+seeds-1; their forecast is the
            mean over seeds (an ensemble); ``seeds > 1`` needs a global model.
        n_jobs, backend, address: How the tasks run (:func:`pybbdl.parallel.run_tasks`).
        out_dir: Save the run there (:meth:`PanelRun.save`).

    Returns:
        A :class:`PanelRun`.

    Raises:
        NothingScoredError: no model gave a forecast for any series (the message summarises
            the reasons; ``err.run`` has them all, and so has ``series.csv`` with `out_dir`).
    """
    models = _check_models(models)
    asked = list(models)
    if combine not in ("mean", "median"):
        raise ArgumentError(f"`combine` must be 'mean' or 'median'. Received: {combine!r}")
    if reference is not None and reference not in models:
        if reference not in model_names("series"):
            raise ArgumentError(f"`reference` must be a local model name or None. Received: {reference!r}")
        models = [*models, reference]
    combos = _resolve_combinations(models, combinations)
    params = dict(params or {})
    unknown = [k for k in params if k not in models]
    if unknown:
        raise ArgumentError(f"`params` keys must be models of the run. Received: {unknown}; models: {models}")
    levels = check_levels(levels)
    for name in ("seed", "seeds"):
        v = seed if name == "seed" else seeds
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < (1 if name == "seeds" else 0):
            raise ArgumentError(f"`{name}` must be a {'positive' if name == 'seeds' else 'non-negative'} whole "
                                f"number. Received: {v!r}")
    _check_run_settings(models, seeds, levels, n_jobs, backend, address)
    reading = dict(horizon=horizon, period=period, holdout=holdout, id_col=id_col, time_col=time_col,
                   value_col=value_col, period_col=period_col, horizon_col=horizon_col, frequency_col=frequency_col,
                   part_col=part_col, covariates=covariates, date_format=date_format, dayfirst=dayfirst,
                   encoding=encoding)
    if out_dir is not None:
        from pybbdl.outputs import prepare_output_dir

        prepare_output_dir(out_dir)
    panel = _read_panel(data, reading)
    for m in models:  # unknown parameters fail once here, naming the valid ones, not once per series
        contract = "series" if m in model_names("series") else "global"
        valid = get_spec(m).param_names(contract)
        if contract == "global":
            valid = [v for v in valid if v not in ("horizon", "period", "seed")]
        unknown_keys = [k for k in params.get(m, {}) if k not in valid]
        if unknown_keys:
            raise ArgumentError(f"`params[{m!r}]` has unknown parameter(s) {unknown_keys}. Valid parameters of "
                                f"{m!r}: {valid}")
        if contract == "global":  # bad values (an unknown ensemble preset, ...) fail now, before any training
            _global_model({"model": m, "horizon": 1, "period": 1, "seed": 0, "params": params.get(m, {})})

    local = [m for m in models if m in model_names("series")]
    glob = [m for m in models if m in model_names("global")]
    run_opts = dict(params=params, seed=seed, seeds=seeds, n_jobs=n_jobs, backend=backend, address=address,
                    progress=progress)
    results, histories, described = _fit_models(panel.series, local, glob, levels=levels, **run_opts)
    by = {(r["model"], r["id"]): r for r in results}
    weights_table = _combine(panel.series, combos, by, combine, local, glob, run_opts)
    all_models = [*models, *combos]
    series_table, forecasts, table = score_panel(panel, by, all_models, reference=reference)
    settings = {"models": all_models, "local_models": local, "global_models": glob,
                "combinations": {k: list(v.members) for k, v in combos.items()}, "combine": combine, "reference": reference,
                "levels": list(levels), "global_settings": described, "params": params, "seed": int(seed),
                "seeds": int(seeds), "n_jobs": n_jobs,
                "backend": backend or "sequential", "holdout": bool(holdout) if part_col is None else "part_col",
                "time_col": panel.time_col, "n_series": len(panel.order), "n_failed_input": len(panel.errors),
                "frequencies": sorted({s.frequency for s in panel.series}),
                "smape": "200|a-f|/(|a|+|f|), pooled over forecasts and mean over series",
                "mase": "in-sample seasonal naive scale, m = period"}
    validated = [n for n, c in combos.items() if c.validation]
    if validated and len(table):
        mask = table["model"].isin(validated)
        table.loc[mask, "note"] = [("; ".join(x for x in (n, "chosen on a validation window cut from the training "
                                                           "part") if x)) for n in table.loc[mask, "note"]]
    settings["combination_weights"] = {n: c.weights for n, c in combos.items()}
    run = PanelRun(kind="forecast_panel", table=table, settings=settings, series=series_table, forecasts=forecasts,
                   histories=histories, combination_weights=weights_table)
    run._history = {s.id: s.y for s in panel.series}
    if out_dir is not None:
        run.paths = run.save(out_dir)
    _refuse_nothing_forecast(run, asked, out_dir)
    return run


def _fold_panel(panel: Panel, back: int, step: int | None, min_length: int, fold: int) -> Panel:
    """The panel cut `back` steps (of `step` values, or each series' horizon) before its usual
    holdout: each series' history ends at the fold's origin, the next `horizon` values are scored."""
    series, errors = [], dict(panel.errors)
    for s in panel.series:
        shift = back * (step or s.horizon)
        origin = len(s.y) - shift
        if origin < min_length:
            errors[s.id] = (f"fold {fold}: only {max(origin, 0)} value(s) before its origin ({shift} before the last "
                            f"fold's); needs at least {min_length}")
            continue
        full = np.r_[s.y, s.actual]
        series.append(replace(s, y=full[:origin], actual=full[origin:origin + s.horizon],
                              times=s.times[:origin] if s.times is not None else None,
                              covariates=s.covariates.iloc[:origin] if s.covariates is not None else None))
    return Panel(series=series, errors=errors, order=list(panel.order), time_col=panel.time_col)


def backtest_panel(data, models=PANEL_DEFAULTS["models"], horizon=None, *, folds: int = 3, step: int | None = None,
                   period=None, id_col: str = "id", time_col: str | None = None, value_col: str = "value",
                   period_col: str | None = None, horizon_col: str | None = None, frequency_col: str | None = None,
                   part_col: str | None = None, covariates=None, combinations: dict | None = None,
                   combine: str = "mean", reference: str | None = "naive2", levels=(), params: dict | None = None,
                   seed: int = 42, seeds: int = 1, min_length: int = 3, n_jobs: int = 1, backend: str | None = None,
                   address: str | None = None, progress: bool = False, out_dir=None, date_format: str | None = None,
                   dayfirst: bool | None = None, encoding: str | None = None) -> PanelBacktest:
    """Rolling-origin backtest of a panel: every series forecast from `folds` origins.

    Fold ``folds`` (the last) is :func:`forecast_panel`'s holdout: each series' last ``horizon``
    values. Fold ``k`` ends ``(folds - k) * step`` values earlier (``step`` defaults to each
    series' own horizon, so the folds' targets do not overlap); its models are fitted on the values
    before that origin only (an expanding window, global models included) and scored on the
    ``horizon`` values after it. A series too short for an early fold gets an error row for that
    fold and is scored in the others. Arguments as :func:`forecast_panel`, plus:

    Args:
        folds: Forecast origins per series, a whole number >= 1 (1 = :func:`forecast_panel`).
        step: Values between consecutive origins (None: each series' horizon); needs ``folds >= 2``.
        min_length: Fewest values a fold's history must have.

    Returns:
        A :class:`PanelBacktest` (tables pooled over folds, and per fold).

    Raises:
        NothingScoredError: no fold gave a forecast for any series.
    """
    for name, value, lo in (("folds", folds, 1), ("step", step, 1), ("min_length", min_length, 1)):
        if value is None and name == "step":
            continue
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lo:
            raise ArgumentError(f"`{name}` must be a whole number >= {lo}. Received: {value!r}")
    if step is not None and folds == 1:
        raise ArgumentError(f"`step` (--step) moves the origins of several folds; with folds=1 it has no effect. "
                            f"Received: step={step!r}, folds=1; pass folds >= 2 (command line: --folds N) or drop step")
    models = _check_models(models)
    _check_run_settings([*models, *([reference] if reference else [])], seeds, check_levels(levels), n_jobs, backend,
                        address)
    if out_dir is not None:
        from pybbdl.outputs import prepare_output_dir

        prepare_output_dir(out_dir)
    reading = dict(horizon=horizon, period=period, holdout=True, id_col=id_col, time_col=time_col,
                   value_col=value_col, period_col=period_col, horizon_col=horizon_col, frequency_col=frequency_col,
                   part_col=part_col, covariates=covariates, date_format=date_format, dayfirst=dayfirst,
                   encoding=encoding)
    panel = _read_panel(data, reading, **({} if isinstance(data, Panel) else {"min_length": min_length}))
    no_actual = [s.id for s in panel.series if s.actual is None]
    if no_actual:
        raise ArgumentError(f"A backtest scores held-out values, but series {no_actual[:5]} have none (a `part_col` "
                            "without 'test' rows?)")
    runs = []
    for k in tqdm(range(1, int(folds) + 1), desc="panel backtest: folds", disable=not progress, leave=False):
        fold_panel = _fold_panel(panel, int(folds) - k, step, int(min_length), k)
        try:
            run = forecast_panel(fold_panel, models=models, combinations=combinations, combine=combine,
                                 reference=reference, levels=levels, params=params, seed=seed, seeds=seeds,
                                 n_jobs=n_jobs, backend=backend, address=address, progress=progress)
        except NothingScoredError as err:  # a fold where nothing worked (e.g. every series too short there)
            run = err.run
        runs.append((k, run))
    series = pd.concat([r.series.assign(fold=k) for k, r in runs], ignore_index=True)[BACKTEST_SERIES_COLUMNS]
    # a series too short for an early fold: its row keeps the series' frequency, so it counts as failed there
    info = {s.id: s for s in panel.series}
    short = series["frequency"].isna() & series["id"].isin(list(info))
    if short.any():
        for col in ("frequency", "period", "horizon"):
            series[col] = series[col].astype(object)
            series.loc[short, col] = [getattr(info[i], col) for i in series.loc[short, "id"]]
    for col in ("period", "horizon"):
        if series[col].notna().all():
            series[col] = series[col].astype(int)
    fc = pd.concat([r.forecasts.assign(fold=k) for k, r in runs], ignore_index=True)
    forecasts = fc[["id", "fold", *[c for c in fc.columns if c not in ("id", "fold")]]]
    ref = runs[0][1].settings["reference"]
    if "actual" in fc.columns:  # pooled over folds: each (series, fold) is one scored unit
        pooled = series.assign(id=series["id"] + "\x1f" + series["fold"].astype(str))
        pts = fc[["model", "id", "fold", "actual", "forecast"]].dropna(subset=["actual"])
        pts = pts.assign(id=pts["id"] + "\x1f" + pts["fold"].astype(str),
                         smape=get_metric("smape").function(pts["actual"].to_numpy(float),
                                                            pts["forecast"].to_numpy(float)))
        table = aggregate_scores(pooled[pooled["frequency"].notna()], pts[["model", "id", "smape"]], reference=ref)
    else:
        table = pd.DataFrame(columns=AGGREGATE_COLUMNS)
    per_fold = pd.concat([r.table[r.table["frequency"] == "overall"].assign(fold=k) for k, r in runs],
                         ignore_index=True)[FOLD_COLUMNS]
    settings = {**runs[-1][1].settings, "kind": "backtest_panel", "folds": int(folds),
                "step": None if step is None else int(step), "min_length": int(min_length),
                "origins": "fold k ends (folds - k) * step values before each series' last horizon values; "
                           "expanding window"}
    result = PanelBacktest(kind="backtest_panel", table=table, settings=settings, series=series, forecasts=forecasts,
                           histories={(k, *key): v for k, r in runs for key, v in r.histories.items()}, folds=per_fold)
    result._history = {s.id: np.r_[s.y, s.actual] for s in panel.series}
    if out_dir is not None:
        result.paths = result.save(out_dir)
    _refuse_nothing_forecast(result, models, out_dir)
    return result


__all__ = ["BACKTEST_SERIES_COLUMNS", "DEFAULT_COMBINATIONS", "FOLD_COLUMNS", "GLOBAL_MODELS", "NothingScoredError",
           "PANEL_DEFAULTS", "PanelBacktest", "PanelRun", "SERIES_COLUMNS", "SERIES_MODELS", "available_series_models",
           "backtest_panel", "forecast_panel", "score_panel", "series_model"]
