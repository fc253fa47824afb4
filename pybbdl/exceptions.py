"""Exception types raised by pybbdl."""


class PybbdlError(Exception):
    """Base class of pybbdl's own errors."""


class DataError(PybbdlError, ValueError):
    """Input data violates what a function needs (NaN target, unsorted index, too short, ...)."""


class NotFittedError(PybbdlError, ValueError, AttributeError):
    """An estimator was used before `fit` (a ValueError and an AttributeError, like sklearn's)."""


class DatasetUnavailableError(PybbdlError, OSError):
    """A dataset could not be found locally nor downloaded; the message says how to pass a file."""


class ModelFitError(PybbdlError, RuntimeError):
    """A model could not be fitted at all (e.g. an ARIMA order search where every candidate failed)."""
