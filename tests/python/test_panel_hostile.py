"""Panels read what the user meant (issue 20, panel part): every case of the second hostile-input
audit (codes P..., X3b) and the same patterns in the panel's other options. Tiny generated panels,
the fast local models only (naive, naive2); each test well under a second or two."""

import warnings

import numpy as np
import pandas as pd
import pytest

from pybbdl.cli import main
from pybbdl.data.panel import as_panel
from pybbdl.exceptions import (ArgumentError, ArgumentTypeError, DataError, DataFileNotFoundError,
                               IrregularTimeIndexWarning, ModelFitError, PybbdlError)
from pybbdl.workflows.panel import NothingScoredError, backtest_panel, forecast_panel


def _seasonal(n, period=12, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 100 * (1 + 0.01 * t) * (1 + 0.2 * np.sin(2 * np.pi * t / period)) * np.exp(rng.normal(0, 0.01, n))


def _monthly(ids=("a", "b", "c"), n=48, fmt="%Y-%m-%d", col="date"):
    """A long monthly panel with a text date column, rows in series and time order."""
    frames = [pd.DataFrame({"id": sid, col: pd.date_range("2000-01-01", periods=n, freq="MS").strftime(fmt),
                            "value": _seasonal(n, 12, k)}) for k, sid in enumerate(ids)]
    return pd.concat(frames, ignore_index=True)


def _numbered(series: dict) -> pd.DataFrame:
    return pd.concat([pd.DataFrame({"id": k, "time": np.arange(1, len(v) + 1), "value": v})
                      for k, v in series.items()], ignore_index=True)


def _cli(tmp_path, *argv):
    """Run `pybbdl panel` quietly into a fresh folder; the exit code."""
    out = tmp_path / f"out{len(list(tmp_path.glob('out*')))}"
    return main(["panel", *map(str, argv), "--quiet", "--out", str(out)])


def _histories(panel):
    return {s.id: s.y for s in panel.series}


# ------------------------------------------------------------------ the time column (P39)
def test_P39_date_column_is_used(tmp_path):
    ordered = _monthly()
    shuffled = ordered.sample(frac=1, random_state=1)
    path = tmp_path / "p.csv"
    shuffled.to_csv(path, index=False)
    want = as_panel(ordered, time_col="date")
    for data in (path, shuffled):  # the CSV door and the DataFrame door
        got = as_panel(data)
        assert sorted((s.id, s.period, s.horizon) for s in got.series) == [(i, 12, 18) for i in ("a", "b", "c")]
        for sid, y in _histories(want).items():
            np.testing.assert_allclose(_histories(got)[sid], y, rtol=1e-12)
    ours = forecast_panel(shuffled, models=["naive"]).table
    theirs = forecast_panel(ordered, models=["naive"], time_col="date").table
    pd.testing.assert_frame_equal(ours.drop(columns="seconds"), theirs.drop(columns="seconds"))


def test_P39_several_time_columns_are_refused_naming_them():
    data = _monthly()
    data["time"] = np.tile(np.arange(1, 49), 3)
    with pytest.raises(DataError, match=r"time_col.*'date'.*'time'|time_col.*'time'.*'date'"):
        as_panel(data)
    assert len(as_panel(data, time_col="time")) == 3


def test_P39_no_silent_row_order_when_a_column_may_hold_times():
    data = _numbered({"a": _seasonal(30), "b": _seasonal(30, seed=1)}).rename(columns={"time": "year"})
    shuffled = data.sample(frac=1, random_state=2)
    with pytest.raises(DataError, match=r"time_col.*'year'"):
        as_panel(shuffled)
    for sid, y in _histories(as_panel(data, time_col="year")).items():
        np.testing.assert_array_equal(_histories(as_panel(shuffled, time_col="year"))[sid], y)
    # row order on request only; a frame with id and value alone has nothing else to order by
    assert len(as_panel(shuffled, time_col=False)) == 2
    assert len(as_panel(data[["id", "value"]])) == 2


def test_P39_text_times_that_are_not_dates_are_refused():
    data = _numbered({"a": _seasonal(20)})
    data["time"] = [f"t{i}" for i in range(20)]
    with pytest.raises(DataError, match="'time'.*'t0'.*row 1"):
        as_panel(data)


def test_P39_cli_uses_the_date_column(tmp_path, capsys):
    path = tmp_path / "p.csv"
    _monthly().sample(frac=1, random_state=3).to_csv(path, index=False)
    assert _cli(tmp_path, path, "--models", "naive") == 0
    series = pd.read_csv(next(tmp_path.glob("out*")) / "series.csv")
    assert set(series["period"]) == {12} and set(series["horizon"]) == {18}


# ------------------------------------------------------------------ ids are text (P13b, P14, P15b)
def test_P13b_P14_ids_are_text(tmp_path):
    path = tmp_path / "ids.csv"
    y = _seasonal(20, 4)
    pd.DataFrame({"id": ["01"] * 20 + ["1"] * 20 + ["1.0"] * 20, "time": list(range(1, 21)) * 3,
                  "value": np.r_[y, y * 2, y * 3]}).to_csv(path, index=False)
    panel = as_panel(path, period=4, horizon=4)
    assert panel.ids == ["01", "1", "1.0"] and not panel.errors
    np.testing.assert_allclose(panel.series[1].y, 2 * y[:16])
    assert _cli(tmp_path, path, "--models", "naive", "--period", "4") == 0


def test_P14_ids_that_differ_only_by_type_are_refused():
    data = pd.DataFrame({"id": [1] * 10 + ["1"] * 10, "time": list(range(10)) * 2, "value": np.arange(20.0)})
    with pytest.raises(DataError, match="id.*'1'"):
        as_panel(data)


def test_P15b_missing_ids_are_refused_naming_the_rows(tmp_path, capsys):
    good = _numbered({"a": _seasonal(20), "b": _seasonal(20, seed=1)})
    bad = pd.concat([good.iloc[:5], good.iloc[5:8].assign(id=np.nan), good.iloc[8:]], ignore_index=True)
    with pytest.raises(DataError, match=r"`id_col`.*rows 6, 7, 8"):
        as_panel(bad)
    path = tmp_path / "na.csv"
    bad.to_csv(path, index=False)  # the empty fields of the file
    with pytest.raises(DataError, match=r"rows 6, 7, 8"):
        as_panel(path)
    assert _cli(tmp_path, path, "--models", "naive") == 2
    assert "rows 6, 7, 8" in capsys.readouterr().err


# ------------------------------------------------------------------ dates as the CSV reader reads them (P08, P11)
def test_P08_day_first_dates_are_refused_as_ambiguous_or_read_as_told(tmp_path, capsys):
    path = tmp_path / "ddmm.csv"
    _monthly(fmt="%d/%m/%Y").to_csv(path, index=False)
    with pytest.raises(DataError, match="ambiguous.*dayfirst"):
        as_panel(path)
    assert _cli(tmp_path, path, "--models", "naive") == 2
    assert "ambiguous" in capsys.readouterr().err
    panel = as_panel(path, dayfirst=True)
    assert {(s.period, s.horizon) for s in panel.series} == {(12, 18)}
    assert as_panel(path, date_format="%d/%m/%Y").series[0].times[1] == pd.Timestamp("2000-02-01")
    assert _cli(tmp_path, path, "--models", "naive", "--dayfirst") == 0
    assert _cli(tmp_path, path, "--models", "naive", "--date-format", "%d/%m/%Y") == 0
    with pytest.raises(DataError, match="dayfirst"):  # a setting for dates with no date column
        as_panel(_numbered({"a": _seasonal(20)}), dayfirst=True)


def test_P11_gaps_are_reported_and_the_period_is_the_usual_step():
    data = _monthly().drop(index=[5, 6])  # two missing months in series 'a'
    with pytest.warns(IrregularTimeIndexWarning, match="'a'.*2000-05-01.*2000-08-01"):
        panel = as_panel(data)
    assert {s.id: s.period for s in panel.series} == {"a": 12, "b": 12, "c": 12}
    assert "gap" in panel.series[0].note and panel.series[1].note == ""
    with pytest.warns(IrregularTimeIndexWarning):
        run = forecast_panel(data, models=["naive"])
    notes = run.series.set_index(["id", "model"])["note"]
    assert "gap" in notes[("a", "naive")] and notes[("b", "naive")] == ""


def test_P11_gaps_in_numbered_times_are_reported_too():
    data = _numbered({"a": _seasonal(30), "b": _seasonal(30, seed=1)}).drop(index=[10])
    with pytest.warns(IrregularTimeIndexWarning, match="'a'"):
        as_panel(data, period=4, horizon=4)


def test_P11_monthly_dates_mid_month_are_monthly():
    data = _monthly(fmt="%Y-%m-15")
    with warnings.catch_warnings():
        warnings.simplefilter("error", IrregularTimeIndexWarning)
        assert {s.period for s in as_panel(data).series} == {12}


# ------------------------------------------------------------------ options that had no effect (P45, P27)
def test_P45_empty_models_are_refused(tmp_path, capsys):
    path = tmp_path / "p.csv"
    _numbered({"a": _seasonal(30)}).to_csv(path, index=False)
    for value, says in (("", "`--models` must not be empty"), (" , ", "`--models` must name at least one model")):
        assert _cli(tmp_path, path, "--models", value) == 2  # the CLI's blank-option rule, then the panel's
        assert says in capsys.readouterr().err
    with pytest.raises(ArgumentError, match="at least one model"):
        forecast_panel(_numbered({"a": _seasonal(30)}), models="")


def test_P27_step_without_folds_is_refused(tmp_path, capsys):
    path = tmp_path / "p.csv"
    _numbered({"a": _seasonal(40)}).to_csv(path, index=False)
    assert _cli(tmp_path, path, "--models", "naive", "--step", "2") == 2
    assert "--step" in capsys.readouterr().err
    with pytest.raises(ArgumentError, match="`step`.*folds"):
        backtest_panel(_numbered({"a": _seasonal(40)}), models=["naive"], folds=1, step=2)


# ------------------------------------------------------------------ what can be checked up front is (P16, P18, P21)
def test_P16_unknown_part_labels_are_refused_up_front(tmp_path, capsys):
    data = _numbered({"a": _seasonal(30), "b": _seasonal(30, seed=1)})
    data["part"] = np.where(data["time"] > 26, "holdout", "train")
    with pytest.raises(DataError, match=r"`part_col`.*'train' or 'test'.*'holdout'"):
        as_panel(data, part_col="part")
    path = tmp_path / "p.csv"
    data.to_csv(path, index=False)
    assert _cli(tmp_path, path, "--models", "naive", "--part-col", "part") == 2
    assert "holdout" in capsys.readouterr().err
    data["part"] = "train"  # nothing to score
    with pytest.raises(DataError, match="no 'test' rows"):
        as_panel(data, part_col="part")


def test_P18_horizon_below_one_is_refused_up_front(tmp_path, capsys):
    data = _numbered({"a": _seasonal(30)})
    for h in (0, -3):
        with pytest.raises(ArgumentError, match=f"`horizon` must be a whole number >= 1. Received: {h}"):
            forecast_panel(data, models=["naive"], horizon=h)
    with pytest.raises(ArgumentError, match="`horizon`"):
        as_panel(data, horizon={"a": 0})
    path = tmp_path / "p.csv"
    data.to_csv(path, index=False)
    assert _cli(tmp_path, path, "--models", "naive", "--horizon", "0") == 2
    assert "`horizon` must be" in capsys.readouterr().err


def test_P21_horizon_longer_than_every_series_is_refused_up_front(tmp_path, capsys):
    data = _numbered({"a": _seasonal(30), "b": _seasonal(20, seed=1)})
    with pytest.raises(ArgumentError, match=r"`horizon`.*longest series has 30 values.*27"):
        as_panel(data, horizon=1_000_000_000)
    with pytest.raises(ArgumentError, match=r"`horizon`"):  # forecasting past the end is bounded too
        as_panel(data, horizon=1_000_000_000, holdout=False)
    path = tmp_path / "p.csv"
    data.to_csv(path, index=False)
    assert _cli(tmp_path, path, "--models", "naive", "--horizon", "1000000000") == 2
    assert "`horizon`" in capsys.readouterr().err


def test_P22_no_usable_series_is_an_error_with_the_reasons(tmp_path, capsys):
    data = _numbered({"a": _seasonal(30), "b": _seasonal(30, seed=1)})
    data["value"] = data["value"].map(lambda v: f"{v:.2f}".replace(".", ","))  # decimal commas: text
    with pytest.raises(DataError, match=r"no usable series.*'a'.*must be numbers.*'b'"):
        as_panel(data)
    path = tmp_path / "p.csv"
    data.to_csv(path, index=False)
    assert _cli(tmp_path, path, "--models", "naive") == 2
    assert "no usable series" in capsys.readouterr().err


def test_P41_nothing_scored_is_an_error_with_the_reasons(tmp_path, capsys):
    panel = as_panel({"a": np.arange(1.0, 5.0), "b": np.arange(2.0, 6.0)}, horizon=2, period=1, min_length=2)
    failed = r"every model asked for failed on every series.*'a'.*holt.*at least 3"
    with pytest.raises(NothingScoredError, match=failed) as err:
        forecast_panel(panel, models=["holt"], reference=None)
    assert isinstance(err.value, ModelFitError) and (err.value.run.series["error"] != "").all()
    with pytest.raises(NothingScoredError, match="fold"):  # a backtest: no fold gave a forecast
        backtest_panel(panel, models=["holt"], reference=None, folds=2, step=1, min_length=2)
    # one model that works is enough
    run = forecast_panel(panel, models=["holt", "naive"], reference=None)
    assert run.table["n_series"].max() == 2
    path = tmp_path / "p.csv"
    _numbered({"a": np.arange(1.0, 6.0)}).to_csv(path, index=False)
    # ETS needs 7 values: the model asked for scored nothing (the reference NAIVE2 alone does not count)
    assert _cli(tmp_path, path, "--models", "ets", "--horizon", "1") == 2
    assert "ETS needs a series of at least 7 values" in capsys.readouterr().err


# ------------------------------------------------------------------ files (P49, P50, X3b)
def test_P49_utf16_file_needs_its_encoding(tmp_path, capsys):
    path = tmp_path / "u16.csv"
    _numbered({"a": _seasonal(30)}).to_csv(path, index=False, encoding="utf-16")
    with pytest.raises(DataError, match="must be text in UTF-8.*encoding"):
        as_panel(path)
    assert _cli(tmp_path, path, "--models", "naive") == 2
    assert "--encoding" in capsys.readouterr().err
    assert len(as_panel(path, encoding="utf-16")) == 1
    assert _cli(tmp_path, path, "--models", "naive", "--encoding", "utf-16") == 0
    with pytest.raises(ArgumentError, match="`encoding`"):
        as_panel(_numbered({"a": _seasonal(30)}), encoding="utf-16")  # no file to decode
    with pytest.raises(ArgumentError, match="`encoding`.*'klingon'"):
        as_panel(path, encoding="klingon")


@pytest.mark.parametrize("text, match", [("", "empty file"), ("id,time,value\n", "no data rows"),
                                         ("\n\n", "empty file")])
def test_P50_X3b_empty_or_header_only_files_are_refused(tmp_path, capsys, text, match):
    path = tmp_path / "e.csv"
    path.write_text(text)
    with pytest.raises(DataError, match=match):
        as_panel(path)
    assert _cli(tmp_path, path, "--models", "naive") == 2
    assert match in capsys.readouterr().err


def test_P50_missing_file_and_other_separators(tmp_path, capsys):
    with pytest.raises(DataFileNotFoundError, match="missing.csv"):
        as_panel(tmp_path / "missing.csv")
    assert _cli(tmp_path, tmp_path / "missing.csv") == 2
    path = tmp_path / "semi.csv"
    _numbered({"a": _seasonal(30)}).to_csv(path, index=False, sep=";")
    with pytest.raises(DataError, match="comma-separated"):
        as_panel(path)
    path.write_text("id,id,value\na,1,2\n")
    with pytest.raises(DataError, match=r"unique column names.*'id'"):
        as_panel(path)


# ------------------------------------------------------------------ the other options, the same patterns
def test_columns_that_are_absent_or_named_twice_are_refused(tmp_path, capsys):
    data = _numbered({"a": _seasonal(30)})
    for kw, name in ((dict(id_col="series"), "series"), (dict(time_col="date"), "date"),
                     (dict(value_col="y"), "y"), (dict(part_col="part"), "part")):
        with pytest.raises(DataError, match=f"'{name}'.*Received columns"):
            as_panel(data, **kw)
    with pytest.raises(ArgumentError, match="'value'.*both"):
        as_panel(data, time_col="value")
    path = tmp_path / "p.csv"
    data.to_csv(path, index=False)
    assert _cli(tmp_path, path, "--id-col", "series") == 2
    assert "'series'" in capsys.readouterr().err


def test_settings_that_another_would_override_are_refused():
    data = _numbered({"a": _seasonal(30)})
    data["p"], data["h"], data["part"] = 4, 4, np.where(data["time"] > 26, "test", "train")
    with pytest.raises(ArgumentError, match="`period`.*`period_col`"):
        as_panel(data, period=12, period_col="p")
    with pytest.raises(ArgumentError, match="`horizon`.*`horizon_col`"):
        as_panel(data, horizon=6, horizon_col="h")
    with pytest.raises(ArgumentError, match="`holdout`.*`part_col`"):
        as_panel(data, holdout=False, part_col="part")
    panel = as_panel(data, period_col="p", horizon_col="h")
    with pytest.raises(ArgumentError, match="`horizon`.*Panel"):  # a read panel's settings are fixed
        forecast_panel(panel, models=["naive"], horizon=2)


def test_per_series_settings_name_series_of_the_panel():
    data = _numbered({"a": _seasonal(30), "b": _seasonal(30, seed=1)})
    with pytest.raises(ArgumentError, match=r"`horizon`.*'c'"):
        as_panel(data, horizon={"a": 4, "c": 4})
    with pytest.raises(ArgumentError, match=r"`period`.*whole number >= 1.*0"):
        as_panel(data, period={"a": 0})
    with pytest.raises(ArgumentError, match="`period` must be a whole number >= 1"):
        as_panel(data, period=0)
    panel = as_panel(data, horizon={"a": 4, "b": 6}, period={"a": 4})
    assert [(s.horizon, s.period) for s in panel.series] == [(4, 4), (6, 1)]


def test_duplicate_times_name_the_rows_and_values_must_be_numbers():
    data = _numbered({"a": _seasonal(30), "b": _seasonal(30, seed=1)})
    dup = pd.concat([data, data.iloc[[3]]], ignore_index=True)
    panel = as_panel(dup, period=4, horizon=4)
    assert panel.ids == ["b"] and "time 4 appears more than once (rows 4, 61" in panel.errors["a"]
    short = _numbered({"a": _seasonal(30), "one": _seasonal(1)})
    assert "needs at least 3 history values" in as_panel(short, period=4, horizon=4).errors["one"]


def test_seeds_and_levels_that_would_be_ignored_are_refused(tmp_path, capsys):
    data = _numbered({"a": _seasonal(30)})
    with pytest.raises(ArgumentError, match="`seeds`.*global"):
        forecast_panel(data, models=["naive"], seeds=3)
    path = tmp_path / "p.csv"
    data.to_csv(path, index=False)
    for levels in ("", "80,95", "0.8,x"):
        assert _cli(tmp_path, path, "--models", "naive", "--levels", levels) == 2
        assert "levels" in capsys.readouterr().err
    assert _cli(tmp_path, path, "--models", "naive", "--levels", "0.8,0.95") == 0
    assert _cli(tmp_path, path, "--models", "naive", "--seeds", "2") == 2
    assert _cli(tmp_path, path, "--models", "naive", "--no-holdout", "--part-col", "part") == 2


def test_no_time_col_keeps_the_file_order_on_request(tmp_path):
    data = _numbered({"a": _seasonal(30)}).rename(columns={"time": "year"})
    path = tmp_path / "p.csv"
    data.to_csv(path, index=False)
    assert _cli(tmp_path, path, "--models", "naive") == 2
    assert _cli(tmp_path, path, "--models", "naive", "--no-time-col") == 0
    assert _cli(tmp_path, path, "--models", "naive", "--no-time-col", "--time-col", "year") == 2


def test_every_error_is_a_pybbdl_error():
    """The door's refusals are pybbdl errors (the CLI's exit 2), never raw pandas or codec errors."""
    for bad in (dict(data=pd.DataFrame()), dict(data=pd.Series([1.0])), dict(data=42),
                dict(data=_numbered({"a": _seasonal(9)}), min_length=0),
                dict(data=_numbered({"a": _seasonal(9)}), dayfirst="yes"),
                dict(data=_numbered({"a": _seasonal(9)}), id_col=3)):
        with pytest.raises((PybbdlError, ArgumentTypeError)):
            as_panel(**bad)


#: One refused value per option of `pybbdl panel` (the extra arguments that make it wrong).
BAD_OPTIONS = {
    "data_path": ["{tmp}/missing.csv"],
    "--models": ["--models", "naive,,ses"],
    "--horizon": ["--horizon", "-1"],
    "--period": ["--period", "0"],
    "--id-col": ["--id-col", "country"],
    "--time-col": ["--time-col", "date"],
    "--no-time-col": ["--no-time-col", "--time-col", "time"],
    "--value-col": ["--value-col", "time"],
    "--date-format": ["--date-format", "%d/%m/%Y"],  # the times are numbers
    "--dayfirst": ["--dayfirst"],
    "--encoding": ["--encoding", "klingon"],
    "--period-col": ["--period-col", "freq"],
    "--horizon-col": ["--horizon-col", "h", "--horizon", "4"],
    "--frequency-col": ["--frequency-col", "label"],
    "--part-col": ["--part-col", "time"],
    "--no-holdout": ["--no-holdout", "--folds", "2"],
    "--folds": ["--folds", "0"],
    "--step": ["--step", "3"],
    "--levels": ["--levels", "95"],
    "--combinations": ["--combinations", "comb_x"],
    "--ensemble": ["--ensemble", "cpu"],
    "--checkpoint-dir": ["--checkpoint-dir", "{tmp}/ck"],
    "--seed": ["--seed", "7"],
    "--seeds": ["--seeds", "0"],
    "--jobs": ["--jobs", "0"],
    "--backend": ["--backend", "spark"],
    "--address": ["--address", "10.0.0.1:6379", "--backend", "loky"],
    "--out": ["--out", "{tmp}/p.csv"],
}


def test_every_panel_option_has_a_refused_value(tmp_path, capsys):
    """Walks the parser: an option added to `pybbdl panel` without a bad-input case here fails this test."""
    from pybbdl.cli import _build_parser

    sub = next(a for a in _build_parser()._actions if a.dest == "command").choices["panel"]
    options = {a.option_strings[0] if a.option_strings else a.dest for a in sub._actions} - {"-h", "--quiet"}
    assert options == set(BAD_OPTIONS)
    path = tmp_path / "p.csv"
    _numbered({"a": _seasonal(30), "b": _seasonal(30, seed=1)}).to_csv(path, index=False)
    for option, extra in BAD_OPTIONS.items():
        extra = [x.format(tmp=tmp_path) for x in extra]
        argv = ["panel", *([] if option == "data_path" else [str(path)]), "--models", "naive", *extra, "--quiet"]
        if "--out" not in extra:
            argv += ["--out", str(tmp_path / "out")]
        try:
            rc = main(argv)
        except SystemExit as exit_:  # argparse's own refusals (a value that is not a number)
            rc = exit_.code
        assert rc == 2, f"{option} {extra}: exit {rc}"
        assert "error" in capsys.readouterr().err, option


def test_times_in_the_index_or_as_date_objects_are_found():
    data = _monthly()
    shuffled = data.sample(frac=1, random_state=4)
    want = _histories(as_panel(data, time_col="date"))
    stamps = pd.to_datetime(shuffled["date"])
    variants = [shuffled.assign(date=stamps.dt.date),  # datetime.date objects
                shuffled.assign(date=stamps).set_index("date"),  # a DatetimeIndex
                shuffled.assign(date=stamps).set_index(["id", "date"])]  # a MultiIndex (id, time)
    for frame in variants:
        got = _histories(as_panel(frame))
        for sid, y in want.items():
            np.testing.assert_allclose(got[sid], y, rtol=1e-12)


def test_a_dict_of_series_reads_text_dates_by_the_same_rule():
    text = pd.date_range("2000-01-01", periods=36, freq="MS").strftime("%d/%m/%Y")
    data = {"a": pd.Series(_seasonal(36), index=text)}
    with pytest.raises(DataError, match="ambiguous"):
        as_panel(data)
    assert as_panel(data, dayfirst=True).series[0].period == 12
    with pytest.raises(DataError, match="dayfirst"):  # nothing it could apply to
        as_panel({"a": _seasonal(36)}, dayfirst=True)
    with pytest.raises(ArgumentError, match="`time_col`"):  # a dict of series has no columns to name
        as_panel({"a": _seasonal(36)}, time_col="date")
