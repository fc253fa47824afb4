"""Windows per second: pybbdl's generator vs the literal port of the book's generator().

Usage: python benchmarks/windows.py [--batches 30]

Both produce the same batches (tests/python/test_windows.py checks it); the ratio is measured
side by side in one run, on the hourly Jena subset (lookback 240 h, step 1, delay 24) and on the
book's 10-minute configuration (lookback 1440, step 6, delay 144) over a synthetic 10-minute-sized
array, in both index conventions. "batch copied" forces each (view) batch into a fresh contiguous
array, for consumers that need one.
"""

import argparse
import time

import numpy as np

from _common import JENA_HOURLY, machine
from book_reference import book_generator_python, book_generator_r

from pybbdl.windows import generator


def rate(draw, batches: int, batch_size: int) -> float:
    draw()  # warm-up
    start = time.perf_counter()
    for _ in range(batches):
        draw()
    return batches * batch_size / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=30)
    args = parser.parse_args()
    cases = []
    if JENA_HOURLY.exists():
        with np.load(JENA_HOURLY) as npz:
            hourly = npz["X"]
        hourly = (hourly - hourly[:35000].mean(0)) / hourly[:35000].std(0)
        cases.append(("Jena hourly subset (70,038 x 6)", hourly, 240, 24, 1, 0, 35000))
    rng = np.random.default_rng(0)
    ten_min = rng.normal(size=(420_551, 14))
    cases.append(("10-minute size, synthetic (420,551 x 14)", ten_min, 1440, 144, 6, 0, 200000))
    print(f"machine: {machine()}; batch 128, {args.batches} batches each\n")
    print("| data | lookback/step/delay | convention | book windows/s | pybbdl windows/s | ratio | "
          "pybbdl, batch copied | ratio |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for name, data, lookback, delay, step, lo, hi in cases:
        for conv in ("python", "r"):
            base = 0 if conv == "python" else 1
            ours = generator(data, lookback, delay, lo + base, hi, batch_size=128, step=step, convention=conv)
            if conv == "python":
                book_it = book_generator_python(data, lookback, delay, lo, hi, batch_size=128, step=step)
                book = lambda: next(book_it)  # noqa: E731
            else:
                book = book_generator_r(data, lookback, delay, lo + 1, hi, batch_size=128, step=step)
            r_book = rate(book, args.batches, 128)
            r_ours = rate(ours, args.batches, 128)
            r_copy = rate(lambda: np.ascontiguousarray(ours()[0]), args.batches, 128)  # noqa: B023
            print(f"| {name} | {lookback}/{step}/{delay} | {conv} | {r_book:,.0f} | {r_ours:,.0f} | "
                  f"{r_ours / r_book:.0f}x | {r_copy:,.0f} | {r_copy / r_book:.0f}x |")


if __name__ == "__main__":
    main()
