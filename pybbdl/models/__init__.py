"""Estimators and Keras builders. Importing this package does not import TensorFlow.

:func:`make_model` turns a model name (the book's models, the baselines) into an estimator.
"""

from __future__ import annotations

from pybbdl.models.arima import ArimaForecaster
from pybbdl.models.base import BaseForecaster
from pybbdl.models.baselines import NaiveForecaster, SeasonalNaiveForecaster, evaluate_naive_method
from pybbdl.models.neural import NeuralForecaster
from pybbdl.exceptions import ArgumentError

#: Model names and the estimator parameters they stand for (DLwR §6.3 and the baselines).
MODEL_SPECS: dict[str, tuple[type, dict]] = {
    "naive": (NaiveForecaster, {}),
    "seasonal_naive": (SeasonalNaiveForecaster, {}),
    "arima": (ArimaForecaster, {}),
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


def make_model(name: str, **params) -> BaseForecaster:
    """An unfitted estimator for a model name, with `params` overriding its defaults.

    Parameters that the estimator does not take (``epochs`` for ``naive``, say) are ignored, so
    one set of training options can be passed to every model of a comparison.

    Raises:
        ValueError: unknown model name.
    """
    if name not in MODEL_SPECS:
        raise ArgumentError(f"Unknown model {name!r}. Known models: {', '.join(MODEL_NAMES)}")
    cls, defaults = MODEL_SPECS[name]
    accepted = set(cls._param_names())
    kwargs = {**defaults, **{k: v for k, v in params.items() if k in accepted}}
    return cls(**kwargs)


__all__ = ["MODEL_NAMES", "MODEL_SPECS", "ArimaForecaster", "BaseForecaster", "NaiveForecaster", "NeuralForecaster",
           "SeasonalNaiveForecaster", "evaluate_naive_method", "make_model"]
