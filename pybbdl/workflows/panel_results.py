"""What a panel run returns: :class:`PanelRun` (:func:`~pybbdl.workflows.panel.forecast_panel`) and
:class:`PanelBacktest` (:func:`~pybbdl.workflows.panel.backtest_panel`), their fixed columns, summary,
plots and saved files. Nothing here fits or scores; :mod:`pybbdl.workflows.panel_scores` fills the tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pybbdl.evaluation.scale_free import AGGREGATE_COLUMNS
from pybbdl.exceptions import ArgumentError
from pybbdl.outputs import atomic_write
from pybbdl.reports import _figure, _save_figure, format_table, markdown_table
from pybbdl.workflows.results import RunResult


#: Columns of the per-series table.
SERIES_COLUMNS = ["id", "model", "frequency", "period", "horizon", "n_train", "smape", "mase", "seconds", "error",
                  "note"]


@dataclass
class PanelRun(RunResult):
    """What :func:`~pybbdl.workflows.panel.forecast_panel` returns.

    Attributes:
        kind: ``"forecast_panel"``.
        table: The aggregate table, one row per model x frequency (and ``"overall"``); columns
            :data:`~pybbdl.evaluation.scale_free.AGGREGATE_COLUMNS`: ``n_series`` scored,
            ``n_forecasts``, ``n_failed``, ``smape_pooled`` (mean over all forecasts),
            ``smape_mean`` (mean over series of each series' mean), ``mase`` (mean over series),
            ``owa`` (vs the reference model, NAIVE2 by default), ``seconds`` (fit time summed
            over series), ``note``. Empty without held-out actuals.
        series: One row per series x model, columns :data:`SERIES_COLUMNS`; a series that could
            not be read or fitted has its reason in ``error`` and NaN scores.
        forecasts: Long table ``id, model, step, forecast`` (+ ``actual`` when held out, and the
            interval columns when ``levels`` were asked for).
        settings: Every setting used.
        histories: Training curves of the global models ``{(model, group, seed): {...}}``.
        combination_weights: The weights of the combinations chosen on validation windows, one row
            per series x combination x member (``id, combination, member, weight,
            validation_smape``); empty when none ran.
    """

    series: pd.DataFrame = None
    forecasts: pd.DataFrame = None
    histories: dict = field(default_factory=dict)
    combination_weights: pd.DataFrame = None
    paths: list = field(default_factory=list)

    def summary(self) -> str:
        s = self.settings
        head = (f"{s['n_series']} series ({s['n_failed_input']} unusable), models: {', '.join(s['models'])}; "
                f"sMAPE in %, pooled = over all forecasts, mean = over series; MASE mean over series; "
                f"OWA vs {s['reference']}")
        if self.table is None or len(self.table) == 0:
            return head + "\n(no held-out actuals: nothing scored)"
        overall = self.table[self.table["frequency"] == "overall"]
        cols = ["model", "n_series", "n_failed", "smape_pooled", "smape_mean", "mase", "owa", "seconds"]
        validated = [n for n, w in s.get("combination_weights", {}).items() if w != "equal"]
        foot = (f"\nchosen on a validation window cut from each series' training part (never its test part): "
                f"{', '.join(validated)}" if validated else "")
        return head + "\n" + format_table(overall[cols].sort_values("smape_pooled")) + foot

    def __str__(self) -> str:
        return self.summary()

    def plot(self, id: str | None = None, *, metric: str = "smape_pooled"):
        """A Figure: one series' history, actuals and forecasts (``id``), or else `metric` per model and frequency."""
        if id is not None:
            return self._plot_series(str(id))
        if self.table is None or len(self.table) == 0:
            raise ArgumentError("There is nothing scored to plot; pass `id` to plot one series' forecasts")
        if metric not in ("smape_pooled", "smape_mean", "mase", "owa"):
            raise ArgumentError(f"`metric` must be smape_pooled, smape_mean, mase or owa. Received: {metric!r}")
        wide = self.table.pivot(index="model", columns="frequency", values=metric)
        fig, ax = _figure((9, 4.5))
        x = np.arange(len(wide.index))
        width = 0.8 / max(len(wide.columns), 1)
        for i, col in enumerate(wide.columns):
            ax.bar(x + i * width, wide[col].to_numpy(), width, label=str(col))
        ax.set_xticks(x + 0.4 - width / 2)
        ax.set_xticklabels(wide.index, rotation=30, ha="right", fontsize=8)
        ax.set_ylabel(metric)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3, axis="y")
        fig.tight_layout()
        return fig

    def _plot_series(self, sid: str):
        hist = self._history.get(sid)
        if hist is None:
            raise ArgumentError(f"`id` must be a series of the run. Received: {sid!r}")
        fc = self.forecasts[self.forecasts["id"] == sid]
        fig, ax = _figure((10, 4.5))
        n = len(hist)
        ax.plot(np.arange(1, n + 1), hist, color="black", lw=1.4, label="history")
        if "actual" in fc.columns and fc["actual"].notna().any():
            a = fc.drop_duplicates("step")
            ax.plot(n + a["step"], a["actual"], color="black", ls="--", lw=1.4, label="actual")
        for model, g in fc.groupby("model", sort=False):
            ax.plot(n + g["step"], g["forecast"], lw=1.0, label=model)
        ax.set_title(f"series {sid}")
        ax.legend(fontsize=8, ncol=3)
        ax.grid(alpha=0.3)
        fig.tight_layout()
        return fig

    _history: dict = field(default_factory=dict, repr=False)

    def _write_files(self, out: Path) -> list[Path]:
        paths = [atomic_write(out / "table.csv", lambda tmp: self.table.to_csv(tmp, index=False)),
                 atomic_write(out / "series.csv", lambda tmp: self.series.to_csv(tmp, index=False)),
                 atomic_write(out / "forecasts.csv", lambda tmp: self.forecasts.to_csv(tmp, index=False))]
        text = "# Panel forecast\n\n" + self.summary().split("\n")[0] + "\n\n"
        if len(self.table):
            text += markdown_table(self.table.drop(columns="note")) + "\n"
        paths.append(self._write_text(out / "results.md", text))
        if len(self.table):
            paths.append(_save_figure(self.plot(), out / "scores.png"))
        return paths


#: Columns of the per-series table of a panel backtest (one row per series x fold x model).
BACKTEST_SERIES_COLUMNS = ["id", "fold", *SERIES_COLUMNS[1:]]
#: Columns of a panel backtest's per-fold table (each fold's overall scores).
FOLD_COLUMNS = ["fold", *AGGREGATE_COLUMNS]


@dataclass
class PanelBacktest(PanelRun):
    """What :func:`~pybbdl.workflows.panel.backtest_panel` returns: a :class:`PanelRun` over several
    forecast origins.

    Attributes:
        table: Per model x frequency (and ``"overall"``), pooled over every series and fold;
            columns :data:`~pybbdl.evaluation.scale_free.AGGREGATE_COLUMNS` (``n_series`` counts
            series x fold pairs).
        folds: Each fold's overall scores, one row per fold x model; columns :data:`FOLD_COLUMNS`.
        series: One row per series x fold x model; columns :data:`BACKTEST_SERIES_COLUMNS`
            (``n_train`` is the fold's origin: the values the models saw).
        forecasts: Long table ``id, fold, model, step, forecast, actual`` (+ interval columns).
    """

    folds: pd.DataFrame = None

    def summary(self) -> str:
        s = self.settings
        head = (f"{s['n_series']} series ({s['n_failed_input']} unusable) x {s['folds']} forecast origins "
                f"(step {s['step'] or 'horizon'}), models: {', '.join(s['models'])}; sMAPE in %, pooled over "
                f"every forecast of every fold; OWA vs {s['reference']}")
        overall = self.table[self.table["frequency"] == "overall"]
        cols = ["model", "n_series", "n_failed", "smape_pooled", "smape_mean", "mase", "owa", "seconds"]
        per_fold = self.folds.pivot(index="model", columns="fold", values="smape_pooled")
        per_fold.columns = [f"fold {c}" for c in per_fold.columns]
        return (head + "\n" + format_table(overall[cols].sort_values("smape_pooled")) + "\npooled sMAPE by fold:\n"
                + format_table(per_fold.reset_index()))

    def _plot_series(self, sid: str):
        hist = self._history.get(sid)
        if hist is None:
            raise ArgumentError(f"`id` must be a series of the run. Received: {sid!r}")
        rows = self.series[(self.series["id"] == sid)].drop_duplicates("fold").set_index("fold")["n_train"]
        fc = self.forecasts[self.forecasts["id"] == sid]
        fig, ax = _figure((10, 4.5))
        ax.plot(np.arange(1, len(hist) + 1), hist, color="black", lw=1.4, label="series")
        colors = {}
        for (model, fold), g in fc.groupby(["model", "fold"], sort=False):
            origin = rows.get(fold)
            if origin is None or not np.isfinite(origin):
                continue
            line = ax.plot(origin + g["step"], g["forecast"], lw=1.0, color=colors.get(model),
                           label=model if model not in colors else None)
            colors.setdefault(model, line[0].get_color())
        for origin in rows.dropna():
            ax.axvline(origin + 0.5, color="grey", lw=0.6, ls=":")
        ax.set_title(f"series {sid}: {len(rows)} forecast origins (dotted)")
        ax.legend(fontsize=8, ncol=3)
        ax.grid(alpha=0.3)
        fig.tight_layout()
        return fig

    def _write_files(self, out: Path) -> list[Path]:
        paths = super()._write_files(out)
        paths.append(atomic_write(out / "folds.csv", lambda tmp: self.folds.to_csv(tmp, index=False)))
        return paths
