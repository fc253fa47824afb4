"""DP-SGD step time over ordinary step time, measured side by side in one process.

Usage: python benchmarks/dp_speed.py [--repeats 5] [--steps 40]

Models: the MNIST CNN of tensorflow-privacy's tutorial (batch 256, real MNIST) and the book's GRU(32)
forecaster (batch 128, 240 hourly steps x 6 variables of the Jena subset). Each repeat trains one
"epoch" of STEPS batches with `fit()` for the ordinary model and for the DP model (fixed-size
batches for both, so the work per step is the same), alternating; a callback times each step
(`on_train_batch_begin` to `_end`) and the table gives the median step.
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from _common import JENA_HOURLY, SHARED_DATA, machine, require  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402

from pybbdl.data import jena_climate, load_mnist  # noqa: E402
from pybbdl.models.rnn import build_rnn  # noqa: E402
from pybbdl.models.vision import mnist_cnn  # noqa: E402
from pybbdl.privacy import make_private  # noqa: E402
from pybbdl.windows import prepare_windows  # noqa: E402


class StepTimer(keras.callbacks.Callback):
    """Wall time of each training step alone (between on_train_batch_begin and _end)."""

    def __init__(self):
        super().__init__()
        self.times = []

    def on_train_batch_begin(self, batch, logs=None):
        self.t0 = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.times.append(time.perf_counter() - self.t0)


def cases(steps):
    (x, y), _ = load_mnist(require(SHARED_DATA / "mnist"), scale="unit")
    n = 256 * steps
    yield ("MNIST CNN (tf-privacy tutorial), B=256", mnist_cnn, x[:n, ..., None], y[:n], 256,
           keras.losses.SparseCategoricalCrossentropy(from_logits=True), {})
    frame = jena_climate(require(JENA_HOURLY))
    win = prepare_windows(frame, target="T (degC)", lookback=240, horizon=24, split=[0.5, 0.25, 0.25])
    xw, yw = win.arrays("train")
    n = 128 * steps
    yield ("GRU(32) forecaster, Jena 240x6, B=128", lambda: build_rnn((240, xw.shape[-1]), cell="gru", units=32),
           np.ascontiguousarray(xw[:n]), yw[:n], 128, "mae", {})
    yield ("GRU(32) forecaster, per-example vectorized_map route", lambda: build_rnn((240, xw.shape[-1]), cell="gru",
                                                                                     units=32),
           np.ascontiguousarray(xw[:n]), yw[:n], 128, "mae", {"method": "vectorized"})


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--steps", type=int, default=40)
    args = p.parse_args()
    rows = []
    for name, build, x, y, batch, loss, dp_kw in cases(args.steps):
        models = {}
        for private in (False, True):
            keras.utils.set_random_seed(0)
            model = build()
            if private:
                make_private(model, noise_multiplier=1.1, l2_norm_clip=1.0, seed=0, **dp_kw)
            model.compile(optimizer=keras.optimizers.SGD(0.01), loss=loss)
            model.fit(x[:batch * 2], y[:batch * 2], batch_size=batch, epochs=1, verbose=0)  # trace
            models[private] = model
        timers = {False: StepTimer(), True: StepTimer()}
        for _ in range(args.repeats):
            for private in (False, True):
                models[private].fit(x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0,
                                    callbacks=[timers[private]])
        plain, dp = np.median(timers[False].times), np.median(timers[True].times)
        rows.append((name, models[True].dp_config.method, 1000 * plain, 1000 * dp, dp / plain))
    print(f"machine: {machine()}; median step over {args.repeats} alternating epochs of {args.steps} steps")
    print("| model | DP path | ordinary ms/step | DP-SGD ms/step | ratio |")
    print("|---|---|---:|---:|---:|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]:.1f} | {r[3]:.1f} | {r[4]:.2f}x |")


if __name__ == "__main__":
    main()
