"""`pybbdl gan`: parse the arguments, call :func:`pybbdl.workflows.gan.gan_train`, print the result."""

from __future__ import annotations

import sys
import warnings

from pybbdl.cli._common import quiet_tensorflow as _quiet_tensorflow

# the workflow's defaults, repeated here so that --help does not import it (tests check they agree)
GAN_EPOCHS = {"mlp": 20, "dcgan": 5, "cgan": 30}
GAN_QUICK_IMAGES = 2048


def add_parser(sub) -> None:
    gan = sub.add_parser(
        "gan", help="train a GAN on MNIST (MLP, DCGAN or conditional), optionally with a DP-SGD discriminator",
        description="Train a GAN on MNIST and write grid.png (10x10 samples; rows = digits 0-9 for cgan), "
                    "grids/epoch_NNN.png, losses.png, history.csv, table.csv, checkpoints/, generator.keras, "
                    "summary.json and manifest.json into --out. Rerunning with the same --out resumes from the "
                    "newest checkpoint when it was written with the same settings (else: an error naming them).")
    gan.add_argument("--model", choices=["mlp", "dcgan", "cgan"], default="cgan",
                     help="mlp: Goodfellow et al. 2014; dcgan: TensorFlow's DCGAN; cgan: conditional MLP GAN "
                          "(default %(default)s)")
    gan.add_argument("--data-path", help="folder with the four MNIST IDX files (default: download once into the cache)")
    gan.add_argument("--epochs", type=int, help="passes over the data, >= 1 (default: mlp 20, dcgan 5, cgan 30)")
    gan.add_argument("--batch-size", type=int, help="default 128 (merf: 100)")
    gan.add_argument("--latent-dim", type=int, default=100, help="default %(default)s")
    gan.add_argument("--label-smoothing", type=float, default=0.1,
                     help="one-sided: real target 1 - this (default %(default)s)")
    gan.add_argument("--ema-decay", type=float, help="sample from a moving average of G (e.g. 0.999; default off)")
    gan.add_argument("--seed", type=int, default=1, help="default %(default)s")
    gan.add_argument("--checkpoint-every", type=int, help="steps between checkpoints, >= 1 (default: one epoch)")
    gan.add_argument("--d-steps", type=int, default=1,
                     help="discriminator steps per generator step, >= 1 and <= images // batch size, an epoch's "
                          "D steps (Bie et al. 2023 use 50 for DP on MNIST; default %(default)s); with --dp every "
                          "one is accounted for")
    gan.add_argument("--dp", action="store_true",
                     help="train the discriminator with DP-SGD on Poisson-sampled batches (exact epsilon)")
    gan.add_argument("--target-epsilon", type=float,
                     help="with --dp: epsilon to calibrate the noise to (default 10)")
    gan.add_argument("--delta", type=float, help="with --dp: target delta (default 1e-05)")
    gan.add_argument("--l2-norm-clip", type=float, help="with --dp: per-example L2 clipping norm C (default 1.0)")
    gan.add_argument("--clip", type=float, dest="clip_deprecated", help="deprecated name of --l2-norm-clip")
    gan.add_argument("--classifier", help="a classifier saved by pybbdl.gan.train_mnist_classifier: adds FID, "
                                          "label accuracy (cgan) and class coverage on 10,000 samples "
                                          "(1,000 with --quick), against the test images")
    gan.add_argument("--quick", action="store_true",
                     help=f"1 epoch on the first {GAN_QUICK_IMAGES} training images: a smoke run")
    gan.add_argument("--limit", type=int, help="train on the first N images only")
    gan.add_argument("--nondeterministic", action="store_true",
                     help="do not switch on TensorFlow's op determinism (faster; resume is then not exact)")
    gan.add_argument("--out", default="results/gan", help="output folder (default %(default)s)")
    merf = gan.add_argument_group(
        "DP-MERF (--method merf: Harder et al. 2021; one Gaussian release of the data's class-conditional mean "
        "embedding in random Fourier features, then a generator; takes --target-epsilon (default 10), --delta "
        "(default 1e-05, < 1/n), --epochs (default 5), --batch-size, --seed, --quick, --limit, --data-path, --out)")
    merf.add_argument("--method", choices=["gan", "merf"], default="gan",
                      help="gan: the --model GAN (default); merf: DP-MERF")
    merf.add_argument("--features", type=int, help="merf: random Fourier features, even (default 10000)")
    merf.add_argument("--length-scale", type=float, help="merf: Gaussian kernel length scale on [0, 1] pixels "
                                                         "(default sqrt(105) = 10.25)")
    merf.add_argument("--learning-rate", type=float, help="merf: the generator's Adam rate (default 0.01)")
    merf.add_argument("--downstream", help="merf: classifiers trained on 60,000 synthetic digits and tested on the "
                                           "real test set, comma-separated from logreg,mlp,cnn, or none "
                                           "(default logreg,mlp,cnn)")


def run(args) -> int:
    _quiet_tensorflow()
    from pybbdl.privacy._checks import renamed
    from pybbdl.workflows.gan import gan_train

    with warnings.catch_warnings():
        warnings.simplefilter("always", DeprecationWarning)
        with warnings.catch_warnings(record=True) as caught:
            clip = renamed("--clip", "--l2-norm-clip", args.clip_deprecated,
                           None if args.clip_deprecated is not None else args.l2_norm_clip)
    for w in caught:
        print(f"pybbdl gan: warning: {w.message}", file=sys.stderr)
    result = gan_train(args.model, args.data_path, epochs=args.epochs, batch_size=args.batch_size,
                       latent_dim=args.latent_dim, label_smoothing=args.label_smoothing, seed=args.seed,
                       checkpoint_every=args.checkpoint_every, dp=args.dp, d_steps=args.d_steps,
                       target_epsilon=args.target_epsilon,
                       delta=args.delta, l2_norm_clip=clip, ema_decay=args.ema_decay, classifier=args.classifier,
                       quick=args.quick, limit=args.limit, deterministic=not args.nondeterministic,
                       out_dir=args.out, progress=True, method=args.method, features=args.features,
                       length_scale=args.length_scale, learning_rate=args.learning_rate, downstream=args.downstream)
    print(result)
    if args.method == "merf":
        print(f"wrote: {args.out}/ (grid.png, table.csv, downstream.csv, generator.keras, summary.json, "
              "statement.txt, manifest.json)")
        return 0
    print(f"wrote: {args.out}/ (grid.png, losses.png, history.csv, table.csv, checkpoints/, generator.keras, "
          "summary.json, manifest.json)")
    return 0
