"""Shared bits of the benchmark scripts: where the real data lives, and the machine description."""

import os
import platform
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("PYBBDL_SHARED_DATA", REPO.parent / "shared" / "data"))
JENA_HOURLY = SHARED_DATA / "jena_hourly_2009_2016_6vars_subset.npz"
sys.path.insert(0, str(REPO / "tests" / "python"))  # the literal book ports live with the tests


def machine() -> str:
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        mem = float("nan")
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}"


def require(path: Path) -> Path:
    if not path.exists():
        raise SystemExit(f"needs {path} (the shared real data folder beside the repo)")
    return path
