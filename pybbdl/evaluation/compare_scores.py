"""Scoring a comparison: the long, tidy table, one row per model x part x metric (:func:`long_table`;
per horizon, :func:`horizon_long_table`): the registry's point metrics, Diebold-Mariano and
Clark-West tests against the baselines, interval scores and Hansen's model confidence set
(:func:`mcs_rows`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from pybbdl.evaluation.dm import LOSS_POWER, Loss, diebold_mariano
from pybbdl.evaluation.metrics import (get_metric, interval_metric_names, interval_scores, mae, metrics, score,
                                       skill_pct, zero_tolerance)
from pybbdl.evaluation.nested import clark_west, model_confidence_set

#: Columns of the long table, in order (see :func:`long_table`).
LONG_COLUMNS = ("model", "part", "horizon", "metric", "value", "sd", "n", "seeds", "note")
#: The columns of one row as :func:`long_table` builds it (``horizon`` is added to the whole table).
_ROW_COLUMNS = tuple(c for c in LONG_COLUMNS if c != "horizon")
#: The model confidence set of the tables: size (0.10 = the 90 % set), bootstrap replications, seed.
MCS_SIZE, MCS_REPS, MCS_SEED = 0.10, 1000, 0


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
