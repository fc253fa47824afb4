"""MNIST IDX loader: tiny files the tests make, the md5-checked download, and the real files when present."""

import gzip
import hashlib

import numpy as np
import pytest

from pybbdl.data import mnist as mnist_mod
from pybbdl.data import load_mnist
from pybbdl.exceptions import DataError, DatasetUnavailableError

from conftest import SHARED_DATA


def _idx_images(x: np.ndarray) -> bytes:
    n, r, c = x.shape
    return b"".join(v.to_bytes(4, "big") for v in (2051, n, r, c)) + x.astype(np.uint8).tobytes()


def _idx_labels(y: np.ndarray) -> bytes:
    return (2049).to_bytes(4, "big") + len(y).to_bytes(4, "big") + y.astype(np.uint8).tobytes()


@pytest.fixture
def tiny_files():
    rng = np.random.default_rng(0)
    xtr = rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    xte = rng.integers(0, 256, size=(3, 28, 28), dtype=np.uint8)
    xtr[0, 0, 0], xtr[0, 0, 1] = 0, 255
    ytr, yte = np.array([0, 1, 2, 9, 5]), np.array([3, 3, 7])
    return {
        "train-images-idx3-ubyte": _idx_images(xtr), "train-labels-idx1-ubyte": _idx_labels(ytr),
        "t10k-images-idx3-ubyte": _idx_images(xte), "t10k-labels-idx1-ubyte": _idx_labels(yte),
    }, (xtr, ytr, xte, yte)


def _write(folder, files, gz=True):
    folder.mkdir(parents=True, exist_ok=True)
    for stem, raw in files.items():
        if gz:
            (folder / f"{stem}.gz").write_bytes(gzip.compress(raw))
        else:
            (folder / stem).write_bytes(raw)


@pytest.mark.parametrize("gz", [True, False])
def test_reads_idx_and_scales(tmp_path, tiny_files, gz):
    files, (xtr, ytr, xte, yte) = tiny_files
    _write(tmp_path, files, gz=gz)
    (x, y), (x2, y2) = load_mnist(tmp_path, scale="raw")
    np.testing.assert_array_equal(x, xtr)
    np.testing.assert_array_equal(y, ytr)
    np.testing.assert_array_equal(x2, xte)
    np.testing.assert_array_equal(y2, yte)
    sym = load_mnist(tmp_path).train[0]
    assert sym.dtype == np.float32 and sym[0, 0, 0] == -1.0 and sym[0, 0, 1] == 1.0
    unit = load_mnist(tmp_path, scale="unit").train[0]
    assert unit[0, 0, 0] == 0.0 and unit[0, 0, 1] == 1.0
    np.testing.assert_allclose(sym, unit * 2 - 1, atol=1e-6)


def test_missing_truncated_and_swapped_files(tmp_path, tiny_files):
    files, _ = tiny_files
    with pytest.raises(DatasetUnavailableError, match="does not exist"):
        load_mnist(tmp_path / "nope")
    _write(tmp_path, {k: v for k, v in files.items() if k != "t10k-labels-idx1-ubyte"})
    with pytest.raises(DatasetUnavailableError, match="t10k-labels-idx1-ubyte"):
        load_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(files["t10k-labels-idx1-ubyte"][:-1]))
    with pytest.raises(DataError, match="truncated"):
        load_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(b"\x00\x00\x08\x05" + b"\x00" * 12))
    with pytest.raises(DataError, match="magic number"):
        load_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(files["t10k-images-idx3-ubyte"]))
    with pytest.raises(DataError, match="labels file holds images"):
        load_mnist(tmp_path)
    with pytest.raises(ValueError, match="scale"):
        load_mnist(tmp_path, scale="zscore")


def test_download_checks_md5_and_caches(tmp_path, tiny_files, monkeypatch):
    files, (xtr, *_rest) = tiny_files
    mirror = tmp_path / "mirror"
    _write(mirror, files)
    monkeypatch.setattr(mnist_mod, "MNIST_MD5", {k: hashlib.md5(v).hexdigest() for k, v in files.items()})
    cache = tmp_path / "cache"
    with pytest.raises(DatasetUnavailableError, match="download=False"):
        load_mnist(cache_dir=cache, download=False)
    (x, _), _ = load_mnist(cache_dir=cache, url=mirror.as_uri(), scale="raw")
    np.testing.assert_array_equal(x, xtr)
    assert sorted(p.name for p in cache.iterdir()) == sorted(files)  # raw files kept, no .part left
    # a damaged mirror is refused and nothing is kept
    bad = {**files, "train-labels-idx1-ubyte": _idx_labels(np.array([1, 1, 1, 1, 1]))}
    _write(tmp_path / "bad", bad)
    cache2 = tmp_path / "cache2"
    with pytest.raises(DataError, match="md5"):
        load_mnist(cache_dir=cache2, url=(tmp_path / "bad").as_uri())
    assert not (cache2 / "train-labels-idx1-ubyte").exists()
    with pytest.raises(DatasetUnavailableError, match="Could not download"):
        load_mnist(cache_dir=tmp_path / "c3", url=(tmp_path / "absent").as_uri())


@pytest.mark.skipif(not (SHARED_DATA / "mnist").is_dir(), reason="../shared/data/mnist not present")
def test_real_mnist_matches_published_counts():
    (x, y), (xt, yt) = load_mnist(SHARED_DATA / "mnist", scale="raw")
    assert x.shape == (60000, 28, 28) and xt.shape == (10000, 28, 28)
    np.testing.assert_array_equal(np.bincount(y), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949])
    np.testing.assert_array_equal(np.bincount(yt), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
    assert y[:5].tolist() == [5, 0, 4, 1, 9]
