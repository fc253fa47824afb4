"""The wide table of a comparison (the 0.1 layout, one row per model) and its column catalog, laid
out from the long table by the metric registry (:func:`wide_layout`); nothing is scored here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from pybbdl.evaluation.compare_scores import MCS_SIZE
from pybbdl.evaluation.metrics import interval_metric_names, metric_names, metrics
from pybbdl.models.series import level_label

#: Columns of :attr:`~pybbdl.evaluation.compare_result.Comparison.columns`, the wide table's catalog of metric columns.
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
