"""What every subcommand shares: quiet TensorFlow start-up, one way to report pybbdl errors."""

from __future__ import annotations

import logging


def quiet_tensorflow() -> None:
    """Import TensorFlow without its C++ start-up lines, and keep retracing warnings out of the output.

    See :func:`pybbdl._tensorflow.import_tensorflow_quietly` (what is dropped, what is kept).
    """
    from pybbdl._tensorflow import import_tensorflow_quietly

    import_tensorflow_quietly()
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
