"""Estimators and Keras builders. Importing this package does not import TensorFlow.

:func:`make_model` turns a model name (the book's models, the baselines) into an estimator; the names,
their classes, defaults and capabilities live in one place, :mod:`pybbdl.models.registry`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

from pybbdl.models.arima import ArimaForecaster
from pybbdl.models.base import BaseForecaster
from pybbdl.models.baselines import NaiveForecaster, SeasonalNaiveForecaster, evaluate_naive_method
from pybbdl.models.neural import NeuralForecaster
from pybbdl.models.autoregressive import ArForecaster, RandomWalkMeanForecaster, VarForecaster
from pybbdl.models.combination import CombinationForecaster
from pybbdl.models.ets import EtsForecaster
from pybbdl.models.theta import ThetaForecaster
from pybbdl.exceptions import ArgumentError, ArgumentTypeError
from pybbdl.models import registry as _registry
from pybbdl.models.registry import get_spec, model_names, model_table, register_model, unregister_model


def __getattr__(name: str):
    # MODEL_SPECS / MODEL_NAMES are views of the registry (pybbdl.models.registry), computed when read
    # so that models registered later appear; AutoArima loads scipy's optimiser: imported when asked for
    if name == "MODEL_SPECS":
        return {n: (_registry.get_spec(n).load("windows"), dict(_registry.get_spec(n).defaults))
                for n in _registry.model_names("windows")}
    if name == "MODEL_NAMES":
        return _registry.model_names("windows")
    if name == "AutoArima":
        from pybbdl.models.auto_arima import AutoArima

        return AutoArima
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _check_name(name) -> None:
    get_spec(name, "windows")


def _check_unique(names) -> None:
    """Refuse a model named twice: the table has one row per name, so a repeat would silently vanish."""
    repeated = sorted({n for n in names if list(names).count(n) > 1})
    if repeated:
        raise ArgumentError(f"`models` must name each model once (one table row per name). Received: "
                            f"{repeated} more than once in {list(names)}")


def model_params(name: str) -> list[str]:
    """The parameters the estimator behind a model name takes (windowed contract)."""
    return get_spec(name, "windows").param_names("windows")


def make_model(name: str, **params) -> BaseForecaster:
    """An unfitted estimator for a model name, with `params` overriding its defaults.

    Raises:
        ArgumentError: unknown model name, or a parameter the estimator does not take (the
            message lists the valid ones).
    """
    return get_spec(name, "windows").build("windows", **params)


def is_per_model(params, names) -> bool:
    """True when `params` is the per-model form ``{"gru": {"units": 64}}``; refuses a mix of the two
    forms (``{"epochs": 1, "gru": {...}}``), which would be ambiguous."""
    if not params:
        return False
    nested = [k for k, v in params.items() if isinstance(v, Mapping)]
    if not nested:
        return False
    flat = [k for k in params if k not in nested]
    if flat:
        raise ArgumentError(f"`params` must be either per model ({{\"gru\": {{\"units\": 64}}}}) or the old flat form, "
                            f"not both. Received: per-model keys {nested} and flat keys {flat}")
    return True


def check_per_model(params: Mapping, names, where: str = "`params`") -> dict[str, dict]:
    """``{model: {param: value}}`` checked: every model is one of `names` (given by name), every key a
    parameter of that model (the message lists the valid ones)."""
    out = {}
    names = list(names)
    for model, kw in params.items():
        if model not in names:
            raise ArgumentError(f"{where} names model {model!r}, which is not in the run. Models of the run: {names}")
        if not isinstance(kw, Mapping):
            raise ArgumentTypeError(f"{where}[{model!r}] must be a dict of parameters. Received: {kw!r}")
        valid = model_params(model)
        unknown = [k for k in kw if k not in valid]
        if unknown:
            raise ArgumentError(f"{where}[{model!r}] has unknown parameter(s) {unknown}. Valid parameters of "
                                f"{model!r}: {valid}")
        out[model] = dict(kw)
    return out


def make_models(names, params=None) -> dict[str, BaseForecaster]:
    """``{name: unfitted estimator}``.

    `params` is per model, ``{"gru": {"units": 64}, "arima": {"max_p": 5}}``: each model gets its
    own, and an unknown model or parameter is an error naming the valid ones. The old flat form
    (``{"epochs": 3, "max_p": 2}``: each key to every model that takes it, each key taken by at
    least one) still works for this release with a FutureWarning.
    """
    names = list(names)
    for name in names:
        _check_name(name)
    _check_unique(names)
    params = dict(params or {})
    if is_per_model(params, names):
        per = check_per_model(params, names)
        return {name: make_model(name, **per.get(name, {})) for name in names}
    if params:
        warnings.warn("A flat `params` dict (each key to every model that takes it) is deprecated and will be "
                      "removed in the next release: give parameters per model, e.g. "
                      "params={\"gru\": {\"units\": 64}}.", FutureWarning, stacklevel=2)
    valid = sorted({p for name in names for p in model_params(name)})
    unknown = [k for k in params if k not in valid]
    if unknown:
        raise ArgumentError(f"`params` has key(s) {unknown} that none of the models {names} takes. "
                            f"Valid keys: {valid}")
    return {name: make_model(name, **{k: v for k, v in params.items() if k in model_params(name)})
            for name in names}


__all__ = ["MODEL_NAMES", "MODEL_SPECS", "check_per_model", "get_spec", "is_per_model", "model_names", "model_table",
           "register_model", "unregister_model", "ArForecaster", "ArimaForecaster", "BaseForecaster", "CombinationForecaster",
           "EtsForecaster", "NaiveForecaster", "NeuralForecaster", "RandomWalkMeanForecaster",
           "SeasonalNaiveForecaster", "ThetaForecaster", "VarForecaster", "evaluate_naive_method", "make_model", "make_models", "model_params"]
