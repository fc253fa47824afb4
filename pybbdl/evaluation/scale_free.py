"""Scale-free accuracy across many series: sMAPE, MASE and the M4 OWA.

* sMAPE of one forecast: ``200 |a - f| / (|a| + |f|)`` (0 when both are 0), in percent.
* MASE of one series: mean ``|a - f|`` over its horizon divided by the in-sample mean absolute
  error of the seasonal naive forecast ``y[t] - y[t - m]`` (m = the series' period; m = 1 when
  the history has no more than m values).
* OWA (M4): ``0.5 * (sMAPE / sMAPE_Naive2 + MASE / MASE_Naive2)`` of a set of series, from the
  mean-of-series sMAPE and MASE of the model and of NAIVE2 on the same series.

Two sMAPE averages are reported, as the literature uses both: **pooled** (the mean over all
forecasts; the M3 paper's and N-BEATS' convention, long horizons weigh more) and
**mean-of-series** (each series' mean over its horizon, then the mean over series; the M4 and
R ``Mcomp`` convention).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pybbdl.exceptions import ArgumentError

#: Columns of :func:`aggregate_scores`' table.
AGGREGATE_COLUMNS = ["model", "frequency", "n_series", "n_forecasts", "n_failed", "smape_pooled", "smape_mean",
                     "mase", "owa", "seconds", "note"]


def smape(actual, forecast) -> np.ndarray:
    """sMAPE of each forecast, in percent: ``200 |a - f| / (|a| + |f|)``; 0 where both are 0."""
    a = np.asarray(actual, dtype=float)
    f = np.asarray(forecast, dtype=float)
    if a.shape != f.shape:
        raise ArgumentError(f"`actual` and `forecast` must have the same shape. Received: {a.shape} and {f.shape}")
    den = np.abs(a) + np.abs(f)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = 200.0 * np.abs(a - f) / den
    return np.where(den == 0, 0.0, out)


def mase_scale(y, period: int) -> float:
    """The in-sample mean absolute seasonal-naive error of a history (NaN when it is 0 or undefined)."""
    y = np.asarray(y, dtype=float)
    m = int(period) if len(y) > int(period) else 1
    if len(y) <= m:
        return float("nan")
    scale = float(np.mean(np.abs(y[m:] - y[:-m])))
    return scale if scale > 0 else float("nan")


def mase(actual, forecast, y, period: int) -> float:
    """MASE of one series: mean ``|a - f|`` over the horizon / :func:`mase_scale` of its history."""
    a = np.asarray(actual, dtype=float)
    f = np.asarray(forecast, dtype=float)
    return float(np.mean(np.abs(a - f)) / mase_scale(y, period))


def owa(smape_model: float, mase_model: float, smape_naive2: float, mase_naive2: float) -> float:
    """M4's overall weighted average relative to NAIVE2 (1 = as good as NAIVE2, lower is better)."""
    return 0.5 * (smape_model / smape_naive2 + mase_model / mase_naive2)


def aggregate_scores(series: pd.DataFrame, point: pd.DataFrame, *, reference: str | None = "naive2") -> pd.DataFrame:
    """Per model x frequency and per model overall.

    Args:
        series: One row per model x series with columns ``model, id, frequency, smape, mase,
            seconds, error`` (``smape``/``mase`` NaN where the model failed).
        point: One row per forecast with columns ``model, id, smape`` (scored forecasts only).
        reference: The model OWA is relative to; OWA is computed on the series both scored.

    Returns:
        Columns :data:`AGGREGATE_COLUMNS`; ``frequency`` is each label and ``"overall"``.
    """
    rows = []
    ok = series[series["error"].fillna("") == ""]
    failed = series[series["error"].fillna("") != ""]
    ref_ok = ok[ok["model"] == reference].set_index("id") if reference is not None else None
    groups = [(f, ok["frequency"] == f) for f in pd.unique(series["frequency"])] + [("overall", None)]
    for model in pd.unique(series["model"]):
        m_ok = ok[ok["model"] == model]
        m_pt = point[point["model"] == model]
        m_failed = failed[failed["model"] == model]
        for label, _ in groups:
            s = m_ok if label == "overall" else m_ok[m_ok["frequency"] == label]
            nf = len(m_failed) if label == "overall" else int((m_failed["frequency"] == label).sum())
            if len(s) == 0 and nf == 0 and label != "overall":
                continue
            pts = m_pt[m_pt["id"].isin(s["id"])]
            note = []
            o = float("nan")
            if ref_ok is not None and len(s):
                common = s[s["id"].isin(ref_ok.index)]
                if len(common):
                    r = ref_ok.loc[common["id"]]
                    o = owa(common["smape"].mean(), np.nanmean(common["mase"]), r["smape"].mean(),
                            np.nanmean(r["mase"]))
                    if len(common) < len(s):
                        note.append(f"OWA on the {len(common)} series {reference} scored")
                else:
                    note.append(f"no OWA: {reference} scored none of these series")
            elif ref_ok is None:
                note.append("no OWA: no reference model")
            n_nan_mase = int(s["mase"].isna().sum())
            if n_nan_mase:
                note.append(f"MASE undefined for {n_nan_mase} series (flat history)")
            if nf:
                note.append(f"{nf} series failed (see the per-series table)")
            rows.append({"model": model, "frequency": label, "n_series": len(s), "n_forecasts": len(pts),
                         "n_failed": nf, "smape_pooled": float(pts["smape"].mean()) if len(pts) else float("nan"),
                         "smape_mean": float(s["smape"].mean()) if len(s) else float("nan"),
                         "mase": float(np.nanmean(s["mase"])) if s["mase"].notna().any() else float("nan"),
                         "owa": o, "seconds": float(series.loc[series["model"] == model, "seconds"].sum()
                                                    if label == "overall" else
                                                    series.loc[(series["model"] == model)
                                                               & (series["frequency"] == label), "seconds"].sum()),
                         "note": "; ".join(note)})
    return pd.DataFrame(rows, columns=AGGREGATE_COLUMNS)


__all__ = ["AGGREGATE_COLUMNS", "aggregate_scores", "mase", "mase_scale", "owa", "smape"]
