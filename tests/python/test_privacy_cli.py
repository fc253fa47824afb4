"""`pybbdl privacy epsilon|mnist` on the command line (MNIST from tiny IDX files the test writes)."""

import gzip

import numpy as np
import pandas as pd
import pytest

from pybbdl.cli import main
from pybbdl.privacy import dp_sgd_epsilon


def test_epsilon_command_prints_the_accountant(capsys):
    assert main(["privacy", "epsilon", "--n", "60000", "--batch-size", "256", "--sigma", "1.1", "--epochs", "60",
                 "--sampling", "shuffle"]) == 0
    out = capsys.readouterr().out
    assert "epsilon = 2.597 (rdp" in out and "56.950" in out
    assert main(["privacy", "epsilon", "--n", "60000", "--batch-size", "256", "--target-epsilon", "2",
                 "--epochs", "60"]) == 0
    sigma = float(capsys.readouterr().out.split("sigma = ")[1].split()[0])
    assert dp_sgd_epsilon(60000, 256, sigma, 60, 1e-5) <= 2.0 < dp_sgd_epsilon(60000, 256, sigma * 0.99, 60, 1e-5)
    assert main(["privacy", "epsilon", "--n", "100", "--batch-size", "10", "--epochs", "1"]) == 2
    assert "exactly one" in capsys.readouterr().err
    assert main(["privacy", "epsilon", "--n", "100", "--batch-size", "10", "--epochs", "1", "--sigma", "0"]) == 2
    assert "noise_multiplier" in capsys.readouterr().err


def _write_idx(folder, n_train=96, n_test=48, seed=0):
    rng = np.random.default_rng(seed)
    folder.mkdir()
    for part, n in (("train", n_train), ("t10k", n_test)):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        images = (rng.random((n, 28, 28)) * 60).astype(np.uint8)
        images[np.arange(n), labels * 2, :] = 255  # a learnable stripe per digit
        head = b"".join(v.to_bytes(4, "big") for v in (2051, n, 28, 28))
        (folder / f"{part}-images-idx3-ubyte.gz").write_bytes(gzip.compress(head + images.tobytes()))
        lab = (2049).to_bytes(4, "big") + n.to_bytes(4, "big") + labels.tobytes()
        (folder / f"{part}-labels-idx1-ubyte.gz").write_bytes(gzip.compress(lab))


def test_mnist_command_trains_with_a_ledger(tmp_path, capsys):
    _write_idx(tmp_path / "mnist")
    out = tmp_path / "out"
    code = main(["privacy", "mnist", "--data-path", str(tmp_path / "mnist"), "--epochs", "2", "--batch-size", "32",
                 "--sigma", "1.0", "--delta", "1e-3", "--out", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    ledger = pd.read_csv(out / "ledger.csv")
    np.testing.assert_allclose(ledger["epsilon"], [dp_sgd_epsilon(96, 32, 1.0, steps=3 * k, delta=1e-3)
                                                   for k in (1, 2)])
    assert "holds as stated" in text and "membership inference" in text
    assert (out / "membership_roc.png").stat().st_size > 1000 and (out / "model.keras").exists()


def test_mnist_command_reports_missing_files(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["privacy", "mnist", "--data-path", str(tmp_path / "empty"), "--epochs", "1"]) == 2
    assert "train-images-idx3-ubyte" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["privacy"], ["privacy", "mnist", "--epochs", "x"]])
def test_privacy_usage_errors_exit_2(argv):
    with pytest.raises(SystemExit) as err:
        main(argv)
    assert err.value.code == 2
