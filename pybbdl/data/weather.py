"""The Jena climate record (Max Planck Institute for Biogeochemistry), as in Deep Learning with R §6.3.

Three sources are understood:

* the Keras CSV ``jena_climate_2009_2016.csv`` (10-minute steps, 420,551 rows, ``Date Time``
  as ``%d.%m.%Y %H:%M:%S`` and 14 numeric columns), plain, ``.zip`` or ``.gz``; with no path it
  is downloaded once from :data:`JENA_URL` into a cache and checked;
* an hourly ``.npz`` subset with arrays ``X`` (rows x variables), ``dates`` and ``cols``
  (the shape of ``../shared/data/jena_hourly_2009_2016_6vars_subset.npz``).
"""

from __future__ import annotations

import io
import os
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from pybbdl._validation import check_time_index
from pybbdl.exceptions import DataError, DatasetUnavailableError

JENA_URL = "https://s3.amazonaws.com/keras-datasets/jena_climate_2009_2016.csv.zip"
JENA_FILENAME = "jena_climate_2009_2016.csv"
JENA_DATE_FORMAT = "%d.%m.%Y %H:%M:%S"
#: The 15 columns of the Keras CSV, in file order.
JENA_COLUMNS = (
    "Date Time", "p (mbar)", "T (degC)", "Tpot (K)", "Tdew (degC)", "rh (%)", "VPmax (mbar)",
    "VPact (mbar)", "VPdef (mbar)", "sh (g/kg)", "H2OC (mmol/mol)", "rho (g/m**3)", "wv (m/s)",
    "max. wv (m/s)", "wd (deg)",
)
#: What a complete download must hold (no checksum is published for the archive).
JENA_EXPECTED_ROWS = 420_551
JENA_FIRST_STAMP = "01.01.2009 00:10:00"
#: Wind-speed columns whose -9999 sentinels are replaced by 0 m/s (as TensorFlow's tutorial does).
_WIND_COLUMNS = ("wv (m/s)", "max. wv (m/s)")


def default_cache_dir() -> Path:
    """``$PYBBDL_CACHE``, else ``$XDG_CACHE_HOME/pybbdl``, else ``~/.cache/pybbdl``."""
    if os.environ.get("PYBBDL_CACHE"):
        return Path(os.environ["PYBBDL_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "pybbdl"


def jena_climate(
    path: str | os.PathLike | None = None,
    *,
    cache_dir: str | os.PathLike | None = None,
    url: str = JENA_URL,
    download: bool = True,
) -> pd.DataFrame:
    """Load the Jena climate record as a DataFrame with a ``DatetimeIndex``.

    Args:
        path: A local ``jena_climate_2009_2016.csv`` (plain, ``.zip`` or ``.gz``) or an hourly
            ``.npz`` subset. Default: the cached download.
        cache_dir: Where the download is kept; see :func:`default_cache_dir`.
        url: Archive to download when ``path`` is None and the cache is empty.
        download: If False, never touch the network.

    Returns:
        Numeric columns with units in their names (``T (degC)``, ``p (mbar)``, ...), indexed
        by ``Date Time``. The -9999 wind-speed sentinels are replaced by 0.0 m/s.

    Raises:
        DatasetUnavailableError: no local file and the download failed (offline, say); the
            message says how to pass a local file.
        DataError: the file is not in the expected format.
    """
    if path is not None:
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"Jena climate file not found: {str(path)!r}")
        if path.suffix == ".npz":
            return _read_npz_subset(path)
        return read_keras_jena_csv(path)

    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    cached = cache / JENA_FILENAME
    if not cached.exists():
        if not download:
            raise DatasetUnavailableError(_offline_message(cached, "download=False"))
        _download_jena(url, cached)
    return read_keras_jena_csv(cached)


def read_keras_jena_csv(source: str | os.PathLike | io.IOBase) -> pd.DataFrame:
    """Parse the Keras Jena CSV format (see module docstring); checks its 15 columns."""
    source_name = str(source)
    if isinstance(source, (str, os.PathLike)) and str(source).endswith(".zip"):
        with zipfile.ZipFile(source) as zf:
            names = [n for n in zf.namelist() if n.endswith(".csv") and not n.startswith("__MACOSX")]
            if not names:
                raise DataError(f"No .csv inside {source_name!r}")
            with zf.open(names[0]) as fh:
                raw = pd.read_csv(fh)
    else:
        raw = pd.read_csv(source)
    if tuple(raw.columns) != JENA_COLUMNS:
        raise DataError(
            f"{source_name!r} is not a Keras Jena climate CSV: expected the 15 columns "
            f"{list(JENA_COLUMNS)}, found {list(raw.columns)}"
        )
    try:
        stamps = pd.to_datetime(raw["Date Time"], format=JENA_DATE_FORMAT)
    except ValueError as err:
        raise DataError(f"`Date Time` in {source_name!r} must be like {JENA_FIRST_STAMP!r}: {err}") from None
    frame = raw.drop(columns=["Date Time"]).astype(np.float64)
    frame.index = pd.DatetimeIndex(stamps, name="Date Time")
    for col in _WIND_COLUMNS:
        frame.loc[frame[col] == -9999.0, col] = 0.0
    frame.attrs["source"] = "Max Planck Institute for Biogeochemistry, Jena (Keras archive)"
    return frame


def _read_npz_subset(path: Path) -> pd.DataFrame:
    with np.load(path, allow_pickle=False) as npz:
        missing = {"X", "dates", "cols"} - set(npz.files)
        if missing:
            raise DataError(f"{str(path)!r} lacks array(s) {sorted(missing)}; expected X, dates, cols")
        X, dates, cols = npz["X"], npz["dates"], [str(c) for c in npz["cols"]]
    if X.ndim != 2 or X.shape != (len(dates), len(cols)):
        raise DataError(f"{str(path)!r}: X has shape {X.shape}, dates {len(dates)}, cols {len(cols)}")
    frame = pd.DataFrame(X.astype(np.float64), columns=cols, index=pd.DatetimeIndex(dates, name="Date Time"))
    check_time_index(frame.index)
    frame.attrs["source"] = f"hourly subset {path.name}"
    return frame


def _offline_message(cached: Path, why: str) -> str:
    return (
        f"The Jena climate CSV is not cached at {str(cached)!r} and could not be downloaded ({why}). "
        f"Download {JENA_URL} elsewhere and pass it: jena_climate(path='jena_climate_2009_2016.csv.zip') "
        "(R: jena_climate(path = ...); CLI: --data-path ...)."
    )


def _download_jena(url: str, dest: Path) -> None:
    """Fetch the archive, check it, and move the CSV into place atomically."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        with urllib.request.urlopen(url, timeout=60) as resp:
            payload = resp.read()
    except (urllib.error.URLError, OSError) as err:
        raise DatasetUnavailableError(_offline_message(dest, f"{type(err).__name__}: {err}")) from err
    try:
        with zipfile.ZipFile(io.BytesIO(payload)) as zf:
            names = [n for n in zf.namelist() if n.endswith(JENA_FILENAME) and "__MACOSX" not in n]
            if not names:
                raise DataError(f"The archive from {url} holds no {JENA_FILENAME}: {zf.namelist()}")
            csv_bytes = zf.read(names[0])
    except zipfile.BadZipFile as err:
        raise DataError(f"The download from {url} is not a zip archive ({len(payload)} bytes)") from err
    frame_head = pd.read_csv(io.BytesIO(csv_bytes), usecols=[0])
    verify_jena_download(frame_head.iloc[:, 0], columns=tuple(pd.read_csv(io.BytesIO(csv_bytes), nrows=0).columns))
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".jena-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(csv_bytes)
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def verify_jena_download(stamps: pd.Series, columns: tuple[str, ...]) -> None:
    """Check what arrived: the row count, the 15 columns and the first stamp."""
    problems = []
    if len(stamps) != JENA_EXPECTED_ROWS:
        problems.append(f"{len(stamps)} rows instead of {JENA_EXPECTED_ROWS}")
    if columns != JENA_COLUMNS:
        problems.append(f"columns {list(columns)}")
    if len(stamps) and str(stamps.iloc[0]) != JENA_FIRST_STAMP:
        problems.append(f"first stamp {stamps.iloc[0]!r} instead of {JENA_FIRST_STAMP!r}")
    if problems:
        raise DataError("The downloaded Jena climate CSV failed its checks: " + "; ".join(problems))
