"""`pybbdl gan`: argument parsing and printing around the GAN workflow."""

from __future__ import annotations

import sys

from pybbdl.cli._common import quiet_tensorflow as _quiet_tensorflow

GAN_EPOCHS = {"mlp": 20, "dcgan": 5, "cgan": 30}
GAN_QUICK_IMAGES = 2048


def add_parser(sub) -> None:
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


def run(args) -> int:
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
