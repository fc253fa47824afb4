"""What every subcommand shares: quiet TensorFlow start-up, one way to report pybbdl errors."""

from __future__ import annotations

import logging
import os


def quiet_tensorflow() -> None:
    """Keep TensorFlow's C++ start-up chatter and retracing warnings out of the CLI's output.

    Must run before TensorFlow is imported: the C++ log level is read once, at import.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
