"""Seconds per DP discriminator step (DP-GAN, Poisson batches), per generator step, and per DP-SGD logical step
with virtual batches, on this machine; and the wall time Bie, Kamath & Zhang's (2023) MNIST epsilon = 10 schedule
would take here at those speeds.

Usage: python benchmarks/dp_step_times.py [--gan-models cgan,dcgan] [--sgd-batches 256,4096] [--physical 512]

A few steps only (no training to quality). DP-GAN: ``train_gan`` with ``n_d_steps`` = 1 and = K on MNIST
(expected batch 128, sigma 1, C 1); per generator step T(k) = k d + g, so d = (T(K) - T(1)) / (K - 1) and
g = T(1) - d (first step, with tracing, excluded). DP-SGD: the tf-privacy tutorial CNN, Poisson batches of
expected size B computed in physical slices (``physical_batch_size``), median seconds per logical step.
Bie et al.'s MNIST epsilon = 10 run (github.com/alexbie98/dpgan-revisit, exp_configs/mnist-eps10-50dsteps.yaml):
batch 128, 450,000 D steps, 50 D steps per G step (9,000 G steps), sigma 1.0, C 1.0, delta 1e-5.
"""

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from _common import SHARED_DATA, machine  # noqa: E402

BIE_D_STEPS, BIE_G_STEPS = 450_000, 9_000


def _mnist(n):
    import numpy as np

    folder = SHARED_DATA / "mnist"
    if folder.exists():
        from pybbdl.data import load_mnist

        (x, y), _ = load_mnist(folder, scale="symmetric")
        return x[:n], y[:n], "MNIST"
    rng = np.random.default_rng(0)
    return rng.uniform(-1, 1, (n, 28, 28)).astype("float32"), rng.integers(0, 10, n), "random 28x28"


def gan_times(model, k, steps1, steps_k, n):
    from pybbdl.gan import make_gan, train_gan

    x, y, source = _mnist(n)
    out = {}
    for d_steps, max_steps in ((1, steps1), (k, steps_k)):
        gan = make_gan(model, seed=1, l2_norm_clip=1.0, dp_noise_multiplier=1.0, ema_decay=0.999)
        h = train_gan(gan, x, y if gan.conditional else None, epochs=1, batch_size=128, seed=1, n_d_steps=d_steps,
                      max_steps=max_steps, progress=False, grids=False)
        out[d_steps] = h.timed_seconds / h.timed_steps
    d = (out[k] - out[1]) / (k - 1)
    g = out[1] - d
    return {"model": model, "data": source, "s per G step (1 D step)": out[1], f"s per G step ({k} D steps)": out[k],
            "s per D step": d, "s per G step": g,
            "Bie et al. eps=10 schedule (h)": (BIE_D_STEPS * d + BIE_G_STEPS * g) / 3600}


def sgd_times(batch, physical, steps, n=60000):
    import keras
    import numpy as np

    from pybbdl.models.vision import mnist_cnn
    from pybbdl.privacy import PoissonBatches, make_private

    x, y, source = _mnist(n)
    x = (x[..., None] + 1) / 2
    keras.utils.set_random_seed(0)
    model = mnist_cnn(activation="tanh")
    model.compile(optimizer=keras.optimizers.SGD(0.5),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    make_private(model, noise_multiplier=1.1, l2_norm_clip=1.0, expected_batch_size=batch, seed=0,
                 physical_batch_size=physical)
    times = []

    class Timer(keras.callbacks.Callback):
        def on_train_batch_begin(self, b, logs=None):
            self.t = time.perf_counter()

        def on_train_batch_end(self, b, logs=None):
            times.append(time.perf_counter() - self.t)

    model.fit(PoissonBatches(x, y, batch_size=batch, seed=0, steps=steps), epochs=1, verbose=0, callbacks=[Timer()])
    return {"logical batch": batch, "physical batch": physical or batch, "data": source,
            "s per logical step (median)": float(np.median(times[1:])),
            "s per epoch (n / B steps)": float(np.median(times[1:])) * n / batch}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gan-models", default="cgan")
    parser.add_argument("--k", type=int, default=10, help="D steps per G step of the second timing run")
    parser.add_argument("--gan-steps", type=int, default=8, help="G steps of the n_d_steps=1 run")
    parser.add_argument("--gan-steps-k", type=int, default=3, help="G steps of the n_d_steps=K run")
    parser.add_argument("--sgd-batches", default="256,4096")
    parser.add_argument("--physical", type=int, default=512)
    parser.add_argument("--sgd-steps", type=int, default=4)
    parser.add_argument("--n", type=int, default=60000)
    args = parser.parse_args()
    print(machine(), "| load average at start:", os.getloadavg())
    rows = []
    for model in [m for m in args.gan_models.split(",") if m]:
        rows.append(gan_times(model, args.k, args.gan_steps, args.gan_steps_k, args.n))
        print(json.dumps(rows[-1]), flush=True)
    for batch in [int(b) for b in args.sgd_batches.split(",") if b]:
        rows.append(sgd_times(batch, args.physical if batch > args.physical else None, args.sgd_steps, args.n))
        print(json.dumps(rows[-1]), flush=True)
    print("load average at end:", os.getloadavg())


if __name__ == "__main__":
    main()
