"""The metric registry (issue 21, item 4): every metric declared once, tables built from it, and a
user's metric scored like pybbdl's own. Tiny data, models without TensorFlow: well under 10 s."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pybbdl.evaluation import compare
from pybbdl.evaluation.intervals import coverage, crps_from_quantiles, pinball_loss, quantile_forecasts, winkler_score
from pybbdl.evaluation.metrics import (get_metric, interval_metric_names, interval_scores, metric_names, metric_table,
                                       register_metric, unregister_metric)
from pybbdl.exceptions import ArgumentError, ArgumentTypeError
from pybbdl.reports import summary_columns
from pybbdl.windows import prepare_windows


@pytest.fixture(scope="module")
def windows():
    rng = np.random.default_rng(3)
    y = np.cumsum(rng.normal(size=120)) + 3 * np.sin(np.arange(120) / 2)
    frame = pd.DataFrame({"y": y}, index=pd.date_range("1990-01-01", periods=120, freq="MS"))
    return prepare_windows(frame, target="y", lookback=4, split=(0.5, 0.25, 0.25))


@pytest.fixture
def user_metrics():
    """Register, then always remove, the user metrics a test adds."""
    added = []

    def add(*args, **kwargs):
        metric = register_metric(*args, **kwargs)
        added.append(metric.name)
        return metric

    yield add
    for name in added:
        unregister_metric(name)


def _medae(actual, forecast):
    return float(np.median(np.abs(np.asarray(actual) - np.asarray(forecast))))


def test_registry_declares_every_metric_of_the_tables_once_in_column_order():
    assert metric_names("point", "compare") == ["mae", "rmse", "skill_pct"]
    assert metric_names("point", "panel") == ["smape", "mase", "owa"]
    assert metric_names("interval") == ["coverage", "width", "winkler"]
    assert metric_names("distribution") == ["pinball", "crps"]
    assert metric_names("test") == ["dm_stat", "p", "cw_stat", "cw_p", "test"]
    assert metric_names("set") == ["mcs_p", "in_mcs"] and metric_names("fit") == ["epochs", "fit_seconds", "n_params"]
    table = metric_table()
    assert list(table.columns) == ["metric", "kind", "label", "better", "needs", "per", "scope", "printed", "builtin",
                                   "description"]
    assert table["metric"].is_unique and table["builtin"].all()
    row = table.set_index("metric")
    assert row.loc["mae", "better"] == "lower" and row.loc["skill_pct", "better"] == "higher"
    assert row.loc["coverage", "better"] == "" and row.loc["coverage", "per"] == "level"
    assert row.loc["p", "per"] == "baseline" and row.loc["mase", "needs"] == "actual,forecast,history,period"
    assert interval_metric_names((0.8, 0.95)) == ["coverage_80", "width_80", "winkler_80", "coverage_95", "width_95",
                                                 "winkler_95", "pinball", "crps"]
    assert interval_metric_names(()) == []
    assert get_metric("dm_stat").wide_name("test", baseline="naive") == "test_dm_vs_naive"
    assert get_metric("in_mcs").long_name(level=0.9) == "in_mcs_90"


def test_registry_scores_equal_the_elementary_functions():
    y = np.array([1.0, 2.0, 3.0, 5.0, 8.0])
    point = np.array([1.5, 2.0, 2.5, 3.5, 9.0])
    ints = {0.8: (point - 1, point + 1), 0.95: (point - 2, point + 2)}
    got = interval_scores(y, point, ints)
    assert got["coverage_80"] == coverage(y, *ints[0.8]) == 0.8
    assert got["width_95"] == 4.0 and got["winkler_80"] == winkler_score(y, *ints[0.8], 0.8) == pytest.approx(3.0)
    taus, q = quantile_forecasts(point, ints)
    assert got["pinball"] == float(np.mean([pinball_loss(y, qi, t) for t, qi in zip(taus, q)]))
    assert got["crps"] == crps_from_quantiles(y, taus, q)


def test_a_user_point_metric_appears_in_the_long_and_wide_tables(windows, user_metrics):
    user_metrics("medae", _medae, label="MdAE", description="median absolute error")
    assert metric_names("point", "compare") == ["mae", "rmse", "skill_pct", "medae"]
    c = compare(windows, ["naive", "seasonal_naive"], params={"seasonal_naive": {"period": 12}}, progress=False,
                levels=())
    long = c.long.set_index(["model", "part", "metric"])
    for part in ("val", "test"):
        expected = _medae(windows.actuals(part).to_numpy(), c.forecasts[part]["seasonal_naive"].to_numpy())
        assert long.loc[("seasonal_naive", part, "medae"), "value"] == expected
        assert c.table.loc[c.table["model"] == "seasonal_naive", f"{part}_medae"].item() == expected
    # after skill, before the DM columns, in both tables
    cols = list(c.table.columns)
    assert cols.index("test_skill_pct") + 1 == cols.index("test_medae") == cols.index("test_dm_vs_naive") - 1
    metrics = list(dict.fromkeys(c.long.loc[c.long["part"] == "test", "metric"]))
    assert metrics[:5] == ["mae", "rmse", "skill_pct", "medae", "dm_stat_vs_naive"]
    cat = c.columns.set_index("column")
    assert cat.loc["test_medae", "label"] == "MdAE" and bool(cat.loc["test_medae", "printed"])
    assert "test_medae" in summary_columns(c.table, c.columns)
    unregister_metric("medae")
    assert "medae" not in metric_names()
    register_metric("medae", _medae)  # the fixture removes it again


def test_user_interval_and_distribution_metrics_are_scored_at_each_level(windows, user_metrics):
    user_metrics("miss", lambda a, lo, hi, level: float(np.mean((a < lo) | (a > hi))), kind="interval",
                 lower_is_better=True)
    user_metrics("q90", lambda a, taus, q: pinball_loss(a, q[-1], taus[-1]), kind="distribution")
    c = compare(windows, ["naive"], progress=False, levels=(0.8,))
    row = c.table.iloc[0]
    assert row["test_miss_80"] == pytest.approx(1 - row["test_coverage_80"])
    assert list(c.table.columns).index("test_miss_80") == list(c.table.columns).index("test_winkler_80") + 1
    assert list(c.table.columns).index("test_q90") == list(c.table.columns).index("test_crps") + 1
    assert "test_miss_80" not in summary_columns(c.table, c.columns)  # interval metrics are not printed by default
    names = set(c.long["metric"])
    assert {"miss_80", "q90"} <= names and "miss_80" not in set(c.long.loc[c.long["part"] == "train", "metric"])


@pytest.mark.parametrize("name", ["nope", "MAE", "", None, 3])
def test_unknown_metric_names_are_refused(name):
    with pytest.raises(ArgumentError, match="must be a registered metric"):
        get_metric(name)
    with pytest.raises(ArgumentError, match="must be a registered metric"):
        unregister_metric(name)


def test_metric_lists_refuse_unknown_kinds_and_scopes_and_builtins_cannot_be_removed():
    with pytest.raises(ArgumentError, match="`kind` must be one of"):
        metric_names("points")
    with pytest.raises(ArgumentError, match="`scope` must be one of"):
        metric_names(scope="everywhere")
    with pytest.raises(ArgumentError, match="one of pybbdl's own"):
        unregister_metric("mae")


@pytest.mark.parametrize("name, match", [
    ("mae", "is taken"), ("dm", "is taken"), ("coverage", "is taken"), ("seeds", "column of the tables"),
    ("spec", "column of the tables"), ("err_sd", "end in _sd"), ("MdAE", "lower-case letters"),
    ("1st", "lower-case letters"), ("a-b", "lower-case letters"), ("", "lower-case letters")])
def test_taken_reserved_and_malformed_names_are_refused(name, match):
    with pytest.raises(ArgumentError, match=match):
        register_metric(name, _medae)


def test_duplicate_registration_is_refused(user_metrics):
    user_metrics("medae", _medae)
    with pytest.raises(ArgumentError, match="'medae' is taken"):
        register_metric("medae", _medae)
    with pytest.raises(ArgumentTypeError, match="`name` must be a string"):
        register_metric(b"medae", _medae)


@pytest.mark.parametrize("function, kind, match", [
    (None, "point", "must be callable"),
    ("mae", "point", "must be callable"),
    (lambda a: 0.0, "point", "must take \\(actual, forecast\\)"),
    (lambda a, f: 0.0, "interval", "must take \\(actual, lower, upper, level\\)"),
    (lambda a, f, g, h: 0.0, "distribution", "must take \\(actual, taus, quantiles\\)"),
    (lambda a, f: np.abs(a - f), "point", "must return one real number"),
    (lambda a, f: "small", "point", "must return one real number"),
    (lambda a, f: True, "point", "must return one real number"),
    (lambda a, f: 1 + 2j, "point", "must return one real number"),
    (lambda a, f: 1 / 0, "point", "raised ZeroDivisionError"),
])
def test_bad_functions_are_refused(function, kind, match):
    with pytest.raises(ArgumentTypeError, match=match):
        register_metric("bad", function, kind=kind)
    assert "bad" not in metric_names()


@pytest.mark.parametrize("kwargs, error, match", [
    ({"kind": "test"}, ArgumentError, "`kind` must be one of"), ({"kind": "Point"}, ArgumentError, "`kind`"),
    ({"lower_is_better": "yes"}, ArgumentTypeError, "`lower_is_better`"),
    ({"label": ""}, ArgumentTypeError, "`label`"), ({"label": 3}, ArgumentTypeError, "`label`"),
    ({"description": None}, ArgumentTypeError, "`description`"), ({"printed": "no"}, ArgumentTypeError, "`printed`")])
def test_bad_options_are_refused(kwargs, error, match):
    with pytest.raises(error, match=match):
        register_metric("medae", _medae, **kwargs)
    assert "medae" not in metric_names()


def test_a_user_metric_that_fails_while_scoring_is_named(windows, user_metrics):
    calls = []

    def picky(actual, forecast):  # fine on the 3-target probe, wrong on a real part
        calls.append(len(actual))
        return 0.0 if len(actual) == 3 else np.array([1.0, 2.0])

    user_metrics("picky", picky)
    with pytest.raises(ArgumentTypeError, match="Metric 'picky' must return one real number"):
        compare(windows, ["naive"], progress=False, levels=())


def test_printed_columns_and_labels_come_from_the_catalog(windows):
    c = compare(windows, ["naive", "seasonal_naive"], params={"seasonal_naive": {"period": 12}}, progress=False,
                baselines=["naive", "seasonal_naive"], nested={"seasonal_naive": ["naive"]})
    cat = c.columns
    assert list(cat.columns) == ["column", "part", "metric", "kind", "level", "baseline", "statistic", "label",
                                 "printed"]
    assert set(cat["column"]) <= set(c.table.columns)
    printed = cat[(cat["part"] == "test") & cat["printed"]]
    assert list(printed["label"]) == ["mae", "rmse", "skill %", "p vs naive", "p vs seasonal_naive",
                                      "CW p vs naive", "test vs naive", "test vs seasonal_naive", "coverage 80",
                                      "coverage 95", "in MCS 90"]
    assert summary_columns(c.table, c.columns)[:4] == ["model", "val_mae", "test_mae", "test_rmse"]
    assert cat.set_index("column").loc["test_width_95", "level"] == 0.95
