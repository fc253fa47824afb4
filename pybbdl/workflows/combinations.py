"""Panel combinations: the forecasts of several models of a :func:`~pybbdl.workflows.panel.forecast_panel`
run, combined per series (the registry's ``"combination"`` contract).

Two kinds, both registered in :mod:`pybbdl.models.registry` (``model_names("combination")``):

* fixed (``weights="equal"``): the mean (or the run's ``combine``, median) of the members'
  forecasts; ``comb``, ``comb_shd``, ``comb_tdn``, ``comb_etn``, ``comb_eatn``, made whenever their members all run;
* chosen without peeking (capability ``validation``): each member is also fitted on the series'
  training part less its last ``h`` values and forecasts those ``h`` values (the validation
  window; the test part is never read); the members' sMAPE there gives the weights
  (``"inverse_smape"``: proportional to 1 / sMAPE) or the member (``"select"``: the lowest sMAPE,
  ties to the first member) that combine the members' test forecasts (fitted on the whole
  training part). Where the validation window cannot be had (a training part of fewer than
  ``h + 7`` values, or a member failing on it) the weights are equal and the series' note says so.
"""

from __future__ import annotations

import numpy as np

from pybbdl.exceptions import ArgumentError, ArgumentTypeError

#: The weighting rules: the fixed one and those chosen on the validation window.
WEIGHTS = {"equal": "the mean of the members (median with combine='median')",
           "inverse_smape": "weights proportional to 1 / sMAPE of each member on the validation window",
           "select": "the member with the lowest sMAPE on the validation window"}
#: Fewest training values left after the validation window is cut (ETS's own minimum).
MIN_VALIDATION_TRAIN = 7


class PanelCombination:
    """A combination of panel members.

    Args:
        members: At least two distinct model names (each a series-contract or global model).
        weights: One of :data:`WEIGHTS`.
    """

    def __init__(self, members=(), weights: str = "equal"):
        if isinstance(members, str) or not isinstance(members, (list, tuple)):
            raise ArgumentTypeError(f"`members` must be a list of model names. Received: {members!r}")
        members = tuple(members)
        if len(members) < 2 or not all(isinstance(m, str) and m for m in members):
            raise ArgumentError(f"`members` must name at least 2 models. Received: {list(members)}")
        dup = sorted({m for m in members if members.count(m) > 1})
        if dup:
            raise ArgumentError(f"`members` must name each model once. Received: {dup} more than once")
        if not isinstance(weights, str) or weights not in WEIGHTS:
            raise ArgumentError(f"`weights` must be one of {', '.join(map(repr, WEIGHTS))}. Received: {weights!r}")
        self.members = members
        self.weights = weights

    @property
    def validation(self) -> bool:
        """Whether its weights are chosen on a validation window."""
        return self.weights != "equal"

    def choose(self, val_forecasts: np.ndarray, val_actual: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Weights (summing to 1) from the members' forecasts (k, h) of the validation window and
        its actual values (h,); also the members' validation sMAPE."""
        from pybbdl.evaluation.scale_free import smape

        f = np.asarray(val_forecasts, dtype=float)
        a = np.asarray(val_actual, dtype=float)
        if f.ndim != 2 or f.shape != (len(self.members), a.shape[0]) or not np.all(np.isfinite(f)):
            raise ArgumentError(f"`val_forecasts` must be finite, one row of {a.shape[0]} values per member "
                                f"({len(self.members)}). Received: shape {f.shape}")
        scores = np.array([float(np.nanmean(smape(a, row))) for row in f])
        if self.weights == "equal" or not np.all(np.isfinite(scores)):
            return np.full(len(f), 1.0 / len(f)), scores
        if self.weights == "select":
            w = np.zeros(len(f))
            w[int(np.argmin(scores))] = 1.0
            return w, scores
        inv = 1.0 / np.maximum(scores, 1e-8)
        return inv / inv.sum(), scores

    def combine(self, forecasts: np.ndarray, weights: np.ndarray | None = None, how: str = "mean") -> np.ndarray:
        """The combined forecast from the members' forecasts (k, h)."""
        f = np.asarray(forecasts, dtype=float)
        if weights is None:
            return np.median(f, axis=0) if how == "median" else np.mean(f, axis=0)
        return np.asarray(weights, dtype=float) @ f
