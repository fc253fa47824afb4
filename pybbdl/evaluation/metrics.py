"""Point-forecast accuracy in the target's units: MAE, RMSE and skill against a reference."""

from __future__ import annotations

import numpy as np

#: Errors at or below ``ZERO_RTOL * scale`` (scale = the largest absolute actual value, or 1)
#: count as numerically zero: ARIMA's round-off on a constant series is about 1e-9, not a signal.
ZERO_RTOL = float(np.sqrt(np.finfo(float).eps))


def mae(actual, forecast) -> float:
    """Mean absolute error."""
    return float(np.mean(np.abs(np.asarray(actual) - np.asarray(forecast))))


def rmse(actual, forecast) -> float:
    """Root mean squared error."""
    return float(np.sqrt(np.mean((np.asarray(actual) - np.asarray(forecast)) ** 2)))


def zero_tolerance(actual) -> float:
    """The error size below which a forecast of `actual` counts as exact (see :data:`ZERO_RTOL`)."""
    actual = np.asarray(actual, dtype=float)
    scale = float(np.max(np.abs(actual))) if actual.size else 0.0
    return ZERO_RTOL * (scale if scale > 0 else 1.0)


def skill_pct(model_mae: float, reference_mae: float, *, tol: float = 0.0) -> tuple[float, str]:
    """``100 * (1 - model_mae / reference_mae)`` and a note.

    When the reference MAE is numerically zero (at or below `tol`, e.g. the naive forecast of a
    constant series) the skill is undefined: NaN with a note saying why, never ``-inf`` or a ratio
    of round-off errors.
    """
    if not np.isfinite(model_mae) or not np.isfinite(reference_mae):
        return float("nan"), ""
    if reference_mae <= tol:
        return float("nan"), (f"skill undefined: the naive forecast is exact (MAE {reference_mae:.3g}); "
                              "is the series constant?")
    return 100.0 * (1.0 - model_mae / reference_mae), ""


__all__ = ["ZERO_RTOL", "mae", "rmse", "skill_pct", "zero_tolerance"]
