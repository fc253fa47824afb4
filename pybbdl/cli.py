"""Command line: ``pybbdl forecast ...``. Only argparse is imported up front, so ``--help`` is instant."""

from __future__ import annotations

import argparse
import sys

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


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pybbdl", description="Deep learning for economists: forecasts beside honest baselines.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command")
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
    _add_privacy_parser(sub)
    _add_gan_parser(sub)
    return parser


def _add_privacy_parser(sub) -> None:
    pv = sub.add_parser("privacy", help="DP-SGD accounting and DP training on MNIST",
                        description="Differential privacy: the epsilon of a DP-SGD run, or DP-SGD on MNIST.")
    psub = pv.add_subparsers(dest="privacy_command", required=True)
    ep = psub.add_parser("epsilon", help="epsilon (or sigma for a target epsilon) of DP-SGD",
                         description="Epsilon spent by DP-SGD with Poisson sampling (dp-accounting), or with "
                                     "--target-epsilon the noise multiplier that reaches it.")
    ep.add_argument("--n", type=int, required=True, help="training examples")
    ep.add_argument("--batch-size", type=int, required=True, help="(expected) batch size")
    ep.add_argument("--epochs", type=float, required=True)
    ep.add_argument("--noise-multiplier", "--sigma", dest="noise_multiplier", type=float,
                    help="sigma = noise std / clipping norm")
    ep.add_argument("--target-epsilon", type=float, help="print the sigma that reaches this epsilon instead")
    ep.add_argument("--delta", type=float, default=1e-5, help="default %(default)s")
    ep.add_argument("--accountant", choices=["rdp", "rdp_classic", "pld"], default="rdp")
    ep.add_argument("--sampling", choices=["poisson", "shuffle"], default="poisson",
                    help="shuffle: also print the once-per-epoch epsilon (no amplification)")
    mn = psub.add_parser("mnist", help="train the tf-privacy tutorial CNN on MNIST with DP-SGD",
                         description="DP-SGD (Poisson sampling, per-example clipping) on the MNIST IDX files in "
                                     "--data-path; the ledger prints epsilon after each epoch; then a "
                                     "membership-inference audit (train vs test losses).")
    mn.add_argument("--data-path", help="folder with the four MNIST IDX files (default: download once to the cache)")
    mn.add_argument("--epochs", type=int, default=60)
    mn.add_argument("--batch-size", type=int, default=256)
    mn.add_argument("--noise-multiplier", "--sigma", dest="noise_multiplier", type=float, default=None,
                    help="default 1.1 unless --target-epsilon is given")
    mn.add_argument("--target-epsilon", type=float, help="calibrate sigma so that all epochs spend at most this")
    mn.add_argument("--budget", type=float, help="stop early before epsilon would exceed this")
    mn.add_argument("--l2-norm-clip", type=float, default=1.0)
    mn.add_argument("--learning-rate", type=float, default=0.15)
    mn.add_argument("--momentum", type=float, default=0.0)
    mn.add_argument("--delta", type=float, default=1e-5)
    mn.add_argument("--limit", type=int, help="train on the first N images only (a quick look)")
    mn.add_argument("--seed", type=int, default=0)
    mn.add_argument("--out", default="results/privacy_mnist", help="output folder (default %(default)s)")


def _privacy(args) -> int:
    from pybbdl.exceptions import PybbdlError

    try:
        if args.privacy_command == "epsilon":
            return _privacy_epsilon(args)
        return _privacy_mnist(args)
    except (PybbdlError, ValueError, OSError) as err:
        print(f"pybbdl privacy {args.privacy_command}: error: {err}", file=sys.stderr)
        return 2


def _privacy_epsilon(args) -> int:
    from pybbdl.privacy import dp_sgd_epsilon, dp_sgd_noise_multiplier, privacy_statement

    if (args.noise_multiplier is None) == (args.target_epsilon is None):
        raise ValueError("give exactly one of --noise-multiplier and --target-epsilon")
    if args.target_epsilon is not None:
        sigma = dp_sgd_noise_multiplier(args.n, args.batch_size, args.target_epsilon, args.epochs, args.delta,
                                        accountant=args.accountant)
        print(f"noise multiplier sigma = {sigma:.4f} reaches epsilon <= {args.target_epsilon} "
              f"({args.accountant}, delta = {args.delta:g})")
    else:
        sigma = args.noise_multiplier
        eps = dp_sgd_epsilon(args.n, args.batch_size, sigma, args.epochs, args.delta, accountant=args.accountant)
        print(f"epsilon = {eps:.3f} ({args.accountant}, delta = {args.delta:g})")
    print(privacy_statement(args.n, args.batch_size, sigma, args.epochs, args.delta, sampling=args.sampling))
    return 0


def _privacy_mnist(args) -> int:
    import os

    _quiet_tensorflow()
    import keras
    import pandas as pd

    from pybbdl.data import load_mnist
    from pybbdl.models.vision import mnist_cnn
    from pybbdl.privacy import dp_fit, membership_inference

    if args.noise_multiplier is not None and args.target_epsilon is not None:
        raise ValueError("give at most one of --noise-multiplier and --target-epsilon")
    sigma = 1.1 if args.noise_multiplier is None and args.target_epsilon is None else args.noise_multiplier
    (x, y), (xt, yt) = load_mnist(args.data_path, scale="unit")
    x, xt = x[..., None], xt[..., None]
    # audit non-members: training images never trained on when --limit leaves some (same writers),
    # else the test set (other writers: a shift the attack also picks up, so the AUC is an upper bound)
    held_out = (x[args.limit:2 * args.limit], y[args.limit:2 * args.limit]) if args.limit else (xt, yt)
    if args.limit:
        x, y = x[:args.limit], y[:args.limit]
    if len(held_out[0]) < len(x) // 2:
        held_out = (xt, yt)
    keras.utils.set_random_seed(args.seed)
    model = mnist_cnn()
    model.compile(optimizer=keras.optimizers.SGD(args.learning_rate, momentum=args.momentum),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    print(f"DP-SGD on MNIST: n = {len(x)}, batch {args.batch_size} (Poisson), C = {args.l2_norm_clip}, "
          + (f"sigma = {sigma}" if sigma is not None else f"sigma for epsilon <= {args.target_epsilon}"),
          file=sys.stderr)
    history = dp_fit(model, x, y, epochs=args.epochs, batch_size=args.batch_size, noise_multiplier=sigma,
                     target_epsilon=args.target_epsilon, l2_norm_clip=args.l2_norm_clip, delta=args.delta,
                     budget=args.budget, validation_data=(xt, yt), seed=args.seed, verbose=2)
    m = min(len(x), len(held_out[0]))
    audit = membership_inference(model, (x[:m], y[:m]), (held_out[0][:m], held_out[1][:m]))
    os.makedirs(args.out, exist_ok=True)
    table = pd.DataFrame(history.history)
    table.index = pd.RangeIndex(1, len(table) + 1, name="epoch")
    table.to_csv(os.path.join(args.out, "ledger.csv"))
    model.save(os.path.join(args.out, "model.keras"))
    ax = audit.plot()
    ax.figure.savefig(os.path.join(args.out, "membership_roc.png"), dpi=120, bbox_inches="tight")
    print("\nledger (epsilon after each epoch):")
    print(table[[c for c in ("accuracy", "val_accuracy", "epsilon") if c in table]].round(4).to_string())
    print("\n" + history.privacy)
    print(f"\ntest accuracy {table['val_accuracy'].iloc[-1]:.4f}; {audit}")
    print(f"wrote: {args.out}/ledger.csv, model.keras, membership_roc.png")
    return 0


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


def _quiet_tensorflow() -> None:
    """Keep TensorFlow's C++ start-up chatter and retracing warnings out of the CLI's output."""
    import logging
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    logging.getLogger("tensorflow").setLevel(logging.ERROR)


def _forecast(args) -> int:
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


GAN_EPOCHS = {"mlp": 20, "dcgan": 5, "cgan": 30}
GAN_QUICK_IMAGES = 2048


def _add_gan_parser(sub) -> None:
    gan = sub.add_parser(
        "gan", help="train a GAN on MNIST (MLP, DCGAN or conditional), optionally with a DP-SGD discriminator",
        description="Train a GAN on MNIST and write grid.png (10x10 samples; rows = digits 0-9 for cgan), "
                    "grids/epoch_NNN.png, losses.png, history.csv, checkpoints/ and generator.keras into --out. "
                    "Rerunning with the same --out resumes from the newest checkpoint.")
    gan.add_argument("--model", choices=["mlp", "dcgan", "cgan"], default="cgan",
                     help="mlp: Goodfellow et al. 2014; dcgan: TensorFlow's DCGAN; cgan: conditional MLP GAN "
                          "(default %(default)s)")
    gan.add_argument("--data-path", help="folder with the four MNIST IDX files (default: download once into the cache)")
    gan.add_argument("--epochs", type=int, help="passes over the data (default: mlp 20, dcgan 5, cgan 30)")
    gan.add_argument("--batch-size", type=int, default=128)
    gan.add_argument("--latent-dim", type=int, default=100)
    gan.add_argument("--label-smoothing", type=float, default=0.1, help="one-sided: real target 1 - this")
    gan.add_argument("--seed", type=int, default=1)
    gan.add_argument("--checkpoint-every", type=int, help="steps between checkpoints (default: one epoch)")
    gan.add_argument("--dp", action="store_true", help="train the discriminator with DP-SGD")
    gan.add_argument("--target-epsilon", type=float, default=10.0, help="with --dp: epsilon to calibrate the noise to")
    gan.add_argument("--delta", type=float, default=1e-5, help="with --dp: target delta (default %(default)s)")
    gan.add_argument("--clip", type=float, default=1.0, help="with --dp: per-example L2 clipping norm")
    gan.add_argument("--classifier", help="a classifier saved by pybbdl.gan.train_mnist_classifier: adds FID, "
                                          "label accuracy (cgan) and class coverage on 10,000 samples "
                                          "(1,000 with --quick), against the test images")
    gan.add_argument("--quick", action="store_true",
                     help=f"1 epoch on the first {GAN_QUICK_IMAGES} training images: a smoke run")
    gan.add_argument("--out", default="results/gan", help="output folder (default %(default)s)")


def _gan(args) -> int:
    _quiet_tensorflow()
    import json
    from pathlib import Path

    from pybbdl.data import load_mnist
    from pybbdl.exceptions import PybbdlError

    try:
        (x, y), (xt, yt) = load_mnist(args.data_path, scale="symmetric")
        if args.quick:
            x, y = x[:GAN_QUICK_IMAGES], y[:GAN_QUICK_IMAGES]
        epochs = 1 if args.quick else (args.epochs or GAN_EPOCHS[args.model])
        sigma = None
        if args.dp:
            from pybbdl.privacy import dp_sgd_noise_multiplier

            sigma = dp_sgd_noise_multiplier(len(x), args.batch_size, args.target_epsilon, epochs, args.delta)
        from pybbdl.gan import make_gan, train_gan

        gan = make_gan(args.model, args.latent_dim, seed=args.seed, label_smoothing=args.label_smoothing,
                       dp_l2_norm_clip=args.clip if args.dp else None, dp_noise_multiplier=sigma)
        history = train_gan(gan, x, y, epochs=epochs, batch_size=args.batch_size, seed=args.seed, out_dir=args.out,
                            checkpoint_every=args.checkpoint_every or max(1, len(x) // args.batch_size))
    except (PybbdlError, ValueError, FileNotFoundError, OSError) as err:
        print(f"pybbdl gan: error: {err}", file=sys.stderr)
        return 2
    out = Path(args.out)
    gan.generator.save(out / "generator.keras")
    summary = {"model": args.model, "epochs": epochs, "steps": history.steps, "images": len(x),
               "seconds_per_epoch": (sum(history.epoch_seconds) / len(history.epoch_seconds)
                                     if history.epoch_seconds else None),
               "final_d_loss": float(history.losses["d_loss"][-1]), "final_g_loss": float(history.losses["g_loss"][-1])}
    if args.dp:
        from pybbdl.privacy import dp_sgd_epsilon, privacy_statement

        summary.update(noise_multiplier=sigma, clip=args.clip, delta=args.delta,
                       epsilon=dp_sgd_epsilon(len(x), args.batch_size, sigma, epochs, args.delta))
        print(privacy_statement(len(x), args.batch_size, sigma, epochs, args.delta, sampling="shuffle",
                                max_grad_norm=args.clip))
    if args.classifier:
        from pybbdl.gan import class_coverage, fid, label_accuracy, load_classifier

        try:
            clf = load_classifier(args.classifier)
        except (FileNotFoundError, ValueError, OSError) as err:
            print(f"pybbdl gan: error: {err}", file=sys.stderr)
            return 2
        if args.quick:                                   # a smoke run: score on 1,000 test images
            xt, yt = xt[:1000], yt[:1000]
        labels = yt if gan.conditional else None
        fake = gan.sample(len(xt), labels, seed=args.seed)
        summary["fid"] = fid(clf, xt, fake)
        coverage = class_coverage(clf, fake)
        summary.update(classes_covered=coverage.covered, effective_classes=coverage.effective)
        if gan.conditional:
            summary["label_accuracy"] = label_accuracy(clf, fake, yt)
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    for key, value in summary.items():
        print(f"{key}: {value:.4g}" if isinstance(value, float) else f"{key}: {value}")
    print(f"wrote: {out / 'grid.png'}, {out / 'losses.png'}, {out / 'history.csv'}, {out / 'checkpoints'}, "
          f"{out / 'generator.keras'}, {out / 'summary.json'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from pybbdl import __version__

        print(f"pybbdl {__version__}")
        return 0
    if args.command == "forecast":
        return _forecast(args)
    if args.command == "privacy":
        return _privacy(args)
    if args.command == "gan":
        return _gan(args)
    parser.print_help()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
