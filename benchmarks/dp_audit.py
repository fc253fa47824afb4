"""Membership-inference audit on the real MNIST: an overfit non-private model leaks, a DP one does not.

Usage: python benchmarks/dp_audit.py [--members 1000] [--epochs 100] [--dp-epochs 30] [--target-epsilon 3]

Members: the first N training images; non-members: the next N training images, never trained on.
(Not the test set: MNIST's test images come partly from other writers, and that shift alone
separates the losses of a weak model.) Both models are the tf-privacy tutorial CNN. The loss-threshold attack's ROC AUC and advantage (max TPR - FPR) are printed beside
the advantage bound that (epsilon, delta)-DP allows.
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from _common import SHARED_DATA, machine, require  # noqa: E402

import keras  # noqa: E402

from pybbdl.data import load_mnist  # noqa: E402
from pybbdl.models.vision import mnist_cnn  # noqa: E402
from pybbdl.privacy import dp_advantage_bound, dp_fit, membership_inference  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--members", type=int, default=1000)
    p.add_argument("--epochs", type=int, default=100)
    p.add_argument("--dp-epochs", type=int, default=30)
    p.add_argument("--dp-batch-size", type=int, default=50)
    p.add_argument("--target-epsilons", default="1,3", help="comma-separated epsilons of the DP runs")
    p.add_argument("--activation", choices=["relu", "tanh"], default="relu")
    p.add_argument("--dp-lr", type=float, default=0.5)
    p.add_argument("--delta", type=float, default=1e-5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--plot", default="results/dp_audit_roc.png")
    args = p.parse_args()

    (x, y), _ = load_mnist(require(SHARED_DATA / "mnist"), scale="unit")
    n = args.members
    members, others = (x[:n, ..., None], y[:n]), (x[n:2 * n, ..., None], y[n:2 * n])
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    rows, results = [], []
    for target in [None] + [float(e) for e in args.target_epsilons.split(",")]:
        private = target is not None
        keras.utils.set_random_seed(args.seed)
        model = mnist_cnn(activation=args.activation if private else "relu")
        t0 = time.perf_counter()
        if private:
            model.compile(optimizer=keras.optimizers.SGD(args.dp_lr), loss=loss, metrics=["accuracy"])
            hist = dp_fit(model, *members, epochs=args.dp_epochs, batch_size=args.dp_batch_size,
                          target_epsilon=target, delta=args.delta, l2_norm_clip=1.0, seed=args.seed,
                          verbose=0)
            eps, sigma = hist.epsilon, model.dp_config.noise_multiplier
        else:
            model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=loss, metrics=["accuracy"])
            model.fit(*members, epochs=args.epochs, batch_size=32, verbose=0)
            eps, sigma = float("inf"), 0.0
        wall = time.perf_counter() - t0
        audit = membership_inference(model, members, others)
        train_acc = model.evaluate(*members, verbose=0)[1]
        test_acc = model.evaluate(*others, verbose=0)[1]  # held-out accuracy
        bound = dp_advantage_bound(eps, args.delta) if private else 1.0
        rows.append(("DP-SGD" if private else "non-private", args.dp_epochs if private else args.epochs, sigma, eps,
                     train_acc, test_acc, audit.auc, audit.advantage, bound, wall))
        results.append(audit)
    print(f"machine: {machine()}; {n} members vs {n} held-out non-members (both MNIST train), tutorial CNN "
          f"({args.activation} for DP), DP: B={args.dp_batch_size}, SGD lr {args.dp_lr}, C=1, delta={args.delta}")
    print("| model | epochs | sigma | epsilon | member acc | non-member acc | attack AUC | advantage | DP bound on advantage"
          " | wall (s) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]:.3f} | {r[3]:.3f} | {100 * r[4]:.1f} % | {100 * r[5]:.1f} % | {r[6]:.3f} |"
              f" {r[7]:.3f} | {r[8]:.3f} | {r[9]:.0f} |")
    if args.plot:
        os.makedirs(os.path.dirname(args.plot) or ".", exist_ok=True)
        ax = results[0].plot(label=f"non-private, AUC {results[0].auc:.3f}")
        for row, res in zip(rows[1:], results[1:]):
            res.plot(ax=ax, label=f"DP-SGD eps {row[3]:.2f}, AUC {res.auc:.3f}")
        ax.figure.savefig(args.plot, dpi=120, bbox_inches="tight")
        print(f"ROC curves: {args.plot}")


if __name__ == "__main__":
    main()
