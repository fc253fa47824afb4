"""Why two interval results differ from earlier runs and from R: the model each side chooses.

1. Jena, 24 h ahead (the setup of ``benchmarks/intervals.py``): the ARIMA that pybbdl's order
   search picks (R's CSS-ML + BFGS, as ``auto.arima``) and its interval coverage on the test part,
   for several training windows and with a 24-h season allowed; statsmodels' own AICc of the
   competing orders; and, through rpy2 when R is there, R's ``auto.arima`` choice and ``Arima``
   AICc on the same rows.
   Then the same with calendar regressors: regression on the time-of-day and day-of-year sine and
   cosine with ARIMA errors (ARIMAX, "dynamic harmonic regression"; ``d`` by KPSS on the regression
   residuals, as R), on the last year and on all training rows, its own intervals and (as
   ``interval_method="conformal"`` gives them) normalized conformal ones from the validation part.
2. WWWusage, ETS(A,A,N): the parameters and sum of squared errors of statsmodels' estimate
   (pybbdl's before issue 22, ``engine="statsmodels"``), of pybbdl's (R's estimator) and of R's
   ``forecast::ets`` (rpy2).
3. ``--m3-ets N``: pybbdl's ``ets`` and R's ``ets`` on every k-th of N M3 series, side by side in
   one process: the series where the chosen model or the forecasts differ, and both CPU times.

    python benchmarks/model_choice.py
    python benchmarks/model_choice.py --m3-ets 300
"""

import os
import sys
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402
from _common import JENA_HOURLY, machine, require  # noqa: E402

from pybbdl.data import jena_climate, with_calendar_features  # noqa: E402
from pybbdl.evaluation.intervals import model_intervals  # noqa: E402
from pybbdl.evaluation.metrics import interval_scores  # noqa: E402
from pybbdl.models import make_model  # noqa: E402
from pybbdl.windows import prepare_windows  # noqa: E402


def _r():
    try:
        from rpy2 import robjects as ro

        ro.r("suppressPackageStartupMessages(library(forecast))")
        return ro
    except Exception as err:  # noqa: BLE001 - R is optional here
        print(f"(R not available: {err})")
        return None


def jena(ro) -> None:
    from statsmodels.tsa.arima.model import ARIMA

    w = prepare_windows(jena_climate(require(JENA_HOURLY)), target="T (degC)", lookback=240, horizon=24,
                        split=(0.5, 0.25, 0.25))
    y = w.targets("test", scaled=False)
    print("| training rows | season | chosen | coverage 80 | coverage 95 | width 80 | MAE | fit s |")
    print("|---:|---|---|---:|---:|---:|---:|---:|")
    for rows, season in ((1000, None), (2000, None), (4000, None), (1000, 24)):
        start = time.perf_counter()
        # the exhaustive grid R's auto.arima(stepwise = FALSE) runs below (and BENCHMARKS.md's numbers)
        m = make_model("arima", max_train=rows, max_p=2, max_q=2, period=season or 1, search="exhaustive",
                       seasonal_d=0, max_P=1, max_Q=1, max_order=6, estimates="statsmodels").fit(w)
        point = m.predict(w, "test")
        sc = interval_scores(y, point, model_intervals(m, w, "test", (0.8, 0.95), point=point)[0])
        print(f"| {rows} | {season or '-'} | {m.describe()} | {sc['coverage_80']:.3f} | {sc['coverage_95']:.3f} | "
              f"{sc['width_80']:.2f} | {np.mean(np.abs(y - point)):.3f} | {time.perf_counter() - start:.0f} |")
    calendar = ["day_sin", "day_cos", "year_sin", "year_cos"]
    wk = prepare_windows(with_calendar_features(jena_climate(require(JENA_HOURLY))), target="T (degC)", lookback=240,
                         horizon=24, split=(0.5, 0.25, 0.25), known=calendar)
    print("\nwith the calendar terms as regressors (ARIMAX), own intervals / normalized conformal ones:")
    print("| training rows | chosen | own coverage 80 / 95 | conformal coverage 80 / 95 | MAE | CRPS own | fit s |")
    print("|---:|---|---|---|---:|---:|---:|")
    for rows in (8760, None):
        start = time.perf_counter()
        m = make_model("arima", max_train=rows, max_p=2, max_q=2).fit(wk)
        point = m.predict(wk, "test")
        own = interval_scores(y, point, model_intervals(m, wk, "test", (0.8, 0.95), point=point)[0])
        conf = interval_scores(y, point, model_intervals(m, wk, "test", (0.8, 0.95), point=point, scale="window",
                                                         method="conformal")[0])
        print(f"| {rows or wk.bounds['train'][1]} | {m.describe()} | {own['coverage_80']:.3f} / {own['coverage_95']:.3f} "
              f"| {conf['coverage_80']:.3f} / {conf['coverage_95']:.3f} | {np.mean(np.abs(y - point)):.3f} | "
              f"{own['crps']:.3f} | {time.perf_counter() - start:.0f} |", flush=True)
    last = w.values[:w.bounds["train"][1], 0][-1000:]
    for order in ((2, 1, 0), (2, 1, 2)):
        r = ARIMA(last, order=order, trend="n").fit()
        print(f"statsmodels ARIMA{order} on the last 1,000 training rows: AICc {r.aicc:.2f}")
    if ro is not None:
        x = ro.FloatVector(last)
        fit = ro.r("function(x) auto.arima(x, max.p = 2, max.q = 2, seasonal = FALSE, stepwise = FALSE, "
                   "approximation = FALSE)")(x)
        print(f"R auto.arima (max.p = max.q = 2, exhaustive): {ro.r('forecast:::arima.string')(fit)[0]}, "
              f"AICc {fit.rx2('aicc')[0]:.2f}")
        for order in ((2, 1, 0), (2, 1, 2)):
            aicc = ro.r("function(x, o) Arima(x, order = o)$aicc")(x, ro.IntVector(order))[0]
            print(f"R Arima{order}: AICc {aicc:.2f}")


def wwwusage(ro) -> None:
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    if ro is None:
        return
    y = np.array(ro.r("as.numeric(WWWusage)"), dtype=float)
    r = ETSModel(y, error="add", trend="add").fit(disp=False)
    print(f"statsmodels ETS(A,A,N) on WWWusage: alpha {r.params[0]:.4f}, beta {r.params[1]:.4f}, "
          f"SSE {np.sum(r.resid ** 2):.1f}")
    from pybbdl.models.ets import EtsForecaster

    ours = EtsForecaster(spec="AAN", damped=False).fit(y, 1)
    print(f"pybbdl ETS(A,A,N) on WWWusage: alpha {ours.fit_['alpha']:.4f}, beta {ours.fit_['beta']:.4f}, "
          f"SSE {np.sum(np.asarray(ours.results_.resid) ** 2):.1f}")
    fit = ro.r('ets(WWWusage, model = "AAN", damped = FALSE)')
    par = dict(zip(fit.rx2("par").names, fit.rx2("par")))
    sse = float(np.sum(np.array(ro.r("residuals")(fit)) ** 2))
    print(f"R ets(A,A,N) on WWWusage: alpha {par['alpha']:.4f}, beta {par['beta']:.4f}, SSE {sse:.1f}")


def m3_ets(ro, limit: int) -> None:
    """pybbdl's ets and R's on every k-th of `limit` M3 series: disagreements and CPU times."""
    import pandas as pd
    from _common import SHARED_DATA

    from pybbdl.models.ets import EtsForecaster

    if ro is None:
        return
    d = pd.read_csv(require(SHARED_DATA / "m3" / "m3_series.csv.gz"))
    d = d[d["part"] == "train"]
    ids = pd.unique(d["id"])
    ids = ids[np.linspace(0, len(ids) - 1, min(limit, len(ids))).round().astype(int)]
    EtsForecaster().fit(np.arange(1.0, 30.0), 1)  # numba's compiled kernel loaded before timing
    fit_r = ro.r("function(y, m, h) { f <- ets(ts(y, frequency = m)); "
                 "list(f$method, f$aicc, as.numeric(forecast(f, h = h)$mean)) }")
    cpu_ours = cpu_r = 0.0
    differ = []
    for sid in ids:
        s = d[d["id"] == sid].sort_values("t")
        y, m, h = s["value"].to_numpy(float), int(s["frequency"].iloc[0]), int(s["horizon"].iloc[0])
        c0 = time.process_time()
        ours = EtsForecaster().fit(y, m)
        mean = ours.forecast(h)["mean"].to_numpy()
        c1 = time.process_time()
        r = fit_r(ro.FloatVector(y), m, h)
        c2 = time.process_time()
        cpu_ours += c1 - c0
        cpu_r += c2 - c1
        rmean = np.array(r[2], dtype=float)
        gap = float(np.max(np.abs(mean - rmean) / np.maximum(np.abs(rmean), 1e-9)))
        if ours.describe().split("[")[0] != str(r[0][0]) or gap > 1e-6:
            differ.append((sid, ours.describe(), float(ours.search_["aicc"].min()), str(r[0][0]), float(r[1][0]), gap))
    print(f"\nM3, {len(ids)} series: pybbdl ets {cpu_ours:.1f} s CPU, R ets {cpu_r:.1f} s CPU (same process); "
          f"{len(differ)} differ in model or forecast (relative gap > 1e-6)")
    if differ:
        print("| series | pybbdl | AICc | R | AICc | largest relative forecast gap |\n|---|---|---:|---|---:|---:|")
        for row in differ:
            print("| {} | {} | {:.3f} | {} | {:.3f} | {:.2e} |".format(*row))


if __name__ == "__main__":
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.2f}")
    r = _r()
    if "--m3-ets" in sys.argv:
        m3_ets(r, int(sys.argv[sys.argv.index("--m3-ets") + 1]))
        print(f"load average {os.getloadavg()[0]:.2f} at the end")
        sys.exit(0)
    jena(r)
    wwwusage(r)
