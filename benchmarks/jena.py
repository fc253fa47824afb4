"""Train the book's models on the hourly Jena subset, 24 h ahead, beside the naive baseline.

Usage: python benchmarks/jena.py [--models gru] [--epochs 20] [--patience 5] [--seed 1]

Prints a Markdown table (val/test MAE in degC, epochs, wall time) for BENCHMARKS.md.
"""

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from _common import JENA_HOURLY, machine, require  # noqa: E402

from pybbdl.data import jena_climate, with_calendar_features  # noqa: E402
from pybbdl.evaluation import compare  # noqa: E402
from pybbdl.reports import markdown_table  # noqa: E402
from pybbdl.windows import prepare_windows  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="gru")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--patience", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--optimizer", default="rmsprop")
    parser.add_argument("--units", type=int, default=32)
    parser.add_argument("--lookback", type=int, default=240)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--calendar", action="store_true", help="add time-of-day/day-of-year sin/cos inputs")
    parser.add_argument("--out", default=None, help="folder for the report (CSV, plots)")
    args = parser.parse_args()

    frame = jena_climate(require(JENA_HOURLY))
    if args.calendar:
        frame = with_calendar_features(frame)
    windows = prepare_windows(frame, target="T (degC)", lookback=args.lookback, horizon=24, step=1,
                              split=(0.5, 0.25, 0.25))
    print(f"machine: {machine()}", file=sys.stderr)
    print(windows, file=sys.stderr)
    start = time.perf_counter()
    result = compare(windows, args.models, params={
        "epochs": args.epochs, "patience": args.patience, "batch_size": args.batch_size, "units": args.units,
        "learning_rate": args.learning_rate, "optimizer": args.optimizer, "random_state": args.seed, "verbose": 2})
    wall = time.perf_counter() - start
    if args.out:
        from pybbdl.reports import write_report

        write_report(result, args.out)
    cols = ["model", "val_mae", "test_mae", "test_skill_pct", "epochs", "fit_seconds"]
    print(f"\nJena hourly subset, T (degC) 24 h ahead, lookback {args.lookback} h, split 50/25/25, "
          f"seed {args.seed}, batch {args.batch_size}, {args.optimizer} lr {args.learning_rate}, "
          f"patience {args.patience}, calendar inputs {args.calendar}; wall {wall:.0f} s on {machine()}")
    print(markdown_table(result.table[cols], digits=3))


if __name__ == "__main__":
    main()
