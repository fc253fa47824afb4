"""Do the two ARIMA likelihood engines (numba, numpy) choose the same model? And R's?

Usage: python benchmarks/arima_engines.py [--per-period 50] [--search stepwise] [--r] [--jena]

On evenly spaced M3 series (training parts; ``--per-period`` of each of yearly, quarterly,
monthly), ``AutoArima(search, engine=...)`` runs with ``engine="numba"`` and ``engine="numpy"``;
printed: how many chose the same model (order, seasonal order, constant) and the largest AICc
difference between the engines on those. ``--r`` also runs R's ``forecast::auto.arima(y,
stepwise, approximation = FALSE)`` (rpy2) and counts the series where pybbdl chose R's model.
``--jena`` adds the case of issue 20: ``benchmarks/intervals.py --dataset jena --models
naive,arima`` (the exhaustive search with p, q <= 2 on the last 1,000 training rows of the hourly
temperature), where the numpy engine used to pick ARIMA(2,1,2) and R and numba ARIMA(2,1,0).
Needs the shared data folder (M3, Jena).
"""

import argparse
import sys
import time
import warnings

import numpy as np
import pandas as pd

from _common import JENA_HOURLY, SHARED_DATA, machine, require

from pybbdl.models import arima_search as S


def chosen(spec) -> tuple:
    return (spec.p, spec.d, spec.q, spec.P, spec.D, spec.Q, int(spec.constant))


def m3_sample(per_period: int):
    m3 = pd.read_csv(require(SHARED_DATA / "m3" / "m3_series.csv.gz"))
    m3 = m3[m3.part == "train"]
    for name, period in (("YEARLY", 1), ("QUARTERLY", 4), ("MONTHLY", 12)):
        ids = m3[m3.period == name].id.unique()
        for sid in ids[np.linspace(0, len(ids) - 1, min(per_period, len(ids))).astype(int)]:
            yield sid, m3[m3.id == sid].sort_values("t").value.to_numpy(float), period


def jena_series() -> np.ndarray:
    from pybbdl.data import jena_climate
    from pybbdl.windows import prepare_windows

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        windows = prepare_windows(jena_climate(require(JENA_HOURLY)), target="T (degC)", lookback=240, horizon=24,
                                  split=(0.5, 0.25, 0.25))
    start, stop = windows.bounds["train"]
    return windows.values[max(start, stop - 1000):stop, 0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-period", type=int, default=50)
    parser.add_argument("--search", default="stepwise", choices=S.SEARCHES)
    parser.add_argument("--r", action="store_true", help="also R's auto.arima (rpy2)")
    parser.add_argument("--jena", action="store_true", help="also the Jena case of issue 20")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print(f"machine: {machine()}; search {args.search}", flush=True)
    if args.r:
        from pybbdl import interop_r
    rows = []
    cases = list(m3_sample(args.per_period)) if args.per_period else []
    if args.jena:
        from pybbdl.models.arima import ArimaForecaster

        y = jena_series()
        for engine in ("numba", "numpy"):
            model = ArimaForecaster(max_p=2, max_q=2, engine=engine, search="exhaustive")
            result = S.forecaster_search(model, y, lambda *spec: spec)
            best = min((r for r in result[0] if not r["error"]), key=lambda r: (not r["converged"], r["aicc"]))
            print(f"Jena (n = {len(y)}), ArimaForecaster(max_p=2, max_q=2, engine={engine!r}): "
                  f"{best['order']} trend={best['trend']} AICc {best['aicc']:.6f}", flush=True)
    began = time.perf_counter()
    for sid, y, period in cases:
        out = {"id": sid, "m": period, "n": len(y)}
        for engine in ("numba", "numpy"):
            t0 = time.perf_counter()
            model = S.AutoArima(args.search, engine=engine).fit(y, period)
            out[engine] = chosen(model.spec_)
            out[f"{engine} aicc"] = getattr(model, "criterion_value_", np.nan)
            out[f"{engine} s"] = time.perf_counter() - t0
        if args.r:
            try:
                r = interop_r.auto_arima(y, frequency=period, stepwise=args.search == "stepwise", approximation=False)
                p, d, q = r["order"]
                P, D, Q, _ = r["seasonal_order"]
                out["R"] = (p, d, q, P, D, Q, int(any(k in r["coef"] for k in ("drift", "intercept"))))
                out["R aicc"] = r["aicc"]
            except Exception as err:  # noqa: BLE001 - R errors are reported per series
                out["R"], out["R aicc"] = f"error: {err}", np.nan
        out["same"] = out["numba"] == out["numpy"]
        out["daicc"] = abs(out["numba aicc"] - out["numpy aicc"])
        rows.append(out)
        flag = "" if out["same"] and not out["daicc"] > 1e-6 else "   <-- engines differ"
        print(f"{sid} m={period} n={len(y)}: numba {out['numba']} numpy {out['numpy']} "
              f"dAICc {out['daicc']:.2e}" + (f" R {out['R']}" if args.r else "") + flag, flush=True)
    if not rows:
        return
    table = pd.DataFrame(rows)
    same = int(table.same.sum())
    close = table[table.same].daicc
    print(f"\n{len(table)} M3 series ({args.search}), {time.perf_counter() - began:.0f} s: the engines chose the same "
          f"model on {same}/{len(table)}; AICc difference on those: max {close.max():.2e}, "
          f"{int((close <= 1e-6).sum())}/{len(close)} within 1e-6. Mean seconds per series: numba "
          f"{table['numba s'].mean():.3f}, numpy {table['numpy s'].mean():.3f}")
    if args.r:
        for engine in ("numba", "numpy"):
            agree = int((table[engine] == table["R"]).sum())
            print(f"{engine}: R's model on {agree}/{len(table)}")
        for _, r in table[(table.numba != table.R) | (table.numpy != table.R)].iterrows():
            print(f"  {r['id']}: R {r['R']} (AICc {r['R aicc']:.3f}), numba {r['numba']} ({r['numba aicc']:.3f}), "
                  f"numpy {r['numpy']} ({r['numpy aicc']:.3f})")
    sys.exit(0 if same == len(table) else 1)


if __name__ == "__main__":
    main()
