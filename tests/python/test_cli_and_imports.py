"""CLI behaviour, start-up cost, and the one-way import rule of STYLE.md."""

import ast
import subprocess
import sys
from pathlib import Path

import pandas as pd

import pybbdl
from pybbdl.cli import main

PKG = Path(pybbdl.__file__).parent
# data -> windows -> models -> evaluation -> reports -> gan -> workflows -> cli
LAYER = {"_tensorflow": 0, "exceptions": 0, "_validation": 0, "outputs": 0, "data": 0, "windows": 1, "splits": 1, "book": 1,
         "privacy": 1, "parallel": 1, "models": 2,
         "evaluation": 3, "reports": 4, "gan": 5, "workflows": 6, "cli": 7}


def _layer(module: str):
    parts = module.split(".")
    return LAYER.get(parts[1]) if len(parts) > 1 and parts[0] == "pybbdl" else None


def test_imports_go_one_way():
    offenders = []
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(PKG.parent).with_suffix("")
        module = ".".join(rel.parts).removesuffix(".__init__")
        own = _layer(module)
        if own is None:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                target = _layer(node.module)
                if target is not None and target > own:
                    offenders.append(f"{module} imports {node.module}")
    assert not offenders, offenders


def test_import_pybbdl_and_help_do_not_start_tensorflow():
    code = ("import sys, pybbdl, pybbdl.data, pybbdl.windows, pybbdl.models, pybbdl.evaluation, pybbdl.reports\n"
            "import pybbdl.gan, pybbdl.gan.images\n"
            "from pybbdl.cli import main\n"
            "for argv in (['--help'], ['gan', '--help']):\n"
            "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
            "bad = [m for m in ('tensorflow', 'keras', 'rpy2') if m in sys.modules]\n"
            "assert not bad, bad\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "forecast" in out.stdout and "--target-epsilon" in out.stdout


def test_cli_forecast_writes_table_and_plots(tmp_path, capsys):
    code = main(["forecast", "--models", "naive,dense", "--epochs", "2", "--out", str(tmp_path), "--quiet"])
    assert code == 0
    out = capsys.readouterr().out
    assert "naive" in out and "dense" in out and "test_mae" in out
    table = pd.read_csv(tmp_path / "results.csv")
    assert table["model"].tolist() == ["naive", "dense"]
    assert table.loc[0, "test_mae"] > 0
    assert (tmp_path / "forecasts_test.png").stat().st_size > 1000


def test_cli_reports_bad_input_without_traceback(tmp_path, capsys):
    assert main(["forecast", "--models", "naive,transformer", "--out", str(tmp_path)]) == 2
    assert "Unknown model 'transformer'" in capsys.readouterr().err
    assert main(["forecast", "--lookback", "7", "--step", "2", "--out", str(tmp_path)]) == 2
    assert "multiple of `step`" in capsys.readouterr().err
    csv = tmp_path / "d.csv"
    pd.DataFrame({"date": ["2020-01-02", "2020-01-01"], "y": [1.0, 2.0]}).to_csv(csv, index=False)
    assert main(["forecast", "--dataset", "csv", "--data-path", str(csv), "--target", "y"]) == 2
    assert "sorted" in capsys.readouterr().err


def test_cli_backtest_with_arima_and_seeds(tmp_path, capsys):
    code = main(["forecast", "--models", "naive,arima,dense", "--backtest", "2", "--fold-size", "12",
                 "--epochs", "1", "--seeds", "2", "--quick", "--out", str(tmp_path), "--quiet"])
    assert code == 0
    out = capsys.readouterr().out
    assert "2-fold rolling-origin backtest" in out and "test_p_vs_arima" in out
    table = pd.read_csv(tmp_path / "results.csv").set_index("model")
    assert table.loc["dense", "seeds"] == 2 and table.loc["arima", "folds"] == 2
    assert table.loc["arima", "spec"].startswith("ARIMA(")
    forecasts = pd.read_csv(tmp_path / "forecasts_test.csv")
    assert len(forecasts) == 24 and set(forecasts["fold"]) == {1, 2}


def test_tensorflow_start_up_lines_are_dropped_and_other_lines_kept():
    """The CLI and R import TensorFlow through pybbdl._tensorflow: absl's pre-init lines and the
    CUDA probes (printed on every CPU machine) go; anything else written to stderr stays."""
    from pybbdl._tensorflow import _is_noise

    assert _is_noise("I0000 00:00:1796018556.363873 3691 cudart_stub.cc:31] Could not find cuda drivers")
    assert _is_noise("WARNING: All log messages before absl::InitializeLog() is called are written to STDERR")
    assert not _is_noise("ImportError: libcudnn.so.9: cannot open shared object file")
    code = ("import os, sys\nos.environ.pop('TF_CPP_MIN_LOG_LEVEL', None)\n"
            "from pybbdl.cli._common import quiet_tensorflow\nquiet_tensorflow()\n"
            "import tensorflow as tf\nprint(float(tf.constant(1.0) + 1))\n")
    # a minimal environment: an embedded R started by earlier tests (rpy2) leaves library paths in
    # os.environ that break TensorFlow's own `import ssl` in a child process
    env = {k: v for k, v in __import__("os").environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=str(PKG.parent))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "2.0"
    assert "cudart_stub" not in out.stderr and "absl::InitializeLog" not in out.stderr, out.stderr
    assert "cuInit" not in out.stderr, out.stderr


def test_forecast_without_networks_never_imports_tensorflow(tmp_path):
    code = ("import sys\nfrom pybbdl.cli import main\n"
            f"assert main(['forecast', '--models', 'naive,arima', '--quick', '--quiet', '--out', {str(tmp_path)!r}]) == 0\n"
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(PKG.parent))
    assert out.returncode == 0, out.stderr
