"""Diebold-Mariano tests of equal forecast accuracy, as R's ``forecast::dm.test``.

Two doors, one computation:

* :func:`dm_test` takes two error vectors with R's arguments (``e1, e2, alternative, h,
  power, varestimator``) and R's defaults (``power = 2``, ``varestimator = "acf"``); R's
  ``dm_test()`` calls it.
* :func:`diebold_mariano` takes actuals and two forecasts, as the comparison tables need; its loss
  default is the **absolute** error (``loss="mae"``, R's ``power = 1``), not R's squared error,
  because the tables rank models by MAE; and its variance estimator is ``"bartlett"`` (R's
  ``varestimator = "bartlett"``, always positive for h > 1). Pass ``loss="mse"`` and
  ``varestimator="acf"`` for R's ``dm.test`` defaults.

Both use the Harvey-Leybourne-Newbold small-sample correction and Student's t with n - 1 degrees
of freedom, exactly as ``dm.test`` (forecast 8.x). A negative statistic means the first forecast
(``e1``, ``forecast``) is the more accurate; ``alternative="less"`` tests exactly that.

Degenerate inputs never produce a p-value from round-off: when both forecasts are exact to
numerical precision, or the loss differential is constant, the result is ``(nan, nan)`` with a
``note`` saying why (R stops with an error there). Identical losses everywhere give statistic 0.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from pybbdl._validation import check_positive_int
from pybbdl.evaluation.metrics import ZERO_RTOL, zero_tolerance
from pybbdl.exceptions import ArgumentError, DataError

Loss = Literal["mae", "mse"]
Alternative = Literal["two-sided", "less", "greater"]
ALTERNATIVES = ("two-sided", "less", "greater")
VARESTIMATORS = ("acf", "bartlett")
#: The loss behind each name, as R's ``power``: ``|e| ** power``.
LOSS_POWER = {"mae": 1, "mse": 2}


def dm_min_length(h: int) -> int:
    """Fewest forecasts a DM test with horizon `h` accepts: ``max(3, 2 h)`` (below ``2 h`` the
    Harvey correction's ``n + 1 - 2h`` is not positive)."""
    return max(3, 2 * int(h))


class DMResult(tuple):
    """``(statistic, p_value)``, unpackable as a pair, with ``.statistic``, ``.p_value``, ``.note``
    (why the test is NaN or special, else ``""``), ``.alternative``, ``.h``, ``.power``,
    ``.varestimator`` and ``.n``."""

    def __new__(cls, statistic, p_value, *, note: str = "", alternative: str = "two-sided", h: int = 1,
                power: float = 2, varestimator: str = "acf", n: int = 0):
        self = super().__new__(cls, (float(statistic), float(p_value)))
        self.note, self.alternative, self.h, self.power = note, alternative, h, power
        self.varestimator, self.n = varestimator, n
        return self

    statistic = property(lambda self: self[0])
    p_value = property(lambda self: self[1])

    def __repr__(self) -> str:
        note = f", note={self.note!r}" if self.note else ""
        return f"DMResult(statistic={self[0]:.6g}, p_value={self[1]:.6g}, alternative={self.alternative!r}{note})"


def _check_alternative(alternative: str) -> str:
    alt = {"two.sided": "two-sided"}.get(alternative, alternative)  # R's spelling works too
    if alt not in ALTERNATIVES:
        raise ArgumentError(f'`alternative` must be "two-sided", "less" or "greater". Received: {alternative!r}')
    return alt


def _p_value(stat: float, df: int, alternative: str) -> float:
    from scipy import stats

    if alternative == "two-sided":
        return float(2 * stats.t.cdf(-abs(stat), df))
    if alternative == "less":
        return float(stats.t.cdf(stat, df))
    return float(stats.t.sf(stat, df))


def _autocovariances(d: np.ndarray, lags: int) -> np.ndarray:
    """R's ``acf(d, lag.max = lags, type = "covariance")``: demeaned, divided by n."""
    n, dc = len(d), d - d.mean()
    return np.array([np.dot(dc[: n - k], dc[k:]) / n for k in range(lags + 1)])


def dm_test(e1, e2, *, alternative: Alternative = "two-sided", h: int = 1, power: float = 2,
            varestimator: Literal["acf", "bartlett"] = "acf") -> DMResult:
    """R's ``forecast::dm.test(e1, e2, alternative, h, power, varestimator)`` on two error vectors.

    Args:
        e1, e2: Forecast errors (actual - forecast) of the two methods, same length.
        alternative: ``"two-sided"`` (``"two.sided"`` works too), ``"less"`` (method 1 is more
            accurate) or ``"greater"`` (method 2 is more accurate).
        h: Forecast horizon; ``h - 1`` autocovariances enter the variance.
        power: Loss ``|e| ** power``; R's default 2 (squared error), 1 = absolute error.
        varestimator: ``"acf"`` (R's default; for h > 1 it can be negative, and then, as in R,
            the test falls back to h = 1 with a note) or ``"bartlett"`` (Bartlett weights).

    Returns:
        A :class:`DMResult`; ``(nan, nan)`` with a note when the loss differential is constant
        (R: "Variance of DM statistic is zero"), ``(0, p)`` when the losses are identical.

    Raises:
        ArgumentError: bad alternative, h, power or varestimator; DataError: unequal or too few
        errors (fewer than :func:`dm_min_length`), or non-finite errors.
    """
    alternative = _check_alternative(alternative)
    h = check_positive_int("h", h)
    if varestimator not in VARESTIMATORS:
        raise ArgumentError(f'`varestimator` must be "acf" or "bartlett". Received: {varestimator!r}')
    if isinstance(power, bool) or not np.isfinite(float(power)) or float(power) <= 0:
        raise ArgumentError(f"`power` must be a number > 0. Received: power={power!r}")
    e1, e2 = np.asarray(e1, dtype=float), np.asarray(e2, dtype=float)
    if e1.ndim != 1 or e1.shape != e2.shape:
        raise DataError(f"`e1` and `e2` must be 1-D of equal length. Received: shapes {e1.shape} and {e2.shape}")
    n = len(e1)
    if n < dm_min_length(h):
        raise DataError(f"The Diebold-Mariano test with h={h} needs at least {dm_min_length(h)} forecasts. "
                        f"Received: {n}")
    if not (np.all(np.isfinite(e1)) and np.all(np.isfinite(e2))):
        raise DataError("`e1` and `e2` must be finite (no NaN/inf errors).")
    meta = {"alternative": alternative, "h": h, "power": power, "varestimator": varestimator, "n": n}
    d = np.abs(e1) ** power - np.abs(e2) ** power
    if not np.any(d):
        return DMResult(0.0, _p_value(0.0, n - 1, alternative), note="identical losses at every target", **meta)
    gamma = _autocovariances(d, h - 1)
    if gamma[0] <= (ZERO_RTOL * np.max(np.abs(d))) ** 2:
        return DMResult(np.nan, np.nan, note="the loss differential is constant: its variance is zero, no test",
                        **meta)
    if varestimator == "acf" or h == 1:
        var = (gamma[0] + 2 * gamma[1:].sum()) / n
    else:
        var = (gamma[0] + 2 * np.sum((1 - np.arange(1, h) / h) * gamma[1:])) / n
    if var <= 0:  # R: warning "Variance is negative, using horizon h = 1"
        res = dm_test(e1, e2, alternative=alternative, h=1, power=power, varestimator=varestimator)
        return DMResult(*res, note="variance estimate negative: used h = 1 (as R's dm.test)", **meta)
    k = np.sqrt((n + 1 - 2 * h + (h / n) * (h - 1)) / n)
    stat = float(d.mean() / np.sqrt(var) * k)
    return DMResult(stat, _p_value(stat, n - 1, alternative), **meta)


def diebold_mariano(actual, forecast, reference, *, horizon: int = 1, loss: Loss = "mae",
                    alternative: Alternative = "two-sided",
                    varestimator: Literal["acf", "bartlett"] = "bartlett") -> DMResult:
    """Diebold-Mariano test of `forecast` against `reference` on the same `actual` targets.

    The loss differential is ``loss(forecast) - loss(reference)``: a negative statistic means
    `forecast` is the more accurate. Equals R's ``forecast::dm.test(actual - forecast,
    actual - reference, alternative, h = horizon, power, varestimator)`` with ``power = 1`` for
    ``loss="mae"`` (the default here; R's default is ``power = 2``, i.e. ``loss="mse"``).

    Args:
        actual, forecast, reference: 1-D arrays of equal length.
        horizon: Steps ahead of the forecasts (R's ``h``).
        loss: ``"mae"`` (absolute error, default) or ``"mse"`` (squared error).
        alternative: ``"two-sided"``, ``"less"`` (`forecast` more accurate) or ``"greater"``.
        varestimator: ``"bartlett"`` (default) or ``"acf"`` (R's default), see :func:`dm_test`.

    Returns:
        A :class:`DMResult` (a ``(statistic, p_value)`` pair with a ``note``). When both
        forecasts are exact to numerical precision (every error at most
        :func:`~pybbdl.evaluation.metrics.zero_tolerance` of the actuals, e.g. a constant
        series), there is nothing to test: ``(nan, nan)`` with a note, never a p-value from
        round-off.
    """
    if loss not in LOSS_POWER:
        raise ArgumentError(f'`loss` must be "mae" or "mse". Received: loss={loss!r}')
    horizon = check_positive_int("horizon", horizon)
    actual, forecast, reference = (np.asarray(a, dtype=float) for a in (actual, forecast, reference))
    if not (actual.shape == forecast.shape == reference.shape) or actual.ndim != 1:
        raise DataError(f"actual, forecast and reference must be 1-D of equal length. Received: "
                        f"{actual.shape}, {forecast.shape}, {reference.shape}")
    e1, e2 = actual - forecast, actual - reference
    tol = zero_tolerance(actual)
    if len(actual) >= dm_min_length(horizon) and np.all(np.abs(e1) <= tol) and np.all(np.abs(e2) <= tol):
        constant = " (the series is constant)" if np.ptp(actual) <= tol else ""
        worst = float(max(np.max(np.abs(e1)), np.max(np.abs(e2))))
        return DMResult(np.nan, np.nan, note=f"both forecasts are exact to numerical precision (largest error "
                        f"{worst:.2g}){constant}: no test", alternative=_check_alternative(alternative),
                        h=horizon, power=LOSS_POWER[loss], varestimator=varestimator, n=len(actual))
    return dm_test(e1, e2, alternative=alternative, h=horizon, power=LOSS_POWER[loss], varestimator=varestimator)


__all__ = ["ALTERNATIVES", "DMResult", "LOSS_POWER", "diebold_mariano", "dm_min_length", "dm_test"]
