"""Fitting a comparison's models: one picklable :class:`FitTask` per model x seed (x fold), run by
:func:`pybbdl.parallel.run_tasks` in this process or in workers (:func:`fit_and_forecast`), and
their forecasts of each part gathered per model (:func:`collect_fits`). Only the forecaster
contract of :mod:`pybbdl.models.base` is used.
"""

from __future__ import annotations

import copy
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from pybbdl.exceptions import ArgumentError, ModelFitError
from pybbdl.parallel import resolve_backend, run_tasks
from pybbdl.windows import Windows


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
