"""Train the book's models on the hourly Jena subset, 24 h ahead, beside the naive baseline.

Usage: python benchmarks/jena.py [--models gru] [--epochs 20] [--patience 5] [--seeds 1,2,3]
       [--calendar] [--known-calendar] [--residual] [--units 64] [--layers 2] [--dropout 0.1]
       [--optimizer adam] [--ensemble] [--log-dir DIR]
       python benchmarks/jena.py --combine DIR [DIR ...]   (mean of every model's forecasts per seed)

Prints a Markdown table (val/test MAE in degC: mean and sd over the seeds, epochs, wall time) for
BENCHMARKS.md. Seeds run one after the other (all models of a seed, then the next seed), and each
seed's table and test forecasts are written to --log-dir as they finish, so a run cut short still
reports the seeds it finished. ``--ensemble`` adds the mean of the models' forecasts, per seed.
"""

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from _common import JENA_HOURLY, machine, require  # noqa: E402

from pybbdl.data import jena_climate, with_calendar_features  # noqa: E402
from pybbdl.evaluation import compare  # noqa: E402
from pybbdl.evaluation.metrics import mae  # noqa: E402
from pybbdl.reports import markdown_table  # noqa: E402
from pybbdl.windows import prepare_windows  # noqa: E402

CALENDAR = ["day_sin", "day_cos", "year_sin", "year_cos"]


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="gru")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--patience", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--optimizer", default="rmsprop")
    parser.add_argument("--units", type=int, default=32)
    parser.add_argument("--layers", type=int, default=1, help="stacked recurrent layers")
    parser.add_argument("--dropout", type=float, default=0.0, help="dropout on the recurrent layers' inputs")
    parser.add_argument("--lookback", type=int, default=240)
    parser.add_argument("--step", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1, help="one seed (ignored when --seeds is given)")
    parser.add_argument("--seeds", default=None, help="comma-separated seeds, e.g. 1,2,3: mean and sd over them")
    parser.add_argument("--calendar", action="store_true", help="add time-of-day/day-of-year sin/cos inputs")
    parser.add_argument("--known-calendar", action="store_true",
                        help="also feed the calendar terms over the 24 h ahead as future-known inputs (implies --calendar)")
    parser.add_argument("--residual", action="store_true",
                        help="the networks forecast the change from the window's last temperature (a skip connection)")
    parser.add_argument("--ensemble", action="store_true", help="add the mean of the models' forecasts (per seed)")
    parser.add_argument("--log-dir", default=None, help="folder for per-seed tables and test forecasts (.npy)")
    parser.add_argument("--out", default=None, help="folder for the report of the first seed (CSV, plots)")
    parser.add_argument("--tag", default="", help="prefix of the saved forecast files (to tell runs apart)")
    parser.add_argument("--combine", nargs="+", default=None, metavar="DIR",
                        help="no training: the per-seed mean of all forecasts saved in these --log-dir folders")
    args = parser.parse_args()
    if args.combine:
        return combine(args.combine)

    seeds = [int(s) for s in args.seeds.split(",")] if args.seeds else [args.seed]
    calendar = args.calendar or args.known_calendar
    frame = jena_climate(require(JENA_HOURLY))
    if calendar:
        frame = with_calendar_features(frame)
    windows = prepare_windows(frame, target="T (degC)", lookback=args.lookback, horizon=24, step=args.step,
                              split=(0.5, 0.25, 0.25), known=CALENDAR if args.known_calendar else None)
    log = Path(args.log_dir) if args.log_dir else None
    if log:
        log.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}; load average at start {load_average()}", file=sys.stderr)
    print(windows, file=sys.stderr)
    models = [m.strip() for m in args.models.split(",")]
    y = {p: windows.targets(p, scaled=False) for p in ("val", "test")}
    rows: dict[str, dict] = {}
    start = time.perf_counter()
    for seed in seeds:
        result = compare(windows, models, params={
            "epochs": args.epochs, "patience": args.patience, "batch_size": args.batch_size, "units": args.units,
            "learning_rate": args.learning_rate, "optimizer": args.optimizer, "random_state": seed, "verbose": 2,
            "residual": args.residual, "layers": args.layers, "dropout": args.dropout})
        table = result.table.set_index("model")
        for name in table.index:
            if name == "naive" and "naive" in rows:
                continue
            r = rows.setdefault(name, {"val": [], "test": [], "epochs": [], "fit_seconds": []})
            for key, col in (("val", "val_mae"), ("test", "test_mae"), ("epochs", "epochs"),
                             ("fit_seconds", "fit_seconds")):
                r[key].append(float(table.loc[name, col]))
        if args.ensemble and len(models) > 1:
            name = "mean of " + "+".join(models)
            r = rows.setdefault(name, {"val": [], "test": [], "epochs": [], "fit_seconds": []})
            for part in ("val", "test"):
                mean = np.mean([result.seed_forecasts[part][m][0] for m in models], axis=0)
                r[part].append(mae(y[part], mean))
            r["epochs"].append(np.nan)
            r["fit_seconds"].append(sum(float(table.loc[m, "fit_seconds"]) for m in models))
        if log:
            result.table.to_csv(log / f"seed{seed}.csv", index=False)
            for m in models:
                for part in ("val", "test"):
                    np.save(log / f"{part}_{m}_{args.tag}seed{seed}.npy", result.seed_forecasts[part][m][0])
        if args.out and seed == seeds[0]:
            from pybbdl.reports import write_report

            write_report(result, args.out)
        done = {k: f"{v['test'][-1]:.3f}" for k, v in rows.items()}
        print(f"seed {seed} done after {time.perf_counter() - start:.0f} s, load {load_average()}: test MAE {done}",
              file=sys.stderr, flush=True)
    wall = time.perf_counter() - start

    def fmt(values):
        values = [v for v in values if np.isfinite(v)]
        if not values:
            return ""
        if len(values) == 1:
            return f"{values[0]:.3f}"
        return f"{np.mean(values):.3f} ± {np.std(values, ddof=1):.3f}"

    out = pd.DataFrame([{"model": name, "val_mae": fmt(r["val"]), "test_mae": fmt(r["test"]),
                         "test_mae_per_seed": ", ".join(f"{v:.3f}" for v in r["test"]),
                         "epochs": fmt(r["epochs"]), "fit_seconds": fmt(r["fit_seconds"])}
                        for name, r in rows.items()])
    inputs = ("calendar inputs, past and future-known (24 h path)" if args.known_calendar
              else "calendar inputs" if calendar else "6 weather variables")
    residual = ", residual networks (forecast the change from the window's last temperature)" if args.residual else ""
    print(f"\nJena hourly subset, T (degC) 24 h ahead, lookback {args.lookback} h step {args.step}, split 50/25/25, "
          f"seeds {seeds}, units {args.units}, layers {args.layers}, dropout {args.dropout}, batch {args.batch_size}, {args.optimizer} lr {args.learning_rate}, "
          f"patience {args.patience}, {inputs}{residual}; wall {wall:.0f} s on {machine()}, load average at end "
          f"{load_average()}")
    print(markdown_table(out, digits=3))


def combine(dirs) -> None:
    """Per seed, the mean of every model's saved forecasts ({part}_{model}_{tag}seed{s}.npy); MAE mean ± sd.
    Then the seed ensemble: the mean of all those forecasts over every seed, one MAE (one model
    made of all the networks, not a mean over seeds)."""
    import re

    frame = jena_climate(require(JENA_HOURLY))
    windows = prepare_windows(frame, target="T (degC)", lookback=240, horizon=24, split=(0.5, 0.25, 0.25))
    found: dict = {}
    for d in dirs:
        for f in sorted(Path(d).glob("*.npy")):
            m = re.fullmatch(r"(val|test)_(.+)_seed(\d+)\.npy", f.name)
            if m:
                found.setdefault(m.group(1), {}).setdefault(int(m.group(3)), {})[f"{d}:{m.group(2)}"] = np.load(f)
    for part, by_seed in found.items():
        y = windows.targets(part, scaled=False)
        maes = {s: mae(y, np.mean(list(f.values()), axis=0)) for s, f in sorted(by_seed.items())}
        members = sorted({k for f in by_seed.values() for k in f})
        print(f"{part}: mean of {len(members)} forecasts per seed ({', '.join(members)}): MAE per seed "
              f"{ {s: round(v, 3) for s, v in maes.items()} }, mean {np.mean(list(maes.values())):.3f} ± "
              f"{np.std(list(maes.values()), ddof=1) if len(maes) > 1 else float('nan'):.3f}")
        every = [f for by in by_seed.values() for f in by.values()]
        print(f"{part}: seed ensemble, the mean of all {len(every)} forecasts over seeds {sorted(by_seed)}: MAE "
              f"{mae(y, np.mean(every, axis=0)):.3f}")


if __name__ == "__main__":
    main()
