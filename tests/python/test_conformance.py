"""The conformance suite: the same checks over every registered model (pybbdl.models.registry) and a
user's model, in the spirit of scikit-learn's check_estimator.

For each contract a model follows:

* windows: fit returns self; predict gives one finite value per window of the part; predicting
  does not change the model (same numbers twice, same fitted attributes); clone / get_params
  round-trip; predict_horizons (declared ``all_horizons``) gives (n, len(horizons)); own intervals
  (declared ``own_intervals``) are ordered and nested by level; stochastic models give the same
  numbers for the same seed and other numbers for another; a model that uses future-known
  columns forecasts a given future path;
* series: forecast(h, levels) has steps 1..h, a finite mean, ordered and nested intervals where
  the model has its own; forecasting does not change the model; NaN in the series is refused;
* every registry entry: its declared capabilities match what the class does.

Quick settings: tiny synthetic data, 1 epoch, 4 units.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pybbdl.exceptions import ArgumentError, DataError, PybbdlError
from pybbdl.models.registry import (CAPABILITIES, get_spec, model_names, model_table, register_model, registry,
                                    unregister_model)
from pybbdl.windows import prepare_windows

sys.path.insert(0, str(Path(__file__).parent))
from user_forecaster import RidgeLagForecaster  # noqa: E402

QUICK = {"epochs": 1, "units": 4, "batch_size": 16, "patience": None, "verbose": 0}
#: Quick settings where a model's default searches a large space: the contract is what is checked here
#: (ETS's model search and the combinations' members are tested in test_statistical.py).
FAST = {"ets": {"spec": "AAN"}, "combo_mean": {"members": ("theta", "ar")},
        "combo_median": {"members": ("theta", "ar")}, "combo_inverse_mse": {"members": ("theta", "ar")},
        "stacked_gru": {"top_units": 4}}
#: One model per class runs the checks whose behaviour belongs to the class (same seed = same numbers,
#: every horizon at once): the neural names differ only in constructor arguments of NeuralForecaster.
ONE_PER_CLASS = [n for i, n in enumerate(model_names("windows"))
                 if get_spec(n).windows not in [get_spec(m).windows for m in model_names("windows")[:i]]]
LEVELS = (0.8, 0.95)


def _frame(n: int = 72, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    y = 10 + 0.05 * t + 2 * np.sin(2 * np.pi * t / 4) + np.cumsum(rng.normal(0, 0.5, n))
    x = 0.5 * y + rng.normal(0, 1, n)
    idx = pd.period_range("2000Q1", periods=n, freq="Q").to_timestamp(how="start")
    return pd.DataFrame({"y": y, "x": x}, index=idx)


@pytest.fixture(scope="module")
def windows():
    return prepare_windows(_frame(), target="y", lookback=4, split=(0.6, 0.2, 0.2))


@pytest.fixture(scope="module")
def multi_windows():
    return prepare_windows(_frame(), target="y", lookback=4, split=(0.6, 0.2, 0.2), horizons=3)


def _build(name: str, **extra):
    spec = get_spec(name)
    kw = {k: v for k, v in QUICK.items() if k in spec.param_names("windows")}
    if "period" in spec.param_names("windows"):
        kw["period"] = 4
    return spec.build("windows", **{**kw, **FAST.get(name, {}), **extra})


def _state(model) -> dict:
    """The fitted attributes that can be compared (numbers, strings, arrays, frames)."""
    out = {}
    for k, v in vars(model).items():
        if not k.endswith("_") or k.startswith("_"):
            continue
        if isinstance(v, (int, float, str, bool, tuple, type(None))):
            out[k] = v
        elif isinstance(v, np.ndarray):
            out[k] = v.copy()
        elif isinstance(v, (list, dict)):
            try:
                out[k] = copy.deepcopy(v)
            except Exception:  # noqa: BLE001 - an unpicklable member is compared by identity
                out[k] = id(v)
        else:
            out[k] = id(v)
    return out


def _same_state(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k in a:
        if isinstance(a[k], np.ndarray):
            np.testing.assert_array_equal(a[k], b[k], err_msg=k)
        elif isinstance(a[k], float) and np.isnan(a[k]):
            assert np.isnan(b[k]), k
        else:
            assert a[k] == b[k] or (isinstance(a[k], dict) and str(a[k]) == str(b[k])), k


WINDOWS_MODELS = list(model_names("windows"))
#: Series-only models compared through SeriesOrigins (one refit per origin): the windows checks belong to
#: the adapter, so one of them runs them (the others' series contract is checked below); refits are slow.
_ROLLED = [n for n in WINDOWS_MODELS if str(get_spec(n).windows).endswith(":SeriesOrigins")]
WINDOWS_CHECKED = [n for n in WINDOWS_MODELS if n not in _ROLLED[1:]]
SERIES_MODELS = list(model_names("series"))


# ---------------------------------------------------------------- registry declarations
@pytest.mark.parametrize("name", list(registry()))
def test_declared_capabilities_match_the_class(name):
    spec = get_spec(name)
    assert spec.capabilities <= set(CAPABILITIES)
    assert spec.contracts, name
    contract = spec.contracts[0]
    cls = spec.load(contract)
    if contract == "global":
        assert spec.has("stochastic") == bool(getattr(cls, "stochastic", False))
        return
    model = spec.build(contract)
    assert spec.has("stochastic") == bool(getattr(model, "stochastic", False)), name
    assert spec.has("keras") == (spec.family == "neural"), name
    if contract == "windows":
        assert spec.has("uses_known") == bool(getattr(model, "uses_known", False)), name
        assert spec.has("nests") == ("naive" in tuple(getattr(model, "nests", ()) or ())), name
        assert spec.has("all_horizons") == callable(getattr(model, "predict_horizons", None)), name
        own = callable(getattr(model, "predict_interval", None)) and (
            getattr(model, "interval_levels", None) is None or bool(model.interval_levels))
        assert spec.has("own_intervals") == own, name
    # every declared run-wide setting is a parameter of the class
    from pybbdl.models.registry import RUN_SETTINGS

    params = spec.param_names(contract)
    assert all(RUN_SETTINGS[s] in params for s in spec.settings), (name, spec.settings)


def test_model_table_lists_every_name_once():
    table = model_table()
    assert list(table["model"]) == list(registry())
    assert table["model"].is_unique
    assert set(table.columns) == {"model", "family", "contracts", "capabilities", "defaults", "settings", "summary"}


def test_register_refuses_bad_entries_and_a_user_model_joins_every_door(windows):
    with pytest.raises(ArgumentError, match="already registered"):
        register_model("gru", windows=RidgeLagForecaster)
    with pytest.raises(ArgumentError, match="at least one contract"):
        register_model("mine")
    with pytest.raises(ArgumentError, match="letters, digits"):
        register_model("my-model", windows=RidgeLagForecaster)
    with pytest.raises(ArgumentError, match="Unknown capability"):
        register_model("mine", windows=RidgeLagForecaster, capabilities=("fast",))
    with pytest.raises(ArgumentError, match="Unknown run-wide setting"):
        register_model("mine", windows=RidgeLagForecaster, settings=("epoch",))
    with pytest.raises(ArgumentError, match="cannot be removed"):
        unregister_model("naive")
    register_model("ridge_lags", family="user", summary="ridge on lags", windows=RidgeLagForecaster,
                   defaults={"alpha": 2.0})
    try:
        from pybbdl.evaluation import compare
        from pybbdl.models import MODEL_NAMES, make_model

        assert "ridge_lags" in MODEL_NAMES
        assert make_model("ridge_lags").alpha == 2.0
        run = compare(windows, ["ridge_lags"], progress=False, levels=())
        assert {"naive", "ridge_lags"} == set(run.table["model"])
        with pytest.raises(ArgumentError, match="no series contract"):
            get_spec("ridge_lags", "series")
    finally:
        unregister_model("ridge_lags")
    assert "ridge_lags" not in model_names()


def test_unknown_and_wrong_contract_names_are_refused_naming_valid_ones():
    with pytest.raises(ArgumentError, match="Unknown model 'prophet'. Known models: naive"):
        get_spec("prophet")
    with pytest.raises(ArgumentError, match="no series contract.*Models that can: naive"):
        get_spec("gru", "series")
    with pytest.raises(PybbdlError, match="must be a string"):
        get_spec(3)


# ---------------------------------------------------------------- windows contract
@pytest.mark.parametrize("name", WINDOWS_CHECKED + ["user_ridge"])
def test_windows_contract(name, windows, multi_windows):
    model = RidgeLagForecaster(alpha=1.0) if name == "user_ridge" else _build(name)
    params = model.get_params()
    assert model.fit(windows) is model
    first = np.asarray(model.predict(windows, "test"), dtype=float)
    assert first.shape == (windows.n_windows("test"),)
    assert np.all(np.isfinite(first))
    before = _state(model)
    again = np.asarray(model.predict(windows, "val"), dtype=float)
    np.testing.assert_array_equal(np.asarray(model.predict(windows, "test"), dtype=float), first)
    assert again.shape == (windows.n_windows("val"),)
    _same_state(before, _state(model))
    assert model.get_params() == params  # fitting and predicting leave the parameters as given
    if name == "user_ridge":
        return
    spec = get_spec(name)
    clone = model.clone()
    assert type(clone) is type(model) and clone.get_params() == params
    assert not any(k.endswith("_") and not k.startswith("_") for k in vars(clone))  # unfitted
    if spec.has("own_intervals"):
        ints = model.predict_interval(windows, "test", LEVELS)
        lo80, hi80 = (np.asarray(a) for a in ints[0.8])
        lo95, hi95 = (np.asarray(a) for a in ints[0.95])
        assert np.all(lo95 <= lo80 + 1e-9) and np.all(lo80 <= first + 1e-9) and np.all(first <= hi80 + 1e-9)
        assert np.all(hi80 <= hi95 + 1e-9)
        with pytest.raises(ArgumentError):
            model.predict_interval(windows, "test", (1.5,))
    if spec.has("all_horizons") and name in ONE_PER_CLASS:
        multi = _build(name).fit(multi_windows)
        out = np.asarray(multi.predict_horizons(multi_windows, "test"))
        assert out.shape == (multi_windows.n_windows("test"), 3)
        assert np.all(np.isfinite(out))


@pytest.mark.parametrize("name", [n for n in model_names("windows", capability="stochastic") if n in ONE_PER_CLASS])
def test_same_seed_same_numbers(name, windows):
    a = _build(name, random_state=7).fit(windows).predict(windows, "test")
    b = _build(name, random_state=7).fit(windows).predict(windows, "test")
    c = _build(name, random_state=8).fit(windows).predict(windows, "test")
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_windows_with_nan_are_refused():
    frame = _frame()
    frame.iloc[10, 0] = np.nan
    with pytest.raises(DataError, match="NaN"):
        prepare_windows(frame, target="y", lookback=4, split=(0.6, 0.2, 0.2))


# ---------------------------------------------------------------- series contract
@pytest.mark.parametrize("name", SERIES_MODELS)
def test_series_contract(name):
    y = _frame()["y"].to_numpy()
    spec = get_spec(name)
    model = spec.build("series", **FAST.get(name, {}))
    assert model.fit(y, 4) is model
    levels = LEVELS if spec.has("own_intervals") or spec.family == "baseline" and name != "naive2" else ()
    try:
        fc = model.forecast(5, levels=levels)
    except ArgumentError:
        levels = ()
        fc = model.forecast(5, levels=())
    assert list(fc.index) == [1, 2, 3, 4, 5]
    assert np.all(np.isfinite(fc["mean"]))
    pd.testing.assert_frame_equal(model.forecast(5, levels=levels), fc)  # forecasting does not change the model
    if levels:
        assert np.all(fc["lower_95"] <= fc["lower_80"] + 1e-9) and np.all(fc["lower_80"] <= fc["mean"] + 1e-9)
        assert np.all(fc["mean"] <= fc["upper_80"] + 1e-9) and np.all(fc["upper_80"] <= fc["upper_95"] + 1e-9)
    bad = y.copy()
    bad[5] = np.nan
    with pytest.raises((DataError, ArgumentError, ValueError)):
        spec.build("series", **FAST.get(name, {})).fit(bad, 4)


# ---------------------------------------------------------------- forecast from today
@pytest.mark.parametrize("name", [n for n in WINDOWS_CHECKED if get_spec(n).has("all_horizons") or
                                  not get_spec(n).has("keras")] + ["user_ridge"])
def test_forecast_from_today_is_the_contract_at_the_last_origin(name):
    """The forecast from the origin after the last observation (the "future" part) equals the forecast
    the same fitted model gives for that origin when the next value is known: the evaluation of past
    origins and the forecast from today are one contract called at different origins."""
    frame = _frame()
    split = {"train": (0, 44), "val": (44, 58), "test": (58, None)}
    full = prepare_windows(frame, target="y", lookback=4, split=split)
    short = prepare_windows(frame.iloc[:-1], target="y", lookback=4, split=split)
    model = RidgeLagForecaster() if name == "user_ridge" else _build(name)
    model.fit(full)
    last = float(np.asarray(model.predict(full, "test"), dtype=float)[-1])
    future = short.with_future(None)
    assert future.frame.index[-1] == frame.index[-1]  # the next timestamp continues the data's
    today = float(np.asarray(model.predict(future, "future"), dtype=float)[0])
    # float32 inputs (networks, the user's ridge on Windows.X) agree to float32 round-off across batch sizes
    rel = 1e-5 if name == "user_ridge" or get_spec(name).has("keras") else 1e-9
    assert today == pytest.approx(last, rel=rel, abs=1e-9)


# ---------------------------------------------------------------- the global contract (many series at once)
#: Tiny settings: one small network, or a two-member median ensemble (trained in a second or two).
GLOBAL_FAST = {"steps": 24, "batch_size": 32, "blocks": 1, "layers": 1, "width": 16, "epochs": 1}
GLOBAL_CASES = [(n, e) for n in model_names("global")
                for e in (None, {"preset": "quick", "lookbacks": [2], "losses": ["smape", "mase"]})]


def _panel_histories(n: int = 8, length: int = 40, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    return [50 + 5 * k + 0.3 * t + 3 * np.sin(2 * np.pi * t / 4 + k) + rng.normal(0, 0.5, length) for k in range(n)]


@pytest.mark.parametrize("name,ensemble", GLOBAL_CASES)
def test_global_contract(name, ensemble):
    ys, h = _panel_histories(), 4
    spec = get_spec(name, "global")
    model = spec.build("global", horizon=h, period=4, seed=7, ensemble=ensemble, **GLOBAL_FAST)
    params = model.get_params()
    assert str(model.clone().get_params()) == str(params)  # clone/params round-trip
    assert model.fit(ys) is model
    assert str(model.get_params()) == str(params)  # fit learns into attributes, not parameters
    fc = model.forecast(ys)
    assert isinstance(fc, list) and len(fc) == len(ys)
    assert all(np.shape(f) == (h,) and np.all(np.isfinite(f)) for f in fc)
    np.testing.assert_array_equal(np.stack(model.forecast(ys)), np.stack(fc))  # forecasting changes nothing
    # the same question at other origins: histories cut 3 values earlier (rebuilt members, not stored forecasts)
    earlier = model.forecast([y[:-3] for y in ys])
    assert len(earlier) == len(ys) and not np.allclose(np.stack(earlier), np.stack(fc))
    np.testing.assert_array_equal(np.stack(model.forecast(ys)), np.stack(fc))
    if ensemble is None:  # same seed, same numbers (an ensemble's members are seeded alike: test_nbeats_ensemble.py)
        again = model.clone().fit(ys).forecast(ys)
        np.testing.assert_array_equal(np.stack(again), np.stack(fc))
    else:  # the members differ by loss, and the forecast is their median
        members = np.stack([np.asarray(r["forecast"], float) for r in model.members_])
        assert [r["config"]["loss"] for r in model.members_] == ["smape", "mase"]
        assert not np.allclose(members[0], members[1])
        np.testing.assert_allclose(np.stack(fc), np.median(members, axis=0))
    # intervals ordered and nested by level, around the point forecast
    iv = model.forecast_intervals(ys, (0.8, 0.95))
    assert len(iv) == len(ys)
    for f, frame in zip(fc, iv):
        lo80, hi80, lo95, hi95 = (frame[c].to_numpy() for c in ("lower_80", "upper_80", "lower_95", "upper_95"))
        assert np.all(lo95 <= lo80 + 1e-9) and np.all(lo80 <= f + 1e-6) and np.all(f <= hi80 + 1e-6)
        assert np.all(hi80 <= hi95 + 1e-9) and np.all(hi95 - lo95 > 0)
    # NaN, a lone array and an empty panel are refused
    bad = [y.copy() for y in ys]
    bad[2][5] = np.nan
    with pytest.raises(DataError, match="finite"):
        model.clone().fit(bad)
    with pytest.raises(DataError, match="finite"):
        model.forecast(bad)
    with pytest.raises(PybbdlError, match="list of 1-d"):
        model.clone().fit(ys[0])
    with pytest.raises(DataError, match="at least one series"):
        model.clone().fit([])
