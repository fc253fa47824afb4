"""Score forecasters on identical targets, in original units: MAE, RMSE, skill vs naive,
Diebold-Mariano tests against baselines, several seeds, rolling-origin backtests.

Modules: :mod:`~pybbdl.evaluation.metrics` (MAE, RMSE, skill), :mod:`~pybbdl.evaluation.dm`
(Diebold-Mariano, as R's ``dm.test``), :mod:`~pybbdl.evaluation.compare` (fit every model once per
seed, score, tables), :mod:`~pybbdl.evaluation.backtest` (rolling origin).
"""

from pybbdl.evaluation.dm import ALTERNATIVES, DMResult, diebold_mariano, dm_min_length, dm_test
from pybbdl.evaluation.metrics import mae, rmse, skill_pct
from pybbdl.evaluation.compare import Comparison, compare, long_table
from pybbdl.evaluation.backtest import backtest

__all__ = ["ALTERNATIVES", "Comparison", "DMResult", "backtest", "compare", "diebold_mariano", "dm_min_length",
           "dm_test", "long_table", "mae", "rmse", "skill_pct"]
