"""ARIMA on the hourly Jena subset, 24 h ahead: forecasts from every validation/test origin.

Usage: python benchmarks/arima.py [--max-train 4000] [--sample 30]

Prints (1) the seconds to forecast all ~17,500 validation origins with pybbdl's vectorised
filter-once forecasts vs a per-origin `apply(...).get_forecast(24)` loop timed on a sample of
origins (extrapolated; both give the same numbers, checked here on the sample), and (2) the
ARIMA's val/test MAE beside the naive baseline, all on identical targets.
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from _common import JENA_HOURLY, machine, require  # noqa: E402

from pybbdl.data import jena_climate  # noqa: E402
from pybbdl.evaluation import diebold_mariano, mae  # noqa: E402
from pybbdl.models import ArimaForecaster, NaiveForecaster  # noqa: E402
from pybbdl.windows import prepare_windows  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-train", type=int, default=4000, help="fit on the last N training hours")
    parser.add_argument("--max-p", type=int, default=2)
    parser.add_argument("--max-q", type=int, default=2)
    parser.add_argument("--sample", type=int, default=30, help="origins timed in the per-origin loop")
    args = parser.parse_args()

    frame = jena_climate(require(JENA_HOURLY))
    w = prepare_windows(frame, target="T (degC)", lookback=240, horizon=24, split=(0.5, 0.25, 0.25))
    t0 = time.perf_counter()
    # the exhaustive, statsmodels-refitted search of BENCHMARKS.md's numbers (pybbdl 0.3's windowed default)
    model = ArimaForecaster(max_p=args.max_p, max_q=args.max_q, max_train=args.max_train, progress=True,
                            search="exhaustive", period=1, estimates="statsmodels").fit(w)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    val = model.predict(w, "val")
    vec_s = time.perf_counter() - t0
    test = model.predict(w, "test")

    series = w.values[model.train_start_:, 0]
    origins = w.target_positions("val") - 24 - model.train_start_
    sample = np.linspace(0, len(origins) - 1, args.sample).astype(int)
    t0 = time.perf_counter()
    loop = [model.results_.apply(series[:origins[i] + 1]).get_forecast(24).predicted_mean[-1] for i in sample]
    loop_s = (time.perf_counter() - t0) / len(sample)
    max_diff = float(np.max(np.abs(np.asarray(loop) - val[sample])))

    naive = NaiveForecaster().fit(w)
    rows = []
    for part, pred in (("val", val), ("test", test)):
        actual = w.targets(part, scaled=False)
        nv = naive.predict(w, part)
        dm, p = diebold_mariano(actual, pred, nv, horizon=24)
        rows.append((part, mae(actual, nv), mae(actual, pred), dm, p))

    print(f"machine: {machine()}")
    print(f"{model.describe()} chosen by AICc over p<={args.max_p}, q<={args.max_q} (d by KPSS), fitted on the last "
          f"{args.max_train} training hours in {fit_s:.1f} s ({len(model.search_)} candidates)\n")
    print("| origins | vectorised (s) | per-origin get_forecast (s, extrapolated) | speed-up | max abs difference |")
    print("|---:|---:|---:|---:|---:|")
    print(f"| {len(origins):,} | {vec_s:.2f} | {loop_s * len(origins):,.0f} ({loop_s * 1000:.0f} ms x {len(origins):,}) "
          f"| {loop_s * len(origins) / vec_s:,.0f}x | {max_diff:.1e} degC |\n")
    print("| part | naive MAE (degC) | ARIMA MAE (degC) | DM stat vs naive | p |")
    print("|---|---:|---:|---:|---:|")
    for part, nv, ar, dm, p in rows:
        print(f"| {part} | {nv:.3f} | {ar:.3f} | {dm:.2f} | {p:.3g} |")


if __name__ == "__main__":
    main()
