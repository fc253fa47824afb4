"""Fitting a panel's models: every (series x local model) fit and every (frequency group x seed)
global training (an ensemble's members each a task of its own) is an independent, picklable task
run through :func:`pybbdl.parallel.run_tasks`, so ``n_jobs`` / ``backend`` / ``address`` spread
them over processes or a cluster with the same results (:func:`_fit_models`).
"""

from __future__ import annotations

import time

import numpy as np

from pybbdl.exceptions import PybbdlError
from pybbdl.models.registry import get_spec
from pybbdl.parallel import run_tasks


def series_model(name: str, **params):
    """An unfitted local series model for a registered name with the series contract."""
    return get_spec(name, "series").build("series", **params)


def _local_task(task: dict) -> dict:
    """Fit one local model on one series; the forecast or the error, never an exception for data trouble."""
    start = time.perf_counter()
    out = {"id": task["id"], "model": task["label"], "mean": None, "intervals": None, "error": "", "note": ""}
    try:
        model = series_model(task["model"], **task["params"])
        model.fit(task["y"], task["period"])
        fc = model.forecast(task["horizon"], levels=task["levels"])
        mean = fc["mean"].to_numpy(dtype=float)
        if not np.all(np.isfinite(mean)):
            raise ArithmeticError(f"non-finite forecast ({int((~np.isfinite(mean)).sum())} of {len(mean)} steps)")
        out["mean"] = mean
        out["intervals"] = fc.drop(columns="mean") if fc.shape[1] > 1 else None
        out["note"] = "; ".join(getattr(model, "notes_", []) or [])
    except (PybbdlError, ValueError, ArithmeticError, np.linalg.LinAlgError) as err:
        out["error"] = f"{type(err).__name__}: {' '.join(str(err).split())}"
    out["seconds"] = time.perf_counter() - start
    return out


def _global_model(task: dict):
    """The unfitted global model of a task (one model, group and seed)."""
    spec = get_spec(task["model"], "global")
    return spec.load("global")(horizon=task["horizon"], period=task["period"], seed=task["seed"],
                               **{**dict(spec.defaults), **task["params"]})


def _global_rows(task: dict, model, seconds: float) -> list[dict]:
    """The fitted global model's forecasts (and intervals, when the task has levels) per series."""
    means = model.forecast(task["ys"])
    ivs = (model.forecast_intervals(task["ys"], task["levels"]) if task.get("levels")
           and hasattr(model, "forecast_intervals") else [None] * len(means))
    return [{"id": sid, "model": task["label"], "mean": m, "intervals": iv, "error": "", "note": "",
             "seconds": seconds / len(task["ids"]), "history": getattr(model, "history_", None)}
            for sid, m, iv in zip(task["ids"], means, ivs)]


def _global_task(task: dict) -> list[dict]:
    """Train one global model (one seed) on one group of series; forecasts for each of them."""
    start = time.perf_counter()
    model = _global_model(task)
    model.fit(task["ys"])
    return _global_rows(task, model, time.perf_counter() - start)


def _member_task(task: dict) -> dict:
    """Train one member of an ensemble global model (pybbdl.models.global_nbeats.train_member)."""
    from pybbdl.models.global_nbeats import train_member

    return train_member(task)


def _fit_models(series, local, glob, *, levels, params, seed, seeds, n_jobs, backend, address, progress,
                desc: str = "panel") -> tuple[list, dict, dict]:
    """Fit the local models on each series and the global ones per (period, horizon) group (an
    ensemble's members as tasks of their own). Returns the results, the global models' histories
    and what each global model was per group."""
    tasks = [{"model": m, "label": m, "params": params.get(m, {}), "id": s.id, "y": s.y, "period": s.period,
              "horizon": s.horizon, "levels": levels} for s in series for m in local]
    results = run_tasks(_local_task, tasks, n_jobs=n_jobs, backend=backend, address=address, progress=progress,
                        desc=f"{desc}: local models") if tasks else []
    histories, described = {}, {}
    if glob:
        groups: dict[tuple[int, int], list] = {}
        for s in series:
            groups.setdefault((s.period, s.horizon), []).append(s)
        gtasks = [{"model": m, "label": m, "params": params.get(m, {}), "seed": int(seed) + k, "period": p,
                   "horizon": h, "ids": [s.id for s in group], "ys": [s.y for s in group], "levels": levels}
                  for m in glob for (p, h), group in groups.items() for k in range(int(seeds))]
        # a global model made of members (N-BEATS' ensembles) runs each member of each group as its own task
        ensembles = [_global_model(t) for t in gtasks]
        ensembles = [g if getattr(g, "ensemble", None) is not None else None for g in ensembles]
        member_tasks, owner = [], []
        for j, (t, g) in enumerate(zip(gtasks, ensembles)):
            if g is not None:
                mt = g.member_tasks(t["ys"])
                member_tasks += mt
                owner += [j] * len(mt)
        plain = [j for j, g in enumerate(ensembles) if g is None]
        trained = run_tasks(_member_task, member_tasks, n_jobs=n_jobs, backend=backend, address=address,
                            progress=progress, desc=f"{desc}: global model members",
                            fresh_process=True, exclusive=[bool(t.get("exclusive", False)) for t in member_tasks]
                            ) if member_tasks else []
        gout = [None] * len(gtasks)
        plain_out = run_tasks(_global_task, [gtasks[j] for j in plain], n_jobs=n_jobs, backend=backend,
                              address=address, progress=progress, desc=f"{desc}: global models") if plain else []
        for j, rows in zip(plain, plain_out):
            gout[j] = rows
        for t, g in zip(gtasks, (_global_model(t) for t in gtasks)):
            group = f"period={t['period']},h={t['horizon']}"
            described.setdefault(t["model"], {})[group] = g.describe() if hasattr(g, "describe") else t["model"]
        for j, g in enumerate(ensembles):
            if g is not None:
                g.adopt(gtasks[j]["ys"], [r for r, o in zip(trained, owner) if o == j])
                gout[j] = _global_rows(gtasks[j], g, g.fit_seconds_)
        by_key: dict[tuple[str, str], list] = {}
        for t, rows in zip(gtasks, gout):
            histories[(t["model"], f"period={t['period']},h={t['horizon']}", t["seed"])] = rows[0]["history"]
            for r in rows:
                by_key.setdefault((r["model"], r["id"]), []).append(r)
        for (m, sid), rs in by_key.items():
            ivs = [r["intervals"] for r in rs if r["intervals"] is not None]
            results.append({"id": sid, "model": m, "mean": np.mean([r["mean"] for r in rs], axis=0),
                            "intervals": sum(ivs[1:], ivs[0]) / len(ivs) if ivs else None, "error": "",
                            "seconds": float(sum(r["seconds"] for r in rs)),
                            "note": f"mean of {len(rs)} seeds" if len(rs) > 1 else ""})
    return results, histories, described
