"""The result of a forecast comparison or backtest: long table, wide table, forecasts, models."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pybbdl.evaluation import Comparison
from pybbdl.outputs import atomic_write
from pybbdl.reports import fan_figure, forecast_figure, format_table, horizon_figure, report_files, summary_columns
from pybbdl.workflows.results import RunResult


@dataclass
class ForecastRun(RunResult):
    """What :func:`~pybbdl.workflows.forecasting.forecast_compare` and
    :func:`~pybbdl.workflows.forecasting.forecast_backtest` return.

    Attributes:
        kind: ``"forecast_comparison"`` or ``"forecast_backtest"``.
        table: The long, tidy table; fixed columns ``model, part, horizon, metric, value, sd, n,
            seeds, note`` (``horizon``: steps ahead; a run with several ``horizons`` has one block
            of scored rows per horizon). ``part`` is a scored part (``"val"``, ``"test"``; a backtest pools its folds
            in ``"test"``) or ``"train"``. Metrics of a scored part: ``mae``, ``rmse`` (target
            units, mean over seeds; ``sd`` across seeds), ``skill_pct`` (100 * (1 - MAE / naive
            MAE)), ``dm_stat_vs_<b>`` and ``p_vs_<b>`` for each baseline ``b`` (Diebold-Mariano,
            negative = more accurate than ``b``; median over seeds). Metrics of ``"train"``:
            ``epochs``, ``fit_seconds``, ``n_params``. With interval levels (default 80 %, 95 %):
            ``coverage_80``, ``width_80``, ``winkler_80``, ... ``pinball``, ``crps``; for nested
            pairs ``cw_stat_vs_<b>``/``cw_p_vs_<b>`` (Clark-West); ``mcs_p`` and ``in_mcs_90``
            (Hansen's 90 % model confidence set). ``n``: targets scored (training windows
            for ``"train"``); ``seeds``: fits averaged; ``note``: why a value is NaN or what to
            know about it (e.g. an ARIMA that did not converge). Every metric is declared in the
            metric registry (:mod:`pybbdl.evaluation.metrics`, :func:`~pybbdl.evaluation.metrics.metric_table`);
            one you add with :func:`~pybbdl.evaluation.metrics.register_metric` appears here too.
        wide: One row per model (the pybbdl 0.1 layout, ``results.csv``); ``comparison.columns``
            says which metric, part, level and baseline each column holds.
        forecasts: ``{part: DataFrame(actual, <model>..., [fold])}`` indexed by target timestamps.
        intervals: ``{part: {model: DataFrame(mean, lower_80, upper_80, ...)}}`` (first seed),
            saved as ``intervals_<part>.csv``; the fan charts ``fan_<model>.png`` draw them.
        models: The fitted forecasters (first seed).
        histories: Training curves ``{model: {"loss": [...], "val_loss": [...]}}``.
        settings: Every setting used (defaults filled in), seeds, the models' parameters, the
            split's bounds, library versions.
        comparison: The underlying :class:`~pybbdl.evaluation.Comparison`.
        paths: The files written when the workflow was given ``out_dir`` (manifest last).
        future: The :class:`~pybbdl.workflows.future.FutureForecast` of a run made with
            ``future=H`` (its ``forecast_future.csv`` and ``fan_future_<model>.png`` are saved with
            the run); None otherwise. :meth:`forecast` makes one at any time.
    """

    wide: pd.DataFrame = None
    forecasts: dict = field(default_factory=dict)
    intervals: dict = field(default_factory=dict)
    models: dict = field(default_factory=dict)
    histories: dict = field(default_factory=dict)
    comparison: Comparison | None = None
    paths: list = field(default_factory=list)
    future: object = None

    @classmethod
    def from_comparison(cls, kind: str, comparison: Comparison, settings: dict) -> ForecastRun:
        return cls(kind=kind, table=comparison.long, settings=settings, wide=comparison.table,
                   forecasts=comparison.forecasts, intervals=comparison.intervals, models=comparison.models,
                   histories=comparison.histories, comparison=comparison)

    def forecast(self, h: int, **kwargs):
        """Forecast the next `h` steps after the last observation with the run's models, each refitted
        on all the data: :func:`pybbdl.workflows.future.forecast_future` (keywords ``levels``,
        ``models``, ``refit``, ``progress``). The run itself is not changed.

        Returns:
            A :class:`~pybbdl.workflows.future.FutureForecast` (``table``, ``plot()``, ``fan(model)``,
            ``save(out_dir)``).
        """
        from pybbdl.workflows.future import forecast_future

        return forecast_future(self, h, **kwargs)

    def plot(self, part: str = "test", *, last: int | None = 400):
        """Actuals and each model's forecasts over the last `last` targets of `part`: a Figure."""
        return forecast_figure(self.comparison, part=part, last=last)

    def fan(self, model: str, part: str = "test", *, last: int | None = 200):
        """The fan chart of one model (:func:`pybbdl.reports.fan_figure`): a Figure."""
        return fan_figure(self.comparison, model, part=part, last=last)

    def plot_horizons(self, part: str | None = None, *, metric: str = "mae"):
        """MAE (or `metric`) by horizon, one line per model (a run with several horizons): a Figure."""
        return horizon_figure(self.table, metric=metric, part=part)

    def summary(self) -> str:
        """The terminal summary: what ran, then the headline columns of the wide table."""
        s = self.settings
        kind = (f"{s['folds']}-fold rolling-origin backtest" if self.kind == "forecast_backtest" else "one split")
        steps = (f"horizons {s['horizons']} (below: horizon {s['horizon']}; every horizon in run.table)"
                 if s.get("horizons") else f"{s['horizon']} step(s) ahead")
        head = (f"{s['target']}, {steps}, {kind}; errors in the target's units; skill = % MAE "
                f"reduction vs naive; p = Diebold-Mariano p-value ({'absolute' if s['dm_loss'] == 'mae' else 'squared'}"
                f" loss) vs {', '.join(s['baselines'])}")
        if self.comparison is not None and self.comparison.levels:
            how = sorted(set(self.comparison.interval_methods.values()))
            levels = ", ".join(f"{100 * lv:g} %" for lv in self.comparison.levels)
            scaled = self.comparison.table.attrs.get("conformal_scale") == "window"
            conformal = "calibrated on val" + (", errors scaled by each window's volatility" if scaled else "")
            head += (f"; coverage = share of actuals inside the {levels}"
                     f" intervals ({' / '.join(how)}; conformal = {conformal}); in_mcs_90 = in the 90 % model "
                     "confidence set; cw_p = Clark-West p-value for nested pairs")
        return head + "\n" + format_table(self.wide[summary_columns(self.wide, self.comparison.columns)])

    def __str__(self) -> str:
        return self.summary()

    def _write_files(self, out: Path) -> list[Path]:
        paths = [atomic_write(out / "table.csv", lambda tmp: self.table.to_csv(tmp, index=False))]
        paths += list(report_files(self.comparison, out).values())
        if self.future is not None:
            paths += self.future.write_files(out)
        return paths
