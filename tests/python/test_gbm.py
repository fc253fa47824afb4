"""The gbm model (pybbdl/models/gbm.py): gradient boosting on lagged changes, a model in one file that
joins the registry through its entry point (pyproject.toml, group pybbdl.models) and so every door:
compare, panels, the CLI's help and `pybbdl models`, R's forecast_compare(models = "gbm"). Tiny data."""

from __future__ import annotations

import sys
import tomllib
from importlib.metadata import EntryPoint
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("sklearn")

from pybbdl.exceptions import ArgumentError, DataError, NotFittedError  # noqa: E402
from pybbdl.models import registry as R  # noqa: E402
from pybbdl.models.gbm import REGISTRATION, GbmForecaster  # noqa: E402
from pybbdl.windows import prepare_windows  # noqa: E402

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def _declared() -> str:
    return tomllib.loads(PYPROJECT.read_text())["project"]["entry-points"]["pybbdl.models"]["gbm"]


@pytest.fixture(scope="module", autouse=True)
def gbm_registered():
    """gbm as the installed entry point registers it; where the installed metadata predates this
    pyproject.toml (an editable install not yet re-run by `make setup`), from pyproject's entry point."""
    if "gbm" in R.model_names():
        yield
        return
    ep = EntryPoint("gbm", _declared(), R.ENTRY_POINT_GROUP)
    assert R._register_entry_point(ep, "gbm = " + ep.value) == ""
    yield
    R.unregister_model("gbm")


def _frame(n: int = 64, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = 5 + np.cumsum(rng.normal(0, 1, n))
    idx = pd.period_range("2000Q1", periods=n, freq="Q").to_timestamp(how="start")
    return pd.DataFrame({"y": y}, index=idx)


def test_pyproject_declares_the_entry_point_and_the_extra():
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    assert project["entry-points"]["pybbdl.models"]["gbm"] == "pybbdl.models.gbm:REGISTRATION"
    assert any(d.startswith("scikit-learn") for d in project["optional-dependencies"]["gbm"])
    spec = R.get_spec("gbm")
    assert spec.contracts == ("windows", "series") and spec.family == REGISTRATION["family"]
    assert spec.settings == ("seed", "max_train")  # never a run's Adam learning rate or epochs


def test_gbm_appears_in_every_door(capsys):
    from pybbdl.workflows.forecasting import forecast_compare
    from pybbdl.cli import main
    from pybbdl.models import MODEL_NAMES
    from pybbdl.workflows.panel import available_series_models, forecast_panel

    assert "gbm" in MODEL_NAMES and "gbm" in available_series_models()
    assert main(["models"]) == 0
    assert "gbm" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["forecast", "--help"])
    assert "ml: gbm" in " ".join(capsys.readouterr().out.split())
    assert "gbm" in list(R.model_table()["model"])
    run = forecast_compare(_frame(), target="y", models="naive,gbm", lookback=4, levels=(), progress=False,
                           learning_rate=0.01)
    mae = run.table.query("model == 'gbm' and part == 'test' and metric == 'mae'")["value"]
    assert len(mae) == 1 and np.isfinite(mae.iloc[0])
    assert run.models["gbm"].learning_rate == 0.1  # the run's Adam rate does not reach the trees
    panel = pd.DataFrame({"id": np.repeat(["a", "b"], 30), "time": np.tile(np.arange(30), 2),
                          "value": np.r_[_frame(30, 1)["y"], _frame(30, 2)["y"]]})
    prun = forecast_panel(panel, models=["naive", "gbm"], horizon=4, period=1, reference=None)
    assert set(prun.table["model"]) >= {"naive", "gbm"}
    assert not prun.series.query("model == 'gbm'")["error"].astype(bool).any()


def test_gbm_windows_forecasts_use_the_past_only_and_match_a_hand_fit():
    from sklearn.ensemble import HistGradientBoostingRegressor

    frame = _frame()
    w = prepare_windows(frame, target="y", lookback=3, horizon=2, split=(0.6, 0.2, 0.2))
    model = GbmForecaster(max_iter=20).fit(w)
    y = frame["y"].to_numpy()
    start, stop = w.bounds["train"]
    e = np.arange(start + 3, stop - 2)
    X = np.column_stack([y[e - k] - y[e - k - 1] for k in range(3)])
    ref = HistGradientBoostingRegressor(max_iter=20, max_leaf_nodes=15, min_samples_leaf=5, early_stopping=False,
                                        random_state=0).fit(X, y[e + 2] - y[e])
    origins = w.target_positions("test") - 2
    Xt = np.column_stack([y[origins - k] - y[origins - k - 1] for k in range(3)])
    np.testing.assert_allclose(model.predict(w, "test"), ref.predict(Xt) + y[origins], rtol=1e-12)
    # changing a value after the last origin leaves every forecast as it was
    changed = frame.copy()
    changed.iloc[-1, 0] += 100.0
    w2 = prepare_windows(changed, target="y", lookback=3, horizon=2, split=(0.6, 0.2, 0.2))
    np.testing.assert_array_equal(model.predict(w2, "test")[:-1], model.predict(w, "test")[:-1])


def test_gbm_series_contract_iterates_the_one_step_model():
    y = _frame()["y"].to_numpy()
    model = GbmForecaster(lags=2, max_iter=10).fit(y, 4)
    fc = model.forecast(3)
    assert list(fc.columns) == ["mean"] and list(fc.index) == [1, 2, 3]
    step1 = y[-1] + model.model_.predict([[y[-1] - y[-2], y[-2] - y[-3]]])[0]
    assert fc["mean"].iloc[0] == pytest.approx(step1, rel=1e-12)
    levels = GbmForecaster(lags=2, max_iter=10, differences=False).fit(y, 4).forecast(2)
    assert np.all(np.isfinite(levels["mean"]))
    with pytest.raises(ArgumentError, match="point forecasts only"):
        model.forecast(3, levels=(0.8,))


@pytest.mark.parametrize("params,match", [
    ({"lags": 0}, "`lags` must be"), ({"max_iter": 0}, "`max_iter` must be"),
    ({"learning_rate": 0.0}, "`learning_rate` must be a number in"), ({"learning_rate": "fast"}, "`learning_rate`"),
    ({"learning_rate": True}, "`learning_rate`"), ({"max_leaf_nodes": 1}, "`max_leaf_nodes` must be"),
    ({"min_samples_leaf": 0}, "`min_samples_leaf` must be"), ({"differences": "yes"}, "`differences` must be"),
    ({"max_train": 2}, "`max_train` must be"),
])
def test_gbm_refuses_bad_parameters(params, match):
    with pytest.raises(ArgumentError, match=match):
        GbmForecaster(**params).fit(_frame()["y"].to_numpy(), 1)


def test_gbm_refuses_bad_data_and_mixed_contracts():
    y = _frame()["y"].to_numpy()
    w = prepare_windows(_frame(), target="y", lookback=3, split=(0.6, 0.2, 0.2))
    with pytest.raises(NotFittedError):
        GbmForecaster().predict(w, "test")
    with pytest.raises(DataError, match="no NaN"):
        GbmForecaster().fit(np.r_[y[:5], np.nan, y[5:]], 1)
    with pytest.raises(ArgumentError, match="1-d series"):
        GbmForecaster().fit(np.ones((10, 2)), 1)
    with pytest.raises(DataError, match="at least 3 training rows"):
        GbmForecaster(lags=4).fit(y[:6], 1)
    with pytest.raises(ArgumentError, match=r"call fit\(y, period\)"):
        GbmForecaster().fit(w).forecast(2)
    with pytest.raises(ArgumentError, match=r"call fit\(windows\)"):
        GbmForecaster().fit(y, 1).predict(w, "test")
    with pytest.raises(ArgumentError, match="horizon 2"):
        GbmForecaster().fit(w).predict(prepare_windows(_frame(), target="y", lookback=3, horizon=2,
                                                       split=(0.6, 0.2, 0.2)), "test")


def test_missing_scikit_learn_says_what_to_install(monkeypatch):
    from pybbdl.exceptions import MissingDependencyError

    monkeypatch.setitem(sys.modules, "sklearn.ensemble", None)
    with pytest.raises(MissingDependencyError, match=r'pip install "pybbdl\[gbm\]"'):
        GbmForecaster().fit(_frame()["y"].to_numpy(), 1)
