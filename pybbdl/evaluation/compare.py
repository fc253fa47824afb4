"""Fit every forecaster on the same windows (once per seed if it is stochastic) and score it.

Only the forecaster contract of :mod:`pybbdl.models.base` is used: ``fit(windows)``,
``predict(windows, part)``, and, when present, ``stochastic``, ``clone()``/``set_params()``,
``describe()``, ``notes_``, ``history_``, ``epochs_run_``, ``fit_seconds_``, ``n_params_``.
No model is special-cased; which models the Diebold-Mariano columns test against is the
`baselines` argument.
"""

from __future__ import annotations

import copy
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pybbdl._validation import check_positive_int
from pybbdl.evaluation.dm import LOSS_POWER, Loss, diebold_mariano, dm_min_length
from pybbdl.evaluation.intervals import (CALIBRATION_PART, DEFAULT_LEVELS, check_calibration_size, check_conformal_scale,
                                         check_interval_levels, check_interval_method, check_own_levels,
                                         has_own_intervals, interval_frame, model_intervals, resolved_scale)
from pybbdl.evaluation.nested import clark_west, model_confidence_set, nesting
from pybbdl.evaluation.metrics import (get_metric, interval_metric_names, interval_scores, mae, metric_names, metrics,
                                       score, skill_pct, zero_tolerance)
from pybbdl.exceptions import ArgumentError, ArgumentTypeError, DataError, ModelFitError
from pybbdl.models import NaiveForecaster, make_models
from pybbdl.models.series import level_label
from pybbdl.parallel import resolve_backend, run_tasks
from pybbdl.windows import Windows

#: Columns of the long table, in order (see :func:`long_table`).
LONG_COLUMNS = ("model", "part", "horizon", "metric", "value", "sd", "n", "seeds", "note")
#: The columns of one row as :func:`long_table` builds it (``horizon`` is added to the whole table).
_ROW_COLUMNS = tuple(c for c in LONG_COLUMNS if c != "horizon")
#: Baselines of the DM columns when `baselines` is None: those of these that are in the comparison.
DEFAULT_BASELINES = ("naive", "arima")
#: The model confidence set of the tables: size (0.10 = the 90 % set), bootstrap replications, seed.
MCS_SIZE, MCS_REPS, MCS_SEED = 0.10, 1000, 0


@dataclass
class Comparison:
    """What :func:`compare` and :func:`~pybbdl.evaluation.backtest.backtest` return.

    Attributes:
        table: One row per model (the 0.1 "wide" layout): ``{part}_mae``, ``{part}_rmse`` in target
            units (mean over seeds, with ``_sd`` columns when there are several),
            ``{part}_skill_pct`` (100 * (1 - MAE / naive MAE)), ``{part}_dm_vs_<b>``/``{part}_p_vs_<b>``
            for each baseline ``b`` (negative statistic = more accurate than ``b``; median over seeds),
            ``seeds``, ``epochs``, ``fit_seconds``, ``n_params``, ``spec`` (``describe()``), ``note``.
        long: The same numbers as a long, tidy table, see :func:`long_table`.
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
        columns: The catalog of `table`'s metric columns (:func:`wide_layout`): which metric
            (of :mod:`pybbdl.evaluation.metrics`), part, level and baseline each column holds,
            its label and whether it is printed; R's print method and the terminal summary read it.
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


def check_forecaster(name: str, est) -> None:
    """Refuse an object that does not follow the forecaster contract (fit and predict)."""
    if not (callable(getattr(est, "fit", None)) and callable(getattr(est, "predict", None))):
        raise ArgumentTypeError(f"Model {name!r} must be a forecaster: an object with fit(windows) and "
                                f"predict(windows, part) (see pybbdl.models.base). Received: {type(est).__name__}")


def as_forecasters(models, params: Mapping | None) -> dict:
    """``{name: unfitted forecaster}`` from names (built with `params`) or a mapping; naive first."""
    if isinstance(models, str):
        models = [m.strip() for m in models.split(",") if m.strip()]
    if isinstance(models, Mapping):
        out = dict(models)
        for name, est in out.items():
            check_forecaster(name, est)
    else:
        models = list(models)
        if not models:
            raise ArgumentError("`models` must name at least one model. Received: an empty list")
        out = make_models(models, params)
    if "naive" not in out:  # skill is measured against it, so it is always in the table
        out = {"naive": NaiveForecaster(), **out}
    return out


def resolve_baselines(baselines, names: Sequence[str]) -> list[str]:
    """The DM baselines: the given names (each must be a model of the comparison), or the
    :data:`DEFAULT_BASELINES` present."""
    if baselines is None:
        return [b for b in DEFAULT_BASELINES if b in names]
    baselines = [baselines] if isinstance(baselines, str) else list(baselines)
    missing = [b for b in baselines if b not in names]
    if missing:
        raise ArgumentError(f"`baselines` must name models of the comparison. Received: {missing}; "
                            f"models: {list(names)}")
    return baselines


def as_seeds(seeds, params: Mapping | None) -> list:
    if seeds is None:
        return [(params or {}).get("random_state")]
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        base = (params or {}).get("random_state") or 0
        return [int(base) + i for i in range(check_positive_int("seeds", seeds))]
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ArgumentError("`seeds` must hold at least one seed")
    _check_distinct_seeds(seeds)
    return seeds


def _check_distinct_seeds(seeds) -> None:
    """A repeated seed trains the same network twice and counts it as two seeds in the table."""
    repeated = sorted({s for s in seeds if list(seeds).count(s) > 1})
    if repeated:
        raise ArgumentError(f"`seeds` must be distinct (a repeat is the same run counted twice). Received: "
                            f"{list(seeds)}, with {repeated} more than once")


def check_dm_length(n: int, horizon: int, where: str) -> None:
    """Refuse, before any training, a part too short for the Diebold-Mariano columns."""
    need = dm_min_length(horizon)
    if n < need:
        raise DataError(f"The {where} has {n} target(s); the Diebold-Mariano tests with horizon={horizon} need "
                        f"at least {need}. Use a longer part (split/folds) or a shorter horizon.")


def check_not_constant(windows: Windows) -> None:
    """Refuse a constant target: skill and Diebold-Mariano tests would be ratios of round-off."""
    y = windows.values[:, 0]
    if len(y) and np.ptp(y) == 0:
        raise DataError(f"The target {windows.target!r} is constant (every value is {y[0]!r}): there is nothing "
                        "to forecast, and skill and Diebold-Mariano tests are undefined.")


def _seeded(est, seed):
    model = est.clone() if callable(getattr(est, "clone", None)) else copy.deepcopy(est)
    if getattr(model, "stochastic", False) and seed is not None:
        if callable(getattr(model, "set_params", None)):
            model.set_params(random_state=seed)
        else:
            model.random_state = seed
    return model


def _notes(model) -> list[str]:
    notes = getattr(model, "notes_", None) or []
    return [notes] if isinstance(notes, str) else [str(n) for n in notes]


@dataclass
class FitTask:
    """One fit of one model (one seed, one fold): what :func:`fit_task` runs, in this process or
    in a worker (:func:`pybbdl.parallel.run_tasks`). Picklable: the unfitted, seeded model and
    the windows travel, never a live Keras session."""

    name: str
    model: object
    seed: int | None
    windows: Windows
    parts: tuple
    first: bool
    message: str | None = None
    fold: int | None = None

    @property
    def label(self) -> str:
        """How an error names the task."""
        seed = f", seed {self.seed}" if self.seed is not None else ""
        fold = f", fold {self.fold}" if self.fold is not None else ""
        return f"model {self.name!r}{seed}{fold}"


def fit_task(task: FitTask) -> dict:
    """Fit ``task.model`` on the task's windows and forecast its parts.

    Returns ``{"model", "preds" {part: array}, "fit_seconds", "epochs", "n_params", "notes",
    "spec", "history"}``, or ``{"failed": note}`` when the fit raised :class:`ModelFitError`.
    """
    if task.message:
        print(task.message, file=sys.stderr, flush=True)
    model = task.model
    start = time.perf_counter()
    try:
        model.fit(task.windows)
    except ModelFitError as err:  # reported in the table, not dropped
        return {"failed": f"fit failed: {err}"}
    out = {"fit_seconds": getattr(model, "fit_seconds_", time.perf_counter() - start),
           "epochs": getattr(model, "epochs_run_", np.nan), "n_params": getattr(model, "n_params_", np.nan),
           "notes": _notes(model), "spec": "", "history": None, "model": model}
    if task.first and callable(getattr(model, "describe", None)):
        out["spec"] = str(model.describe())
    out["preds"] = {part: forecast_part(model, task.windows, part) for part in task.parts}
    if task.first:
        out["history"] = getattr(model, "history_", None)
    return out


def fit_tasks(estimators: Mapping, windows: Windows, parts, seeds, progress, *, fold: int | None = None) -> list:
    """The :class:`FitTask` of every model x seed (one seed for a model that is not ``stochastic``)."""
    tasks = []
    for i, (name, est) in enumerate(estimators.items(), start=1):
        if windows.multi_horizon and not callable(getattr(est, "predict_horizons", None)):
            from pybbdl.models.horizons import DirectForecaster

            est = DirectForecaster(est)  # no multi-horizon method of its own: one copy per horizon
        stochastic = bool(getattr(est, "stochastic", False))
        runs = seeds if stochastic else seeds[:1]
        for k, seed in enumerate(runs):
            message = None
            if progress:
                label = f", seed {seed}" if stochastic and len(runs) > 1 else ""
                message = f"[{i}/{len(estimators)}] {name}{label}: fitting"
            tasks.append(FitTask(name, _seeded(est, seed), seed if stochastic else None, windows, tuple(parts),
                                 k == 0, message, fold))
    return tasks


def collect_fits(estimators: Mapping, tasks: Sequence[FitTask], results: Sequence[dict], windows: Windows, parts,
                 seeds) -> tuple[dict, dict, dict, dict]:
    """:func:`fit_and_forecast`'s four dicts from the results of `tasks` (in task order); a model's
    seeds after its first failed fit are not counted (as when they ran one after another)."""
    preds, info, fitted, histories = {}, {}, {}, {}
    for name, est in estimators.items():
        runs = seeds if getattr(est, "stochastic", False) else seeds[:1]
        preds[name] = {p: [] for p in parts}
        info[name] = {"seeds": len(runs), "epochs": [], "fit_seconds": [], "n_params": np.nan, "notes": [],
                      "spec": "", "n_train": windows.n_windows("train")}
    failed = set()
    for task, res in zip(tasks, results):
        name = task.name
        if name in failed:
            continue
        if "failed" in res:
            info[name]["notes"].append(res["failed"])
            failed.add(name)
            continue
        info[name]["fit_seconds"].append(res["fit_seconds"])
        info[name]["epochs"].append(res["epochs"])
        info[name]["n_params"] = res["n_params"]
        info[name]["notes"] += [n for n in res["notes"] if n not in info[name]["notes"]]
        if task.first:
            info[name]["spec"] = res["spec"]
        for part in parts:
            preds[name][part].append(res["preds"][part])
        fitted.setdefault(name, []).append(res["model"])
        if task.first and res["history"] is not None:
            histories[name] = res["history"]
    preds = {m: {p: np.stack(v) for p, v in by.items() if v} for m, by in preds.items()}
    return preds, info, fitted, histories


def fit_and_forecast(estimators: Mapping, windows: Windows, parts, seeds, progress, *, n_jobs: int = 1,
                     backend: str | None = None, address: str | None = None) -> tuple[dict, dict, dict, dict]:
    """Fit every model (once per seed if ``stochastic``) and forecast `parts`; the fits are tasks
    of :func:`pybbdl.parallel.run_tasks` (`n_jobs`, `backend`, `address`).

    Returns ``(preds {model: {part: (seeds, n)}}, info {model: {...}}, fitted {model: [models]},
    histories {model: history}``.
    """
    sequential = resolve_backend(n_jobs, backend, address) == "sequential"
    tasks = fit_tasks(estimators, windows, parts, seeds, progress and sequential)
    results = run_tasks(fit_task, tasks, n_jobs=n_jobs, backend=backend, address=address,
                        progress=progress and not sequential, desc="fits")
    return collect_fits(estimators, tasks, results, windows, parts, seeds)


def resolve_levels(levels, windows: Windows, estimators: Mapping,
                   method: str = "auto") -> tuple[tuple[float, ...], bool]:
    """``(levels, strict)``: the levels to score and whether a too-short calibration part is an
    error (levels given by the caller) or a note in the table (the default levels)."""
    method = check_interval_method(method)
    if levels is None:
        check_own_levels(estimators, DEFAULT_LEVELS, method)
        return DEFAULT_LEVELS, False
    levels = check_interval_levels(levels)
    check_own_levels(estimators, levels, method)
    if levels and any(not has_own_intervals(e, method) for e in estimators.values()):
        check_calibration_size(windows, levels)  # before any training
    return levels, True


def interval_pass(fitted: Mapping, windows: Windows, parts, levels, preds: Mapping, *, strict: bool = True,
                  fold: int | None = None, window: int | None = None,
                  scale: str | None = None, method: str = "auto") -> tuple[dict, dict, dict]:
    """Intervals of every fitted model (each seed) on `parts`.

    Returns ``(intervals {model: {part: [{level: (lo, hi)} per seed]}}, methods {model: str},
    notes {model: {part: str}})``; a part without intervals has an empty list and a note (the
    calibration part of conformal intervals; a calibration part too short when not `strict`).
    """
    from pybbdl.exceptions import DataError

    out, methods, notes = {}, {}, {}
    if not levels:
        return out, methods, notes
    for name, runs in fitted.items():
        out[name], notes[name] = {}, {}
        for part in parts:
            out[name][part] = []
            for k, model in enumerate(runs):
                has_own = has_own_intervals(model, method)
                methods[name] = "model" if has_own else "conformal"
                if not has_own and part == CALIBRATION_PART:
                    notes[name][part] = (f"no interval scores on the {part} part: it calibrates the conformal "
                                         "intervals (scored on the test part)")
                    break
                point = preds[name][part][k] if part in preds.get(name, {}) else None
                cal = preds[name].get(CALIBRATION_PART) if name in preds else None
                cal = cal[k] if cal is not None and len(cal) > k else None
                try:
                    ints, _ = model_intervals(model, windows, part, levels, point=point, calibration_forecasts=cal,
                                              window=window, scale=scale, method=method)
                except DataError as err:
                    if strict:
                        raise
                    where = f" (fold {fold})" if fold is not None else ""
                    notes[name][part] = f"no intervals{where}: {err}"
                    out[name][part] = []
                    break
                out[name][part].append(ints)
    return out, methods, notes


def _interval_rows(name, part, y, f, ints, levels, n, seeds, note):
    names = interval_metric_names(levels)
    if not ints:
        return [(name, part, m, np.nan, np.nan, n, seeds, note) for m in names]
    scores = [interval_scores(y, f[k], ints[k]) for k in range(len(ints))]
    return [(name, part, m, float(np.mean([sc[m] for sc in scores])), _sd([sc[m] for sc in scores]), n, len(ints),
             note) for m in names]


def mcs_rows(preds, actual, parts, *, dm_loss: Loss, size: float = MCS_SIZE, reps: int = MCS_REPS,
             seed: int = MCS_SEED) -> dict:
    """``{(model, part): (mcs_p, in_mcs, note)}``: Hansen's model confidence set of each part over
    the models with forecasts (first seed; loss = the DM loss)."""
    out = {}
    power = LOSS_POWER[dm_loss]
    for part in parts:
        have = [m for m in preds if part in preds[m]]
        if len(have) < 2:
            continue
        y = actual[part]
        losses = pd.DataFrame({m: np.abs(y - preds[m][part][0]) ** power for m in have})
        if not np.all(np.isfinite(losses.to_numpy())):
            continue
        res = model_confidence_set(losses, size=size, reps=reps, seed=seed)
        for m in have:
            out[(m, part)] = (float(res.loc[m, "mcs_p"]), float(res.loc[m, "in_mcs"]), "")
    return out


def forecast_part(model, windows: Windows, part: str) -> np.ndarray:
    """``model``'s forecasts of a part: ``(n,)``, or ``(n, len(horizons))`` for multi-horizon windows."""
    if windows.multi_horizon:
        out = np.asarray(model.predict_horizons(windows, part), dtype=float)
        expected = (windows.n_windows(part), len(windows.horizons))
        if out.shape != expected:
            raise ArgumentError(f"predict_horizons of {type(model).__name__} must return shape {expected}. "
                                f"Received: {out.shape}")
        return out
    return np.asarray(model.predict(windows, part), dtype=float).reshape(-1)


def longest(preds: Mapping) -> dict:
    """``{model: {part: (seeds, n)}}`` at the longest horizon of multi-horizon forecasts (as is otherwise)."""
    return {m: {p: (a[..., -1] if a.ndim == 3 else a) for p, a in by.items()} for m, by in preds.items()}


def horizon_long_table(preds, info, actual: Mapping[str, np.ndarray], parts, *, horizons: Sequence[int],
                       dm_loss: Loss, baselines: Sequence[str], nests: Mapping | None = None,
                       **longest_only) -> pd.DataFrame:
    """The long table of a multi-horizon run: :func:`long_table` per horizon (DM and Clark-West
    tests with each horizon's own lag window); `preds` are ``{model: {part: (seeds, n,
    len(horizons))}}``, `actual` ``{part: (n, len(horizons))}``. `longest_only` (interval scores,
    the model confidence set) apply to the longest horizon. The ``"train"`` rows appear once
    (horizon = the longest)."""
    tables = []
    for j, h in enumerate(horizons):
        last = j == len(horizons) - 1
        sub = {m: {p: a[..., j] for p, a in by.items()} for m, by in preds.items()}
        t = long_table(sub, info, {p: a[:, j] for p, a in actual.items()}, parts, horizon=h, dm_loss=dm_loss,
                       baselines=baselines, nests=nests, **(longest_only if last else {}))
        tables.append(t if last else t[t["part"] != "train"])
    table = pd.concat(tables, ignore_index=True)
    order = {m: i for i, m in enumerate(info)}
    part_order = {p: i for i, p in enumerate([*parts, "train"])}
    metric_order = {m: i for i, m in enumerate(dict.fromkeys(tables[-1]["metric"]))}
    keys = pd.DataFrame({"m": table["model"].map(order), "p": table["part"].map(part_order),
                         "h": table["horizon"], "k": table["metric"].map(metric_order).fillna(-1)})
    return table.loc[keys.sort_values(["m", "p", "h", "k"], kind="stable").index].reset_index(drop=True)


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


def _sd(values) -> float:
    return float(np.std(values, ddof=1)) if len(values) > 1 else np.nan


def long_table(preds, info, actual: Mapping[str, np.ndarray], parts, *, horizon: int, dm_loss: Loss,
               baselines: Sequence[str], levels: Sequence[float] = (), intervals: Mapping | None = None,
               interval_notes: Mapping | None = None, nests: Mapping | None = None,
               mcs: Mapping | None = None) -> pd.DataFrame:
    """The long, tidy table: one row per model x part x metric.

    Columns (:data:`LONG_COLUMNS`): ``model``; ``part`` (a scored part, or ``"train"`` for what
    fitting took); ``horizon`` (steps ahead of the scored targets); ``metric``; ``value``; ``sd`` (across seeds, NaN for one seed); ``n`` (targets
    scored; training windows for ``"train"`` rows); ``seeds`` (fits averaged); ``note`` (why a value
    is NaN, or what to know about it). Metrics of a scored part: ``mae``, ``rmse`` (target units,
    mean over seeds), ``skill_pct`` (100 * (1 - MAE / naive MAE)), ``dm_stat_vs_<b>`` and
    ``p_vs_<b>`` for each baseline ``b`` (median over seeds; NaN for ``b`` itself); for a model
    that nests ``b`` (`nests`) also ``cw_stat_vs_<b>`` and ``cw_p_vs_<b>`` (Clark-West, one-sided,
    positive = the larger model is better; the DM rows' note says to read these); for each level
    L of `levels` ``coverage_<L>`` (0..1), ``width_<L>``, ``winkler_<L>``, then ``pinball`` and
    ``crps`` (mean over seeds; see :mod:`pybbdl.evaluation.intervals`); ``mcs_p`` and
    ``in_mcs_<100 (1 - size)>`` (1 = in Hansen's model confidence set, first seed) when `mcs` is
    given. Metrics of ``"train"``: ``epochs``, ``fit_seconds``, ``n_params``.
    """
    intervals, interval_notes, nests, mcs = intervals or {}, interval_notes or {}, nests or {}, mcs
    mcs_name = get_metric("in_mcs").long_name(level=1 - MCS_SIZE)
    point = [m for m in metrics("point", "compare") if m.needs == ("actual", "forecast") or m.name == "skill_pct"]
    point_names = [m.name for m in point]
    rows = []
    naive = preds.get("naive", {})
    for name in info:
        seeds = info[name]["seeds"]
        for part in parts:
            f = preds[name].get(part)
            y = actual[part]
            n = len(y)
            if f is None:
                why = "; ".join(info[name]["notes"]) or "no forecasts"
                nested = [b for b in baselines if b in nests.get(name, ())]
                for metric in (*point_names, *[f"{s}_vs_{b}" for b in baselines
                                                             for s in ("dm_stat", "p")],
                               *[f"{s}_vs_{b}" for b in nested for s in ("cw_stat", "cw_p")],
                               *interval_metric_names(levels), *(("mcs_p", mcs_name) if mcs is not None else ())):
                    rows.append((name, part, metric, np.nan, np.nan, n, seeds, why))
                continue
            maes = [mae(y, s) for s in f]
            for metric in point:  # the registry's point metrics, in its order
                if metric.name == "skill_pct":  # relative to the naive forecast, with a note when that is exact
                    if part in naive:
                        ref = mae(y, naive[part][0])
                        skills = [skill_pct(m, ref, tol=zero_tolerance(y)) for m in maes]
                        rows.append((name, part, "skill_pct", float(np.mean([s for s, _ in skills])),
                                     _sd([s for s, _ in skills]), n, seeds, skills[0][1]))
                    else:
                        rows.append((name, part, "skill_pct", np.nan, np.nan, n, seeds,
                                     "the naive baseline has no forecasts"))
                    continue
                values = maes if metric.name == "mae" else [score(metric, y, s) for s in f]
                rows.append((name, part, metric.name, float(np.mean(values)), _sd(values), n, seeds, ""))
            for b in baselines:
                if name == b:
                    stat = pval = np.nan
                    note = ""
                elif part not in preds.get(b, {}):
                    stat = pval = np.nan
                    note = f"baseline {b!r} has no forecasts"
                else:
                    tests = [diebold_mariano(y, s, preds[b][part][0], horizon=horizon, loss=dm_loss) for s in f]
                    stat = float(np.median([t[0] for t in tests]))
                    pval = float(np.median([t[1] for t in tests]))
                    note = next((t.note for t in tests if t.note), "")
                is_nested = b in nests.get(name, ())
                if is_nested:
                    note = "; ".join(x for x in (note, f"{name} nests {b}: DM is not valid for nested models, "
                                                       f"read cw_stat_vs_{b} (Clark-West)") if x)
                rows.append((name, part, f"dm_stat_vs_{b}", stat, np.nan, n, seeds, note))
                rows.append((name, part, f"p_vs_{b}", pval, np.nan, n, seeds, note))
                if is_nested:
                    if part in preds.get(b, {}):
                        tests = [clark_west(y, s, preds[b][part][0], horizon=horizon) for s in f]
                        cw_stat = float(np.median([t[0] for t in tests]))
                        cw_p = float(np.median([t[1] for t in tests]))
                        cw_note = next((t.note for t in tests if t.note), "") or (
                            f"Clark-West ({name} nests {b}): one-sided, positive = {name} better")
                    else:
                        cw_stat = cw_p = np.nan
                        cw_note = f"baseline {b!r} has no forecasts"
                    rows.append((name, part, f"cw_stat_vs_{b}", cw_stat, np.nan, n, seeds, cw_note))
                    rows.append((name, part, f"cw_p_vs_{b}", cw_p, np.nan, n, seeds, cw_note))
            if levels:
                rows += _interval_rows(name, part, y, f, intervals.get(name, {}).get(part, []), levels, n, seeds,
                                       interval_notes.get(name, {}).get(part, ""))
            if mcs is not None:
                p_mcs, in_mcs, mnote = mcs.get((name, part), (np.nan, np.nan, "not enough models for an MCS"))
                rows.append((name, part, "mcs_p", p_mcs, np.nan, n, 1, mnote))
                rows.append((name, part, mcs_name, in_mcs, np.nan, n, 1, mnote))
        note = "; ".join(info[name]["notes"])
        epochs, secs = info[name]["epochs"], info[name]["fit_seconds"]
        n_train = info[name]["n_train"]
        rows.append((name, "train", "epochs", float(np.nanmean(epochs)) if epochs and not np.all(np.isnan(epochs))
                     else np.nan, _sd(epochs) if epochs and not np.any(np.isnan(epochs)) else np.nan,
                     n_train, seeds, note))
        rows.append((name, "train", "fit_seconds", float(np.mean(secs)) if secs else np.nan, _sd(secs), n_train,
                     seeds, note))
        rows.append((name, "train", "n_params", float(info[name]["n_params"]), np.nan, n_train, seeds, note))
    table = pd.DataFrame(rows, columns=list(_ROW_COLUMNS))
    table.insert(LONG_COLUMNS.index("horizon"), "horizon", int(horizon))
    table["n"] = table["n"].astype(int)
    table["seeds"] = table["seeds"].astype(int)
    return table


#: Columns of :attr:`Comparison.columns`, the wide table's catalog of metric columns.
WIDE_COLUMN_FIELDS = ("column", "part", "metric", "kind", "level", "baseline", "statistic", "label", "printed")


def wide_layout(long: pd.DataFrame, info, parts, baselines: Sequence[str], extra: Mapping | None = None, *,
                nests: Mapping | None = None, interval_methods: Mapping | None = None,
                levels: Sequence[float] = ()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The 0.1 layout (one row per model) from the long table, and its column catalog.

    The columns come from the metric registry (:mod:`pybbdl.evaluation.metrics`), part by part:
    each ``"point"`` metric (``{part}_mae``, ``{part}_rmse``, ``{part}_skill_pct``, then any you
    registered; ``_sd`` columns of those that declare them when there are several seeds), for
    each baseline ``b`` ``{part}_dm_vs_<b>`` and ``{part}_p_vs_<b>``, plus when some pair is nested
    ``{part}_test_vs_<b>`` (which test to read for the pair and why: ``"DM: not nested"``, or
    ``"CW: <model> nests <b>"``) and ``{part}_cw_vs_<b>``/``{part}_cw_p_vs_<b>``; then, where the long
    table holds a number for them, the interval metrics at each of `levels` (``{part}_coverage_80``
    ...), the distribution metrics (``{part}_pinball``, ``{part}_crps``) and the model confidence
    set (``{part}_mcs_p``, ``{part}_in_mcs_90``); ``interval`` (``"model"`` or ``"conformal"``),
    `extra`, ``seeds``, ``epochs``, ``fit_seconds``, ``n_params``, ``spec``, ``note``.

    Returns:
        ``(table, columns)``: `columns` has one row per metric column of `table`
        (:data:`WIDE_COLUMN_FIELDS`: ``column``, ``part``, ``metric`` (the registry's name), ``kind``,
        ``level`` (NaN if none), ``baseline`` (``""`` if none), ``statistic`` (``"value"`` or
        ``"sd"``), ``label`` (``"mae"``, ``"mae sd"``, ``"p vs naive"``, ``"coverage 80"``) and
        ``printed`` (R's ``print()`` and the terminal summary show it)), part by part in the
        registry's order (all p-values, then all Clark-West p-values, ...).
    """
    nests = nests if nests and any(nests.values()) else {}  # no nested pair: every test is DM, as in 0.1
    if "horizon" in long and long["horizon"].nunique() > 1:  # several horizons: the longest
        long = long[long["horizon"] == long["horizon"].max()]
    multi_seed = bool((long["seeds"] > 1).any())
    present = set(long["metric"])
    nested_any = {b: any(b in v for v in nests.values()) for b in baselines}
    mcs_level = 1 - MCS_SIZE

    def has_number(name):
        # interval/MCS columns that hold no number for any model (e.g. only the calibration part
        # scored) stay in the long table with their notes, out of the 0.1 layout
        return name in present and long.loc[long["metric"] == name, "value"].notna().any()

    # (metric, level, baseline) of every column, in the registry's order
    wanted = []
    for m in metrics(scope="compare"):
        if m.kind == "point":
            wanted.append((m, None, None))
        elif m.kind == "test":
            for b in baselines:
                if m.name in ("dm_stat", "p") or (nests and (m.name == "test" or nested_any[b])):
                    wanted.append((m, None, b))
        elif m.kind == "interval":
            wanted += [(m, lv, None) for lv in levels if has_number(m.long_name(level=lv))]
        elif m.kind in ("distribution", "set"):
            lv = mcs_level if m.per_level else None
            if has_number(m.long_name(level=lv)):
                wanted.append((m, lv, None))
    # the 0.1 order inside a part: point metrics, then per baseline DM, p, which test, CW, CW p, then the rest
    tests = [w for w in wanted if w[0].kind == "test"]
    tests.sort(key=lambda w: (baselines.index(w[2]), ("dm_stat", "p", "test", "cw_stat", "cw_p").index(w[0].name)))
    columns_order = [w for w in wanted if w[0].kind == "point"] + tests + [
        w for w in wanted if w[0].kind in ("interval", "distribution", "set")]
    # notes of these rows stay in the long table (but "no intervals ..." reaches the wide table's note)
    extra_names = {*interval_metric_names(levels), *(m.long_name(level=mcs_level) for m in metrics("set"))}
    extra_names |= {m.long_name(baseline=b) for b in baselines for m in metrics("test")
                    if m.name in ("cw_stat", "cw_p")}
    # the interval scores' block is ordered by level, then metric (coverage_80, width_80, ..., coverage_95, ...)
    by_level = [w for w in columns_order if w[0].kind == "interval"]
    by_level.sort(key=lambda w: list(levels).index(w[1]))
    columns_order = [w for w in columns_order if w[0].kind != "interval"]
    first_extra = next((i for i, w in enumerate(columns_order) if w[0].kind in ("distribution", "set")),
                       len(columns_order))
    columns_order[first_extra:first_extra] = by_level

    catalog = []
    rows = []
    for i, name in enumerate(info):
        sub = long[long["model"] == name].set_index(["part", "metric"])
        row = {"model": name}
        for part in parts:
            for m, lv, b in columns_order:
                col = m.wide_name(part, level=lv, baseline=b)
                if m.name == "test":
                    if name == b:
                        row[col] = ""
                    elif b in nests.get(name, ()):
                        row[col] = f"CW: {name} nests {b}"
                    else:
                        row[col] = "DM: not nested"
                else:
                    key = (part, m.long_name(level=lv, baseline=b))
                    row[col] = sub.loc[key, "value"] if key in sub.index else np.nan
                label = " ".join([m.label, *([level_label(lv)] if lv is not None else []), *([b] if b else [])])
                if i == 0:
                    catalog.append((col, part, m.name, m.kind, np.nan if lv is None else float(lv), b or "", "value",
                                    label, bool(m.printed)))
                if m.sd and multi_seed:
                    key = (part, m.long_name(level=lv, baseline=b))
                    row[f"{col}_sd"] = np.nan_to_num(sub.loc[key, "sd"] if key in sub.index else np.nan, nan=0.0)
                    if i == 0:
                        catalog.append((f"{col}_sd", part, m.name, m.kind, np.nan if lv is None else float(lv),
                                        b or "", "sd", f"{label} sd", bool(m.print_sd)))
        if interval_methods and any(w[0].name == "coverage" for w in columns_order):
            row["interval"] = interval_methods.get(name, "")
        row.update(extra or {})
        row["seeds"] = info[name]["seeds"]
        for metric in metrics("fit"):
            row[metric.name] = sub.loc[("train", metric.name), "value"]
        row["spec"] = info[name]["spec"]
        notes = [n for (_, metric), n in sub["note"].items()
                 if n and (metric not in extra_names or n.startswith("no intervals"))]
        row["note"] = "; ".join(dict.fromkeys(notes))
        rows.append(row)
    rank = {name: i for i, name in enumerate(metric_names())}
    catalog.sort(key=lambda c: (list(parts).index(c[1]), rank[c[2]]))  # stable: levels and baselines keep their order
    return pd.DataFrame(rows), pd.DataFrame(catalog, columns=list(WIDE_COLUMN_FIELDS))


def compare(
    windows: Windows,
    models: Sequence[str] | Mapping | str = ("naive", "dense", "lstm", "gru"),
    *,
    parts: Sequence[str] | None = None,
    params: Mapping | None = None,
    seeds: int | Sequence[int] | None = None,
    baselines: Sequence[str] | None = None,
    dm_loss: Loss = "mae",
    progress: bool = True,
    levels: Sequence[float] | None = None,
    nested: Mapping | None = None,
    conformal_window: int | None = None,
    conformal_scale: str | None = "auto",
    interval_method: str = "auto",
    n_jobs: int = 1,
    backend: str | None = None,
    address: str | None = None,
) -> Comparison:
    """Fit each model on the training part and score it on the other parts.

    Args:
        windows: From :func:`pybbdl.windows.prepare_windows`. Windows with several ``horizons``
            score every horizon from the same origins: the long table has one block per horizon
            (column ``horizon``; DM and Clark-West tests per horizon; interval scores and the model
            confidence set at the longest), the wide table shows the longest. Models with
            ``predict_horizons`` give all horizons at once (MIMO networks; iterated ARIMA, ETS, Theta,
            AR, VAR); others
            are fitted once per horizon (:class:`~pybbdl.models.horizons.DirectForecaster`).
        models: Model names (see :data:`pybbdl.models.MODEL_NAMES`) or ``{name: forecaster}`` with
            any object following the forecaster contract (:mod:`pybbdl.models.base`). The naive
            baseline is always added.
        parts: Parts to score; default every part but ``train``.
        params: Parameters for models given by name (``epochs``, ``random_state``, ...); each key
            must be taken by at least one of the named models (a typo is an error listing the
            valid keys), and each model gets the keys it takes.
        seeds: Stochastic models are trained once per seed (an int n = n seeds counting up from
            ``params["random_state"]`` or 0, or a list); the table shows mean and sd.
        baselines: Models the Diebold-Mariano columns test against; default naive and, when in
            the comparison, arima.
        dm_loss: Loss of the Diebold-Mariano tests, ``"mae"`` (absolute, default) or ``"mse"``
            (squared, R's ``power = 2``).
        progress: Print one line per model fit to stderr (in parallel: a progress bar of the fits).
        n_jobs, backend, address: How the model x seed fits run (:func:`pybbdl.parallel.run_tasks`):
            ``n_jobs=1`` in this process; ``n_jobs > 1`` in that many local worker processes
            (``"loky"``); ``backend="ray"`` on a local Ray or, with ``address``, on a Ray cluster.
            The table does not depend on them (networks: with ``deterministic`` training).
        levels: Prediction-interval levels in (0, 1) to forecast and score (coverage, width,
            Winkler, pinball, CRPS); None = :data:`~pybbdl.models.series.DEFAULT_LEVELS` (80 %, 95 %),
            skipped with a note where the validation part is too short to calibrate them; ``()``
            = no intervals. Models with ``predict_interval`` give their own (networks: with
            ``quantiles``, which must then include `levels`, checked before training); the others get
            split-conformal intervals calibrated on the validation part
            (:mod:`pybbdl.evaluation.intervals`).
        nested: ``{model: [models it nests]}``, overriding the forecasters' ``nests``
            attributes: such pairs get Clark-West columns (:mod:`pybbdl.evaluation.nested`).
        conformal_window: None = static split conformal (the whole validation part calibrates
            every target); an int W = rolling: each target's interval from the last W forecast
            errors observed at its origin (validation, then the scored part's past targets).
        conformal_scale: ``"auto"`` (default) = ``"window"`` wherever the lookback is 2 or more;
            ``"window"`` = normalized conformal: each error divided by its window's scale (the
            mean absolute horizon-step change of the target inside the input window,
            :func:`~pybbdl.evaluation.intervals.window_scales`), so intervals widen after volatile
            stretches and narrow after calm ones; ``"none"`` = absolute errors. Static or rolling
            alike.
        interval_method: ``"auto"`` (default) = models with their own intervals (ARIMA, ETS,
            Theta, ...) use them, the others get conformal ones; ``"conformal"`` = split-conformal
            intervals for every model, calibrated on the validation part as for the networks
            (for a model whose analytic intervals are miscalibrated, e.g. a misspecified ARIMA).
            The wide table's ``interval`` column says which each model got.

    Returns:
        A :class:`Comparison`.

    Raises:
        DataError: a scored part too short for the DM tests, a constant target, or (with
            `levels` given) a validation part too short for conformal intervals at the highest
            level (all checked before any training).
    """
    if not isinstance(windows, Windows):
        raise ArgumentTypeError(f"`windows` must come from prepare_windows(). Received: {type(windows).__name__}")
    if dm_loss not in LOSS_POWER:
        raise ArgumentError(f'`dm_loss` must be "mae" or "mse". Received: {dm_loss!r}')
    resolve_backend(n_jobs, backend, address)
    estimators = as_forecasters(models, params)
    baselines = resolve_baselines(baselines, list(estimators))
    seeds = as_seeds(seeds, params)
    parts = [p for p in windows.parts if p != "train"] if parts is None else list(parts)
    for part in parts:
        windows._check_part(part)
        check_dm_length(windows.n_windows(part), windows.horizon, f"{part} part")
    check_not_constant(windows)
    nests = nesting(estimators, nested)
    levels, strict = resolve_levels(levels, windows, estimators, interval_method)
    if conformal_window is not None:
        conformal_window = check_positive_int("conformal_window", conformal_window)
    conformal_scale = resolved_scale(conformal_scale, windows) if levels else check_conformal_scale(conformal_scale)
    preds, info, fitted, histories = fit_and_forecast(estimators, windows, parts, seeds, progress, n_jobs=n_jobs,
                                                      backend=backend, address=address)
    all_horizons, preds = preds, longest(preds)  # intervals, MCS, forecasts, wide table: the longest horizon
    actual = {p: windows.targets(p, scaled=False) for p in parts}
    ints, methods, int_notes = interval_pass(fitted, windows, parts, levels, preds, strict=strict,
                                             window=conformal_window, scale=conformal_scale,
                                             method=interval_method)
    mcs = mcs_rows(preds, actual, parts, dm_loss=dm_loss)
    horizon_forecasts = {}
    if windows.multi_horizon:
        long = horizon_long_table(all_horizons, info,
                                  {p: windows.targets_by_horizon(p, scaled=False) for p in parts}, parts,
                                  horizons=windows.horizons, dm_loss=dm_loss, baselines=baselines, nests=nests,
                                  levels=levels, intervals=ints, interval_notes=int_notes, mcs=mcs or None)
        horizon_forecasts = horizon_frames(windows, all_horizons, parts)
    else:
        long = long_table(preds, info, actual, parts, horizon=windows.horizon, dm_loss=dm_loss, baselines=baselines,
                          levels=levels, intervals=ints, interval_notes=int_notes, nests=nests, mcs=mcs or None)
    table, columns = wide_layout(long, info, parts, baselines, nests=nests, interval_methods=methods, levels=levels)
    forecasts = {}
    for part in parts:
        frame = pd.DataFrame({"actual": windows.actuals(part)})
        for name in preds:
            if part in preds[name]:
                frame[name] = preds[name][part][0]
        forecasts[part] = frame
    table.attrs.update(target=windows.target, horizon=windows.horizon, seeds=seeds, dm_loss=dm_loss,
                       baselines=baselines, levels=list(levels), conformal_window=conformal_window,
                       conformal_scale=conformal_scale, interval_method=interval_method,
                       horizons=list(windows.horizons))
    return Comparison(table=table, forecasts=forecasts, histories=histories, windows=windows,
                      models={m: runs[0] for m, runs in fitted.items()},
                      seed_forecasts={p: {m: preds[m][p] for m in preds if p in preds[m]} for p in parts},
                      long=long, baselines=baselines, levels=tuple(levels),
                      intervals=interval_frames(ints, preds, {p: windows.target_index(p) for p in parts}),
                      interval_methods=methods, nests={m: v for m, v in nests.items() if v},
                      horizon_forecasts=horizon_forecasts, columns=columns)


def interval_frames(ints: Mapping, preds: Mapping, index: Mapping) -> dict[str, dict[str, pd.DataFrame]]:
    """``{part: {model: DataFrame(mean, lower_80, upper_80, ...)}}`` of the first seed."""
    out: dict[str, dict[str, pd.DataFrame]] = {}
    for name, by_part in ints.items():
        for part, runs in by_part.items():
            if runs:
                out.setdefault(part, {})[name] = interval_frame(preds[name][part][0], runs[0], index=index[part])
    return out
