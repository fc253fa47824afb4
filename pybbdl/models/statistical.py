"""Statistical baselines of the macro-forecasting literature, with their own prediction intervals:
an index of where each one lives (this module holds no code of its own).

Every model here follows **both** contracts, the windowed one (:mod:`pybbdl.models.base`) and
the series-level one (:mod:`pybbdl.models.series`), through their shared base
:class:`pybbdl.models.local_base._Dual` (the helpers ``check_series``, ``_normal_quantile``, ...
live there too).

Models (the names in :data:`pybbdl.models.MODEL_SPECS`), by module:

* ``ets`` -- :class:`pybbdl.models.ets.EtsForecaster`, exponential smoothing chosen by AICc over
  the model space of R's ``forecast::ets`` (with ``ets_candidates``, ``ETS_ENGINES``);
* ``theta`` -- :class:`pybbdl.models.theta.ThetaForecaster`, the Theta method (statsmodels
  ``ThetaModel``);
* ``ar`` / ``ar_direct`` -- :class:`pybbdl.models.autoregressive.ArForecaster`, AR(p) with p by
  BIC, iterated or direct (with ``fit_ar_by_bic``);
* ``rw_mean`` -- :class:`pybbdl.models.autoregressive.RandomWalkMeanForecaster`, the random walk
  on the mean of the last k periods (Atkeson and Ohanian 2001);
* ``var`` -- :class:`pybbdl.models.autoregressive.VarForecaster`, a VAR on all the windows'
  columns (windowed only);
* ``combo_mean``, ``combo_median``, ``combo_inverse_mse`` --
  :class:`pybbdl.models.combination.CombinationForecaster`.

:func:`forecast_series` (one series, any model with the series contract) is
:func:`pybbdl.models.series.forecast_series`.

Every name this module held before the split (issue 21) is still importable from it; code inside
pybbdl imports from the modules above, never from here.
"""

from __future__ import annotations

from pybbdl.models.autoregressive import ArForecaster, RandomWalkMeanForecaster, VarForecaster, fit_ar_by_bic
from pybbdl.models.combination import CombinationForecaster
from pybbdl.models.ets import ETS_ENGINES, EtsForecaster, ets_candidates
from pybbdl.models.local_base import check_series
from pybbdl.models.series import forecast_series
from pybbdl.models.theta import ThetaForecaster

# the private names this module held before the split, for code that reached into it
from pybbdl.models.autoregressive import _lagged, _ols, _psi_weights, _trailing_means  # noqa: F401
from pybbdl.models.ets import (_ERRORS, _KERNELS, _SEASONS, _ets_kernel, _ets_name, _fit_ets,  # noqa: F401
                               _r_npars, _smooth_r_fit)
from pybbdl.models.local_base import _check_period, _Dual, _index_period, _normal_quantile  # noqa: F401

__all__ = ["ETS_ENGINES", "ArForecaster", "CombinationForecaster", "EtsForecaster", "RandomWalkMeanForecaster",
           "ThetaForecaster", "VarForecaster", "check_series", "ets_candidates", "fit_ar_by_bic", "forecast_series"]
