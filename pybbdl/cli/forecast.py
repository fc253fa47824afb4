"""`pybbdl forecast`: argument parsing and printing around the forecast workflows."""

from __future__ import annotations

import sys

from pybbdl.cli._common import quiet_tensorflow as _quiet_tensorflow

#: Defaults that depend on the dataset (hourly Jena: 10 days back, 24 h ahead; quarterly macro:
#: 2 years back, 1 quarter ahead).
DATASET_DEFAULTS = {
    "macro": {"target": "infl", "lookback": 8, "step": 1, "horizon": 1, "split": "0.6,0.2,0.2",
              "batch_size": 16, "epochs": 100, "patience": 20},
    "jena_hourly": {"target": "T (degC)", "lookback": 240, "step": 1, "horizon": 24, "split": "0.5,0.25,0.25",
                    "batch_size": 128, "epochs": 20, "patience": 5},
    "jena": {"target": "T (degC)", "lookback": 1440, "step": 6, "horizon": 144, "split": "0.5,0.25,0.25",
             "batch_size": 128, "epochs": 20, "patience": 5},
    "csv": {"target": None, "lookback": 24, "step": 1, "horizon": 1, "split": "0.5,0.25,0.25",
            "batch_size": 64, "epochs": 30, "patience": 5},
}
QUICK_EPOCHS = 3


def add_parser(sub) -> None:
    fc = sub.add_parser(
        "forecast", help="train the book's Keras models beside the naive baseline and print one table",
        description="Forecast a series h steps ahead with Keras models beside the naive baseline; write "
                    "results.csv, results.md and PNG plots into --out.")
    fc.add_argument("--dataset", choices=["macro", "jena", "csv"], default="macro",
                    help="macro: US CPI inflation, embedded (default); jena: Jena climate (downloads the "
                         "Keras CSV once unless --data-path is given); csv: your own file (--data-path)")
    fc.add_argument("--data-path", help="local file: Jena CSV/zip or hourly .npz; or your CSV for --dataset csv")
    fc.add_argument("--target", help="column to forecast (macro: infl; jena: 'T (degC)')")
    fc.add_argument("--features", help="comma-separated input columns (default: all numeric columns)")
    fc.add_argument("--date-col", help="timestamp column of a CSV (default: the first, if it parses)")
    fc.add_argument("--models", default="naive,dense,lstm,gru",
                    help="comma-separated: naive, seasonal_naive, arima, dense, simple_rnn, lstm, gru, gru_dropout, "
                         "stacked_gru, bidirectional_gru, conv1d (default: %(default)s)")
    fc.add_argument("--lookback", type=int, help="rows of history per window")
    fc.add_argument("--step", type=int, help="keep one row in STEP inside the window")
    fc.add_argument("--horizon", "--delay", dest="horizon", type=int,
                    help="steps between the window's last row and the target (24 = one day ahead on hourly "
                         "data; the book's generator() delay is this minus one)")
    fc.add_argument("--split", help="train,val,test fractions, e.g. 0.5,0.25,0.25")
    fc.add_argument("--season", type=int, default=None, help="period of seasonal_naive in rows")
    fc.add_argument("--units", type=int, help="hidden units of the neural models (default 32)")
    fc.add_argument("--epochs", type=int, help="maximum epochs")
    fc.add_argument("--batch-size", type=int)
    fc.add_argument("--learning-rate", type=float, default=1e-3)
    fc.add_argument("--patience", type=int, help="early-stopping patience in epochs (0 = off)")
    fc.add_argument("--seed", type=int, default=42, help="random seed (default %(default)s)")
    fc.add_argument("--seeds", type=int, default=1,
                    help="train each neural model with this many seeds (seed, seed+1, ...); table shows mean and sd")
    fc.add_argument("--backtest", type=int, default=0, metavar="FOLDS",
                    help="rolling-origin backtest over FOLDS blocks at the end of the series instead of one split")
    fc.add_argument("--fold-size", type=int, help="rows per backtest fold (default: 10%% of the series)")
    fc.add_argument("--sliding", type=int, metavar="ROWS", help="backtest with a sliding training window of ROWS")
    fc.add_argument("--calendar", action="store_true", help="add time-of-day/day-of-year sin/cos inputs")
    fc.add_argument("--quick", action="store_true", help=f"{QUICK_EPOCHS} epochs, no early stopping: a smoke run")
    fc.add_argument("--out", default="results/forecast", help="output folder (default %(default)s)")
    fc.add_argument("--verbose", type=int, default=None, help="Keras verbosity: 0, 1 (bars) or 2 (one line/epoch)")


def _load(args) -> tuple[object, dict]:
    from pybbdl.data import jena_climate, macro_data, read_csv

    features = args.features.split(",") if args.features else None
    if args.dataset == "macro":
        return macro_data(), DATASET_DEFAULTS["macro"]
    if args.dataset == "jena":
        frame = jena_climate(args.data_path)
        hourly = args.data_path is not None and str(args.data_path).endswith(".npz")
        return frame, DATASET_DEFAULTS["jena_hourly" if hourly else "jena"]
    if not args.data_path or not args.target:
        raise SystemExit("pybbdl forecast --dataset csv needs --data-path FILE and --target COLUMN")
    frame = read_csv(args.data_path, target=args.target, features=features, date_col=args.date_col)
    return frame, DATASET_DEFAULTS["csv"]


def run(args) -> int:
    _quiet_tensorflow()
    from pybbdl.data import with_calendar_features
    from pybbdl.evaluation import backtest, compare
    from pybbdl.exceptions import PybbdlError
    from pybbdl.reports import format_table, summary_columns, write_report
    from pybbdl.windows import prepare_windows

    try:
        frame, defaults = _load(args)
        if args.calendar:
            frame = with_calendar_features(frame)
        opt = {k: getattr(args, k) for k in ("target", "lookback", "step", "horizon", "split", "batch_size",
                                              "epochs", "patience")}
        opt = {k: (defaults[k] if v is None else v) for k, v in opt.items()}
        if args.quick:
            opt["epochs"], opt["patience"] = min(opt["epochs"], QUICK_EPOCHS), None
        features = args.features.split(",") if args.features else None
        if features and args.calendar:
            features += ["day_sin", "day_cos", "year_sin", "year_cos"]
        params = {"epochs": opt["epochs"], "batch_size": opt["batch_size"], "random_state": args.seed,
                  "patience": opt["patience"] or None, "learning_rate": args.learning_rate, "progress": True,
                  "verbose": args.verbose if args.verbose is not None else ("auto" if sys.stderr.isatty() else 2)}
        if args.units:
            params["units"] = args.units
        if args.season:
            params["period"] = args.season
        common = dict(target=opt["target"], features=features, lookback=opt["lookback"], horizon=opt["horizon"],
                      step=opt["step"])
        if args.backtest:
            result = backtest(frame, **common, models=args.models, folds=args.backtest, fold_size=args.fold_size,
                              train_length=args.sliding, params=params, seeds=args.seeds)
        else:
            split = [float(x) for x in str(opt["split"]).split(",")]
            windows = prepare_windows(frame, **common, split=split)
            print(windows, file=sys.stderr)
            result = compare(windows, args.models, params=params, seeds=args.seeds)
    except (PybbdlError, ValueError, FileNotFoundError, OSError) as err:
        print(f"pybbdl forecast: error: {err}", file=sys.stderr)
        return 2
    paths = write_report(result, args.out)
    kind = f"{args.backtest}-fold rolling-origin backtest" if args.backtest else "one split"
    print(f"\n{opt['target']}, {opt['horizon']} step(s) ahead, {kind}; errors in the target's units; skill = % MAE "
          f"reduction vs naive; p = Diebold-Mariano p-value (absolute loss); full table in {paths['csv']}")
    print(format_table(result.table[summary_columns(result.table)]))
    print("\nwrote: " + ", ".join(str(p) for p in paths.values()))
    return 0
