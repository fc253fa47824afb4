"""The automatic ARIMA order: differences (``d``, ``D``) and the search over (p, q)(P, Q), exhaustive or
stepwise (Hyndman-Khandakar), as R's ``forecast::auto.arima``.

Each candidate is scored by its exact likelihood (:func:`pybbdl.models.arima_likelihood.fit_spec`).

As R's ``forecast::auto.arima``: ``d`` by repeated KPSS tests (``ndiffs``), ``D`` by the
seasonal-strength heuristic (``nsdiffs(test = "seas")``: strength of an STL seasonal component
> 0.64, STL as R's ``mstl``), a constant (mean for d + D = 0, drift for d + D = 1) tried both
ways, candidates with an AR or MA root inside modulus 1.01 refused (an MA optimum on the unit
circle, which the invertible parameterisation only approaches, is detected and refused too),
AICc by default. Not replicated: R's refusal of fits whose Hessian gives a NaN standard error
(``checkarima``), the CSS approximation for long series (``approximation = TRUE``; the exact
likelihood is fast here), Box-Cox, and regressors.

Candidates are scored one after another: each costs about a millisecond compiled, less than
handing it to a worker process; panels parallelise over series instead
(:func:`pybbdl.parallel.run_tasks`).

The KPSS tests themselves are :mod:`pybbdl.models.unit_root`; the series-level model over this search,
:class:`pybbdl.models.auto_arima.AutoArima`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pybbdl._validation import check_positive_int
from pybbdl.exceptions import ArgumentError, DataError, ModelFitError
from pybbdl.models.arima_likelihood import (Fit, Spec, _free_from_coef, _min_root, _polys, difference, fit_spec,
                                            resolve_engine)

CRITERIA = ("aicc", "aic", "bic")
SEARCHES = ("exhaustive", "stepwise")
#: Seasonal strength above which one seasonal difference is taken (R's nsdiffs, test "seas").
SEASONAL_STRENGTH = 0.64


def _warm_start(spec: Spec, fits: dict) -> np.ndarray | None:
    """Unconstrained start values from the fitted candidate that shares most coefficients."""
    best, best_shared = None, -1
    for other in fits.values():
        o = other.spec
        if other.error or (o.d, o.D, o.m) != (spec.d, spec.D, spec.m) or not len(other.coef):
            continue
        shared = (min(o.p, spec.p) + min(o.q, spec.q) + min(o.P, spec.P) + min(o.Q, spec.Q))
        if shared > best_shared:
            best, best_shared = other, shared
    if best is None or best_shared == 0:
        return None
    o, c = best.spec, best.coef
    blocks_o = np.split(c, np.cumsum([o.p, o.q, o.P]))
    sizes = (spec.p, spec.q, spec.P, spec.Q)
    parts = []
    for blk, size in zip(blocks_o, sizes):
        out = np.zeros(size)
        out[:min(size, len(blk))] = blk[:size]
        parts.append(out)
    coef = np.concatenate(parts)
    a, b = _polys(spec, coef)
    if _min_root(-a[1:], -1.0) <= 1.0 or _min_root(b[1:], 1.0) <= 1.0:  # truncation left the region
        return None
    return _free_from_coef(spec, coef)


# -- unit-root tests --------------------------------------------------------------------------
def number_of_differences(y: np.ndarray, *, max_d: int = 2, alpha: float = 0.05) -> int:
    """``d`` by repeated KPSS tests, as R's ``forecast::ndiffs`` (see :mod:`pybbdl.models.arima`)."""
    from pybbdl.models.unit_root import number_of_differences as ndiffs

    return ndiffs(y, max_d=max_d, alpha=alpha)


def seasonal_strength(y: np.ndarray, m: int) -> float:
    """Strength of seasonality, ``max(0, 1 - var(R) / var(S + R))`` of an STL fit as R's ``mstl``
    (``s.window = 11``, local-constant seasonal smoother, R's ``stl`` jumps)."""
    from statsmodels.tsa.seasonal import STL

    trend = int(math.ceil(1.5 * m / (1 - 1.5 / 11)))
    trend += 1 - trend % 2
    low = m + 1 - m % 2
    res = STL(np.asarray(y, dtype=float), period=m, seasonal=11, trend=trend, low_pass=low, seasonal_deg=0,
              trend_deg=1, low_pass_deg=1, seasonal_jump=2, trend_jump=int(math.ceil(trend / 10)),
              low_pass_jump=int(math.ceil(low / 10)), robust=False).fit(inner_iter=2, outer_iter=0)
    remainder, seasonal = res.resid, res.seasonal
    denom = np.var(remainder + seasonal, ddof=1)
    if not denom > 0:
        return 0.0
    return float(max(0.0, min(1.0, 1 - np.var(remainder, ddof=1) / denom)))


def number_of_seasonal_differences(y: np.ndarray, m: int, *, max_D: int = 1) -> int:
    """``D`` as R's ``forecast::nsdiffs(test = "seas")``: difference while the seasonal strength > 0.64."""
    x, D = np.asarray(y, dtype=float), 0
    if m <= 1 or len(x) <= 2 * m or np.ptp(x) == 0:
        return 0
    while D < max_D and len(x) >= 2 * m + 1 and np.ptp(x) > 0:
        if seasonal_strength(x, m) <= SEASONAL_STRENGTH:
            break
        x = x[m:] - x[:-m]
        D += 1
    return D


# -- the searches -----------------------------------------------------------------------------
@dataclass
class SearchResult:
    """What a search found: the best candidate and one row per candidate tried."""

    best: Fit
    fits: list
    criterion: str
    seconds: float
    engine: str = ""

    def table(self) -> pd.DataFrame:
        rows = [{"order": f.spec.order, "seasonal_order": f.spec.seasonal_order, "trend": f.spec.trend,
                 self.criterion: f.ic(self.criterion) if not f.error else np.nan,
                 "converged": f.converged and not f.error, "error": f.error} for f in self.fits]
        return pd.DataFrame(rows)


def _check_bounds(**bounds) -> dict:
    return {k: check_positive_int(k, v, minimum=0) for k, v in bounds.items()}


def _pick(fits, criterion):
    # a fit whose optimiser did not converge is chosen only if none converged
    ok = [f for f in fits if not f.error and np.isfinite(f.ic(criterion))]
    if not ok:
        return None
    return min(ok, key=lambda f: (not f.converged, f.ic(criterion)))


def search_candidates(y: np.ndarray, specs, *, criterion: str = "aicc", warm: bool = False,
                      engine: str = "auto") -> SearchResult:
    """Score the given candidates (all with the same d, D, m) on ``y``; the exhaustive search.
    `engine`: see :func:`fit_spec`."""
    began = time.perf_counter()
    engine = resolve_engine(engine)
    specs = list(specs)
    fits, done = [], {}
    cache: dict = {}
    for spec in specs:
        key = (spec.d, spec.D, spec.m)
        if key not in cache:
            cache[key] = difference(y, spec.d, spec.D, spec.m)
        start = _warm_start(spec, done) if warm else None
        fit = fit_spec(cache[key], spec, start=start, engine=engine)
        fits.append(fit)
        done[spec] = fit
    best = _pick(fits, criterion)
    return SearchResult(best=best, fits=fits, criterion=criterion, seconds=time.perf_counter() - began,
                        engine=engine)


def exhaustive_specs(d: int, D: int, m: int, *, max_p: int, max_q: int, max_P: int = 0, max_Q: int = 0,
                     max_order: int | None = None, constants=(True, False)) -> list:
    """Every ``p <= max_p, q <= max_q, P <= max_P, Q <= max_Q`` with ``p + q + P + Q <= max_order``."""
    out = []
    for p in range(max_p + 1):
        for q in range(max_q + 1):
            for P in range(max_P + 1):
                for Q in range(max_Q + 1):
                    if max_order is not None and p + q + P + Q > max_order:
                        continue
                    for c in constants:
                        out.append(Spec(p, d, q, P, D, Q, m, bool(c)))
    return out


def stepwise_search(y: np.ndarray, d: int, D: int, m: int, *, max_p: int = 5, max_q: int = 5, max_P: int = 2,
                    max_Q: int = 2, start_p: int = 2, start_q: int = 2, start_P: int = 1, start_Q: int = 1,
                    constant: bool = True, allow_constant: bool = True, criterion: str = "aicc",
                    nmodels: int = 94, warm: bool = False, engine: str = "auto") -> SearchResult:
    """Hyndman-Khandakar (2008) stepwise search, move for move as R's ``forecast::auto.arima``.

    Start models (p, q, P, Q) = (2, 2, 1, 1), (0, 0, 0, 0), (1, 0, 1, 0), (0, 1, 0, 1), the
    null model without constant; then, while the best model improves, its neighbours (P, Q
    +-1, both, then p, q +-1, both, then the constant switched), moving at the first
    improvement. At most ``nmodels`` fits. `engine`: see :func:`fit_spec`.
    """
    began = time.perf_counter()
    engine = resolve_engine(engine)
    w = difference(y, d, D, m)
    seasonal = m > 1
    if not seasonal:
        max_P = max_Q = 0
    if len(y) < 10:
        start_p, start_q, start_P, start_Q = min(start_p, 1), min(start_q, 1), 0, 0
    p, q = min(start_p, max_p), min(start_q, max_q)
    P, Q = min(start_P, max_P), min(start_Q, max_Q)
    fits, done = [], {}

    def run(pp, qq, PP, QQ, cc):
        spec = Spec(int(pp), d, int(qq), int(PP), D, int(QQ), m, bool(cc))
        fit = fit_spec(w, spec, start=_warm_start(spec, done) if warm else None, engine=engine)
        fits.append(fit)
        done[spec] = fit
        return fit

    def ic(fit):
        return fit.ic(criterion)

    best = run(p, q, P, Q, constant)
    fit = run(0, 0, 0, 0, constant)
    if ic(fit) < ic(best):
        best, (p, q, P, Q) = fit, (0, 0, 0, 0)
    if max_p > 0 or max_P > 0:
        pp, PP = int(max_p > 0), int(seasonal and max_P > 0)
        fit = run(pp, 0, PP, 0, constant)
        if ic(fit) < ic(best):
            best, (p, q, P, Q) = fit, (pp, 0, PP, 0)
    if max_q > 0 or max_Q > 0:
        qq, QQ = int(max_q > 0), int(seasonal and max_Q > 0)
        fit = run(0, qq, 0, QQ, constant)
        if ic(fit) < ic(best):
            best, (p, q, P, Q) = fit, (0, qq, 0, QQ)
    if constant:
        fit = run(0, 0, 0, 0, False)
        if ic(fit) < ic(best):
            best, (p, q, P, Q) = fit, (0, 0, 0, 0)

    moves = ((-1, 0), (0, -1), (1, 0), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1))

    def first_better(orders, moved, bounds):
        """The first untried order (p, q, P, Q) whose `moved` entries lie in 0..`bounds` and that
        beats `best`: (fit, order) or None."""
        for order in orders:
            if not all(0 <= order[i] <= hi for i, hi in zip(moved, bounds)):
                continue
            np_, nq, nP, nQ = order
            if Spec(np_, d, nq, nP, D, nQ, m, bool(constant)) in done or len(fits) >= nmodels:
                continue
            fit = run(np_, nq, nP, nQ, constant)
            if ic(fit) < ic(best):
                return fit, order
        return None

    k_before = -1
    while k_before < len(fits) and len(fits) < nmodels:
        k_before = len(fits)
        # seasonal moves first, then non-seasonal ones; after an improvement, start over
        found = first_better([(p, q, P + dP, Q + dQ) for dP, dQ in moves], (2, 3), (max_P, max_Q))
        if found is None:
            found = first_better([(p + dp, q + dq, P, Q) for dp, dq in moves], (0, 1), (max_p, max_q))
        if found is not None:
            best, (p, q, P, Q) = found
            continue
        if allow_constant:
            spec = Spec(p, d, q, P, D, Q, m, not constant)
            if spec not in done and len(fits) < nmodels:
                fit = run(p, q, P, Q, not constant)
                if ic(fit) < ic(best):
                    best, constant = fit, not constant
    if not np.isfinite(ic(best)):
        best = _pick(fits, criterion)
    return SearchResult(best=best, fits=fits, criterion=criterion, seconds=time.perf_counter() - began,
                        engine=engine)


def auto_order(y: np.ndarray, m: int = 1, *, search: str = "stepwise", d: int | None = None, D: int | None = None,
               max_p: int = 5, max_q: int = 5, max_P: int = 2, max_Q: int = 2, max_order: int = 5, max_d: int = 2,
               max_D: int = 1, criterion: str = "aicc", allow_drift: bool = True, allow_mean: bool = True,
               nmodels: int = 94, engine: str = "auto") -> SearchResult:
    """R's ``forecast::auto.arima(y)`` with ``approximation = FALSE``: differences, then the search.

    Args:
        y: The series, 1-d, finite, at least 4 values.
        m: Seasonal period (1 = none); seasonal orders are searched for m > 1.
        search: ``"stepwise"`` (R's default) or ``"exhaustive"`` (R's ``stepwise = FALSE``).
        d, D: Fixed differences; None = by KPSS (d) and seasonal strength (D) as R.
        max_p, max_q, max_P, max_Q, max_order, max_d, max_D, nmodels: R's bounds (same defaults);
            ``max_order`` bounds p + q + P + Q in the exhaustive search only, as in R.
        criterion: ``"aicc"``, ``"aic"`` or ``"bic"``.
        allow_drift, allow_mean: Whether a drift (d + D = 1) / mean (d + D = 0) may be included.
        engine: The likelihood engine, ``"auto"``, ``"numba"`` or ``"numpy"`` (:func:`resolve_engine`);
            both choose the same model.
    """
    y = check_series(y)
    engine = resolve_engine(engine)
    if search not in SEARCHES:
        raise ArgumentError(f'`search` must be "exhaustive" or "stepwise". Received: {search!r}')
    if criterion not in CRITERIA:
        raise ArgumentError(f'`criterion` must be "aicc", "aic" or "bic". Received: {criterion!r}')
    b = _check_bounds(max_p=max_p, max_q=max_q, max_P=max_P, max_Q=max_Q, max_order=max_order, max_d=max_d,
                      max_D=max_D)
    m = check_positive_int("period", m, minimum=1)
    nmodels = check_positive_int("nmodels", nmodels)
    n = len(y)
    max_p, max_q = min(b["max_p"], n // 3), min(b["max_q"], n // 3)
    max_P, max_Q = min(b["max_P"], n // 3 // m), min(b["max_Q"], n // 3 // m)
    if criterion == "aicc" and n <= 3:
        criterion = "aic"
    if m == 1:
        D, max_P, max_Q = 0, 0, 0
    elif D is None:
        D = number_of_seasonal_differences(y, m, max_D=b["max_D"]) if n > 2 * m else 0
    else:
        D = check_positive_int("D", D, minimum=0)
    dx = difference(y, 0, D, m)
    if d is None:
        d = number_of_differences(dx, max_d=b["max_d"])
    else:
        d = check_positive_int("d", d, minimum=0)
    w = difference(dx, d)
    if len(w) < 2:
        raise DataError(f"The series is too short for ARIMA with d = {d}, D = {D}, period {m}: "
                        f"{len(w)} value(s) left after differencing. Received: {n} values")
    if m > 1:
        if max_P > 0:
            max_p = min(max_p, m - 1)
        if max_Q > 0:
            max_q = min(max_q, m - 1)
    constant_ok = (allow_drift and d + D == 1) or (allow_mean and d + D == 0)
    if search == "exhaustive":
        specs = exhaustive_specs(d, D, m, max_p=max_p, max_q=max_q, max_P=max_P, max_Q=max_Q,
                                 max_order=b["max_order"], constants=(False, True) if constant_ok else (False,))
        result = search_candidates(y, specs, criterion=criterion, engine=engine)
    else:
        result = stepwise_search(y, d, D, m, max_p=max_p, max_q=max_q, max_P=max_P, max_Q=max_Q,
                                 constant=constant_ok, allow_constant=constant_ok, criterion=criterion,
                                 nmodels=nmodels, engine=engine)
    if result.best is None:
        errors = "; ".join(sorted({f.error for f in result.fits if f.error}))[:500]
        raise ModelFitError(f"The ARIMA order search found no model that could be fitted "
                            f"({len(result.fits)} candidate(s)): {errors}")
    return result


def check_series(y) -> np.ndarray:
    """A finite 1-d float array of at least 4 values, or a :class:`DataError`."""
    try:
        arr = np.asarray(y, dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"`y` must be a 1-d numeric series. Received: {type(y).__name__}") from None
    arr = arr.reshape(-1) if arr.ndim == 2 and 1 in arr.shape else arr
    if arr.ndim != 1:
        raise DataError(f"`y` must be a 1-d numeric series. Received: shape {arr.shape}")
    bad = np.nonzero(~np.isfinite(arr))[0]
    if len(bad):
        raise DataError(f"`y` must be finite; position {int(bad[0])} is {arr[bad[0]]!r}. "
                        f"Received: {len(bad)} non-finite value(s)")
    if len(arr) < 4:
        raise DataError(f"`y` must have at least 4 values for an automatic ARIMA. Received: {len(arr)}")
    return arr


# -- the windowed forecaster's search (ArimaForecaster(order=None)) ----------------------------
def _constants_for(trend: str | None, d: int, D: int):
    """Constant choices of the forecaster's grid, in its historical row order; None when the
    requested trend is not a mean/drift this likelihood handles (the caller fits each with
    statsmodels then)."""
    if trend is None:
        return {0: (True, False), 1: (False, True)}.get(d + D, (False,))
    if trend == "n":
        return (False,)
    if (trend == "c" and d + D == 0) or (trend == "t" and d + D == 1):
        return (True,)
    return None


def forecaster_search(model, y: np.ndarray, fit_final):
    """pybbdl 0.3's windowed order search (``ArimaForecaster`` before it ran :class:`AutoArima`'s search
    in both contracts); kept for ``benchmarks/arima_engines.py`` and the engine tests. It reads the
    bounds of `model` (an ``ArimaForecaster``).

    ``search="exhaustive"``: the forecaster's grid (p <= max_p, q <= max_q, P, Q in {0, 1} with a
    seasonal period, the trend by d + D). ``search="stepwise"``: Hyndman-Khandakar over the same
    bounds. Candidates are scored here; the winner is then fitted by ``fit_final(order,
    seasonal_order, trend)`` (statsmodels), falling back to the next best when that fit fails.

    Returns:
        ``(rows, best)`` as the forecaster's own loop builds them (best None when nothing could
        be fitted), or None when the requested trend needs the statsmodels route for every
        candidate.
    """
    search = model.search
    if search not in SEARCHES:
        raise ArgumentError(f'`search` must be "exhaustive" or "stepwise". Received: {search!r}')
    max_p = check_positive_int("max_p", model.max_p, minimum=0)
    max_q = check_positive_int("max_q", model.max_q, minimum=0)
    max_d = check_positive_int("max_d", model.max_d, minimum=0)
    m, D, max_PQ = 1, 0, 0
    period = model.resolved_period()
    if period:
        m = check_positive_int("period", period, minimum=2)
        D = check_positive_int("seasonal_d", model.seasonal_d, minimum=0)
        max_PQ = 1
    d = number_of_differences(difference(y, 0, D, m), max_d=max_d)
    constants = _constants_for(model.trend, d, D)
    if constants is None:
        return None
    criterion = model.criterion
    engine = resolve_engine(getattr(model, "engine", "auto"))
    if search == "exhaustive":
        specs = exhaustive_specs(d, D, m, max_p=max_p, max_q=max_q, max_P=max_PQ, max_Q=max_PQ,
                                 constants=constants)
        result = search_candidates(y, specs, criterion=criterion, engine=engine)
    else:
        constant = constants[0] if model.trend is not None else (True in constants)
        result = stepwise_search(y, d, D, m, max_p=max_p, max_q=max_q, max_P=max_PQ, max_Q=max_PQ,
                                 constant=constant, allow_constant=len(constants) > 1, criterion=criterion,
                                 engine=engine)
    rows = result.table().to_dict("records")
    ranked = sorted((f for f in result.fits if not f.error and np.isfinite(f.ic(criterion))),
                    key=lambda f: (not f.converged, f.ic(criterion)))
    errors = []
    for fit in ranked:
        s = fit.spec
        try:
            res = fit_final(s.order, s.seasonal_order, s.trend)
        except Exception as err:  # noqa: BLE001 - recorded, the next best is tried
            errors.append(f"{type(err).__name__}: {err}")
            continue
        return rows, ((not fit.converged, fit.ic(criterion)), res, s.order, s.seasonal_order, s.trend)
    if not errors:
        errors = sorted({f.error for f in result.fits if f.error})
    for row in rows:
        if not row["error"] and errors:
            row["error"], row["converged"] = errors[0], False
    return rows, None
