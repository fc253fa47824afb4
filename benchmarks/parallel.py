"""Speed-up of local worker processes on statistical models over many M3 series, and what one task costs.

Usage: python benchmarks/parallel.py [--series 150] [--models ets,arima] [--jobs 2] [--memory]

Each task fits one local model (``pybbdl.workflows.panel.series_model``) on one M3 series'
training part and forecasts its horizon: the task of ``forecast_panel`` and ``benchmarks/m3.py``. The same task list runs through
:func:`pybbdl.parallel.run_tasks` with ``n_jobs=1`` (in this process) and ``n_jobs=--jobs``
(``"loky"`` worker processes), forecasts are checked identical, and the wall times, the
speed-up, the per-task times and the load average before/after are printed (the speed-up means
something only on a machine with --jobs idle cores). ``--memory`` also runs one task of each
model, and one tiny network, in a fresh worker process and prints its peak resident memory.
Series are taken evenly from the yearly, quarterly and monthly M3 series (``../shared/data/m3``).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from _common import SHARED_DATA, machine, require  # noqa: E402

from pybbdl.parallel import run_tasks  # noqa: E402

PERIODS = {"YEARLY": 1, "QUARTERLY": 4, "MONTHLY": 12}


def m3_tasks(n_series: int, models) -> list[tuple]:
    """``(id, y, period, h, model)`` for `n_series` M3 series (yearly, quarterly, monthly in turn)."""
    m3 = pd.read_csv(require(SHARED_DATA / "m3" / "m3_series.csv.gz"))
    m3 = m3[(m3["part"] == "train") & m3["period"].isin(list(PERIODS))]
    by_period = {p: list(g.groupby("id", sort=True)) for p, g in m3.groupby("period")}
    chosen = []
    for i in range(n_series):
        period = list(PERIODS)[i % 3]
        sid, frame = by_period[period][i // 3]
        chosen.append((sid, frame["value"].to_numpy(float), PERIODS[period], int(frame["horizon"].iloc[0])))
    return [(sid, y, period, h, model) for model in models for sid, y, period, h in chosen]


def _model(name: str):
    """The local model of ``forecast_panel`` and ``benchmarks/m3.py`` (arima: the series-level
    AutoArima of pybbdl.models.arima_search)."""
    if name == "arima":
        from pybbdl.models.arima_search import AutoArima

        return AutoArima()
    from pybbdl.workflows.panel import series_model

    return series_model(name)


def fit_one(task) -> tuple[str, str, np.ndarray, float]:
    """Fit `model` on one series and forecast its horizon: ``(id, model, mean forecast, seconds)``."""
    sid, y, period, h, model = task
    start = time.perf_counter()
    mean = _model(model).fit(y, period).forecast(h)["mean"].to_numpy(float)
    return sid, model, mean, time.perf_counter() - start


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory_of_one_task(model: str, task_file: str) -> None:
    """Run in a fresh process (``--memory-child``): peak RSS after imports and after one task
    (the task, a monthly M3 series, comes pickled in `task_file`)."""
    import pickle

    with open(task_file, "rb") as f:
        sid, y, period, h, _ = pickle.load(f)
    if model == "dense":  # one network task of a comparison: TensorFlow, a small network
        from pybbdl._tensorflow import import_tensorflow_quietly
        from pybbdl.evaluation.compare import FitTask, fit_task
        from pybbdl.models import make_model
        from pybbdl.windows import prepare_windows

        import_tensorflow_quietly()
        w = prepare_windows(pd.DataFrame({"y": y}), target="y", lookback=12)
        base = _peak_rss_mb()
        fit_task(FitTask("dense", make_model("dense", epochs=20, random_state=1, verbose=0), 1, w, ("test",), True))
    else:
        _model(model)  # imports the model's module
        base = _peak_rss_mb()
        fit_one((sid, y, period, h, model))
    print(f"{base:.0f} {_peak_rss_mb():.0f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--series", type=int, default=150)
    parser.add_argument("--models", default="ets,arima")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--memory", action="store_true", help="peak memory of one task per model (fresh process)")
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    parser.add_argument("--task-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_of_one_task(args.memory_child, args.task_file)
        return
    models = args.models.split(",")
    tasks = m3_tasks(args.series, models)
    print(f"machine: {machine()}")
    print(f"{len(tasks)} tasks: {args.series} M3 series x {models}; loky workers: {args.jobs}")
    load_before = os.getloadavg()
    # imports and first-call costs out of the in-process timing (workers pay theirs inside theirs)
    run_tasks(fit_one, [next(t for t in tasks if t[4] == m) for m in models], n_jobs=1)
    t0 = time.perf_counter()
    one = run_tasks(fit_one, tasks, n_jobs=1)
    t1 = time.perf_counter() - t0
    t0 = time.perf_counter()
    many = run_tasks(fit_one, tasks, n_jobs=args.jobs, backend="loky")
    tn = time.perf_counter() - t0
    load_after = os.getloadavg()
    same = all(a[0] == b[0] and np.array_equal(a[2], b[2]) for a, b in zip(one, many))
    print(f"load average (1, 5, 15 min) before: {tuple(round(x, 2) for x in load_before)}, "
          f"after: {tuple(round(x, 2) for x in load_after)}")
    print(f"n_jobs=1: {t1:.1f} s; n_jobs={args.jobs} (loky, incl. starting the workers): {tn:.1f} s; "
          f"speed-up {t1 / tn:.2f}x; forecasts identical: {same}")
    for model in models:
        secs = np.array([r[3] for r in one if r[1] == model])
        print(f"  {model}: {len(secs)} tasks, per task mean {secs.mean():.3f} s, median {np.median(secs):.3f} s, "
              f"max {secs.max():.3f} s (in-process timings)")
    if args.memory:
        import pickle
        import tempfile

        monthly = next(t for t in tasks if t[2] == 12)
        with tempfile.NamedTemporaryFile(suffix=".pkl", delete=False) as f:
            pickle.dump(monthly, f)
        try:
            for model in [*models, "dense"]:
                out = subprocess.run([sys.executable, __file__, "--memory-child", model, "--task-file", f.name],
                                     capture_output=True, text=True, check=True).stdout.split()
                print(f"  peak RSS of a fresh process, one {model} task on monthly series {monthly[0]} "
                      f"({len(monthly[1])} values): {out[1]} MB ({out[0]} MB after imports)")
        finally:
            os.unlink(f.name)
    if not same:
        raise SystemExit("forecasts differ between n_jobs=1 and n_jobs>1")


if __name__ == "__main__":
    main()
