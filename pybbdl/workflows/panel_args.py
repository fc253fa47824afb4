"""The panel workflow's argument checks, made once and up front, before any data is read or any
model fitted: the model names (:func:`_check_models`), settings that would have no effect
(:func:`_check_run_settings`) and the reading options against an already-read Panel (:func:`_read_panel`).
"""

from __future__ import annotations

import numpy as np

from pybbdl.data.panel import Panel, as_panel
from pybbdl.exceptions import ArgumentError, ArgumentTypeError
from pybbdl.models.registry import get_spec, model_names
from pybbdl.parallel import resolve_backend


def _panel_models() -> tuple[str, ...]:
    """Names a panel can run: the registry's series-contract and global models."""
    return model_names("series") + model_names("global")


def _check_models(models) -> list[str]:
    if isinstance(models, str):
        models = [m.strip() for m in models.split(",") if m.strip()]
    models = list(models)
    if not models:
        raise ArgumentError("`models` must name at least one model. Received: []")
    for m in models:
        if not isinstance(m, str):
            raise ArgumentTypeError(f"`models` must be model names. Received: {m!r}")
        if m not in _panel_models():
            raise ArgumentError(f"Unknown model {m!r} in `models`. Known: {', '.join(_panel_models())}"
                                + (f" ({m!r} is a windows-only model: use forecast_compare)" if m in model_names()
                                   else ""))
    dup = sorted({m for m in models if models.count(m) > 1})
    if dup:
        raise ArgumentError(f"`models` must name each model once. Received: {dup} more than once")
    return models


#: The reading options of :func:`~pybbdl.workflows.panel.forecast_panel` /
#: :func:`~pybbdl.workflows.panel.backtest_panel` and their defaults; an
#: already-read :class:`~pybbdl.data.panel.Panel` has them fixed.
_READING_DEFAULTS = {"horizon": None, "period": None, "holdout": True, "id_col": "id", "time_col": None,
                     "value_col": "value", "period_col": None, "horizon_col": None, "frequency_col": None,
                     "part_col": None, "covariates": None, "date_format": None, "dayfirst": None, "encoding": None}


def _read_panel(data, reading: dict, **extra) -> Panel:
    """`data` as a Panel (read with the options), or the given Panel when no reading option is set."""
    if isinstance(data, Panel):
        given = {k: v for k, v in reading.items() if not _is_default(v, _READING_DEFAULTS[k])}
        if given:
            raise ArgumentError(f"{', '.join(f'`{k}`' for k in given)} must not be given with an already-read Panel "
                                f"(its series have their horizons, periods and parts); pass them to as_panel(). "
                                f"Received: {given}")
        return data
    return as_panel(data, **reading, **extra)


def _is_default(value, default) -> bool:
    if default is None:
        return value is None
    if isinstance(default, bool):
        return isinstance(value, (bool, np.bool_)) and bool(value) is default
    return isinstance(value, str) and value == default


def _check_run_settings(models, seeds, levels, n_jobs, backend, address) -> None:
    """Settings that would have no effect with these models are refused, and how the tasks run is checked
    before any data is read."""
    resolve_backend(n_jobs, backend, address)
    if isinstance(seeds, (int, np.integer)) and seeds > 1 and not any(m in model_names("global") for m in models):
        raise ArgumentError(f"`seeds` must be 1 without a global model: only global models "
                            f"({', '.join(model_names('global'))}) train with seeds. Received: seeds={seeds!r}, models "
                            f"{list(models)}")
    with_intervals = [m for m in models if m in model_names("series") or (
        m in model_names("global") and hasattr(get_spec(m).load("global"), "forecast_intervals"))]
    if levels and not with_intervals:
        raise ArgumentError(f"`levels` apply to the models' intervals, and the run has none. Received: "
                            f"levels={list(levels)}, models {list(models)}")
