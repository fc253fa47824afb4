"""The checks of a comparison's arguments, made before any training: the forecasters (names built
from the registry, or objects following the contract), the Diebold-Mariano baselines, the seeds,
parts long enough for the tests, a target that is not constant, and the interval levels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from pybbdl._validation import check_positive_int
from pybbdl.evaluation.dm import dm_min_length
from pybbdl.evaluation.intervals import (DEFAULT_LEVELS, check_calibration_size, check_interval_levels,
                                         check_interval_method, check_own_levels, has_own_intervals)
from pybbdl.exceptions import ArgumentError, ArgumentTypeError, DataError
from pybbdl.models import NaiveForecaster, make_models
from pybbdl.windows import Windows

#: Baselines of the DM columns when `baselines` is None: those of these that are in the comparison.
DEFAULT_BASELINES = ("naive", "arima")


def check_forecaster(name: str, est) -> None:
    """Refuse an object that does not follow the forecaster contract (fit and predict)."""
    if not (callable(getattr(est, "fit", None)) and callable(getattr(est, "predict", None))):
        raise ArgumentTypeError(f"Model {name!r} must be a forecaster: an object with fit(windows) and "
                                f"predict(windows, part) (see pybbdl.models.base). Received: {type(est).__name__}")


def as_forecasters(models, params: Mapping | None) -> dict:
    """``{name: unfitted forecaster}`` from names (built with `params`) or a mapping; naive first."""
    if isinstance(models, str):
        models = [m.strip() for m in models.split(",") if m.strip()]
    if isinstance(models, Mapping):
        out = dict(models)
        for name, est in out.items():
            check_forecaster(name, est)
    else:
        models = list(models)
        if not models:
            raise ArgumentError("`models` must name at least one model. Received: an empty list")
        out = make_models(models, params)
    if "naive" not in out:  # skill is measured against it, so it is always in the table
        out = {"naive": NaiveForecaster(), **out}
    return out


def resolve_baselines(baselines, names: Sequence[str]) -> list[str]:
    """The DM baselines: the given names (each must be a model of the comparison), or the
    :data:`DEFAULT_BASELINES` present."""
    if baselines is None:
        return [b for b in DEFAULT_BASELINES if b in names]
    baselines = [baselines] if isinstance(baselines, str) else list(baselines)
    missing = [b for b in baselines if b not in names]
    if missing:
        raise ArgumentError(f"`baselines` must name models of the comparison. Received: {missing}; "
                            f"models: {list(names)}")
    return baselines


def as_seeds(seeds, params: Mapping | None) -> list:
    if seeds is None:
        return [(params or {}).get("random_state")]
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        base = (params or {}).get("random_state") or 0
        return [int(base) + i for i in range(check_positive_int("seeds", seeds))]
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ArgumentError("`seeds` must hold at least one seed")
    _check_distinct_seeds(seeds)
    return seeds


def _check_distinct_seeds(seeds) -> None:
    """A repeated seed trains the same network twice and counts it as two seeds in the table."""
    repeated = sorted({s for s in seeds if list(seeds).count(s) > 1})
    if repeated:
        raise ArgumentError(f"`seeds` must be distinct (a repeat is the same run counted twice). Received: "
                            f"{list(seeds)}, with {repeated} more than once")


def check_dm_length(n: int, horizon: int, where: str) -> None:
    """Refuse, before any training, a part too short for the Diebold-Mariano columns."""
    need = dm_min_length(horizon)
    if n < need:
        raise DataError(f"The {where} has {n} target(s); the Diebold-Mariano tests with horizon={horizon} need "
                        f"at least {need}. Use a longer part (split/folds) or a shorter horizon.")


def check_not_constant(windows: Windows) -> None:
    """Refuse a constant target: skill and Diebold-Mariano tests would be ratios of round-off."""
    y = windows.values[:, 0]
    if len(y) and np.ptp(y) == 0:
        raise DataError(f"The target {windows.target!r} is constant (every value is {y[0]!r}): there is nothing "
                        "to forecast, and skill and Diebold-Mariano tests are undefined.")


def resolve_levels(levels, windows: Windows, estimators: Mapping,
                   method: str = "auto") -> tuple[tuple[float, ...], bool]:
    """``(levels, strict)``: the levels to score and whether a too-short calibration part is an
    error (levels given by the caller) or a note in the table (the default levels)."""
    method = check_interval_method(method)
    if levels is None:
        check_own_levels(estimators, DEFAULT_LEVELS, method)
        return DEFAULT_LEVELS, False
    levels = check_interval_levels(levels)
    check_own_levels(estimators, levels, method)
    if levels and any(not has_own_intervals(e, method) for e in estimators.values()):
        check_calibration_size(windows, levels)  # before any training
    return levels, True
