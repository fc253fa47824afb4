"""Seconds per DP discriminator step (DP-GAN, Poisson batches), per generator step, and per DP-SGD logical step
with virtual batches, on this machine; and the wall time Bie, Kamath & Zhang's (2023) MNIST epsilon = 10 schedule
would take here at those speeds.

Usage: python benchmarks/dp_step_times.py [--gan-models cgan,dcgan] [--sgd-batches 256,4096] [--physical 512]

A few steps only (no training to quality). Wall and CPU (process) seconds: on a shared machine the wall time
depends on the load, the CPU time much less (on an idle 2-core machine the wall time lies between CPU / 2 and
CPU). DP-GAN: the discriminator step ``train_gan`` runs with DP (Poisson draw of expected size 128 from 60,000
MNIST images, sigma 1, C 1, one trace for every batch size) and the generator step, after one warm-up call each.
DP-SGD: the tf-privacy tutorial CNN (tanh), Poisson batches of expected size B computed in physical slices
(``physical_batch_size``), median per logical step (the first, with tracing, excluded).
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


def _clock():
    return time.perf_counter(), time.process_time()


def gan_times(model, d_steps, g_steps, n, batch=128):
    """Wall and CPU seconds per DP discriminator step (Poisson draw, gather, clipped + noised update) and per
    generator step, timed on the functions ``train_gan`` compiles (after one warm-up call each)."""
    import numpy as np
    import tensorflow as tf

    from pybbdl.gan import make_gan
    from pybbdl.gan.training import poisson_indices

    x, y, source = _mnist(n)
    x = x[..., None]
    gan = make_gan(model, seed=1, l2_norm_clip=1.0, dp_noise_multiplier=1.0, ema_decay=0.999)
    gan.compile()
    gan.build_optimizers()
    x_spec = tf.TensorSpec((None, *x.shape[1:]), tf.float32)
    spec = (x_spec, tf.TensorSpec((None,), tf.as_dtype(y.dtype))) if gan.conditional else x_spec
    d_fn = tf.function(lambda data, w: gan.d_step(data, w, float(batch)),
                       input_signature=[spec, tf.TensorSpec((None,), tf.float32)])
    g_fn = tf.function(gan.g_step)

    def d_step(j):
        idx = poisson_indices(len(x), batch, 0, j)
        data = (tf.constant(x[idx]), tf.constant(y[idx])) if gan.conditional else tf.constant(x[idx])
        return d_fn(data, tf.ones(len(idx)))

    d_step(0)
    g_fn(None, batch)
    (w0, c0) = _clock()
    for j in range(1, d_steps + 1):
        float(d_step(j)["d_loss"])
    (w1, c1) = _clock()
    for _ in range(g_steps):
        float(g_fn(None, batch))
    (w2, c2) = _clock()
    d_wall, d_cpu = (w1 - w0) / d_steps, (c1 - c0) / d_steps
    g_wall, g_cpu = (w2 - w1) / g_steps, (c2 - c1) / g_steps
    return {"model": model, "data": source, "batch": batch, "D steps timed": d_steps, "G steps timed": g_steps,
            "wall s per D step": d_wall, "CPU s per D step": d_cpu, "wall s per G step": g_wall,
            "CPU s per G step": g_cpu,
            "Bie et al. schedule, wall h at this load": (BIE_D_STEPS * d_wall + BIE_G_STEPS * g_wall) / 3600,
            "Bie et al. schedule, CPU h": (BIE_D_STEPS * d_cpu + BIE_G_STEPS * g_cpu) / 3600}


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
    times, cpu = [], []

    class Timer(keras.callbacks.Callback):
        def on_train_batch_begin(self, b, logs=None):
            self.t = _clock()

        def on_train_batch_end(self, b, logs=None):
            w, c = _clock()
            times.append(w - self.t[0])
            cpu.append(c - self.t[1])

    model.fit(PoissonBatches(x, y, batch_size=batch, seed=0, steps=steps), epochs=1, verbose=0, callbacks=[Timer()])
    return {"logical batch": batch, "physical batch": physical or batch, "data": source,
            "wall s per logical step (median)": float(np.median(times[1:])),
            "CPU s per logical step (median)": float(np.median(cpu[1:])),
            "CPU s per epoch (n / B steps)": float(np.median(cpu[1:])) * n / batch}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gan-models", default="cgan")
    parser.add_argument("--d-steps", type=int, default=20, help="timed discriminator steps")
    parser.add_argument("--g-steps", type=int, default=10, help="timed generator steps")
    parser.add_argument("--sgd-batches", default="256,4096")
    parser.add_argument("--physical", type=int, default=512)
    parser.add_argument("--sgd-steps", type=int, default=4)
    parser.add_argument("--n", type=int, default=60000)
    args = parser.parse_args()
    print(machine(), "| load average at start:", os.getloadavg())
    rows = []
    for model in [m for m in args.gan_models.split(",") if m]:
        rows.append(gan_times(model, args.d_steps, args.g_steps, args.n))
        print(json.dumps(rows[-1]), flush=True)
    for batch in [int(b) for b in args.sgd_batches.split(",") if b]:
        rows.append(sgd_times(batch, args.physical if batch > args.physical else None, args.sgd_steps, args.n))
        print(json.dumps(rows[-1]), flush=True)
    print("load average at end:", os.getloadavg())


if __name__ == "__main__":
    main()
