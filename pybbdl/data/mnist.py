"""MNIST from the four standard IDX files (LeCun, Cortes & Burges).

A folder holding ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``
and ``t10k-labels-idx1-ubyte`` (each plain or ``.gz``) is read directly. With no folder the files are
downloaded once from :data:`MNIST_URL` into the cache and each decompressed file is checked against
its well-known md5 (:data:`MNIST_MD5`) before it is kept.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import Literal, NamedTuple

import numpy as np

from pybbdl.data.weather import default_cache_dir
from pybbdl.exceptions import ArgumentError, DataError, DatasetUnavailableError

#: TensorFlow's mirror of LeCun's files (gzip-compressed IDX).
MNIST_URL = "https://storage.googleapis.com/cvdf-datasets/mnist/"
#: md5 of the *decompressed* IDX files, as widely quoted (and in ../shared/data/SOURCES.md).
MNIST_MD5 = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}
_IMAGE_MAGIC, _LABEL_MAGIC = 2051, 2049

Scale = Literal["symmetric", "unit", "raw"]


class Mnist(NamedTuple):
    """Images as (n, 28, 28) arrays, labels as int64 vectors; unpacks like ``keras.datasets.mnist``."""

    train: tuple[np.ndarray, np.ndarray]
    test: tuple[np.ndarray, np.ndarray]


def read_idx(source: str | os.PathLike | bytes) -> np.ndarray:
    """Parse one IDX file (path, ``.gz`` path or raw bytes) into a uint8 array; malformed input raises."""
    if isinstance(source, bytes):
        raw, name = source, "<bytes>"
    else:
        name = str(source)
        raw = _read_maybe_gzip(Path(source))
    if len(raw) < 8:
        raise DataError(f"{name} is not an IDX file: only {len(raw)} bytes")
    magic = int.from_bytes(raw[:4], "big")
    if magic not in (_IMAGE_MAGIC, _LABEL_MAGIC):
        raise DataError(f"{name} is not an MNIST IDX file: magic number {magic}, expected 2051 (images) "
                        "or 2049 (labels)")
    ndim = 3 if magic == _IMAGE_MAGIC else 1
    header = 4 + 4 * ndim
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    expected = header + int(np.prod(shape))
    if len(raw) != expected:
        raise DataError(f"{name}: header says shape {shape} ({expected} bytes) but the file has {len(raw)} "
                        "bytes; it is truncated or not an IDX file")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def _read_maybe_gzip(path: Path) -> bytes:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(data)
        except (OSError, EOFError) as err:
            raise DataError(f"{path} is a damaged gzip file: {err}") from err
    return data


def _find(folder: Path, stem: str) -> Path | None:
    for candidate in (folder / stem, folder / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _scale(images: np.ndarray, scale: Scale) -> np.ndarray:
    if scale == "raw":
        return images
    if scale == "unit":
        return images.astype(np.float32) / np.float32(255.0)
    if scale == "symmetric":
        return images.astype(np.float32) / np.float32(127.5) - np.float32(1.0)
    raise ArgumentError(f"scale must be 'symmetric' ([-1, 1]), 'unit' ([0, 1]) or 'raw' (uint8), got {scale!r}")


def load_mnist(
    path: str | os.PathLike | None = None,
    *,
    scale: Scale = "symmetric",
    cache_dir: str | os.PathLike | None = None,
    url: str = MNIST_URL,
    download: bool = True,
) -> Mnist:
    """Load MNIST: ``(x_train, y_train), (x_test, y_test) = load_mnist("../shared/data/mnist")``.

    Parameters
    ----------
    path
        Folder with the four IDX files (plain or ``.gz``). ``None``: the cache (``$PYBBDL_CACHE``,
        ``~/.cache/pybbdl/mnist``), downloaded from ``url`` if missing and ``download`` is true.
    scale
        ``"symmetric"`` float32 in [-1, 1] (what a tanh generator produces; the default),
        ``"unit"`` float32 in [0, 1], ``"raw"`` uint8 in 0..255.
    """
    _scale(np.zeros(1, np.uint8), scale)  # validate before any I/O
    if path is not None:
        folder = Path(path)
        if not folder.is_dir():
            raise DatasetUnavailableError(f"MNIST folder {str(folder)!r} does not exist")
    else:
        folder = Path(cache_dir) if cache_dir is not None else default_cache_dir() / "mnist"
        missing = [s for s in MNIST_MD5 if _find(folder, s) is None]
        if missing and not download:
            raise DatasetUnavailableError(
                f"MNIST is not cached in {str(folder)!r} and download=False; pass the folder holding "
                "the four IDX files: load_mnist(path='.../mnist')")
        for stem in missing:
            _download(url, stem, folder)
    arrays = {}
    for stem in MNIST_MD5:
        found = _find(folder, stem)
        if found is None:
            present = sorted(p.name for p in folder.iterdir())
            raise DatasetUnavailableError(
                f"{stem}[.gz] is missing from {str(folder)!r} (it holds {present}); MNIST needs the four "
                f"files {sorted(MNIST_MD5)} - download them from {MNIST_URL} or call load_mnist() without "
                "a path to download them once")
        arrays[stem] = read_idx(found)
    pairs = []
    for part in ("train", "t10k"):
        x, y = arrays[f"{part}-images-idx3-ubyte"], arrays[f"{part}-labels-idx1-ubyte"]
        if x.ndim != 3 or y.ndim != 1:
            raise DataError(f"{part}: the images file holds labels or the labels file holds images")
        if len(x) != len(y):
            raise DataError(f"{part}: {len(x)} images but {len(y)} labels")
        if y.max(initial=0) > 9:
            raise DataError(f"{part}: labels must be digits 0-9, found {int(y.max())}")
        pairs.append((_scale(x, scale), y.astype(np.int64)))
    return Mnist(train=pairs[0], test=pairs[1])


def _download(url: str, stem: str, folder: Path) -> None:
    """Fetch ``stem.gz``, check the decompressed md5, keep the raw file (atomic rename)."""
    folder.mkdir(parents=True, exist_ok=True)
    source = url.rstrip("/") + f"/{stem}.gz"
    try:
        with urllib.request.urlopen(source, timeout=60) as resp:
            payload = resp.read()
    except (urllib.error.URLError, OSError) as err:
        raise DatasetUnavailableError(
            f"Could not download {source} ({type(err).__name__}: {err}). Fetch the four MNIST IDX files "
            "elsewhere and pass their folder: load_mnist(path='.../mnist') (CLI: --data-path).") from err
    try:
        raw = gzip.decompress(payload)
    except (OSError, EOFError) as err:
        raise DataError(f"{source} did not return a gzip file ({len(payload)} bytes)") from err
    digest = hashlib.md5(raw).hexdigest()
    if digest != MNIST_MD5[stem]:
        raise DataError(f"{source}: md5 of the decompressed file is {digest}, expected {MNIST_MD5[stem]}; "
                        "the download is damaged or not MNIST - nothing was kept")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{stem}-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        os.replace(tmp, folder / stem)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
