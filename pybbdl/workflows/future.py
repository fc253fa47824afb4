"""Forecasts from today: every model of a run refitted on all the data, forecasting the next
``h`` steps from the last observation, with intervals and a fan chart per model.

A comparison or backtest scores forecasts from origins inside the data; :func:`forecast_future`
makes the forecast a user came for, from the origin right after the last observation (fable's
``forecast(h = 8)``, statsforecast's ``forecast(h, level)``). What it does, per model:

**Refit rule** (``settings["refit"] = "all"``, the only rule so far): the model is refitted on
**all** the rows of the run's data (the run's windows' frame: same target, features, lookback
and step), with horizons ``1..h``, and forecasts steps ``1..h`` after the last row. ARIMA keeps
the order (and trend) the run chose on its training part, re-estimating the coefficients on
all rows; ETS keeps the form it chose (error, trend, damping, season); every other model
re-estimates what it estimates (AR's lag order by BIC, the networks' weights, ...).

**Intervals** (the ``interval`` column):

* ``"model"``: the model's own analytic intervals at every step (``predict_interval_horizons``:
  ARIMA's exact ``h``-step variance with R's sigma2 correction, so equal to R's
  ``forecast(Arima(y, order = ...), h, level)``; ETS, Theta, AR, the random walk on the mean,
  VAR as R's ``forecast()`` of the same model). Used unless the run asked for
  ``interval_method="conformal"``.
* ``"conformal"``: split-conformal **per step** for the networks, the naive baselines,
  combinations and your own models: a *calibration fit* of the model (a fresh copy per seed of
  the run) on the run's own split (training part; early stopping on the validation part as in
  the run) with horizons ``1..h`` forecasts every origin of the validation and test parts; the
  absolute errors of the seed-mean forecast at step ``j`` give the half-width at step ``j``
  (:func:`pybbdl.evaluation.intervals.conformal_half_width`: the ``ceil((n + 1) L)``-th smallest
  of the ``n`` errors, absolute, not scaled by window volatility). A level those errors cannot
  support (fewer than ``L / (1 - L)`` of them) gets NaN bounds and a note. The networks' final
  fit on all rows trains for the calibration fit's ``epochs_run_`` epochs (no validation part
  is left for early stopping; ``patience=None``).

**Seeds:** a stochastic model (the networks) is fitted once per seed of the run; ``mean`` is the
mean over the seeds and ``sd`` their standard deviation at each step (NaN for one seed and for
deterministic models).
"""

from __future__ import annotations

import copy
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pybbdl._validation import check_positive_int
from pybbdl.evaluation.intervals import (DEFAULT_LEVELS, check_interval_levels, conformal_half_width,
                                         has_own_intervals)
from pybbdl.exceptions import ArgumentError, ArgumentTypeError, DataError, ModelFitError
from pybbdl.models.arima import ArimaForecaster
from pybbdl.models.horizons import DirectForecaster
from pybbdl.models.series import interval_columns, level_label
from pybbdl.models.ets import EtsForecaster
from pybbdl.outputs import atomic_write, prepare_output_dir
from pybbdl.reports import _save_figure, _stamp, format_table, future_fan_figure
from pybbdl.windows import prepare_windows

__all__ = ["REFIT_RULES", "FutureForecast", "forecast_future"]

#: The refit rules of :func:`forecast_future` (``settings["refit"]``): ``"all"`` = refit every
#: model on all rows up to the last observation.
REFIT_RULES = ("all",)
#: What each interval method means (the ``interval`` column), as recorded in the settings.
INTERVAL_TEXT = {
    "model": "the model's own analytic intervals at each step",
    "conformal": "split-conformal per step: absolute errors of a calibration fit (run's split, train part) at that "
                 "step on the val and test origins",
}


@dataclass
class FutureForecast:
    """What :func:`forecast_future` (and ``ForecastRun.forecast(h)``) returns.

    Attributes:
        table: Long DataFrame, one row per model and step, fixed columns ``model, step, time,
            mean, sd, lower_<L>, upper_<L>`` (for each level, e.g. ``lower_80``) ``, interval``.
            ``step``: steps after the last observation (1..h); ``time``: the future timestamps
            (inferred from the data's frequency; positions for data without dates); ``mean``:
            the forecast (mean over seeds), target units; ``sd``: standard deviation across the
            seeds (NaN with one fit); ``interval``: ``"model"`` or ``"conformal"`` (see
            :mod:`pybbdl.workflows.future`).
        history: The observed target series.
        settings: ``h``, ``levels``, ``refit`` (the rule) and ``refit_rule`` (in words), ``seeds``,
            ``last_observation``, ``rows``, ``interval_method``, ``intervals`` (what each method
            means), and per model (``models``): class, spec (``describe()`` of the final fit),
            parameters changed for the refit (e.g. ARIMA's order), interval method, epochs of
            the final fits, and for conformal intervals the calibration parts and errors per step.
        notes: Why a value is NaN or what to know (``"model: text"``).
    """

    table: pd.DataFrame
    history: pd.Series
    settings: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)

    @property
    def models(self) -> list[str]:
        """The models forecast, in table order."""
        return list(dict.fromkeys(self.table["model"]))

    @property
    def levels(self) -> tuple[float, ...]:
        return tuple(self.settings.get("levels", ()))

    def path(self, model: str) -> pd.DataFrame:
        """One model's rows of :attr:`table`."""
        if model not in self.models:
            raise ArgumentError(f"`model` must be one of {self.models}. Received: {model!r}")
        return self.table[self.table["model"] == model].reset_index(drop=True)

    def fan(self, model: str, *, last: int | None = None):
        """The fan chart of one model (:func:`pybbdl.reports.future_fan_figure`): the last ``3 * h``
        observations (or `last`), then the mean path and the bands from the last observation; a Figure."""
        rows = self.path(model)
        method = str(rows["interval"].iloc[0]) if len(rows) else ""
        text = {"model": "the model's own intervals", "conformal": "conformal intervals per step"}.get(method, "")
        return future_fan_figure(self.history, rows, self.levels, model=model, interval=text, last=last)

    def plot(self, model: str | None = None, *, last: int | None = None):
        """The fan chart of `model`, or with None one panel per model (a Figure)."""
        if model is not None:
            return self.fan(model, last=last)
        from matplotlib.figure import Figure

        names = self.models
        fig = Figure(figsize=(10, 3.6 * len(names)))
        axes = fig.subplots(len(names), 1, squeeze=False)[:, 0]
        for ax, name in zip(axes, names):
            rows = self.path(name)
            future_fan_figure(self.history, rows, self.levels, model=name, interval=str(rows["interval"].iloc[0]),
                              last=last, ax=ax)
        return fig

    def write_files(self, out: Path) -> list[Path]:
        """Write ``forecast_future.csv`` and ``fan_future_<model>.png`` into the existing folder `out`."""
        out = Path(out)
        paths = [atomic_write(out / "forecast_future.csv", lambda tmp: self.table.to_csv(tmp, index=False))]
        for name in self.models:
            safe = re.sub(r"[^A-Za-z0-9_.-]", "_", str(name))
            paths.append(_save_figure(self.fan(name), out / f"fan_future_{safe}.png"))
        return paths

    def save(self, out_dir) -> list[Path]:
        """Write :meth:`write_files` into `out_dir` (created if needed), each file atomically. No
        manifest is written, so saving into a run's folder leaves the run's files alone (a run
        made with ``future=H`` lists them in its own manifest)."""
        return self.write_files(prepare_output_dir(out_dir))

    def summary(self) -> str:
        s = self.settings
        head = (f"Forecasts of {self.history.name} for the next {s['h']} steps after the last observation "
                f"{s['last_observation']} (refit: {s['refit']}; intervals: model = the model's own, conformal = "
                "per step from a calibration fit's out-of-sample errors; mean and sd over seeds)")
        cols = ["model", "step", "time", "mean", "sd"] + [c for lv in self.levels for c in interval_columns(lv)]
        table = self.table[cols + ["interval"]].copy()
        if isinstance(self.history.index, pd.DatetimeIndex):
            table["time"] = pd.to_datetime(table["time"]).dt.strftime("%Y-%m-%d")
        text = head + "\n" + format_table(table)
        if self.notes:
            text += "\nnotes:\n" + "\n".join(f"  {n}" for n in self.notes)
        return text

    def __str__(self) -> str:
        return self.summary()


def _comparison(run):
    comparison = getattr(run, "comparison", None)
    if comparison is None and hasattr(run, "seed_forecasts"):
        comparison = run
    if comparison is None or getattr(comparison, "windows", None) is None:
        raise ArgumentTypeError("`run` must be a ForecastRun (forecast_compare/forecast_backtest) or a Comparison. "
                                f"Received: {type(run).__name__}")
    return comparison


def _check_h(h, n: int) -> int:
    if isinstance(h, str) or isinstance(h, bool) or not isinstance(h, (int, np.integer, float, np.floating)):
        raise ArgumentError(f"`h` must be a whole number of steps >= 1. Received: h={h!r}")
    h = check_positive_int("h", h)
    if h > n:
        raise ArgumentError(f"`h` must be at most the number of rows of the data ({n}): a forecast further ahead "
                            f"than the data are long says nothing. Received: h={h}")
    return h


def _check_models(models, fitted: dict) -> list[str]:
    if models is None:
        return list(fitted)
    names = [m.strip() for m in models.split(",") if m.strip()] if isinstance(models, str) else list(models)
    if not names or not all(isinstance(m, str) for m in names):
        raise ArgumentError(f"`models` must name models of the run. Received: models={models!r}")
    unknown = [m for m in names if m not in fitted]
    if unknown:
        raise ArgumentError(f"`models` must name fitted models of the run. Received: {unknown}; fitted: {list(fitted)}")
    repeated = sorted({m for m in names if names.count(m) > 1})
    if repeated:
        raise ArgumentError(f"`models` must name each model once. Received: {repeated} more than once")
    return names


def _template(name: str, est):
    """The unfitted-able estimator behind a run's model (a multi-horizon run wraps some in
    DirectForecaster); refuses objects that cannot be copied unfitted or fitted."""
    if isinstance(est, DirectForecaster):
        est = est.estimator
    if not callable(getattr(est, "fit", None)):
        raise ArgumentTypeError(f"Model {name!r} cannot be refitted for a forecast from today: it has no fit(windows). "
                                f"Received: {type(est).__name__}")
    if not (callable(getattr(est, "clone", None)) or callable(getattr(est, "get_params", None))):
        raise ArgumentTypeError(f"Model {name!r} ({type(est).__name__}) cannot be refitted for a forecast from today: "
                                "it needs clone() (or get_params() with a constructor taking those parameters) to "
                                "make an unfitted copy. Add clone() to it, or leave it out with `models`.")
    return est


def _fresh(est, seed=None, **params):
    """An unfitted copy of `est` with `params` (those it takes) and, for a stochastic model, `seed`."""
    if callable(getattr(est, "clone", None)):
        model = est.clone()
    else:
        model = type(est)(**copy.deepcopy(est.get_params()))
    if getattr(model, "stochastic", False) and seed is not None:
        params = {**params, "random_state": seed}
    if params:
        valid = model.get_params() if callable(getattr(model, "get_params", None)) else {}
        params = {k: v for k, v in params.items() if k in valid}
        if callable(getattr(model, "set_params", None)):
            model.set_params(**params)
        else:
            for k, v in params.items():
                setattr(model, k, v)
    return model


def _multi(model):
    """`model`, wrapped to forecast every horizon at once where it cannot itself."""
    return model if callable(getattr(model, "predict_horizons", None)) else DirectForecaster(model)


def _refit_params(est) -> dict:
    """What the refit keeps of the run's fit: ARIMA's order and trend, ETS's form."""
    if isinstance(est, ArimaForecaster) and hasattr(est, "order_"):
        return {"order": tuple(int(v) for v in est.order_),
                "seasonal_order": tuple(int(v) for v in est.seasonal_order_), "trend": est.trend_,
                "refit_every": None}
    if isinstance(est, EtsForecaster) and hasattr(est, "spec_"):
        e, t, d, s = est.spec_
        return {"spec": f"{e}{t}{s}", "damped": bool(d)}
    return {}


def _calibration_split(windows, h: int) -> tuple[dict, list[str]]:
    """The run's split for the calibration fits, and the parts (val, test) that hold an origin
    whose steps 1..h all lie inside them."""
    split = {"train": tuple(windows.bounds["train"])}
    parts = []
    for part in ("val", "test"):
        if part in windows.bounds:
            start, stop = windows.bounds[part]
            if stop - start >= h:
                split[part] = (start, stop)
                parts.append(part)
    return split, parts


def _windows(frame: pd.DataFrame, windows, h: int, split):
    features = list(frame.columns[1:]) or None
    return prepare_windows(frame, target=windows.target, features=features, lookback=windows.lookback,
                           step=windows.step, horizons=h, split=split)


def forecast_future(run, h: int, *, levels: Sequence[float] | None = None, models: Sequence[str] | str | None = None,
                    refit: str = "all", progress: bool = True) -> FutureForecast:
    """Forecast the next `h` steps after the last observation with every model of a run.

    Each chosen model is refitted on all the data up to the last observation and forecasts steps
    ``1..h`` from there, with intervals at every step: the model's own (ARIMA, ETS, Theta, AR,
    random walk on the mean, VAR) or split-conformal per step (networks, naive, combinations,
    your own models), calibrated on the out-of-sample errors of a calibration fit on the run's
    split; the networks are fitted once per seed of the run and averaged. The module docstring
    (:mod:`pybbdl.workflows.future`) states the rules; ``settings`` records them.

    Args:
        run: A :class:`~pybbdl.workflows.forecast_run.ForecastRun` of
            :func:`~pybbdl.workflows.forecasting.forecast_compare` or ``forecast_backtest`` (a
            backtest's data are its windows' frame, its calibration split the last fold's), or
            its :class:`~pybbdl.evaluation.Comparison`.
        h: Steps ahead, a whole number from 1 to the number of rows of the data.
        levels: Interval levels in (0, 1), e.g. ``(0.8, 0.95)``; None = the run's levels (80 %
            and 95 % if it had none).
        models: Names of the run's fitted models (a list or ``"naive,arima"``); None = all.
        refit: The refit rule, ``"all"`` (see :data:`REFIT_RULES`).
        progress: One line per fit on stderr.

    Returns:
        A :class:`FutureForecast`.

    Raises:
        ArgumentError: `h` not a whole number >= 1 or more than the data's rows, bad `levels`,
            models not in the run, a run with future-known columns (use
            :func:`pybbdl.forecast_conditional` with their future path), an unknown `refit`.
        ArgumentTypeError: `run` is not a run, or one of its models cannot be copied unfitted.
    """
    comparison = _comparison(run)
    windows = comparison.windows
    settings = dict(getattr(run, "settings", None) or {})
    if windows.known:
        raise ArgumentError(f"This run uses future-known columns {windows.known}: its forecasts need their future "
                            "path. Use pybbdl.forecast_conditional(run, future) with the path over the horizon.")
    frame = windows.frame
    if windows.future_origin is not None:
        frame = frame.iloc[:windows.future_origin]
    n = len(frame)
    h = _check_h(h, n)
    if refit not in REFIT_RULES:
        raise ArgumentError(f"`refit` must be one of {list(REFIT_RULES)}. Received: refit={refit!r}")
    if levels is None:
        levels = tuple(comparison.levels) or DEFAULT_LEVELS
    if isinstance(levels, str):
        raise ArgumentError(f"`levels` must be numbers in (0, 1), e.g. (0.8, 0.95). Received: {levels!r}")
    levels = check_interval_levels(levels)
    if not levels:
        raise ArgumentError("`levels` must name at least one level in (0, 1), e.g. (0.8, 0.95). Received: none")
    if not isinstance(progress, (bool, np.bool_)):
        raise ArgumentTypeError(f"`progress` must be True or False. Received: progress={progress!r}")
    fitted = dict(comparison.models)
    names = _check_models(models, fitted)
    templates = {name: _template(name, fitted[name]) for name in names}
    seeds = list(settings.get("seeds") or comparison.table.attrs.get("seeds") or [None])
    method = settings.get("interval_method", "auto")

    full = _windows(frame, windows, h, {"train": (0, n)})
    future = full.with_future()
    times = future.frame.index[n:n + h]
    cal_split, cal_parts = _calibration_split(windows, h)
    cal_windows = None

    rows, notes, record = [], [], {}
    for i, name in enumerate(names, start=1):
        est = templates[name]
        stochastic = bool(getattr(est, "stochastic", False))
        own = (not stochastic and callable(getattr(est, "predict_interval_horizons", None))
               and has_own_intervals(est, method))
        changed = _refit_params(est)
        info = {"class": type(est).__name__, "refit_params": changed, "interval": "model" if own else "conformal"}
        model_notes: list[str] = []
        max_train = (est.get_params().get("max_train") if callable(getattr(est, "get_params", None)) else None)
        if max_train is not None and n > int(max_train):  # the model's own cap is kept, and said
            model_notes.append(f"refitted on the last {int(max_train)} of the {n} rows (its max_train)")
        runs = seeds if stochastic else [None]
        paths, cal_preds, epochs = [], [], []
        bounds = {lv: (np.full(h, np.nan), np.full(h, np.nan)) for lv in levels}

        def say(text):
            if progress:
                print(f"[future {i}/{len(names)}] {name}{text}", file=sys.stderr, flush=True)

        try:
            for seed in runs:
                label = f", seed {seed}" if stochastic and len(runs) > 1 else ""
                extra = dict(changed)
                if not own:
                    if cal_windows is None:
                        cal_windows = _windows(frame, windows, h, cal_split)
                    say(f"{label}: calibration fit on the run's training part")
                    cal = _multi(_fresh(est, seed, **changed)).fit(cal_windows)
                    cal_preds.append({p: np.asarray(cal.predict_horizons(cal_windows, p), dtype=float)
                                      for p in cal_parts})
                    run_epochs = getattr(cal, "epochs_run_", None)
                    if stochastic and run_epochs is not None and np.isfinite(run_epochs):
                        extra.update(epochs=max(1, int(round(float(run_epochs)))), patience=None)
                say(f"{label}: fit on all {n} rows")
                model = _multi(_fresh(est, seed, **extra))
                model.fit(full)
                paths.append(np.asarray(model.predict_horizons(future, "future"), dtype=float).reshape(-1))
                if stochastic:
                    epochs.append(getattr(model, "epochs_run_", None))
                model_notes += [str(t) for t in (getattr(model, "notes_", None) or []) if str(t) not in model_notes]
                if own:
                    raw = model.predict_interval_horizons(future, "future", levels)
                    bounds = {lv: tuple(np.asarray(a, dtype=float).reshape(-1) for a in raw[lv]) for lv in levels}
                if seed == runs[0] and callable(getattr(model, "describe", None)):
                    info["spec"] = str(model.describe())
        except (ModelFitError, DataError) as err:
            model_notes.append(f"no forecast: the refit failed ({err})")
            paths = []
        mean = np.mean(paths, axis=0) if paths else np.full(h, np.nan)
        sd = np.std(paths, axis=0, ddof=1) if len(paths) > 1 else np.full(h, np.nan)
        if paths and not own:
            bounds, cal_info = _conformal(mean, cal_preds, cal_windows, cal_parts, levels, model_notes)
            info["calibration"] = cal_info
        if epochs:
            info["epochs"] = epochs
        info["seeds"] = len(paths) if stochastic else None
        record[name] = info
        notes += [f"{name}: {t}" for t in model_notes]
        block = {"model": name, "step": np.arange(1, h + 1), "time": times, "mean": mean, "sd": sd}
        for lv in levels:
            lo_col, hi_col = interval_columns(lv)
            block[lo_col], block[hi_col] = bounds[lv]
        block["interval"] = info["interval"]
        rows.append(pd.DataFrame(block))
    table = pd.DataFrame(pd.concat(rows, ignore_index=True))
    if settings.get("train_length"):
        notes.append(f"the backtest trained on a sliding window of {settings['train_length']} rows; the forecasts from "
                     f"today refit on all {n} rows")
    history = frame.iloc[:, 0].copy()
    history.name = windows.target
    out_settings = {
        "h": h, "levels": list(levels), "refit": refit,
        "refit_rule": "each model refitted on all rows up to the last observation (ARIMA keeps the run's order "
                      "and trend, ETS its form); networks: one final fit per seed for the calibration fit's epochs, "
                      "no early stopping",
        "last_observation": _stamp(frame.index[-1]), "rows": n, "seeds": seeds, "interval_method": method,
        "intervals": dict(INTERVAL_TEXT), "calibration_parts": cal_parts,
        "calibration_split": {p: list(map(int, b)) for p, b in cal_split.items()}, "models": record,
    }
    return FutureForecast(table=table, history=history, settings=out_settings, notes=notes)


def _conformal(mean, cal_preds, cal_windows, parts, levels, notes) -> tuple[dict, dict]:
    """Per-step conformal bounds around `mean` from the seed-mean calibration forecasts' errors."""
    h = len(mean)
    bounds = {lv: (np.full(h, np.nan), np.full(h, np.nan)) for lv in levels}
    if not parts:
        notes.append(f"no conformal intervals: neither the val nor the test part of the run's split holds {h} "
                     "consecutive targets to calibrate them on")
        return bounds, {"parts": [], "errors_per_step": [0] * h}
    errors = np.concatenate([cal_windows.targets_by_horizon(p, scaled=False)
                             - np.mean([c[p] for c in cal_preds], axis=0)
                             for p in parts])  # (origins, h)
    counts = [int(np.isfinite(errors[:, j]).sum()) for j in range(h)]
    for lv in levels:
        try:
            half = np.array([conformal_half_width(errors[:, j], lv, where=f"the {' and '.join(parts)} parts")
                             for j in range(h)])
        except DataError as err:
            notes.append(f"no {level_label(lv)} % interval: {err}")
            continue
        bounds[lv] = (mean - half, mean + half)
    return bounds, {"parts": list(parts), "errors_per_step": counts}
