"""The estimator contract shared by every forecaster (scikit-learn style, darts names).

A forecaster is fitted on a :class:`~pybbdl.windows.Windows` (it uses the training part only,
and the validation part for early stopping where it has any) and predicts the targets of a part
in original units, so every model is scored on the same origins.
"""

from __future__ import annotations

import copy
import inspect

import numpy as np

from pybbdl.exceptions import ArgumentError, ArgumentTypeError, NotFittedError
from pybbdl.windows import Windows


class BaseForecaster:
    """Stores its keyword arguments verbatim; ``fit`` validates and learns (attributes ending in ``_``)."""

    #: Whether the model is trained with random initialisation (shown with mean ± sd over seeds).
    stochastic = False

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p.name for p in sig.parameters.values() if p.name != "self"]

    def get_params(self) -> dict:
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params) -> BaseForecaster:
        valid = self._param_names()
        for key, value in params.items():
            if key not in valid:
                raise ArgumentError(f"Invalid parameter {key!r} for {type(self).__name__}. Valid: {valid}")
            setattr(self, key, value)
        return self

    def clone(self) -> BaseForecaster:
        """A new, unfitted estimator with the same parameters."""
        return type(self)(**copy.deepcopy(self.get_params()))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def _check_fitted(self) -> None:
        if not getattr(self, "fitted_", False):
            raise NotFittedError(f"This {type(self).__name__} is not fitted yet: call fit(windows) first.")

    @staticmethod
    def _check_windows(windows) -> Windows:
        if not isinstance(windows, Windows):
            raise ArgumentTypeError(
                f"`windows` must be a pybbdl.windows.Windows (from prepare_windows). Received: {type(windows).__name__}"
            )
        return windows

    def fit(self, windows: Windows) -> BaseForecaster:  # pragma: no cover - interface
        raise NotImplementedError

    def predict(self, windows: Windows, part: str) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError
