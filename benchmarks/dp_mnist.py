"""DP-SGD on the real MNIST with the tensorflow-privacy tutorial's CNN and settings.

Usage: python benchmarks/dp_mnist.py [--epochs 60] [--nondp-epochs 10] [--sigma 1.1] [--l2-norm-clip 1.0]
       [--batch-size 256] [--lr 0.15] [--momentum 0] [--limit N]

Non-private and DP-SGD (Poisson sampling, per-example clipping) runs, one after the other on the
same machine: test accuracy, seconds per epoch and epsilon (RDP, delta 1e-5) after every epoch.
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from _common import SHARED_DATA, machine, require  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402

from pybbdl.data import load_mnist  # noqa: E402
from pybbdl.models.vision import mnist_cnn  # noqa: E402
from pybbdl.privacy import dp_fit  # noqa: E402


class EpochTimer(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.t0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs["seconds"] = time.perf_counter() - self.t0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=60)
    p.add_argument("--nondp-epochs", type=int, default=10)
    p.add_argument("--sigma", type=float, default=1.1)
    p.add_argument("--l2-norm-clip", "--clip", dest="clip", type=float, default=1.0)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--lr", type=float, default=0.15)
    p.add_argument("--momentum", type=float, default=0.0)
    p.add_argument("--activation", choices=["relu", "tanh"], default="relu")
    p.add_argument("--cosine", action="store_true", help="cosine decay of the learning rate to 0 over the run")
    p.add_argument("--delta", type=float, default=1e-5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=int, default=None, help="use the first N training images (smoke runs)")
    p.add_argument("--history", default="results/dp_mnist_history.csv")
    args = p.parse_args()

    (x, y), (xt, yt) = load_mnist(require(SHARED_DATA / "mnist"), scale="unit")
    x, xt = x[..., None], xt[..., None]
    if args.limit:
        x, y = x[:args.limit], y[:args.limit]
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    rows, hist_rows = [], []
    for private in (False, True):
        if private is False and args.nondp_epochs == 0:
            continue
        keras.utils.set_random_seed(args.seed)
        model = mnist_cnn(activation=args.activation)
        epochs = args.epochs if private else args.nondp_epochs
        lr = args.lr
        if args.cosine:
            lr = keras.optimizers.schedules.CosineDecay(args.lr, decay_steps=epochs * round(len(x) / args.batch_size))
        model.compile(optimizer=keras.optimizers.SGD(lr, momentum=args.momentum), loss=loss, metrics=["accuracy"])
        timer = EpochTimer()
        t0 = time.perf_counter()
        if private:
            hist = dp_fit(model, x, y, epochs=args.epochs, batch_size=args.batch_size, noise_multiplier=args.sigma,
                          l2_norm_clip=args.clip, delta=args.delta, validation_data=(xt, yt), callbacks=[timer],
                          seed=args.seed, verbose=2)
        else:
            hist = model.fit(x, y, epochs=args.nondp_epochs, batch_size=args.batch_size, validation_data=(xt, yt),
                             callbacks=[timer], verbose=2)
        wall = time.perf_counter() - t0
        h = hist.history
        for e in range(len(h["val_accuracy"])):
            hist_rows.append((private, e + 1, h["val_accuracy"][e], h["seconds"][e], h.get("epsilon", [np.nan] * 99)[e]))
        rows.append(("DP-SGD" if private else "non-private", len(h["val_accuracy"]), h["val_accuracy"][-1],
                     max(h["val_accuracy"]), float(np.median(h["seconds"])), wall,
                     h["epsilon"][-1] if private else float("inf")))
        if private:
            print(hist.privacy)
    os.makedirs(os.path.dirname(args.history) or ".", exist_ok=True)
    with open(args.history, "w") as fh:
        fh.write("private,epoch,test_accuracy,seconds,epsilon\n")
        fh.writelines(f"{a},{b},{c:.4f},{d:.2f},{e:.4f}\n" for a, b, c, d, e in hist_rows)
    print(f"\nmachine: {machine()}; n = {len(x)}, B = {args.batch_size}, sigma = {args.sigma}, C = {args.clip}, "
          f"SGD lr {args.lr}{' cosine-decayed' if args.cosine else ''} momentum {args.momentum}, {args.activation}, "
          f"delta = {args.delta}")
    print("| run | epochs | final test accuracy | best test accuracy | s/epoch (median) | wall (s) | epsilon |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {100 * r[2]:.2f} % | {100 * r[3]:.2f} % | {r[4]:.1f} | {r[5]:.0f} | {r[6]:.3f} |")


if __name__ == "__main__":
    main()
