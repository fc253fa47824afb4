"""Many series at once: :func:`forecast_panel` fits local models on each series and global
models across all of them, scores every forecast scale-free (sMAPE, MASE, OWA vs NAIVE2) and
returns per-series and aggregate tables (:class:`PanelRun`).

Every (series x local model) fit and every (frequency group x seed) global training is an
independent, picklable task run through :func:`pybbdl.parallel.run_tasks`, so ``n_jobs`` /
``backend`` / ``address`` spread them over processes or a cluster with the same results.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from pybbdl.data.panel import Panel, as_panel, summarise_errors
from pybbdl.evaluation.metrics import get_metric
from pybbdl.evaluation.scale_free import AGGREGATE_COLUMNS, aggregate_scores
from pybbdl.exceptions import ArgumentError, ArgumentTypeError, ModelFitError, PybbdlError
from pybbdl.models.registry import get_spec, model_names
from pybbdl.models.series import check_levels
from pybbdl.outputs import atomic_write
from pybbdl.parallel import resolve_backend, run_tasks
from pybbdl.reports import _figure, _save_figure, format_table, markdown_table
from pybbdl.workflows.results import RunResult

# The models a panel can run are the registry's (pybbdl.models.registry): local models follow the
# series contract (fit(y, period) / forecast(h, levels)), global ones are trained per group, and
# combinations (the registry's "combination" contract, pybbdl.workflows.combinations) combine them.
PANEL_DEFAULTS = {"models": ("naive2", "ses", "damped", "theta_m3"), "combine": "mean", "reference": "naive2",
                  "seed": 42, "seeds": 1, "levels": (), "n_jobs": 1}
#: Columns of the per-series table.
SERIES_COLUMNS = ["id", "model", "frequency", "period", "horizon", "n_train", "smape", "mase", "seconds", "error",
                  "note"]


def series_model(name: str, **params):
    """An unfitted local series model for a registered name with the series contract."""
    return get_spec(name, "series").build("series", **params)


def _panel_models() -> tuple[str, ...]:
    """Names a panel can run: the registry's series-contract and global models."""
    return model_names("series") + model_names("global")


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


# ---------------------------------------------------------------- tasks (module level: picklable)
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


# ---------------------------------------------------------------- result
@dataclass
class PanelRun(RunResult):
    """What :func:`forecast_panel` returns.

    Attributes:
        kind: ``"forecast_panel"``.
        table: The aggregate table, one row per model x frequency (and ``"overall"``); columns
            :data:`~pybbdl.evaluation.scale_free.AGGREGATE_COLUMNS`: ``n_series`` scored,
            ``n_forecasts``, ``n_failed``, ``smape_pooled`` (mean over all forecasts),
            ``smape_mean`` (mean over series of each series' mean), ``mase`` (mean over series),
            ``owa`` (vs the reference model, NAIVE2 by default), ``seconds`` (fit time summed
            over series), ``note``. Empty without held-out actuals.
        series: One row per series x model, columns :data:`SERIES_COLUMNS`; a series that could
            not be read or fitted has its reason in ``error`` and NaN scores.
        forecasts: Long table ``id, model, step, forecast`` (+ ``actual`` when held out, and the
            interval columns when ``levels`` were asked for).
        settings: Every setting used.
        histories: Training curves of the global models ``{(model, group, seed): {...}}``.
        combination_weights: The weights of the combinations chosen on validation windows, one row
            per series x combination x member (``id, combination, member, weight,
            validation_smape``); empty when none ran.
    """

    series: pd.DataFrame = None
    forecasts: pd.DataFrame = None
    histories: dict = field(default_factory=dict)
    combination_weights: pd.DataFrame = None
    paths: list = field(default_factory=list)

    def summary(self) -> str:
        s = self.settings
        head = (f"{s['n_series']} series ({s['n_failed_input']} unusable), models: {', '.join(s['models'])}; "
                f"sMAPE in %, pooled = over all forecasts, mean = over series; MASE mean over series; "
                f"OWA vs {s['reference']}")
        if self.table is None or len(self.table) == 0:
            return head + "\n(no held-out actuals: nothing scored)"
        overall = self.table[self.table["frequency"] == "overall"]
        cols = ["model", "n_series", "n_failed", "smape_pooled", "smape_mean", "mase", "owa", "seconds"]
        validated = [n for n, w in s.get("combination_weights", {}).items() if w != "equal"]
        foot = (f"\nchosen on a validation window cut from each series' training part (never its test part): "
                f"{', '.join(validated)}" if validated else "")
        return head + "\n" + format_table(overall[cols].sort_values("smape_pooled")) + foot

    def __str__(self) -> str:
        return self.summary()

    def plot(self, id: str | None = None, *, metric: str = "smape_pooled"):
        """A Figure: one series' history, actuals and forecasts (``id``), or else `metric` per model and frequency."""
        if id is not None:
            return self._plot_series(str(id))
        if self.table is None or len(self.table) == 0:
            raise ArgumentError("There is nothing scored to plot; pass `id` to plot one series' forecasts")
        if metric not in ("smape_pooled", "smape_mean", "mase", "owa"):
            raise ArgumentError(f"`metric` must be smape_pooled, smape_mean, mase or owa. Received: {metric!r}")
        wide = self.table.pivot(index="model", columns="frequency", values=metric)
        fig, ax = _figure((9, 4.5))
        x = np.arange(len(wide.index))
        width = 0.8 / max(len(wide.columns), 1)
        for i, col in enumerate(wide.columns):
            ax.bar(x + i * width, wide[col].to_numpy(), width, label=str(col))
        ax.set_xticks(x + 0.4 - width / 2)
        ax.set_xticklabels(wide.index, rotation=30, ha="right", fontsize=8)
        ax.set_ylabel(metric)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3, axis="y")
        fig.tight_layout()
        return fig

    def _plot_series(self, sid: str):
        hist = self._history.get(sid)
        if hist is None:
            raise ArgumentError(f"`id` must be a series of the run. Received: {sid!r}")
        fc = self.forecasts[self.forecasts["id"] == sid]
        fig, ax = _figure((10, 4.5))
        n = len(hist)
        ax.plot(np.arange(1, n + 1), hist, color="black", lw=1.4, label="history")
        if "actual" in fc.columns and fc["actual"].notna().any():
            a = fc.drop_duplicates("step")
            ax.plot(n + a["step"], a["actual"], color="black", ls="--", lw=1.4, label="actual")
        for model, g in fc.groupby("model", sort=False):
            ax.plot(n + g["step"], g["forecast"], lw=1.0, label=model)
        ax.set_title(f"series {sid}")
        ax.legend(fontsize=8, ncol=3)
        ax.grid(alpha=0.3)
        fig.tight_layout()
        return fig

    _history: dict = field(default_factory=dict, repr=False)

    def _write_files(self, out: Path) -> list[Path]:
        paths = [atomic_write(out / "table.csv", lambda tmp: self.table.to_csv(tmp, index=False)),
                 atomic_write(out / "series.csv", lambda tmp: self.series.to_csv(tmp, index=False)),
                 atomic_write(out / "forecasts.csv", lambda tmp: self.forecasts.to_csv(tmp, index=False))]
        text = "# Panel forecast\n\n" + self.summary().split("\n")[0] + "\n\n"
        if len(self.table):
            text += markdown_table(self.table.drop(columns="note")) + "\n"
        paths.append(self._write_text(out / "results.md", text))
        if len(self.table):
            paths.append(_save_figure(self.plot(), out / "scores.png"))
        return paths


# ---------------------------------------------------------------- workflow
def _check_models(models) -> list[str]:
    if isinstance(models, str):
        models = [m.strip() for m in models.split(",") if m.strip()]
    models = list(models)
    if not models:
        raise ArgumentError("`models` must name at least one model. Received: []")
    for m in models:
        if not isinstance(m, str):
            raise ArgumentTypeError(f"`models` must be model names. Received: {m!r}")
        if m not in _panel_models():
            raise ArgumentError(f"Unknown model {m!r} in `models`. Known: {', '.join(_panel_models())}"
                                + (f" ({m!r} is a windows-only model: use forecast_compare)" if m in model_names()
                                   else ""))
    dup = sorted({m for m in models if models.count(m) > 1})
    if dup:
        raise ArgumentError(f"`models` must name each model once. Received: {dup} more than once")
    return models


def _combination(name: str, members=None, weights: str | None = None):
    from pybbdl.workflows.combinations import PanelCombination

    if members is None:
        spec = get_spec(name, "combination")
        return spec.build("combination")
    return PanelCombination(members, "equal" if weights is None else weights)


def _resolve_combinations(models, combinations) -> dict:
    """``{name: PanelCombination}``: the registry's fixed combinations whose members all run (None),
    registered combinations by name (a list), or your own (a dict ``{name: [members]}`` or
    ``{name: {"members": [...], "weights": ...}}``)."""
    if combinations is None:
        return {n: _combination(n) for n in model_names("combination", without="validation")
                if all(m in models for m in get_spec(n).defaults["members"])}
    if isinstance(combinations, str):
        combinations = [c.strip() for c in combinations.split(",") if c.strip()]
    if isinstance(combinations, (list, tuple)):
        names = list(combinations)
        bad = [c for c in names if not isinstance(c, str) or c not in model_names("combination")]
        if not names or bad:
            raise ArgumentError(f"`combinations` as a list must name registered combinations "
                                f"({', '.join(model_names('combination'))}). Received: {bad or names}")
        dup = sorted({c for c in names if names.count(c) > 1})
        if dup:
            raise ArgumentError(f"`combinations` must name each combination once. Received: {dup} more than once")
        combinations = {c: None for c in names}
    if not isinstance(combinations, dict):
        raise ArgumentTypeError("`combinations` must be a dict {name: [member models]}, or a list of registered "
                                f"combination names. Received: {type(combinations).__name__}")
    out = {}
    for name, value in combinations.items():
        if not isinstance(name, str) or not name:
            raise ArgumentError(f"`combinations` names must be non-empty strings. Received: {name!r}")
        if value is None:
            combo = _combination(name)
        elif isinstance(value, dict):
            extra = sorted(set(value) - {"members", "weights"})
            if extra or "members" not in value:
                raise ArgumentError(f"`combinations[{name!r}]` must be a list of members or a dict with 'members' "
                                    f"(and 'weights'). Received: keys {sorted(value)}")
            combo = _combination(name, value["members"], value.get("weights"))
        else:
            members = [value] if isinstance(value, str) else value
            if not isinstance(members, (list, tuple)) or len(members) < 2:
                raise ArgumentError(f"`combinations[{name!r}]` must list at least 2 models of the run. Received: "
                                    f"{value!r}")
            combo = _combination(name, tuple(members))
        missing = [m for m in combo.members if m not in models]
        if missing:
            raise ArgumentError(f"`combinations[{name!r}]` must list at least 2 models of the run. Received: "
                                f"{list(combo.members)}; not in `models`: {missing}")
        if name in models:
            raise ArgumentError(f"`combinations` name {name!r} is also a model of the run; choose another name")
        out[str(name)] = combo
    return out


def score_panel(panel: Panel, results: dict, models, *, reference: str | None = "naive2"):
    """Score forecasts of a panel with the panel workflow's code (also used for outside forecasts, e.g. M3's).

    Args:
        panel: The :class:`~pybbdl.data.panel.Panel` (held-out actuals in ``series.actual``).
        results: ``{(model, id): {"mean": array or None, "error": str, "seconds": float, "note": str,
            "intervals": DataFrame or None}}``; a missing key is an error row ("no forecast").
        models: The model names, in table order.
        reference: The model OWA is relative to.

    Returns:
        ``(series_table, forecasts, aggregate_table)`` as in :class:`PanelRun`.
    """
    info = {s.id: s for s in panel.series}
    series_rows = []
    cols: dict[str, list] = {"id": [], "model": [], "step": [], "forecast": [], "actual": [], "smape": []}
    interval_cols: dict[str, list] = {}
    n_rows = 0
    for sid in panel.order:
        s = info.get(sid)
        for m in models:
            row = {"id": sid, "model": m, "frequency": None, "period": None, "horizon": None, "n_train": None,
                   "smape": np.nan, "mase": np.nan, "seconds": 0.0, "error": "", "note": ""}
            if s is None:
                row["error"] = f"DataError: {panel.errors[sid]}"
                series_rows.append(row)
                continue
            r = results.get((m, sid)) or {"mean": None, "error": "no forecast", "seconds": 0.0, "note": "",
                                           "intervals": None}
            note = "; ".join(n for n in (getattr(s, "note", ""), r.get("note", "")) if n)
            row.update(frequency=s.frequency, period=s.period, horizon=s.horizon, n_train=len(s.y),
                       seconds=r.get("seconds", 0.0), error=r.get("error", ""), note=note)
            mean = r.get("mean")
            if mean is not None:
                mean = np.asarray(mean, dtype=float)
                if len(mean) != s.horizon:
                    row["error"] = f"forecast has {len(mean)} steps, horizon is {s.horizon}"
                    series_rows.append(row)
                    continue
                h = s.horizon
                cols["id"].append([sid] * h)
                cols["model"].append([m] * h)
                cols["step"].append(np.arange(1, h + 1))
                cols["forecast"].append(mean)
                if s.actual is not None:
                    e = get_metric("smape").function(s.actual, mean)  # the registry's sMAPE and MASE
                    cols["actual"].append(s.actual)
                    cols["smape"].append(e)
                    row["smape"] = float(e.mean())
                    row["mase"] = get_metric("mase").function(s.actual, mean, s.y, s.period)
                else:
                    cols["actual"].append(np.full(h, np.nan))
                    cols["smape"].append(np.full(h, np.nan))
                iv = r.get("intervals")
                for c in (iv.columns if iv is not None else []):
                    interval_cols.setdefault(c, [np.full(0, np.nan)])
                    pad = n_rows - sum(len(x) for x in interval_cols[c])
                    interval_cols[c].append(np.full(pad, np.nan))
                    interval_cols[c].append(iv[c].to_numpy(dtype=float))
                n_rows += h
            series_rows.append(row)
    series_table = pd.DataFrame(series_rows, columns=SERIES_COLUMNS)
    if n_rows:
        forecasts = pd.DataFrame({k: np.concatenate(v) for k, v in cols.items()})
        for c, parts in interval_cols.items():
            arr = np.concatenate(parts)
            forecasts[c] = np.r_[arr, np.full(n_rows - len(arr), np.nan)]
        if forecasts["actual"].isna().all():
            forecasts = forecasts.drop(columns=["actual", "smape"])
    else:
        forecasts = pd.DataFrame(columns=["id", "model", "step", "forecast"])
    if "smape" in forecasts.columns:
        table = aggregate_scores(series_table[series_table["frequency"].notna()],
                                 forecasts[["model", "id", "smape"]], reference=reference)
        forecasts = forecasts.drop(columns="smape")
    else:
        table = pd.DataFrame(columns=AGGREGATE_COLUMNS)
    return series_table, forecasts, table


class NothingScoredError(ModelFitError):
    """No (series, model) pair gave a forecast: every fit failed. ``run`` holds the run, whose
    ``series`` table has every reason."""

    def __init__(self, message: str, run=None):
        super().__init__(message)
        self.run = run


#: The reading options of :func:`forecast_panel` / :func:`backtest_panel` and their defaults; an
#: already-read :class:`~pybbdl.data.panel.Panel` has them fixed.
_READING_DEFAULTS = {"horizon": None, "period": None, "holdout": True, "id_col": "id", "time_col": None,
                     "value_col": "value", "period_col": None, "horizon_col": None, "frequency_col": None,
                     "part_col": None, "covariates": None, "date_format": None, "dayfirst": None, "encoding": None}


def _read_panel(data, reading: dict, **extra) -> Panel:
    """`data` as a Panel (read with the options), or the given Panel when no reading option is set."""
    if isinstance(data, Panel):
        given = {k: v for k, v in reading.items() if not _is_default(v, _READING_DEFAULTS[k])}
        if given:
            raise ArgumentError(f"{', '.join(f'`{k}`' for k in given)} must not be given with an already-read Panel "
                                f"(its series have their horizons, periods and parts); pass them to as_panel(). "
                                f"Received: {given}")
        return data
    return as_panel(data, **reading, **extra)


def _is_default(value, default) -> bool:
    if default is None:
        return value is None
    if isinstance(default, bool):
        return isinstance(value, (bool, np.bool_)) and bool(value) is default
    return isinstance(value, str) and value == default


def _refuse_nothing_forecast(run, asked, out_dir=None) -> None:
    """Raise :class:`NothingScoredError` when no model of `asked` (the run's models before the reference was
    added) gave a forecast for any series: the reference alone is not what was asked for."""
    mine = run.series[run.series["model"].isin(list(asked))]
    failed = mine[mine["error"] != ""]
    if len(failed) < len(mine):
        return
    own = failed[~failed["error"].astype(str).str.startswith("member(s) failed")]  # not a combination's echo
    reasons = {f"series {r['id']!r}, model {r['model']}" + (f", fold {r['fold']}" if "fold" in r else ""): r["error"]
               for _, r in own.head(5).iterrows()}
    where = f" (every reason is in {Path(out_dir) / 'series.csv'})" if out_dir is not None else ""
    received = summarise_errors(reasons, total=len(own)) if reasons else "a panel without usable series"
    raise NothingScoredError(f"Nothing was forecast: every model asked for failed on every series{where}. Received: "
                             f"{received}", run)


def _check_run_settings(models, seeds, levels, n_jobs, backend, address) -> None:
    """Settings that would have no effect with these models are refused, and how the tasks run is checked
    before any data is read."""
    resolve_backend(n_jobs, backend, address)
    if isinstance(seeds, (int, np.integer)) and seeds > 1 and not any(m in model_names("global") for m in models):
        raise ArgumentError(f"`seeds` must be 1 without a global model: only global models "
                            f"({', '.join(model_names('global'))}) train with seeds. Received: seeds={seeds!r}, models "
                            f"{list(models)}")
    with_intervals = [m for m in models if m in model_names("series") or (
        m in model_names("global") and hasattr(get_spec(m).load("global"), "forecast_intervals"))]
    if levels and not with_intervals:
        raise ArgumentError(f"`levels` apply to the models' intervals, and the run has none. Received: "
                            f"levels={list(levels)}, models {list(models)}")


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
                            progress=progress, desc=f"{desc}: global model members") if member_tasks else []
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


def validation_series(series) -> tuple[list, list]:
    """Each series' training part less its last ``horizon`` values (the validation window), as
    panel series forecasting that window, and the ids whose training part is too short for one
    (fewer than ``horizon + MIN_VALIDATION_TRAIN`` values). The test part (``actual``) is not read."""
    from pybbdl.workflows.combinations import MIN_VALIDATION_TRAIN

    out, short = [], []
    for s in series:
        if len(s.y) < s.horizon + MIN_VALIDATION_TRAIN:
            short.append(s.id)
            continue
        out.append(replace(s, y=np.asarray(s.y[:-s.horizon], dtype=float), actual=np.asarray(s.y[-s.horizon:]),
                           times=None if s.times is None else s.times[:-s.horizon],
                           covariates=None if s.covariates is None else s.covariates.iloc[:-s.horizon]))
    return out, short


def _combine(series, combos: dict, by: dict, combine: str, local, glob, run_opts) -> pd.DataFrame:
    """Add each combination's forecast per series to `by`; the weights chosen on validation windows."""
    rows = []
    validated = {n: c for n, c in combos.items() if c.validation}
    val_by: dict = {}
    val_series, short = [], []
    if validated:
        need = sorted({m for c in validated.values() for m in c.members})
        val_series, short = validation_series(series)
        res, _, _ = _fit_models(val_series, [m for m in local if m in need], [m for m in glob if m in need], levels=(),
                             desc="panel: validation window", **run_opts)
        val_by = {(r["model"], r["id"]): r for r in res}
    val_actual = {s.id: s.actual for s in val_series}
    for name, combo in combos.items():
        for s in series:
            rs = [by.get((m, s.id)) for m in combo.members]
            bad = [m for m, r in zip(combo.members, rs) if r is None or r["error"]]
            res = {"id": s.id, "model": name, "intervals": None, "note": "", "error": "",
                   "seconds": float(sum(r["seconds"] for r in rs if r is not None))}
            if bad:
                res.update(mean=None, error=f"member(s) failed: {', '.join(bad)}")
                by[(name, s.id)] = res
                continue
            forecasts = np.vstack([r["mean"] for r in rs])
            if not combo.validation:
                res["mean"] = combo.combine(forecasts, how=combine)
                by[(name, s.id)] = res
                continue
            vr = [val_by.get((m, s.id)) for m in combo.members]
            vbad = [m for m, r in zip(combo.members, vr) if r is None or r["error"]]
            if s.id in short or vbad:
                weights, scores = np.full(len(rs), 1.0 / len(rs)), np.full(len(rs), np.nan)
                res["note"] = "equal weights: " + ("training part too short for a validation window" if s.id in short
                                                   else f"member(s) failed on the validation window: {', '.join(vbad)}")
            else:
                weights, scores = combo.choose(np.vstack([r["mean"] for r in vr]), val_actual[s.id])
                res["seconds"] += float(sum(r["seconds"] for r in vr))
                res["note"] = "weights on the validation window: " + ", ".join(
                    f"{m} {w:.2f}" for m, w in zip(combo.members, weights))
            res["mean"] = combo.combine(forecasts, weights)
            by[(name, s.id)] = res
            rows += [{"id": s.id, "combination": name, "member": m, "weight": float(w), "validation_smape": float(v)}
                     for m, w, v in zip(combo.members, weights, scores)]
    return pd.DataFrame(rows, columns=["id", "combination", "member", "weight", "validation_smape"])


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


#: Columns of the per-series table of a panel backtest (one row per series x fold x model).
BACKTEST_SERIES_COLUMNS = ["id", "fold", *SERIES_COLUMNS[1:]]
#: Columns of a panel backtest's per-fold table (each fold's overall scores).
FOLD_COLUMNS = ["fold", *AGGREGATE_COLUMNS]


@dataclass
class PanelBacktest(PanelRun):
    """What :func:`backtest_panel` returns: a :class:`PanelRun` over several forecast origins.

    Attributes:
        table: Per model x frequency (and ``"overall"``), pooled over every series and fold;
            columns :data:`~pybbdl.evaluation.scale_free.AGGREGATE_COLUMNS` (``n_series`` counts
            series x fold pairs).
        folds: Each fold's overall scores, one row per fold x model; columns :data:`FOLD_COLUMNS`.
        series: One row per series x fold x model; columns :data:`BACKTEST_SERIES_COLUMNS`
            (``n_train`` is the fold's origin: the values the models saw).
        forecasts: Long table ``id, fold, model, step, forecast, actual`` (+ interval columns).
    """

    folds: pd.DataFrame = None

    def summary(self) -> str:
        s = self.settings
        head = (f"{s['n_series']} series ({s['n_failed_input']} unusable) x {s['folds']} forecast origins "
                f"(step {s['step'] or 'horizon'}), models: {', '.join(s['models'])}; sMAPE in %, pooled over "
                f"every forecast of every fold; OWA vs {s['reference']}")
        overall = self.table[self.table["frequency"] == "overall"]
        cols = ["model", "n_series", "n_failed", "smape_pooled", "smape_mean", "mase", "owa", "seconds"]
        per_fold = self.folds.pivot(index="model", columns="fold", values="smape_pooled")
        per_fold.columns = [f"fold {c}" for c in per_fold.columns]
        return (head + "\n" + format_table(overall[cols].sort_values("smape_pooled")) + "\npooled sMAPE by fold:\n"
                + format_table(per_fold.reset_index()))

    def _plot_series(self, sid: str):
        hist = self._history.get(sid)
        if hist is None:
            raise ArgumentError(f"`id` must be a series of the run. Received: {sid!r}")
        rows = self.series[(self.series["id"] == sid)].drop_duplicates("fold").set_index("fold")["n_train"]
        fc = self.forecasts[self.forecasts["id"] == sid]
        fig, ax = _figure((10, 4.5))
        ax.plot(np.arange(1, len(hist) + 1), hist, color="black", lw=1.4, label="series")
        colors = {}
        for (model, fold), g in fc.groupby(["model", "fold"], sort=False):
            origin = rows.get(fold)
            if origin is None or not np.isfinite(origin):
                continue
            line = ax.plot(origin + g["step"], g["forecast"], lw=1.0, color=colors.get(model),
                           label=model if model not in colors else None)
            colors.setdefault(model, line[0].get_color())
        for origin in rows.dropna():
            ax.axvline(origin + 0.5, color="grey", lw=0.6, ls=":")
        ax.set_title(f"series {sid}: {len(rows)} forecast origins (dotted)")
        ax.legend(fontsize=8, ncol=3)
        ax.grid(alpha=0.3)
        fig.tight_layout()
        return fig

    def _write_files(self, out: Path) -> list[Path]:
        paths = super()._write_files(out)
        paths.append(atomic_write(out / "folds.csv", lambda tmp: self.folds.to_csv(tmp, index=False)))
        return paths


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
