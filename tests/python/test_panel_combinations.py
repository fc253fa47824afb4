"""Panel combinations through the registry, and combinations chosen on a validation window cut from
each series' training part (issue 22 item 3): the test part never moves the weights."""

import numpy as np
import pandas as pd
import pytest

from pybbdl.exceptions import ArgumentError, ArgumentTypeError
from pybbdl.models.registry import get_spec, model_names, register_model
from pybbdl.workflows.combinations import PanelCombination
from pybbdl.workflows.panel import DEFAULT_COMBINATIONS, forecast_panel, validation_series

MODELS = ["naive", "ses", "damped"]
OWN = {"ivw": {"members": MODELS, "weights": "inverse_smape"}, "sel": {"members": ["naive", "ses"],
                                                                       "weights": "select"}}


def _data(test_shift: float = 0.0, n: int = 30, h: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    rows = []
    for i in range(3):
        y = 40 + np.cumsum(rng.normal(0.3 * i, 1.0, n)) + 2 * np.sin(np.arange(n))
        y[-h:] += test_shift  # only the held-out test part moves
        rows += [{"id": f"s{i}", "time": t, "value": v} for t, v in enumerate(y)]
    return pd.DataFrame(rows)


def _run(data, combinations=OWN, **kw):
    return forecast_panel(data, models=MODELS, horizon=4, combinations=combinations, reference=None, **kw)


def test_combinations_live_in_the_one_registry():
    assert DEFAULT_COMBINATIONS == {"comb": ("ets", "theta", "arima"), "comb_shd": ("ses", "holt", "damped"),
                                    "comb_tdn": ("theta_m3", "damped", "nbeats"), "comb_etn": ("ets", "theta_m3", "nbeats"),
                                    "comb_eatn": ("ets", "arima", "theta_m3", "nbeats")}
    names = model_names("combination")
    assert {"comb", "comb_ivw", "comb_select", "comb_tdn_ivw"} <= set(names)
    assert set(model_names("combination", capability="validation")) == {"comb_ivw", "comb_select", "comb_tdn_ivw"}
    assert get_spec("comb_select").build("combination").weights == "select"
    assert "comb" not in model_names("series")
    with pytest.raises(ArgumentError, match="only the combination contract"):
        register_model("mine_comb", combination=PanelCombination, series="pybbdl.models.local:SESSeries")


def test_validation_weights_never_read_the_test_part():
    a, b = _run(_data()), _run(_data(test_shift=25.0))
    pd.testing.assert_frame_equal(a.combination_weights, b.combination_weights)
    fa = a.forecasts.set_index(["id", "model", "step"])["forecast"]
    fb = b.forecasts.set_index(["id", "model", "step"])["forecast"]
    pd.testing.assert_series_equal(fa, fb)
    sa = a.table.set_index(["model", "frequency"])["smape_pooled"]
    sb = b.table.set_index(["model", "frequency"])["smape_pooled"]
    assert (sa != sb).all()  # the scores did see the shifted test part
    w = a.combination_weights
    assert np.allclose(w.groupby(["id", "combination"])["weight"].sum(), 1.0)
    sel = w[w["combination"] == "sel"]
    best = sel.loc[sel.groupby("id")["validation_smape"].idxmin()]
    assert (best["weight"] == 1.0).all() and sel["weight"].isin([0.0, 1.0]).all()
    ivw = w[w["combination"] == "ivw"]
    inv = 1 / ivw["validation_smape"]
    assert np.allclose(ivw["weight"], inv / inv.groupby(ivw["id"]).transform("sum"))
    assert "chosen on a validation window" in a.summary()
    assert a.table.loc[a.table["model"] == "ivw", "note"].str.contains("validation window").all()


def test_the_validation_window_is_the_last_h_training_values():
    run = _run(_data())
    s0 = run.series[(run.series["id"] == "s0") & (run.series["model"] == "naive")].iloc[0]
    y = _data()
    y = y[y["id"] == "s0"]["value"].to_numpy()[:-4]  # training part
    assert s0["n_train"] == len(y)
    val = y[-4:]
    naive = np.full(4, y[-5])  # naive fitted without the window
    smape = np.mean(200 * np.abs(val - naive) / (np.abs(val) + np.abs(naive)))
    w = run.combination_weights
    got = w[(w["id"] == "s0") & (w["combination"] == "ivw") & (w["member"] == "naive")]["validation_smape"]
    assert got.iloc[0] == pytest.approx(smape, rel=1e-12)


def test_too_short_training_parts_get_equal_weights_and_say_so():
    run = _run(_data(n=14))  # 10 training values < horizon 4 + 7
    w = run.combination_weights
    assert np.allclose(w[w["combination"] == "ivw"]["weight"], 1 / 3)
    notes = run.series.loc[run.series["model"] == "ivw", "note"]
    assert notes.str.contains("too short for a validation window").all()
    series, short = validation_series([])
    assert series == [] and short == []


def test_registered_combinations_by_name_and_fixed_ones_unchanged():
    run = forecast_panel(_data(), models=["ses", "holt", "damped"], horizon=4, reference=None,
                         combinations=["comb_shd"])
    fc = run.forecasts.pivot_table(index=["id", "step"], columns="model", values="forecast")
    np.testing.assert_allclose(fc["comb_shd"], fc[["ses", "holt", "damped"]].mean(axis=1))
    assert run.combination_weights.empty


@pytest.mark.parametrize("combinations, err, match", [
    ({"c": {"members": MODELS, "weights": "best"}}, ArgumentError, "`weights` must be one of"),
    ({"c": {"members": ["naive", "naive"], "weights": "select"}}, ArgumentError, "each model once"),
    ({"c": {"members": ["naive"], "weights": "select"}}, ArgumentError, "at least 2"),
    ({"c": {"members": "naive,ses"}}, ArgumentTypeError, "`members` must be a list"),
    ({"c": {"weights": "select"}}, ArgumentError, "dict with 'members'"),
    ({"c": {"members": MODELS, "weight": "select"}}, ArgumentError, "dict with 'members'"),
    ({"c": {"members": ["naive", "theta"], "weights": "select"}}, ArgumentError, "not in `models`"),
    ({"naive": {"members": ["ses", "damped"]}}, ArgumentError, "also a model of the run"),
    (["comb_x"], ArgumentError, "registered combinations"),
    (["comb_ivw"], ArgumentError, "not in `models`"),
    (["comb_shd", "comb_shd"], ArgumentError, "each combination once"),
    ([], ArgumentError, "registered combinations"),
    ({"": ["naive", "ses"]}, ArgumentError, "non-empty strings"),
    (3, ArgumentTypeError, "must be a dict"),
])
def test_bad_combinations_are_refused_up_front(combinations, err, match):
    with pytest.raises(err, match=match):
        _run(_data(), combinations=combinations)


def test_choose_refuses_misshapen_validation_forecasts():
    combo = PanelCombination(("a", "b"), "inverse_smape")
    with pytest.raises(ArgumentError, match="one row of 3 values per member"):
        combo.choose(np.ones((3, 3)), np.ones(3))
    with pytest.raises(ArgumentError, match="must be finite"):
        combo.choose(np.array([[1.0, np.nan, 1.0], [1.0, 1.0, 1.0]]), np.ones(3))
    w, _ = combo.choose(np.array([[1.0, 1.0], [2.0, 2.0]]), np.ones(2))  # a perfect member takes (nearly) all
    assert w[0] > 0.999
