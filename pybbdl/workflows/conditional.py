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

from pybbdl.exceptions import ArgumentError, ArgumentTypeError, DataError
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
            Stamps, when given, must be the steps right after the last observation at the data's
            frequency, without gaps (a DatetimeIndex for dated data, the next row positions for
            data without dates); a default ``RangeIndex(0, horizon)`` means "no stamps": they are
            then inferred from the data's frequency (positions for data without dates).
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
            without future-known columns, a path of the wrong length or with extra columns, stamps
            that do not continue the data (later, at another frequency, with gaps; the expected and
            received stamps are named), dates on data without dates.
        DataError: a future-known column missing from `future`, NaN/inf or non-numeric values
            (the column and step are named); a path that moves a known column that was constant in
            every training row (its effect on the target is not identified: ARIMA's coefficient is
            confounded with the intercept, a network's weights on it never trained).
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
    _check_stamps(windows, future)
    extended = windows.with_future(future)
    _check_identified(windows, extended)
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


def _stamps_text(index, n=None) -> str:
    shown = [str(v.date()) if isinstance(v, pd.Timestamp) and v == v.normalize() else str(v) for v in index[:n]]
    return ", ".join(shown) + (", ..." if n is not None and len(index) > n else "")


def _check_stamps(windows: Windows, future) -> None:
    """Refuse stamps on `future` that do not continue the data (C5, C6): a path dated years after the
    data, daily stamps on monthly data or a gap would otherwise be relabelled as the next periods."""
    if not isinstance(future, pd.DataFrame) or len(future) != windows.horizon:
        return  # with_future names the type or the row count
    given, index = future.index, windows.frame.index
    n = len(future)
    if isinstance(index, pd.DatetimeIndex):
        if not isinstance(given, pd.DatetimeIndex):
            return  # no stamps: inferred from the data's frequency
        freq = index.freq or (pd.infer_freq(index[-min(len(index), 60):]) if len(index) >= 3 else None)
        if freq is None:
            return  # irregular data: with_future only asks the path to start after the data
        expected = pd.date_range(index[-1], periods=n + 1, freq=freq)[1:]
        what = f"its frequency ({pd.tseries.frequencies.to_offset(freq).freqstr})"
    else:
        if isinstance(given, pd.DatetimeIndex):
            raise ArgumentError("`future` must not have dates: the data have no time stamps, so its rows are the "
                                f"next {n} positions. Received: dates {_stamps_text(given, 3)}")
        if isinstance(given, pd.RangeIndex) and given.start == 0 and given.step == 1:
            return  # the default index: no stamps
        start = int(index[-1]) + 1 if pd.api.types.is_integer_dtype(index) else len(index)
        expected = pd.RangeIndex(start, start + n)
        what = "the next row positions"
    if not given.equals(expected):
        raise ArgumentError(f"`future` must start after the last observation {_stamps_text(index[-1:])} and continue "
                            f"the data at {what} without gaps: its {n} rows are the steps "
                            f"{_stamps_text(expected)}. Received: {_stamps_text(given)}. Leave the stamps out (they "
                            "are then inferred) or give these.")


def _check_identified(windows: Windows, extended: Windows) -> None:
    """Refuse a path that moves a known column away from the one value it took in every training row
    (C19): the models never saw it vary, so the forecast would shift by an arbitrary amount."""
    start, stop = windows.bounds["train"]
    lo = max(0, start - windows.lookback - windows.horizon + 1)
    for col in windows.known:
        seen = windows.frame[col].to_numpy(dtype=np.float64)[lo:stop]
        if not len(seen) or np.ptp(seen) != 0:
            continue
        path = extended.frame[col].to_numpy(dtype=np.float64)[extended.future_origin:]
        moved = np.flatnonzero(path != seen[0])
        if len(moved):
            first = int(moved[0])
            raise DataError(
                f"`future` column {col!r} was constant ({seen[0]!r}) in every training row "
                f"({_stamps_text(windows.frame.index[lo:lo + 1])} to {_stamps_text(windows.frame.index[stop - 1:stop])}), "
                f"so its effect on {windows.target!r} is not identified: ARIMA's coefficient is confounded with "
                f"the intercept and a network's weights on it never trained, and a path that moves it would "
                f"shift the forecast by an arbitrary amount. Received: {path[first]!r} at step {first + 1}. "
                f"Keep {col!r} at {seen[0]!r} over the horizon, or fit on data in which it varies.")
