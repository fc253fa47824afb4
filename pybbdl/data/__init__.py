"""Load, tidy and attach units. Every loader returns a DataFrame with a time index."""

from pybbdl.data.dates import parse_dates
from pybbdl.data.frames import from_frame, read_csv, with_calendar_features
from pybbdl.data.macro import macro_data
from pybbdl.data.mnist import MNIST_URL, load_mnist
from pybbdl.data.weather import JENA_URL, jena_climate

__all__ = ["JENA_URL", "MNIST_URL", "load_mnist", "from_frame", "jena_climate", "macro_data", "parse_dates",
           "read_csv", "with_calendar_features"]
