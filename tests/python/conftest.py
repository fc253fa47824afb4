import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = Path(os.environ.get("PYBBDL_SHARED_DATA", REPO.parent / "shared" / "data"))
JENA_HOURLY = SHARED_DATA / "jena_hourly_2009_2016_6vars_subset.npz"


@pytest.fixture
def jena_hourly_path():
    if not JENA_HOURLY.exists():
        pytest.skip(f"real data not available: {JENA_HOURLY} is absent")
    return JENA_HOURLY


@pytest.fixture(scope="module")
def r_pybbdl(tmp_path_factory):
    """The R package of this repository, installed in a temp library and loaded in an embedded R
    whose Python (reticulate) is this interpreter: ``r_pybbdl("macro_data()")`` evaluates R code
    (see ``r_fixture.RPackage``). Skips when R, rpy2 or reticulate is missing."""
    interop = pytest.importorskip("pybbdl.interop_r")
    if not interop.r_available():
        pytest.skip("R/rpy2 not available")
    ro = interop._robjects()
    if not ro.r('isTRUE(requireNamespace("reticulate", quietly = TRUE))')[0]:
        pytest.skip("the R package reticulate is not installed (r-cran-reticulate)")
    if not (REPO / "DESCRIPTION").exists():
        pytest.skip("no R package at the repository root")
    from r_fixture import r_package

    package = r_package(REPO, tmp_path_factory.mktemp("rlib"))
    _EMBEDDED_R_WITH_PYTHON.append(package("tempdir()"))
    yield package
    # Finalize the module's Python objects now, while this thread holds the GIL: a later R garbage
    # collection inside an rpy2 call (which releases the GIL) would crash on them.
    package("rm(list = ls(globalenv()))")
    package.collect()


# A process in which reticulate has started inside rpy2's embedded R can crash while Python
# shuts down (R finalizers of Python objects run against a finalizing interpreter: SIGSEGV or
# SIGABRT after every test has passed). When the fixture above ran, the session therefore ends
# with os._exit(exit status) once pytest has written its report, after removing R's temp folder.
_EMBEDDED_R_WITH_PYTHON: list[str] = []


def pytest_sessionfinish(session, exitstatus):
    session.config.stash[_EXIT_STATUS] = int(exitstatus)


_EXIT_STATUS = pytest.StashKey[int]()


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    if not _EMBEDDED_R_WITH_PYTHON:
        return
    import shutil
    import sys

    for folder in _EMBEDDED_R_WITH_PYTHON:
        shutil.rmtree(folder, ignore_errors=True)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(config.stash.get(_EXIT_STATUS, 1))
