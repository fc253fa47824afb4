"""One function per end-to-end run; the CLI and the R package are thin adapters over these.

Each workflow takes plain arguments with one documented set of defaults, checks them before any
training starts (including that the output folder, if given, is writable), runs, and returns a
:class:`~pybbdl.workflows.results.RunResult`: a long table with fixed column names, the settings
actually used (seeds, sigma, epsilon, library versions), ``plot()`` and an atomic ``save(dir)``.

Importing this package starts no TensorFlow; submodules load what they need when called.
"""

from __future__ import annotations

from pybbdl.workflows.results import RunResult


def __getattr__(name):  # forecast_compare etc. without importing the workflow modules up front
    if name in ("forecast_compare", "forecast_backtest", "FORECAST_DEFAULTS", "ForecastRun"):
        from pybbdl.workflows import forecasting

        return getattr(forecasting, name)
    if name == "forecast_conditional":
        from pybbdl.workflows.conditional import forecast_conditional

        return forecast_conditional
    if name in ("forecast_future", "FutureForecast"):
        from pybbdl.workflows import future

        return getattr(future, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = ["RunResult"]
