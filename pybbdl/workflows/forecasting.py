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
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np

from pybbdl._validation import MAX_SEED, check_positive_int, check_seed
from pybbdl.evaluation import backtest, compare
from pybbdl.evaluation.compare import check_forecaster
from pybbdl.evaluation.intervals import check_conformal_scale, check_interval_levels, check_interval_method
from pybbdl.exceptions import ArgumentError, ArgumentTypeError
from pybbdl.models import _check_unique, is_per_model, make_model, model_params
from pybbdl.models.registry import RUN_SETTINGS, get_spec, model_names
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
    "period": None,            # seasonal period in rows of seasonal_naive, ets, theta; None = each model's own
    "seed": 42,                # first seed; stochastic models use seed, seed + 1, ...
    "seeds": 1,                # seeds per stochastic model
    "baselines": None,         # DM columns against these; None = naive + arima when present
    "dm_loss": "mae",          # DM loss: "mae" (R's power = 1) or "mse" (R's power = 2)
    "levels": None,            # interval levels, e.g. (0.8, 0.95); None = those two, skipped if val is too short
    "nested": None,            # {"model": ["nested model"]} for Clark-West; None = the models' `nests`
    "conformal_window": None,  # None = conformal intervals calibrated on all of val; int = last N errors (rolling)
    "conformal_scale": "auto",  # conformal errors scaled by each window's volatility ("window" when lookback > 1); "none"
    "interval_method": "auto",  # "auto": ARIMA/ETS/... their own intervals, the rest conformal; "conformal": all conformal
    "params": None,            # per-model estimator parameters, e.g. {"gru": {"dropout": 0.2}, "arima": {"max_p": 2}}
    "quick": False,            # smoke run: QUICK settings for every model
    "deterministic": True,     # deterministic TF ops while a neural model trains (restored after)
    "progress": True,          # one line per fit on stderr; Keras bars only on a terminal
    "n_jobs": 1,               # parallel fits: 1 = in this process; n > 1 = n local worker processes
    "backend": None,           # None = "loky" when n_jobs > 1, "ray" with an address; or "sequential"/"loky"/"ray"
    "address": None,           # Ray cluster to run the fits on, e.g. "HEAD:6379" (backend "ray")
    "future": None,            # int H = also forecast the next H steps from the last observation (run.future)
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
#: Most seeds a run takes (each network trains once per seed): a larger `seeds` is refused before
#: its list is built.
MAX_SEEDS = 10_000

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


#: Old names of settings, still taken for one release with a FutureWarning: ``{old: new}``.
RENAMED_SETTINGS = {"season": "period"}


def renamed_settings(given: dict, *, stacklevel: int = 3) -> dict:
    """`given` with each old name of :data:`RENAMED_SETTINGS` moved to its new name (FutureWarning);
    an old and a new name both given with different values are refused."""
    given = dict(given)
    for old, new in RENAMED_SETTINGS.items():
        if old not in given:
            continue
        value = given.pop(old)
        if value is None:
            continue
        warnings.warn(f"`{old}` is deprecated and will be removed in the next release; use `{new}` (--{new} on the "
                      "command line): one name in Python, the CLI and R.", FutureWarning, stacklevel=stacklevel)
        if given.get(new) is not None and given[new] != value:
            raise ArgumentError(f"`{old}` is the old name of `{new}`: give one. Received: {old}={value!r}, "
                                f"{new}={given[new]!r}")
        given[new] = value
    return given


def resolve_settings(dataset: str | None = None, *, backtest: bool = False, **given) -> dict:
    """The settings of a run: :data:`FORECAST_DEFAULTS` (and :data:`BACKTEST_DEFAULTS` when
    `backtest`), then the dataset's preset, then every value in `given` that is not None (None
    means "not given")."""
    if dataset is not None and dataset not in DATASET_PRESETS and dataset != "csv":
        raise ArgumentError(f"`dataset` must be one of {[*DATASET_PRESETS, 'csv']}. Received: {dataset!r}")
    settings = {**FORECAST_DEFAULTS, **BACKTEST_DEFAULTS} if backtest else dict(FORECAST_DEFAULTS)
    given = renamed_settings(given)
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
    for name, what in (("features", "column"), ("known", "column"), ("baselines", "model")):
        if s[name] is not None and not isinstance(s[name], str):  # a repeat would be a second column/test
            values = [str(v) for v in s[name]]
            repeated = sorted({v for v in values if values.count(v) > 1})
            if repeated:
                raise ArgumentError(f"`{name}` must name each {what} once. Received: {repeated} more than once in "
                                    f"{values}")
    if s["patience"] is not None:
        s["patience"] = check_positive_int("patience", s["patience"], minimum=0)
    lr = s["learning_rate"]
    if isinstance(lr, bool) or not isinstance(lr, (int, float, np.floating)) or not math.isfinite(lr) or lr <= 0:
        raise ArgumentError(f"`learning_rate` must be a finite number > 0. Received: learning_rate={lr!r}")
    s["learning_rate"] = float(lr)
    for name in ("units", "period"):
        if s[name] is not None:
            s[name] = check_positive_int(name, s[name])
    s["seed"] = check_seed("seed", s["seed"])
    if isinstance(s["seeds"], (int, np.integer, float)) and not isinstance(s["seeds"], bool):
        n_seeds = check_positive_int("seeds", s["seeds"])
        if n_seeds > MAX_SEEDS:  # checked before a list of that many seeds is built
            raise ArgumentError(f"`seeds` must be <= {MAX_SEEDS:,} (each network trains once per seed). "
                                f"Received: seeds={n_seeds}")
        if s["seed"] + n_seeds - 1 > MAX_SEED:
            raise ArgumentError(f"`seed` + `seeds` - 1 must be <= {MAX_SEED} (2**32 - 1, the seeds NumPy and Keras "
                                f"take). Received: seed={s['seed']}, seeds={n_seeds}")
        s["seeds"] = [s["seed"] + i for i in range(n_seeds)]
    else:
        s["seeds"] = [check_seed("seeds", v) for v in s["seeds"]]
        if not s["seeds"]:
            raise ArgumentError("`seeds` must be a number >= 1 or a non-empty list of seeds. Received: []")
        if len(s["seeds"]) > MAX_SEEDS:
            raise ArgumentError(f"`seeds` must hold at most {MAX_SEEDS:,} seeds (each network trains once per seed). "
                                f"Received: {len(s['seeds']):,} seeds")
        repeated = sorted(v for v, c in Counter(s["seeds"]).items() if c > 1)
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
                                f"Received: models={','.join(models)!r}. Known models: {', '.join(model_names('windows'))}")
    items = list(models.items()) if isinstance(models, Mapping) else [(m, m) for m in models]
    _check_unique([name for name, _ in items])
    if not items:
        raise ArgumentError(f"`models` must name at least one model. Received: none. Known: {', '.join(model_names('windows'))}")
    for name, spec in items:
        if isinstance(spec, str):
            model_params(spec)  # unknown names fail here
        else:
            check_forecaster(name, spec)
    return items


def build_models(s: dict) -> dict:
    """``{name: unfitted forecaster}`` for the settings `s` (validated by :func:`_check_settings`).

    Run-wide settings (``epochs``, ``seed``, ``units``, ...) reach only the models whose registry
    entry declares them (:data:`pybbdl.models.registry.RUN_SETTINGS`), never a model that merely
    has a parameter of that name; ``units``/``period`` given when no model of the run declares
    them are refused. ``params`` is per model (``{"gru": {"units": 64}}``; an unknown model or
    parameter is an error naming the valid ones) or, deprecated, flat (each key to every named
    model that takes it; each key taken by at least one).
    """
    items = _model_list(s["models"])
    named = {name: spec for name, spec in items if isinstance(spec, str)}
    user = dict(s["params"] or {})
    per_model = is_per_model(user, [name for name, _ in items])
    if per_model:
        labels = [name for name, _ in items]
        for name in user:
            if name not in labels:
                raise ArgumentError(f"`params` names model {name!r}, which is not in the run. Models of the run: "
                                    f"{labels}")
            if name not in named:
                raise ArgumentError(f"`params[{name!r}]` is for a model given as an object: set its parameters on "
                                    "the object itself.")
        per = {name: dict(kw) for name, kw in user.items()}
        for name, kw in per.items():
            valid = model_params(named[name])
            unknown = [k for k in kw if k not in valid]
            if unknown:
                raise ArgumentError(f"`params[{name!r}]` has unknown parameter(s) {unknown}. Valid parameters of "
                                    f"{named[name]!r}: {valid}")
    else:
        per = {}
        if user:
            warnings.warn("A flat `params` dict (each key to every model that takes it) is deprecated and will be "
                          "removed in the next release: give parameters per model, e.g. "
                          "params={\"gru\": {\"units\": 64}}.", FutureWarning, stacklevel=3)
        takes = {spec: set(model_params(spec)) for spec in named.values()}
        accepted = set().union(*takes.values()) if takes else set()
        unknown = sorted(k for k in user if k not in accepted)
        if unknown:
            raise ArgumentError(f"`params` has key(s) {unknown} that none of the models {list(named.values())} takes. "
                                f"Valid keys: {sorted(accepted)}")
        per = {name: {k: v for k, v in user.items() if k in takes[spec]} for name, spec in named.items()}
    declares = {name: set(get_spec(spec).settings) for name, spec in named.items()}
    for setting in ("units", "period"):
        if s[setting] is not None and not any(setting in d for d in declares.values()):
            raise ArgumentError(f"`{setting}` is given ({s[setting]}) but none of the models "
                                f"{list(named.values())} uses it.")
    # Keras' progress bar only when fits run here, one after another (workers would interleave them),
    # and only on a terminal ("auto": pybbdl.models.neural.keras_verbosity); logs and pipes get the
    # comparison's one line per model fit instead of Keras' lines per epoch
    verbose = "auto" if s["progress"] and resolve_backend(
        s.get("n_jobs", 1), s.get("backend"), s.get("address")) == "sequential" else 0
    run_wide = {"epochs": s["epochs"], "batch_size": s["batch_size"], "learning_rate": s["learning_rate"],
                "patience": s["patience"] or None, "seed": s["seed"], "verbose": verbose,
                "deterministic": s["deterministic"], "progress": bool(s["progress"]) and sys.stderr.isatty()}
    if s["units"] is not None:
        run_wide["units"] = s["units"]
    if s["period"] is not None:
        run_wide["period"] = s["period"]
    if s["quick"]:
        run_wide.update(epochs=min(s["epochs"], QUICK["epochs"]), patience=None, max_train=QUICK["arima_max_train"],
                        max_p=QUICK["arima_max_pq"], max_q=QUICK["arima_max_pq"])
    out = {}
    for name, spec in items:
        if not isinstance(spec, str):
            out[name] = spec
            continue
        kw = {RUN_SETTINGS[k]: v for k, v in run_wide.items() if k in declares[name]}
        kw.update(per.get(name, {}))
        out[name] = make_model(spec, **kw)
    return out


def _model_record(model) -> dict:
    params = model.get_params() if callable(getattr(model, "get_params", None)) else {}
    out = {"class": type(model).__name__, "params": params}
    if isinstance(params.get("engine"), str):  # ARIMA's likelihood engine: what "auto" runs here
        from pybbdl.models.arima_likelihood import resolve_engine

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


def _check_future(s: dict, data) -> None:
    """`future` (steps to forecast from the last observation) checked before any training."""
    f = s.get("future")
    if f is None:
        return
    if isinstance(f, (str, bool, np.bool_)) or not isinstance(f, (int, np.integer, float, np.floating)):
        raise ArgumentError(f"`future` must be a whole number of steps >= 1 (or None). Received: future={f!r}")
    s["future"] = f = check_positive_int("future", f)
    if s["known"]:
        raise ArgumentError(f"`future` does not apply to a run with future-known columns {s['known']}: their path "
                            "over the horizon is needed. Use pybbdl.forecast_conditional(run, future_path).")
    rows = len(data) if hasattr(data, "__len__") else None
    if rows is not None and f > rows:
        raise ArgumentError(f"`future` must be at most the number of rows of the data ({rows}). Received: future={f}")


def _start(data, settings: dict, out_dir):
    s = _check_settings(renamed_settings(settings, stacklevel=4))
    _check_future(s, data)
    models = build_models(s)
    out = prepare_output_dir(out_dir) if out_dir is not None else None  # unwritable fails before training
    return s, models, out


def forecast_compare(
    data, *, target=None, features=None, models=("naive", "dense", "lstm", "gru"), lookback=8, horizon=1, step=1,
    horizons=None, known=None, split=(0.6, 0.2, 0.2), epochs=100, batch_size=16, patience=20, learning_rate=1e-3,
    units=None, period=None,
    seed=42, seeds=1, baselines=None, dm_loss="mae", levels=None, nested=None, conformal_window=None,
    conformal_scale="auto", interval_method="auto", params=None, quick=False, deterministic=True,
    out_dir: str | os.PathLike | None = None,
    progress=True, n_jobs=1, backend=None, address=None, future=None, season=None,
) -> ForecastRun:
    """Fit every model on the training part of one split and score it on validation and test.

    Args:
        data: A DataFrame with a time index (or a plain index) and numeric columns, or a 2-D
            array (target in column 0).
        models: Model names (the registry's, ``pybbdl.models.model_names("windows")``), a comma-separated string, or
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
        future: An int H: after scoring, forecast the next H steps from the last observation with
            every model refitted on all the data (:func:`pybbdl.workflows.future.forecast_future`,
            at the run's levels) into ``run.future``; saved as ``forecast_future.csv`` and
            ``fan_future_<model>.png``. None (default) = no forecast from today (``run.forecast(h)``
            makes one later).
        period: The seasonal period in rows, for the models that declare it (seasonal_naive,
            ets, theta: ``pybbdl.models.model_table()``'s ``settings``); None = each model's own.
            One name in Python, the CLI (``--period``) and R (``period =``), as in panels and
            ``forecast_series``.
        season: Deprecated old name of `period` (FutureWarning; removed in the next release).
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
    _add_future(run, s)
    if out is not None:
        run.paths = run.save(out)
    return run


def _add_future(run: ForecastRun, s: dict) -> None:
    if s.get("future") is not None:
        from pybbdl.workflows.future import forecast_future

        run.future = forecast_future(run, s["future"], progress=bool(s["progress"]))


def forecast_backtest(
    data, *, target=None, features=None, models=("naive", "arima", "gru"), lookback=8, horizon=1, step=1,
    horizons=None, known=None, folds=5, fold_size=None, start=None, train_length=None, retrain=True, stride=1,
    val_fraction=0.2, epochs=100, batch_size=16, patience=20, learning_rate=1e-3, units=None, period=None, seed=42, seeds=1,
    baselines=None, dm_loss="mae", levels=None, nested=None, conformal_window=None, conformal_scale="auto",
    interval_method="auto", params=None, quick=False, deterministic=True, out_dir: str | os.PathLike | None = None,
    progress=True, n_jobs=1, backend=None,
    address=None, future=None, season=None,
) -> ForecastRun:
    """Rolling-origin backtest (:func:`pybbdl.evaluation.backtest`): every model forecasts the same
    targets, fold after fold; the table pools all folds' targets (part ``"test"``).

    Args: as :func:`forecast_compare` (``future=H`` included: the data are the whole series, the
    calibration split of conformal intervals the last fold's), plus the :data:`BACKTEST_DEFAULTS`
    (``folds``, ``fold_size``, ``start``, ``train_length``, ``retrain``, ``stride``, ``val_fraction``).
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
    _add_future(run, s)
    if out is not None:
        run.paths = run.save(out)
    return run


__all__ = ["BACKTEST_DEFAULTS", "DATASET_PRESETS", "FORECAST_DEFAULTS", "QUICK", "build_models", "forecast_backtest",
           "forecast_compare", "resolve_settings"]
