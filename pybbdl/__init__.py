"""pybbdl: deep learning for economists, from Python and from R.

Importing pybbdl starts neither TensorFlow nor R: the Keras parts load when a model is
built or fitted. The pipeline is data -> windows -> models -> evaluation -> reports:

>>> from pybbdl.data import macro_data
>>> from pybbdl.windows import prepare_windows
>>> frame = macro_data()
>>> w = prepare_windows(frame, target="infl", lookback=8, horizon=1, split=(0.6, 0.2, 0.2))
"""

from pybbdl._version import __version__  # noqa: F401


def __getattr__(name):  # pybbdl.forecast_conditional without importing the workflows up front
    if name == "forecast_conditional":
        from pybbdl.workflows.conditional import forecast_conditional

        return forecast_conditional
    if name == "forecast_future":
        from pybbdl.workflows.future import forecast_future

        return forecast_future
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
