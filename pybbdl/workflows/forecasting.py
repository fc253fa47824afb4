"""Forecast comparison and rolling-origin backtest as one call each: the run behind
``pybbdl forecast``, R's ``forecast_compare()``/``forecast_backtest()`` and the Python API.

Every default lives in :data:`FORECAST_DEFAULTS` (and :data:`BACKTEST_DEFAULTS`); ``pybbdl
forecast --help``, the README and the R docs show these dicts. Named datasets have documented
presets (:data:`DATASET_PRESETS`), applied by :func:`resolve_settings` to the settings a caller
leaves out. Every user-given value is used or refused, never replaced.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Mapping, Sequence

import numpy as np

from pybbdl._validation import check_positive_int
from pybbdl.evaluation import backtest, compare
from pybbdl.evaluation.compare import check_forecaster
from pybbdl.evaluation.intervals import check_conformal_scale, check_interval_levels, check_interval_method
from pybbdl.exceptions import ArgumentError, ArgumentTypeError
from pybbdl.models import MODEL_NAMES, _check_unique, make_model, model_params
from pybbdl.outputs import prepare_output_dir, versions
from pybbdl.parallel import resolve_backend
from pybbdl.windows import parse_horizons, prepare_windows
from pybbdl.workflows.forecast_run import ForecastRun

#: The one set of defaults of :func:`forecast_compare` and :func:`forecast_backtest`.
FORECAST_DEFAULTS: dict = {
    "target": None,            # column to forecast (required for a DataFrame; column 0 of an array)
    "features": None,          # input columns; None = every numeric column
    "models": ("naive", "dense", "lstm", "gru"),
    "lookback": 8,             # rows of history per window
    "horizon": 1,              # steps ahead
    "horizons": None,          # several steps at once: H (= 1..H), "1-8", "1,4,8" or a list; None = horizon
    "known": None,             # future-known columns (calendar, an assumed policy path): fed over the horizon
    "step": 1,                 # keep one row in `step` inside a window
    "split": (0.6, 0.2, 0.2),  # train, val, test fractions (or a dict of row/date ranges)
    "epochs": 100,             # maximum epochs of the neural models
    "batch_size": 16,
    "patience": 20,            # early stopping on val loss; 0 or None = off
    "learning_rate": 1e-3,
    "units": None,             # hidden units of the neural models; None = each model's own (32)
    "season": None,            # period of seasonal_naive in rows; None = its own (24)
    "seed": 42,                # first seed; stochastic models use seed, seed + 1, ...
    "seeds": 1,                # seeds per stochastic model
    "baselines": None,         # DM columns against these; None = naive + arima when present
    "dm_loss": "mae",          # DM loss: "mae" (R's power = 1) or "mse" (R's power = 2)
    "levels": None,            # interval levels, e.g. (0.8, 0.95); None = those two, skipped if val is too short
    "nested": None,            # {"model": ["nested model"]} for Clark-West; None = the models' `nests`
    "conformal_window": None,  # None = conformal intervals calibrated on all of val; int = last N errors (rolling)
    "conformal_scale": "auto",  # conformal errors scaled by each window's volatility ("window" when lookback > 1); "none"
    "interval_method": "auto",  # "auto": ARIMA/ETS/... their own intervals, the rest conformal; "conformal": all conformal
    "params": None,            # extra estimator parameters, e.g. {"dropout": 0.2, "max_p": 2}
    "quick": False,            # smoke run: QUICK settings for every model
    "deterministic": True,     # deterministic TF ops while a neural model trains (restored after)
    "progress": True,          # one line per fit on stderr; Keras bars only on a terminal
    "n_jobs": 1,               # parallel fits: 1 = in this process; n > 1 = n local worker processes
    "backend": None,           # None = "loky" when n_jobs > 1, "ray" with an address; or "sequential"/"loky"/"ray"
    "address": None,           # Ray cluster to run the fits on, e.g. "HEAD:6379" (backend "ray")
}
#: Extra defaults of :func:`forecast_backtest`.
BACKTEST_DEFAULTS: dict = {
    "models": ("naive", "arima", "gru"),
    "folds": 5,                # test blocks at the end of the series
    "fold_size": None,         # rows per block; None = 10 % of the series
    "start": None,             # first scored row (int) or fraction (float); None = from fold_size
    "train_length": None,      # None = expanding window; int = sliding window of that many rows
    "retrain": True,           # refit before every block
    "stride": 1,               # score every stride-th target
    "val_fraction": 0.2,       # share of each training range kept for validation
}
#: What ``quick=True`` does: neural models train at most this many epochs without early
#: stopping; ARIMA (by name) fits on at most ``arima_max_train`` rows with p, q <= ``arima_max_pq``.
QUICK = {"epochs": 3, "arima_max_train": 200, "arima_max_pq": 1}
#: Presets of the named datasets (what a caller leaves out); csv files use FORECAST_DEFAULTS.
DATASET_PRESETS: dict = {
    "macro": {"target": "infl"},
    "jena": {"target": "T (degC)", "lookback": 1440, "step": 6, "horizon": 144, "split": (0.5, 0.25, 0.25),
             "batch_size": 128, "epochs": 20, "patience": 5},
    "jena_hourly": {"target": "T (degC)", "lookback": 240, "step": 1, "horizon": 24, "split": (0.5, 0.25, 0.25),
                    "batch_size": 128, "epochs": 20, "patience": 5},
}
_NEURAL_ONLY = {"units": "units", "season": "period"}


def resolve_settings(dataset: str | None = None, *, backtest: bool = False, **given) -> dict:
    """The settings of a run: :data:`FORECAST_DEFAULTS` (and :data:`BACKTEST_DEFAULTS` when
    `backtest`), then the dataset's preset, then every value in `given` that is not None (None
    means "not given")."""
    if dataset is not None and dataset not in DATASET_PRESETS and dataset != "csv":
        raise ArgumentError(f"`dataset` must be one of {[*DATASET_PRESETS, 'csv']}. Received: {dataset!r}")
    settings = {**FORECAST_DEFAULTS, **BACKTEST_DEFAULTS} if backtest else dict(FORECAST_DEFAULTS)
    unknown = sorted(set(given) - set(settings))
    if unknown:
        raise ArgumentError(f"Unknown setting(s) {unknown}. Valid: {sorted(settings)}")
    settings.update(DATASET_PRESETS.get(dataset, {}))
    settings.update({k: v for k, v in given.items() if v is not None})
    return settings


def _check_settings(s: dict) -> dict:
    """Validate the workflow-level settings before anything is loaded or trained."""
    s = dict(s)
    for name in ("lookback", "horizon", "step", "epochs", "batch_size"):
        s[name] = check_positive_int(name, s[name])
    hs = parse_horizons(s["horizons"])
    if hs is not None:
        if s["horizon"] not in (1, hs[-1]):
            raise ArgumentError(f"`horizon` must be 1 (the default) or max(horizons) = {hs[-1]} when `horizons` is "
                                f"given. Received: horizon={s['horizon']}, horizons={list(hs)}")
        s["horizon"] = hs[-1]
        s["horizons"] = list(hs)
    if s["known"] is not None:
        known = [s["known"]] if isinstance(s["known"], str) else list(s["known"])
        if not known or not all(isinstance(k, str) and k for k in known):
            raise ArgumentError(f"`known` must be column names. Received: known={s['known']!r}")
        s["known"] = known
    if s["patience"] is not None:
        s["patience"] = check_positive_int("patience", s["patience"], minimum=0)
    lr = s["learning_rate"]
    if isinstance(lr, bool) or not isinstance(lr, (int, float, np.floating)) or not math.isfinite(lr) or lr <= 0:
        raise ArgumentError(f"`learning_rate` must be a finite number > 0. Received: learning_rate={lr!r}")
    s["learning_rate"] = float(lr)
    for name in ("units", "season"):
        if s[name] is not None:
            s[name] = check_positive_int(name, s[name])
    s["seed"] = check_positive_int("seed", s["seed"], minimum=0)
    if isinstance(s["seeds"], (int, np.integer, float)) and not isinstance(s["seeds"], bool):
        s["seeds"] = [s["seed"] + i for i in range(check_positive_int("seeds", s["seeds"]))]
    else:
        s["seeds"] = [check_positive_int("seeds", v, minimum=0) for v in s["seeds"]]
        if not s["seeds"]:
            raise ArgumentError("`seeds` must be a number >= 1 or a non-empty list of seeds. Received: []")
        repeated = sorted({v for v in s["seeds"] if s["seeds"].count(v) > 1})
        if repeated:  # a repeated seed repeats a run: its sd across seeds would understate the spread
            raise ArgumentError(f"`seeds` must not repeat a seed. Received: seeds={s['seeds']} ({repeated} repeated)")
    for name in ("quick", "deterministic", "progress", "retrain"):  # "no" is truthy: refuse, don't guess
        if name in s and not isinstance(s[name], (bool, np.bool_)):
            raise ArgumentTypeError(f"`{name}` must be True or False. Received: {name}={s[name]!r}")
        if name in s:
            s[name] = bool(s[name])
    if s["dm_loss"] not in ("mae", "mse"):
        raise ArgumentError(f'`dm_loss` must be "mae" or "mse". Received: {s["dm_loss"]!r}')
    if s["conformal_window"] is not None:
        s["conformal_window"] = check_positive_int("conformal_window", s["conformal_window"])
    s["conformal_scale"] = check_conformal_scale(s["conformal_scale"])
    s["interval_method"] = check_interval_method(s["interval_method"])
    if s["levels"] is not None:
        s["levels"] = check_interval_levels(s["levels"])
    if s["nested"] is not None and not isinstance(s["nested"], Mapping):
        raise ArgumentError(f'`nested` must be a dict {{"model": ["nested model", ...]}}. Received: '
                            f"{type(s['nested']).__name__}")
    s["n_jobs"] = check_positive_int("n_jobs", s["n_jobs"])
    s["backend"] = resolve_backend(s["n_jobs"], s["backend"], s["address"])
    if s["params"] is not None and not isinstance(s["params"], Mapping):
        raise ArgumentError(f"`params` must be a dict. Received: {type(s['params']).__name__}")
    return s


def _model_list(models) -> list[tuple[str, object]]:
    """``[(name, spec)]`` where spec is a model name or a forecaster object."""
    if isinstance(models, str):
        models = [m.strip() for m in models.split(",")]
        if not all(models):
            raise ArgumentError(f"`models` must be a comma-separated list of model names, none empty. "
                                f"Received: models={','.join(models)!r}. Known models: {', '.join(MODEL_NAMES)}")
    items = list(models.items()) if isinstance(models, Mapping) else [(m, m) for m in models]
    _check_unique([name for name, _ in items])
    if not items:
        raise ArgumentError(f"`models` must name at least one model. Received: none. Known: {', '.join(MODEL_NAMES)}")
    for name, spec in items:
        if isinstance(spec, str):
            model_params(spec)  # unknown names fail here
        else:
            check_forecaster(name, spec)
    return items


def build_models(s: dict) -> dict:
    """``{name: unfitted forecaster}`` for the settings `s` (validated by :func:`_check_settings`).

    Workflow settings go to each named model that takes them (``epochs`` to the neural models);
    ``params`` keys must each be taken by at least one named model (a typo is an error listing
    the valid keys); ``units``/``season`` given for models that do not use them are refused.
    """
    items = _model_list(s["models"])
    named = [spec for _, spec in items if isinstance(spec, str)]
    takes = {spec: set(model_params(spec)) for spec in named}
    accepted = set().union(*takes.values()) if takes else set()
    user = dict(s["params"] or {})
    unknown = sorted(k for k in user if k not in accepted)
    if unknown:
        raise ArgumentError(f"`params` has key(s) {unknown} that none of the models {named} takes. "
                            f"Valid keys: {sorted(accepted)}")
    for setting, param in _NEURAL_ONLY.items():
        if s[setting] is not None and param not in accepted:
            raise ArgumentError(f"`{setting}` is given ({s[setting]}) but none of the models {named} uses it.")
    # Keras' progress bar only when fits run here, one after another (workers would interleave them),
    # and only on a terminal ("auto": pybbdl.models.neural.keras_verbosity); logs and pipes get the
    # comparison's one line per model fit instead of Keras' lines per epoch
    verbose = "auto" if s["progress"] and resolve_backend(
        s.get("n_jobs", 1), s.get("backend"), s.get("address")) == "sequential" else 0
    shared = {"epochs": s["epochs"], "batch_size": s["batch_size"], "learning_rate": s["learning_rate"],
              "patience": s["patience"] or None, "random_state": s["seed"], "verbose": verbose,
              "deterministic": s["deterministic"], "progress": bool(s["progress"]) and sys.stderr.isatty()}
    if s["units"] is not None:
        shared["units"] = s["units"]
    if s["season"] is not None:
        shared["period"] = s["season"]
    if s["quick"]:
        shared.update(epochs=min(s["epochs"], QUICK["epochs"]), patience=None, max_train=QUICK["arima_max_train"],
                      max_p=QUICK["arima_max_pq"], max_q=QUICK["arima_max_pq"])
    out = {}
    for name, spec in items:
        if not isinstance(spec, str):
            out[name] = spec
            continue
        kw = {k: v for k, v in shared.items() if k in takes[spec]}
        kw.update({k: v for k, v in user.items() if k in takes[spec]})
        out[name] = make_model(spec, **kw)
    return out


def _model_record(model) -> dict:
    params = model.get_params() if callable(getattr(model, "get_params", None)) else {}
    out = {"class": type(model).__name__, "params": params}
    if isinstance(params.get("engine"), str):  # ARIMA's likelihood engine: what "auto" runs here
        from pybbdl.models.arima_search import resolve_engine

        out["engine_used"] = resolve_engine(params["engine"])
    return out


def _settings_record(s: dict, models: Mapping, windows_info: dict, kind: str) -> dict:
    record = {k: v for k, v in s.items() if k not in ("models", "params")}
    if record.get("levels") is not None:
        record["levels"] = list(record["levels"])
    record["models"] = {name: _model_record(m) for name, m in models.items()}
    record["params"] = dict(s["params"] or {})
    record["quick_settings"] = dict(QUICK) if s["quick"] else None
    if s["quick"]:  # what the networks actually ran with; the given values are kept beside them
        record["epochs_given"], record["patience_given"] = s["epochs"], s["patience"]
        record["epochs"], record["patience"] = min(s["epochs"], QUICK["epochs"]), None
    record["kind"] = kind
    record.update(windows_info)
    record["versions"] = versions()
    return record


def _start(data, settings: dict, out_dir):
    s = _check_settings(settings)
    models = build_models(s)
    out = prepare_output_dir(out_dir) if out_dir is not None else None  # unwritable fails before training
    return s, models, out


def forecast_compare(
    data, *, target=None, features=None, models=("naive", "dense", "lstm", "gru"), lookback=8, horizon=1, step=1,
    horizons=None, known=None, split=(0.6, 0.2, 0.2), epochs=100, batch_size=16, patience=20, learning_rate=1e-3,
    units=None, season=None,
    seed=42, seeds=1, baselines=None, dm_loss="mae", levels=None, nested=None, conformal_window=None,
    conformal_scale="auto", interval_method="auto", params=None, quick=False, deterministic=True,
    out_dir: str | os.PathLike | None = None,
    progress=True, n_jobs=1, backend=None, address=None,
) -> ForecastRun:
    """Fit every model on the training part of one split and score it on validation and test.

    Args:
        data: A DataFrame with a time index (or a plain index) and numeric columns, or a 2-D
            array (target in column 0).
        models: Model names (:data:`pybbdl.models.MODEL_NAMES`), a comma-separated string, or
            ``{name: forecaster or model name}`` (any object following the forecaster contract of
            :mod:`pybbdl.models.base`). The naive baseline is always added.
        horizons: Score several horizons at once (an int H = 1..H, ``"1-8"``, a list): the long
            table gets one block per horizon (``horizon`` column, DM tests per horizon), the wide
            table shows the longest, ``plot_horizons()`` draws MAE by horizon. Networks are MIMO
            (one output per horizon), ARIMA/ETS/Theta/AR/VAR iterate one fit, other models are
            fitted per horizon.
        known: Future-known columns (see :func:`pybbdl.windows.prepare_windows`); forecasts on a
            given future path: :func:`pybbdl.forecast_conditional`.
        levels: Prediction-interval levels in (0, 1), e.g. ``(0.8, 0.95)``; None = those two, skipped
            with a note where the validation part is too short to calibrate conformal intervals;
            ``()`` = none. See :func:`pybbdl.evaluation.compare` and :mod:`pybbdl.evaluation.intervals`.
        nested: ``{model: [models it nests]}`` for the Clark-West columns; None = the models' own
            ``nests`` (ARIMA nests naive).
        conformal_window: None = conformal intervals calibrated on the whole validation part; an
            int W = rolling: each target's from the last W forecast errors observed at its origin.
        conformal_scale: ``"auto"`` (default) = ``"window"`` where the lookback is 2 or more:
            normalized conformal intervals (errors divided by each window's own scale, see
            :func:`pybbdl.evaluation.intervals.window_scales`); ``"none"`` = absolute errors.
        interval_method: ``"auto"`` (default) = ARIMA, ETS and the other models with analytic
            intervals use their own, the rest conformal ones; ``"conformal"`` = conformal intervals
            (calibrated on the validation part) for every model.
        out_dir: If given, checked writable before training and the run saved there (with the
            interval forecasts and a fan chart per model).
        n_jobs, backend, address: Where the model x seed fits run (:func:`pybbdl.parallel.run_tasks`):
            ``n_jobs`` local worker processes, or a Ray cluster at ``address``; same table either way.
        Others: see :data:`FORECAST_DEFAULTS` (the defaults of this signature).

    Returns:
        A :class:`~pybbdl.workflows.forecast_run.ForecastRun`.
    """
    s, built, out = _start(data, {k: v for k, v in locals().items() if k not in ("data", "out_dir")}, out_dir)
    windows = prepare_windows(data, target=s["target"], features=s["features"], lookback=s["lookback"],
                              horizon=s["horizon"], step=s["step"], split=s["split"], horizons=s["horizons"],
                              known=s["known"])
    if s["progress"]:
        print(windows, file=sys.stderr)
    comparison = compare(windows, built, seeds=s["seeds"], baselines=s["baselines"], dm_loss=s["dm_loss"],
                         progress=s["progress"], levels=s["levels"], nested=s["nested"],
                         conformal_window=s["conformal_window"], conformal_scale=s["conformal_scale"],
                         interval_method=s["interval_method"], n_jobs=s["n_jobs"], backend=s["backend"],
                         address=s["address"])
    info = {"target": windows.target, "columns": list(windows.columns), "rows": len(windows.values),
            "bounds": {p: list(map(int, b)) for p, b in windows.bounds.items()},
            "windows": {p: windows.n_windows(p) for p in windows.parts}, "baselines": comparison.baselines}
    run = ForecastRun.from_comparison("forecast_comparison", comparison, _settings_record(s, built, info, "compare"))
    if out is not None:
        run.paths = run.save(out)
    return run


def forecast_backtest(
    data, *, target=None, features=None, models=("naive", "arima", "gru"), lookback=8, horizon=1, step=1,
    horizons=None, known=None, folds=5, fold_size=None, start=None, train_length=None, retrain=True, stride=1,
    val_fraction=0.2, epochs=100, batch_size=16, patience=20, learning_rate=1e-3, units=None, season=None, seed=42, seeds=1,
    baselines=None, dm_loss="mae", levels=None, nested=None, conformal_window=None, conformal_scale="auto",
    interval_method="auto", params=None, quick=False, deterministic=True, out_dir: str | os.PathLike | None = None,
    progress=True, n_jobs=1, backend=None,
    address=None,
) -> ForecastRun:
    """Rolling-origin backtest (:func:`pybbdl.evaluation.backtest`): every model forecasts the same
    targets, fold after fold; the table pools all folds' targets (part ``"test"``).

    Args: as :func:`forecast_compare`, plus the :data:`BACKTEST_DEFAULTS` (``folds``,
    ``fold_size``, ``start``, ``train_length``, ``retrain``, ``stride``, ``val_fraction``).
    """
    given = {k: v for k, v in locals().items() if k not in ("data", "out_dir")}
    given["split"] = None
    s, built, out = _start(data, given, out_dir)
    comparison = backtest(data, target=s["target"], features=s["features"], lookback=s["lookback"],
                          horizon=s["horizon"], step=s["step"], models=built, folds=s["folds"],
                          fold_size=s["fold_size"], start=s["start"], train_length=s["train_length"],
                          val_fraction=s["val_fraction"], retrain=s["retrain"], stride=s["stride"], seeds=s["seeds"],
                          baselines=s["baselines"], dm_loss=s["dm_loss"], progress=s["progress"],
                          levels=s["levels"], nested=s["nested"], conformal_window=s["conformal_window"],
                          conformal_scale=s["conformal_scale"], interval_method=s["interval_method"],
                          n_jobs=s["n_jobs"], backend=s["backend"], address=s["address"],
                          horizons=s["horizons"], known=s["known"])
    attrs = comparison.table.attrs
    info = {"target": comparison.windows.target, "columns": list(comparison.windows.columns),
            "rows": len(comparison.windows.values), "fold_size": attrs["fold_size"], "first_row": attrs["first_row"],
            "baselines": comparison.baselines}
    run = ForecastRun.from_comparison("forecast_backtest", comparison, _settings_record(s, built, info, "backtest"))
    if out is not None:
        run.paths = run.save(out)
    return run


__all__ = ["BACKTEST_DEFAULTS", "DATASET_PRESETS", "FORECAST_DEFAULTS", "QUICK", "build_models", "forecast_backtest",
           "forecast_compare", "resolve_settings"]
