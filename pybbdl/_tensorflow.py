"""Import TensorFlow without its C++ start-up lines on a CPU machine.

``TF_CPP_MIN_LOG_LEVEL=3`` silences most of TensorFlow's C++ logging (e.g. the CUDA "failed call
to cuInit" error), but absl writes a few lines before its logging is set up ("All log messages
before absl::InitializeLog() ...", "Could not find cuda drivers ...") straight to file
descriptor 2, where no log level reaches them. :func:`import_tensorflow_quietly` imports
TensorFlow and Keras with descriptor 2 sent to a temporary file and replays every line that is
not one of those known start-up lines, so real errors and warnings still show. The CLI and the R
package call it before their first TensorFlow use; a plain ``import pybbdl`` never does.

The CUDA "failed call to cuInit" line is logged at ERROR (level 2), not when TensorFlow is
imported but when its devices are first looked up (the first layer or tensor), so
``TF_CPP_MIN_LOG_LEVEL=2`` (the usual advice) let it through after the import. The physical
devices are therefore listed inside the captured import too: on a machine with no NVIDIA device
(no ``/dev/nvidia*``, no ``/proc/driver/nvidia``) that line is start-up noise and dropped; where
an NVIDIA device exists it is kept, since cuInit failing there is a real problem. Listing the
physical devices initialises no GPU memory, so ``tf.config.set_visible_devices`` and
``set_memory_growth`` still work afterwards. ``CUDA_VISIBLE_DEVICES`` is not touched (an empty
value does not stop the line, and GPU users set it themselves).
"""

from __future__ import annotations

import glob
import os
import sys
import tempfile

#: Substrings of TensorFlow's start-up lines on a machine without a GPU (dropped, nothing else).
STARTUP_NOISE = ("All log messages before absl::InitializeLog()", "cudart_stub.cc", "cuda_platform.cc",
                 "cpu_feature_guard.cc", "To enable the following instructions", "oneDNN custom operations",
                 "cuda_dnn.cc", "cuda_fft.cc", "cuda_blas.cc", "Unable to register cu")
#: The CUDA driver's start-up error: noise only where the machine has no NVIDIA device at all.
CUINIT_NOISE = ("failed call to cuInit",)


def has_nvidia_device() -> bool:
    """Whether the machine shows an NVIDIA device node or driver (Linux); False elsewhere."""
    return bool(glob.glob("/dev/nvidia[0-9]*")) or os.path.exists("/proc/driver/nvidia")


def _is_noise(line: str, gpu: bool | None = None) -> bool:
    if any(s in line for s in CUINIT_NOISE):
        return not (has_nvidia_device() if gpu is None else gpu)
    return any(s in line for s in STARTUP_NOISE)


def import_tensorflow_quietly() -> None:
    """Import ``tensorflow`` and ``keras`` with only their start-up noise suppressed.

    Sets ``TF_CPP_MIN_LOG_LEVEL`` to ``"3"`` when the user has not set it, and lists the physical
    devices inside the capture (where the cuInit line is logged, whatever the level). Does nothing when
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
            import tensorflow

            try:  # the CUDA platform starts here (cuInit), not at the import
                tensorflow.config.list_physical_devices()
            except Exception:  # noqa: BLE001 - a device problem shows at first use, as before
                pass
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            text = captured.read().decode("utf-8", errors="replace")
            gpu = has_nvidia_device()
            kept = [line for line in text.splitlines() if line.strip() and not _is_noise(line, gpu)]
            if kept:
                print("\n".join(kept), file=sys.stderr)
