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


@pytest.fixture(scope="session")
def r_pybbdl(tmp_path_factory):
    """The R package of this repository, installed in a temp library and loaded in an embedded R
    whose Python (reticulate) is this interpreter. Skips when R, rpy2 or reticulate is missing."""
    interop = pytest.importorskip("pybbdl.interop_r")
    if not interop.r_available():
        pytest.skip("R/rpy2 not available")
    ro = interop._robjects()
    if not ro.r('isTRUE(requireNamespace("reticulate", quietly = TRUE))')[0]:
        pytest.skip("the R package reticulate is not installed (r-cran-reticulate)")
    if not (REPO / "DESCRIPTION").exists():
        pytest.skip("no R package at the repository root")
    yield interop.r_package(REPO, tmp_path_factory.mktemp("rlib"))
    # Free what the tests left on both sides while both interpreters are alive, so that no R
    # finalizer of a Python object runs during Python's own shutdown.
    import gc

    ro.r("rm(list = ls(globalenv()))")
    gc.collect()
    ro.r("invisible(gc())")
