"""Score forecasters on identical targets, in original units: MAE, RMSE, skill vs naive,
Diebold-Mariano tests against baselines, several seeds, rolling-origin backtests.

Modules: :mod:`~pybbdl.evaluation.metrics` (MAE, RMSE, skill), :mod:`~pybbdl.evaluation.dm`
(Diebold-Mariano, as R's ``dm.test``), :mod:`~pybbdl.evaluation.compare` (fit every model once per
seed, score, tables), :mod:`~pybbdl.evaluation.backtest` (rolling origin),
:mod:`~pybbdl.evaluation.intervals` (split-conformal intervals, coverage, Winkler, pinball, CRPS),
:mod:`~pybbdl.evaluation.nested` (Clark-West for nested models, Hansen's model confidence set).
"""

from pybbdl.evaluation.dm import ALTERNATIVES, DMResult, diebold_mariano, dm_min_length, dm_test
from pybbdl.evaluation.metrics import mae, rmse, skill_pct
from pybbdl.evaluation.intervals import conformal_intervals, interval_scores, winkler_score
from pybbdl.evaluation.nested import clark_west, model_confidence_set
from pybbdl.evaluation.compare import Comparison, compare, long_table
from pybbdl.evaluation.backtest import backtest

__all__ = ["ALTERNATIVES", "Comparison", "DMResult", "backtest", "clark_west", "compare", "conformal_intervals",
           "diebold_mariano", "dm_min_length", "dm_test", "interval_scores", "long_table", "mae",
           "model_confidence_set", "rmse", "skill_pct", "winkler_score"]
