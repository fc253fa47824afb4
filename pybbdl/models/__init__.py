"""Estimators and Keras builders. Importing this package does not import TensorFlow.

:func:`make_model` turns a model name (the book's models, the baselines) into an estimator.
"""

from __future__ import annotations

from pybbdl.models.arima import ArimaForecaster
from pybbdl.models.base import BaseForecaster
from pybbdl.models.baselines import NaiveForecaster, SeasonalNaiveForecaster, evaluate_naive_method
from pybbdl.models.neural import NeuralForecaster
from pybbdl.models.statistical import (ArForecaster, CombinationForecaster, EtsForecaster, RandomWalkMeanForecaster,
                                       ThetaForecaster, VarForecaster)
from pybbdl.exceptions import ArgumentError

#: Model names and the estimator parameters they stand for (DLwR §6.3 and the baselines).
MODEL_SPECS: dict[str, tuple[type, dict]] = {
    "naive": (NaiveForecaster, {}),
    "seasonal_naive": (SeasonalNaiveForecaster, {}),
    "arima": (ArimaForecaster, {}),
    "ets": (EtsForecaster, {}),
    "theta": (ThetaForecaster, {}),
    "ar": (ArForecaster, {"method": "iterated"}),
    "ar_direct": (ArForecaster, {"method": "direct"}),
    "rw_mean": (RandomWalkMeanForecaster, {"k": 4}),
    "var": (VarForecaster, {}),
    "combo_mean": (CombinationForecaster, {"members": ("ets", "theta", "ar"), "method": "mean"}),
    "combo_median": (CombinationForecaster, {"members": ("ets", "theta", "ar"), "method": "median"}),
    "combo_inverse_mse": (CombinationForecaster, {"members": ("ets", "theta", "ar"), "method": "inverse_mse"}),
    "dense": (NeuralForecaster, {"architecture": "dense", "units": 32}),
    "simple_rnn": (NeuralForecaster, {"architecture": "simple_rnn", "units": 32}),
    "lstm": (NeuralForecaster, {"architecture": "lstm", "units": 32}),
    "gru": (NeuralForecaster, {"architecture": "gru", "units": 32}),
    "gru_dropout": (NeuralForecaster, {"architecture": "gru", "units": 32, "dropout": 0.2,
                                       "recurrent_dropout": 0.2}),
    "stacked_gru": (NeuralForecaster, {"architecture": "gru", "units": 32, "layers": 2, "top_units": 64,
                                       "dropout": 0.1, "recurrent_dropout": 0.5}),
    "bidirectional_gru": (NeuralForecaster, {"architecture": "gru", "units": 32, "bidirectional": True}),
    "conv1d": (NeuralForecaster, {"architecture": "conv1d", "units": 32}),
}
MODEL_NAMES = tuple(MODEL_SPECS)


def __getattr__(name: str):
    # the series-level auto ARIMA loads scipy's optimiser and filters: imported when asked for
    if name == "AutoArima":
        from pybbdl.models.arima_search import AutoArima

        return AutoArima
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _check_name(name) -> None:
    if name not in MODEL_SPECS:
        raise ArgumentError(f"Unknown model {name!r}. Known models: {', '.join(MODEL_NAMES)}")


def _check_unique(names) -> None:
    """Refuse a model named twice: the table has one row per name, so a repeat would silently vanish."""
    repeated = sorted({n for n in names if list(names).count(n) > 1})
    if repeated:
        raise ArgumentError(f"`models` must name each model once (one table row per name). Received: "
                            f"{repeated} more than once in {list(names)}")


def model_params(name: str) -> list[str]:
    """The parameters the estimator behind a model name takes."""
    _check_name(name)
    return MODEL_SPECS[name][0]._param_names()


def make_model(name: str, **params) -> BaseForecaster:
    """An unfitted estimator for a model name, with `params` overriding its defaults.

    Raises:
        ArgumentError: unknown model name, or a parameter the estimator does not take (the
            message lists the valid ones).
    """
    _check_name(name)
    cls, defaults = MODEL_SPECS[name]
    accepted = cls._param_names()
    unknown = [k for k in params if k not in accepted]
    if unknown:
        raise ArgumentError(f"Unknown parameter(s) {unknown} for model {name!r}. Valid: {accepted}")
    return cls(**{**defaults, **params})


def make_models(names, params=None) -> dict[str, BaseForecaster]:
    """``{name: unfitted estimator}`` with one shared `params` dict.

    Each model gets the keys it takes (``epochs`` goes to the neural models, ``max_p`` to
    ``arima``), so one set of options serves a whole comparison; but every key must be taken by
    at least one of the models, so a typo (``{"epoch": 1}``) is an error listing the valid keys
    instead of being dropped silently.
    """
    names = list(names)
    for name in names:
        _check_name(name)
    _check_unique(names)
    params = dict(params or {})
    valid = sorted({p for name in names for p in model_params(name)})
    unknown = [k for k in params if k not in valid]
    if unknown:
        raise ArgumentError(f"`params` has key(s) {unknown} that none of the models {names} takes. "
                            f"Valid keys: {valid}")
    return {name: make_model(name, **{k: v for k, v in params.items() if k in model_params(name)})
            for name in names}


__all__ = ["MODEL_NAMES", "MODEL_SPECS", "ArForecaster", "ArimaForecaster", "BaseForecaster", "CombinationForecaster",
           "EtsForecaster", "NaiveForecaster", "NeuralForecaster", "RandomWalkMeanForecaster",
           "SeasonalNaiveForecaster", "ThetaForecaster", "VarForecaster", "evaluate_naive_method", "make_model", "make_models", "model_params"]
