"""Fit every forecaster on the same windows (once per seed if it is stochastic) and score it.

Only the forecaster contract of :mod:`pybbdl.models.base` is used: ``fit(windows)``,
``predict(windows, part)``, and, when present, ``stochastic``, ``clone()``/``set_params()``,
``describe()``, ``notes_``, ``history_``, ``epochs_run_``, ``fit_seconds_``, ``n_params_``.
No model is special-cased; which models the Diebold-Mariano columns test against is the
`baselines` argument.

This module holds :func:`compare`; the parts it runs live in :mod:`~pybbdl.evaluation.compare_checks`
(argument checks), :mod:`~pybbdl.evaluation.compare_fits` (the fits as tasks),
:mod:`~pybbdl.evaluation.compare_intervals` (intervals of the fitted models),
:mod:`~pybbdl.evaluation.compare_scores` (the long table), :mod:`~pybbdl.evaluation.compare_layout`
(the wide table) and :mod:`~pybbdl.evaluation.compare_result` (:class:`Comparison`), whose names
are importable from here as before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from pybbdl._validation import check_positive_int
from pybbdl.evaluation.compare_checks import (DEFAULT_BASELINES, as_forecasters, as_seeds,  # noqa: F401
                                              check_dm_length, check_forecaster, check_not_constant,
                                              resolve_baselines, resolve_levels)
from pybbdl.evaluation.compare_fits import (FitTask, _seeded, collect_fits, fit_and_forecast, fit_task,  # noqa: F401
                                            fit_tasks, forecast_part, longest)
from pybbdl.evaluation.compare_intervals import interval_pass
from pybbdl.evaluation.compare_layout import WIDE_COLUMN_FIELDS, wide_layout  # noqa: F401
from pybbdl.evaluation.compare_result import Comparison, horizon_frames, interval_frames
from pybbdl.evaluation.compare_scores import (LONG_COLUMNS, MCS_REPS, MCS_SEED, MCS_SIZE,  # noqa: F401
                                              horizon_long_table, long_table, mcs_rows)
from pybbdl.evaluation.dm import LOSS_POWER, Loss
from pybbdl.evaluation.intervals import check_conformal_scale, resolved_scale
from pybbdl.evaluation.nested import nesting
from pybbdl.exceptions import ArgumentError, ArgumentTypeError
from pybbdl.parallel import resolve_backend
from pybbdl.windows import Windows


def compare(
    windows: Windows,
    models: Sequence[str] | Mapping | str = ("naive", "dense", "lstm", "gru"),
    *,
    parts: Sequence[str] | None = None,
    params: Mapping | None = None,
    seeds: int | Sequence[int] | None = None,
    baselines: Sequence[str] | None = None,
    dm_loss: Loss = "mae",
    progress: bool = True,
    levels: Sequence[float] | None = None,
    nested: Mapping | None = None,
    conformal_window: int | None = None,
    conformal_scale: str | None = "auto",
    interval_method: str = "auto",
    n_jobs: int = 1,
    backend: str | None = None,
    address: str | None = None,
) -> Comparison:
    """Fit each model on the training part and score it on the other parts.

    Args:
        windows: From :func:`pybbdl.windows.prepare_windows`. Windows with several ``horizons``
            score every horizon from the same origins: the long table has one block per horizon
            (column ``horizon``; DM and Clark-West tests per horizon; interval scores and the model
            confidence set at the longest), the wide table shows the longest. Models with
            ``predict_horizons`` give all horizons at once (MIMO networks; iterated ARIMA, ETS, Theta,
            AR, VAR); others
            are fitted once per horizon (:class:`~pybbdl.models.horizons.DirectForecaster`).
        models: Model names (see :data:`pybbdl.models.MODEL_NAMES`) or ``{name: forecaster}`` with
            any object following the forecaster contract (:mod:`pybbdl.models.base`). The naive
            baseline is always added.
        parts: Parts to score; default every part but ``train``.
        params: Parameters for models given by name (``epochs``, ``random_state``, ...); each key
            must be taken by at least one of the named models (a typo is an error listing the
            valid keys), and each model gets the keys it takes.
        seeds: Stochastic models are trained once per seed (an int n = n seeds counting up from
            ``params["random_state"]`` or 0, or a list); the table shows mean and sd.
        baselines: Models the Diebold-Mariano columns test against; default naive and, when in
            the comparison, arima.
        dm_loss: Loss of the Diebold-Mariano tests, ``"mae"`` (absolute, default) or ``"mse"``
            (squared, R's ``power = 2``).
        progress: Print one line per model fit to stderr (in parallel: a progress bar of the fits).
        n_jobs, backend, address: How the model x seed fits run (:func:`pybbdl.parallel.run_tasks`):
            ``n_jobs=1`` in this process; ``n_jobs > 1`` in that many local worker processes
            (``"loky"``); ``backend="ray"`` on a local Ray or, with ``address``, on a Ray cluster.
            The table does not depend on them (networks: with ``deterministic`` training).
        levels: Prediction-interval levels in (0, 1) to forecast and score (coverage, width,
            Winkler, pinball, CRPS); None = :data:`~pybbdl.models.series.DEFAULT_LEVELS` (80 %, 95 %),
            skipped with a note where the validation part is too short to calibrate them; ``()``
            = no intervals. Models with ``predict_interval`` give their own (networks: with
            ``quantiles``, which must then include `levels`, checked before training); the others get
            split-conformal intervals calibrated on the validation part
            (:mod:`pybbdl.evaluation.intervals`).
        nested: ``{model: [models it nests]}``, overriding the forecasters' ``nests``
            attributes: such pairs get Clark-West columns (:mod:`pybbdl.evaluation.nested`).
        conformal_window: None = static split conformal (the whole validation part calibrates
            every target); an int W = rolling: each target's interval from the last W forecast
            errors observed at its origin (validation, then the scored part's past targets).
        conformal_scale: ``"auto"`` (default) = ``"window"`` wherever the lookback is 2 or more;
            ``"window"`` = normalized conformal: each error divided by its window's scale (the
            mean absolute horizon-step change of the target inside the input window,
            :func:`~pybbdl.evaluation.intervals.window_scales`), so intervals widen after volatile
            stretches and narrow after calm ones; ``"none"`` = absolute errors. Static or rolling
            alike.
        interval_method: ``"auto"`` (default) = models with their own intervals (ARIMA, ETS,
            Theta, ...) use them, the others get conformal ones; ``"conformal"`` = split-conformal
            intervals for every model, calibrated on the validation part as for the networks
            (for a model whose analytic intervals are miscalibrated, e.g. a misspecified ARIMA).
            The wide table's ``interval`` column says which each model got.

    Returns:
        A :class:`Comparison`.

    Raises:
        DataError: a scored part too short for the DM tests, a constant target, or (with
            `levels` given) a validation part too short for conformal intervals at the highest
            level (all checked before any training).
    """
    if not isinstance(windows, Windows):
        raise ArgumentTypeError(f"`windows` must come from prepare_windows(). Received: {type(windows).__name__}")
    if dm_loss not in LOSS_POWER:
        raise ArgumentError(f'`dm_loss` must be "mae" or "mse". Received: {dm_loss!r}')
    resolve_backend(n_jobs, backend, address)
    estimators = as_forecasters(models, params)
    baselines = resolve_baselines(baselines, list(estimators))
    seeds = as_seeds(seeds, params)
    parts = [p for p in windows.parts if p != "train"] if parts is None else list(parts)
    for part in parts:
        windows._check_part(part)
        check_dm_length(windows.n_windows(part), windows.horizon, f"{part} part")
    check_not_constant(windows)
    nests = nesting(estimators, nested)
    levels, strict = resolve_levels(levels, windows, estimators, interval_method)
    if conformal_window is not None:
        conformal_window = check_positive_int("conformal_window", conformal_window)
    conformal_scale = resolved_scale(conformal_scale, windows) if levels else check_conformal_scale(conformal_scale)
    preds, info, fitted, histories = fit_and_forecast(estimators, windows, parts, seeds, progress, n_jobs=n_jobs,
                                                      backend=backend, address=address)
    all_horizons, preds = preds, longest(preds)  # intervals, MCS, forecasts, wide table: the longest horizon
    actual = {p: windows.targets(p, scaled=False) for p in parts}
    ints, methods, int_notes = interval_pass(fitted, windows, parts, levels, preds, strict=strict,
                                             window=conformal_window, scale=conformal_scale,
                                             method=interval_method)
    mcs = mcs_rows(preds, actual, parts, dm_loss=dm_loss)
    horizon_forecasts = {}
    if windows.multi_horizon:
        long = horizon_long_table(all_horizons, info,
                                  {p: windows.targets_by_horizon(p, scaled=False) for p in parts}, parts,
                                  horizons=windows.horizons, dm_loss=dm_loss, baselines=baselines, nests=nests,
                                  levels=levels, intervals=ints, interval_notes=int_notes, mcs=mcs or None)
        horizon_forecasts = horizon_frames(windows, all_horizons, parts)
    else:
        long = long_table(preds, info, actual, parts, horizon=windows.horizon, dm_loss=dm_loss, baselines=baselines,
                          levels=levels, intervals=ints, interval_notes=int_notes, nests=nests, mcs=mcs or None)
    table, columns = wide_layout(long, info, parts, baselines, nests=nests, interval_methods=methods, levels=levels)
    forecasts = {}
    for part in parts:
        frame = pd.DataFrame({"actual": windows.actuals(part)})
        for name in preds:
            if part in preds[name]:
                frame[name] = preds[name][part][0]
        forecasts[part] = frame
    table.attrs.update(target=windows.target, horizon=windows.horizon, seeds=seeds, dm_loss=dm_loss,
                       baselines=baselines, levels=list(levels), conformal_window=conformal_window,
                       conformal_scale=conformal_scale, interval_method=interval_method,
                       horizons=list(windows.horizons))
    return Comparison(table=table, forecasts=forecasts, histories=histories, windows=windows,
                      models={m: runs[0] for m, runs in fitted.items()},
                      seed_forecasts={p: {m: preds[m][p] for m in preds if p in preds[m]} for p in parts},
                      long=long, baselines=baselines, levels=tuple(levels),
                      intervals=interval_frames(ints, preds, {p: windows.target_index(p) for p in parts}),
                      interval_methods=methods, nests={m: v for m, v in nests.items() if v},
                      horizon_forecasts=horizon_forecasts, columns=columns)
