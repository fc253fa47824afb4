"""Tests for nested models and for many models at once: Clark-West and Hansen's model confidence set.

**Clark-West** (Clark and West 2007, "Approximately normal tests for equal predictive accuracy
in nested models", J. Econometrics 138). When the larger model nests the smaller one (ARIMA on
levels nests the random walk: all coefficients zero), the Diebold-Mariano test is not valid:
under the null the larger model's extra parameters add estimation noise, so its MSPE is
*expected* to be larger and DM under-rejects. Clark and West adjust the loss differential:

    f_t = e1_t^2 - (e2_t^2 - (yhat1_t - yhat2_t)^2)

(model 1 = the nested, smaller model, model 2 = the nesting, larger one; ``e = actual -
forecast``), and test ``H0: E f = 0`` against ``H1: E f > 0`` (the larger model is better) with
``t = mean(f) / sqrt(V / T)``, ``V`` the Newey-West (Bartlett) long-run variance of ``f`` with
``h - 1`` lags, and one-sided standard normal p-values. A positive statistic favours the larger
model. statsmodels 0.15.0 has no Clark-West test, hence this implementation.

**Model confidence set** (Hansen, Lunde and Nason 2011, Econometrica 79): the set of models that
contains the best one with probability 1 - size, by ``arch.bootstrap.MCS`` (range statistic,
stationary bootstrap, seeded so membership is reproducible).

Which test a comparison table uses for a pair is decided by :func:`nesting`: a forecaster
declares the models it nests with a class attribute ``nests = ("naive",)`` (``ArimaForecaster``
does), or the caller passes ``nested={"arima": ["naive"]}``; nested pairs get Clark-West, the
others Diebold-Mariano.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from pybbdl._validation import check_positive_int
from pybbdl.evaluation.dm import DMResult
from pybbdl.evaluation.metrics import ZERO_RTOL
from pybbdl.exceptions import ArgumentError, DataError

__all__ = ["CWResult", "clark_west", "model_confidence_set", "nesting"]


class CWResult(DMResult):
    """``(statistic, p_value)`` of :func:`clark_west`, with ``.note``, ``.h``, ``.n``; one-sided
    (``alternative="greater"``: the larger model forecasts better)."""

    def __repr__(self) -> str:
        note = f", note={self.note!r}" if self.note else ""
        return f"CWResult(statistic={self[0]:.6g}, p_value={self[1]:.6g}{note})"


def newey_west_variance(x: np.ndarray, lags: int) -> float:
    """Long-run variance of `x` with Bartlett weights ``1 - j / (lags + 1)`` (Newey-West 1987),
    autocovariances demeaned and divided by n."""
    n, xc = len(x), x - x.mean()
    var = float(np.dot(xc, xc) / n)
    for j in range(1, lags + 1):
        var += 2.0 * (1.0 - j / (lags + 1.0)) * float(np.dot(xc[: n - j], xc[j:]) / n)
    return var


def clark_west(actual, forecast, reference, *, horizon: int = 1) -> CWResult:
    """Clark-West test that `forecast` (the larger, nesting model) beats `reference` (the nested one).

    Args:
        actual: The targets.
        forecast: Forecasts of the larger model (model 2 of the paper).
        reference: Forecasts of the smaller model it nests (model 1), e.g. the random walk.
        horizon: Steps ahead; the variance uses ``horizon - 1`` Newey-West lags.

    Returns:
        A :class:`CWResult`: statistic ``mean(f) / sqrt(V / T)`` and the one-sided p-value
        ``1 - Phi(statistic)``; ``(nan, nan)`` with a note when ``f`` has no variance (e.g. the
        two forecasts are identical).

    Raises:
        DataError: unequal lengths, fewer than 3 targets, non-finite values.
    """
    from scipy import stats

    horizon = check_positive_int("horizon", horizon)
    y, f2, f1 = (np.asarray(a, dtype=float).reshape(-1) for a in (actual, forecast, reference))
    if not (len(y) == len(f1) == len(f2)):
        raise DataError(f"`actual`, `forecast` and `reference` must have equal lengths. Received: {len(y)}, "
                        f"{len(f2)}, {len(f1)}")
    n = len(y)
    if n < max(3, 2 * horizon):
        raise DataError(f"The Clark-West test with horizon={horizon} needs at least {max(3, 2 * horizon)} targets. "
                        f"Received: {n}")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(f1)) and np.all(np.isfinite(f2))):
        raise DataError("`actual`, `forecast` and `reference` must be finite (no NaN/inf).")
    e1, e2 = y - f1, y - f2
    f = e1 ** 2 - (e2 ** 2 - (f1 - f2) ** 2)
    var = newey_west_variance(f, horizon - 1)
    scale = max(float(np.max(np.abs(f))), float(np.max(e1 ** 2)), 1e-300)
    if var <= (ZERO_RTOL * scale) ** 2:
        return CWResult(np.nan, np.nan, note="the adjusted loss differential has no variance (identical "
                        "forecasts?): no test", alternative="greater", h=horizon, power=2,
                        varestimator="bartlett", n=n)
    stat = float(f.mean() / np.sqrt(var / n))
    return CWResult(stat, float(stats.norm.sf(stat)), alternative="greater", h=horizon, power=2,
                    varestimator="bartlett", n=n)


def nesting(estimators: Mapping, nested: Mapping | None = None) -> dict[str, tuple[str, ...]]:
    """``{model: (models it nests, ...)}`` from each forecaster's ``nests`` attribute, overridden
    per model by `nested` (``{"arima": ["naive"]}``; an empty list = nests nothing)."""
    out = {}
    for name, est in estimators.items():
        declared = getattr(est, "nests", ()) or ()
        out[name] = (declared,) if isinstance(declared, str) else tuple(str(d) for d in declared)
    if nested is not None:
        if not isinstance(nested, Mapping):
            raise ArgumentError(f'`nested` must be a dict {{"model": ["nested model", ...]}}. Received: '
                                f"{type(nested).__name__}")
        for name, small in nested.items():
            if name not in estimators:
                raise ArgumentError(f"`nested` must name models of the comparison. Received: {name!r}; models: "
                                    f"{list(estimators)}")
            small = [small] if isinstance(small, str) else list(small or [])
            unknown = [s for s in small if s not in estimators]
            if unknown or name in small:
                raise ArgumentError(f"`nested[{name!r}]` must list other models of the comparison. Received: "
                                    f"{small}; models: {list(estimators)}")
            out[name] = tuple(small)
    return out


def model_confidence_set(losses, *, size: float = 0.10, reps: int = 1000, block_size: int | None = None,
                         seed: int = 0, method: str = "R") -> pd.DataFrame:
    """Hansen's model confidence set of the models (columns) of a loss matrix.

    Args:
        losses: ``(targets, models)`` DataFrame of per-target losses (e.g. absolute errors).
        size: 1 - confidence; 0.10 gives the 90 % MCS.
        reps: Bootstrap replications.
        block_size: Mean block length of the stationary bootstrap; None = arch's default
            (``sqrt(targets)``).
        seed: Seed of the bootstrap (the same seed gives the same set).
        method: ``"R"`` (range statistic, default) or ``"max"``.

    Returns:
        DataFrame indexed by model: ``mcs_p`` (the MCS p-value) and ``in_mcs`` (1.0 if the model
        is in the set, else 0.0).
    """
    from arch.bootstrap import MCS

    if not 0 < float(size) < 1:
        raise ArgumentError(f"`size` must be in (0, 1), e.g. 0.1 for the 90 % set. Received: {size!r}")
    frame = pd.DataFrame(losses).astype(float)
    if frame.shape[1] < 2:
        return pd.DataFrame({"mcs_p": [1.0] * frame.shape[1], "in_mcs": [1.0] * frame.shape[1]}, index=frame.columns)
    if not np.all(np.isfinite(frame.to_numpy())):
        raise DataError("`losses` must be finite to compute the model confidence set.")
    # models with the same loss at every target (e.g. ARIMA(0,1,0) and naive) enter once: the
    # bootstrap statistic of an identical pair is 0/0; each copy gets its representative's result
    rep_of: dict = {}
    reps_cols: list = []
    for col in frame.columns:
        twin = next((r for r in reps_cols if np.allclose(frame[col], frame[r], rtol=ZERO_RTOL, atol=0.0)), None)
        rep_of[col] = col if twin is None else twin
        if twin is None:
            reps_cols.append(col)
    if len(reps_cols) == 1:
        return pd.DataFrame({"mcs_p": 1.0, "in_mcs": 1.0}, index=frame.columns)
    mcs = MCS(frame[reps_cols].to_numpy(), size=float(size), reps=check_positive_int("reps", reps),
              block_size=block_size, method=method, bootstrap="stationary", seed=int(seed))
    mcs.compute()
    pvals = dict(zip(mcs.pvalues.index, mcs.pvalues["Pvalue"]))
    included = set(mcs.included)
    idx = {col: i for i, col in enumerate(reps_cols)}
    return pd.DataFrame({"mcs_p": [float(pvals[idx[rep_of[m]]]) for m in frame.columns],
                         "in_mcs": [1.0 if idx[rep_of[m]] in included else 0.0 for m in frame.columns]},
                        index=frame.columns)
