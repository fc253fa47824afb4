"""``combo_mean``, ``combo_median``, ``combo_inverse_mse``: :class:`CombinationForecaster`, a
combination of other forecasters' point forecasts (windowed and series contracts).

Panel combinations (``comb``, ``comb_ivw``, ...) are :mod:`pybbdl.workflows.combinations`.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from pybbdl.exceptions import ArgumentError, DataError
from pybbdl.models.base import BaseForecaster
from pybbdl.models.series import check_levels, forecast_frame
from pybbdl.windows import Windows


class CombinationForecaster(BaseForecaster):
    """A combination of other forecasters' point forecasts.

    Args:
        members: Model names of :data:`pybbdl.models.MODEL_SPECS` (with their defaults) or
            unfitted forecaster objects.
        method: ``"mean"``, ``"median"``, or ``"inverse_mse"``: weights proportional to
            ``1 / MSE`` of each member's forecasts on the **validation part** (the members are
            fitted on the training part only, so the weights are out of sample; the test part
            is never used).

    Both contracts: ``fit(windows)``/``predict``; ``fit(y, period)``/``forecast(h)`` for
    ``"mean"`` and ``"median"`` (no validation part there). No ``predict_interval``: the
    evaluation layer gives a combination conformal intervals.

    Attributes:
        members_: ``{name: fitted forecaster}``; weights_: ``{name: weight}`` (sum 1; for
        ``"median"`` NaN).
    """

    def __init__(self, members=("ets", "theta", "ar"), method: str = "mean"):
        self.members = members
        self.method = method

    def _make_members(self) -> dict:
        from pybbdl.models.registry import get_spec

        if self.method not in ("mean", "median", "inverse_mse"):
            raise ArgumentError(f'`method` must be "mean", "median" or "inverse_mse". Received: {self.method!r}')
        if isinstance(self.members, str) or not len(self.members):
            raise ArgumentError(f"`members` must be a list of at least one model name or forecaster. "
                                f"Received: {self.members!r}")
        out = {}
        for m in self.members:
            if isinstance(m, str):
                if m.startswith("combo"):
                    raise ArgumentError(f"`members` must not hold a combination. Received: {m!r}")
                out[m] = get_spec(m, "windows").build("windows")
            else:
                out[f"{type(m).__name__}_{len(out)}"] = m.clone() if hasattr(m, "clone") else m
        return out

    def fit(self, data, period=None):
        began = time.perf_counter()
        self.members_ = self._make_members()
        if isinstance(data, Windows):
            self.mode_ = "windows"
            for model in self.members_.values():
                model.fit(data)
            if self.method == "inverse_mse":
                if "val" not in data.bounds:
                    raise DataError("Inverse-MSE combination weights come from the validation part; these windows "
                                    "have none (split with a validation fraction).")
                actual = data.targets("val", scaled=False)
                mse = np.array([np.mean((np.asarray(m.predict(data, "val")) - actual) ** 2)
                                for m in self.members_.values()])
                w = 1 / np.maximum(mse, 1e-300)
                w = w / w.sum()
            elif self.method == "mean":
                w = np.full(len(self.members_), 1 / len(self.members_))
            else:
                w = np.full(len(self.members_), np.nan)
        else:
            if self.method == "inverse_mse":
                raise ArgumentError('`method="inverse_mse"` needs a validation part: use fit(windows). The series '
                                    'contract combines with "mean" or "median".')
            self.mode_ = "series"
            for model in self.members_.values():
                model.fit(data, period)
            w = np.full(len(self.members_), 1 / len(self.members_) if self.method == "mean" else np.nan)
        self.weights_ = dict(zip(self.members_, w.tolist()))
        self.notes_ = [f"{name}: {note}" for name, m in self.members_.items() for note in getattr(m, "notes_", [])]
        self.fit_seconds_ = time.perf_counter() - began
        self.fitted_ = True
        return self

    def _combine(self, preds: np.ndarray) -> np.ndarray:
        if self.method == "median":
            return np.median(preds, axis=0)
        return np.asarray(list(self.weights_.values())) @ preds

    def predict(self, windows: Windows, part: str) -> np.ndarray:
        self._check_fitted()
        return self._combine(np.stack([np.asarray(m.predict(windows, part), dtype=float)
                                       for m in self.members_.values()]))

    def forecast(self, h: int, levels=()) -> pd.DataFrame:
        self._check_fitted()
        if check_levels(levels):
            raise ArgumentError("A combination gives point forecasts only: call forecast(h) without `levels`.")
        preds = np.stack([m.forecast(h)["mean"].to_numpy() for m in self.members_.values()])
        return forecast_frame(self._combine(preds))

    def describe(self) -> str:
        self._check_fitted()
        if self.method == "median":
            return f"median of {', '.join(self.members_)}"
        return f"{self.method} combination: " + ", ".join(f"{n} {w:.2f}" for n, w in self.weights_.items())
