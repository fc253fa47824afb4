"""pybbdl.parallel: the same tables whether fits run here, in local processes (loky) or on a Ray
cluster started as a separate process; errors that name the failing task."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pybbdl.evaluation import backtest, compare
from pybbdl.evaluation.compare import _seeded
from pybbdl.exceptions import ArgumentError, MissingDependencyError
from pybbdl.models import make_model
from pybbdl.parallel import ParallelError, next_task, resolve_backend, run_tasks, worker_environment
from pybbdl.windows import prepare_windows

REPO = Path(__file__).resolve().parents[2]
M3_SERIES = Path(os.environ.get("PYBBDL_SHARED_DATA", REPO.parent / "shared" / "data")) / "m3" / "m3_series.csv.gz"


# ----------------------------------------------------------------------- task functions (picklable)
def _square_after(task):
    """(i, delay) -> i * i after `delay` seconds: later tasks finish first when delays decrease."""
    i, delay = task
    time.sleep(delay)
    return i * i


def _fail_on_three(i):
    if i == 3:
        raise ValueError(f"task three refuses: {i}")
    return i


def _plus_one(i):
    return i + 1


def _pid(_):
    return os.getpid()


def _die_on_one(i):
    if i == 1:
        os._exit(3)  # the worker process ends without a result (as when the kernel kills it)
    return i


def _span(task):
    """(i, delay) -> (i, start, end, pid) after `delay` seconds: when the task ran, and where."""
    i, delay = task
    start = time.time()
    time.sleep(delay)
    return i, start, time.time(), os.getpid()


def _worker_threads(_):
    from threadpoolctl import threadpool_info

    return os.environ.get("TF_NUM_INTRAOP_THREADS"), max((p["num_threads"] for p in threadpool_info()), default=1)


# ------------------------------------------------------------------------------------- data
def _frame(n=150, seed=0):
    rng = np.random.default_rng(seed)
    y = np.cumsum(rng.normal(size=n)) + np.sin(np.arange(n) / 3)
    return pd.DataFrame({"y": y, "x": rng.normal(size=n)}, index=pd.date_range("2000-01-01", periods=n, freq="MS"))


def _stat_models():
    return {"naive": make_model("naive"), "arima": make_model("arima", max_p=1, max_q=1)}


def _tiny_net():
    return make_model("dense", units=4, epochs=2, batch_size=16, random_state=5, verbose=0)


def _numbers(result):
    """Everything of a comparison but the wall-clock timings."""
    long = result.long[result.long["metric"] != "fit_seconds"].reset_index(drop=True)
    table = result.table.drop(columns=[c for c in result.table.columns if "fit_seconds" in c])
    return long, table, result.forecasts


def _assert_same(a, b):
    _assert_numbers_equal(_numbers(a), _numbers(b))


def _assert_numbers_equal(a, b):
    (la, ta, fa), (lb, tb, fb) = a, b
    pd.testing.assert_frame_equal(la, lb, check_exact=True)
    pd.testing.assert_frame_equal(ta, tb, check_exact=True)
    assert fa.keys() == fb.keys()
    for part in fa:
        pd.testing.assert_frame_equal(fa[part], fb[part], check_exact=True)


# ------------------------------------------------------------------------------------ errors
def test_arguments_are_checked_before_any_task_runs():
    with pytest.raises(ArgumentError, match=r"`n_jobs` must be >= 1. Received: n_jobs=0"):
        run_tasks(_square_after, [(1, 0)], n_jobs=0)
    with pytest.raises(ArgumentError, match=r"`backend` must be one of sequential, loky, ray. Received: 'dask'"):
        run_tasks(_square_after, [(1, 0)], backend="dask")
    with pytest.raises(ArgumentError, match=r"`address` .* needs backend='ray'"):
        run_tasks(_square_after, [(1, 0)], backend="loky", address="127.0.0.1:6379")
    w = prepare_windows(_frame(), target="y", lookback=4)
    with pytest.raises(ArgumentError, match="n_jobs"):
        compare(w, _stat_models(), n_jobs=0, progress=False)
    with pytest.raises(ArgumentError, match="backend"):
        backtest(_frame(), target="y", lookback=4, models=_stat_models(), folds=2, fold_size=20, backend="spark",
                 progress=False)
    assert resolve_backend(1) == "sequential" and resolve_backend(3) == "loky"
    assert resolve_backend(1, address="h:1") == "ray" and run_tasks(_square_after, []) == []


@pytest.mark.parametrize("backend", ["sequential", "loky"])
def test_a_failing_task_is_reraised_with_its_type_and_named(backend):
    with pytest.raises(ValueError, match="task three refuses") as info:
        run_tasks(_fail_on_three, range(6), n_jobs=2 if backend == "loky" else 1, backend=backend)
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert "raised by task 4 of 6 (3)" in notes
    if backend == "loky":  # the worker's traceback comes along
        assert "worker traceback" in notes and "_fail_on_three" in notes


def test_a_dict_task_is_named_by_its_short_entries_not_its_arrays():
    task = {"model": "ets", "id": "N0001", "y": np.arange(500.0), "period": 12}
    with pytest.raises(TypeError) as info:
        run_tasks(_plus_one, [0, 1, 2, task])
    assert "task 4 of 4 (model='ets', id='N0001', period=12)" in info.value.__notes__[0]


def test_ray_backend_without_ray_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    with pytest.raises(MissingDependencyError, match=r"pip install pybbdl\[ray\]"):
        run_tasks(_square_after, [(1, 0)], backend="ray")


def test_unreachable_ray_address_fails_fast():
    pytest.importorskip("ray", reason="Ray is not installed (pip install pybbdl[ray])")
    port = _free_ports(1)[0]  # nothing listens there
    start = time.perf_counter()
    with pytest.raises(ParallelError, match=rf"must be a running Ray cluster .*127.0.0.1:{port}"):
        run_tasks(_square_after, [(1, 0)], address=f"127.0.0.1:{port}")
    assert time.perf_counter() - start < 10
    with pytest.raises(ArgumentError, match="must end with a port number"):
        run_tasks(_square_after, [(1, 0)], address="127.0.0.1:http")


# ------------------------------------------------------------------------------- loky workers
def test_loky_results_come_back_in_task_order_with_one_thread_per_worker():
    tasks = [(i, 0.3 - 0.05 * i) for i in range(6)]  # the last tasks finish first
    assert run_tasks(_square_after, tasks, n_jobs=2, progress=True, desc="squares") == [i * i for i in range(6)]
    for tf_threads, blas_threads in run_tasks(_worker_threads, range(2), n_jobs=2):
        assert tf_threads == "1" and blas_threads == 1


def test_fresh_process_runs_each_task_in_a_new_worker_in_task_order():
    """N-BEATS members run so: TensorFlow keeps ~40 MB per trained network in its process."""
    tasks = [(i, 0.3 - 0.05 * i) for i in range(5)]  # the last tasks finish first
    assert run_tasks(_square_after, tasks, n_jobs=2, fresh_process=True) == [i * i for i in range(5)]
    pids = run_tasks(_pid, range(4), n_jobs=2, fresh_process=True)
    assert len(set(pids)) == 4 and os.getpid() not in pids  # a new process per task
    assert len(set(run_tasks(_pid, range(4), n_jobs=2))) <= 2  # loky reuses its 2 workers
    assert run_tasks(_pid, range(3), fresh_process=True) == [os.getpid()] * 3  # sequential: no effect
    for tf_threads, blas_threads in run_tasks(_worker_threads, range(2), n_jobs=2, fresh_process=True):
        assert tf_threads == "1" and blas_threads == 1  # one thread each, as loky's workers


def test_fresh_process_names_a_failing_task_and_a_worker_that_died():
    with pytest.raises(ValueError, match="task three refuses") as info:
        run_tasks(_fail_on_three, range(6), n_jobs=2, fresh_process=True)
    notes = "\n".join(info.value.__notes__)
    assert "raised by task 4 of 6 (3)" in notes and "_fail_on_three" in notes
    from concurrent.futures.process import BrokenProcessPool

    with pytest.raises(BrokenProcessPool) as info:
        run_tasks(_die_on_one, range(4), n_jobs=2, fresh_process=True)
    notes = "\n".join(info.value.__notes__)  # the task whose worker died is named (with any that died with it)
    assert "task 2 of 4 (1)" in notes and "ended without a result" in notes and "task 1 of 4" not in notes
    for bad in ("yes", 1, None):
        with pytest.raises(TypeError, match="`fresh_process` must be True or False"):
            run_tasks(_pid, range(2), n_jobs=2, fresh_process=bad)


def test_next_task_starts_a_waiting_exclusive_task_first_and_never_two():
    ex = [False, True, False, True, False]
    assert next_task([0, 1, 2, 3, 4], ex, exclusive_running=False) == 1  # the chain of big ones starts at once
    assert next_task([0, 2, 3, 4], ex, exclusive_running=True) == 0  # one runs: small ones fill the others
    assert next_task([3], ex, exclusive_running=True) is None  # only a big one waits: it waits
    assert next_task([3, 4], ex, exclusive_running=False) == 3
    assert next_task([], ex, exclusive_running=False) is None


@pytest.mark.parametrize("fresh", [True, False])
def test_exclusive_tasks_never_run_together_and_results_keep_task_order(fresh):
    """N-BEATS' large members (the paper's interpretable networks, ~1.2 GB each) run so."""
    ex = [True, True, False, False, True, False, False]  # in plain task order the first two would pair up
    tasks = [(i, 0.6 if e else 0.2) for i, e in enumerate(ex)]
    got = run_tasks(_span, tasks, n_jobs=2, fresh_process=fresh, exclusive=ex)
    assert [g[0] for g in got] == list(range(7))  # task order, whatever the start order
    big = sorted((g[1], g[2]) for g, e in zip(got, ex) if e)
    assert all(b[0] >= a[1] - 0.02 for a, b in zip(big, big[1:]))  # no two exclusive tasks overlap
    pids = {g[3] for g in got}
    assert len(pids) == 7 if fresh else len(pids) <= 2  # a new process per task only when fresh
    smalls = [(g[1], g[2]) for g, e in zip(got, ex) if not e]
    assert any(s[0] < b[1] and b[0] < s[1] for s in smalls for b in big)  # small ones ran beside the big ones
    assert run_tasks(_square_after, [(i, 0) for i in range(3)], exclusive=[True, True, False]) == [0, 1, 4]
    assert run_tasks(_square_after, [(i, 0) for i in range(3)], exclusive=np.array([True, False, True])) == [0, 1, 4]


@pytest.mark.parametrize("bad, err, match", [
    ([True], ValueError, "one True/False per task: 3 tasks, 1 values"),
    ([True, False, True, False], ValueError, "3 tasks, 4 values"),
    ([1, 0, 1], TypeError, "True/False only"), (["yes", "no", "no"], TypeError, "True/False only"),
    ("yes", TypeError, "must be None or one True/False per task"), (True, TypeError, "one True/False per task"),
    ({0: True}, TypeError, "one True/False per task"), (np.array([1, 0, 1]), TypeError, "True/False only"),
    (np.array([[True, False, True]]), TypeError, "one True/False per task")])
def test_bad_exclusive_is_refused_before_any_task_runs(bad, err, match):
    with pytest.raises(err, match=match):
        run_tasks(_fail_on_three, [3, 3, 3], n_jobs=2, exclusive=bad)  # a task that ran would raise ValueError
    with pytest.raises(err, match=match):
        run_tasks(_fail_on_three, [3, 3, 3], exclusive=bad)


@pytest.mark.slow  # trains a network (TensorFlow start-up)
def test_n_jobs_1_is_the_old_loop_bit_for_bit():
    """compare(n_jobs=1) forecasts = each model fitted and predicted by hand, in order."""
    w = prepare_windows(_frame(), target="y", lookback=4)
    models = {**_stat_models(), "dense": _tiny_net()}
    result = compare(w, models, seeds=[5, 6], progress=False, n_jobs=1)
    for name, est in models.items():
        runs = [5, 6] if est.stochastic else [5]
        by_hand = np.vstack([_seeded(est, s).fit(w).predict(w, "test") for s in runs])
        np.testing.assert_array_equal(result.seed_forecasts["test"][name], by_hand)


def test_loky_gives_the_same_tables_as_one_process_for_statistical_models():
    data = _frame()
    w = prepare_windows(data, target="y", lookback=4)
    _assert_same(compare(w, _stat_models(), progress=False), compare(w, _stat_models(), n_jobs=2, progress=False))
    kw = dict(target="y", lookback=4, models=_stat_models(), folds=2, fold_size=15, progress=False)
    _assert_same(backtest(data, **kw), backtest(data, **kw, n_jobs=2))
    _assert_same(backtest(data, **kw, retrain=False), backtest(data, **kw, retrain=False, n_jobs=2))


@pytest.mark.slow  # TensorFlow starts in each worker (10-30 s on a busy machine)
def test_loky_gives_the_same_tables_for_a_network_under_op_determinism():
    data = _frame()
    w = prepare_windows(data, target="y", lookback=4)
    models = {**_stat_models(), "dense": _tiny_net()}
    one = compare(w, models, seeds=2, progress=False)
    two = compare(w, models, seeds=2, n_jobs=2, progress=False)
    _assert_same(one, two)
    assert one.table.set_index("model").loc["dense", "seeds"] == 2
    kw = dict(target="y", lookback=4, models=models, folds=2, fold_size=20, seeds=2, progress=False)
    _assert_same(backtest(data, **kw), backtest(data, **kw, n_jobs=2))


# ------------------------------------------------------------------------ a real Ray cluster
def _free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def _cluster_pids(markers) -> list[int]:
    """This cluster's processes only: those whose command line holds one of `markers` (its temp
    folder, its GCS port) and their descendants."""
    parents, hits = {}, set()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
            parents[int(proc.name)] = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if any(m in cmdline for m in markers):
            hits.add(int(proc.name))
    grew = True
    while grew:
        children = {pid for pid, ppid in parents.items() if ppid in hits} - hits
        hits |= children
        grew = bool(children)
    return sorted(hits)


def _stop_cluster(markers) -> None:
    """Stop this cluster's processes by id, TERM then KILL (`ray stop` would stop every Ray of
    this user on the machine, other clusters included)."""
    for sig, wait in ((signal.SIGTERM, 3), (signal.SIGKILL, 10)):
        for pid in _cluster_pids(markers):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.time() + wait
        while _cluster_pids(markers) and time.time() < deadline:
            time.sleep(0.2)


#: Ray's switch for "not a cluster" (its default on macOS and Windows): every address is 127.0.0.1.
LOOPBACK = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}


@pytest.fixture(scope="module")
def ray_cluster():
    """`ray start --head --num-cpus 2` in a separate process, on free ports and a temp folder;
    yields its address and temp folder (its logs); stops it and checks that none of its processes is left."""
    pytest.importorskip("ray", reason="Ray is not installed (pip install pybbdl[ray]; `make setup` installs it)")
    ray_bin = str(Path(sys.executable).with_name("ray"))
    if not Path(ray_bin).exists():
        ray_bin = shutil.which("ray")
    if ray_bin is None:
        pytest.skip("the `ray` command is not installed beside this Python")
    temp_dir = tempfile.mkdtemp(prefix="pybbdl-ray-", dir="/tmp")  # short: Ray's socket paths must fit
    env = {**worker_environment(), "PYTHONPATH": os.pathsep.join([str(REPO), str(Path(__file__).parent),
                                                         os.environ.get("PYTHONPATH", "")]),
           "RAY_USAGE_STATS_ENABLED": "0", "OMP_NUM_THREADS": "1",
           # a loopback-only, short-lived cluster: no token (a driver connecting by address uses
           # none unless RAY_AUTH_MODE=token is set, see the README's "Scaling out")
           "RAY_AUTH_MODE": "disabled",
           # a busy 2-core machine can miss a few 3-s health checks: GCS would declare the raylet
           # dead after 5 and every driver connected to it would end
           "RAY_health_check_failure_threshold": "40",
           # loopback only: Ray replaces --node-ip-address 127.0.0.1 by the machine's outward address
           # (192.0.2.2 here) unless told it is not a cluster; CI machines differ in that address
           **LOOPBACK}
    markers = [temp_dir]
    try:
        for attempt in (1, 2):  # Ray gives its raylet 30 s to start: a busy machine may need a second try
            ports = _free_ports(9)
            markers.append(f":{ports[0]}\0")
            cmd = [ray_bin, "start", "--head", "--num-cpus", "2", "--port", str(ports[0]),
                   "--include-dashboard=false", "--temp-dir", temp_dir, "--disable-usage-stats",
                   "--object-store-memory", str(100 * 1024 ** 2), "--node-ip-address", "127.0.0.1",
                   *[f"--{name}={port}" for name, port in zip(
                       ("ray-client-server-port", "dashboard-agent-listen-port", "dashboard-agent-grpc-port",
                        "node-manager-port", "object-manager-port", "runtime-env-agent-port", "metrics-export-port",
                        "dashboard-port"), ports[1:])]]
            started = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=180)
            if started.returncode == 0:
                break
            _stop_cluster(markers)
        else:
            pytest.fail(f"`ray start --head` failed twice ({started.returncode}):\n{started.stdout[-2000:]}\n"
                        f"{started.stderr[-2000:]}")
        yield f"127.0.0.1:{ports[0]}", temp_dir
    finally:
        _stop_cluster(markers)
        left = _cluster_pids(markers)
        shutil.rmtree(temp_dir, ignore_errors=True)
        assert not left, f"Ray processes left running: {left}"


def _m3_subset():
    """A yearly, a quarterly and a monthly M3 series (training parts of >= 24 values): ``(series
    {id: training values}, forecast_panel arguments)``; synthetic series of such lengths when the
    M3 data is absent."""
    if M3_SERIES.exists():
        m3 = pd.read_csv(M3_SERIES)
        sizes = m3[m3["part"] == "train"].groupby("id").size()
        m3 = m3[m3["id"].isin(sizes.index[sizes >= 24])]
        ids = [i for period in ("YEARLY", "QUARTERLY", "MONTHLY")
               for i in m3.loc[m3["period"] == period, "id"].unique()[:1]]
        m3 = m3[m3["id"].isin(ids)]
        train = m3[m3["part"] == "train"]
        series = {i: train.loc[train["id"] == i, "value"].to_numpy(float) for i in ids}
        return series, dict(data=m3, id_col="id", time_col="t", value_col="value", period_col="frequency",
                            horizon_col="horizon", frequency_col="period", part_col="part")
    rng = np.random.default_rng(3)
    series = {f"S{i}": 100 + np.cumsum(rng.normal(1, 3, size=n)) for i, n in enumerate((30, 60, 120))}
    return series, dict(data=series, horizon=4, period=1)


PANEL_MODELS = ["naive2", "ses", "theta_m3"]
_BACKTEST = dict(target="y", lookback=4, folds=3, fold_size=6, progress=False)


def _subset_windows(series):
    return {sid: prepare_windows(pd.DataFrame({"y": y}), target="y", lookback=4, split=(0.6, 0.2, 0.2))
            for sid, y in series.items()}


def _longest(series):
    return pd.DataFrame({"y": series[max(series, key=lambda s: len(series[s]))]})


def _ray_logs(temp_dir, lines=40):
    """The tail of the cluster's own logs (GCS, raylet), for a failure message."""
    out = []
    for log in sorted(Path(temp_dir).glob("session_*/logs/*")):
        if log.name.startswith(("gcs_server", "raylet")) and log.suffix in (".out", ".err") and log.stat().st_size:
            out.append(f"--- {log.name}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-lines:]))
    return "\n".join(out) or "(no GCS/raylet logs)"


def test_a_real_ray_cluster_gives_the_local_results(ray_cluster, tmp_path):
    """A driver program in its own process (tests/python/ray_driver.py) connects to the cluster by
    address and runs tasks, comparisons, a backtest and a panel there; everything equals this
    process's local run."""
    address, temp_dir = ray_cluster
    out = tmp_path / "ray.pkl"
    env = {**worker_environment(), "PYTHONPATH": os.pathsep.join([str(REPO), str(Path(__file__).parent),
                                                                  os.environ.get("PYTHONPATH", "")]),
           "RAY_USAGE_STATS_ENABLED": "0", "OMP_NUM_THREADS": "1", "RAY_AUTH_MODE": "disabled", **LOOPBACK}
    driver = subprocess.run([sys.executable, str(Path(__file__).with_name("ray_driver.py")), address, str(out)],
                            env=env, capture_output=True, text=True, timeout=600)
    assert driver.returncode == 0 and out.exists(), (
        f"the Ray driver ended with status {driver.returncode}\n--- its stdout\n{driver.stdout[-3000:]}\n"
        f"--- its stderr\n{driver.stderr[-6000:]}\n{_ray_logs(temp_dir)}")
    got = pd.read_pickle(out)

    assert got["squares"] == [i * i for i in range(6)]  # in task order though the last finished first
    assert got["initialized_after"] is False  # run_tasks closed the session it opened
    kind, message, notes = got["error"]
    assert kind == "ValueError" and "task three refuses" in message and "raised by task 4 of 5 (3)" in notes
    assert len(set(got["fresh_pids"])) == 4  # fresh_process: each task's Ray worker retires after it
    assert [g[0] for g in got["exclusive"]] == list(range(5))
    big = sorted((g[1], g[2]) for g, e in zip(got["exclusive"], got["exclusive_ex"]) if e)
    assert all(b[0] >= a[1] - 0.02 for a, b in zip(big, big[1:]))  # exclusive tasks one at a time on the cluster

    # an M3 subset: every series' comparison, fitted on the cluster, equals the local run
    series, panel_args = _m3_subset()
    for sid, w in _subset_windows(series).items():
        _assert_numbers_equal(_numbers(compare(w, _stat_models(), progress=False)), got["compare"][sid])
    _assert_numbers_equal(_numbers(backtest(_longest(series), **_BACKTEST, models=_stat_models())), got["backtest"])
    # the same subset as a panel (one task per series x model)
    from pybbdl.workflows.panel import forecast_panel

    here = forecast_panel(**panel_args, models=PANEL_MODELS)
    there_series, there_forecasts = got["panel"]
    timing = ["seconds"]
    pd.testing.assert_frame_equal(here.series.drop(columns=timing), there_series.drop(columns=timing),
                                  check_exact=True)
    pd.testing.assert_frame_equal(here.forecasts, there_forecasts, check_exact=True)
    assert here.series["error"].eq("").all() and len(here.series) == 3 * len(PANEL_MODELS)
    assert got["caller_session_left_open"] is True  # a session the caller opened is left open


def test_workers_load_this_pythons_libpython_even_after_r_set_ld_library_path():
    """rpy2/reticulate put R's library paths (e.g. /usr/lib/x86_64-linux-gnu) on LD_LIBRARY_PATH; a
    worker started from that environment loaded Debian's libpython 3.11.2 under pyenv's 3.11.7 and
    failed inside multiprocessing (RLock._recursion_count) and ray start (_ssl symbol)."""
    import sysconfig

    libdir = sysconfig.get_config_var("LIBDIR")
    r_like = {**os.environ, "LD_LIBRARY_PATH": "/usr/lib/R/lib:/usr/lib/x86_64-linux-gnu"}
    env = worker_environment(r_like)
    if sysconfig.get_config_var("Py_ENABLE_SHARED"):
        assert env["LD_LIBRARY_PATH"].split(os.pathsep)[0] == libdir
        assert env["LD_LIBRARY_PATH"].endswith("/usr/lib/R/lib:/usr/lib/x86_64-linux-gnu")
    assert worker_environment({"PATH": "/bin"}) == {"PATH": "/bin"}  # nothing added when unset
    # a spawn-context lock registers with multiprocessing's resource tracker, where the mismatch broke
    probe = [sys.executable, "-c", "import sys, multiprocessing as m; m.get_context('spawn').RLock(); "
             "print(sys.version.split()[0])"]
    fixed = subprocess.run(probe, env=env, capture_output=True, text=True, timeout=60)
    assert fixed.returncode == 0, fixed.stderr[-1000:]
    assert fixed.stdout.strip() == sys.version.split()[0]
