"""The result of a GAN or DP-MERF run (:class:`GanRun`), in a module of its own so that both
workflows (:mod:`pybbdl.workflows.gan`, :mod:`pybbdl.workflows.merf`) use it without importing each
other."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pybbdl.workflows.results import RunResult


@dataclass
class GanRun(RunResult):
    """What :func:`gan_train` returns.

    Attributes:
        table: Per-step losses in long form; columns ``step`` (1, 2, ...), ``epoch``, ``metric``
            (``d_loss``, ``g_loss``: nats per example; ``d_real``, ``d_fake``: mean D probability on real and
            generated images) and ``value``.
        settings: Every setting used: ``model``, ``epochs``, ``steps`` (generator steps), ``d_steps`` (D steps per
            G step), ``d_steps_run`` (discriminator steps that ran), ``n``, ``batch_size``, ``seed``, and with DP
            ``noise_multiplier`` (calibrated), ``l2_norm_clip``, ``delta``, ``target_epsilon``, ``sampling``
            (``"poisson"``) and ``epsilon`` (the accountant's, for the D steps that ran); ``versions``.
        grid: A ``(rows, 10, 28, 28, 1)`` block of samples in [-1, 1] (row r = digit r for the cGAN).
        scores: ``fid``, ``classes_covered``, ``effective_classes``, ``label_accuracy`` when a classifier was
            given; else empty.
        statement: The DP statement (empty without DP).
        gan: The trained :class:`~pybbdl.gan.GAN`; history: its :class:`~pybbdl.gan.TrainingHistory`.
    """

    grid: Any = field(default=None, repr=False)
    scores: dict = field(default_factory=dict)
    statement: str = ""
    gan: Any = field(default=None, repr=False)
    history: Any = field(default=None, repr=False)

    def summary(self) -> dict:
        """The one-line-per-item summary the CLI prints and ``summary.json`` holds."""
        s = self.settings
        out = {"model": s["model"], "epochs": s["epochs"], "steps": s["steps"], "d_steps": s.get("d_steps", 1),
               "discriminator_steps": s.get("d_steps_run"), "images": s["n"],
               "seconds_per_epoch": s.get("seconds_per_epoch")}
        last = self.table[self.table["step"] == self.table["step"].max()]
        for metric in ("d_loss", "g_loss"):
            values = last.loc[last["metric"] == metric, "value"]
            out[f"final_{metric}"] = float(values.iloc[0]) if len(values) else None
        if s["dp"]:
            out.update(noise_multiplier=s["noise_multiplier"], l2_norm_clip=s["l2_norm_clip"], delta=s["delta"],
                       epsilon=s["epsilon"])
        out.update(self.scores)
        return out

    def __str__(self) -> str:
        lines = [self.statement] if self.statement else []
        for key, value in self.summary().items():
            lines.append(f"{key}: {value:.4g}" if isinstance(value, float) else f"{key}: {value}")
        return "\n".join(lines)

    def plot(self):
        """Loss curves (per step) beside the sample grid; returns the matplotlib Figure."""
        from matplotlib.figure import Figure

        from pybbdl.gan.plots import grid_mosaic

        fig = Figure(figsize=(10, 4))
        ax1, ax2 = fig.subplots(1, 2)
        for metric in ("d_loss", "g_loss"):
            part = self.table[self.table["metric"] == metric]
            ax1.plot(part["step"], part["value"], lw=0.8, label=metric)
        ax1.set(xlabel="step", ylabel="loss (nats)", title="GAN losses")
        ax1.legend()
        if self.grid is not None:
            ax2.imshow(grid_mosaic(self.grid), cmap="gray", vmin=0, vmax=1)
        ax2.set_axis_off()
        fig.tight_layout()
        return fig

    def _write_files(self, out: Path) -> list[Path]:
        import json

        from pybbdl.gan.plots import save_grid_png
        from pybbdl.outputs import _jsonable, atomic_write

        paths = super()._write_files(out)
        if self.grid is not None:
            paths.append(atomic_write(out / "grid.png", lambda tmp: save_grid_png(self.grid, tmp)))
        if self.gan is not None:
            paths.append(atomic_write(out / "generator.keras", lambda tmp: self.gan.sampler.save(tmp)))
        paths.append(self._write_text(out / "summary.json", json.dumps(_jsonable(self.summary()), indent=2) + "\n"))
        if self.statement:
            paths.append(self._write_text(out / "statement.txt", self.statement + "\n"))
        for name in ("history.csv", "losses.png"):   # written by train_gan into the same folder
            if (out / name).is_file() and self.settings.get("out_dir") == str(out):
                paths.append(out / name)
        return paths
