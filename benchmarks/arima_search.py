"""pybbdl's automatic ARIMA order search vs R's forecast::auto.arima, side by side in one run.

Usage: python benchmarks/arima_search.py [--reps 3] [--search exhaustive,stepwise] [--cases all] [--engine auto]

For each golden case (US inflation, R's WWWusage, M3 series: yearly, quarterly, seasonal
monthly) and each search (R: ``auto.arima(y, stepwise = TRUE/FALSE, approximation = FALSE)``;
pybbdl: ``AutoArima(search).fit(y, period)``, the search and the final statsmodels fit), the two
are timed in turn, R then pybbdl, ``--reps`` times (one untimed warm-up of both first: R's
package load, numba's compiled-code load). R's time is R's own ``system.time()`` of the call (no rpy2
conversion); pybbdl's is the Python call. Printed per case: both chosen models, whether they
are equal, median seconds, and the pybbdl/R time ratio (mean +- sd over the paired repetitions,
wall clock and CPU). ``--engine``: pybbdl's likelihood engine (``auto`` = numba, the default
install; ``numpy``: the same steps in numpy). Needs rpy2 and R's forecast package; M3 cases need the
shared data folder.
"""

import argparse
import os
import statistics
import time
import warnings

import numpy as np
import pandas as pd

from _common import SHARED_DATA, machine

from pybbdl.data import macro_data
from pybbdl.models import arima_search
from pybbdl.models.arima_search import AutoArima

#: M3 series (training parts): yearly, quarterly, monthly (seasonal).
M3_CASES = [("N0001", 1), ("N0301", 1), ("N0501", 1), ("N0646", 4), ("N0946", 4), ("N1246", 4),
            ("N1402", 12), ("N1702", 12), ("N2002", 12), ("N2302", 12), ("N2602", 12), ("N2802", 12)]


def cases(which: str):
    from pybbdl.interop_r import r_dataset

    out = [("US inflation (129 q)", macro_data()["infl"].to_numpy()[:129], 1),
           ("WWWusage", np.array(r_dataset("WWWusage"), dtype=float, copy=True), 1)]
    path = SHARED_DATA / "m3" / "m3_series.csv.gz"
    if path.exists():
        m3 = pd.read_csv(path)
        m3 = m3[m3.part == "train"]
        for sid, period in M3_CASES:
            y = m3[m3.id == sid].sort_values("t").value.to_numpy(float)
            out.append((f"M3 {sid}", y, period))
    else:
        print(f"(M3 cases skipped: {path} not found)")
    if which != "all":
        keep = set(which.split(","))
        out = [c for c in out if c[0].split()[-1] in keep or c[0] in keep]
    return out


def r_auto_arima(ro, y, period, stepwise):
    ro.globalenv["y"] = ro.r["ts"](ro.FloatVector(y), frequency=period)
    st = "TRUE" if stepwise else "FALSE"
    tt = ro.r(f"system.time(fit <- forecast::auto.arima(y, stepwise = {st}, approximation = FALSE))")
    arma = [int(v) for v in ro.r("fit$arma")]  # p, q, P, Q, m, d, D
    const = bool(ro.r('any(names(coef(fit)) %in% c("drift", "intercept"))')[0])
    chosen = (arma[0], arma[5], arma[1], arma[2], arma[6], arma[3], int(const))
    return chosen, float(ro.r("fit$aicc")[0]), float(tt[2]), float(tt[0] + tt[1])


def py_auto_arima(y, period, search, engine="auto"):
    t0, c0 = time.perf_counter(), time.process_time()
    model = AutoArima(search, engine=engine).fit(y, period)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    s = model.spec_
    chosen = (s.p, s.d, s.q, s.P, s.D, s.Q, int(s.constant))
    return chosen, model.criterion_value_, wall, cpu


def m3_fit_times(per_period: int) -> None:
    """Mean AutoArima fit time (stepwise, search + final fit) on evenly spaced M3 series."""
    m3 = pd.read_csv(SHARED_DATA / "m3" / "m3_series.csv.gz")
    m3 = m3[m3.part == "train"]
    AutoArima().fit(m3[m3.id == "N0001"].value.to_numpy(float), 1)  # warm-up
    for period_name, period in (("YEARLY", 1), ("QUARTERLY", 4), ("MONTHLY", 12)):
        ids = m3[m3.period == period_name].id.unique()
        pick = ids[np.linspace(0, len(ids) - 1, min(per_period, len(ids))).astype(int)]
        times = []
        for sid in pick:
            y = m3[m3.id == sid].sort_values("t").value.to_numpy(float)
            t0 = time.perf_counter()
            AutoArima().fit(y, period)
            times.append(time.perf_counter() - t0)
        print(f"M3 {period_name.lower()}: {len(times)} series, AutoArima (stepwise) fit "
              f"{statistics.mean(times):.3f} s mean, {statistics.median(times):.3f} s median, "
              f"{max(times):.3f} s max", flush=True)


def label(c, m):
    p, d, q, P, D, Q, const = c
    text = f"({p},{d},{q})" + (f"({P},{D},{Q})[{m}]" if P or D or Q else "")
    return text + (" +c" if const else "")


def mean_sd(values):
    return statistics.mean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--search", default="exhaustive,stepwise")
    parser.add_argument("--cases", default="all", help="all, or names/M3 ids separated by commas")
    parser.add_argument("--engine", default="auto", choices=arima_search.ENGINES)
    parser.add_argument("--m3-sample", type=int, default=0,
                        help="also time AutoArima (stepwise) alone on this many M3 series per period")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    if args.m3_sample:
        m3_fit_times(args.m3_sample)
        if args.reps == 0:
            return
    from pybbdl import interop_r

    ro = interop_r._robjects()
    interop_r._package("forecast")
    engine = arima_search.resolve_engine(args.engine)
    r_version = ro.r("R.version.string")[0]
    fc_version = ro.r('as.character(packageVersion("forecast"))')[0]
    print(f"machine: {machine()}; load average at start {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
          f"{os.getloadavg()[2]:.2f}; {r_version}, forecast {fc_version}; pybbdl likelihood engine: {engine}"
          + (f" (numba {__import__('numba').__version__})" if engine == "numba" else "") + f"; numpy {np.__version__}")
    rows, ratios = [], {}
    for search in args.search.split(","):
        for i, (name, y, period) in enumerate(cases(args.cases)):
            stepwise = search == "stepwise"
            if i == 0:  # warm-up: R's package code, numba's compiled code
                r_auto_arima(ro, y, period, stepwise)
                py_auto_arima(y, period, search, engine)
            r_runs, py_runs = [], []
            for _ in range(args.reps):
                r_runs.append(r_auto_arima(ro, y, period, stepwise))
                py_runs.append(py_auto_arima(y, period, search, engine))
            wall = [p[2] / r[2] for r, p in zip(r_runs, py_runs)]
            cpu = [p[3] / r[3] if r[3] > 0 else np.nan for r, p in zip(r_runs, py_runs)]
            rc, pc = r_runs[0][0], py_runs[0][0]
            ratios.setdefault(search, []).append(statistics.median(wall))
            row = {"search": search, "case": name, "m": period, "n": len(y), "R": label(rc, period),
                   "pybbdl": label(pc, period), "same": rc == pc, "R AICc": r_runs[0][1], "pybbdl AICc": py_runs[0][1],
                   "R s": statistics.median(r[2] for r in r_runs), "pybbdl s": statistics.median(p[2] for p in py_runs),
                   "wall ratio": "%.3f ± %.3f" % mean_sd(wall), "cpu ratio": "%.3f ± %.3f" % mean_sd(cpu)}
            rows.append(row)
            print(" | ".join(str(round(v, 3) if isinstance(v, float) else v) for v in row.values()), flush=True)
    table = pd.DataFrame(rows)
    print()
    print("| search | case | m | n | R auto.arima | pybbdl | same | R s | pybbdl s | time ratio (wall) | "
          "time ratio (CPU) |")
    print("|---|---|---:|---:|---|---|---|---:|---:|---:|---:|")
    for _, r in table.iterrows():
        print(f"| {r['search']} | {r['case']} | {r['m']} | {r['n']} | {r['R']} | {r['pybbdl']} | "
              f"{'yes' if r['same'] else '**no**'} | {r['R s']:.3f} | {r['pybbdl s']:.3f} | {r['wall ratio']} | "
              f"{r['cpu ratio']} |")
    for search, values in ratios.items():
        logs = np.log(values)
        same = table[table.search == search]["same"]
        print(f"{search}: same order in {int(same.sum())}/{len(same)} cases; pybbdl/R wall-time ratio: geometric "
              f"mean {np.exp(logs.mean()):.3f}, max {max(values):.3f}, median {statistics.median(values):.3f}")
    print(f"load average at end {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


if __name__ == "__main__":
    main()
