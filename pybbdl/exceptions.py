"""Exception types raised by pybbdl.

Every error that pybbdl raises on purpose derives from :class:`PybbdlError`, so the command line
can turn it into a one-line message (exit code 2) and leave tracebacks to real bugs. Each type
also derives from the builtin a caller would expect (``ValueError``, ``TypeError``, ``OSError``).
"""


class PybbdlError(Exception):
    """Base class of pybbdl's own errors."""


class ArgumentError(PybbdlError, ValueError):
    """An argument's value is refused (out of range, unknown option, contradicting another)."""


class ArgumentTypeError(PybbdlError, TypeError):
    """An argument has the wrong type."""


class DataError(PybbdlError, ValueError):
    """Input data violates what a function needs (NaN target, unsorted index, too short, ...)."""


class DataFileNotFoundError(PybbdlError, FileNotFoundError):
    """A data file named by the user does not exist (a FileNotFoundError too)."""


class NotFittedError(PybbdlError, ValueError, AttributeError):
    """An estimator was used before `fit` (a ValueError and an AttributeError, like sklearn's)."""


class DatasetUnavailableError(PybbdlError, OSError):
    """A dataset could not be found locally nor downloaded; the message says how to pass a file."""


class ModelFitError(PybbdlError, RuntimeError):
    """A model could not be fitted at all (e.g. an ARIMA order search where every candidate failed)."""


class OutputError(PybbdlError, OSError):
    """An output folder cannot be written (checked before any training starts)."""


class MissingDependencyError(PybbdlError, ImportError):
    """An optional dependency is not installed; the message says which extra to install."""


class IrregularTimeIndexWarning(UserWarning):
    """A time index whose steps are not regular (a gap in daily data, say); the message names the largest gap.

    Monthly, quarterly, yearly and business-day calendars count as regular. Turn it into an error with
    ``warnings.simplefilter("error", IrregularTimeIndexWarning)``.
    """
