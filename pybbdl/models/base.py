"""The forecaster contract: what :func:`~pybbdl.evaluation.compare`, :func:`~pybbdl.evaluation.backtest`
and the forecast workflows rely on, and nothing more.

**One contract, two speeds.** Every model answers one question: *fitted on the data up to an origin,
what are its forecasts of steps 1..H from that origin?* Scoring past origins (compare, backtest,
conformal calibration) and forecasting from today (:mod:`pybbdl.workflows.future`, the origin after
the last observation) are that question at different origins. Two shapes answer it:

* the **series** shape (:mod:`pybbdl.models.series`: ``fit(y, period)`` on the data up to the
  origin, ``forecast(h, levels)`` from it) is the contract itself, one origin per fit; the
  evaluation layer rolls a series-only model over a part's origins with
  :class:`~pybbdl.models.series.SeriesOrigins` (one refit per origin, an expanding window);
* the **windows** shape below is the fast path: fitted once on the training part, ``predict``
  answers for every origin of a part at once (ARIMA filters the series once, ETS/Theta/AR run
  their recursions, the networks predict batched windows), with the parameters of that one fit.

* the **global** shape (:class:`~pybbdl.models.global_nbeats.NBeatsGlobal`, used by
  :func:`~pybbdl.workflows.panel.forecast_panel`) asks the same question of many series at
  once: ``fit(ys)`` on a list of 1-d series, each cut at its own origin (a panel's training
  parts), then ``forecast(ys) -> list`` of arrays of steps 1..H from each series' origin, and
  optionally ``forecast_intervals(ys, levels) -> list`` of ``{level: (lower, upper)}``. One network
  (or ensemble) learns from every series; the origin is still "the end of the data given";
* a **combination** (:class:`~pybbdl.workflows.combinations.PanelCombination`) answers it from
  its members' answers at that origin (fixed weights, or weights chosen on a validation window
  cut from the training part, never the test part).

A model that has both (ARIMA, ETS, Theta, AR, naive, gbm, ...) is one class whose ``fit`` takes
either a :class:`~pybbdl.windows.Windows` or a 1-d series; the registry
(:mod:`pybbdl.models.registry`) names the class for each shape. Any object that follows it can be compared
with pybbdl's models, from Python or R, without changing pybbdl (and need not subclass
:class:`BaseForecaster`, which only saves typing).

Required:

* ``fit(windows) -> self``: learn from the **training part** of a
  :class:`~pybbdl.windows.Windows` (``windows.X("train")``, ``windows.targets("train")``, or the raw
  series ``windows.values[:windows.bounds["train"][1]]``); the validation part may be used for
  early stopping, never the test part. Everything learned is stored in attributes whose names
  end in ``_`` (``coef_``, ``model_``, ...); the constructor only stores its arguments.
* ``predict(windows, part) -> array (n_windows(part),)``: the forecasts of the part's targets
  from the part's origins (``windows.target_positions(part) - windows.horizon``), in the
  target's **original units** (``windows.inverse_target`` undoes the scaling). Using data up
  to each origin only. ``predict`` does not change the model: calling it twice, or on another
  part, gives the same numbers and leaves every attribute as it was.

Optional (used when present):

* ``stochastic`` (class attribute, default False): True = random initialisation; the
  comparison then trains one copy per seed and reports mean and sd.
* ``random_state`` parameter, set through ``set_params(random_state=seed)`` (or the attribute)
  for each seed of a stochastic model; ``clone()`` -> an unfitted copy (else ``copy.deepcopy``).
* ``predict_interval(windows, part, levels) -> {level: (lower, upper)}``: the model's own
  prediction intervals around ``predict``'s forecasts, one value per window of the part in
  original units, for each level in (0, 1) (validated with
  :func:`pybbdl.models.series.check_levels`; a level outside (0, 1) is an ``ArgumentError``).
  Data up to each origin only, like ``predict``. ARIMA (exact state-space variance, equal to R's
  ``forecast(Arima(...))``), ETS (analytic as R's ``forecast(ets(...))``), Theta, AR, the
  random walk on the mean and VAR have it; models without it get split-conformal intervals
  from the evaluation layer.
* ``interval_levels`` (with ``predict_interval``): the levels ``predict_interval`` can give;
  absent = any level. Empty = none: the evaluation layer then uses split-conformal intervals
  (:func:`pybbdl.evaluation.intervals.has_own_intervals`), as for a
  :class:`~pybbdl.models.neural.NeuralForecaster` without ``quantiles``; a run asking for other
  levels is refused before training.
* ``describe() -> str``: a one-line description of the fitted model (the ``spec`` column).
* ``notes_``: list of strings the table should show (e.g. "did not converge").
* ``history_`` (``{"loss": [...], "val_loss": [...]}``), ``epochs_run_``, ``fit_seconds_``,
  ``n_params_``: shown in the tables and the training plot.
* ``get_params()``: recorded in the run's settings; ``save(path)``/``load(path)``: persistence.
* ``predict_horizons(windows, part) -> array (n_windows(part), len(windows.horizons))``: every
  horizon of multi-horizon windows at once (``prepare_windows(..., horizons=...)``); models
  without it are fitted once per horizon (:class:`pybbdl.models.horizons.DirectForecaster`).
* ``uses_known`` (class attribute, default False): True = the model feeds the windows'
  future-known columns (``windows.known``, ``windows.future_path(part)``) into its forecasts;
  :func:`pybbdl.forecast_conditional` refuses models without it.

Errors a model raises on purpose should be :mod:`pybbdl.exceptions` types; a
:class:`~pybbdl.exceptions.ModelFitError` from ``fit`` is reported in the table (the model gets
NaN scores and a note) instead of ending the run.
"""

from __future__ import annotations

import copy
import inspect

import numpy as np

from pybbdl.exceptions import ArgumentError, ArgumentTypeError, NotFittedError
from pybbdl.windows import Windows


class BaseForecaster:
    """A convenient base for the contract above: stores its keyword arguments verbatim and
    provides ``get_params``, ``set_params``, ``clone`` and ``repr``; ``fit`` validates and learns
    (attributes ending in ``_``)."""

    #: Whether the model is trained with random initialisation (shown with mean ± sd over seeds).
    stochastic = False
    #: Whether the model uses the windows' future-known columns (conditional forecasts).
    uses_known = False

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
