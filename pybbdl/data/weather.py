"""The Jena climate record (Max Planck Institute for Biogeochemistry), as in Deep Learning with R §6.3.

Three sources are understood:

* the Keras CSV ``jena_climate_2009_2016.csv`` (10-minute steps, 420,551 rows, ``Date Time``
  as ``%d.%m.%Y %H:%M:%S`` and 14 numeric columns), plain, ``.zip`` or ``.gz``; with no path it
  is downloaded once from :data:`JENA_URL` into a cache and checked;
* an hourly ``.npz`` subset with arrays ``X`` (rows x variables), ``dates`` and ``cols``
  (the shape of ``../shared/data/jena_hourly_2009_2016_6vars_subset.npz``).
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from pybbdl._validation import check_time_index
from pybbdl.exceptions import ArgumentError, DataError, DatasetUnavailableError

JENA_URL = "https://s3.amazonaws.com/keras-datasets/jena_climate_2009_2016.csv.zip"
JENA_FILENAME = "jena_climate_2009_2016.csv"
JENA_DATE_FORMAT = "%d.%m.%Y %H:%M:%S"
#: The 15 columns of the Keras CSV, in file order.
JENA_COLUMNS = (
    "Date Time", "p (mbar)", "T (degC)", "Tpot (K)", "Tdew (degC)", "rh (%)", "VPmax (mbar)",
    "VPact (mbar)", "VPdef (mbar)", "sh (g/kg)", "H2OC (mmol/mol)", "rho (g/m**3)", "wv (m/s)",
    "max. wv (m/s)", "wd (deg)",
)
#: SHA-256 of the archive at JENA_URL. None: no hash published by Keras/TensorFlow could be found
#: (their tutorials call get_file without file_hash), so a download is checked by its size, its
#: 15 columns, 420,551 rows and first stamp instead, and its SHA-256 is printed into
#: ``<cache>/jena_climate_2009_2016.csv.sha256``. Pass ``expected_sha256=`` to pin it.
JENA_SHA256: str | None = None
#: Size limits checked before anything is decompressed or parsed. The archive is 13,568,290 bytes
#: (TensorFlow's time-series tutorial prints it); its CSV about 43 MB.
JENA_ZIP_MAX_BYTES = 50 * 2**20
JENA_CSV_MAX_BYTES = 100 * 2**20
#: What a complete download must hold.
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
    expected_sha256: str | None = JENA_SHA256,
) -> pd.DataFrame:
    """Load the Jena climate record as a DataFrame with a ``DatetimeIndex``.

    Args:
        path: A local ``jena_climate_2009_2016.csv`` (plain, ``.zip`` or ``.gz``) or an hourly
            ``.npz`` subset. Default: the cached download.
        cache_dir: Where the download is kept; see :func:`default_cache_dir`.
        url: Archive to download when ``path`` is None and the cache is empty: an ``https://``
            URL or a local file (path or ``file://``); ``http://`` and other schemes are refused.
        download: If False, never touch the network.
        expected_sha256: Hex SHA-256 the downloaded archive must have (default
            :data:`JENA_SHA256`); ``None`` records the hash beside the cache instead.

    Returns:
        Numeric columns with units in their names (``T (degC)``, ``p (mbar)``, ...), indexed
        by ``Date Time``. The -9999 wind-speed sentinels are replaced by 0.0 m/s.

    Raises:
        DatasetUnavailableError: no local file and the download failed (offline, say); the
            message says how to pass a local file.
        ArgumentError: a `url` that is not https or local.
        DataError: the file is not in the expected format, an archive or CSV above the size
            limits, a download whose SHA-256 differs from `expected_sha256`.
    """
    if path is not None:
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"Jena climate file not found: {str(path)!r}")
        if path.suffix == ".npz":
            return _read_npz_subset(path)
        return read_keras_jena_csv(path)

    url = check_download_url(url)
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    cached = cache / JENA_FILENAME
    if not cached.exists():
        if not download:
            raise DatasetUnavailableError(_offline_message(cached, "download=False"))
        _download_jena(url, cached, expected_sha256)
    return read_keras_jena_csv(cached)


def read_keras_jena_csv(source: str | os.PathLike | io.IOBase) -> pd.DataFrame:
    """Parse the Keras Jena CSV format (see module docstring); checks its 15 columns."""
    source_name = str(source)
    if isinstance(source, (str, os.PathLike)) and str(source).endswith(".zip"):
        try:
            with zipfile.ZipFile(source) as zf, zf.open(_csv_member(zf, source_name, ".csv")) as fh:
                raw = pd.read_csv(fh)
        except zipfile.BadZipFile as err:
            raise DataError(f"{source_name!r} must be a zip archive. Received: {err}") from None
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


def check_download_url(url: str) -> str:
    """An ``https://`` or ``file://`` URL; a local path becomes a ``file://`` URL; anything else is refused.

    Plain ``http://`` is refused: a download that anyone on the path can replace is not data to trust.
    """
    if not isinstance(url, (str, os.PathLike)):
        raise ArgumentError(f"`url` must be an https:// URL or a local file. Received: {url!r}")
    url = os.fspath(url)
    scheme = urllib.parse.urlparse(url).scheme.lower()
    if scheme in ("https", "file"):
        return url
    if scheme == "" or (len(scheme) == 1 and os.name == "nt"):  # a path (or a Windows drive letter)
        return Path(url).resolve().as_uri()
    raise ArgumentError(f"`url` must be an https:// URL or a local file. Received: url={url!r} "
                        f"(scheme {scheme!r}; plain http can be tampered with on the way).")


def _csv_member(zf: zipfile.ZipFile, source: str, suffix: str) -> zipfile.ZipInfo:
    """The archive's CSV member, after checking its declared size against :data:`JENA_CSV_MAX_BYTES`."""
    members = [i for i in zf.infolist() if i.filename.endswith(suffix) and "__MACOSX" not in i.filename]
    if not members:
        raise DataError(f"The archive {source} must hold a {suffix} file. Received: {zf.namelist()[:10]}")
    info = members[0]
    if info.file_size > JENA_CSV_MAX_BYTES:
        raise DataError(f"The archive {source} must hold a CSV of at most {JENA_CSV_MAX_BYTES:,} bytes uncompressed. "
                        f"Received: {info.filename} of {info.file_size:,} bytes; it is not the Jena climate file.")
    return info


def _download_jena(url: str, dest: Path, expected_sha256: str | None = None) -> None:
    """Fetch the archive, check its size, hash and contents, and move the CSV into place atomically."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        with urllib.request.urlopen(url, timeout=60) as resp:
            declared = (getattr(resp, "headers", None) or {}).get("Content-Length") or "0"
            too_big = declared.isdigit() and int(declared) > JENA_ZIP_MAX_BYTES
            payload = b"" if too_big else resp.read(JENA_ZIP_MAX_BYTES + 1)  # never more than the limit
    except (urllib.error.URLError, OSError) as err:
        raise DatasetUnavailableError(_offline_message(dest, f"{type(err).__name__}: {err}")) from err
    if too_big or len(payload) > JENA_ZIP_MAX_BYTES:
        raise DataError(f"The download from {url} must be at most {JENA_ZIP_MAX_BYTES:,} bytes (the Jena archive is "
                        "13,568,290). Received: more; nothing was kept.")
    digest = hashlib.sha256(payload).hexdigest()
    if expected_sha256 is not None and digest != expected_sha256.strip().lower():
        raise DataError(f"The download from {url} must have SHA-256 {expected_sha256}. Received: {digest} "
                        f"({len(payload):,} bytes); nothing was kept.")
    try:
        with zipfile.ZipFile(io.BytesIO(payload)) as zf:
            csv_bytes = zf.read(_csv_member(zf, f"from {url}", JENA_FILENAME))
    except zipfile.BadZipFile as err:
        raise DataError(f"The download from {url} is not a zip archive ({len(payload)} bytes)") from err
    frame_head = pd.read_csv(io.BytesIO(csv_bytes), usecols=[0])
    verify_jena_download(frame_head.iloc[:, 0], columns=tuple(pd.read_csv(io.BytesIO(csv_bytes), nrows=0).columns))
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".jena-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(csv_bytes)
        os.replace(tmp, dest)
        (dest.parent / (dest.name + ".sha256")).write_text(f"{digest}  {url}\n")
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
