"""Scoring a panel's forecasts: the per-series table, the long forecasts table and the aggregate
(sMAPE, MASE, OWA) table (:func:`score_panel`, also used for outside forecasts such as M3's), and
the refusal of a run where nothing was forecast (:class:`NothingScoredError`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pybbdl.data.panel import Panel, summarise_errors
from pybbdl.evaluation.metrics import get_metric
from pybbdl.evaluation.scale_free import AGGREGATE_COLUMNS, aggregate_scores
from pybbdl.exceptions import ModelFitError
from pybbdl.workflows.panel_results import SERIES_COLUMNS


def score_panel(panel: Panel, results: dict, models, *, reference: str | None = "naive2"):
    """Score forecasts of a panel with the panel workflow's code (also used for outside forecasts, e.g. M3's).

    Args:
        panel: The :class:`~pybbdl.data.panel.Panel` (held-out actuals in ``series.actual``).
        results: ``{(model, id): {"mean": array or None, "error": str, "seconds": float, "note": str,
            "intervals": DataFrame or None}}``; a missing key is an error row ("no forecast").
        models: The model names, in table order.
        reference: The model OWA is relative to.

    Returns:
        ``(series_table, forecasts, aggregate_table)`` as in :class:`~pybbdl.workflows.panel_results.PanelRun`.
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
