"""Coverage of the 80 % and 95 % prediction intervals on the test part, per model.

Usage:
    python benchmarks/intervals.py --dataset jena  [--models naive,arima,dense] [--epochs 3]
    python benchmarks/intervals.py --dataset macro [--models naive,arima,dense,gru] [--epochs 100]
    ... [--quantiles 0.8,0.95] [--residual]   (networks with quantile outputs / residual networks)

Jena: the hourly subset (../shared/data), temperature 24 h ahead, lookback 240 h, split
50/25/25 (17,510 test targets). US inflation: the embedded macro data, 1 quarter ahead, lookback
8, split 60/20/20. Every model without its own ``predict_interval`` gets split-conformal
intervals calibrated on the validation part; the test part only scores. Prints one Markdown
table (coverage, width, Winkler score, CRPS, MAE) for BENCHMARKS.md, with the machine and the
wall time. The main table has the default conformal intervals (normalized: errors divided by each
window's volatility, ``conformal_scale="auto"``); then, for the same fitted models and forecasts
(no refit), the scores of conformal intervals from absolute errors (``conformal_scale="none"``; for
models with their own intervals such as ARIMA also the default normalized ones, as
``interval_method="conformal"`` gives them),
of *rolling* conformal intervals (``--window`` errors observed at each origin;
``conformal_window=``) from absolute errors, and rolling normalized ones.
"""

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from _common import JENA_HOURLY, machine, require  # noqa: E402

from pybbdl.data import jena_climate, macro_data  # noqa: E402
from pybbdl.evaluation import compare  # noqa: E402
from pybbdl.reports import markdown_table  # noqa: E402
from pybbdl.windows import prepare_windows  # noqa: E402

SETUPS = {
    "jena": {"target": "T (degC)", "lookback": 240, "horizon": 24, "split": (0.5, 0.25, 0.25),
             "models": "naive,arima,dense", "epochs": 3,
             "params": {"batch_size": 128, "max_train": 1000, "max_p": 2, "max_q": 2}},
    "macro": {"target": "infl", "lookback": 8, "horizon": 1, "split": (0.6, 0.2, 0.2),
              "models": "naive,arima,dense,gru", "epochs": 100,
              "params": {"batch_size": 16, "patience": 20}},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=sorted(SETUPS), default="macro")
    parser.add_argument("--models", default=None, help="comma-separated (default: the dataset's)")
    parser.add_argument("--epochs", type=int, default=None, help="epochs of the networks (default: the dataset's)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default=None, help="folder for the report (CSV, fan charts)")
    parser.add_argument("--window", type=int, default=None,
                        help="rolling conformal window in rows (default: jena 8760 = a year, macro 40 = 10 years)")
    parser.add_argument("--quantiles", default=None, metavar="L1,L2",
                        help="train the networks with quantile outputs at these interval levels (pinball loss): "
                             "their own intervals replace the conformal ones in the first table")
    parser.add_argument("--residual", action="store_true", help="residual networks (forecast the change)")
    args = parser.parse_args()

    setup = SETUPS[args.dataset]
    frame = jena_climate(require(JENA_HOURLY)) if args.dataset == "jena" else macro_data()
    windows = prepare_windows(frame, target=setup["target"], lookback=setup["lookback"], horizon=setup["horizon"],
                              split=setup["split"])
    models = [m for m in (args.models or setup["models"]).split(",") if m]
    epochs = args.epochs or setup["epochs"]
    from pybbdl.models import model_params

    takes = set().union(*(model_params(m) for m in models))
    extra = {"quantiles": tuple(float(v) for v in args.quantiles.split(","))} if args.quantiles else {}
    if args.residual:
        extra["residual"] = True
    params = {k: v for k, v in {**setup["params"], "epochs": epochs, "random_state": args.seed,
                                "verbose": 0, **extra}.items() if k in takes}
    print(f"machine: {machine()}", file=sys.stderr)
    print(windows, file=sys.stderr)
    start = time.perf_counter()
    result = compare(windows, models, params=params, levels=(0.8, 0.95))
    wall = time.perf_counter() - start
    if args.out:
        from pybbdl.reports import write_report

        write_report(result, args.out)
    t = result.table
    cols = ["model", "interval", "test_coverage_80", "test_coverage_95", "test_width_80", "test_width_95",
            "test_winkler_80", "test_winkler_95", "test_crps", "test_mae", "test_in_mcs_90", "spec"]
    print(f"\n{args.dataset}: {windows.target}, {windows.horizon} step(s) ahead, lookback {windows.lookback}, "
          f"{windows.n_windows('val')} val (calibration) and {windows.n_windows('test')} test targets; networks "
          f"{epochs} epochs, seed {args.seed}; params {params}; wall {wall:.0f} s on {machine()}")
    print(markdown_table(t[[c for c in cols if c in t.columns]], digits=3))

    from pybbdl.evaluation.intervals import has_own_intervals, model_intervals
    from pybbdl.evaluation.metrics import interval_scores

    window = args.window or (8760 if args.dataset == "jena" else 40)
    rows = []
    y = windows.targets("test", scaled=False)
    for win, scale in ((None, "window"), (None, "none"), (window, "none"), (window, "window")):
        for name, model in result.models.items():
            if (win, scale) == (None, "window") and not has_own_intervals(model):
                continue  # the default conformal intervals: in the table above
            point = result.forecasts["test"][name].to_numpy()
            # models with their own intervals (ARIMA) get conformal ones here, as interval_method="conformal"
            ints, method = model_intervals(model, windows, "test", (0.8, 0.95), point=point, window=win, scale=scale,
                                           calibration_forecasts=result.forecasts["val"][name].to_numpy(),
                                           method="conformal")
            how = ("normalized " if scale == "window" else "absolute-error ") + (
                "conformal" if win is None else f"rolling conformal ({win})")
            sc = interval_scores(y, point, ints)
            rows.append({"model": name, "interval": how,
                         **{f"test_{k}": sc[k] for k in ("coverage_80", "coverage_95", "width_80", "width_95",
                                                         "winkler_80", "winkler_95", "crps")}})
    import pandas as pd

    print(f"\nthe same fitted models and forecasts, other conformal intervals (for models with their own intervals, "
          f"such as ARIMA, as interval_method='conformal' gives them): normalized static ones, from absolute errors "
          f"(conformal_scale='none'; the table above has the default, errors divided by each window's mean absolute "
          f"{windows.horizon}-step change of the target), rolling (each test target's interval from the last {window} "
          "forecast errors observed at its origin), and rolling normalized")
    print(markdown_table(pd.DataFrame(rows), digits=3))


if __name__ == "__main__":
    main()
