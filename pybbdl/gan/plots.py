"""Sample grids and loss curves as PNG files (matplotlib, Agg backend)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from pybbdl.exceptions import ArgumentError


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def grid_mosaic(images, *, pad: int = 2) -> np.ndarray:
    """Tile ``(rows, cols, H, W[, 1])`` images in [-1, 1] into one uint8 ``(rows*(H+pad)+pad, cols*(W+pad)+pad)``
    picture (0 = black background, 255 = white ink, as MNIST)."""
    arr = np.asarray(images, dtype=np.float32)
    if arr.ndim == 5 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim != 4:
        raise ArgumentError(f"`images` must have shape (rows, cols, H, W) or (rows, cols, H, W, 1). Received {arr.shape}")
    rows, cols, h, w = arr.shape
    pix = np.clip(np.rint((arr + 1.0) * 127.5), 0, 255).astype(np.uint8)
    out = np.full((rows * (h + pad) + pad, cols * (w + pad) + pad), 64, np.uint8)
    for r in range(rows):
        for c in range(cols):
            top, left = pad + r * (h + pad), pad + c * (w + pad)
            out[top:top + h, left:left + w] = pix[r, c]
    return out


def save_grid_png(images, path: str | os.PathLike, *, pad: int = 2) -> Path:
    """Write :func:`grid_mosaic` of `images` as an 8-bit grayscale PNG (one image pixel per PNG pixel)."""
    from PIL import Image  # Pillow comes with matplotlib

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(grid_mosaic(images, pad=pad)).save(path, optimize=True)   # uint8 2-D: mode "L"
    return path


def plot_losses(history, path: str | os.PathLike) -> Path:
    """D and G losses per step (faint) with a moving average over one epoch (bold), as a PNG."""
    plt = _pyplot()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(8, 4))
    window = max(1, min(history.steps_per_epoch, history.steps // 5 or 1))
    for key, color in (("d_loss", "tab:blue"), ("g_loss", "tab:orange")):
        values = history.losses[key]
        steps = np.arange(1, len(values) + 1)
        ax.plot(steps, values, color=color, alpha=0.25, lw=0.6)
        if len(values) >= window:
            smooth = np.convolve(values, np.ones(window) / window, mode="valid")
            ax.plot(steps[window - 1:], smooth, color=color, lw=1.8, label=f"{key} ({window}-step mean)")
    ax.set_xlabel(f"step ({history.steps_per_epoch} per epoch)")
    ax.set_ylabel("loss (nats per example)")
    ax.legend(loc="upper right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
