"""`pybbdl forecast`: parse the arguments, call one forecast workflow, print its table.

Defaults are not set here: every option defaults to None ("not given") and
:func:`pybbdl.workflows.forecasting.resolve_settings` fills in ``FORECAST_DEFAULTS`` and the
dataset's preset, exactly as for the Python and R calls.
"""

from __future__ import annotations

import argparse
import contextlib
import sys

from pybbdl.cli._common import quiet_tensorflow as _quiet_tensorflow
from pybbdl.models.registry import help_text, model_names

_SPLIT_HELP = "train,val,test fractions, e.g. 0.6,0.2,0.2"


def _defaults_text() -> str:
    # the workflow module imports numpy/pandas but no TensorFlow, so --help stays fast
    from pybbdl.workflows.forecasting import BACKTEST_DEFAULTS, DATASET_PRESETS, FORECAST_DEFAULTS, QUICK

    def fmt(d):
        return "\n".join(f"  {k:<14} {v!r}" for k, v in d.items())

    presets = "\n".join(f"  {name}: {preset}" for name, preset in DATASET_PRESETS.items())
    return (f"defaults (pybbdl.workflows.forecasting.FORECAST_DEFAULTS; the same in Python and R):\n"
            f"{fmt(FORECAST_DEFAULTS)}\nbacktest defaults (BACKTEST_DEFAULTS):\n{fmt(BACKTEST_DEFAULTS)}\n"
            f"dataset presets (for options not given; jena_hourly = --data-path *.npz):\n{presets}\n"
            f"--quick: {QUICK}")


def add_parser(sub) -> None:
    fc = sub.add_parser(
        "forecast", help="train the book's Keras models beside the naive baseline and print one table",
        description="Forecast a series h steps ahead with Keras models beside the naive baseline; write "
                    "table.csv (long), results.csv, results.md, forecast CSVs, PNG plots and manifest.json "
                    "into --out.",
        epilog=_defaults_text(), formatter_class=argparse.RawDescriptionHelpFormatter)
    fc.add_argument("--dataset", choices=["macro", "jena", "csv"], default="macro",
                    help="macro: US CPI inflation, embedded (default); jena: Jena climate (downloads the "
                         "Keras CSV once unless --data-path is given); csv: your own file (--data-path)")
    fc.add_argument("--data-path", help="local file: Jena CSV/zip or hourly .npz; or your CSV for --dataset csv")
    fc.add_argument("--target", help="column to forecast (macro: infl; jena: 'T (degC)')")
    fc.add_argument("--features", help="comma-separated input columns (default: all numeric columns)")
    fc.add_argument("--date-col", help="timestamp column of a CSV (default: the first, if it parses)")
    fc.add_argument("--date-format", help="strftime format of the CSV's dates, e.g. %%d.%%m.%%Y")
    fc.add_argument("--dayfirst", action="store_true", default=None, help="CSV dates are day first (21/02/2000)")
    fc.add_argument("--encoding", help="CSV file encoding, e.g. latin-1")
    fc.add_argument("--models", help="comma-separated model names (pybbdl.models.registry; `pybbdl models` lists them): "
                                     + help_text("windows"))
    fc.add_argument("--param", action="append", metavar="MODEL.KEY=VALUE",
                    help="a parameter of one model, e.g. --param gru.units=64 --param arima.max_p=5 (repeatable; "
                         "VALUE is read as a Python literal: 64, 0.2, True, 'text', (1, 1, 0))")
    fc.add_argument("--baselines", help="comma-separated models the Diebold-Mariano columns test against")
    fc.add_argument("--lookback", type=int, help="rows of history per window")
    fc.add_argument("--step", type=int, help="keep one row in STEP inside the window")
    fc.add_argument("--horizon", "--delay", dest="horizon", type=int,
                    help="steps between the window's last row and the target (24 = one day ahead on hourly "
                         "data; the book's generator() delay is this minus one)")
    fc.add_argument("--horizons", help="several horizons at once: 1-8, 1,4,8 or 1-4,8 (one table block per horizon, "
                                       "DM tests per horizon, mae_by_horizon.png); --horizon is then the largest")
    fc.add_argument("--known", help="comma-separated future-known columns (values over the horizon known in advance, "
                                    "e.g. an assumed policy path); 'calendar' = the --calendar columns")
    fc.add_argument("--split", help=_SPLIT_HELP)
    fc.add_argument("--period", type=int, help="seasonal period in rows of seasonal_naive, ets and theta "
                                               "(default: each model's own; seasonal_naive: the dates' season, "
                                               "4 quarterly, 12 monthly, 24 hourly, 7 daily)")
    fc.add_argument("--season", type=int, help="deprecated: the old name of --period")
    fc.add_argument("--units", type=int, help="hidden units of the neural models")
    fc.add_argument("--epochs", type=int, help="maximum epochs")
    fc.add_argument("--batch-size", type=int)
    fc.add_argument("--learning-rate", type=float)
    fc.add_argument("--patience", type=int, help="early-stopping patience in epochs (0 = off)")
    fc.add_argument("--dm-loss", choices=["mae", "mse"], help="loss of the Diebold-Mariano tests")
    fc.add_argument("--levels", help="prediction-interval levels in (0, 1), comma-separated, e.g. 0.8,0.95 "
                                     "(default: those two); 'none' = no intervals")
    fc.add_argument("--conformal-window", type=int, metavar="N",
                    help="rolling conformal intervals: each from the last N forecast errors known at its origin "
                         "(default: calibrated once on the whole validation part)")
    fc.add_argument("--conformal-scale", choices=["auto", "window", "none"],
                    help="conformal intervals from errors scaled by the target's mean absolute horizon-step change "
                         "inside each input window ('window'; the default 'auto' does so when the lookback is 2 or "
                         "more) or from absolute errors ('none')")
    fc.add_argument("--interval-method", choices=["auto", "conformal"],
                    help="'auto' (default): ARIMA, ETS and the other models with analytic intervals use their own, "
                         "the rest conformal ones; 'conformal': conformal intervals (calibrated on the validation "
                         "part) for every model")
    fc.add_argument("--seed", type=int, help="first random seed")
    fc.add_argument("--seeds", type=int, help="train each neural model with this many seeds (seed, seed+1, ...)")
    fc.add_argument("--backtest", type=int, metavar="FOLDS",
                    help="rolling-origin backtest over FOLDS blocks at the end of the series instead of one split")
    fc.add_argument("--fold-size", type=int, help="rows per backtest fold")
    fc.add_argument("--sliding", type=int, metavar="ROWS", help="backtest with a sliding training window of ROWS")
    fc.add_argument("--calendar", action="store_true", help="add time-of-day/day-of-year sin/cos inputs")
    fc.add_argument("--quick", action="store_true", default=None,
                    help="smoke run: few epochs, no early stopping, bounded ARIMA search (see QUICK below)")
    fc.add_argument("--jobs", type=int, metavar="N",
                    help="fit models/seeds/folds in N local worker processes (default 1: one after another)")
    fc.add_argument("--backend", choices=["sequential", "loky", "ray"],
                    help="how fits run: loky = local processes (default when --jobs > 1), ray = a Ray cluster "
                         "(pip install pybbdl[ray])")
    fc.add_argument("--address", metavar="HOST:PORT",
                    help="Ray cluster to run the fits on (from `ray start --head`); implies --backend ray")
    fc.add_argument("--future", metavar="H",
                    help="also forecast the next H steps after the last observation, every model refitted on all "
                         "the data (intervals: the model's own, or conformal per step for networks and naive); "
                         "writes forecast_future.csv and fan_future_<model>.png")
    fc.add_argument("--out", default="results/forecast", help="output folder (default %(default)s)")
    fc.add_argument("--quiet", action="store_true", help="no progress lines or Keras output on stderr")


def _split(text):
    from pybbdl.exceptions import ArgumentError

    if text is None:
        return None
    try:
        return tuple(float(x) for x in text.split(","))
    except ValueError:
        raise ArgumentError(f"`--split` must be {_SPLIT_HELP}. Received: {text!r}") from None


def _levels(text):
    from pybbdl.evaluation.intervals import check_interval_levels
    from pybbdl.exceptions import ArgumentError

    if text is None:
        return None
    if text.strip().lower() == "none":
        return ()
    try:
        values = [float(x) for x in text.split(",")]
    except ValueError:
        raise ArgumentError(f"`--levels` must be numbers in (0, 1), comma-separated, e.g. 0.8,0.95. Received: "
                            f"{text!r}") from None
    return check_interval_levels(values)


def parse_params(items) -> dict | None:
    """``["gru.units=64", "arima.max_p=5"]`` -> ``{"gru": {"units": 64}, "arima": {"max_p": 5}}``;
    each VALUE is a Python literal (a bare word is text). Refuses a missing ``.`` or ``=``, empty
    parts and a key given twice."""
    import ast

    from pybbdl.exceptions import ArgumentError

    if not items:
        return None
    out: dict = {}
    for item in items:
        head, eq, value = str(item).partition("=")
        model, dot, key = head.partition(".")
        model, key, value = model.strip(), key.strip(), value.strip()
        if not eq or not dot or not model or not key or not value:
            raise ArgumentError(f"`--param` must be MODEL.KEY=VALUE, e.g. gru.units=64. Received: {item!r}")
        if key in out.get(model, {}):
            raise ArgumentError(f"`--param` gives {model}.{key} twice. Received: {item!r}")
        try:
            parsed = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            parsed = value  # a bare word: text (e.g. search=stepwise)
        out.setdefault(model, {})[key] = parsed
    return out


def _load(args):
    """The data frame and the dataset preset name; options that a dataset does not use are refused."""
    from pybbdl.data import jena_climate, macro_data, read_csv
    from pybbdl.exceptions import ArgumentError

    csv_only = {"--date-col": args.date_col, "--date-format": args.date_format, "--dayfirst": args.dayfirst,
                "--encoding": args.encoding}
    if args.dataset != "csv":
        given = [k for k, v in csv_only.items() if v is not None]
        if given:
            raise ArgumentError(f"{', '.join(given)} only apply to --dataset csv. Received: --dataset {args.dataset}")
    if args.dataset == "macro":
        if args.data_path is not None:
            raise ArgumentError("`--data-path` is not used by --dataset macro (the data are embedded). Received: "
                                f"--data-path {args.data_path!r}; use --dataset csv for your own file")
        return macro_data(), "macro"
    if args.dataset == "jena":
        hourly = args.data_path is not None and str(args.data_path).endswith(".npz")
        return jena_climate(args.data_path), "jena_hourly" if hourly else "jena"
    if not args.data_path or not args.target:
        raise ArgumentError("pybbdl forecast --dataset csv needs --data-path FILE and --target COLUMN")
    kw = {"date_col": args.date_col, "date_format": args.date_format, "encoding": args.encoding}
    if args.dayfirst is not None:
        import inspect

        if "dayfirst" not in inspect.signature(read_csv).parameters:
            raise ArgumentError("--dayfirst is not supported by this version of pybbdl.data.read_csv; "
                                "use --date-format instead, e.g. --date-format %d/%m/%Y")
        kw["dayfirst"] = True
    features = args.features.split(",") if args.features is not None else None  # "" is refused, not "all"
    return read_csv(args.data_path, target=args.target, features=features, **kw), "csv"


def _future(text):
    """``--future H`` as a whole number >= 1 (None when not given)."""
    from pybbdl.exceptions import ArgumentError

    if text is None:
        return None
    try:
        value = int(text.strip())
    except ValueError:
        value = None
    if value is None or value < 1:
        raise ArgumentError(f"`--future` must be a whole number of steps >= 1, e.g. --future 8. Received: {text!r}")
    return value


def settings_from_args(args) -> tuple[object, dict, bool]:
    """``(data, workflow keyword arguments, backtest?)`` from parsed arguments."""
    from pybbdl.data import with_calendar_features
    from pybbdl.exceptions import ArgumentError
    from pybbdl.workflows.forecasting import resolve_settings

    frame, dataset = _load(args)
    features = args.features.split(",") if args.features is not None else None
    if args.calendar:
        frame = with_calendar_features(frame)
        if features:
            features += ["day_sin", "day_cos", "year_sin", "year_cos"]
    known = None
    if args.known is not None:
        known = [k.strip() for k in args.known.split(",")]
        if "calendar" in known:
            if not args.calendar:
                raise ArgumentError("--known calendar needs --calendar (it names the calendar columns).")
            i = known.index("calendar")
            known[i:i + 1] = ["day_sin", "day_cos", "year_sin", "year_cos"]
    backtest = args.backtest is not None
    if not backtest and (args.fold_size is not None or args.sliding is not None):
        raise ArgumentError("--fold-size and --sliding only apply with --backtest FOLDS.")
    if args.quick:  # quick caps the training length; a given value it would replace is refused
        from pybbdl.workflows.forecasting import QUICK

        replaced = [f"--epochs {args.epochs}"] if args.epochs is not None and args.epochs > QUICK["epochs"] else []
        replaced += [f"--patience {args.patience}"] if args.patience is not None else []
        if replaced:
            raise ArgumentError(f"--quick trains at most {QUICK['epochs']} epochs without early stopping; "
                                f"drop --quick or {' and '.join(replaced)}.")
    if backtest and args.split is not None:
        raise ArgumentError("--split does not apply to --backtest (the folds define the test targets).")
    given = dict(target=args.target, features=features, models=args.models, lookback=args.lookback,
                 horizon=args.horizon, horizons=args.horizons, known=known, step=args.step,
                 split=_split(args.split), epochs=args.epochs,
                 batch_size=args.batch_size, patience=args.patience, learning_rate=args.learning_rate,
                 units=args.units, period=args.period, season=args.season, seed=args.seed, seeds=args.seeds, dm_loss=args.dm_loss,
                 baselines=args.baselines.split(",") if args.baselines is not None else None, quick=args.quick,
                 levels=_levels(args.levels), conformal_window=args.conformal_window,
                 conformal_scale=args.conformal_scale, interval_method=args.interval_method,
                 n_jobs=args.jobs, backend=args.backend, address=args.address, params=parse_params(args.param))
    if backtest:
        given.update(folds=args.backtest, fold_size=args.fold_size, train_length=args.sliding)
    if args.quiet:
        given["progress"] = False
    given["future"] = _future(args.future)  # steps to forecast from the last observation
    s = resolve_settings(dataset, backtest=backtest, **given)
    keys = _BACKTEST_KEYS if backtest else _COMPARE_KEYS
    return frame, {k: s[k] for k in keys}, backtest


_COMPARE_KEYS = ("target", "features", "models", "lookback", "horizon", "horizons", "known", "step", "split", "epochs", "batch_size",
                 "patience", "learning_rate", "units", "period", "seed", "seeds", "baselines", "dm_loss", "levels",
                 "conformal_window", "conformal_scale", "interval_method", "params", "quick", "deterministic", "progress", "n_jobs", "backend", "address",
                 "future")
_BACKTEST_KEYS = tuple(k for k in _COMPARE_KEYS if k != "split") + (
    "folds", "fold_size", "start", "train_length", "retrain", "stride", "val_fraction")


def __getattr__(name: str):
    # pybbdl 0.2's hand-written list; the registry's capabilities say it now
    if name == "_NO_KERAS":
        return set(model_names(without="keras"))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def run(args) -> int:
    from pybbdl.workflows.forecasting import forecast_backtest, forecast_compare

    frame, kwargs, backtest = settings_from_args(args)
    names = kwargs["models"].split(",") if isinstance(kwargs["models"], str) else list(kwargs["models"])
    if not {str(m).strip() for m in names} <= set(model_names(without="keras")):
        _quiet_tensorflow()
    workflow = forecast_backtest if backtest else forecast_compare
    with contextlib.redirect_stdout(sys.stderr):  # Keras prints its progress to stdout; the table goes there
        result = workflow(frame, **kwargs, out_dir=args.out)
    print("\n" + result.summary())
    if result.future is not None:
        print("\n" + result.future.summary())
    print("\nwrote: " + ", ".join(str(p) for p in result.paths))
    return 0
