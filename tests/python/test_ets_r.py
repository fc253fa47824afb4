"""ETS as R's forecast::ets (issue 22): the same model, AICc and forecasts on a few series.

Golden values from R 4.2.2, forecast 8.20 (``forecast(ets(ts(y, frequency = m)), h, level = 80)``);
when R and rpy2 are there, R is asked live as well. The numba kernel and its pure-Python twin
must agree, and the engine option refuses what it does not know.
"""

import numpy as np
import pytest

from pybbdl.exceptions import ArgumentError
from pybbdl.models.ets import EtsForecaster


def _series():
    rng = np.random.default_rng(22)
    t = np.arange(48)
    monthly = 100 + 0.8 * t + 12 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 3, 48)
    t = np.arange(28)
    quarterly = 50 + 0.3 * t + np.tile([4.0, -2.0, 1.0, -3.0], 7) * (1 + t / 28) + rng.normal(0, 1, 28)
    yearly = 200 + np.cumsum(rng.normal(2, 5, 20))
    return {"monthly": (monthly, 12, 18), "quarterly": (quarterly, 4, 8), "yearly": (yearly, 1, 6)}


# R: method, AICc, mean (first 3 steps and the last), lower 80 % (first step and the last)
GOLDEN = {
    "monthly": ("ETS(A,A,A)", 351.03853604679597, [139.06327129, 145.69246021, 154.88440197, 157.53497121],
                [134.08447425, 152.5561205]),
    "quarterly": ("ETS(M,N,M)", 128.97557760879639, [64.62615578, 54.35042789, 59.34867384, 52.17383109],
                  [62.29930276, 48.9950875]),
    "yearly": ("ETS(M,N,N)", 135.20189884867023, [243.32427748, 243.32427748, 243.32427748, 243.32427748],
               [235.02244397, 225.24202595]),
}


def _r():
    try:
        from rpy2 import robjects as ro

        ro.r("suppressPackageStartupMessages(library(forecast))")
        return ro
    except Exception:  # noqa: BLE001 - R is optional: the golden values stand in
        return None


@pytest.mark.parametrize("name", list(GOLDEN))
def test_model_aicc_and_forecasts_equal_r(name):
    y, m, h = _series()[name]
    model = EtsForecaster().fit(y, m)
    fc = model.forecast(h, (0.8,))
    method, aicc, mean, lower = GOLDEN[name]
    chosen = model.search_.set_index("model")["aicc"]
    assert model.describe().split("[")[0] == method
    assert chosen.min() == pytest.approx(aicc, rel=1e-9)
    got = fc["mean"].to_numpy()
    np.testing.assert_allclose(got[[0, 1, 2, h - 1]], mean, rtol=1e-7)
    np.testing.assert_allclose(fc["lower_80"].to_numpy()[[0, h - 1]], lower, rtol=1e-7)
    ro = _r()
    if ro is not None:  # live: R on the same values
        ro.globalenv["y"] = ro.FloatVector(y)
        r = ro.r(f"f <- ets(ts(y, frequency = {m})); list(f$method, f$aicc, as.numeric(forecast(f, h = {h})$mean))")
        assert str(r[0][0]) == method and float(r[1][0]) == pytest.approx(chosen.min(), rel=1e-9)
        np.testing.assert_allclose(got, np.asarray(r[2]), rtol=1e-7)


def test_numba_kernel_and_its_python_twin_agree():
    y = _series()["yearly"][0]
    fits = [EtsForecaster(spec="AAN", damped=True, engine=e).fit(y, 1) for e in ("numba", "python")]
    a, b = (f.fit_ for f in fits)
    for key in ("alpha", "beta", "phi", "lik"):
        assert a[key] == pytest.approx(b[key], rel=1e-9, abs=1e-12)
    np.testing.assert_allclose(fits[0].forecast(4)["mean"], fits[1].forecast(4)["mean"], rtol=1e-9)


def test_statsmodels_engine_is_kept_and_differs_from_r_where_its_optimiser_does():
    y, m, h = _series()["quarterly"]
    model = EtsForecaster(spec="MNM", engine="statsmodels").fit(y, m)
    assert model.fit_ is None and np.all(np.isfinite(model.forecast(h)["mean"]))


@pytest.mark.parametrize("engine", ["fortran", "", 1, None])
def test_engine_refuses_what_it_does_not_know(engine):
    with pytest.raises(ArgumentError, match="`engine` must be one of 'numba', 'python', 'statsmodels'"):
        EtsForecaster(engine=engine).fit(_series()["yearly"][0], 1)


def test_maxiter_must_be_positive():
    with pytest.raises(ArgumentError, match="maxiter"):
        EtsForecaster(maxiter=0).fit(_series()["yearly"][0], 1)
