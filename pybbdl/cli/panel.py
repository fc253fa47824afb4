"""`pybbdl panel`: forecast many series of a long CSV at once; a thin adapter over
:func:`pybbdl.workflows.panel.forecast_panel` (defaults live there)."""

from __future__ import annotations

import argparse
import sys

from pybbdl.cli._common import quiet_tensorflow as _quiet_tensorflow


def add_parser(sub) -> None:
    from pybbdl.models.registry import get_spec, model_names

    p = sub.add_parser(
        "panel", help="forecast many series of a long CSV (id, time, value) and score them scale-free",
        description="Fit local models on every series of a long CSV (one row per series and time) and global "
                    "models across them; hold back each series' last HORIZON values and score them (sMAPE, "
                    "MASE, OWA vs NAIVE2). Writes table.csv (per model x frequency), series.csv (per series, "
                    "with each failure's reason), forecasts.csv, results.md, scores.png and manifest.json.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"local models (series contract): {', '.join(model_names('series'))}; global: "
               f"{', '.join(model_names('global'))} (`pybbdl models` describes each). Combinations (made when all "
               "their members run): " + "; ".join(f"{n} = mean of {', '.join(get_spec(n).defaults['members'])}"
                                                  for n in model_names("combination", without="validation")) + ".")
    p.add_argument("data_path", help="long CSV: one row per series and time")
    p.add_argument("--models", help="comma-separated model names (default naive2,ses,damped,theta_m3)")
    p.add_argument("--horizon", type=int, help="steps to forecast (default by period: 6 yearly, 8 quarterly, "
                                               "18 monthly)")
    p.add_argument("--period", type=int, help="seasonal period of every series (default: the --period-col "
                                              "column, else inferred from dates, else 1)")
    p.add_argument("--id-col", default="id", help="column of series ids, read as text (default %(default)s)")
    p.add_argument("--time-col", help="column ordering each series' rows (default: the one column of dates, else "
                                      "the column named 'time'; several candidates are refused)")
    p.add_argument("--no-time-col", action="store_true",
                   help="no time column: each series' rows in file order")
    p.add_argument("--value-col", default="value", help="column of the values (default %(default)s)")
    p.add_argument("--date-format", help="strftime format of text dates, e.g. %%d/%%m/%%Y")
    p.add_argument("--dayfirst", action="store_true", default=None,
                   help="text dates are day first (01/02/2000 = 1 February)")
    p.add_argument("--encoding", help="file encoding, e.g. latin-1 or utf-16 (default UTF-8)")
    p.add_argument("--period-col", help="column with each series' seasonal period")
    p.add_argument("--horizon-col", help="column with each series' horizon")
    p.add_argument("--frequency-col", help="column with the label the per-frequency rows group by")
    p.add_argument("--part-col", help="column marking rows 'train' and 'test' (instead of holding back the last "
                                      "HORIZON values)")
    p.add_argument("--no-holdout", action="store_true", help="forecast past the end; nothing is scored")
    p.add_argument("--folds", type=int, default=1,
                   help="forecast origins per series (rolling-origin backtest; default 1: the last HORIZON values "
                        "only); writes folds.csv too")
    p.add_argument("--step", type=int, help="values between origins with --folds (default each series' horizon)")
    p.add_argument("--combinations",
                   help="comma-separated registered combinations to make, e.g. comb,comb_ivw (default: the fixed "
                        "ones whose members all run; comb_ivw, comb_select, comb_tdn_ivw choose their weights on a "
                        "validation window cut from each series' training part)")
    p.add_argument("--levels", help="interval levels, e.g. 0.8,0.95 (default none): the local models' own, conformal "
                                    "ones for the global models")
    p.add_argument("--ensemble", help="nbeats as the paper's median ensemble: a preset of "
                                      "pybbdl.models.global_nbeats.ENSEMBLES (quick, cpu, paper)")
    p.add_argument("--checkpoint-dir", help="with --ensemble: save each trained network there; a rerun resumes")
    p.add_argument("--seed", type=int, help="first seed of the global models (default 42)")
    p.add_argument("--seeds", type=int, default=1, help="seeds of the global models (forecasts averaged)")
    p.add_argument("--jobs", type=int, default=1, help="worker processes for the series x model tasks")
    p.add_argument("--backend", help="task backend (pybbdl.parallel.BACKENDS)")
    p.add_argument("--address", help="cluster address for backends that connect to one")
    p.add_argument("--out", default="results/panel", help="output folder (default %(default)s)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _models(text):
    from pybbdl.exceptions import ArgumentError
    from pybbdl.workflows.panel import PANEL_DEFAULTS

    if text is None:
        return list(PANEL_DEFAULTS["models"])
    models = [m.strip() for m in text.split(",")]
    if not any(models):
        raise ArgumentError(f"`--models` must name at least one model, comma-separated, e.g. naive2,theta_m3. "
                            f"Received: {text!r}")
    if not all(models):
        raise ArgumentError(f"`--models` must not hold an empty name. Received: {text!r}")
    return models


def _levels(text):
    from pybbdl.exceptions import ArgumentError

    if text is None or text.strip().lower() == "none":
        return ()
    try:
        return tuple(float(x) for x in text.split(","))
    except ValueError:
        raise ArgumentError(f"`--levels` must be numbers in (0, 1), comma-separated, e.g. 0.8,0.95 (or none). "
                            f"Received: {text!r}") from None


def run(args) -> int:
    from pybbdl.exceptions import ArgumentError
    from pybbdl.models.registry import get_spec, model_names
    from pybbdl.workflows.panel import PANEL_DEFAULTS, forecast_panel

    models = _models(args.models)
    levels = _levels(args.levels)
    if args.no_time_col and args.time_col is not None:
        raise ArgumentError(f"--no-time-col and --time-col contradict each other. Received: --time-col "
                            f"{args.time_col!r} with --no-time-col")
    if args.seed is not None and not any(m in model_names("global") for m in models):
        raise ArgumentError(f"--seed only applies to the global models ({', '.join(model_names('global'))}); the local models "
                            f"use no seed. Received: --seed {args.seed} with --models {','.join(models)}")
    if (args.ensemble is not None or args.checkpoint_dir is not None) and "nbeats" not in models:
        raise ArgumentError(f"--ensemble and --checkpoint-dir apply to the global model nbeats only. Received: "
                            f"--models {','.join(models)}")
    if args.checkpoint_dir is not None and args.ensemble is None:
        raise ArgumentError(f"--checkpoint-dir saves the networks of an ensemble: give --ensemble too. Received: "
                            f"--checkpoint-dir {args.checkpoint_dir!r} alone")
    params = {}
    if args.ensemble is not None:
        params["nbeats"] = {"ensemble": args.ensemble, "checkpoint_dir": args.checkpoint_dir,
                            "progress": not args.quiet}
    if "nbeats" in models:
        _quiet_tensorflow()
    common = dict(models=models, horizon=args.horizon, period=args.period, id_col=args.id_col,
                  time_col=False if args.no_time_col else args.time_col, value_col=args.value_col,
                  period_col=args.period_col, horizon_col=args.horizon_col, frequency_col=args.frequency_col,
                  part_col=args.part_col, date_format=args.date_format, dayfirst=args.dayfirst,
                  encoding=args.encoding, levels=levels, combinations=args.combinations, params=params,
                  seed=PANEL_DEFAULTS["seed"] if args.seed is None else args.seed, seeds=args.seeds,
                  n_jobs=args.jobs, backend=args.backend, address=args.address, progress=not args.quiet,
                  out_dir=args.out)
    if args.folds != 1 or args.step is not None:
        if args.no_holdout:
            raise ArgumentError("`--folds` scores held-out values at every origin; it cannot go with --no-holdout")
        from pybbdl.workflows.panel import backtest_panel

        run = backtest_panel(args.data_path, folds=args.folds, step=args.step, **common)
    else:
        run = forecast_panel(args.data_path, holdout=not args.no_holdout, **common)
    print(run.summary())
    failed = run.series[run.series["error"] != ""]
    if len(failed):
        print(f"\n{failed['id'].nunique()} series with errors (series.csv has every reason):", file=sys.stderr)
        for _, r in failed.drop_duplicates("id").head(10).iterrows():
            print(f"  {r['id']}: {r['error']}", file=sys.stderr)
    extra = "folds.csv, " if hasattr(run, "folds") else ""
    print(f"\nwrote {args.out}/ (table.csv, {extra}series.csv, forecasts.csv, results.md, manifest.json)")
    return 0
