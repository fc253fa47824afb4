"""Issue 20, output folders and resource bounds: a run never removes or overwrites a user's files
(X14, X14b), workers never exceed the tasks or the cores (P32), horizons are bounded and checked in
linear time (H10), and a Ray address that is not a Ray cluster fails within seconds (P56)."""

import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pybbdl.cli import main
from pybbdl.exceptions import ArgumentError, OutputError
from pybbdl.outputs import MANIFEST, PREVIOUS, begin_output_dir, finish_output_dir, prepare_output_dir


def _user_folder(path: Path) -> dict:
    """The audit's folder: files a user keeps there, under names pybbdl (0.1) wrote too."""
    path.mkdir(parents=True)
    files = {"forecasts_2019.csv": "mine\n", "summary.json": '{"mine":1}\n', "ledger.csv": "a,b\n",
             "training.png": "not a png", "results.csv": "x\n"}
    for name, text in files.items():
        (path / name).write_text(text)
    return files


def _unchanged(path: Path, files: dict) -> bool:
    return {p.name: p.read_text() for p in path.iterdir()} == files


def _no_work(monkeypatch):
    """Make any fit fail loudly: a refused folder must be refused before training."""
    import importlib

    def boom(*args, **kwargs):
        raise AssertionError("work started before the output folder was checked")

    # import every module first: one imported after the patch would keep `boom` for good
    modules = [importlib.import_module(name) for name in ("pybbdl.parallel", "pybbdl.evaluation.compare_fits",
                                                          "pybbdl.evaluation.backtest", "pybbdl.workflows.panel_fit")]
    for module in modules:
        monkeypatch.setattr(module, "run_tasks", boom)


# ------------------------------------------------------------------ X14, X14b: data loss
def test_X14_forecast_refuses_a_folder_of_user_files(tmp_path, capsys, monkeypatch):
    out = tmp_path / "X"
    files = _user_folder(out)
    _no_work(monkeypatch)
    rc = main(["forecast", "--dataset", "macro", "--models", "naive", "--quick", "--levels", "none", "--quiet",
               "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2
    assert "must be new, empty or hold an earlier pybbdl run" in err and "forecasts_2019.csv" in err
    assert "--out" in err and "Traceback" not in err
    assert _unchanged(out, files)     # nothing removed, nothing added, nothing overwritten


def test_X14b_panel_refuses_a_folder_of_user_files(tmp_path, capsys, monkeypatch):
    path = tmp_path / "clean.csv"
    t = np.arange(1, 25)
    pd.concat([pd.DataFrame({"id": k, "time": t, "value": 10.0 + k_i + np.sin(t)})
               for k_i, k in enumerate("abc")]).to_csv(path, index=False)
    out = tmp_path / "X"
    files = _user_folder(out)
    _no_work(monkeypatch)
    rc = main(["panel", str(path), "--models", "naive", "--horizon", "4", "--quiet", "--out", str(out)])
    assert rc == 2 and "must be new, empty or hold an earlier pybbdl run" in capsys.readouterr().err
    assert _unchanged(out, files)


def test_X14_a_pybbdl_run_folder_still_reruns_and_its_old_files_go(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["forecast", "--dataset", "macro", "--models", "naive", "--quick", "--quiet", "--out", str(out)]
    assert main(argv) == 0
    assert (out / "intervals_test.csv").exists()       # written with intervals...
    (out / "notes.txt").write_text("mine")              # ...and a user's note beside the run
    assert main([*argv, "--levels", "none"]) == 0     # the rerun is accepted...
    names = {p.name for p in out.iterdir()}
    assert "intervals_test.csv" not in names            # ...removes the files only the old manifest listed...
    assert (out / "notes.txt").read_text() == "mine"   # ...and never a file no manifest lists
    assert PREVIOUS not in names and json.loads((out / MANIFEST).read_text())["settings"]["levels"] == []
    capsys.readouterr()


def test_X14_only_files_a_manifest_lists_are_removed(tmp_path):
    """No more removal of 0.1-era names by pattern: a save removes what a manifest lists, only."""
    out = tmp_path / "o"
    out.mkdir()
    prepare_output_dir(out)                          # empty: claimed
    (out / "results.csv").write_text("user")         # a name pybbdl 0.1 wrote; no manifest lists it
    begin_output_dir(out)
    (out / "table.csv").write_text("new")
    finish_output_dir(out, ["table.csv"], kind="t", settings={})
    assert (out / "results.csv").read_text() == "user"
    assert json.loads((out / MANIFEST).read_text())["files"] == ["table.csv"]


def test_X14_a_manifest_json_of_another_tool_is_refused_and_kept(tmp_path):
    out = tmp_path / "web"
    out.mkdir()
    (out / MANIFEST).write_text('{"name": "my app", "files": ["index.html"]}')
    (out / "index.html").write_text("<html>")
    with pytest.raises(OutputError, match="manifest.json, index.html|index.html, manifest.json"):
        prepare_output_dir(out)
    assert (out / MANIFEST).read_text().startswith('{"name"') and not (out / PREVIOUS).exists()


def test_X14_new_and_empty_folders_are_claimed_and_an_interrupted_run_can_rerun(tmp_path):
    new = prepare_output_dir(tmp_path / "a" / "b")
    assert json.loads((new / PREVIOUS).read_text()) == {"files": []}
    (new / "checkpoints").mkdir()                     # e.g. a GAN killed during training
    (new / "history.csv").write_text("step\n")
    assert prepare_output_dir(new) == new             # its rerun resumes there
    hidden = tmp_path / "mac"
    hidden.mkdir()
    (hidden / ".DS_Store").write_text("")             # hidden files do not make a folder "used"
    prepare_output_dir(hidden)
    assert (hidden / ".DS_Store").exists()


def test_X14_gan_and_privacy_refuse_user_folders_before_loading_data(tmp_path):
    from pybbdl.workflows.gan import gan_train
    from pybbdl.workflows.privacy import dp_train_mnist

    out = tmp_path / "X"
    files = _user_folder(out)
    nowhere = tmp_path / "no-mnist"                  # loading would fail: the refusal comes first
    with pytest.raises(OutputError, match="must be new, empty"):
        gan_train("mlp", nowhere, epochs=1, out_dir=out, progress=False)
    with pytest.raises(OutputError, match="must be new, empty"):
        dp_train_mnist(nowhere, epochs=1, out_dir=out, progress=False)
    assert _unchanged(out, files)


# ------------------------------------------------------------------ P32: workers bounded
def _pid_after(seconds):
    time.sleep(seconds)
    return os.getpid()


def test_P32_workers_never_outnumber_the_tasks_or_the_cores(monkeypatch):
    import pybbdl.parallel as parallel

    monkeypatch.delenv(parallel.OVERSUBSCRIBE_ENV, raising=False)
    monkeypatch.setattr(parallel, "available_cores", lambda: 2)
    assert parallel.effective_workers(999, 6) == 2
    assert parallel.effective_workers(999, 1) == 1 and parallel.effective_workers(2, 6) == 2
    with pytest.warns(UserWarning, match=r"`n_jobs`=999 is more than the 2 cores .* PYBBDL_ALLOW_OVERSUBSCRIBE=1"):
        pids = parallel.run_tasks(_pid_after, [0.3] * 6, n_jobs=999)
    assert len(pids) == 6 and len(set(pids)) <= 2 and os.getpid() not in pids
    monkeypatch.setenv(parallel.OVERSUBSCRIBE_ENV, "1")   # the documented override: still never above the tasks
    assert parallel.effective_workers(999, 6) == 6 and parallel.effective_workers(3, 6) == 3
    with pytest.raises(ArgumentError, match="`n_jobs` must be >= 1"):
        parallel.effective_workers(0, 6)


# ------------------------------------------------------------------ H10: horizons bounded, checked in linear time
def test_H10_huge_horizons_are_refused_at_once_and_checked_in_linear_time(capsys):
    from pybbdl.windows import MAX_HORIZON, parse_horizons

    start = time.perf_counter()
    for bad, match in (("1-150000", "must be steps <= 100,000"), (10 ** 12, "must be steps <= 100,000"),
                       ([1, 10 ** 9], "must be steps <= 100,000"), ("1-100000,1-100000", "must not repeat"),
                       ("1-60000,59999-70000", r"\[59999, 60000\] more than once")):
        with pytest.raises(ArgumentError, match=match):
            parse_horizons(bad)
    assert parse_horizons(f"1-{MAX_HORIZON}") == tuple(range(1, MAX_HORIZON + 1))
    assert time.perf_counter() - start < 2              # was > 300 s for 1-150000 (a quadratic check)
    start = time.perf_counter()
    assert main(["forecast", "--models", "naive", "--horizons", "1-150000", "--quiet", "--out", "unused"]) == 2
    assert "must be steps <= 100,000" in capsys.readouterr().err
    assert time.perf_counter() - start < 10


# ------------------------------------------------------------------ P56: a non-Ray address fails within seconds
@pytest.fixture
def http_server():
    """A plain HTTP server on a free loopback port, in a thread."""
    import http.server
    import threading

    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_P56_an_address_that_is_not_a_ray_cluster_fails_within_seconds(http_server):
    pytest.importorskip("ray", reason="Ray is not installed (pip install pybbdl[ray])")
    from pybbdl.parallel import ParallelError, run_tasks

    start = time.perf_counter()
    with pytest.raises(ParallelError, match=rf"listens at '{http_server}', but it is not a Ray cluster: it answered "
                                            r"b.*\(a web server\?\)"):
        run_tasks(_pid_after, [0], address=http_server)
    assert time.perf_counter() - start < 10                 # was > 300 s of Ray's retries


def test_P56_a_silent_port_fails_within_seconds():
    pytest.importorskip("ray", reason="Ray is not installed (pip install pybbdl[ray])")
    import socket

    from pybbdl.parallel import ParallelError, run_tasks

    with socket.socket() as listener:                       # accepts connections (backlog), never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        address = f"127.0.0.1:{listener.getsockname()[1]}"
        start = time.perf_counter()
        with pytest.raises(ParallelError, match="it sent nothing back within 5 s"):
            run_tasks(_pid_after, [0], address=address)
        assert time.perf_counter() - start < 15
