"""Calls into R through rpy2 (optional extra ``pybbdl[r]``): data conversions, R's forecast package.

Every conversion happens inside a ``localconverter`` block here; timestamps cross as UTC.
Importing this module does not start R; the first call does, and fails with the install line if
R or rpy2 is missing.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

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
    values = np.asarray(ro.r["as.numeric"](obj), dtype=float)
    times = np.asarray(ro.r["as.numeric"](ro.r["time"](obj)), dtype=float)
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
        return ro.conversion.rpy2py(obj)


def auto_arima(series, *, frequency: float = 1.0, h: int = 0, stepwise: bool = True,
               approximation: bool | None = None, seasonal: bool = True) -> dict:
    """R's ``forecast::auto.arima`` on a series; returns what it chose and its forecasts.

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
    fit = forecast.auto_arima(y, **kwargs)
    arma = [int(v) for v in fit.rx2("arma")]  # p, q, P, Q, m, d, D
    coef = fit.rx2("coef")
    out = {"order": (arma[0], arma[5], arma[1]), "seasonal_order": (arma[2], arma[6], arma[3], arma[4]),
           "aicc": float(fit.rx2("aicc")[0]),
           "coef": dict(zip(list(ro.r["names"](coef)), (float(v) for v in coef))) if len(coef) else {},
           "forecast": np.array([])}
    if h:
        out["forecast"] = np.asarray(ro.r("forecast::forecast")(fit, h=int(h)).rx2("mean"), dtype=float)
    return out


def dm_test(e1, e2, *, h: int = 1, power: int = 2, varestimator: str = "acf") -> tuple[float, float]:
    """R's ``forecast::dm.test(e1, e2, h, power, varestimator)``: ``(statistic, p_value)``."""
    ro = _robjects()
    forecast = _package("forecast")
    res = forecast.dm_test(ro.FloatVector(np.asarray(e1, float)), ro.FloatVector(np.asarray(e2, float)),
                           h=int(h), power=int(power), varestimator=varestimator)
    return float(res.rx2("statistic")[0]), float(res.rx2("p.value")[0])


#: What `R CMD build` keeps of the repository root (the rest is the Python side, see .Rbuildignore).
R_PACKAGE_FILES = ("DESCRIPTION", "NAMESPACE", "LICENSE", "R", "man")


class RPackage:
    """An R package loaded in the embedded R; calling it evaluates R code with the package attached.

    ``pkg("dp_epsilon(60000, 256, 1.1, 60, 1e-5)")`` returns the value converted by reticulate
    (numbers, numpy arrays, pandas DataFrames for data frames, lists); keyword arguments are
    assigned in R's global environment first (``pkg("generator(x, ...)()", x=array)``). An R
    error is raised as ``RuntimeError`` carrying R's message.

    The code runs through a reticulate callback, so this thread holds the GIL throughout. rpy2's
    own calls release it, and an R garbage collection during such a call would run reticulate's
    finalizers (``Py_DecRef``) without it and crash (R 4.2, reticulate 1.28, rpy2 3.6).
    """

    def __init__(self, name: str, evaluate):
        self.name = name
        self._evaluate = evaluate

    def __call__(self, code: str, **values):
        return self._evaluate(code, values)

    def collect(self) -> None:
        """R's ``gc()``, so that finalizers of unreachable Python objects run now, GIL held."""
        self._evaluate("invisible(gc())", {})

    def __repr__(self) -> str:
        return f"RPackage({self.name!r})"


def r_package(source: str | os.PathLike, lib: str | os.PathLike, *, name: str = "pybbdl") -> RPackage:
    """Install the R package at `source` into the library folder `lib` and load it in the embedded R.

    This is how pytest drives the R package (the ``r_pybbdl`` fixture of ``tests/python``): R's
    calls into Python run in *this* interpreter (reticulate uses the process it is embedded in),
    so R and Python results can be compared object for object. Only the package's own files
    (:data:`R_PACKAGE_FILES`) are copied and installed with ``R CMD INSTALL``, so the
    repository's ``.venv`` is never copied.

    Once reticulate runs inside the embedded R, R's regular shutdown (rpy2's ``endr`` at exit)
    crashes in ``Rf_endEmbeddedR``; it is replaced by removing R's temp folder at exit. Python's
    own shutdown can still crash in such a process (R finalizers of Python objects), so a
    long-running caller should end with ``os._exit()``, as ``tests/python/conftest.py`` does.

    Returns:
        An :class:`RPackage`.

    Raises:
        ImportError: R or rpy2 missing (with the install line).
        FileNotFoundError: `source` holds no R package.
        RuntimeError: ``R CMD INSTALL`` failed (its output is in the message).
    """
    ro = _robjects()

    source, lib = Path(source), Path(lib)
    missing = [f for f in R_PACKAGE_FILES if not (source / f).exists()]
    if missing:
        raise FileNotFoundError(f"{str(source)!r} is not an R package source: {missing} missing")
    lib.mkdir(parents=True, exist_ok=True)
    r_bin = str(ro.r('file.path(R.home("bin"), "R")')[0])
    with tempfile.TemporaryDirectory() as tmp:
        stage = Path(tmp) / name
        stage.mkdir()
        for entry in R_PACKAGE_FILES:
            src = source / entry
            (shutil.copytree if src.is_dir() else shutil.copy2)(src, stage / entry)
        out = subprocess.run([r_bin, "CMD", "INSTALL", "--no-test-load", "-l", str(lib), str(stage)],
                             capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"R CMD INSTALL failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    _end_r_without_finalizers()
    ro.r(f'suppressWarnings(library({name}, lib.loc = "{lib.as_posix()}"))')
    # reticulate hands this module an R function as a Python callable (see RPackage)
    ro.r('reticulate::py_set_attr(reticulate::import("pybbdl.interop_r"), "_r_evaluate", reticulate::r_to_py('
         'function(code, values) { for (n in names(values)) assign(n, values[[n]], envir = globalenv()); '
         'eval(parse(text = code), envir = globalenv()) }, convert = TRUE))')
    global _r_evaluate
    evaluate, _r_evaluate = _r_evaluate, None
    return RPackage(name, evaluate)


_r_evaluate = None
@functools.cache
def _end_r_without_finalizers() -> None:
    """Replace rpy2's R shutdown at exit by removing R's temp folder (see :func:`r_package`)."""
    ro = _robjects()
    from rpy2.rinterface_lib import embedded

    tmp = str(ro.r("tempdir()")[0])
    atexit.unregister(embedded.endr)
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
