"""The fast ARIMA order search (pybbdl.models.arima_search) and the series-level AutoArima vs R."""

import os
import warnings

import numpy as np
import pandas as pd
import pytest

from pybbdl.exceptions import ArgumentError, DataError, NotFittedError
from pybbdl.models import ArimaForecaster, AutoArima
from pybbdl.models import arima_likelihood
from pybbdl.models import arima_search as S
from pybbdl.models.series import check_levels
from pybbdl.windows import prepare_windows
from test_arima_dm_backtest import WWWUSAGE

SHARED = os.environ.get("PYBBDL_SHARED_DATA", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared",
                                                              "data"))
M3 = os.path.join(SHARED, "m3", "m3_series.csv.gz")

# R 4.2.2, forecast 8.20, auto.arima(y, stepwise, approximation = FALSE): (p, d, q, P, D, Q, constant), AICc.
# inflation = pybbdl.data.macro_data()["infl"][:129] (the default 64 % training part), as a plain series.
R_GOLDEN = {
    ("wwwusage", "exhaustive"): ((3, 1, 0, 0, 0, 0, 0), 512.4194),
    ("wwwusage", "stepwise"): ((1, 1, 1, 0, 0, 0, 0), 514.5520),
    ("inflation", "exhaustive"): ((2, 1, 0, 0, 0, 0, 0), 572.7548),
    ("inflation", "stepwise"): ((1, 1, 3, 0, 0, 0, 0), 574.4207),
}


def _inflation():
    from pybbdl.data import macro_data

    return macro_data()["infl"].to_numpy()[:129]


def _series(name):
    return np.asarray(WWWUSAGE, dtype=float) if name == "wwwusage" else _inflation()


def _chosen(result):
    s = result.best.spec
    return (s.p, s.d, s.q, s.P, s.D, s.Q, int(s.constant))


@pytest.fixture(params=["auto", "numpy"])
def engine(request, monkeypatch):
    """Both likelihood engines: numba when installed ("auto"), and the numpy reference."""
    if request.param == "numpy":
        monkeypatch.setattr(arima_likelihood, "_KERNEL", [None])  # where the engine is looked up
    return request.param


@pytest.mark.parametrize("spec,coef", [
    (S.Spec(2, 1, 2, constant=True), [0.3, 0.1, 0.2, 0.1]),
    (S.Spec(0, 1, 3), [0.3, 0.1, -0.2]),
    (S.Spec(3, 0, 0, constant=True), [0.3, 0.1, 0.2]),
    (S.Spec(1, 0, 1, 1, 1, 1, 4, constant=True), [0.3, 0.2, 0.4, 0.5]),
    (S.Spec(0, 1, 1, 0, 1, 1, 4), [0.3, -0.4]),
])
def test_exact_likelihood_equals_statsmodels(spec, coef, engine):
    from statsmodels.tsa.arima.model import ARIMA

    y = _inflation()
    coef = np.array(coef)
    w = S.difference(y, spec.d, spec.D, spec.m)
    if engine == "numpy":
        ll, sigma2, mean = S._Likelihood(w, spec).evaluate(coef)
    else:
        kernel = S._kernel() or pytest.skip("numba not installed")
        a, b = kernel.polys(coef, spec.p, spec.q, spec.P, spec.Q, spec.m)
        ll, sigma2, mean = kernel.loglik(np.ascontiguousarray(w), spec.constant, a, b)
    fit = S.Fit(spec=spec, coef=coef, sigma2=sigma2, mean=mean)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ARIMA(y, order=spec.order, seasonal_order=spec.seasonal_order, trend=spec.trend)
        # at the concentrated mean and scale, statsmodels' exact likelihood is the same number
        assert model.loglike(fit.statsmodels_params()) == pytest.approx(ll, abs=1e-4)


@pytest.mark.parametrize("name,search", sorted(R_GOLDEN))
def test_search_picks_r_auto_arima_order(name, search, engine):
    order, aicc = R_GOLDEN[(name, search)]
    result = S.auto_order(_series(name), 1, search=search)
    assert _chosen(result) == order
    assert result.best.aicc == pytest.approx(aicc, abs=2e-3)


@pytest.mark.parametrize("search", ["exhaustive", "stepwise"])
def test_search_matches_live_r(search):
    interop = pytest.importorskip("pybbdl.interop_r")
    if not interop.r_available():
        pytest.skip("R/rpy2 not available")
    for name in ("wwwusage", "inflation"):
        y = _series(name)
        try:
            r = interop.auto_arima(y, stepwise=search == "stepwise", approximation=False)
        except ImportError as err:
            pytest.skip(f"R package missing: {err}")
        result = S.auto_order(y, 1, search=search)
        s = result.best.spec
        assert (s.order, s.seasonal_order[:3]) == (r["order"], r["seasonal_order"][:3] if any(r["seasonal_order"][:3])
                                                   else (0, 0, 0))
        assert result.best.aicc == pytest.approx(r["aicc"], abs=2e-3)
        assert s.constant == any(k in r["coef"] for k in ("drift", "intercept"))


@pytest.mark.skipif(not os.path.exists(M3), reason="shared M3 data not present")
@pytest.mark.parametrize("sid,period,search,expected", [
    # R 4.2.2 / forecast 8.20 on the M3 training parts (frequency = period)
    ("N2602", 12, "exhaustive", (0, 1, 1, 0, 0, 1, 0)),
    ("N2002", 12, "exhaustive", (0, 0, 1, 1, 0, 1, 1)),
    ("N1246", 4, "exhaustive", (1, 1, 1, 0, 0, 0, 0)),
])
def test_seasonal_m3_orders_match_r(sid, period, search, expected):
    m3 = pd.read_csv(M3)
    y = m3[(m3.id == sid) & (m3.part == "train")].sort_values("t").value.to_numpy(float)
    assert _chosen(S.auto_order(y, period, search=search)) == expected


def test_forecaster_search_option_and_default_is_r_stepwise():
    frame = pd.DataFrame({"y": np.asarray(WWWUSAGE, dtype=float)})
    w = prepare_windows(frame, target="y", lookback=1, horizon=1, split={"train": (0, len(frame))})
    exhaustive = ArimaForecaster(search="exhaustive").fit(w)
    assert exhaustive.order_ == (3, 1, 0) and len(exhaustive.search_) == 42  # p + q <= max_order = 5, as R
    stepwise = ArimaForecaster().fit(w)  # the default: R's auto.arima(WWWusage), stepwise
    assert stepwise.search == "stepwise" and stepwise.order_ == (1, 1, 1) and stepwise.trend_ == "n"
    assert len(stepwise.search_) < 20 and stepwise.results_.aicc == pytest.approx(514.552, abs=1e-2)
    with pytest.raises(ArgumentError, match="`search` must be"):
        ArimaForecaster(search="greedy").fit(w)


def test_auto_arima_series_contract_and_intervals():
    model = AutoArima(search="exhaustive").fit(WWWUSAGE, 1)
    assert model.describe() == "ARIMA(3,1,0) trend=n"
    frame = model.forecast(5, levels=(0.8, 0.95))
    assert list(frame.columns) == ["mean", "lower_80", "upper_80", "lower_95", "upper_95"]
    assert list(frame.index) == [1, 2, 3, 4, 5]
    # R: forecast(auto.arima(WWWusage, stepwise = FALSE, approximation = FALSE), h = 5)$mean
    np.testing.assert_allclose(frame["mean"], [219.6608, 219.2299, 218.2766, 217.3484, 216.7633], atol=1e-3)
    ci = model.results_.get_forecast(5).conf_int(alpha=0.05)
    np.testing.assert_allclose(frame[["lower_95", "upper_95"]].to_numpy(), np.asarray(ci), rtol=1e-10)
    assert (frame["lower_95"] < frame["lower_80"]).all() and (frame["upper_80"] < frame["upper_95"]).all()
    assert model.forecast(3).shape == (3, 1)  # no levels: the mean only
    flat = AutoArima().fit(np.full(12, 3.5), 4).forecast(2, levels=(0.9,))
    assert flat.to_numpy().tolist() == [[3.5] * 3] * 2


def test_seasonal_differencing_as_r_seasonal_strength():
    t = np.arange(96)
    rng = np.random.default_rng(0)
    seasonal = 10 * np.sin(2 * np.pi * t / 12) + rng.normal(scale=0.5, size=96)
    assert S.number_of_seasonal_differences(seasonal, 12) == 1
    assert S.number_of_seasonal_differences(rng.normal(size=96), 12) == 0
    assert S.number_of_seasonal_differences(seasonal[:24], 12) == 0  # too short: as R, no test


@pytest.mark.parametrize("kwargs,y,error,match", [
    ({"max_p": -1}, WWWUSAGE, ArgumentError, "max_p"),
    ({"max_Q": 1.5}, WWWUSAGE, ArgumentError, "max_Q"),
    ({"search": "greedy"}, WWWUSAGE, ArgumentError, "search"),
    ({"criterion": "hqic"}, WWWUSAGE, ArgumentError, "criterion"),
    ({}, [1.0, 2.0, 4.0], DataError, "at least 4 values"),
    ({}, [1.0, np.nan, 2.0, 3.0, 4.0], DataError, "position 1"),
    ({}, np.ones((4, 3)), DataError, "1-d"),
])
def test_bad_input_is_refused_clearly(kwargs, y, error, match):
    with pytest.raises(error, match=match):
        AutoArima(**kwargs).fit(y, 1)


def test_bad_forecast_requests():
    with pytest.raises(NotFittedError):
        AutoArima().forecast(3)
    model = AutoArima().fit(WWWUSAGE, 1)
    with pytest.raises(ArgumentError, match="levels"):
        model.forecast(3, levels=(80,))
    with pytest.raises(ArgumentError, match="`h`"):
        model.forecast(0)
    with pytest.raises(ArgumentError, match="period"):
        AutoArima().fit(WWWUSAGE, 0)
    assert check_levels((0.95, 0.8)) == (0.8, 0.95)


def test_auto_arima_filtered_estimates_agree_with_a_statsmodels_refit():
    fast = AutoArima(search="exhaustive").fit(WWWUSAGE, 1)
    refit = AutoArima(search="exhaustive", refit=True).fit(WWWUSAGE, 1)
    assert fast.describe() == refit.describe()
    assert fast.results_.llf == pytest.approx(refit.results_.llf, abs=1e-3)
    np.testing.assert_allclose(fast.forecast(6, (0.8, 0.95)), refit.forecast(6, (0.8, 0.95)), rtol=1e-4)
    assert np.all(np.isfinite(refit.results_.bse))  # the refit has standard errors


def _trend_plus_ar(n=200, seed=5):
    """y = 0.1 t + AR(1) errors: KPSS on y asks for a difference, on the residuals of y on t not."""
    rng = np.random.default_rng(seed)
    t, e = np.arange(n, dtype=float), np.zeros(n)
    for i in range(1, n):
        e[i] = 0.6 * e[i - 1] + rng.normal()
    return 0.1 * t + e, t


def test_arimax_chooses_d_on_the_regression_residuals_as_r_does():
    """With regressors, R's auto.arima runs its unit-root tests on the residuals of y regressed on
    them (regression with ARIMA errors); so does the search: d = 0 here, where y alone gives 1."""
    y, t = _trend_plus_ar()
    assert S.number_of_differences(y) == 1
    w = prepare_windows(pd.DataFrame({"y": y, "t": t}), target="y", lookback=1, horizon=1,
                        split={"train": (0, len(y))}, known=["t"])
    model = ArimaForecaster(max_p=2, max_q=2).fit(w)
    order, aicc = (1, 0, 2), 553.7066  # R 4.2.2 / forecast 8.20, auto.arima(y, xreg = t, max.p = 2, max.q = 2, ...)
    interop = pytest.importorskip("pybbdl.interop_r")
    if interop.r_available():
        try:
            r = interop.auto_arima(y, xreg=t[:, None], stepwise=False, approximation=False, seasonal=False,
                                   max_p=2, max_q=2)
        except ImportError as err:
            pytest.skip(f"R package missing: {err}")
        order, aicc = r["order"], r["aicc"]
        assert "intercept" in r["coef"] and r["coef"]["xreg"] == pytest.approx(0.105, abs=1e-3)
    assert model.order_ == order and model.order_[1] == 0
    # R's model (with intercept) is among the candidates at R's AICc; statsmodels flags that fit as
    # not converged, so the converged no-constant fit of the same order is preferred
    row = model.search_[(model.search_.order == order) & (model.search_.trend == "c")].iloc[0]
    assert row.aicc == pytest.approx(aicc, abs=1e-3)
