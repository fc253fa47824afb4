"""Forecasts conditional on a user-given future path of the future-known columns.

A model trained on windows with future-known columns (``known=[...]``: calendar terms, an
assumed policy-rate path, an oil-price scenario) forecasts the target from the end of the data
given the values those columns will take over the horizon. :func:`forecast_conditional` asks it
for that forecast; calling it once per scenario gives the scenario analysis a central bank
publishes ("inflation if the policy rate follows path A / path B").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pybbdl.exceptions import ArgumentError, ArgumentTypeError
from pybbdl.windows import Windows

__all__ = ["forecast_conditional"]


def _source(source, windows):
    """``({name: fitted model}, windows)`` from a run, a comparison or one fitted model."""
    comparison = getattr(source, "comparison", None) or (source if hasattr(source, "seed_forecasts") else None)
    if comparison is not None:
        if windows is not None:
            raise ArgumentError("`windows` must not be given with a run: the run's own windows are used.")
        return dict(comparison.models), comparison.windows
    if not (callable(getattr(source, "fit", None)) and callable(getattr(source, "predict", None))):
        raise ArgumentTypeError("`source` must be a ForecastRun (forecast_compare/forecast_backtest), a Comparison, "
                                f"or a fitted forecaster with `windows`. Received: {type(source).__name__}")
    if not isinstance(windows, Windows):
        raise ArgumentTypeError("`windows` must be the Windows the model was fitted on (prepare_windows) when "
                                f"`source` is a model. Received: {type(windows).__name__}")
    return {type(source).__name__: source}, windows


def forecast_conditional(source, future, *, windows: Windows | None = None,
                         models: Sequence[str] | str | None = None) -> pd.DataFrame:
    """Forecast from the end of the data, conditional on the future path of the known columns.

    Args:
        source: A :class:`~pybbdl.workflows.forecast_run.ForecastRun` (from
            :func:`~pybbdl.workflows.forecasting.forecast_compare` or ``forecast_backtest`` with
            ``known=[...]``; its fitted models, first seed, and its data), a
            :class:`~pybbdl.evaluation.Comparison`, or one fitted forecaster (then `windows`).
        future: DataFrame (or dict of columns) with one column per future-known column and
            exactly ``horizon`` rows: the values at steps 1..horizon after the last observation.
            A DatetimeIndex must continue the data's; otherwise the stamps are inferred from the
            data's frequency (positions for data without dates).
        windows: The windows a single model was fitted on (not with a run).
        models: Names of the run's models to ask; default: every model that uses future-known
            columns (``uses_known``). A named model that cannot use them is refused, never
            silently run without the path.

    Returns:
        A DataFrame indexed by the target timestamps, with ``step`` (steps after the last
        observation) and one column per model: every horizon of a multi-horizon run, else the
        one ``horizon``-step forecast.

    Raises:
        ArgumentError: a model that cannot use future-known columns, unknown model names, a run
            without future-known columns, a path of the wrong length or with extra columns.
        DataError: a future-known column missing from `future`, NaN/inf or non-numeric values
            (the column and step are named).
    """
    fitted, windows = _source(source, windows)
    if models is None:
        chosen = [m for m, est in fitted.items() if getattr(est, "uses_known", False)]
        if not chosen:
            raise ArgumentError(f"None of the models {list(fitted)} uses future-known columns, so none can forecast "
                                "conditional on `future`. Use a network or arima.")
    else:
        chosen = [models] if isinstance(models, str) else list(models)
        unknown = [m for m in chosen if m not in fitted]
        if unknown:
            raise ArgumentError(f"`models` must name fitted models of the run. Received: {unknown}; "
                                f"fitted: {list(fitted)}")
        refused = [m for m in chosen if not getattr(fitted[m], "uses_known", False)]
        if refused:
            raise ArgumentError(f"Model(s) {refused} cannot use future-known columns: their forecast would ignore "
                                f"`future`. Models that use them: "
                                f"{[m for m, e in fitted.items() if getattr(e, 'uses_known', False)]}")
    extended = windows.with_future(future)
    steps = list(extended.horizons)
    n = extended.future_origin
    index = extended.frame.index[[n + h - 1 for h in steps]]
    out = pd.DataFrame({"step": steps}, index=index)
    for name in chosen:
        model = fitted[name]
        if extended.multi_horizon:
            values = np.asarray(model.predict_horizons(extended, "future"), dtype=float).reshape(-1)
        else:
            values = np.asarray(model.predict(extended, "future"), dtype=float).reshape(-1)
        out[name] = values
    out.index.name = windows.frame.index.name
    return out
