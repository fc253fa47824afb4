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
