"""Tables (CSV, Markdown) and plots (forecasts vs actuals, training curves) of a comparison.

Every file is written atomically (temporary name + rename, :mod:`pybbdl.outputs`), and
:func:`write_report` writes ``manifest.json`` last and removes an earlier run's leftovers.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from pybbdl.evaluation import Comparison
from pybbdl.outputs import atomic_write, atomic_write_text, begin_output_dir, finish_output_dir, prepare_output_dir


def markdown_table(table: pd.DataFrame, digits: int = 3) -> str:
    """A GitHub-flavoured Markdown table (no extra dependency)."""
    def fmt(v):
        if isinstance(v, (float, np.floating)):
            return "" if np.isnan(v) else f"{v:.{digits}f}"
        return str(v)

    header = "| " + " | ".join(map(str, table.columns)) + " |"
    rule = "|" + "|".join("---:" if pd.api.types.is_numeric_dtype(table[c]) else "---" for c in table.columns) + "|"
    body = ["| " + " | ".join(fmt(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def format_table(table: pd.DataFrame, digits: int = 3) -> str:
    """Plain-text table for the terminal."""
    return table.to_string(index=False, float_format=lambda v: f"{v:.{digits}f}")


def summary_columns(table: pd.DataFrame, columns: pd.DataFrame | None = None) -> list[str]:
    """The columns worth printing in a terminal: the MAE of every scored part, then the last
    scored part's printed metrics (those the metric registry marks ``printed``), as the wide
    table's column catalog `columns` (:attr:`pybbdl.evaluation.Comparison.columns`) lists them."""
    if columns is None or not len(columns):
        metric_cols = []
    else:
        parts = list(dict.fromkeys(columns["part"]))
        mae = columns[(columns["metric"] == "mae") & (columns["statistic"] == "value")]
        last = columns[(columns["part"] == parts[-1]) & columns["printed"].astype(bool)]
        metric_cols = [*mae["column"], *last["column"]]
    wanted = ["model", *metric_cols, "folds", "seeds", "epochs", "fit_seconds", "spec", "note"]
    return [c for c in dict.fromkeys(wanted) if c in table.columns]


def _figure(figsize):
    """A matplotlib Figure made without pyplot: no backend is switched and no global figure
    registry is touched, so plotting from a notebook or a script leaves its settings alone."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    return fig, fig.subplots()


def forecast_figure(comparison: Comparison, *, part: str = "test", last: int | None = 400):
    """A matplotlib Figure of the actuals and each model's forecasts over the last `last` targets."""
    if part not in comparison.forecasts:
        from pybbdl.exceptions import ArgumentError

        raise ArgumentError(f"`part` must be one of {list(comparison.forecasts)}. Received: {part!r}")
    frame = comparison.forecasts[part]
    if last is not None:
        frame = frame.iloc[-last:]
    fig, ax = _figure((10, 4.5))
    ax.plot(frame.index, frame["actual"], color="black", lw=1.6, label="actual")
    for col in frame.columns.drop(["actual", "fold"], errors="ignore"):
        ax.plot(frame.index, frame[col], lw=1.0, alpha=0.85, label=col)
    w = comparison.windows
    ax.set_title(f"{w.target}: {w.horizon}-step-ahead forecasts, {part} part")
    ax.set_ylabel(w.target)
    ax.legend(ncol=min(5, len(frame.columns)), fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def _save_figure(fig, path: Path) -> Path:
    return atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=110))


def plot_forecasts(comparison: Comparison, path: str | os.PathLike, *, part: str = "test",
                   last: int | None = 400) -> Path:
    """Actuals and each model's forecasts over the last `last` targets of `part`, as a PNG."""
    return _save_figure(forecast_figure(comparison, part=part, last=last), Path(path))


def fan_figure(comparison: Comparison, model: str, *, part: str = "test", last: int | None = 200,
               history: int | None = None):
    """A fan chart of one model: the series' history, the model's forecasts of the last `last`
    targets of `part`, shaded intervals by level (darker = narrower) and the actual values.

    The forecasts are the comparison's: each target forecast `horizon` steps ahead from its own
    origin (a rolling fan, not one path from one origin). `history` rows of the series before
    the first shown target are drawn too (default: as many as the targets shown).
    """
    from pybbdl.exceptions import ArgumentError
    from pybbdl.models.series import interval_columns, level_label

    frames = comparison.intervals.get(part, {})
    if model not in frames:
        have = sorted(frames)
        raise ArgumentError(f"`model` must be a model with intervals on the {part} part ({have}). Received: "
                            f"{model!r}")
    frame = frames[model]
    actual = comparison.forecasts[part]["actual"]
    if last is not None:
        frame, actual = frame.iloc[-last:], actual.iloc[-last:]
    w = comparison.windows
    series = w.frame.iloc[:, 0]
    first = series.index.get_loc(frame.index[0]) if frame.index[0] in series.index else None
    fig, ax = _figure((10, 4.5))
    if first is not None:
        n_hist = len(frame) if history is None else int(history)
        past = series.iloc[max(0, first - n_hist):first + 1]
        ax.plot(past.index, past.to_numpy(), color="0.35", lw=1.2, label="history")
        ax.axvline(frame.index[0], color="0.6", ls=":", lw=1)
    levels = sorted(comparison.levels, reverse=True)
    for i, lv in enumerate(levels):
        lo, hi = interval_columns(lv)
        ax.fill_between(frame.index, frame[lo].to_numpy(), frame[hi].to_numpy(), color="C0",
                        alpha=0.18 + 0.22 * i / max(1, len(levels) - 1) if len(levels) > 1 else 0.3, lw=0,
                        label=f"{level_label(lv)} % interval")
    ax.plot(frame.index, frame["mean"].to_numpy(), color="C0", lw=1.4, label=f"{model} forecast")
    marker = "o" if len(actual) <= 120 else None
    ax.plot(actual.index, actual.to_numpy(), color="black", lw=1.0, marker=marker, ms=2.5, label="actual")
    window = comparison.table.attrs.get("conformal_window")
    normalized = "normalized " if comparison.table.attrs.get("conformal_scale") == "window" else ""
    how = {"model": "the model's own intervals",
           "conformal": f"{normalized}split-conformal intervals (calibrated on val)" if window is None
           else f"rolling {normalized}conformal intervals (last {window} errors)"}
    method = how.get(comparison.interval_methods.get(model, ""), "intervals")
    ax.set_title(f"{w.target}: {model}, {w.horizon}-step-ahead forecasts with {method}, {part} part", fontsize=10)
    ax.set_ylabel(w.target)
    ax.legend(fontsize=8, ncol=3)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_fan(comparison: Comparison, model: str, path: str | os.PathLike, *, part: str = "test",
             last: int | None = 200) -> Path:
    """:func:`fan_figure` as a PNG."""
    return _save_figure(fan_figure(comparison, model, part=part, last=last), Path(path))


def future_fan_figure(history: pd.Series, path: pd.DataFrame, levels, *, model: str, interval: str = "",
                      last: int | None = None, ax=None):
    """A true fan chart: the last `last` values of `history` (default ``3 * h``), then the mean
    path of the forecast from the last observation and its bands by level (darker = narrower),
    each starting at the last observation and widening with the step.

    Args:
        history: The observed target, indexed by time.
        path: One model's future forecasts, one row per step: ``time``, ``mean`` and
            ``lower_<L>``/``upper_<L>`` for each of `levels` (:class:`pybbdl.workflows.future.FutureForecast`).
        levels: Interval levels in (0, 1).
        model: The model's name (legend and title).
        interval: How the intervals were made (shown in the title).
        ax: Draw into this matplotlib Axes (else a new Figure).

    Returns:
        The matplotlib Figure.
    """
    from pybbdl.models.series import interval_columns, level_label

    h = len(path)
    past = history.iloc[-(3 * h if last is None else int(last)):]
    fig, ax = _figure((10, 4.5)) if ax is None else (ax.figure, ax)
    t0, y0 = history.index[-1], float(history.iloc[-1])
    x = [t0, *path["time"]]
    ax.plot(past.index, past.to_numpy(), color="0.25", lw=1.2, marker="o" if len(past) <= 60 else None, ms=2.5,
            label="history")
    ax.axvline(t0, color="0.6", ls=":", lw=1)
    ordered = sorted(levels, reverse=True)
    for i, lv in enumerate(ordered):
        lo, hi = interval_columns(lv)
        alpha = 0.18 + 0.22 * i / max(1, len(ordered) - 1) if len(ordered) > 1 else 0.3
        ax.fill_between(x, [y0, *path[lo].to_numpy(dtype=float)], [y0, *path[hi].to_numpy(dtype=float)],
                        color="C0", alpha=alpha, lw=0, label=f"{level_label(lv)} % interval")
    ax.plot(x, [y0, *path["mean"].to_numpy(dtype=float)], color="C0", lw=1.6, marker="o", ms=3,
            label=f"{model} forecast")
    how = f" ({interval})" if interval else ""
    ax.set_title(f"{history.name}: {model}, the next {h} steps from the last observation {_stamp(t0)}{how}",
                 fontsize=10)
    ax.set_ylabel(str(history.name))
    ax.legend(fontsize=8, ncol=2, loc="best")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def _stamp(value) -> str:
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else str(value)
    return str(value)


def interval_table(comparison: Comparison, part: str) -> pd.DataFrame:
    """The part's interval forecasts of every model, long: ``model, <time>, mean, lower_80, ...``."""
    frames = []
    for name, frame in comparison.intervals.get(part, {}).items():
        f = frame.reset_index()
        f.insert(0, "model", name)
        frames.append(f)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def training_figure(comparison: Comparison):
    """Training and validation loss per epoch of each trained model (None if none was trained)."""
    if not comparison.histories:
        return None
    fig, ax = _figure((8, 4.5))
    for i, (name, hist) in enumerate(comparison.histories.items()):
        color = f"C{i % 10}"
        epochs = np.arange(1, len(hist["loss"]) + 1)
        ax.plot(epochs, hist["loss"], color=color, label=f"{name} train")
        if "val_loss" in hist:
            ax.plot(epochs, hist["val_loss"], color=color, ls="--", label=f"{name} val")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (scaled units)")
    ax.set_title("Training curves")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_training(comparison: Comparison, path: str | os.PathLike) -> Path | None:
    """Training and validation loss per epoch for each trained model, as a PNG (None if none)."""
    fig = training_figure(comparison)
    return None if fig is None else _save_figure(fig, Path(path))


def horizon_figure(long: pd.DataFrame, *, metric: str = "mae", part: str | None = None):
    """MAE (or another metric of the long table) by horizon, one line per model: a Figure.

    `part`: the scored part to show; default ``"test"`` when present, else the first scored one.
    """
    from pybbdl.exceptions import ArgumentError

    scored = long[(long["part"] != "train") & (long["metric"] == metric)]
    if scored.empty:
        raise ArgumentError(f"`metric` must be a metric of the scored parts. Received: {metric!r}")
    parts = list(dict.fromkeys(scored["part"]))
    part = part or ("test" if "test" in parts else parts[0])
    if part not in parts:
        raise ArgumentError(f"`part` must be one of {parts}. Received: {part!r}")
    scored = scored[scored["part"] == part]
    fig, ax = _figure((7, 4.5))
    for name, sub in scored.groupby("model", sort=False):
        sub = sub.sort_values("horizon")
        ax.plot(sub["horizon"], sub["value"], marker="o", lw=1.2, label=name)
        if sub["sd"].notna().any():
            ax.fill_between(sub["horizon"], sub["value"] - sub["sd"].fillna(0), sub["value"] + sub["sd"].fillna(0),
                            alpha=0.15)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("horizon (steps ahead)")
    ax.set_ylabel(f"{metric.upper()} ({part} part)")
    ax.set_title(f"{metric.upper()} by horizon, {part} part")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def markdown_report(comparison: Comparison) -> str:
    """``results.md``: a header with the spec, then the one-row-per-model table."""
    w = comparison.windows
    header = (f"# Forecast comparison: {w.target}, {w.horizon} step(s) ahead\n\n"
              f"lookback={w.lookback}, step={w.step}; errors in the target's units; skill = "
              f"100 * (1 - MAE / naive MAE); DM loss: {comparison.table.attrs.get('dm_loss', 'mae')}.\n\n")
    return header + markdown_table(comparison.table) + "\n"


def report_files(comparison: Comparison, out: Path) -> dict[str, Path]:
    """Write ``results.csv``, ``results.md``, ``forecasts_<part>.csv``/``.png``, ``intervals_<part>.csv``
    (every model's interval forecasts), ``fan_<model>.png`` (:func:`fan_figure` of the test part)
    and ``training.png`` into the existing folder `out`, each atomically (no manifest; see
    :func:`write_report`)."""
    out = Path(out)
    paths = {"csv": atomic_write(out / "results.csv", lambda tmp: comparison.table.to_csv(tmp, index=False)),
             "markdown": atomic_write_text(out / "results.md", markdown_report(comparison))}
    for part, frame in comparison.forecasts.items():
        paths[f"forecasts_{part}_csv"] = atomic_write(out / f"forecasts_{part}.csv", frame.to_csv)
        paths[f"forecasts_{part}_png"] = plot_forecasts(comparison, out / f"forecasts_{part}.png", part=part)
    for part in comparison.intervals:
        table = interval_table(comparison, part)
        if len(table):
            paths[f"intervals_{part}_csv"] = atomic_write(out / f"intervals_{part}.csv",
                                                          lambda tmp, t=table: t.to_csv(tmp, index=False))
    fan_part = "test" if "test" in comparison.intervals else next(iter(comparison.intervals), None)
    for name in comparison.intervals.get(fan_part, {}) if fan_part else ():
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", str(name))
        paths[f"fan_{safe}_png"] = plot_fan(comparison, name, out / f"fan_{safe}.png", part=fan_part)
    training = plot_training(comparison, out / "training.png")
    if training is not None:
        paths["training_png"] = training
    if comparison.long is not None and "horizon" in comparison.long and comparison.long["horizon"].nunique() > 1:
        paths["horizons_png"] = _save_figure(horizon_figure(comparison.long), out / "mae_by_horizon.png")
        for part, frame in getattr(comparison, "horizon_forecasts", {}).items():
            paths[f"horizon_forecasts_{part}_csv"] = atomic_write(
                out / f"horizon_forecasts_{part}.csv", lambda tmp, f=frame: f.to_csv(tmp, index=False))
    return paths


def write_report(comparison: Comparison, out_dir: str | os.PathLike, *, settings: dict | None = None) -> dict[str, Path]:
    """Write the report files atomically into `out_dir`, remove files an earlier run there wrote
    and this one did not, and write ``manifest.json`` last (key ``"manifest"``)."""
    out = prepare_output_dir(out_dir)
    begin_output_dir(out)
    paths = report_files(comparison, out)
    paths["manifest"] = finish_output_dir(out, paths.values(), kind="forecast_report", settings=settings or {})
    return paths
