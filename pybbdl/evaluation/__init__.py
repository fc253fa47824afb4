"""Score forecasters on identical targets, in original units: MAE, RMSE, skill vs naive,
Diebold-Mariano tests against baselines, several seeds, rolling-origin backtests.

Modules: :mod:`~pybbdl.evaluation.metrics` (the metric registry: MAE, RMSE, skill, interval and
distribution scores; :func:`register_metric` adds yours), :mod:`~pybbdl.evaluation.dm`
(Diebold-Mariano, as R's ``dm.test``), :mod:`~pybbdl.evaluation.compare` (fit every model once per
seed, score, tables), :mod:`~pybbdl.evaluation.backtest` (rolling origin),
:mod:`~pybbdl.evaluation.intervals` (split-conformal intervals, coverage, Winkler, pinball, CRPS),
:mod:`~pybbdl.evaluation.nested` (Clark-West for nested models, Hansen's model confidence set).
"""

from pybbdl.evaluation.dm import ALTERNATIVES, DMResult, diebold_mariano, dm_min_length, dm_test
from pybbdl.evaluation.intervals import conformal_intervals, winkler_score
from pybbdl.evaluation.metrics import (get_metric, interval_scores, mae, metric_table, register_metric, rmse, skill_pct,
                                       unregister_metric)
from pybbdl.evaluation.nested import clark_west, model_confidence_set
from pybbdl.evaluation.compare import Comparison, compare, long_table
from pybbdl.evaluation.backtest import backtest

__all__ = ["ALTERNATIVES", "Comparison", "DMResult", "backtest", "clark_west", "compare", "conformal_intervals",
           "diebold_mariano", "dm_min_length", "dm_test", "get_metric", "interval_scores", "long_table", "mae",
           "metric_table", "model_confidence_set", "register_metric", "rmse", "skill_pct", "unregister_metric",
           "winkler_score"]
