"""Import TensorFlow without its C++ start-up lines on a CPU machine.

``TF_CPP_MIN_LOG_LEVEL=3`` silences most of TensorFlow's C++ logging (e.g. the CUDA "failed call
to cuInit" error), but absl writes a few lines before its logging is set up ("All log messages
before absl::InitializeLog() ...", "Could not find cuda drivers ...") straight to file
descriptor 2, where no log level reaches them. :func:`import_tensorflow_quietly` imports
TensorFlow and Keras with descriptor 2 sent to a temporary file and replays every line that is
not one of those known start-up lines, so real errors and warnings still show. The CLI and the R
package call it before their first TensorFlow use; a plain ``import pybbdl`` never does.
"""

from __future__ import annotations

import os
import sys
import tempfile

#: Substrings of TensorFlow's start-up lines on a machine without a GPU (dropped, nothing else).
STARTUP_NOISE = ("All log messages before absl::InitializeLog()", "cudart_stub.cc", "cuda_platform.cc",
                 "cpu_feature_guard.cc", "To enable the following instructions", "oneDNN custom operations",
                 "cuda_dnn.cc", "cuda_fft.cc", "cuda_blas.cc", "Unable to register cu")


def _is_noise(line: str) -> bool:
    return any(s in line for s in STARTUP_NOISE)


def import_tensorflow_quietly() -> None:
    """Import ``tensorflow`` and ``keras`` with only their start-up noise suppressed.

    Sets ``TF_CPP_MIN_LOG_LEVEL`` to ``"3"`` when the user has not set it. Does nothing when
    TensorFlow is already imported. Must be called from the main thread of the process (it
    redirects the process-wide file descriptor 2 for the duration of the import).
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no descriptor 2 (some embedded interpreters): import plainly
        import keras  # noqa: F401
        return
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import keras  # noqa: F401  (imports tensorflow as its backend)
            import tensorflow  # noqa: F401
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            text = captured.read().decode("utf-8", errors="replace")
            kept = [line for line in text.splitlines() if line.strip() and not _is_noise(line)]
            if kept:
                print("\n".join(kept), file=sys.stderr)
