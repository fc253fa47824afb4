"""Loaders: macro (embedded), Jena (CSV, zip, download, npz), user CSVs."""

import zipfile

import numpy as np
import pandas as pd
import pytest

from pybbdl.data import jena_climate, macro_data, read_csv
from pybbdl.data import weather
from pybbdl.exceptions import DataError, DatasetUnavailableError


def test_macro_data_is_quarterly_cpi_inflation():
    frame = macro_data()
    assert frame.shape == (202, 5)
    assert list(frame.columns) == ["infl", "realgdp_growth", "unemp", "tbilrate", "realint"]
    assert frame.index[0] == pd.Timestamp("1959-04-01") and frame.index[-1] == pd.Timestamp("2009-07-01")
    assert frame.index.freqstr == "QS-OCT" and frame.index.is_monotonic_increasing
    assert not frame.isna().any().any()
    # infl is 400 * diff(log(cpi)) of the source, rounded to 2 decimals there
    assert frame["infl"].loc["2008"].round(2).tolist() == [2.82, 8.53, -3.16, -8.79]
    np.testing.assert_allclose(frame["realint"], frame["tbilrate"] - frame["infl"], atol=0.011)
    assert "infl" in frame.attrs["units"]


def _keras_csv(path, n=30, sentinel_row=4):
    stamps = pd.date_range("2009-01-01 00:10", periods=n, freq="10min")
    rng = np.random.default_rng(0)
    body = pd.DataFrame(rng.normal(size=(n, 14)).round(2), columns=weather.JENA_COLUMNS[1:])
    body.loc[sentinel_row, "wv (m/s)"] = -9999.0
    body.insert(0, "Date Time", stamps.strftime(weather.JENA_DATE_FORMAT))
    body.to_csv(path, index=False)
    return body


def test_read_keras_jena_csv_plain_and_zip(tmp_path):
    body = _keras_csv(tmp_path / weather.JENA_FILENAME)
    frame = jena_climate(tmp_path / weather.JENA_FILENAME)
    assert frame.shape == (30, 14)
    assert frame.index[0] == pd.Timestamp("2009-01-01 00:10:00")
    assert frame["wv (m/s)"].iloc[4] == 0.0  # -9999 sentinel replaced
    assert frame["T (degC)"].iloc[7] == body["T (degC)"].iloc[7]
    with zipfile.ZipFile(tmp_path / "jena.csv.zip", "w") as zf:
        zf.write(tmp_path / weather.JENA_FILENAME, weather.JENA_FILENAME)
    pd.testing.assert_frame_equal(jena_climate(tmp_path / "jena.csv.zip"), frame)


def test_jena_download_is_cached_verified_and_atomic(tmp_path, monkeypatch):
    _keras_csv(tmp_path / weather.JENA_FILENAME, n=25)
    archive = tmp_path / "archive.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(tmp_path / weather.JENA_FILENAME, weather.JENA_FILENAME)
    cache = tmp_path / "cache"
    # a complete download must have 420,551 rows: the 25-row archive is refused, nothing is cached
    with pytest.raises(DataError, match="25 rows instead of 420551"):
        jena_climate(cache_dir=cache, url=archive.as_uri())
    assert not (cache / weather.JENA_FILENAME).exists() and not list(cache.glob(".jena-*"))
    monkeypatch.setattr(weather, "JENA_EXPECTED_ROWS", 25)
    frame = jena_climate(cache_dir=cache, url=archive.as_uri())
    assert (cache / weather.JENA_FILENAME).exists() and len(frame) == 25
    # second call reads the cache: a dead URL no longer matters
    again = jena_climate(cache_dir=cache, url=(tmp_path / "gone.zip").as_uri())
    pd.testing.assert_frame_equal(again, frame)


def test_jena_offline_error_says_how_to_pass_a_file(tmp_path):
    with pytest.raises(DatasetUnavailableError, match="jena_climate\\(path="):
        jena_climate(cache_dir=tmp_path, url=(tmp_path / "missing.zip").as_uri())
    with pytest.raises(DatasetUnavailableError, match="download=False"):
        jena_climate(cache_dir=tmp_path, download=False)


def test_jena_rejects_wrong_columns_and_bad_dates(tmp_path):
    pd.DataFrame({"a": [1, 2]}).to_csv(tmp_path / "x.csv", index=False)
    with pytest.raises(DataError, match="15 columns"):
        jena_climate(tmp_path / "x.csv")
    body = _keras_csv(tmp_path / "y.csv")
    body.loc[2, "Date Time"] = "2009-01-01"
    body.to_csv(tmp_path / "y.csv", index=False)
    with pytest.raises(DataError, match="Date Time"):
        jena_climate(tmp_path / "y.csv")
    with pytest.raises(FileNotFoundError):
        jena_climate(tmp_path / "nope.csv")


def test_jena_npz_subset(tmp_path):
    dates = pd.date_range("2009-01-01 00:10", periods=5, freq="h").to_numpy()
    np.savez(tmp_path / "sub.npz", X=np.ones((5, 2)), dates=dates, cols=np.array(["T (degC)", "p (mbar)"]))
    frame = jena_climate(tmp_path / "sub.npz")
    assert list(frame.columns) == ["T (degC)", "p (mbar)"] and len(frame) == 5
    np.savez(tmp_path / "bad.npz", X=np.ones((5, 2)))
    with pytest.raises(DataError, match="lacks"):
        jena_climate(tmp_path / "bad.npz")


def test_real_jena_hourly_subset(jena_hourly_path):
    frame = jena_climate(jena_hourly_path)
    assert frame.shape == (70038, 6)
    assert frame.index[0] == pd.Timestamp("2009-01-01 00:10:00")
    assert frame.columns[0] == "T (degC)"


def test_read_csv_picks_target_and_features(tmp_path):
    path = tmp_path / "s.csv"
    pd.DataFrame({"date": pd.date_range("2020-01-01", periods=6, freq="D").astype(str),
                  "sales": np.arange(6.0), "price": np.ones(6), "note": list("abcdef")}).to_csv(path, index=False)
    frame = read_csv(path, target="sales", features=["price"])
    assert list(frame.columns) == ["sales", "price"]
    assert isinstance(frame.index, pd.DatetimeIndex) and frame.index.name == "date"
    with pytest.raises(DataError, match="must be numeric"):
        read_csv(path, target="sales", features=["note"])
    with pytest.raises(FileNotFoundError):
        read_csv(tmp_path / "none.csv", target="sales")


def test_read_csv_rejects_unsorted_and_duplicate_dates(tmp_path):
    path = tmp_path / "d.csv"
    pd.DataFrame({"date": ["2020-01-02", "2020-01-01", "2020-01-03"], "y": [1.0, 2, 3]}).to_csv(path, index=False)
    with pytest.raises(DataError, match="sorted"):
        read_csv(path, target="y")
    pd.DataFrame({"date": ["2020-01-01", "2020-01-01", "2020-01-03"], "y": [1.0, 2, 3]}).to_csv(path, index=False)
    with pytest.raises(DataError, match="duplicate"):
        read_csv(path, target="y")


def test_calendar_features_encode_hour_and_day_of_year():
    from pybbdl.data import with_calendar_features

    idx = pd.DatetimeIndex(["2021-01-01 00:00", "2021-01-01 06:00", "2021-07-02 12:00"])
    out = with_calendar_features(pd.DataFrame({"T": [1.0, 2.0, 3.0]}, index=idx))
    assert list(out.columns) == ["T", "day_sin", "day_cos", "year_sin", "year_cos"]
    np.testing.assert_allclose(out["day_sin"], [0.0, 1.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(out["day_cos"], [1.0, 0.0, -1.0], atol=1e-12)
    assert out["year_cos"].iloc[0] == pytest.approx(1.0) and out["year_cos"].iloc[2] == pytest.approx(-1.0, abs=1e-3)
    with pytest.raises(DataError, match="DatetimeIndex"):
        with_calendar_features(pd.DataFrame({"T": [1.0]}))


# -- issue 11 case 9: the Jena download is checked before anything is read -----------------------------
def _jena_archive(tmp_path, n=25):
    _keras_csv(tmp_path / weather.JENA_FILENAME, n=n)
    archive = tmp_path / "archive.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.write(tmp_path / weather.JENA_FILENAME, weather.JENA_FILENAME)
    return archive


@pytest.mark.parametrize("url", ["http://s3.amazonaws.com/keras-datasets/jena_climate_2009_2016.csv.zip",
                                 "ftp://example.org/jena.zip"])
def test_jena_refuses_plain_http_and_other_schemes(tmp_path, url):
    from pybbdl.exceptions import ArgumentError

    with pytest.raises(ArgumentError, match=r"`url` must be an https:// URL or a local file\. Received"):
        jena_climate(cache_dir=tmp_path, url=url)
    assert weather.check_download_url(str(tmp_path / "a.zip")).startswith("file://")
    assert weather.check_download_url(weather.JENA_URL) == weather.JENA_URL


def test_jena_download_sha256_is_checked_and_recorded(tmp_path, monkeypatch):
    import hashlib

    archive = _jena_archive(tmp_path)
    monkeypatch.setattr(weather, "JENA_EXPECTED_ROWS", 25)
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    with pytest.raises(DataError, match=f"must have SHA-256 {'0' * 64}. Received: {digest}"):
        jena_climate(cache_dir=tmp_path / "c1", url=archive.as_uri(), expected_sha256="0" * 64)
    assert not (tmp_path / "c1" / weather.JENA_FILENAME).exists()
    frame = jena_climate(cache_dir=tmp_path / "c2", url=str(archive), expected_sha256=digest.upper())
    assert len(frame) == 25
    jena_climate(cache_dir=tmp_path / "c3", url=archive.as_uri())  # no pinned hash: recorded beside the cache
    assert (tmp_path / "c3" / (weather.JENA_FILENAME + ".sha256")).read_text().split()[0] == digest


def test_jena_zip_sizes_are_checked_before_reading(tmp_path, monkeypatch):
    archive = _jena_archive(tmp_path)
    monkeypatch.setattr(weather, "JENA_EXPECTED_ROWS", 25)
    monkeypatch.setattr(weather, "JENA_ZIP_MAX_BYTES", archive.stat().st_size - 1)
    with pytest.raises(DataError, match="must be at most"):
        jena_climate(cache_dir=tmp_path / "c", url=archive.as_uri())
    monkeypatch.setattr(weather, "JENA_ZIP_MAX_BYTES", 10**8)
    monkeypatch.setattr(weather, "JENA_CSV_MAX_BYTES", 1000)  # the 25-row CSV is about 3 kB uncompressed
    with pytest.raises(DataError, match="at most 1,000 bytes uncompressed"):
        jena_climate(cache_dir=tmp_path / "c", url=archive.as_uri())
    with pytest.raises(DataError, match="at most 1,000 bytes uncompressed"):
        jena_climate(archive)  # a local zip too
    assert not (tmp_path / "c" / weather.JENA_FILENAME).exists()


def test_keras_floor_excludes_the_published_safe_mode_bypasses():
    import re
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    deps = tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"]
    floors = [re.search(r"keras>=([\d.]+)", d) for d in deps] + \
        [re.search(r"^keras>=([\d.]+)", line) for line in (root / "constraints.txt").read_text().splitlines()]
    found = [tuple(int(x) for x in m.group(1).split(".")) for m in floors if m]
    assert len(found) == 2 and all(f >= (3, 11, 3) for f in found), found
