"""Test machinery: the pybbdl R package installed into a temp library and driven from pytest.

Used by the ``r_pybbdl`` fixture of ``conftest.py``. R runs embedded in this Python process
(rpy2), and R's calls into Python (reticulate) run in this very interpreter, so R and Python
results can be compared object for object. Not part of the library: ``pybbdl.interop_r`` is the
library's bridge to R (conversions, ``auto_arima``, ``dm_test``).
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from pybbdl.interop_r import _robjects

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
    # the embedded R hands this module (the same object: one interpreter) an R function
    ro.r(f'reticulate::py_set_attr(reticulate::import("{__name__}"), "_r_evaluate", reticulate::r_to_py('
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
