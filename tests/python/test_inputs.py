"""Entry points refuse what they cannot use correctly (issue 11 cases 1, 2, 7; issue 12 item 5).

Every refusal is a DataError (a PybbdlError, so the CLI prints one line, exit code 2) naming the
column, the value and its row (rows count from 1, header not counted) or timestamp.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pybbdl.data import from_frame, read_csv
from pybbdl.data.dates import irregular_step, looks_like_dates, parse_dates
from pybbdl.exceptions import DataError, DataFileNotFoundError, IrregularTimeIndexWarning, PybbdlError

DAYS = pd.date_range("2000-02-01", periods=30, freq="D")


def _csv(tmp_path, stamps, y=None, name="d.csv", extra=""):
    y = np.arange(len(stamps), dtype=float) if y is None else y
    path = tmp_path / name
    path.write_text("date,y" + extra + "\n" + "".join(f"{d},{v}\n" for d, v in zip(stamps, y)))
    return path


# -- case 1: dates --------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y %H:%M"])
def test_day_first_dates_become_the_index_instead_of_being_dropped(tmp_path, fmt):
    frame = read_csv(_csv(tmp_path, DAYS.strftime(fmt)), target="y")
    assert isinstance(frame.index, pd.DatetimeIndex) and frame.index.name == "date"
    assert (frame.index == DAYS).all()


def test_shuffled_day_first_file_is_refused_naming_the_timestamps(tmp_path):
    # the file: dd/mm/yyyy, rows shuffled; it used to run (date column dropped), naive MAE 4.75
    perm = np.random.default_rng(0).permutation(30)
    path = _csv(tmp_path, DAYS[perm].strftime("%d/%m/%Y"), np.arange(30.0)[perm])
    with pytest.raises(DataError, match=r"sorted in increasing order\. Received: 2000-02-\d\d at row \d+ after "
                                        r"2000-02-\d\d at row \d+"):
        read_csv(path, target="y")


def test_ambiguous_day_month_order_is_refused_until_dayfirst_or_format_says(tmp_path):
    months = pd.date_range("2000-01-01", periods=12, freq="MS")  # 01/02/2000 ... : every day field is 01
    path = _csv(tmp_path, months.strftime("%d/%m/%Y"))
    with pytest.raises(DataError, match=r"'date' is ambiguous: '01/02/2000' \(row 2.*dayfirst=True"):
        read_csv(path, target="y")
    assert (read_csv(path, target="y", dayfirst=True).index == months).all()
    assert (read_csv(path, target="y", date_format="%d/%m/%Y").index == months).all()
    assert read_csv(path, target="y", dayfirst=False).index[1] == pd.Timestamp("2000-01-02")


def test_one_day_above_12_decides_the_order(tmp_path):
    stamps = pd.DatetimeIndex(["2000-01-11", "2000-01-12", "2000-01-13"])
    frame = read_csv(_csv(tmp_path, stamps.strftime("%m/%d/%Y")), target="y")
    assert (frame.index == stamps).all()


@pytest.mark.parametrize("row,bad", [(1, "2000-13-01"), (6, "2000-02-31"), (20, "n.a."), (30, "31/12/1999")])
def test_one_bad_date_is_reported_with_column_value_and_row(tmp_path, row, bad):
    stamps = list(DAYS.strftime("%Y-%m-%d"))
    stamps[row - 1] = bad
    with pytest.raises(DataError, match=rf"Date column 'date' must hold dates in one format.*Received: '{bad}' "
                                        rf"at row {row} \(rows count from 1, header not counted\)"):
        read_csv(_csv(tmp_path, stamps), target="y")


def test_mixed_formats_are_refused_at_the_first_odd_value(tmp_path):
    stamps = list(DAYS.strftime("%d/%m/%Y"))
    stamps[7] = DAYS[7].strftime("%Y-%m-%d")
    with pytest.raises(DataError, match=r"'%d/%m/%Y', guessed from the first value '01/02/2000'\)\. "
                                        r"Received: '2000-02-08' at row 8"):
        read_csv(_csv(tmp_path, stamps), target="y")


def test_date_format_that_does_not_match_is_refused(tmp_path):
    path = _csv(tmp_path, DAYS.strftime("%Y-%m-%d"))
    with pytest.raises(DataError, match=r"date_format='%d/%m/%Y'\)\. Received: '2000-02-01' at row 1"):
        read_csv(path, target="y", date_format="%d/%m/%Y")
    with pytest.raises(DataError, match="date_col"):  # a format with nothing to apply it to
        read_csv(_csv(tmp_path, range(5), name="n.csv"), target="y", date_format="%Y")


def test_missing_date_and_unknown_date_col_are_refused(tmp_path):
    stamps = list(DAYS.strftime("%Y-%m-%d"))
    stamps[3] = ""
    with pytest.raises(DataError, match="row 4"):
        read_csv(_csv(tmp_path, stamps), target="y")
    with pytest.raises(DataError, match="`date_col` must name a column.*'when'"):
        read_csv(_csv(tmp_path, DAYS.strftime("%Y-%m-%d")), target="y", date_col="when")


def test_a_date_column_is_never_a_model_input(tmp_path):
    path = _csv(tmp_path, DAYS.strftime("%Y-%m-%d"), extra=",when")
    path.write_text("date,y,when\n" + "".join(f"{d},{i},{d}\n" for i, d in enumerate(DAYS.strftime("%Y-%m-%d"))))
    with pytest.raises(DataError, match=r"\['date', 'when'\] all look like dates"):
        read_csv(path, target="y")
    with pytest.raises(DataError, match="'when' holds dates; it must not be a model input"):
        read_csv(path, target="y", date_col="date", features=["when"])
    frame = from_frame(pd.DataFrame({"t": DAYS, "y": np.arange(30.0)}), target="y")  # datetime64 column
    assert frame.index.name == "t" and list(frame.columns) == ["y"]
    years = pd.DataFrame({"year": range(1990, 2000), "y": np.arange(10.0)})
    with pytest.raises(DataError, match=r"\['year'\] look like time stamps.*date_col='year'"):
        from_frame(years, target="y")
    assert from_frame(years, target="y", date_col="year").index[0] == pd.Timestamp("1990-01-01")
    saved = tmp_path / "saved.csv"
    pd.DataFrame({"y": np.arange(10.0), "x": np.ones(10)}).to_csv(saved)  # index written as column "Unnamed: 0"
    with pytest.raises(DataError, match=r"\['Unnamed: 0'\] look like a row index saved with the data"):
        read_csv(saved, target="y")
    assert list(read_csv(saved, target="y", features=["x"]).columns) == ["y", "x"]


def test_quarter_labels_and_a_text_index_parse():
    frame = pd.DataFrame({"y": [1.0, 2, 3, 4]}, index=["2000Q1", "2000Q2", "2000Q3", "2000Q4"])
    out = from_frame(frame, target="y")
    assert list(out.index) == list(pd.date_range("2000-01-01", periods=4, freq="QS"))


def test_summer_time_offsets_become_utc_and_a_missing_offset_is_refused():
    text = pd.Series(["2020-03-29T01:00:00+01:00", "2020-03-29T03:00:00+02:00", "2020-03-29T04:00:00+02:00"])
    parsed = parse_dates(text, column="t")
    assert list(parsed) == list(pd.date_range("2020-03-29 00:00", periods=3, freq="h", tz="UTC"))
    text[1] = "2020-03-29T03:00:00"
    with pytest.raises(DataError, match="'2020-03-29T03:00:00' at row 2"):
        parse_dates(text, column="t")


FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M:%S", "%Y%m%d"]


@settings(max_examples=60, deadline=None)
@given(start=st.datetimes(min_value=pd.Timestamp("1950-01-01"), max_value=pd.Timestamp("2040-01-01")),
       steps=st.lists(st.integers(1, 400), min_size=2, max_size=40), fmt=st.sampled_from(FORMATS),
       minutes=st.booleans())
def test_parse_dates_round_trips_any_sorted_dates_in_one_format(start, steps, fmt, minutes):
    unit = "min" if minutes and "%H" in fmt else "D"
    stamps = pd.Timestamp(start).floor(unit) + pd.to_timedelta(np.cumsum(steps), unit=unit)
    text = pd.Series(stamps.strftime(fmt))
    # a day/month order no value decides is ambiguous without dayfirst; with the right flag it round-trips
    dayfirst = fmt.startswith("%d") if fmt[:2] in ("%d", "%m") else None
    parsed = parse_dates(text, column="when", dayfirst=dayfirst)
    assert (parsed == stamps).all() and parsed.name == "when"
    assert (parse_dates(text, column="when", date_format=fmt) == stamps).all()


@settings(max_examples=60, deadline=None)
@given(n=st.integers(3, 40), data=st.data(), fmt=st.sampled_from(FORMATS),
       junk=st.sampled_from(["", "x", "2001-02-30", "32/01/2001", "13.13.2001", "2001-01-01 25:00", "?"]))
def test_parse_dates_reports_any_single_corrupted_cell_with_its_row(n, data, fmt, junk):
    stamps = pd.date_range("2001-03-14", periods=n, freq="D")
    text = list(stamps.strftime(fmt))
    row = data.draw(st.integers(0, n - 1))
    text[row] = junk
    with pytest.raises(DataError, match=rf"'when'.* at row {row + 1} \("):
        parse_dates(pd.Series(text), column="when", date_format=fmt)
    with pytest.raises(DataError, match=rf"'when'.*row {row + 1}\b"):
        parse_dates(pd.Series(text), column="when", dayfirst=fmt.startswith("%d"))


def test_looks_like_dates_needs_most_values_to_parse():
    assert looks_like_dates(pd.Series(["2000-01-01"] * 19 + ["oops"]))
    assert not looks_like_dates(pd.Series(list("abcdef")))
    assert not looks_like_dates(pd.Series(["1.5", "2", "n/a"]))


# -- case 2: the time index -------------------------------------------------------------------------
def test_a_gap_warns_naming_the_largest_gap_and_its_dates(tmp_path):
    stamps = DAYS.delete([3, 10, 11, 12])  # 2000-02-04 and 2000-02-11 .. 13 missing
    expected = (r"2 step\(s\) differ from the usual 1 days.*largest gap is 4 days 00:00:00 between 2000-02-10 and "
                r"2000-02-14 \(rows 9 and 10\)")
    with pytest.warns(IrregularTimeIndexWarning, match=expected):
        read_csv(_csv(tmp_path, stamps.strftime("%Y-%m-%d")), target="y")
    hourly = pd.date_range("2000-01-01", periods=10, freq="h").insert(5, pd.Timestamp("2000-01-01 04:30"))
    assert "the shortest step is 0 days 00:30:00 between 2000-01-01 04:00:00 and 2000-01-01 04:30:00" \
        in irregular_step(hourly)


@pytest.mark.parametrize("index", [
    pd.date_range("2000-01-31", periods=40, freq="ME"),
    pd.date_range("2000-01-01", periods=40, freq="QS"),
    pd.bdate_range("2000-01-03", periods=60).delete([7, 30]),  # business days with two holidays
    pd.date_range("2000-01-01", periods=50, freq="10min"),
])
def test_calendar_irregularity_of_regular_frequencies_does_not_warn(index):
    assert irregular_step(index) is None
    with warnings.catch_warnings():
        warnings.simplefilter("error", IrregularTimeIndexWarning)
        from_frame(pd.DataFrame({"y": np.sin(np.arange(len(index)))}, index=index), target="y")


def test_reversed_and_duplicated_string_dates_are_refused(tmp_path):
    with pytest.raises(DataError, match="decreasing stamps, from 2000-03-01 \\(row 1\\) to 2000-02-01 \\(row 30\\)"):
        read_csv(_csv(tmp_path, DAYS[::-1].strftime("%Y-%m-%d")), target="y")
    stamps = list(DAYS.strftime("%d/%m/%Y"))
    stamps[5] = stamps[4]
    with pytest.raises(DataError, match=r"repeat a timestamp\. Received: 2000-02-05 at rows \[5, 6\]"):
        read_csv(_csv(tmp_path, stamps), target="y")


# -- case 7: crashes that are errors; issue 12 item 5: NaN/inf ---------------------------------------
def test_duplicate_column_names_are_named(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("date,y,x,x\n2000-01-01,1,2,3\n2000-01-02,2,3,4\n2000-01-03,3,4,5\n")
    with pytest.raises(DataError, match=r"unique column names\. Received: \['x'\]"):
        read_csv(path, target="y")
    frame = pd.DataFrame(np.ones((3, 3)), columns=["y", "x", "x"])
    with pytest.raises(DataError, match=r"unique\. Received: \['x'\]"):
        from_frame(frame, target="y")


def test_header_only_and_empty_files_say_so(tmp_path):
    (tmp_path / "h.csv").write_text("date,y\n")
    with pytest.raises(DataError, match="no data rows"):
        read_csv(tmp_path / "h.csv", target="y")
    (tmp_path / "e.csv").write_text("")
    with pytest.raises(DataError, match="empty file"):
        read_csv(tmp_path / "e.csv", target="y")
    with pytest.raises(DataFileNotFoundError, match="none.csv") as err:
        read_csv(tmp_path / "none.csv", target="y")
    assert isinstance(err.value, FileNotFoundError) and isinstance(err.value, PybbdlError)


def test_latin1_file_names_the_file_and_the_encoding_option(tmp_path):
    path = tmp_path / "wetter.csv"
    path.write_bytes("date,y,Temp (°C)\n2000-01-01,1,2\n2000-01-02,2,3\n2000-01-03,4,1\n".encode("latin-1"))
    with pytest.raises(DataError, match=r"wetter\.csv.*encoding='latin-1' \(command line: --encoding latin-1\)"):
        read_csv(path, target="y")
    assert list(read_csv(path, target="y", encoding="latin-1").columns) == ["y", "Temp (°C)"]


def test_non_numeric_value_is_named_with_its_row(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text('date,y\n2000-01-01,1.5\n2000-01-02,2.5\n2000-01-03,"3,5"\n')
    with pytest.raises(DataError, match=r"Column 'y' must be numeric\. Received: '3,5' at row 3"):
        read_csv(path, target="y")


@pytest.mark.parametrize("column", ["y", "x"])
def test_nan_and_inf_in_used_columns_are_refused_with_count_stamps_and_a_fix(column):
    frame = pd.DataFrame({"y": np.arange(30.0), "x": np.ones(30)}, index=DAYS)
    frame.loc[DAYS[[4, 9]], column] = [np.nan, np.inf]
    with pytest.raises(DataError, match=rf"Column '{column}' must hold finite numbers\. Received: 2 NaN/inf "
                                        r"value\(s\), first at 2000-02-05 \(row 5\), 2000-02-10 \(row 10\).*interpolate\(\)"):
        from_frame(frame, target="y", features=["x"])
    # a column that is not used may hold NaN
    other = "x" if column == "y" else "y"
    assert list(from_frame(frame, target=other, features=[]).columns) == [other]


# -- the same refusals through the command line: one line on stderr, exit code 2, nothing trained --------
@pytest.mark.parametrize("content,extra,expected", [
    ("date,y\n" + "".join(f"01/{m:02d}/2000,{m}\n" for m in range(1, 13)), [], "'date' is ambiguous"),
    ("date,y\n" + "".join(f"{d},{i}\n" for i, d in enumerate(DAYS[::-1].strftime("%Y-%m-%d"))), [],
     "decreasing stamps"),
    ("date,y\n" + "".join(f"{d},{i}\n" for i, d in enumerate(DAYS.strftime("%Y-%m-%d"))), ["--split", "0.5,0.2,0.2"],
     "3 of 30 rows would go unused"),
    ("date,y\n" + "".join(f"{d},2.5\n" for d in DAYS.strftime("%Y-%m-%d")), [], "must vary over the training part"),
    ("date,y\n" + "".join(f"{d},{'' if i == 3 else i}\n" for i, d in enumerate(DAYS.strftime("%Y-%m-%d"))), [],
     "1 NaN/inf value(s), first at 2000-02-04 (row 4)"),
])
def test_cli_refuses_bad_csv_input_in_one_line(tmp_path, capsys, content, extra, expected):
    from pybbdl.cli import main

    path = tmp_path / "in.csv"
    path.write_text(content)
    code = main(["forecast", "--dataset", "csv", "--data-path", str(path), "--target", "y", "--lookback", "2",
                 "--models", "naive", "--out", str(tmp_path / "out"), "--quiet", *extra])
    err = capsys.readouterr().err.strip()
    assert code == 2 and expected in err and "Traceback" not in err, err
    assert not (tmp_path / "out" / "results.csv").exists()


def test_cli_shuffled_day_first_file_is_one_line_on_stderr(tmp_path):
    """The issue's case as a user meets it: a shuffled dd/mm/yyyy file, run from the shell. The
    refusal is the only line on stderr (no pandas date-guessing warning before it), exit code 2."""
    import subprocess
    import sys

    rows = [(f"{d:02d}/{m:02d}/{2000 + y}", float(i))
            for i, (y, m, d) in enumerate((y, m, d) for y in range(3) for m in range(1, 13) for d in (1, 15))]
    order = np.random.default_rng(1).permutation(len(rows))
    path = tmp_path / "shuffled.csv"
    path.write_text("date,y\n" + "".join(f"{rows[i][0]},{rows[i][1]}\n" for i in order))
    out = subprocess.run([sys.executable, "-m", "pybbdl", "forecast", "--dataset", "csv", "--data-path", str(path),
                          "--target", "y", "--models", "naive", "--out", str(tmp_path / "out")],
                         capture_output=True, text=True)
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "must be sorted" in lines[0], out.stderr
    assert not (tmp_path / "out" / "manifest.json").exists()


@pytest.mark.parametrize("sep", [";", "\t"])
def test_a_file_with_another_separator_says_so(tmp_path, sep):
    """QA: a ';'-separated file (Excel in many locales) failed with "`target` must name a column"."""
    path = tmp_path / "semi.csv"
    path.write_text(sep.join(["date", "y"]) + "\n" + "\n".join(f"2000-01-0{i}{sep}{i},5" for i in range(1, 8)) + "\n")
    with pytest.raises(DataError, match="must be comma-separated.*another separator"):
        read_csv(path, target="y")


def test_cli_warnings_are_one_line_each_and_not_repeated(tmp_path):
    """A gap in the dates warns once, on one line, from the shell (the reader and the windowing
    both warn; Python would print each with its source line)."""
    import subprocess
    import sys

    stamps = pd.date_range("2000-01-01", periods=60, freq="h").delete([30, 31, 32])
    path = tmp_path / "gap.csv"
    pd.DataFrame({"date": stamps.strftime("%Y-%m-%d %H:%M"), "y": np.sin(np.arange(57))}).to_csv(path, index=False)
    out = subprocess.run([sys.executable, "-m", "pybbdl", "forecast", "--dataset", "csv", "--data-path", str(path),
                          "--target", "y", "--models", "naive", "--out", str(tmp_path / "out"), "--quiet"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    warned = [line for line in out.stderr.splitlines() if "irregular" in line]
    assert len(warned) == 1 and warned[0].startswith("pybbdl forecast: warning: The time index is irregular")
    assert "warnings.warn" not in out.stderr and "UserWarning" not in out.stderr
