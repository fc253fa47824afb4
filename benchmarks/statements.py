"""How long a DP-SGD privacy statement takes, by noise multiplier (issue 11 case 6d).

Usage: python benchmarks/statements.py [--repeats 3]

Before, every statement ran the PLD accountant, whose cost grows without bound as sigma falls
(sigma 0.1: 103 s; 0.01: > 14 min; 1e-4: MemoryError). Now PLD runs only for sigma >=
PLD_MIN_NOISE and the statement says when it is left out. Prints, for MNIST-sized DP-SGD
(n = 60,000, batch 256, 60 epochs, delta 1e-5), the seconds of ``privacy_statement`` (median of
`--repeats`) and the epsilons it states.
"""

import argparse
import os
import re
import statistics
import time

from _common import machine

from pybbdl.privacy import privacy_statement
from pybbdl.privacy.accounting import PLD_MIN_NOISE


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.2f}; PLD_MIN_NOISE = {PLD_MIN_NOISE}")
    print("| sigma | statement seconds (median) | epsilons stated |")
    print("|---:|---:|---|")
    for sigma in (1e-4, 0.01, 0.1, 0.5, 1.1, 4.0):
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            text = privacy_statement(60000, 256, sigma, 60, 1e-5)
            times.append(time.perf_counter() - start)
        eps = ", ".join(re.findall(r"epsilon[^\n]*?= *[0-9.e+]+[^\n]*", text)[:2]) or text.splitlines()[0]
        print(f"| {sigma:g} | {statistics.median(times):.2f} | {eps[:110]} |")


if __name__ == "__main__":
    main()
