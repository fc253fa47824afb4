"""Checks of DP-SGD's settings shared by the accountant, DP-SGD, the GAN and the workflows (no TensorFlow)."""

from __future__ import annotations

import math
import warnings

from pybbdl.exceptions import ArgumentError


def _as_float(value) -> float:
    if isinstance(value, (bool, str, bytes)):  # "1" is text, not a number: refuse rather than guess
        return math.nan
    try:
        return float(value)  # Python and numpy numbers (float32 included), 0-d arrays
    except (TypeError, ValueError):
        return math.nan


def check_l2_norm_clip(l2_norm_clip, name: str = "l2_norm_clip") -> float:
    """The clipping norm C must be a finite number > 0. C = inf means no clipping: the sensitivity is
    unbounded and no epsilon holds, so it is refused (it also trains to NaN)."""
    value = _as_float(l2_norm_clip)
    if not (math.isfinite(value) and value > 0):
        raise ArgumentError(f"`{name}` (the clipping norm C) must be a finite number > 0: without a finite C no "
                            f"epsilon holds. Received: {name}={l2_norm_clip!r}")
    return value


def check_noise(noise_multiplier, name: str = "noise_multiplier", *, allow_zero: bool = False) -> float:
    """sigma must be a finite number > 0 (>= 0 with `allow_zero`, for tests of the mechanics only)."""
    value = _as_float(noise_multiplier)
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise ArgumentError(f"`{name}` (sigma) must be a finite number > 0: sigma = 0 trains without privacy. "
                            f"Received: {name}={noise_multiplier!r}")
    return value


def renamed(old: str, new: str, old_value, new_value, *, stacklevel: int = 3):
    """Resolve a deprecated argument name: warn when `old` is used; refuse both at once."""
    if old_value is None:
        return new_value
    warnings.warn(f"`{old}` is deprecated: use `{new}`", DeprecationWarning, stacklevel=stacklevel)
    if new_value is not None:
        raise ArgumentError(f"Give `{new}` only (`{old}` is its deprecated name). Received both.")
    return old_value
