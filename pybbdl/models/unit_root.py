"""Unit-root tests that choose the number of differences of an ARIMA (as R's ``forecast::ndiffs``).

Its own module so that the ARIMA model classes (:mod:`pybbdl.models.arima`) and the order search
(:mod:`pybbdl.models.arima_order`) can both use it without importing each other.
"""

from __future__ import annotations

import warnings

import numpy as np


def number_of_differences(y: np.ndarray, *, max_d: int = 2, alpha: float = 0.05) -> int:
    """Differences needed for stationarity by repeated KPSS tests (as R's ``forecast::ndiffs``)."""
    from statsmodels.tsa.stattools import kpss

    d, x = 0, np.asarray(y, dtype=float)
    while d < max_d and len(x) > 10 and np.ptp(x) > 0:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # p-values outside the table are clipped, with a warning
            # lags as R's forecast::ndiffs (ur.kpss(use.lag = trunc(3 * sqrt(n) / 13)))
            pvalue = kpss(x, regression="c", nlags=max(1, int(3 * np.sqrt(len(x)) / 13)))[1]
        if pvalue >= alpha:
            break
        x = np.diff(x)
        d += 1
    return d


__all__ = ["number_of_differences"]
