"""`pybbdl privacy epsilon|mnist`: parse the arguments, call the accountant or
:func:`pybbdl.workflows.privacy.dp_train_mnist`, print the result."""

from __future__ import annotations

from pybbdl.cli._common import quiet_tensorflow as _quiet_tensorflow
from pybbdl.exceptions import ArgumentError


def add_parser(sub) -> None:
    pv = sub.add_parser("privacy", help="DP-SGD accounting and DP training on MNIST",
                        description="Differential privacy: the epsilon of a DP-SGD run, or DP-SGD on MNIST.")
    psub = pv.add_subparsers(dest="privacy_command", required=True)
    ep = psub.add_parser("epsilon", help="epsilon (or sigma for a target epsilon) of DP-SGD",
                         description="Epsilon spent by DP-SGD with Poisson sampling (dp-accounting), or with "
                                     "--target-epsilon the noise multiplier that reaches it. tensorflow-privacy's "
                                     "test vector: --n 10000 --batch-size 64 --sigma 2 --epochs 5 --delta 1e-6 "
                                     "--microbatching --sampling shuffle gives 1.616 (Poisson) and 13.376.")
    ep.add_argument("--n", type=int, required=True, help="training examples")
    ep.add_argument("--batch-size", type=int, required=True, help="(expected) batch size")
    ep.add_argument("--epochs", type=float, required=True, help="passes over the data, finite > 0")
    ep.add_argument("--noise-multiplier", "--sigma", dest="noise_multiplier", type=float,
                    help="sigma = noise std / clipping norm")
    ep.add_argument("--target-epsilon", type=float, help="print the sigma that reaches this epsilon instead")
    ep.add_argument("--delta", type=float, default=1e-5, help="default %(default)s")
    ep.add_argument("--accountant", choices=["rdp", "rdp_classic", "pld"], default="rdp",
                    help="default %(default)s; pld needs an effective sigma >= 0.5")
    ep.add_argument("--sampling", choices=["poisson", "shuffle"], default="poisson",
                    help="shuffle: also print the once-per-epoch epsilon (no amplification)")
    ep.add_argument("--microbatching", action="store_true",
                    help="tensorflow-privacy's microbatching convention (used_microbatching=True): more than one "
                         "example per clipped microbatch, sensitivity 2C, so the effective sigma is halved")
    mn = psub.add_parser("mnist", help="train the tf-privacy tutorial CNN on MNIST with DP-SGD",
                         description="DP-SGD (Poisson sampling, per-example clipping) on the MNIST IDX files in "
                                     "--data-path; the ledger prints epsilon after each epoch; then a "
                                     "membership-inference audit (members vs never-trained-on images). Writes "
                                     "table.csv, ledger.csv, statement.txt, training.png, membership_roc.png, "
                                     "model.keras and "
                                     "manifest.json into --out (checked before training).")
    mn.add_argument("--data-path", help="folder with the four MNIST IDX files (default: download once to the cache)")
    mn.add_argument("--epochs", type=int, default=60, help="whole number >= 1 (default %(default)s)")
    mn.add_argument("--batch-size", type=int, default=256, help="default %(default)s")
    mn.add_argument("--noise-multiplier", "--sigma", dest="noise_multiplier", type=float, default=None,
                    help="default 1.1 unless --target-epsilon is given")
    mn.add_argument("--target-epsilon", type=float, help="calibrate sigma so that all epochs spend at most this")
    mn.add_argument("--budget", type=float, help="stop early before epsilon would exceed this")
    mn.add_argument("--l2-norm-clip", type=float, default=1.0, help="clipping norm C (default %(default)s)")
    mn.add_argument("--learning-rate", type=float, default=0.15, help="default %(default)s")
    mn.add_argument("--momentum", type=float, default=0.0, help="default %(default)s")
    mn.add_argument("--delta", type=float, default=1e-5, help="default %(default)s")
    mn.add_argument("--limit", type=int, help="train on the first N images only, N >= 1 (the audit's non-members "
                                              "are the next N training images when there are that many)")
    mn.add_argument("--activation", choices=["relu", "tanh"], default="relu", help="default %(default)s")
    mn.add_argument("--seed", type=int, default=0, help="default %(default)s")
    mn.add_argument("--physical-batch-size", type=int,
                    help="virtual batches: compute each (expected --batch-size) logical step in slices of at most "
                         "this many images, noise added once per logical step (default: one slice)")
    mn.add_argument("--out", default="results/privacy_mnist", help="output folder (default %(default)s)")


def run(args) -> int:
    if args.privacy_command == "epsilon":
        return _privacy_epsilon(args)
    return _privacy_mnist(args)


def _privacy_epsilon(args) -> int:
    from pybbdl.privacy import calibrate_noise, dp_sgd_epsilon, privacy_statement
    from pybbdl.privacy.accounting import effective_noise_multiplier

    if (args.noise_multiplier is None) == (args.target_epsilon is None):
        given = "both" if args.noise_multiplier is not None else "neither"
        raise ArgumentError(f"Give exactly one of --noise-multiplier (--sigma) and --target-epsilon. "
                            f"Received: {given}")
    if args.target_epsilon is not None:   # the one calibration of every door (Python, CLI, R)
        sigma = calibrate_noise(args.n, args.batch_size, args.target_epsilon, args.delta, epochs=args.epochs,
                                accountant=args.accountant, microbatching=args.microbatching).noise_multiplier
        print(f"noise multiplier sigma = {sigma:.4f} reaches epsilon <= {args.target_epsilon} "
              f"({args.accountant}, delta = {args.delta:g}{', microbatching' if args.microbatching else ''})")
    else:
        sigma = args.noise_multiplier
        eps = dp_sgd_epsilon(args.n, args.batch_size, effective_noise_multiplier(sigma, args.microbatching),
                             args.epochs, args.delta, accountant=args.accountant)
        print(f"epsilon = {eps:.3f} ({args.accountant}, delta = {args.delta:g}"
              f"{', microbatching: effective sigma halved' if args.microbatching else ''})")
    print(privacy_statement(args.n, args.batch_size, sigma, args.epochs, args.delta, sampling=args.sampling,
                            microbatching=args.microbatching))
    return 0


def _privacy_mnist(args) -> int:
    _quiet_tensorflow()
    from pybbdl.workflows.privacy import dp_train_mnist

    run = dp_train_mnist(args.data_path, epochs=args.epochs, batch_size=args.batch_size,
                         noise_multiplier=args.noise_multiplier, target_epsilon=args.target_epsilon,
                         l2_norm_clip=args.l2_norm_clip, learning_rate=args.learning_rate, momentum=args.momentum,
                         delta=args.delta, budget=args.budget, limit=args.limit, seed=args.seed,
                         activation=args.activation, out_dir=args.out, progress=True,
                         physical_batch_size=args.physical_batch_size)
    print()
    print(run)
    accuracy = run.wide()["test_accuracy"].iloc[-1] if "test_accuracy" in run.wide() else float("nan")
    print(f"\ntest accuracy {accuracy:.4f}")
    print(f"wrote: {args.out}/ (table.csv, ledger.csv, statement.txt, training.png, membership_roc.png, "
          "model.keras, manifest.json)")
    return 0
