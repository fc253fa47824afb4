"""The Gaussian mechanism: release a statistic with (epsilon, delta)-DP by adding N(0, sigma^2)."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from pybbdl.exceptions import ArgumentError


def _check(sensitivity, epsilon, delta):
    if not float(sensitivity) > 0:
        raise ArgumentError(f"`sensitivity` must be > 0. Received: sensitivity={sensitivity}")
    if not float(epsilon) > 0:
        raise ArgumentError(f"`epsilon` must be > 0. Received: epsilon={epsilon}")
    if not 0 < float(delta) < 1:
        raise ArgumentError(f"`delta` must be in (0, 1). Received: delta={delta}")


def _analytic_delta(sigma: float, sensitivity: float, epsilon: float) -> float:
    """delta achieved by N(0, sigma^2) at epsilon (Balle & Wang 2018, Theorem 8)."""
    from scipy.special import log_ndtr

    a = sensitivity / (2 * sigma)
    b = epsilon * sigma / sensitivity
    first = math.exp(log_ndtr(a - b))
    second = math.exp(epsilon + log_ndtr(-a - b))  # in log space: e^eps can overflow on its own
    return first - second


def gaussian_sigma(sensitivity: float, epsilon: float, delta: float,
                   method: Literal["analytic", "classic"] = "analytic") -> float:
    """Noise std of the Gaussian mechanism for L2 `sensitivity` at (`epsilon`, `delta`).

    * ``"classic"``: ``sigma = sensitivity * sqrt(2 ln(1.25 / delta)) / epsilon`` (Dwork & Roth,
      Theorem A.1), proven only for epsilon < 1: refused outside.
    * ``"analytic"``: the smallest sigma with exactly (epsilon, delta)-DP (Balle & Wang 2018,
      the analytic Gaussian mechanism), valid for every epsilon > 0 and never larger.

    Raises:
        ValueError: non-positive sensitivity or epsilon, delta outside (0, 1), classic with epsilon >= 1.
    """
    _check(sensitivity, epsilon, delta)
    if method == "classic":
        if epsilon >= 1:
            raise ArgumentError(f"The classic Gaussian mechanism is proven only for epsilon < 1. Received: "
                             f"epsilon={epsilon}. Use method='analytic'.")
        return float(sensitivity * math.sqrt(2 * math.log(1.25 / delta)) / epsilon)
    if method != "analytic":
        raise ArgumentError(f'`method` must be "analytic" or "classic". Received: {method!r}')
    from scipy.optimize import brentq

    lo, hi = 1e-6 * sensitivity, sensitivity
    while _analytic_delta(hi, sensitivity, epsilon) > delta:
        hi *= 2
    return float(brentq(lambda s: _analytic_delta(s, sensitivity, epsilon) - delta, lo, hi, xtol=1e-12, rtol=1e-12))


def gaussian_mechanism(value, sensitivity: float, epsilon: float, delta: float, *,
                       method: Literal["analytic", "classic"] = "analytic", seed: int | None = None):
    """Release `value` (a number or array) with N(0, sigma^2) noise from :func:`gaussian_sigma`.

    Returns:
        The noisy value, same shape as `value` (a float for a scalar).
    """
    sigma = gaussian_sigma(sensitivity, epsilon, delta, method)
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ArgumentError("`value` must be finite")
    noisy = arr + np.random.default_rng(seed).normal(0.0, sigma, size=arr.shape)
    return float(noisy) if noisy.ndim == 0 else noisy
