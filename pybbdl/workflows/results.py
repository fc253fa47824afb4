"""The base of every workflow result: a long table, the settings used, ``plot()``, atomic ``save()``."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pybbdl.outputs import atomic_write, atomic_write_text, begin_output_dir, finish_output_dir, prepare_output_dir


@dataclass
class RunResult:
    """What a workflow returns.

    Attributes:
        kind: What ran, e.g. ``"forecast_comparison"``; written to the manifest.
        table: A long, tidy table whose columns are fixed and documented by each subclass.
        settings: Every setting actually used (defaults filled in), incl. seeds, sigma, epsilon.
    """

    kind: str
    table: pd.DataFrame
    settings: dict = field(default_factory=dict)

    # ------------------------------------------------------------------ to override
    def _write_files(self, out: Path) -> list[Path]:
        """Write the run's files into `out` (each with :func:`atomic_write`); return their paths.

        The base writes ``table.csv``; subclasses add their own files and call this.
        """
        return [atomic_write(out / "table.csv", lambda tmp: self.table.to_csv(tmp, index=False))]

    def plot(self, *args, **kwargs):  # pragma: no cover - interface
        raise NotImplementedError(f"{type(self).__name__} has no plot()")

    # ------------------------------------------------------------------ shared
    def save(self, out_dir: str | os.PathLike) -> list[Path]:
        """Write every file atomically into `out_dir`, remove an earlier run's leftovers, then
        write ``manifest.json`` (settings, versions, file list, completion time) last.

        Returns:
            The paths written, the manifest last.
        """
        out = prepare_output_dir(out_dir)
        begin_output_dir(out)
        paths = [Path(p) for p in self._write_files(out)]
        manifest = finish_output_dir(out, paths, kind=self.kind, settings=self.settings)
        return [*paths, manifest]

    @staticmethod
    def _write_text(path: Path, text: str) -> Path:
        return atomic_write_text(path, text)
