"""compare(): identical targets for all models, metrics in original units, reports on disk."""

import numpy as np
import pandas as pd
import pytest

from pybbdl.evaluation import compare, mae, rmse
from pybbdl.models import NaiveForecaster, NeuralForecaster
from pybbdl.reports import markdown_table, write_report
from pybbdl.windows import prepare_windows


@pytest.fixture(scope="module")
def windows():
    rng = np.random.default_rng(0)
    n = 160
    frame = pd.DataFrame({"y": 10 + np.cumsum(rng.normal(size=n)), "x": rng.normal(size=n)},
                         index=pd.date_range("1980-01-01", periods=n, freq="QS"))
    return prepare_windows(frame, target="y", lookback=8, horizon=2, split=(0.6, 0.2, 0.2))


def test_metrics():
    assert mae([1, 2, 3], [2, 2, 5]) == pytest.approx(1.0)
    assert rmse([1, 2, 3], [2, 2, 5]) == pytest.approx(np.sqrt(5 / 3))


def test_compare_table_and_forecasts(windows, tmp_path):
    result = compare(windows, ["seasonal_naive", "dense"],
                     params={"dense": {"epochs": 2, "batch_size": 16, "random_state": 0, "verbose": 0},
                             "seasonal_naive": {"period": 4}},
                     progress=False)
    table = result.table
    assert list(table["model"]) == ["naive", "seasonal_naive", "dense"]  # naive always first
    assert list(table.columns[:4]) == ["model", "val_mae", "val_rmse", "val_skill_pct"]
    naive = table.set_index("model").loc["naive"]
    actual = windows.targets("test", scaled=False)
    last = windows.last_values("test")
    assert naive["test_mae"] == pytest.approx(np.mean(np.abs(actual - last)))
    assert naive["test_skill_pct"] == 0.0
    dense = table.set_index("model").loc["dense"]
    assert dense["test_skill_pct"] == pytest.approx(100 * (1 - dense["test_mae"] / naive["test_mae"]))
    assert dense["epochs"] == 2 and dense["n_params"] > 0
    # every model forecasts the same targets
    fc = result.forecasts["test"]
    assert list(fc.index) == list(windows.target_index("test"))
    np.testing.assert_array_equal(fc["actual"], actual)
    assert dense["test_mae"] == pytest.approx(mae(fc["actual"], fc["dense"]))

    paths = write_report(result, tmp_path / "out")
    assert pd.read_csv(paths["csv"])["model"].tolist() == ["naive", "seasonal_naive", "dense"]
    md = paths["markdown"].read_text()
    assert "| model | val_mae |" in md and "| naive |" in md
    for key in ("forecasts_test_png", "forecasts_val_png", "training_png"):
        assert paths[key].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_compare_accepts_estimators_and_rejects_bad_input(windows):
    result = compare(windows, {"naive": NaiveForecaster()}, parts=["val"], progress=False)
    assert list(result.table.columns) == ["model", "val_mae", "val_rmse", "val_skill_pct", "val_dm_vs_naive",
                                          "val_p_vs_naive", "seeds", "epochs", "fit_seconds", "n_params", "spec",
                                          "note"]
    with pytest.raises(ValueError, match="Unknown model"):
        compare(windows, ["naive", "transfomer"], progress=False)
    with pytest.raises(TypeError, match="prepare_windows"):
        compare(np.zeros(3), ["naive"])
    with pytest.raises(TypeError, match="forecaster"):
        compare(windows, {"x": object()})


def test_markdown_table_formats_numbers():
    df = pd.DataFrame({"model": ["a"], "mae": [1.23456], "n": [3]})
    assert markdown_table(df) == "| model | mae | n |\n|---|---:|---:|\n| a | 1.235 | 3 |"


def test_neural_seed_gives_identical_tables(windows):
    params = {"epochs": 2, "batch_size": 16, "random_state": 7, "verbose": 0}
    a = compare(windows, ["gru"], params=params, progress=False).table
    b = compare(windows, {"gru": NeuralForecaster(architecture="gru", **params)}, progress=False).table
    pd.testing.assert_series_equal(a["test_mae"], b["test_mae"])
