"""Combinations in a panel run: which ones run (:func:`_resolve_combinations`, from the registry or
the user's ``combinations``), the validation windows of those whose weights are chosen there
(:func:`validation_series`), and each combination's forecast per series (:func:`_combine`). The
weighting rules themselves are :class:`~pybbdl.workflows.combinations.PanelCombination`'s.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from pybbdl.exceptions import ArgumentError, ArgumentTypeError
from pybbdl.models.registry import get_spec, model_names
from pybbdl.workflows.panel_fit import _fit_models


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
