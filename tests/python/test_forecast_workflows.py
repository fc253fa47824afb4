"""Forecast workflows: one set of defaults, user-defined forecasters, given values used or refused,
the same numbers from Python and the CLI, output folders that are complete."""

import inspect
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pybbdl.cli import main
from pybbdl.data import macro_data
from pybbdl.evaluation import backtest, compare
from pybbdl.exceptions import ArgumentError, ArgumentTypeError, OutputError
from pybbdl.models import ArimaForecaster, NaiveForecaster, NeuralForecaster
from pybbdl.windows import prepare_windows
from pybbdl.workflows.forecasting import (BACKTEST_DEFAULTS, FORECAST_DEFAULTS, QUICK, build_models,
                                          forecast_backtest, forecast_compare, resolve_settings)

sys.path.insert(0, str(Path(__file__).parent))
from user_forecaster import RidgeLagForecaster  # noqa: E402

QUIET = {"progress": False}


@pytest.fixture(scope="module")
def macro():
    return macro_data()


def _numbers(table: pd.DataFrame) -> pd.DataFrame:
    """The long table without timings."""
    return table[table["metric"] != "fit_seconds"].reset_index(drop=True)


def test_signature_defaults_are_the_defaults_dict():
    for func, extra in ((forecast_compare, {}), (forecast_backtest, BACKTEST_DEFAULTS)):
        sig = {k: p.default for k, p in inspect.signature(func).parameters.items()
               if p.default is not inspect.Parameter.empty and k not in ("out_dir", "season")}  # season: deprecated
        want = {**FORECAST_DEFAULTS, **extra}
        if func is forecast_compare:
            assert sig == want
        else:
            assert sig == {k: v for k, v in want.items() if k != "split"}
    assert resolve_settings("macro")["target"] == "infl"
    assert resolve_settings("csv", lookback=12)["lookback"] == 12 and resolve_settings("csv")["split"] == (0.6, 0.2, 0.2)
    with pytest.raises(ArgumentError, match=r"Unknown setting\(s\) \['lookbak'\]"):
        resolve_settings("macro", lookbak=4)
    assert resolve_settings(backtest=True)["models"] == BACKTEST_DEFAULTS["models"]


def test_help_prints_the_defaults(capsys):
    with pytest.raises(SystemExit):
        main(["forecast", "--help"])
    out = capsys.readouterr().out
    assert "FORECAST_DEFAULTS" in out and "BACKTEST_DEFAULTS" in out and "--quick:" in out
    for key, value in FORECAST_DEFAULTS.items():
        assert f"  {key:<14} {value!r}" in out


# ------------------------------------------------------------------ the forecaster contract
def test_user_defined_forecaster_runs_through_compare_backtest_and_workflows(macro):
    w = prepare_windows(macro, target="infl", lookback=4, split=(0.6, 0.2, 0.2))
    result = compare(w, {"ridge": RidgeLagForecaster(alpha=0.5)}, baselines=["naive", "ridge"], progress=False)
    t = result.table.set_index("model")
    assert list(t.index) == ["naive", "ridge"] and t.loc["ridge", "spec"] == "Ridge(alpha=0.5) on all lag(s)"
    assert np.isfinite(t.loc["ridge", "test_mae"]) and np.isfinite(t.loc["naive", "test_p_vs_ridge"])
    assert t.loc["ridge", "test_mae"] == pytest.approx(np.mean(np.abs(
        result.forecasts["test"]["ridge"] - result.forecasts["test"]["actual"])))
    bt = backtest(macro, target="infl", lookback=4, models={"ridge": RidgeLagForecaster()}, folds=2, fold_size=10,
                  progress=False)
    assert len(bt.forecasts["test"]) == 20 and np.all(np.isfinite(bt.forecasts["test"]["ridge"]))
    run = forecast_compare(macro, target="infl", lookback=4, models={"ridge": RidgeLagForecaster(), "dense": "dense"},
                           epochs=1, seed=3, **QUIET)
    assert set(run.table["model"]) == {"naive", "ridge", "dense"}
    assert run.settings["models"]["ridge"] == {"class": "RidgeLagForecaster", "params": {"alpha": 1.0, "lags": None}}
    run = forecast_backtest(macro, target="infl", lookback=4, models={"ridge": RidgeLagForecaster(lags=2)}, folds=2,
                            fold_size=10, baselines=["ridge"], **QUIET)
    assert "p_vs_ridge" in set(run.table["metric"]) and "p_vs_naive" not in set(run.table["metric"])


def _state(model):
    state = {k: v for k, v in vars(model).items()}
    weights = [w.copy() for w in model.model_.get_weights()] if hasattr(model, "model_") and \
        hasattr(model.model_, "get_weights") else None
    return state, weights


@pytest.mark.parametrize("make", [NaiveForecaster, lambda: ArimaForecaster(order=(1, 0, 0), refit_every=10),
                                  lambda: NeuralForecaster("dense", epochs=1, batch_size=32, random_state=0,
                                                           verbose=0),
                                  RidgeLagForecaster])
def test_predict_does_not_change_the_model(macro, make):
    w = prepare_windows(macro, target="infl", lookback=4, split=(0.6, 0.2, 0.2))
    model = make().fit(w)
    before, weights = _state(model)
    first = model.predict(w, "test")
    model.predict(w, "val")
    after, weights_after = _state(model)
    assert after.keys() == before.keys()
    for key, value in before.items():
        assert after[key] is value, key  # no attribute rebound or added
    if weights is not None:
        for a, b in zip(weights, weights_after):
            np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(model.predict(w, "test"), first)


# ------------------------------------------------------------------ issue 11 case 4: used or refused
@pytest.mark.parametrize("kwargs,match", [
    ({"units": 0}, "`units` must be >= 1"),
    ({"period": 0, "models": ["seasonal_naive"]}, "`period` must be >= 1"),
    ({"learning_rate": -1.0, "models": ["naive", "arima"]}, "`learning_rate` must be a finite number > 0"),
    ({"learning_rate": float("nan")}, "`learning_rate`"),
    ({"params": {"epoch": 1}}, r"\['epoch'\].*Valid keys: .*'epochs'"),
    ({"models": ""}, "`models` must"),
    ({"models": []}, "`models` must name at least one model"),
    ({"models": "naive,,dense"}, "none empty"),
    ({"units": 16, "models": ["naive", "arima"]}, "`units` is given"),
    ({"period": 4, "models": ["dense"]}, "`period` is given"),
    ({"epochs": 0}, "`epochs` must be >= 1"),
    ({"seeds": 0}, "`seeds` must be >= 1"),
    ({"models": "naive,naive"}, r"name each model once.*\['naive'\]"),  # was one row, silently
    ({"models": ["naive", "dense", "dense"]}, r"name each model once.*\['dense'\]"),
    ({"seeds": [3, 4, 3]}, r"`seeds` must not repeat a seed. Received: seeds=\[3, 4, 3\] \(\[3\] repeated\)"),
])
def test_given_values_are_used_or_refused(macro, kwargs, match):
    with pytest.raises(ArgumentError, match=match):
        forecast_compare(macro, target="infl", **{"models": ["naive", "dense"], **kwargs}, **QUIET)


def test_repeated_model_names_and_a_bad_sliding_window_are_refused_below_the_workflow(macro):
    with pytest.raises(ArgumentError, match="name each model once"):
        compare(prepare_windows(macro, target="infl", lookback=4), ["naive", "naive"], progress=False)
    with pytest.raises(ArgumentError, match="`train_length` must be >= 1. Received: train_length=0"):
        backtest(macro, target="infl", lookback=4, models=["naive"], folds=2, train_length=0, progress=False)


@pytest.mark.parametrize("workflow,kwargs,error,match", [
    (forecast_compare, {"seeds": [1, 1]}, ArgumentError, r"`seeds` must not repeat a seed"),
    (forecast_compare, {"quick": "no"}, ArgumentTypeError, "`quick` must be True or False"),  # "no" was quick
    (forecast_compare, {"deterministic": "no"}, ArgumentTypeError, "`deterministic` must be True or False"),
    (forecast_backtest, {"retrain": "no", "folds": 2}, ArgumentTypeError, "`retrain` must be True or False"),
    (forecast_backtest, {"start": 1.0, "folds": 2}, ArgumentError, r"`start` as a fraction .* \(0, 1\)"),
    (forecast_backtest, {"start": 2.0, "folds": 2}, ArgumentError, r"Received: start=2.0"),
])
def test_qa_flags_seeds_and_start_are_checked(macro, workflow, kwargs, error, match):
    """QA: these ran with rc 0 (quick="no" ran a quick run, seeds [1, 1] counted one run twice) or
    failed with an unrelated message (start=1.0: "`fold_size` must be >= 1. Received: fold_size=0")."""
    with pytest.raises(error, match=match):
        workflow(macro, target="infl", models=["naive"], **kwargs, **QUIET)
    if "seeds" in kwargs:
        with pytest.raises(ArgumentError, match="`seeds` must be distinct"):
            compare(prepare_windows(macro, target="infl", lookback=4), ["naive"], seeds=[3, 3], progress=False)


def test_given_values_reach_the_models():
    s = resolve_settings("macro", models=["seasonal_naive", "dense", "arima"], units=7, period=3,
                         learning_rate=0.01, params={"arima": {"max_p": 2}, "dense": {"dropout": 0.1}})
    s["seeds"] = [0]
    built = build_models(s)
    assert built["dense"].units == 7 and built["dense"].learning_rate == 0.01 and built["dense"].dropout == 0.1
    assert built["seasonal_naive"].period == 3 and built["arima"].max_p == 2
    # Keras' progress only on a terminal ("auto"; pytest captures stdout: silent), no ARIMA progress bar
    assert built["dense"].verbose == "auto" and built["arima"].progress is False


@pytest.mark.parametrize("argv,match", [
    (["--units", "0"], "`units` must be >= 1"),
    (["--models", "seasonal_naive", "--period", "0"], "`period` must be >= 1"),
    (["--models", "naive", "--learning-rate", "-1"], "`learning_rate` must be a finite number"),
    (["--models", ""], "`models` must"),
    (["--data-path", "x.csv"], "`--data-path` is not used by --dataset macro"),
    (["--encoding", "latin-1"], "only apply to --dataset csv"),
    (["--split", "0.6;0.2"], "`--split` must be"),
    (["--fold-size", "5"], "only apply with --backtest"),
    (["--models", "naive,naive"], "name each model once"),
    (["--models", "naive", "--features", ""], "`features` must name columns"),  # was: all columns
    (["--models", "naive", "--baselines", ""], "`baselines` must name models"),  # was: the default baselines
    (["--models", "naive", "--backtest", "2", "--sliding", "0"], "`train_length` must be >= 1"),
    (["--models", "naive", "--backtest", "2", "--sliding", "-5"], "`train_length` must be >= 1"),
    (["--models", "dense", "--quick", "--epochs", "10"], "drop --quick or --epochs 10"),  # was: 3 epochs, rc 0
    (["--models", "dense", "--quick", "--patience", "4"], "drop --quick or --patience 4"),
])
def test_cli_refuses_instead_of_replacing(tmp_path, capsys, argv, match):
    assert main(["forecast", *argv, "--out", str(tmp_path / "o"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pybbdl forecast: error:") and len(err.strip().splitlines()) == 1
    assert pytest.importorskip("re").search(match, err), err


# ------------------------------------------------------------------ one door or another: same numbers
def test_python_workflow_and_cli_give_identical_tables(macro, tmp_path, capsys):
    run = forecast_compare(macro, target="infl", models=["naive", "arima", "dense"], epochs=2, seed=5, quick=True,
                           **QUIET)
    assert main(["forecast", "--models", "naive,arima,dense", "--epochs", "2", "--seed", "5", "--quick",
                 "--out", str(tmp_path), "--quiet"]) == 0
    capsys.readouterr()
    cli = pd.read_csv(tmp_path / "table.csv", keep_default_na=False, na_values=[""])
    cli["note"] = cli["note"].fillna("")
    pd.testing.assert_frame_equal(_numbers(cli), _numbers(run.table), check_dtype=False, rtol=1e-12)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    same = {k: manifest["settings"][k] for k in ("lookback", "split", "epochs", "batch_size", "seeds", "quick")}
    assert same == {"lookback": 8, "split": [0.6, 0.2, 0.2], "epochs": 2, "batch_size": 16, "seeds": [5], "quick": True}
    assert run.models["arima"].max_train == QUICK["arima_max_train"] and run.models["arima"].max_p == 1


def test_backtest_python_and_cli_identical(macro, tmp_path, capsys):
    run = forecast_backtest(macro, target="infl", models=["naive", "dense"], folds=2, fold_size=8, epochs=1, seed=1,
                            **QUIET)
    assert main(["forecast", "--models", "naive,dense", "--backtest", "2", "--fold-size", "8", "--epochs", "1",
                 "--seed", "1", "--out", str(tmp_path), "--quiet"]) == 0
    assert "2-fold rolling-origin backtest" in capsys.readouterr().out
    cli = pd.read_csv(tmp_path / "table.csv")
    cli["note"] = cli["note"].fillna("")
    pd.testing.assert_frame_equal(_numbers(cli), _numbers(run.table), check_dtype=False, rtol=1e-12)


# ------------------------------------------------------------------ outputs
class _Recorder(NaiveForecaster):
    fits = 0

    def fit(self, windows):
        type(self).fits += 1
        return super().fit(windows)


def test_unwritable_out_fails_before_training(macro, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    _Recorder.fits = 0
    with pytest.raises(OutputError, match="not a folder"):
        forecast_compare(macro, target="infl", models={"rec": _Recorder()}, out_dir=blocker, **QUIET)
    assert _Recorder.fits == 0
    assert main(["forecast", "--models", "naive", "--out", str(blocker), "--quiet"]) == 2


def test_save_is_complete_and_removes_an_earlier_runs_files(macro, tmp_path):
    out = tmp_path / "run"
    first = forecast_compare(macro, target="infl", models=["naive"], out_dir=out, **QUIET)
    assert (out / "forecasts_val.png").exists() and first.paths[-1].name == "manifest.json"
    forecast_backtest(macro, target="infl", models=["naive"], folds=2, fold_size=10, out_dir=out, **QUIET)
    names = sorted(p.name for p in out.iterdir())
    assert "forecasts_val.png" not in names and "forecasts_val.csv" not in names
    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted(manifest["files"]) == sorted(n for n in names if n != "manifest.json")
    assert manifest["kind"] == "forecast_backtest" and manifest["settings"]["folds"] == 2
    fig = first.plot("val")
    assert fig.axes[0].get_title().startswith("infl")


def test_write_report_is_atomic(macro, tmp_path, monkeypatch):
    from pybbdl import reports

    w = prepare_windows(macro, target="infl", lookback=4, split=(0.6, 0.2, 0.2))
    result = compare(w, ["naive"], progress=False)
    paths = reports.write_report(result, tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def broken(fig, path):
        raise KeyboardInterrupt  # a kill while writing the plots

    monkeypatch.setattr(reports, "_save_figure", broken)
    with pytest.raises(KeyboardInterrupt):
        reports.write_report(result, tmp_path)
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    # no temporary or truncated files; and no manifest: an interrupted save never leaves new
    # files under the previous run's manifest (its file list waits in .manifest.previous.json)
    assert after.keys() == (before.keys() - {"manifest.json"}) | {".manifest.previous.json"}
    assert all(len(v) > 0 for v in after.values())
    assert paths["manifest"].name == "manifest.json"
    # the next complete save, with fewer parts, removes what the first run wrote and this one did not
    monkeypatch.undo()
    only_test = compare(w, ["naive"], parts=["test"], progress=False)
    reports.write_report(only_test, tmp_path)
    names = {p.name for p in tmp_path.iterdir()}
    assert "manifest.json" in names and ".manifest.previous.json" not in names
    assert "forecasts_val.csv" not in names and "forecasts_val.png" not in names
    assert sorted(json.loads((tmp_path / "manifest.json").read_text())["files"]) == sorted(names - {"manifest.json"})


def test_neural_fit_restores_op_determinism(macro):
    tf_config = pytest.importorskip("tensorflow.python.framework.config")
    was = tf_config.is_op_determinism_enabled()
    tf_config.disable_op_determinism()
    try:
        w = prepare_windows(macro, target="infl", lookback=4, split=(0.6, 0.2, 0.2))
        NeuralForecaster("dense", epochs=1, random_state=0, verbose=0).fit(w)
        assert not tf_config.is_op_determinism_enabled()
    finally:
        if was:
            import tensorflow as tf

            tf.config.experimental.enable_op_determinism()


def test_cli_passes_csv_reading_options(tmp_path, capsys):
    csv = tmp_path / "d.csv"
    dates = pd.date_range("2000-01-01", periods=60, freq="MS")
    y = np.sin(np.arange(60) / 4.0) + 3
    pd.DataFrame({"date": dates.strftime("%d.%m.%Y"), "y": y}).to_csv(csv, index=False, encoding="latin-1")
    out = tmp_path / "o"
    assert main(["forecast", "--dataset", "csv", "--data-path", str(csv), "--target", "y", "--date-format",
                 "%d.%m.%Y", "--encoding", "latin-1", "--models", "naive", "--out", str(out), "--quiet"]) == 0
    capsys.readouterr()
    fc = pd.read_csv(out / "forecasts_test.csv", index_col=0, parse_dates=True)
    assert fc.index[-1] == dates[-1]  # the dates were parsed with the given format


def test_cli_dayfirst_dates(tmp_path, capsys):
    from pybbdl.data import read_csv

    if "dayfirst" not in inspect.signature(read_csv).parameters:
        pytest.skip("this read_csv has no dayfirst")
    csv = tmp_path / "d.csv"
    dates = pd.date_range("2000-01-01", periods=60, freq="MS") + pd.Timedelta(days=20)  # day 21: unambiguous
    pd.DataFrame({"date": dates.strftime("%d/%m/%Y"), "y": np.sin(np.arange(60) / 4.0) + 3}).to_csv(csv, index=False)
    out = tmp_path / "o"
    assert main(["forecast", "--dataset", "csv", "--data-path", str(csv), "--target", "y", "--dayfirst",
                 "--models", "naive", "--out", str(out), "--quiet"]) == 0
    capsys.readouterr()
    fc = pd.read_csv(out / "forecasts_test.csv", index_col=0, parse_dates=True)
    assert fc.index[-1] == dates[-1]


def test_plots_leave_the_matplotlib_backend_alone(macro, tmp_path):
    import matplotlib

    before = matplotlib.get_backend()
    matplotlib.use("svg")  # stands in for a notebook's inline backend
    try:
        run = forecast_compare(macro, target="infl", models=["naive"], out_dir=tmp_path, **QUIET)
        fig = run.plot("test", last=20)
        assert len(fig.axes[0].lines) == 2 and (tmp_path / "forecasts_test.png").read_bytes()[:4] == b"\x89PNG"
        assert matplotlib.get_backend() == "svg"
    finally:
        matplotlib.use(before)


def test_quick_settings_record_what_ran(macro):
    """With quick=True the networks train at most QUICK['epochs'] epochs without early stopping:
    the settings (manifest, R's print) state those, and keep the given values beside them."""
    from pybbdl.workflows.forecasting import QUICK

    run = forecast_compare(macro, target="infl", models=["naive", "dense"], quick=True, **QUIET)
    s = run.settings
    assert (s["epochs"], s["patience"]) == (QUICK["epochs"], None)
    assert (s["epochs_given"], s["patience_given"]) == (100, 20)
    assert run.models["dense"].epochs == QUICK["epochs"] and run.models["dense"].patience is None


def test_backtest_size_error_counts_rows_from_1(macro):
    from pybbdl.evaluation import backtest

    # 202 quarters, 20 folds of 10: the first scored row would be row 3 (2 rows before it)
    with pytest.raises(ArgumentError, match=r"start at row 3 \(rows count from 1\), but at least 11 rows"):
        backtest(macro, target="infl", lookback=8, models=["naive"], folds=20, fold_size=10, progress=False)


def test_atomic_writes_get_the_permissions_of_a_plain_open(tmp_path):
    """mkstemp makes 0600 files; results written through pybbdl.outputs must be readable like any file."""
    import os
    import stat

    from pybbdl.outputs import atomic_write_text

    old = os.umask(0o022)
    try:
        path = atomic_write_text(tmp_path / "table.csv", "a,b\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
