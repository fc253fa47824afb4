"""Quiet by default (issue 20): no CUDA cuInit line with TF_CPP_MIN_LOG_LEVEL=2 on a machine without
a GPU, and no Keras per-epoch lines when standard output is not a terminal (logs, pipes, R)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pybbdl._tensorflow import _is_noise, has_nvidia_device

PKG = Path(__file__).resolve().parents[2] / "pybbdl"
CUINIT = ("E0000 00:00:1796659838.280974   27004 cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error: "
          "Failed call to cuInit: UNKNOWN ERROR (303)")


def test_cuinit_line_is_noise_only_without_an_nvidia_device():
    assert _is_noise(CUINIT, gpu=False)
    assert not _is_noise(CUINIT, gpu=True)  # a GPU machine whose driver fails must see why
    assert not _is_noise("ImportError: libcudnn.so.9: cannot open shared object file", gpu=False)


@pytest.mark.skipif(has_nvidia_device(), reason="the cuInit line is kept on a machine with an NVIDIA device")
def test_issue20_cuinit_hidden_with_log_level_2():
    # before: TF_CPP_MIN_LOG_LEVEL=2 (set by the user, so pybbdl keeps it) let through
    # "failed call to cuInit" (logged at ERROR = 2, at the first device lookup after the import)
    code = ("from pybbdl.cli._common import quiet_tensorflow\nquiet_tensorflow()\n"
            "import numpy as np, keras\nprint(keras.layers.Dense(1)(np.zeros((1, 2))).shape)\n")
    # a minimal environment (an embedded R started by earlier tests breaks TensorFlow's import ssl)
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=str(PKG.parent))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "(1, 1)"
    assert "cuInit" not in out.stderr and "cudart_stub" not in out.stderr, out.stderr


def test_keras_verbosity_auto_is_quiet_off_a_terminal(monkeypatch):
    from pybbdl.models.neural import keras_verbosity

    assert keras_verbosity(2) == 2 and keras_verbosity(0) == 0
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False, raising=False)
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    assert keras_verbosity("auto") == 0
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    assert keras_verbosity("auto") == 1


def test_issue20_no_keras_epoch_lines_when_stdout_is_not_a_terminal(capfd):
    # before: NeuralForecaster(verbose="auto") passed "auto" to Keras, which prints a progress bar
    # and "Epoch i/N" for every epoch into any stdout, and forecast_compare asked for verbose=2
    pytest.importorskip("keras")
    from pybbdl.data import macro_data
    from pybbdl.models import NeuralForecaster
    from pybbdl.windows import prepare_windows

    windows = prepare_windows(macro_data().iloc[:80], target="infl", lookback=4)
    NeuralForecaster("dense", units=2, epochs=2, batch_size=32, random_state=0).fit(windows)
    out = capfd.readouterr().out
    assert "Epoch" not in out and "step" not in out, out
