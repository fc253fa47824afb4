"""Input checks for image batches: shape, value range, labels. NumPy only (no TensorFlow)."""

from __future__ import annotations

from typing import Literal

import numpy as np

from pybbdl.exceptions import ArgumentError, DataError

ValueRange = Literal["auto", "symmetric", "unit", "raw"]
_RANGES = {"symmetric": (-1.0, 1.0), "unit": (0.0, 1.0), "raw": (0.0, 255.0)}


def check_images(images, *, image_shape: tuple[int, int, int] = (28, 28, 1), value_range: ValueRange = "auto",
                 name: str = "images") -> np.ndarray:
    """Return `images` as float32 ``(n, height, width, channels)`` in [-1, 1], or raise.

    Args:
        images: ``(n, H, W)``, ``(n, H, W, C)`` or flat ``(n, H*W*C)``; uint8 or float.
        image_shape: The ``(H, W, C)`` the model expects (MNIST: ``(28, 28, 1)``).
        value_range: ``"symmetric"`` [-1, 1], ``"unit"`` [0, 1], ``"raw"`` [0, 255], or ``"auto"``: uint8 is
            raw; otherwise a negative minimum means [-1, 1], a maximum <= 1 means [0, 1], else [0, 255].

    Raises:
        DataError: a shape that does not hold ``n`` images of `image_shape`, an empty batch, NaN/inf,
            non-numeric data, or values outside the declared (or every admissible) range.
    """
    arr = np.asarray(images)
    if not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)) \
            or arr.dtype == np.bool_:
        raise DataError(f"`{name}` must be numeric pixel values. Received dtype {arr.dtype}")
    h, w, c = (int(v) for v in image_shape)
    flat = h * w * c
    if arr.ndim == 2 and arr.shape[1] == flat:
        arr = arr.reshape(-1, h, w, c)
    elif arr.ndim == 3 and arr.shape[1:] == (h, w) and c == 1:
        arr = arr[..., None]
    elif not (arr.ndim == 4 and arr.shape[1:] == (h, w, c)):
        raise DataError(f"`{name}` must have shape (n, {h}, {w}{', 1' if c == 1 else ''}), (n, {h}, {w}, {c}) or "
                        f"(n, {flat}). Received shape {arr.shape}")
    if arr.shape[0] == 0:
        raise DataError(f"`{name}` must hold at least one image. Received shape {arr.shape}")
    if value_range == "auto":
        value_range = _infer_range(arr, name)
    if value_range not in _RANGES:
        raise ArgumentError(f'`value_range` must be "auto", "symmetric", "unit" or "raw". Received: {value_range!r}')
    arr = arr.astype(np.float32, copy=False)
    if not np.isfinite(arr).all():
        raise DataError(f"`{name}` must be finite: {int((~np.isfinite(arr)).sum())} NaN/inf pixel(s)")
    lo, hi = _RANGES[value_range]
    vmin, vmax = float(arr.min()), float(arr.max())
    if vmin < lo or vmax > hi:
        raise DataError(f"`{name}` declared as {value_range} must lie in [{lo:g}, {hi:g}]. "
                        f"Received values in [{vmin:g}, {vmax:g}]")
    if value_range == "raw":
        return arr / np.float32(127.5) - np.float32(1.0)
    if value_range == "unit":
        return arr * np.float32(2.0) - np.float32(1.0)
    return arr


def _infer_range(arr: np.ndarray, name: str) -> str:
    if np.issubdtype(arr.dtype, np.integer):
        vmin, vmax = int(arr.min()), int(arr.max())
        if vmin < 0 or vmax > 255:
            raise DataError(f"`{name}` with integer pixels must lie in [0, 255]. Received values in [{vmin}, {vmax}]")
        return "raw"
    finite = arr[np.isfinite(arr)]
    if finite.size < arr.size:
        raise DataError(f"`{name}` must be finite: {arr.size - finite.size} NaN/inf pixel(s)")
    vmin, vmax = float(finite.min()), float(finite.max())
    if vmin < 0:
        if vmin >= -1 and vmax <= 1:
            return "symmetric"
    elif vmax <= 1:
        return "unit"
    elif vmax <= 255:
        return "raw"
    raise DataError(f"`{name}` must lie in [0, 1], [0, 255] or [-1, 1]. Received values in [{vmin:g}, {vmax:g}]")


def check_labels(labels, n: int, num_classes: int, *, name: str = "labels") -> np.ndarray:
    """Return `labels` as int32 ``(n,)`` class indices in ``0 .. num_classes - 1``, or raise."""
    arr = np.asarray(labels)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1 or arr.shape[0] != n:
        raise DataError(f"`{name}` must have shape ({n},), one class per image. Received shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.integer):
        if not (np.issubdtype(arr.dtype, np.floating) and np.all(np.mod(arr, 1) == 0)):
            raise DataError(f"`{name}` must be integer class indices. Received dtype {arr.dtype}")
    if n and (arr.min() < 0 or arr.max() >= num_classes):
        raise DataError(f"`{name}` must lie in 0..{num_classes - 1}. Received values in [{arr.min()}, {arr.max()}]")
    return arr.astype(np.int32)


def to_unit(images: np.ndarray) -> np.ndarray:
    """[-1, 1] images (what the generators emit) to [0, 1], the scale of Goodfellow et al.'s Parzen numbers."""
    return np.clip((np.asarray(images, dtype=np.float32) + 1.0) / 2.0, 0.0, 1.0)
