"""`pybbdl privacy epsilon|mnist`: argument parsing and printing around the privacy workflows."""

from __future__ import annotations

import sys

from pybbdl.cli._common import quiet_tensorflow as _quiet_tensorflow
from pybbdl.exceptions import ArgumentError


def add_parser(sub) -> None:
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


def run(args) -> int:
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
        raise ArgumentError("give exactly one of --noise-multiplier and --target-epsilon")
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
        raise ArgumentError("give at most one of --noise-multiplier and --target-epsilon")
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
