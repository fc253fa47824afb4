"""Issue 20: every command-line option refuses at least one bad value, with exit code 2 and a
one-line message (no traceback), before any work starts.

The test walks the argparse parsers of ``pybbdl`` (``pybbdl.cli._build_parser``) and fails for
any option that has no entry in :data:`BAD`: a new option needs its bad-input case here. Each case
runs in this process (``main(argv)``), with every door to model fitting (``run_tasks``) replaced
by a function that fails the test, and with an MNIST folder that does not exist, so an accepted
bad value shows up as "work started" or as the wrong message, never as a training run.
"""

from __future__ import annotations

import argparse
import importlib
import re
import shlex
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pybbdl.cli import _build_parser, main


#: Argument lists the cases start from ({placeholders} are filled per test).
BASES = {
    "forecast": ["forecast", "--models", "naive", "--quiet", "--out", "{out}"],
    "csv": ["forecast", "--dataset", "csv", "--data-path", "{csv}", "--target", "y", "--models", "naive", "--quiet",
            "--out", "{out}"],
    "panel": ["panel", "{panel}", "--models", "naive", "--horizon", "4", "--quiet", "--out", "{out}"],
    "privacy epsilon": ["privacy", "epsilon", "--n", "1000", "--batch-size", "10", "--epochs", "1", "--sigma", "1"],
    "privacy mnist": ["privacy", "mnist", "--data-path", "{tmp}/no-mnist", "--out", "{out}"],
    "gan": ["gan", "--data-path", "{tmp}/no-mnist", "--out", "{out}"],
    "models": ["models"],
    "metrics": ["metrics"],
    "": [],
}

FLAG = "ignored explicit argument"
CHOICE = "invalid choice"
BLANK = "must not be empty"

#: (command, option) -> [(base, extra arguments, what the message must say), ...]. `option` is the
#: first option string (or a positional's name); `base` names an entry of BASES.
BAD: dict[tuple[str, str], list] = {
    ("", "--version"): [("", ["--version=1"], FLAG)],
    # ------------------------------------------------------------------ forecast
    ("forecast", "--dataset"): [("forecast", ["--dataset", "nope"], CHOICE)],
    ("forecast", "--data-path"): [("forecast", ["--data-path", "{tmp}/x.csv"], "not used by --dataset macro"),
                                  ("csv", ["--data-path", "{tmp}/missing.csv"], "must exist"),
                                  ("csv", ["--data-path", ""], BLANK)],
    ("forecast", "--target"): [("forecast", ["--target", "nope"], "`target` must name a column"),
                               ("forecast", ["--target", ""], "`target` must name a column")],
    ("forecast", "--features"): [("forecast", ["--features", "realint,realint"], "`features` must name each column once"),
                                 ("forecast", ["--features", "nope"], "`features` must name columns"),
                                 ("forecast", ["--features", ""], "`features` must name columns")],
    ("forecast", "--date-col"): [("csv", ["--date-col", "nope"], "`date_col` must name a column"),
                                 ("forecast", ["--date-col", "date"], "only apply to --dataset csv")],
    ("forecast", "--date-format"): [("csv", ["--date-format", "%d.%m.%Y"], "must hold dates in one format"),
                                    ("csv", ["--date-format", " "], BLANK)],
    ("forecast", "--dayfirst"): [("forecast", ["--dayfirst"], "only apply to --dataset csv"),
                                 ("csv", ["--dayfirst=yes"], FLAG)],
    ("forecast", "--encoding"): [("csv", ["--encoding", "nope-codec"], "`encoding` must be a text encoding"),
                                 ("csv", ["--encoding", ""], BLANK)],
    ("forecast", "--models"): [("forecast", ["--models", "naive,nope"], "Unknown model 'nope'"),
                               ("forecast", ["--models", "naive,naive"], "must name each model once"),
                               ("forecast", ["--models", ""], "`models` must be a comma-separated list")],
    ("forecast", "--baselines"): [("forecast", ["--baselines", "naive,naive"], "`baselines` must name each model once"),
                                  ("forecast", ["--baselines", "arima"], "`baselines` must name models of the comparison"),
                                  ("forecast", ["--baselines", ""], "`baselines` must name models of the comparison")],
    ("forecast", "--lookback"): [("forecast", ["--lookback", "0"], "`lookback` must be >= 1"),
                                 ("forecast", ["--lookback", "100000"], "The series is too short")],
    ("forecast", "--step"): [("forecast", ["--step", "0"], "`step` must be >= 1")],
    ("forecast", "--horizon"): [("forecast", ["--horizon", "0"], "`horizon` must be >= 1"),
                                ("forecast", ["--horizon", "1000000000"], "The series is too short")],
    ("forecast", "--horizons"): [("forecast", ["--horizons", "1-150000"], "must be steps <= 100,000"),
                                 ("forecast", ["--horizons", "1-4,4"], "must not repeat a step"),
                                 ("forecast", ["--horizons", "0"], "must be steps >= 1")],
    ("forecast", "--known"): [("forecast", ["--known", "nope"], "`known` must name columns"),
                              ("forecast", ["--known", "realint,realint"], "`known` must name each column once"),
                              ("forecast", ["--known", "calendar"], "needs --calendar")],
    ("forecast", "--split"): [("forecast", ["--split", "0.6,0.2,0.3"], "must sum to 1"),
                              ("forecast", ["--split", "a,b,c"], "`--split` must be train,val,test fractions")],
    ("forecast", "--period"): [("forecast", ["--period", "0"], "`period` must be >= 1"),
                               ("forecast", ["--period", "x"], "invalid int value")],
    ("forecast", "--season"): [("forecast", ["--season", "0"], "`period` must be >= 1"),
                               ("forecast", ["--season", "4", "--period", "12"], "`season` is the old name of `period`")],
    ("forecast", "--units"): [("forecast", ["--units", "0"], "`units` must be >= 1")],
    ("forecast", "--epochs"): [("forecast", ["--epochs", "0"], "`epochs` must be >= 1")],
    ("forecast", "--batch-size"): [("forecast", ["--batch-size", "0"], "`batch_size` must be >= 1")],
    ("forecast", "--learning-rate"): [("forecast", ["--learning-rate", "0"], "`learning_rate` must be a finite number > 0"),
                                      ("forecast", ["--learning-rate", "nan"], "`learning_rate` must be a finite")],
    ("forecast", "--patience"): [("forecast", ["--patience", "-1"], "`patience` must be >= 0")],
    ("forecast", "--dm-loss"): [("forecast", ["--dm-loss", "mape"], CHOICE)],
    ("forecast", "--levels"): [("forecast", ["--levels", "1.5"], "`levels` must be numbers in \\(0, 1\\)"),
                               ("forecast", ["--levels", "0.8,0.8"], "must not repeat a level"),
                               ("forecast", ["--levels", "0.8;0.9"], "`--levels` must be numbers")],
    ("forecast", "--conformal-window"): [("forecast", ["--conformal-window", "0"], "`conformal_window` must be >= 1")],
    ("forecast", "--conformal-scale"): [("forecast", ["--conformal-scale", "nope"], CHOICE)],
    ("forecast", "--interval-method"): [("forecast", ["--interval-method", "nope"], CHOICE)],
    ("forecast", "--seed"): [("forecast", ["--seed", "-1"], "`seed` must be >= 0"),
                             ("forecast", ["--seed", "4294967296"], "`seed` must be <= 4294967295"),
                             ("forecast", ["--seed", "4294967295", "--seeds", "2"], "`seed` \\+ `seeds` - 1 must be")],
    ("forecast", "--seeds"): [("forecast", ["--seeds", "0"], "`seeds` must be >= 1"),
                              ("forecast", ["--seeds", "300000000"], "`seeds` must be <= 10,000")],
    ("forecast", "--backtest"): [("forecast", ["--backtest", "0"], "`folds` must be >= 1")],
    ("forecast", "--fold-size"): [("forecast", ["--backtest", "2", "--fold-size", "0"], "`fold_size` must be >= 1"),
                                  ("forecast", ["--fold-size", "5"], "only apply with --backtest")],
    ("forecast", "--sliding"): [("forecast", ["--backtest", "2", "--sliding", "0"], "`train_length` must be >= 1"),
                                ("forecast", ["--sliding", "50"], "only apply with --backtest")],
    ("forecast", "--calendar"): [("forecast", ["--calendar=yes"], FLAG)],
    ("forecast", "--quick"): [("forecast", ["--quick", "--epochs", "100"], "drop --quick or --epochs 100"),
                              ("forecast", ["--quick", "--patience", "3"], "drop --quick or --patience 3")],
    ("forecast", "--jobs"): [("forecast", ["--jobs", "0"], "`n_jobs` must be >= 1")],
    ("forecast", "--backend"): [("forecast", ["--backend", "dask"], CHOICE)],
    ("forecast", "--address"): [("forecast", ["--address", "127.0.0.1:http"], "must end with a port number"),
                                ("forecast", ["--address", "127.0.0.1:0"], "must end with a port number"),
                                ("forecast", ["--backend", "loky", "--address", "127.0.0.1:1"], "needs backend='ray'"),
                                ("forecast", ["--address", " "], BLANK)],
    ("forecast", "--out"): [("forecast", ["--out", ""], BLANK),
                            ("forecast", ["--out", "{file}"], "exists and is not a folder"),
                            ("forecast", ["--out", "{used}"], "must be new, empty or hold an earlier pybbdl run")],
    ("forecast", "--quiet"): [("forecast", ["--quiet=1"], FLAG)],
    ("forecast", "--future"): [("forecast", ["--future", "0"], "`--future` must be a whole number of steps >= 1"),
                               ("forecast", ["--future", "x"], "`--future` must be a whole number")],
    ("forecast", "--param"): [("forecast", ["--param", "gru.units"], "`--param` must be MODEL.KEY=VALUE"),
                              ("forecast", ["--param", "units=3"], "`--param` must be MODEL.KEY=VALUE"),
                              ("forecast", ["--param", "nope.units=3"], "names model 'nope', which is not in the run"),
                              ("forecast", ["--param", "naive.k=3"], "has unknown parameter\\(s\\) \\['k'\\]"),
                              ("forecast", ["--param", "naive.k=3", "--param", "naive.k=4"], "gives naive.k twice")],
    # ------------------------------------------------------------------ models
    ("models", "--contract"): [("models", ["--contract", "panel"], CHOICE)],
    ("models", "--capability"): [("models", ["--capability", "fast"], CHOICE)],
    ("models", "--csv"): [("models", ["--csv=1"], FLAG)],
    # ------------------------------------------------------------------ metrics
    ("metrics", "--kind"): [("metrics", ["--kind", "points"], CHOICE), ("metrics", ["--kind", ""], CHOICE)],
    ("metrics", "--csv"): [("metrics", ["--csv=1"], FLAG)],
    # ------------------------------------------------------------------ panel
    ("panel", "data_path"): [("", ["panel", "{tmp}/missing.csv", "--quiet", "--out", "{out}"], "missing.csv"),
                             ("", ["panel", "", "--quiet", "--out", "{out}"], BLANK)],
    ("panel", "--models"): [("panel", ["--models", "naive,nope"], "Unknown model 'nope'"),
                            ("panel", ["--models", "naive,naive"], "must name each model once"),
                            ("panel", ["--models", ""], BLANK)],
    ("panel", "--combinations"): [("panel", ["--combinations", "comb_x"], "must name registered combinations"),
                                  ("panel", ["--combinations", "comb_ivw"], "not in `models`"),
                                  ("panel", ["--combinations", ""], BLANK)],
    ("panel", "--horizon"): [("panel", ["--horizon", "0"], "`horizon` must be a whole number >= 1")],
    ("panel", "--period"): [("panel", ["--period", "0"], "`period` must be a whole number >= 1")],
    ("panel", "--date-format"): [("panel", ["--date-format", "%Y"], "apply to dates written as text"),
                                 ("panel", ["--dayfirst", "--date-format", "%d/%m/%Y"], "must not both be given")],
    ("panel", "--dayfirst"): [("panel", ["--dayfirst=1"], FLAG)],
    ("panel", "--encoding"): [("panel", ["--encoding", "nope-codec"], "must be an encoding Python knows"),
                              ("panel", ["--encoding", ""], BLANK)],
    ("panel", "--no-time-col"): [("panel", ["--no-time-col", "--time-col", "time"], "contradict each other")],
    ("panel", "--id-col"): [("panel", ["--id-col", "nope"], "must have the column\\(s\\) \\['nope'\\]")],
    ("panel", "--time-col"): [("panel", ["--time-col", "nope"], "must have the column\\(s\\) \\['nope'\\]")],
    ("panel", "--value-col"): [("panel", ["--value-col", "nope"], "must have the column\\(s\\) \\['nope'\\]")],
    ("panel", "--period-col"): [("panel", ["--period-col", "nope"], "must have the column\\(s\\) \\['nope'\\]")],
    ("panel", "--horizon-col"): [("panel", ["--horizon-col", "nope"], "`horizon` and `horizon_col` must not both be given"),
                                 ("", ["panel", "{panel}", "--models", "naive", "--horizon-col", "nope", "--quiet", "--out",
                                       "{out}"], "must have the column\\(s\\) \\['nope'\\]")],
    ("panel", "--frequency-col"): [("panel", ["--frequency-col", "nope"], "must have the column\\(s\\) \\['nope'\\]")],
    ("panel", "--part-col"): [("panel", ["--part-col", "nope"], "must have the column\\(s\\) \\['nope'\\]")],
    ("panel", "--no-holdout"): [("panel", ["--no-holdout", "--folds", "2"], "cannot go with --no-holdout"),
                                ("panel", ["--no-holdout=1"], FLAG)],
    ("panel", "--folds"): [("panel", ["--folds", "0"], "`folds` must be a whole number >= 1")],
    ("panel", "--step"): [("panel", ["--folds", "2", "--step", "0"], "`step` must be a whole number >= 1"),
                          ("panel", ["--step", "2"], "--folds")],
    ("panel", "--levels"): [("panel", ["--levels", "1.5"], "`levels` must be numbers in \\(0, 1\\)"),
                            ("panel", ["--levels", "0.8,0.8"], "must not repeat a level"),
                            ("panel", ["--levels", "abc"], "`--levels` must be numbers")],
    ("panel", "--seed"): [("", ["panel", "{panel}", "--models", "nbeats", "--horizon", "4", "--seed", "-1", "--quiet", "--out",
                                "{out}"], "`seed` must be a non-negative whole number"),
                          ("panel", ["--seed", "4294967296"], "--seed only applies to the global models")],
    ("panel", "--seeds"): [("panel", ["--seeds", "0"], "`seeds` must be a positive whole number")],
    ("panel", "--ensemble"): [("panel", ["--ensemble", "cpu"], "apply to the global model nbeats only"),
                              ("", ["panel", "{panel}", "--models", "nbeats", "--horizon", "4", "--ensemble", "huge",
                                    "--quiet", "--out", "{out}"], "`ensemble` must be None, one of"),
                              ("panel", ["--ensemble", ""], BLANK)],
    ("panel", "--checkpoint-dir"): [("", ["panel", "{panel}", "--models", "nbeats", "--horizon", "4", "--ensemble",
                                          "quick", "--checkpoint-dir", "{panel}", "--quiet", "--out", "{out}"],
                                     "`checkpoint_dir` must be a folder"),
                                    ("", ["panel", "{panel}", "--models", "nbeats", "--horizon", "4",
                                          "--checkpoint-dir", "{tmp}/ck", "--quiet", "--out", "{out}"],
                                     "give --ensemble too")],
    ("panel", "--jobs"): [("panel", ["--jobs", "0"], "`n_jobs` must be >= 1")],
    ("panel", "--backend"): [("panel", ["--backend", "dask"], "`backend` must be one of")],
    ("panel", "--address"): [("panel", ["--address", "h:99999"], "must end with a port number"),
                             ("panel", ["--address", ""], BLANK)],
    ("panel", "--out"): [("panel", ["--out", ""], BLANK),
                         ("panel", ["--out", "{used}"], "must be new, empty or hold an earlier pybbdl run")],
    ("panel", "--quiet"): [("panel", ["--quiet=1"], FLAG)],
    # ------------------------------------------------------------------ privacy epsilon
    ("privacy epsilon", "--n"): [("privacy epsilon", ["--n", "0"], "`n` must be >= 1")],
    ("privacy epsilon", "--batch-size"): [("privacy epsilon", ["--batch-size", "0"], "`batch_size` must be >= 1"),
                                          ("privacy epsilon", ["--batch-size", "2000"], "`batch_size` must be <= n")],
    ("privacy epsilon", "--epochs"): [("privacy epsilon", ["--epochs", "0"], "`epochs` must be a finite number > 0"),
                                      ("privacy epsilon", ["--epochs", "inf"], "`epochs` must be a finite number > 0")],
    ("privacy epsilon", "--noise-multiplier"): [
        ("privacy epsilon", ["--sigma", "0"], "`noise_multiplier` \\(sigma\\) must be a finite number > 0"),
        ("privacy epsilon", ["--sigma", "nan"], "`noise_multiplier` \\(sigma\\) must be a finite number > 0")],
    ("privacy epsilon", "--target-epsilon"): [
        ("privacy epsilon", ["--target-epsilon", "1"], "exactly one of --noise-multiplier .*and --target-epsilon"),
        ("", ["privacy", "epsilon", "--n", "1000", "--batch-size", "10", "--epochs", "1", "--target-epsilon", "0"],
         "`target_epsilon` must be a finite number > 0")],
    ("privacy epsilon", "--delta"): [("privacy epsilon", ["--delta", "0"], "`delta` must be in \\(0, 1\\)"),
                                     ("privacy epsilon", ["--delta", "1.5"], "`delta` must be in \\(0, 1\\)")],
    ("privacy epsilon", "--accountant"): [("privacy epsilon", ["--accountant", "gdp"], CHOICE),
                                          ("privacy epsilon", ["--accountant", "pld", "--sigma", "0.1"],
                                           "limited to noise_multiplier >= 0.5")],
    ("privacy epsilon", "--sampling"): [("privacy epsilon", ["--sampling", "fixed"], CHOICE)],
    ("privacy epsilon", "--microbatching"): [("privacy epsilon", ["--microbatching=1"], FLAG)],
    # ------------------------------------------------------------------ privacy mnist
    ("privacy mnist", "--data-path"): [("privacy mnist", ["--data-path", ""], BLANK),
                                       ("privacy mnist", [], "MNIST folder")],
    ("privacy mnist", "--epochs"): [("privacy mnist", ["--epochs", "0"], "`epochs` must be >= 1")],
    ("privacy mnist", "--batch-size"): [("privacy mnist", ["--batch-size", "0"], "`batch_size` must be >= 1")],
    ("privacy mnist", "--noise-multiplier"): [("privacy mnist", ["--sigma", "-1"], "`noise_multiplier` \\(sigma\\) must"),
                                              ("privacy mnist", ["--sigma", "inf"], "`noise_multiplier` \\(sigma\\) must")],
    ("privacy mnist", "--target-epsilon"): [("privacy mnist", ["--target-epsilon", "0"], "`target_epsilon` must be"),
                                            ("privacy mnist", ["--target-epsilon", "1", "--sigma", "1"],
                                             "at most one of `noise_multiplier` and `target_epsilon`")],
    ("privacy mnist", "--budget"): [("privacy mnist", ["--budget", "0"], "`budget` must be a finite number > 0")],
    ("privacy mnist", "--l2-norm-clip"): [("privacy mnist", ["--l2-norm-clip", "0"], "`l2_norm_clip` .*must be")],
    ("privacy mnist", "--learning-rate"): [("privacy mnist", ["--learning-rate", "0"], "`learning_rate` must be")],
    ("privacy mnist", "--momentum"): [("privacy mnist", ["--momentum", "1.5"], "`momentum` must be a finite number in")],
    ("privacy mnist", "--delta"): [("privacy mnist", ["--delta", "0"], "`delta` must be a finite number in")],
    ("privacy mnist", "--limit"): [("privacy mnist", ["--limit", "0"], "`limit` must be >= 1")],
    ("privacy mnist", "--activation"): [("privacy mnist", ["--activation", "sigmoid"], CHOICE)],
    ("privacy mnist", "--seed"): [("privacy mnist", ["--seed", "-1"], "`seed` must be >= 0"),
                                  ("privacy mnist", ["--seed", "4294967296"], "`seed` must be <= 4294967295")],
    ("privacy mnist", "--physical-batch-size"): [("privacy mnist", ["--physical-batch-size", "0"],
                                                  "`physical_batch_size` must be >= 1")],
    ("privacy mnist", "--out"): [("privacy mnist", ["--out", ""], BLANK),
                                 ("privacy mnist", ["--out", "{used}"], "must be new, empty or hold an earlier")],
    # ------------------------------------------------------------------ gan
    ("gan", "--model"): [("gan", ["--model", "wgan"], CHOICE)],
    ("gan", "--method"): [("gan", ["--method", "nope"], CHOICE),
                          ("gan", ["--method", "merf", "--dp"], "`dp` applies to the GANs, not to method='merf'")],
    ("gan", "--features"): [("gan", ["--method", "merf", "--features", "3"], "`features` must be an even number"),
                            ("gan", ["--features", "100"], "`features` applies to method='merf' only")],
    ("gan", "--length-scale"): [("gan", ["--method", "merf", "--length-scale", "0"], "`length_scale` must be a finite"),
                                ("gan", ["--length-scale", "2"], "`length_scale` applies to method='merf' only")],
    ("gan", "--learning-rate"): [("gan", ["--method", "merf", "--learning-rate", "0"], "`learning_rate` must be a finite"),
                                 ("gan", ["--learning-rate", "0.1"], "`learning_rate` applies to method='merf' only")],
    ("gan", "--downstream"): [("gan", ["--method", "merf", "--downstream", "svm"], "`classifiers` must be distinct names"),
                              ("gan", ["--downstream", "cnn"], "`downstream` applies to method='merf' only")],
    ("gan", "--data-path"): [("gan", ["--data-path", ""], BLANK), ("gan", [], "MNIST folder")],
    ("gan", "--epochs"): [("gan", ["--epochs", "0"], "`epochs` must be >= 1")],
    ("gan", "--batch-size"): [("gan", ["--batch-size", "0"], "`batch_size` must be >= 1")],
    ("gan", "--latent-dim"): [("gan", ["--latent-dim", "0"], "`latent_dim` must be >= 1")],
    ("gan", "--label-smoothing"): [("gan", ["--label-smoothing", "0.9"], "`label_smoothing` must be a finite number in")],
    ("gan", "--ema-decay"): [("gan", ["--ema-decay", "1"], "`ema_decay` must be a finite number in")],
    ("gan", "--seed"): [("gan", ["--seed", "-1"], "`seed` must be >= 0"),
                        ("gan", ["--seed", "4294967296"], "`seed` must be <= 4294967295")],
    ("gan", "--checkpoint-every"): [("gan", ["--checkpoint-every", "0"], "`checkpoint_every` must be >= 1")],
    ("gan", "--d-steps"): [("gan", ["--d-steps", "0"], "`d_steps` must be >= 1")],
    ("gan", "--dp"): [("gan", ["--dp=1"], FLAG)],
    ("gan", "--target-epsilon"): [("gan", ["--target-epsilon", "1"], "applies to DP training only"),
                                  ("gan", ["--dp", "--target-epsilon", "0"], "`target_epsilon` must be a finite")],
    ("gan", "--delta"): [("gan", ["--delta", "1e-5"], "applies to DP training only"),
                         ("gan", ["--dp", "--delta", "1"], "`delta` must be a finite number in")],
    ("gan", "--l2-norm-clip"): [("gan", ["--l2-norm-clip", "1"], "applies to DP training only"),
                                ("gan", ["--dp", "--l2-norm-clip", "0"], "`l2_norm_clip` .*must be")],
    ("gan", "--clip"): [("gan", ["--dp", "--clip", "0"], "`l2_norm_clip` .*must be")],
    ("gan", "--classifier"): [("gan", ["--classifier", "{tmp}/no-clf.keras"], "`classifier` must be a file")],
    ("gan", "--quick"): [("gan", ["--quick", "--epochs", "2"], "give `quick` or `epochs`, not both"),
                         ("gan", ["--quick=1"], FLAG)],
    ("gan", "--limit"): [("gan", ["--limit", "0"], "`limit` must be >= 1")],
    ("gan", "--nondeterministic"): [("gan", ["--nondeterministic=1"], FLAG)],
    ("gan", "--out"): [("gan", ["--out", ""], BLANK),
                       ("gan", ["--out", "{used}"], "must be new, empty or hold an earlier pybbdl run")],
}


def _options(parser: argparse.ArgumentParser, command: str = "") -> dict[tuple[str, str], argparse.Action]:
    """``{(command, option): action}`` over every parser and subparser of the CLI."""
    out = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out.update(_options(sub, f"{command} {name}".strip()))
        elif not isinstance(action, argparse._HelpAction):
            out[(command, action.option_strings[0] if action.option_strings else action.dest)] = action
    return out


OPTIONS = _options(_build_parser())


def test_every_option_has_a_bad_input_case():
    missing = sorted(set(OPTIONS) - set(BAD))
    assert not missing, ("options without a bad-input case in tests/python/test_cli_options_hostile.py BAD "
                         f"(add one): {missing}")
    stale = sorted(set(BAD) - set(OPTIONS))
    assert not stale, f"BAD names options the CLI no longer has: {stale}"


def _cases():
    for (command, option), entries in BAD.items():
        for entry in entries:
            if not hasattr(entry, "marks"):   # a plain (base, extra, expected) tuple, not a pytest.param
                entry = pytest.param(*entry)
            base, extra, expected = entry.values
            yield pytest.param(base, extra, expected, marks=entry.marks,
                               id=f"{command or 'pybbdl'} {option}: {shlex.join(extra) or '(base)'}")
    # a value of the wrong type for every typed option (argparse's own check)
    for (command, option), action in OPTIONS.items():
        if action.type in (int, float) and action.option_strings:
            base = command if command in BASES else "forecast"
            yield pytest.param(base, [option, "abc"], rf"argument {re.escape(option)}.*invalid {action.type.__name__}",
                               id=f"{command} {option}: abc")


@pytest.fixture
def places(tmp_path):
    csv = tmp_path / "d.csv"
    pd.DataFrame({"date": pd.date_range("2000-01-01", periods=60, freq="MS").strftime("%Y-%m-%d"),
                  "y": np.sin(np.arange(60)), "x": np.arange(60.0)}).to_csv(csv, index=False)
    panel = tmp_path / "p.csv"
    t = np.arange(1, 25)
    pd.concat([pd.DataFrame({"id": k, "time": t, "value": 10.0 + i + np.sin(t)})
               for i, k in enumerate("abc")]).to_csv(panel, index=False)
    (tmp_path / "file").write_text("in the way")
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "mine.txt").write_text("a user's file")
    return {"tmp": str(tmp_path), "csv": str(csv), "panel": str(panel), "out": str(tmp_path / "out"),
            "file": str(tmp_path / "file"), "used": str(tmp_path / "used")}


@pytest.fixture
def no_work(monkeypatch):
    """Every door to fitting fails the test (after the checks `run_tasks` itself makes on its
    arguments); TensorFlow is not imported by the gan/privacy commands."""
    from pybbdl.parallel import resolve_backend

    def work(fn, tasks, *, n_jobs=1, backend=None, address=None, **kwargs):
        resolve_backend(n_jobs, backend, address)
        raise AssertionError("work started: the bad value was not refused up front")

    modules = [importlib.import_module(name) for name in ("pybbdl.parallel", "pybbdl.evaluation.compare_fits",
                                                          "pybbdl.evaluation.backtest", "pybbdl.workflows.panel_fit")]
    for module in modules:
        monkeypatch.setattr(module, "run_tasks", work)
    for name in ("pybbdl.cli.gan", "pybbdl.cli.privacy"):
        monkeypatch.setattr(importlib.import_module(name), "_quiet_tensorflow", lambda: None)


@pytest.mark.parametrize(("base", "extra", "expected"), list(_cases()))
def test_a_bad_value_exits_2_with_a_clear_message(base, extra, expected, places, no_work, capsys):
    argv = [a.format(**places) for a in BASES[base] + extra]
    try:
        rc = main(argv)
    except SystemExit as exit_:   # argparse's own refusals
        rc = exit_.code
    err = capsys.readouterr().err
    assert rc == 2, f"exit {rc} for {argv}; stderr: {err}"
    assert "Traceback" not in err
    assert re.search(expected, err), f"{expected!r} not in: {err}"
    assert [p.name for p in Path(places["used"]).iterdir()] == ["mine.txt"]   # a user's folder stays as it was


def test_the_python_doors_refuse_the_same_values(tmp_path):
    """The checks the CLI cases meet live at the Python entry points, so R and Python callers get them too."""
    from pybbdl.data import macro_data, read_csv
    from pybbdl.exceptions import ArgumentError
    from pybbdl.outputs import prepare_output_dir
    from pybbdl.parallel import resolve_backend
    from pybbdl.workflows.forecasting import forecast_compare

    data = macro_data()
    for kw, match in (({"features": ["realint", "realint"]}, "`features` must name each column once"),
                      ({"known": ["realint", "realint"]}, "`known` must name each column once"),
                      ({"baselines": ["naive", "naive"]}, "`baselines` must name each model once"),
                      ({"address": "10.0.0.1:port"}, "must end with a port number"),
                      ({"address": ""}, "must be a Ray cluster address")):
        with pytest.raises(ArgumentError, match=match):
            forecast_compare(data, target="infl", models=["naive"], progress=False, **kw)
    with pytest.raises(ArgumentError, match="must name a folder"):
        prepare_output_dir("")
    assert resolve_backend(1, address="auto") == "ray" and resolve_backend(1, address="ray://[::1]:10001") == "ray"
    path = tmp_path / "d.csv"
    path.write_text("date,y\n2000-01-01,1\n2000-01-02,2\n")
    with pytest.raises(ArgumentError, match="`encoding` must be a text encoding Python knows"):
        read_csv(path, target="y", encoding="nope-codec")
