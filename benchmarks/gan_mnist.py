"""GANs on the real MNIST: seconds per epoch on this machine, FID in pybbdl's classifier feature space,
conditional label accuracy, class coverage and the Parzen-window log-likelihood of Goodfellow et al. (2014).

Usage: python benchmarks/gan_mnist.py [--models cgan,mlp,dcgan] [--cgan-epochs 30] [--mlp-epochs 10]
       [--dcgan-epochs 1] [--dp-epsilons 1,10] [--dp-epochs 3] [--out /tmp/gan_bench]
       python benchmarks/gan_mnist.py --method merf [--merf-epsilons 10,1] [--merf-seeds 1,2] [--merf-report]
       [--merf-epochs 5] [--merf-validation] [--out /tmp/gan_bench]

``--method merf`` runs DP-MERF (pybbdl.workflows.merf.merf_train, the door of ``pybbdl gan --method merf``) with the
reference implementation's settings for each epsilon and seed, and prints the downstream accuracy (logistic
regression, MLP, CNN trained on 60,000 synthetic digits, tested on the real test set) as mean +- sd over the seeds
beside the published numbers (DPDM, Dockhorn et al. 2023, Table 1), with the wall time and load average of each
run. Each run writes ``OUT/merf_eps<e>_seed<s>/`` and is skipped on a rerun when its summary.json exists.
``--merf-epochs E`` trains the generator E epochs (post-processing: the data are released once whatever E; the
folder gets ``_ep<E>`` when E != 5). ``--merf-validation`` tunes without the test set: it releases the embedding of
the first 50,000 training images only and scores the downstream classifiers on the last 10,000 training images
(folder prefix ``val_``); the real test set is not read.

Each model trains into ``OUT/<name>/`` with a checkpoint every epoch; a rerun resumes (a finished run is only
scored again). The classifier is trained once (``OUT/classifier.keras``). Prints a Markdown table for
BENCHMARKS.md and writes ``OUT/results.json``.

Protocol. 10,000 samples per model (cGAN: 1,000 per digit). FID against the 10,000 test images in the 128-d
feature layer of pybbdl's CNN classifier. Parzen: the samples on [0, 1] are the kernel centres; the bandwidth
is chosen from ``logspace(-1, 0, 10)`` on the last 10,000 training images and the mean log-likelihood (nats)
of the 10,000 test images is reported with its standard error, as in the paper (adversarial nets: 225 +- 2).
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from _common import SHARED_DATA, machine, require  # noqa: E402

from pybbdl.data import load_mnist  # noqa: E402
from pybbdl.reports import markdown_table  # noqa: E402

MNIST = SHARED_DATA / "mnist"
N_SAMPLES = 10_000
#: --merf-validation releases the first VALIDATION_SPLIT training images and scores on the rest (no test set).
VALIDATION_SPLIT = 50_000


def _score(name, fake, gen_labels, clf, x_val_unit, xt, xt_unit, parzen=True):
    from pybbdl.gan import class_coverage, fid, label_accuracy, parzen_evaluation, to_unit

    row = {"model": name, "FID": fid(clf, xt, fake)}
    cov = class_coverage(clf, fake)
    row["classes covered"] = cov.covered
    row["effective classes"] = cov.effective
    row["label accuracy"] = label_accuracy(clf, fake, gen_labels) if gen_labels is not None else float("nan")
    if parzen:
        result = parzen_evaluation(to_unit(fake), x_val_unit, xt_unit, progress=True)
        row["Parzen LL (nats)"] = result.mean
        row["Parzen SE"] = result.std_error
        row["Parzen sigma"] = result.sigma
    print(f"  {name}: {json.dumps({k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()})}",
          file=sys.stderr)
    return row


#: DPDM (Dockhorn et al. 2023) Table 1, MNIST downstream accuracy (%) LogReg / MLP / CNN, delta = 1e-5.
PUBLISHED = {10.0: {"DP-MERF": (79.4, 78.3, 82.1), "DP-Sinkhorn": (82.8, 82.7, 83.2), "GS-WGAN": (79, 79, 80)},
             1.0: {"PEARL": (76.0, 79.6, 78.2)}}


def merf_main(args) -> None:
    """DP-MERF at each epsilon and seed; a Markdown table of mean +- sd beside the published numbers."""
    import numpy as np
    import pandas as pd

    from pybbdl.workflows.merf import merf_train

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}", file=sys.stderr)
    if args.merf_epochs < 1:
        raise SystemExit(f"--merf-epochs must be an integer >= 1. Received: {args.merf_epochs}")
    tag = ("val_" if args.merf_validation else "") + "merf_eps{eps:g}_seed{seed}" + (
        f"_ep{args.merf_epochs}" if args.merf_epochs != 5 else "")
    data = {}
    if args.merf_validation and not args.merf_report:
        (x, y), _ = load_mnist(require(MNIST), scale="unit")
        if len(x) != 60_000:
            raise SystemExit(f"--merf-validation expects the 60,000 MNIST training images. Received: {len(x)}")
        data = {"images": x[:VALIDATION_SPLIT], "labels": y[:VALIDATION_SPLIT],
                "test_images": x[VALIDATION_SPLIT:], "test_labels": y[VALIDATION_SPLIT:]}
    runs = []
    for eps in [float(e) for e in args.merf_epsilons.split(",") if e]:
        for seed in [int(s) for s in args.merf_seeds.split(",") if s]:
            folder = out / tag.format(eps=eps, seed=seed)
            cache = folder / "bench.json"
            if cache.exists():
                runs.append(json.loads(cache.read_text()))
                print(f"  cached: {folder}", file=sys.stderr)
                continue
            if args.merf_report:
                print(f"  not run yet: {folder}", file=sys.stderr)
                continue
            load0 = os.getloadavg()
            t = time.perf_counter()
            run = merf_train(None if data else require(MNIST), target_epsilon=eps, delta=args.delta, seed=seed,
                             epochs=args.merf_epochs, out_dir=folder, progress=False, **data)
            wall = time.perf_counter() - t
            load1 = os.getloadavg()
            row = {"split": "validation" if data else "test", "epochs": args.merf_epochs,
                   "epsilon target": eps, "seed": seed, "epsilon": run.settings["epsilon"],
                   "sigma": run.settings["noise_multiplier"], "wall (s)": wall,
                   "release (s)": run.settings["seconds_release"], "generator (s)": run.settings["seconds_training"],
                   "load avg (start, end)": f"{load0[0]:.1f}, {load1[0]:.1f}"}
            for r in run.downstream.itertuples():
                row[r.classifier] = 100 * r.accuracy
                row[f"{r.classifier} (s)"] = r.seconds
            cache.write_text(json.dumps(row, indent=2))
            print(f"  {json.dumps(row)}", file=sys.stderr)
            runs.append(row)
    if not runs:
        print("no finished DP-MERF runs in " + str(out))
        return
    frame = pd.DataFrame(runs)
    where = ("the last 10,000 TRAINING images (validation: released the first 50,000)" if args.merf_validation
             else "the 10,000 real test images")
    print(f"\nDP-MERF on MNIST (delta = {args.delta:g}; 10,000 features, l^2 = 105, batch 100, "
          f"{args.merf_epochs} epochs; downstream on 60,000 synthetic digits vs {where}) on {machine()}")
    print(markdown_table(frame, digits=3))
    lines = []
    for eps, part in frame.groupby("epsilon target", sort=False):
        cells = [f"{part[c].mean():.1f} ± {part[c].std(ddof=1) if len(part) > 1 else float('nan'):.1f}"
                 for c in ("logreg", "mlp", "cnn")]
        lines.append({"method": f"pybbdl DP-MERF ({len(part)} seeds)", "epsilon": f"{part['epsilon'].max():.3f}",
                      "LogReg": cells[0], "MLP": cells[1], "CNN": cells[2],
                      "wall per run (s)": f"{part['wall (s)'].mean():.0f}"})
        for name, acc in ({} if args.merf_validation else PUBLISHED.get(float(eps), {})).items():
            lines.append({"method": f"{name} (published)", "epsilon": f"{eps:g}", "LogReg": f"{acc[0]}",
                          "MLP": f"{acc[1]}", "CNN": f"{acc[2]}", "wall per run (s)": ""})
    print()
    print(markdown_table(pd.DataFrame(lines)))
    del np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", choices=["gan", "merf"], default="gan")
    parser.add_argument("--merf-epsilons", default="10,1")
    parser.add_argument("--merf-seeds", default="1,2")
    parser.add_argument("--merf-report", action="store_true",
                        help="print the table of the finished runs in --out only (several runs can go in parallel, "
                             "one process per epsilon and seed, then one --merf-report)")
    parser.add_argument("--merf-epochs", type=int, default=5,
                        help="generator epochs of the DP-MERF runs (post-processing; reference 5)")
    parser.add_argument("--merf-validation", action="store_true",
                        help="release the first 50,000 training images, score on the last 10,000 (no test set)")
    parser.add_argument("--models", default="cgan,mlp,dcgan")
    parser.add_argument("--cgan-epochs", type=int, default=30)
    parser.add_argument("--mlp-epochs", type=int, default=10)
    parser.add_argument("--dcgan-epochs", type=int, default=1)
    parser.add_argument("--mlp-steps", type=int, default=None,
                        help="train the MLP GAN this many steps only (timing; no metrics unless an epoch completes)")
    parser.add_argument("--dcgan-steps", type=int, default=None, help="the same for the DCGAN")
    parser.add_argument("--no-dp-parzen", action="store_true", help="skip the (slow) Parzen estimate of DP runs")
    parser.add_argument("--dp-epsilons", default="", help="comma-separated target epsilons for DP cGANs, e.g. 1,10")
    parser.add_argument("--dp-epochs", type=int, default=3)
    parser.add_argument("--dp-batch-size", type=int, default=256)
    parser.add_argument("--dp-clip", type=float, default=1.0)
    parser.add_argument("--dp-d-steps", type=int, default=1,
                        help="discriminator steps per generator step of the DP runs (Bie et al. 2023: 50)")
    parser.add_argument("--delta", type=float, default=1e-5)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--classifier-epochs", type=int, default=3)
    parser.add_argument("--ema-decay", type=float, default=0.999, help="generator weight average (0 = off)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default="/tmp/gan_bench")
    args = parser.parse_args()
    if args.method == "merf":
        merf_main(args)
        return

    from pybbdl.gan import load_classifier, make_gan, predict_labels, save_grid_png, to_unit, train_gan

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (x, y), (xt, yt) = load_mnist(require(MNIST), scale="symmetric")
    x_val_unit, xt_unit = to_unit(x[-10_000:]), to_unit(xt)
    print(f"machine: {machine()}", file=sys.stderr)
    start = time.perf_counter()

    clf_path = out / "classifier.keras"
    if not clf_path.exists():
        from pybbdl.gan import train_mnist_classifier

        t = time.perf_counter()
        train_mnist_classifier(x, y, epochs=args.classifier_epochs, seed=args.seed, path=clf_path, verbose=2)
        print(f"classifier: {time.perf_counter() - t:.0f} s", file=sys.stderr)
    clf = load_classifier(clf_path)
    clf_acc = float((predict_labels(clf, xt) == yt).mean())
    print(f"classifier test accuracy {clf_acc:.4f}", file=sys.stderr)

    ref_path = out / "reference.json"   # the real-data row depends only on the data and the classifier
    if ref_path.exists() and ref_path.stat().st_mtime > clf_path.stat().st_mtime:
        rows = [json.loads(ref_path.read_text())]
    else:
        rows = [_score("MNIST training images (reference)", x[:N_SAMPLES], y[:N_SAMPLES], clf, x_val_unit, xt,
                       xt_unit)]
        ref_path.write_text(json.dumps(rows[0]))
    rows[0].update(epochs=float("nan"), **{"s/epoch": float("nan"), "train wall (s)": float("nan")})
    runs = []
    for name in [m for m in args.models.split(",") if m]:
        runs.append((name, name, {"epochs": getattr(args, f"{name}_epochs"), "batch_size": args.batch_size,
                                  "max_steps": getattr(args, f"{name}_steps", None)}, {}))
    from pybbdl.gan.training import gan_steps_per_epoch

    for eps in [float(e) for e in args.dp_epsilons.split(",") if e]:
        from pybbdl.privacy import calibrate_noise

        k = args.dp_d_steps   # sigma for the D steps that will run (Poisson batches: the epsilon is exact)
        d_steps = gan_steps_per_epoch(len(x), args.dp_batch_size, k) * k * args.dp_epochs
        sigma = calibrate_noise(len(x), args.dp_batch_size, eps, args.delta, steps=d_steps).noise_multiplier
        runs.append((f"dp_cgan_eps{eps:g}" + (f"_d{k}" if k > 1 else ""), "cgan",
                     {"epochs": args.dp_epochs, "batch_size": args.dp_batch_size, "max_steps": None,
                      "n_d_steps": k, "delta": args.delta},
                     {"l2_norm_clip": args.dp_clip, "dp_noise_multiplier": sigma}))
    for label, model, train_kw, dp in runs:
        gan = make_gan(model, seed=args.seed, label_smoothing=0.1, ema_decay=args.ema_decay or None, **dp)
        spe = gan_steps_per_epoch(len(x), train_kw["batch_size"], train_kw.get("n_d_steps", 1))
        t = time.perf_counter()
        history = train_gan(gan, x, y, seed=args.seed, out_dir=out / label, checkpoint_every=spe, **train_kw)
        print(f"{label}: {history.steps} steps, {time.perf_counter() - t:.0f} s in this process", file=sys.stderr)
        per_epoch = (float(sum(history.epoch_seconds) / len(history.epoch_seconds)) if history.epoch_seconds
                     else history.timed_seconds / max(history.timed_steps, 1) * spe)
        labels = (list(range(10)) * (N_SAMPLES // 10)) if gan.conditional else None
        cache = out / label / "metrics.json"   # scores of this exact checkpoint, from an earlier run
        if cache.exists() and json.loads(cache.read_text()).get("steps") == history.steps:
            row = json.loads(cache.read_text())["row"]
        elif history.steps >= spe:
            fake = gan.sample(N_SAMPLES, labels, seed=123)
            row = _score(label, fake, labels, clf, x_val_unit, xt, xt_unit, parzen=not (dp and args.no_dp_parzen))
            cache.write_text(json.dumps({"steps": history.steps, "row": row}))
        else:
            row = {"model": label}
        row.update(epochs=history.steps / spe, **{"s/epoch": per_epoch, "steps": history.steps,
                                                   "train wall (s)": float(sum(history.epoch_seconds))})
        if dp:   # the training ledger: the accountant for the D steps that ran
            row["epsilon"] = history.privacy["epsilon"]
            row["noise multiplier"] = dp["dp_noise_multiplier"]
            row["D steps"] = history.d_steps
        rows.append(row)
        images, _ = gan.grid(10, 10, seed=0)
        save_grid_png(images, out / f"{label}_grid.png")

    import pandas as pd

    table = pd.DataFrame(rows)
    cols = [c for c in ["model", "epochs", "s/epoch", "train wall (s)", "FID", "label accuracy", "classes covered",
                        "effective classes", "Parzen LL (nats)", "Parzen SE", "Parzen sigma", "epsilon",
                        "noise multiplier"] if c in table.columns]
    (out / "results.json").write_text(json.dumps(rows, indent=2, default=float))
    print(f"\nMNIST, 10,000 samples per model; classifier test accuracy {clf_acc:.4f}; batch {args.batch_size} "
          f"(DP: {args.dp_batch_size}, clip {args.dp_clip}, delta {args.delta:g}); seed {args.seed}; "
          f"benchmark wall {time.perf_counter() - start:.0f} s in this process on {machine()}")
    print(markdown_table(table[cols], digits=3))


if __name__ == "__main__":
    main()
