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
   (pybbdl's) and of R's ``forecast::ets`` (rpy2).

    python benchmarks/model_choice.py
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
from pybbdl.evaluation.intervals import interval_scores, model_intervals  # noqa: E402
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
    y = w.y("test", scaled=False)
    print("| training rows | season | chosen | coverage 80 | coverage 95 | width 80 | MAE | fit s |")
    print("|---:|---|---|---:|---:|---:|---:|---:|")
    for rows, season in ((1000, None), (2000, None), (4000, None), (1000, 24)):
        start = time.perf_counter()
        # the exhaustive grid R's auto.arima(stepwise = FALSE) runs below (and BENCHMARKS.md's numbers)
        m = make_model("arima", max_train=rows, max_p=2, max_q=2, seasonal_period=season or 1, search="exhaustive",
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
    fit = ro.r('ets(WWWusage, model = "AAN", damped = FALSE)')
    par = dict(zip(fit.rx2("par").names, fit.rx2("par")))
    sse = float(np.sum(np.array(ro.r("residuals")(fit)) ** 2))
    print(f"R ets(A,A,N) on WWWusage: alpha {par['alpha']:.4f}, beta {par['beta']:.4f}, SSE {sse:.1f}")


if __name__ == "__main__":
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.2f}")
    r = _r()
    jena(r)
    wwwusage(r)
