"""Calls into R through rpy2 (optional extra ``pybbdl[r]``): data conversions, R's forecast package.

Every conversion happens inside a ``localconverter`` block here; timestamps cross as UTC.
Importing this module does not start R; the first call does, and fails with the install line if
R or rpy2 is missing. (The machinery that drives the pybbdl R package from pytest lives with the
tests, in ``tests/python/r_fixture.py``.)
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from pybbdl.exceptions import ArgumentError

_INSTALL = ("R and rpy2 are needed: `make test` installs them on Debian (r-base-core, r-cran-forecast), "
            "or `apt-get install r-base-core r-cran-forecast && pip install 'pybbdl[r]'`.")


def r_available() -> bool:
    """True when rpy2 imports and an embedded R starts."""
    try:
        _robjects()
    except ImportError:
        return False
    return True


@functools.cache
def _robjects():
    try:
        import rpy2.robjects as ro
    except Exception as err:  # rpy2 raises various errors when R itself is missing
        raise ImportError(f"{_INSTALL} ({type(err).__name__}: {err})") from err
    return ro


def _package(name: str):
    from rpy2.robjects.packages import PackageNotInstalledError, importr

    try:
        return importr(name)
    except PackageNotInstalledError as err:
        raise ImportError(f"The R package {name!r} is not installed. {_INSTALL}") from err


def to_r_ts(series, *, frequency: float = 1.0, start: float | tuple[int, int] = 1.0):
    """A numeric pandas Series / array as an R ``ts`` object."""
    ro = _robjects()
    values = np.asarray(series, dtype=float)
    if values.ndim != 1:
        raise ValueError(f"`series` must be 1-D. Received shape {values.shape}")
    start_r = ro.FloatVector(list(start)) if isinstance(start, tuple) else ro.FloatVector([start])
    return ro.r["ts"](ro.FloatVector(values), start=start_r, frequency=float(frequency))


def from_r_ts(obj) -> pd.Series:
    """An R ``ts`` as a Series; the index is R's ``time()`` (decimal years for frequency 4 or 12)."""
    ro = _robjects()
    # copies: np.asarray would view the memory of temporary R vectors, which R's next garbage
    # collection frees and reuses (the series then changes under the caller's feet)
    values = np.array(ro.r["as.numeric"](obj), dtype=float, copy=True)
    times = np.array(ro.r["as.numeric"](ro.r["time"](obj)), dtype=float, copy=True)
    return pd.Series(values, index=pd.Index(times, name="time"))


def r_dataset(name: str, package: str = "datasets") -> pd.Series | pd.DataFrame:
    """An R data set: a ``ts`` as a Series (see :func:`from_r_ts`), a data.frame as a DataFrame."""
    ro = _robjects()
    _package(package)
    obj = ro.r(f"{package}::{name}")
    if "ts" in list(ro.r["class"](obj)):
        return from_r_ts(obj)
    return r_to_frame(obj)


def frame_to_r(frame: pd.DataFrame):
    """A pandas DataFrame as an R data.frame (datetimes as UTC POSIXct)."""
    ro = _robjects()
    from rpy2.robjects import pandas2ri
    from rpy2.robjects.conversion import localconverter

    frame = frame.copy()
    for col in frame.columns:
        if isinstance(frame[col].dtype, pd.DatetimeTZDtype):
            frame[col] = frame[col].dt.tz_convert("UTC")
        elif pd.api.types.is_datetime64_dtype(frame[col]):
            frame[col] = frame[col].dt.tz_localize("UTC")
    with localconverter(ro.default_converter + pandas2ri.converter):
        return ro.conversion.py2rpy(frame)


def r_to_frame(obj) -> pd.DataFrame:
    """An R data.frame as a pandas DataFrame."""
    ro = _robjects()
    from rpy2.robjects import pandas2ri
    from rpy2.robjects.conversion import localconverter

    with localconverter(ro.default_converter + pandas2ri.converter):
        frame = ro.conversion.rpy2py(obj)
    # a deep copy, for the reason in from_r_ts: numeric columns may view R's memory
    return frame.copy(deep=True)


def auto_arima(series, *, frequency: float = 1.0, h: int = 0, stepwise: bool = True,
               approximation: bool | None = None, seasonal: bool = True, xreg=None, max_p: int | None = None,
               max_q: int | None = None) -> dict:
    """R's ``forecast::auto.arima`` on a series; returns what it chose and its forecasts.

    `xreg` (a 2-D array, one row per value of `series`) are regressors (regression with ARIMA
    errors); forecasts then need their future values, so ``h`` must be 0. `max_p`, `max_q`: R's
    ``max.p``, ``max.q`` (None = R's defaults).

    Returns:
        ``{"order": (p, d, q), "seasonal_order": (P, D, Q, m), "aicc": float, "coef": {name: value},
        "forecast": array of length h}``.
    """
    ro = _robjects()
    forecast = _package("forecast")
    y = to_r_ts(series, frequency=frequency)
    kwargs = {"stepwise": stepwise, "seasonal": seasonal}
    if approximation is not None:
        kwargs["approximation"] = approximation
    for key, value in (("max.p", max_p), ("max.q", max_q)):
        if value is not None:
            kwargs[key] = int(value)
    if xreg is not None:
        if h:
            raise ArgumentError("auto_arima(xreg=...) forecasts need future regressor values: use h=0.")
        x = np.asarray(xreg, dtype=float)
        x = x.reshape(len(x), -1)
        kwargs["xreg"] = ro.r["matrix"](ro.FloatVector(x.ravel(order="F")), nrow=x.shape[0], ncol=x.shape[1])
    fit = forecast.auto_arima(y, **kwargs)
    arma = [int(v) for v in fit.rx2("arma")]  # p, q, P, Q, m, d, D
    coef = fit.rx2("coef")
    out = {"order": (arma[0], arma[5], arma[1]), "seasonal_order": (arma[2], arma[6], arma[3], arma[4]),
           "aicc": float(fit.rx2("aicc")[0]),
           "coef": dict(zip(list(ro.r["names"](coef)), (float(v) for v in coef))) if len(coef) else {},
           "forecast": np.array([])}
    if h:
        out["forecast"] = np.array(ro.r("forecast::forecast")(fit, h=int(h)).rx2("mean"), dtype=float, copy=True)
    return out


def dm_test(e1, e2, *, h: int = 1, power: int = 2, varestimator: str = "acf") -> tuple[float, float]:
    """R's ``forecast::dm.test(e1, e2, h, power, varestimator)``: ``(statistic, p_value)``."""
    ro = _robjects()
    forecast = _package("forecast")
    res = forecast.dm_test(ro.FloatVector(np.asarray(e1, float)), ro.FloatVector(np.asarray(e2, float)),
                           h=int(h), power=int(power), varestimator=varestimator)
    return float(res.rx2("statistic")[0]), float(res.rx2("p.value")[0])
