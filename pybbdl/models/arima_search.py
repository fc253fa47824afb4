"""Fast automatic ARIMA order search: exhaustive or stepwise (Hyndman-Khandakar), and `AutoArima`:
an index of where each part lives (this module holds no code of its own).

* :mod:`pybbdl.models.arima_likelihood` -- one candidate: ``Spec``, ``difference``, the exact
  likelihood without a Kalman loop (``_Likelihood``), ``Fit``, the engines (``ENGINES``,
  ``resolve_engine``) and ``fit_spec`` (R's ``arima(method = "CSS-ML")``);
* :mod:`pybbdl.models._optim` -- R's BFGS in numpy (``_vmmin``, the twin of the compiled kernel's);
* :mod:`pybbdl.models.arima_order` -- the order: ``number_of_differences``,
  ``number_of_seasonal_differences``, ``seasonal_strength``, the searches (``search_candidates``,
  ``exhaustive_specs``, ``stepwise_search``, ``auto_order``, ``forecaster_search``) and
  ``check_series``;
* :mod:`pybbdl.models.auto_arima` -- :class:`~pybbdl.models.auto_arima.AutoArima`, the
  series-level model (as R's ``forecast::auto.arima``), and ``warm_up``.

Every name this module held before the split (issue 21) is still importable from it, but
rebinding one here (a test's ``monkeypatch.setattr``) no longer reaches the code: patch the
module that holds it. Code inside pybbdl imports from the modules above, never from here.
"""

from __future__ import annotations

from pybbdl.models.arima_likelihood import (ENGINES, MIN_ROOT, Fit, Spec, difference, fit_spec,
                                            resolve_engine)
from pybbdl.models.arima_order import (CRITERIA, SEARCHES, SEASONAL_STRENGTH, SearchResult, auto_order, check_series,
                                       exhaustive_specs, forecaster_search, number_of_differences,
                                       number_of_seasonal_differences, search_candidates, seasonal_strength,
                                       stepwise_search)
from pybbdl.models.auto_arima import AutoArima, warm_up

# the private names this module held before the split, for code that reached into it
from pybbdl.models._optim import _NDEPS, _RELTOL, _gradient, _vmmin  # noqa: F401
from pybbdl.models.arima_likelihood import (_EMPTY, _KERNEL, _ONE, _coef_from_free, _constrain,  # noqa: F401
                                            _filter, _free_from_coef, _kernel, _Likelihood, _ma_optimum_on_boundary,
                                            _min_root, _min_root_of, _NumpyFit, _polys, _solve, _stationary,
                                            _unconstrain)
from pybbdl.models.arima_order import _check_bounds, _constants_for, _pick, _warm_start  # noqa: F401
from pybbdl.models.auto_arima import _fit_statsmodels  # noqa: F401

__all__ = ["CRITERIA", "ENGINES", "MIN_ROOT", "SEARCHES", "SEASONAL_STRENGTH", "AutoArima", "Fit", "SearchResult",
           "Spec", "auto_order", "check_series", "difference", "exhaustive_specs", "fit_spec", "forecaster_search",
           "number_of_differences", "number_of_seasonal_differences", "resolve_engine", "search_candidates",
           "seasonal_strength", "stepwise_search", "warm_up"]
