"""Prediction intervals for every forecaster, and their scores.

Two sources of intervals, one shape (``{level: (lower, upper)}``, original units, one value per
window of the part, levels in (0, 1) as :func:`pybbdl.models.series.check_levels` accepts):

* a model's own ``predict_interval(windows, part, levels)`` (ARIMA, ETS, ...: analytic
  intervals, see :mod:`pybbdl.models.base`), used whenever the forecaster has it;
* **split-conformal** intervals (:func:`conformal_intervals`) for every other forecaster (the
  networks, the naive baselines, your own objects): the absolute errors of the model's forecasts
  on a *calibration part* give the half-width. The calibration part is the **validation part**
  (``"val"``) of the same :class:`~pybbdl.windows.Windows`: the model was fitted on the training
  part only; a network looked at the validation loss to choose when to stop (early stopping
  picks one number, the epoch, on it), but never trained its weights on it, and the **test part
  is never touched**. One :class:`~pybbdl.windows.Windows` has one horizon, so the intervals are
  per horizon: a run over several horizons calibrates each on its own residuals.

With ``window=W`` (*rolling* split conformal) the half-width of each target is recomputed from
the last ``W`` forecast errors observed at its forecast origin: the validation part's, then, as
the origin moves through the scored part, the errors of its targets that are already in the data
at that origin (a target ``horizon`` or more rows before the origin's target). The model stays as
fitted; only the calibration follows the data, as a forecaster updating in real time would. It
tracks a change in error size between the validation and the test period (on the Jena subset
the static version covers 77.9 % at 80 %, the rolling one with a year of hourly errors 79.9 %,
BENCHMARKS.md), at the price of using the scored part's past errors.

By default (``scale="auto"``: ``"window"`` wherever the lookback is 2 or more) the intervals are
*normalized* split conformal (Papadopoulos et al. 2008; Lei et al. 2018, section 5.2): each
error is divided by its window's own scale before the quantile is taken, and
each interval is that quantile times its window's scale (:func:`window_scales`: the mean absolute
``horizon``-step change of the target inside the input window, the in-window error of the naive
forecast, known at the origin). The test part still only scores: its windows' inputs set the
widths, as they set the point forecasts. Intervals widen where the recent past was volatile and
narrow where it was calm; on the Jena subset (24 h ahead, lookback 240 h) naive's static
coverage moves from 77.9 / 93.2 % (absolute errors, ``scale="none"``) to 79.2 / 94.7 % at 80 / 95 %,
the dense network's from 76.9 / 94.2 % to 79.6 / 95.2 %, and on US inflation, where the
validation decade was calmer than the test decade, from 39-54 % to 71-88 % at 80 % (BENCHMARKS.md).

The conformal half-width at level L is the ``ceil((n + 1) L)``-th smallest of the ``n`` absolute
calibration errors (the finite-sample rule of split conformal prediction, Lei et al. 2018), so
it needs ``n >= L / (1 - L) = 1 / (1 - L) - 1`` errors (19 for 95 %, 4 for 80 %); fewer is a
:class:`~pybbdl.exceptions.DataError`. Under exchangeable errors the coverage is at least L; on
a series whose error size drifts between the validation and the test period it is what the
test part shows (the comparison tables report it).

Scores (:func:`pybbdl.evaluation.metrics.interval_scores`, from the metric registry), each a mean
over the targets: ``coverage_<L>`` (share of
actuals inside the interval, 0..1), ``width_<L>`` (upper - lower), ``winkler_<L>`` (width plus
``2 / (1 - L)`` times the distance by which the actual falls outside; Winkler 1972, the
"interval score" of Gneiting and Raftery 2007), ``pinball`` (the quantile loss averaged over the
quantiles the levels imply, ``(1 - L) / 2`` and ``(1 + L) / 2`` for each L, with the point
forecast as the median) and ``crps`` (the continuous ranked probability score approximated from
those quantiles, :func:`crps_from_quantiles`). All are in the target's units except coverage.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from pybbdl.exceptions import ArgumentError, DataError
from pybbdl.models.series import DEFAULT_LEVELS, check_levels, interval_columns, interval_quantiles, level_label

#: The part whose forecast errors calibrate the conformal intervals.
CALIBRATION_PART = "val"
#: Scales of the conformal errors: ``"auto"`` (the default: ``"window"`` where the windows allow it,
#: else absolute errors), ``"window"`` (:func:`window_scales`), ``"none"`` or None (absolute errors).
CONFORMAL_SCALES = ("auto", "window", "none", None)
#: The default of ``conformal_scale`` (compare, backtest, the workflows, the CLI and R).
DEFAULT_CONFORMAL_SCALE = "auto"
#: Scales below this share of the calibration part's median scale are raised to it (flat windows).
SCALE_FLOOR = 0.1

__all__ = ["CALIBRATION_PART", "CONFORMAL_SCALES", "DEFAULT_CONFORMAL_SCALE", "DEFAULT_LEVELS", "INTERVAL_METHODS",
           "check_conformal_scale", "check_interval_method", "check_own_levels", "conformal_half_width", "conformal_intervals", "coverage",
           "crps_from_quantiles", "has_own_intervals", "interval_frame", "min_calibration",
           "model_intervals", "pinball_loss", "quantile_forecasts", "resolved_scale", "rolling_conformal_intervals", "window_scales",
           "winkler_score"]


def check_interval_levels(levels) -> tuple[float, ...]:
    """:func:`~pybbdl.models.series.check_levels`, also refusing NaN and an empty selection."""
    if levels is None:
        return ()
    seq = [levels] if np.isscalar(levels) else list(levels)
    for lv in seq:
        if isinstance(lv, bool):
            raise ArgumentError(f"`levels` must be numbers in (0, 1), e.g. 0.8 for 80 %. Received: {lv!r}")
        try:
            if math.isnan(float(lv)):
                raise ArgumentError(f"`levels` must be numbers in (0, 1), not NaN. Received: {seq!r}")
        except (TypeError, ValueError):
            pass  # check_levels names the bad value
    return check_levels(seq)


def min_calibration(level: float) -> int:
    """Fewest calibration errors a conformal interval at `level` needs: ``ceil(L / (1 - L))``."""
    level = float(level)
    return int(math.ceil(level / (1.0 - level) - 1e-9))


def conformal_half_width(residuals, level: float, *, where: str = "the calibration part") -> float:
    """The ``ceil((n + 1) level)``-th smallest absolute residual (split conformal).

    Raises:
        DataError: fewer than :func:`min_calibration` finite residuals, or non-finite ones.
    """
    (level,) = check_interval_levels([level])
    r = np.abs(np.asarray(residuals, dtype=float).reshape(-1))
    if not np.all(np.isfinite(r)):
        raise DataError(f"The forecast errors on {where} must be finite to calibrate conformal intervals. "
                        f"Received: {int(np.sum(~np.isfinite(r)))} NaN/inf of {len(r)}")
    n = len(r)
    need = min_calibration(level)
    if n < need:
        raise DataError(f"A {level_label(level)} % conformal interval needs at least {need} calibration errors "
                        f"(n >= 1 / (1 - level) - 1); {where} has {n}. Use a longer validation part or a lower "
                        f"level.")
    k = int(math.ceil((n + 1) * level - 1e-9))
    return float(np.sort(r)[k - 1])


def conformal_intervals(point, residuals, levels=DEFAULT_LEVELS, *,
                        where: str = "the calibration part") -> dict[float, tuple[np.ndarray, np.ndarray]]:
    """Symmetric split-conformal intervals ``point -/+ q_L`` for each level.

    Args:
        point: Point forecasts of the part to cover (original units).
        residuals: Forecast errors (actual - forecast) of the same model on a calibration part it
            was not fitted on, at the same horizon.
        levels: Levels in (0, 1).
        where: Named in the error when there are too few residuals.

    Returns:
        ``{level: (lower, upper)}``.
    """
    levels = check_interval_levels(levels)
    point = np.asarray(point, dtype=float).reshape(-1)
    out = {}
    for lv in levels:
        q = conformal_half_width(residuals, lv, where=where)
        out[lv] = (point - q, point + q)
    return out


def rolling_conformal_intervals(point, residuals, residual_positions, target_positions, horizon: int, window: int,
                                levels=DEFAULT_LEVELS, *, where: str = "the calibration part") -> dict:
    """Rolling split-conformal intervals: the half-width of target ``j`` is the conformal quantile
    of the last `window` residuals whose target position is ``<= target_positions[j] - horizon``
    (observed at the forecast origin of target ``j``).

    Args:
        point: Point forecasts of the covered targets.
        residuals: Forecast errors (actual - forecast), in target-position order.
        residual_positions: The target positions (rows) of `residuals`, increasing.
        target_positions: Target positions of `point`.
        horizon: Steps ahead of the forecasts.
        window: Number of most recent observed errors to calibrate on.
    """
    levels = check_interval_levels(levels)
    point = np.asarray(point, dtype=float).reshape(-1)
    r = np.abs(np.asarray(residuals, dtype=float).reshape(-1))
    pos = np.asarray(residual_positions)
    if not np.all(np.isfinite(r)):
        raise DataError(f"The forecast errors on {where} must be finite to calibrate conformal intervals.")
    need = max((min_calibration(lv) for lv in levels), default=1)
    if window < need:
        raise ArgumentError(f"`conformal_window` must be at least {need} for levels {list(levels)} "
                            f"(n >= 1 / (1 - level) - 1). Received: {window}")
    ends = np.searchsorted(pos, np.asarray(target_positions) - horizon, side="right")
    if len(ends) and ends.min() < need:
        raise DataError(f"Rolling conformal intervals need at least {need} observed forecast errors at the first "
                        f"origin; {where} gives {int(ends.min())}. Use a longer validation part or lower levels.")
    half = {lv: np.empty(len(point)) for lv in levels}
    cache: dict = {}
    for j, end in enumerate(ends):
        start = max(0, end - window)
        if (start, end) not in cache:
            chunk = r[start:end]
            n = len(chunk)
            ks = [int(math.ceil((n + 1) * lv - 1e-9)) - 1 for lv in levels]
            part = np.partition(chunk, ks)
            cache = {(start, end): [part[k] for k in ks]}
        for lv, q in zip(levels, cache[(start, end)], strict=True):
            half[lv][j] = q
    return {lv: (point - half[lv], point + half[lv]) for lv in levels}


#: How a model's intervals are made: ``"auto"`` = its own ``predict_interval`` where it has one
#: (ARIMA, ETS, ...), split-conformal otherwise; ``"conformal"`` = split-conformal for every model.
INTERVAL_METHODS = ("auto", "conformal")


def check_interval_method(method) -> str:
    """`method` if it is one of :data:`INTERVAL_METHODS`, else an ArgumentError."""
    if not isinstance(method, str) or method not in INTERVAL_METHODS:
        raise ArgumentError(f"`interval_method` must be 'auto' or 'conformal'. Received: {method!r}")
    return method


def has_own_intervals(model, method: str = "auto") -> bool:
    """Whether `model` gives its own intervals under `method` (else: split-conformal): it has a
    ``predict_interval`` and, where it says which levels that gives (an ``interval_levels``
    attribute, e.g. a :class:`~pybbdl.models.neural.NeuralForecaster`'s ``quantiles``), at least
    one; ``method="conformal"`` always gives False."""
    if check_interval_method(method) != "auto" or not callable(getattr(model, "predict_interval", None)):
        return False
    own = getattr(model, "interval_levels", None)
    return own is None or len(own) > 0


def check_own_levels(estimators: Mapping, levels, method: str = "auto") -> None:
    """Refuse, before any training, levels a model with its own intervals says it cannot give
    (its ``interval_levels``, e.g. the levels a quantile network is trained for)."""
    levels = check_interval_levels(levels)
    for name, model in estimators.items():
        own = getattr(model, "interval_levels", None) if has_own_intervals(model, method) else None
        if not own:
            continue
        missing = [lv for lv in levels if not any(math.isclose(lv, t, abs_tol=1e-9) for t in own)]
        if missing:
            raise ArgumentError(f"Model {name!r} gives its own intervals at the levels {list(own)} only (e.g. a "
                                f"network's quantiles=); the run asks for {list(levels)}. Pass levels within "
                                f"those, train it with quantiles covering them, or use interval_method='conformal'.")


def check_conformal_scale(scale, windows=None) -> str:
    """``"auto"``, ``"window"`` or ``"none"`` (for None) if `scale` is one of :data:`CONFORMAL_SCALES`
    and the windows allow it, else an ArgumentError."""
    if not (scale is None or isinstance(scale, str)) or scale not in CONFORMAL_SCALES:
        raise ArgumentError(f"`conformal_scale` must be 'auto', 'window' or 'none'. Received: {scale!r}")
    scale = "none" if scale is None else scale
    if scale == "window" and windows is not None and windows.lookback < 2:
        raise ArgumentError("`conformal_scale='window'` scales each error by the target's changes inside its input "
                            f"window, which needs lookback >= 2. Received: lookback={windows.lookback}")
    return scale


def resolved_scale(scale, windows, calibration: str = CALIBRATION_PART) -> str:
    """What `scale` means for these windows, ``"window"`` or ``"none"`` (what the tables record):
    ``"auto"`` is ``"window"`` unless the lookback is 1 or the calibration part's windows are all
    flat (median scale 0), where absolute errors are used."""
    scale = check_conformal_scale(scale, windows)
    if scale != "auto":
        return scale
    if windows.lookback < 2:
        return "none"
    if calibration in windows.bounds and windows.n_windows(calibration) and not np.median(
            window_scales(windows, calibration)) > 0:
        return "none"
    return "window"


def window_scales(windows, part: str) -> np.ndarray:
    """Each window's local scale: the mean of ``|y[i] - y[i - h]|`` over the target values ``y`` of
    its input window (the rows before the origin), ``h`` = the horizon, at most ``lookback - 1``:
    the error the naive forecast made inside the window at the forecast's own horizon. Uses only
    values known at the origin."""
    v = windows.values[:, 0]
    lookback = windows.lookback
    h = min(int(windows.horizon), lookback - 1)
    if h < 1:
        raise ArgumentError(f"Window scales need lookback >= 2. Received: lookback={lookback}")
    d = np.r_[np.zeros(h), np.abs(v[h:] - v[:-h])]
    c = np.r_[0.0, np.cumsum(d)]
    origins = windows.rows(part)
    first = origins - lookback + h  # the first row i of the window whose i - h is in the window too
    return (c[origins] - c[first]) / (origins - first)


def model_intervals(model, windows, part: str, levels, *, point=None, calibration: str = CALIBRATION_PART,
                    calibration_forecasts=None, window: int | None = None, scale: str | None = None,
                    method: str = "auto") -> tuple[dict, str]:
    """``({level: (lower, upper)}, method)`` for `part`: the model's own ``predict_interval`` when
    it has one and `method` is ``"auto"`` (method ``"model"``), else split-conformal from the
    `calibration` part's errors (method ``"conformal"``).

    Args:
        model: A fitted forecaster.
        windows: The :class:`~pybbdl.windows.Windows` it was fitted on.
        part: The part to cover; it must not be the calibration part for conformal intervals.
        point: The model's forecasts of `part` (computed when None).
        calibration_forecasts: The model's forecasts of the calibration part (computed when None).
        window: None = static split conformal on the whole calibration part; an int = rolling
            (:func:`rolling_conformal_intervals`) over the last `window` observed errors.
        scale: ``"none"``/None = absolute errors; ``"window"`` = normalized conformal: errors
            divided by :func:`window_scales` (floored at :data:`SCALE_FLOOR` times the calibration
            part's median scale), intervals multiplied by them; ``"auto"`` = ``"window"`` unless
            the lookback is 1 or the calibration part's windows are flat, then absolute errors.
        method: ``"auto"`` = the model's own intervals where it has them; ``"conformal"`` =
            split-conformal even for a model with its own (e.g. to calibrate a misspecified
            ARIMA's intervals on the validation part).
    """
    levels = check_interval_levels(levels)
    if has_own_intervals(model, method):
        raw = model.predict_interval(windows, part, levels)
        out = {}
        n = windows.n_windows(part)
        for lv in levels:
            lo, hi = (np.asarray(a, dtype=float).reshape(-1) for a in raw[lv])
            if len(lo) != n or len(hi) != n:
                raise DataError(f"{type(model).__name__}.predict_interval must return {n} bounds per level for "
                                f"the {part} part. Received: {len(lo)} and {len(hi)} at level {lv}")
            out[lv] = (lo, hi)
        return out, "model"
    if part == calibration:
        raise ArgumentError(f"`part` must not be the calibration part ({calibration!r}) of conformal intervals: "
                            "they would be scored on the errors that made them.")
    if calibration not in windows.bounds:
        raise DataError(f"Conformal intervals need a {calibration!r} part to calibrate on; these windows have "
                        f"{windows.parts}. Use a split with a validation part.")
    if point is None:
        point = model.predict(windows, part)
    if calibration_forecasts is None:
        calibration_forecasts = model.predict(windows, calibration)
    residuals = windows.targets(calibration, scaled=False) - np.asarray(calibration_forecasts, dtype=float).reshape(-1)
    point = np.asarray(point, dtype=float).reshape(-1)
    scale = check_conformal_scale(scale, windows)
    s_cal = s_part = None
    if scale == "window" or (scale == "auto" and windows.lookback >= 2):
        s_cal, s_part = window_scales(windows, calibration), window_scales(windows, part)
        floor = SCALE_FLOOR * float(np.median(s_cal))
        if floor > 0:
            s_cal, s_part = np.maximum(s_cal, floor), np.maximum(s_part, floor)
            residuals = residuals / s_cal
        elif scale == "window":  # a flat validation part: nothing to scale by
            raise DataError(f"`conformal_scale='window'` needs a target that moves inside the {calibration} part's "
                            "windows; it is flat there. Use conformal_scale='none'.")
        else:
            s_cal = s_part = None
    if window is None:
        if s_part is None:
            return conformal_intervals(point, residuals, levels, where=f"the {calibration} part"), "conformal"
        half = {lv: conformal_half_width(residuals, lv, where=f"the {calibration} part") * s_part for lv in levels}
        return {lv: (point - half[lv], point + half[lv]) for lv in levels}, "conformal"
    cal_pos, part_pos = windows.target_positions(calibration), windows.target_positions(part)
    if len(part_pos) and len(cal_pos) and part_pos[0] < cal_pos[-1]:
        raise ArgumentError(f"Rolling conformal intervals cover parts after the {calibration!r} part. Received: "
                            f"part={part!r}")
    part_res = windows.targets(part, scaled=False) - point
    all_res = np.concatenate([residuals, part_res if s_part is None else part_res / s_part])
    all_pos = np.concatenate([cal_pos, part_pos])
    if s_part is None:
        return rolling_conformal_intervals(point, all_res, all_pos, part_pos, windows.horizon, int(window), levels,
                                           where=f"the {calibration} part"), "conformal"
    unit = rolling_conformal_intervals(np.zeros_like(point), all_res, all_pos, part_pos, windows.horizon, int(window),
                                       levels, where=f"the {calibration} part")
    return {lv: (point - hi * s_part, point + hi * s_part) for lv, (_, hi) in unit.items()}, "conformal"


def interval_frame(point, intervals: Mapping, index=None):
    """A DataFrame ``mean, lower_80, upper_80, ...`` (the series contract's columns)."""
    import pandas as pd

    frame = pd.DataFrame({"mean": np.asarray(point, dtype=float).reshape(-1)}, index=index)
    for lv in sorted(intervals):
        lo_col, hi_col = interval_columns(lv)
        frame[lo_col], frame[hi_col] = intervals[lv]
    return frame


# -- scores ------------------------------------------------------------------------------------
def coverage(actual, lower, upper) -> float:
    """Share of `actual` inside ``[lower, upper]``."""
    y, lo, hi = (np.asarray(a, dtype=float) for a in (actual, lower, upper))
    return float(np.mean((y >= lo) & (y <= hi)))


def winkler_score(actual, lower, upper, level: float) -> float:
    """Mean Winkler (interval) score: ``(u - l) + 2/alpha (l - y) 1{y < l} + 2/alpha (y - u) 1{y > u}``,
    ``alpha = 1 - level``; lower is better."""
    (level,) = check_interval_levels([level])
    y, lo, hi = (np.asarray(a, dtype=float) for a in (actual, lower, upper))
    alpha = 1.0 - level
    score = (hi - lo) + (2.0 / alpha) * np.maximum(lo - y, 0.0) + (2.0 / alpha) * np.maximum(y - hi, 0.0)
    return float(np.mean(score))


def pinball_loss(actual, quantile, tau: float) -> float:
    """Mean pinball (quantile) loss of the `tau` quantile forecast: ``max(tau (y - q), (tau - 1) (y - q))``."""
    y, q = np.asarray(actual, dtype=float), np.asarray(quantile, dtype=float)
    d = y - q
    return float(np.mean(np.maximum(tau * d, (tau - 1.0) * d)))


def quantile_forecasts(point, intervals: Mapping) -> tuple[np.ndarray, np.ndarray]:
    """``(taus, Q)``: the quantile levels the interval levels imply (``(1 - L) / 2``, ``(1 + L) / 2``)
    plus 0.5 (the point forecast), sorted, and the forecasts ``Q`` of shape ``(len(taus), n)``."""
    point = np.asarray(point, dtype=float).reshape(-1)
    pairs = {0.5: point}
    for lv, (lo, hi) in intervals.items():
        tau_lo, tau_hi = interval_quantiles(lv)
        pairs[tau_lo] = np.asarray(lo, dtype=float).reshape(-1)
        pairs[tau_hi] = np.asarray(hi, dtype=float).reshape(-1)
    taus = np.array(sorted(pairs))
    return taus, np.vstack([pairs[t] for t in taus])


def crps_from_quantiles(actual, taus, quantiles) -> float:
    """CRPS approximated from quantile forecasts: ``2 * sum_i w_i * pinball(tau_i)``.

    The CRPS equals ``2 * integral_0^1 pinball_tau d tau`` (Gneiting and Raftery 2007); the
    integral is approximated by giving each ``tau_i`` the share of (0, 1) nearest to it (cells
    bounded by the midpoints between neighbouring taus, and by 0 and 1). On an evenly spaced grid
    ``tau_i = (i - 0.5) / K`` this is twice the mean pinball loss, the usual approximation; with
    few quantiles (the default levels give 5) it is coarse, and it is best read across models on
    the same levels.
    """
    taus = np.asarray(taus, dtype=float)
    quantiles = np.asarray(quantiles, dtype=float)
    edges = np.concatenate([[0.0], (taus[1:] + taus[:-1]) / 2.0, [1.0]])
    weights = np.diff(edges)
    losses = np.array([pinball_loss(actual, q, t) for t, q in zip(taus, quantiles, strict=True)])
    return float(2.0 * np.sum(weights * losses))


def check_calibration_size(windows, levels, *, calibration: str = CALIBRATION_PART) -> None:
    """Refuse, before any training, a calibration part too short for the highest level."""
    levels = check_interval_levels(levels)
    if not levels:
        return
    n = windows.n_windows(calibration) if calibration in windows.bounds else 0
    need = min_calibration(max(levels))
    if n < need:
        raise DataError(f"Conformal intervals at {level_label(max(levels))} % need at least {need} forecast errors "
                        f"on the {calibration} part (n >= 1 / (1 - level) - 1); it has {n} target(s). Use a longer "
                        f"validation part, lower `levels`, or levels=() for no intervals.")

