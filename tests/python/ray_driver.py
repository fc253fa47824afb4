"""A driver program that connects to a running Ray cluster by address, the way a user's script
would, and runs pybbdl's tasks there. test_parallel.py starts it as its own process: a Ray driver
whose cluster dies is ended by Ray's core worker (exit status 1, no Python traceback), which
inside pytest ended the whole test session with no report. As a child process, such an end is
one failed test that shows this program's output and the cluster's logs.

    python tests/python/ray_driver.py ADDRESS OUT.pkl

Writes to OUT.pkl what the test compares with the same work run locally.
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main(address: str, out: Path) -> None:
    import ray

    import test_parallel as tp
    from pybbdl.evaluation import backtest, compare
    from pybbdl.parallel import run_tasks
    from pybbdl.workflows.panel import forecast_panel

    got: dict = {}
    tasks = [(i, 0.2 - 0.03 * i) for i in range(6)]  # later tasks finish first
    # connect by address, run, disconnect (run_tasks opens and closes its own session)
    got["squares"] = run_tasks(tp._square_after, tasks, address=address)
    got["initialized_after"] = ray.is_initialized()
    got["fresh_pids"] = run_tasks(tp._pid, range(4), address=address, fresh_process=True)
    got["exclusive_ex"] = [True, True, False, True, False]
    got["exclusive"] = run_tasks(tp._span, [(i, 0.5 if e else 0.1) for i, e in enumerate(got["exclusive_ex"])],
                                 address=address, exclusive=got["exclusive_ex"])
    try:
        run_tasks(tp._fail_on_three, range(5), address=address)
    except Exception as err:  # noqa: BLE001 - the test checks type, message and notes
        got["error"] = (type(err).__name__, str(err), "\n".join(getattr(err, "__notes__", [])))
    print("tasks done", flush=True)

    series, panel_args = tp._m3_subset()
    ray.init(address=address, logging_level="warning")  # one session for the whole subset
    try:
        got["compare"] = {sid: tp._numbers(compare(w, tp._stat_models(), backend="ray", progress=False))
                          for sid, w in tp._subset_windows(series).items()}
        print("compare done", flush=True)
        got["backtest"] = tp._numbers(backtest(tp._longest(series), **tp._BACKTEST, models=tp._stat_models(),
                                               backend="ray"))
        print("backtest done", flush=True)
        run = forecast_panel(**panel_args, models=tp.PANEL_MODELS, backend="ray")
        got["panel"] = (run.series, run.forecasts)
        got["caller_session_left_open"] = ray.is_initialized()
    finally:
        ray.shutdown()
    out.write_bytes(pickle.dumps(got))
    print("written", out, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
