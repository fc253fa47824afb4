"""The prediction intervals of a comparison's fitted models on each scored part (:func:`interval_pass`):
the models' own, or split-conformal ones calibrated on the validation part
(:mod:`pybbdl.evaluation.intervals` computes them; this module runs them over models, seeds and parts).
"""

from __future__ import annotations

from collections.abc import Mapping

from pybbdl.evaluation.intervals import CALIBRATION_PART, has_own_intervals, model_intervals
from pybbdl.windows import Windows


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
