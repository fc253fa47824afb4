"""Several horizons at once with any forecaster: the direct strategy (one fitted copy per horizon).

Models with their own ``predict_horizons(windows, part)`` (networks: one MIMO network with one
output per horizon; ARIMA, ETS, Theta, iterated AR, VAR: one fit, iterated forecasts; the naive
baselines) are used as they are; :class:`DirectForecaster` gives every other forecaster the same method by fitting one copy
of it per horizon on windows whose target lies ``h`` steps ahead.
"""

from __future__ import annotations

import copy

import numpy as np

from pybbdl.exceptions import ArgumentError
from pybbdl.models.base import BaseForecaster
from pybbdl.windows import Windows


def at_horizon(windows: Windows, h: int) -> Windows:
    """The same data, split and scaling, with the single horizon `h` (future-known path of `h` steps)."""
    out = Windows(windows.frame, lookback=windows.lookback, horizon=int(h), step=windows.step,
                  bounds=dict(windows.bounds), scaler=windows.scaler, known=windows.known)
    out.future_origin = windows.future_origin
    return out


def _select(windows: Windows, single: Windows, part: str) -> np.ndarray:
    """Positions, among `single`'s origins of `part`, of `windows`' origins of `part`."""
    rows, rows_h = windows.rows(part), single.rows(part)
    pos = np.searchsorted(rows_h, rows)
    if len(rows) and (pos.max() >= len(rows_h) or not np.array_equal(rows_h[pos], rows)):
        raise ArgumentError(f"The {part} part's origins are not all available at horizon {single.horizon}.")
    return pos


class DirectForecaster(BaseForecaster):
    """The direct multi-horizon strategy: one copy of `estimator` fitted per horizon.

    Args:
        estimator: Any forecaster (fit(windows), predict(windows, part)); cloned per horizon.

    Attributes:
        models_: ``{h: fitted copy}``.
    """

    def __init__(self, estimator):
        self.estimator = estimator

    @property
    def stochastic(self) -> bool:
        return bool(getattr(self.estimator, "stochastic", False))

    @property
    def uses_known(self) -> bool:
        return bool(getattr(self.estimator, "uses_known", False))

    def set_params(self, **params) -> DirectForecaster:
        if set(params) == {"random_state"}:  # a seed goes to the wrapped model
            est = self.estimator
            if callable(getattr(est, "set_params", None)):
                est.set_params(**params)
            else:
                est.random_state = params["random_state"]
            return self
        return super().set_params(**params)

    def clone(self) -> DirectForecaster:
        est = self.estimator
        return DirectForecaster(est.clone() if callable(getattr(est, "clone", None)) else copy.deepcopy(est))

    def fit(self, windows: Windows) -> DirectForecaster:
        windows = self._check_windows(windows)
        self.models_ = {}
        for h in windows.horizons:
            model = self.clone().estimator
            model.fit(at_horizon(windows, h))
            self.models_[h] = model
        first = self.models_[windows.horizons[0]]
        for attr in ("history_", "n_params_", "notes_"):
            if hasattr(first, attr):
                setattr(self, attr, getattr(first, attr))
        self.epochs_run_ = float(np.mean([getattr(m, "epochs_run_", np.nan) for m in self.models_.values()]))
        self.fit_seconds_ = float(np.sum([getattr(m, "fit_seconds_", 0.0) for m in self.models_.values()]))
        self.fitted_ = True
        return self

    def predict_horizons(self, windows: Windows, part: str) -> np.ndarray:
        """Forecasts ``(n_windows, len(horizons))``: the copy fitted for each horizon."""
        self._check_fitted()
        windows = self._check_windows(windows)
        missing = [h for h in windows.horizons if h not in self.models_]
        if missing:
            raise ArgumentError(f"No model was fitted for horizon(s) {missing}; fitted: {sorted(self.models_)}")
        out = []
        for h in windows.horizons:
            single = at_horizon(windows, h)
            pred = np.asarray(self.models_[h].predict(single, part), dtype=float).reshape(-1)
            out.append(pred[_select(windows, single, part)])
        return np.column_stack(out)

    def predict(self, windows: Windows, part: str) -> np.ndarray:
        return self.predict_horizons(windows, part)[:, -1]

    def describe(self) -> str:
        self._check_fitted()
        inner = next(iter(self.models_.values()))
        text = inner.describe() if callable(getattr(inner, "describe", None)) else type(inner).__name__
        return f"direct, one per horizon {min(self.models_)}..{max(self.models_)}: {text}"
