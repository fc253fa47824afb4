"""Forecast accuracy metrics, declared once in one registry.

Every number a comparison or a panel reports is declared here (fabletools' idea of
``point_accuracy_measures`` / ``interval_accuracy_measures``): its name, kind, function, whether
lower is better, what it needs, its display label. The long and wide tables of
:func:`~pybbdl.evaluation.compare.compare` and :func:`~pybbdl.evaluation.backtest.backtest`, the
reports, the panel scores and R's result classes read this registry; nothing parses a column
name back into a metric.

Kinds of metric (a user can register the first three with :func:`register_metric`):

* ``"point"``: ``function(actual, forecast) -> float`` on one part's targets and one seed's
  forecasts (MAE, RMSE in target units; skill against the naive forecast; the panel's sMAPE and
  MASE, and OWA relative to NAIVE2);
* ``"interval"``: ``function(actual, lower, upper, level) -> float``, scored at each interval
  level L; long-table name ``<name>_<L>`` (``coverage_80``, ``width_95``, ``winkler_80``);
* ``"distribution"``: ``function(actual, taus, quantiles) -> float`` on the quantile forecasts the
  levels imply (``taus`` sorted, ``quantiles`` of shape ``(len(taus), n)``): pinball, CRPS;
* ``"test"``, ``"set"``, ``"fit"`` (built in, computed by the comparison itself): the
  Diebold-Mariano and Clark-West tests against each baseline (``<name>_vs_<baseline>``), Hansen's
  model confidence set, and what fitting took (epochs, seconds, parameters).

:func:`metric_table` is the registry as a data frame (``pybbdl metrics``; R's ``pybbdl_metrics()``).

Point-forecast helpers: :func:`mae`, :func:`rmse`, :func:`skill_pct` (against a reference, with
a note when the reference is exact), :func:`zero_tolerance`.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from pybbdl.evaluation.intervals import (check_interval_levels, coverage, crps_from_quantiles, pinball_loss,
                                         quantile_forecasts, winkler_score)
from pybbdl.evaluation.scale_free import mase, owa, smape
from pybbdl.exceptions import ArgumentError, ArgumentTypeError
from pybbdl.models.series import level_label

#: Errors at or below ``ZERO_RTOL * scale`` (scale = the largest absolute actual value, or 1)
#: count as numerically zero: ARIMA's round-off on a constant series is about 1e-9, not a signal.
ZERO_RTOL = float(np.sqrt(np.finfo(float).eps))


def mae(actual, forecast) -> float:
    """Mean absolute error."""
    return float(np.mean(np.abs(np.asarray(actual) - np.asarray(forecast))))


def rmse(actual, forecast) -> float:
    """Root mean squared error."""
    return float(np.sqrt(np.mean((np.asarray(actual) - np.asarray(forecast)) ** 2)))


def zero_tolerance(actual) -> float:
    """The error size below which a forecast of `actual` counts as exact (see :data:`ZERO_RTOL`)."""
    actual = np.asarray(actual, dtype=float)
    scale = float(np.max(np.abs(actual))) if actual.size else 0.0
    return ZERO_RTOL * (scale if scale > 0 else 1.0)


def skill_pct(model_mae: float, reference_mae: float, *, tol: float = 0.0) -> tuple[float, str]:
    """``100 * (1 - model_mae / reference_mae)`` and a note.

    When the reference MAE is numerically zero (at or below `tol`, e.g. the naive forecast of a
    constant series) the skill is undefined: NaN with a note saying why, never ``-inf`` or a ratio
    of round-off errors.
    """
    if not np.isfinite(model_mae) or not np.isfinite(reference_mae):
        return float("nan"), ""
    if reference_mae <= tol:
        return float("nan"), (f"skill undefined: the naive forecast is exact (MAE {reference_mae:.3g}); "
                              "is the series constant?")
    return 100.0 * (1.0 - model_mae / reference_mae), ""


def interval_coverage(actual, lower, upper, level: float) -> float:
    """Share of `actual` inside ``[lower, upper]`` (0..1; near `level` is good)."""
    return coverage(actual, lower, upper)


def interval_width(actual, lower, upper, level: float) -> float:
    """Mean width ``upper - lower``, in the target's units."""
    return float(np.mean(np.asarray(upper, dtype=float) - np.asarray(lower, dtype=float)))


def mean_pinball(actual, taus, quantiles) -> float:
    """The pinball (quantile) loss averaged over the quantile levels `taus`."""
    return float(np.mean([pinball_loss(actual, q, t) for t, q in zip(taus, quantiles, strict=True)]))


# --------------------------------------------------------------------------------------------
# the registry
# --------------------------------------------------------------------------------------------
#: Kinds of metric, in the order their columns appear; users register the first three.
KINDS = ("point", "test", "interval", "distribution", "set", "fit")
USER_KINDS = ("point", "interval", "distribution")
#: What a metric's function takes, by kind.
NEEDS = {"point": ("actual", "forecast"), "interval": ("actual", "lower", "upper", "level"),
         "distribution": ("actual", "taus", "quantiles")}
#: Where a metric is scored: a comparison/backtest (``"compare"``) or a panel (``"panel"``).
SCOPES = ("compare", "panel")
#: Columns of the wide table that are not metrics (a metric may not take these names).
RESERVED_NAMES = ("model", "part", "horizon", "metric", "value", "sd", "n", "seeds", "note", "spec", "folds",
                  "fold", "interval", "frequency", "id", "error")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Metric:
    """One metric of the registry.

    Attributes:
        name: Its name in the long table (``metric`` column), before any level or baseline.
        kind: See :data:`KINDS`.
        function: What computes it (see the module docstring for each kind's signature); None for
            the numbers the comparison computes itself (tests, the model confidence set, fitting).
        lower_is_better: True, False, or None where neither is (coverage: near the level is good;
            p-values).
        needs: What it is computed from, e.g. ``("actual", "forecast")``.
        label: How tables and printed results show it (``"mae"``, ``"skill %"``, ``"p vs"``).
        description: One line: what it is and its units.
        scope: Where it is scored (:data:`SCOPES`).
        column: Its stem in the wide table (default `name`: ``test_mae``; DM's ``dm_stat`` is ``dm``).
        per_level: One value per interval level (long name ``<name>_<L>``).
        per_baseline: One value per baseline (long name ``<name>_vs_<baseline>``).
        sd: The wide table shows ``<part>_<name>_sd`` (sd over seeds) when there are several seeds.
        printed: R's ``print()`` and the terminal summary show it (``print_sd``: its sd too).
        builtin: Declared by pybbdl (not removable).
    """

    name: str
    kind: str
    function: Callable | None
    lower_is_better: bool | None
    needs: tuple[str, ...]
    label: str
    description: str = ""
    scope: tuple[str, ...] = ("compare",)
    column: str = ""
    per_level: bool = False
    per_baseline: bool = False
    sd: bool = False
    printed: bool = False
    print_sd: bool = False
    builtin: bool = True

    @property
    def stem(self) -> str:
        return self.column or self.name

    def long_name(self, *, level: float | None = None, baseline: str | None = None) -> str:
        """The long table's ``metric`` value: ``mae``, ``coverage_80``, ``p_vs_naive``."""
        name = self.name
        if self.per_level:
            name = f"{name}_{level_label(level)}"
        if self.per_baseline:
            name = f"{name}_vs_{baseline}"
        return name

    def wide_name(self, part: str, *, level: float | None = None, baseline: str | None = None,
                  sd: bool = False) -> str:
        """The wide table's column: ``test_mae``, ``test_mae_sd``, ``val_coverage_95``, ``test_dm_vs_naive``."""
        stem = self.stem
        if self.per_level:
            stem = f"{stem}_{level_label(level)}"
        if self.per_baseline:
            stem = f"{stem}_vs_{baseline}"
        return f"{part}_{stem}" + ("_sd" if sd else "")


_REGISTRY: dict[str, Metric] = {}


def _insert(metric: Metric) -> None:
    """Add `metric` after the last metric of its kind (the registry's order is the columns' order)."""
    global _REGISTRY
    items = list(_REGISTRY.items())
    rank = KINDS.index(metric.kind)
    at = len(items)
    for i, (_, m) in enumerate(items):
        if KINDS.index(m.kind) > rank:
            at = i
            break
    items.insert(at, (metric.name, metric))
    _REGISTRY = dict(items)


def get_metric(name: str) -> Metric:
    """The registered metric called `name`.

    Raises:
        ArgumentError: `name` is not a registered metric (the message lists them).
    """
    if not isinstance(name, str) or name not in _REGISTRY:
        raise ArgumentError(f"`metric` must be a registered metric ({', '.join(_REGISTRY)}). Received: {name!r}")
    return _REGISTRY[name]


def metric_names(kind: str | None = None, scope: str | None = None) -> list[str]:
    """Registered metric names in column order, optionally of one `kind` and/or `scope`."""
    if kind is not None and kind not in KINDS:
        raise ArgumentError(f"`kind` must be one of {list(KINDS)}. Received: {kind!r}")
    if scope is not None and scope not in SCOPES:
        raise ArgumentError(f"`scope` must be one of {list(SCOPES)}. Received: {scope!r}")
    return [n for n, m in _REGISTRY.items() if (kind is None or m.kind == kind) and (scope is None or scope in m.scope)]


def metrics(kind: str | None = None, scope: str | None = None) -> list[Metric]:
    """The registered :class:`Metric` objects (see :func:`metric_names`)."""
    return [_REGISTRY[n] for n in metric_names(kind, scope)]


def metric_table():
    """The registry as a DataFrame, one row per metric in column order: ``metric, kind, label,
    better`` (``"lower"``, ``"higher"`` or ``""``), ``needs``, ``per`` (``"level"``, ``"baseline"`` or
    ``""``), ``scope``, ``printed``, ``builtin``, ``description``. What ``pybbdl metrics`` prints and
    R's ``pybbdl_metrics()`` returns."""
    import pandas as pd

    better = {True: "lower", False: "higher", None: ""}
    rows = [{"metric": m.name, "kind": m.kind, "label": m.label, "better": better[m.lower_is_better],
             "needs": ",".join(m.needs), "per": "level" if m.per_level else "baseline" if m.per_baseline else "",
             "scope": ",".join(m.scope), "printed": bool(m.printed), "builtin": bool(m.builtin),
             "description": m.description} for m in _REGISTRY.values()]
    return pd.DataFrame(rows, columns=["metric", "kind", "label", "better", "needs", "per", "scope", "printed",
                                       "builtin", "description"])


def _probe_args(kind: str) -> tuple:
    actual = np.array([1.0, 2.0, 4.0])
    if kind == "point":
        return actual, np.array([1.5, 2.0, 3.0])
    if kind == "interval":
        return actual, np.array([0.5, 1.0, 3.5]), np.array([1.5, 3.0, 5.0]), 0.8
    return actual, np.array([0.1, 0.5, 0.9]), np.array([[0.5, 1.0, 3.0], [1.0, 2.0, 4.0], [1.5, 3.0, 5.0]])


def _check_function(name: str, kind: str, function) -> None:
    """Refuse what cannot be a metric of `kind`: not callable, the wrong arguments, or a result
    that is not one real number on a small example."""
    takes = ", ".join(NEEDS[kind])
    if not callable(function):
        raise ArgumentTypeError(f"`function` must be callable as function({takes}). Received: "
                                f"{type(function).__name__}")
    args = _probe_args(kind)
    try:
        inspect.signature(function).bind(*args)
    except TypeError as err:
        raise ArgumentTypeError(f"`function` of a {kind} metric must take ({takes}). Received: a function that "
                                f"cannot be called so ({err})") from None
    except ValueError:  # no signature (some builtins): the probe call below decides
        pass
    try:
        value = function(*args)
    except Exception as err:  # noqa: BLE001 - the user's code, reported with what it was given
        raise ArgumentTypeError(f"`function` of metric {name!r} must return one number for ({takes}); on a "
                                f"3-target example it raised {type(err).__name__}: {err}") from None
    if not _is_number(value):
        raise ArgumentTypeError(f"`function` of metric {name!r} must return one real number. Received: "
                                f"{_short(value)} on a 3-target example")


def _is_number(value) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return False
    arr = np.asarray(value)
    return arr.ndim == 0 and np.issubdtype(arr.dtype, np.number) and not np.issubdtype(arr.dtype, np.complexfloating)


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def score(metric: Metric, *args) -> float:
    """``metric.function(*args)`` as a float; a user's function that fails or returns something
    other than one real number is named in the error."""
    try:
        value = metric.function(*args)
    except Exception as err:  # noqa: BLE001
        if metric.builtin:
            raise
        raise ArgumentError(f"Metric {metric.name!r} failed: {type(err).__name__}: {err}") from err
    if not _is_number(value):
        raise ArgumentTypeError(f"Metric {metric.name!r} must return one real number. Received: {_short(value)}")
    return float(value)


def register_metric(name: str, function: Callable, *, kind: str = "point", lower_is_better: bool | None = True,
                    label: str | None = None, description: str = "", printed: bool | None = None) -> Metric:
    """Add a metric: every later comparison and backtest scores it, in the long and wide tables.

    Args:
        name: Lower-case letters, digits and ``_``, starting with a letter; not a registered
            metric's name or wide-table stem, not a table column (:data:`RESERVED_NAMES`), not
            ending in ``_sd``.
        function: ``function(actual, forecast)`` for a ``"point"`` metric,
            ``function(actual, lower, upper, level)`` for an ``"interval"`` one (scored at each
            level), ``function(actual, taus, quantiles)`` for a ``"distribution"`` one; returns one
            number. It is tried once on a 3-target example here.
        kind: ``"point"``, ``"interval"`` or ``"distribution"``.
        lower_is_better: True, False, or None.
        label: How printed tables show it (default `name`).
        description: One line: what it is, its units.
        printed: Shown by R's ``print()`` and the terminal summary (default: point metrics).

    Returns:
        The registered :class:`Metric`.

    Raises:
        ArgumentError: a bad, taken or reserved name, or an unknown kind.
        ArgumentTypeError: `function` is not callable as its kind needs, or does not return one
            real number; `lower_is_better`, `label`, `description` or `printed` of a wrong type.

    Example:
        >>> register_metric("medae", lambda a, f: float(np.median(np.abs(a - f))), label="MdAE")  # doctest: +SKIP
    """
    if not isinstance(name, str):
        raise ArgumentTypeError(f"`name` must be a string. Received: {type(name).__name__}")
    if not _NAME.match(name):
        raise ArgumentError("`name` must be lower-case letters, digits and _, starting with a letter. Received: "
                            f"{name!r}")
    taken = {m.stem for m in _REGISTRY.values()} | set(_REGISTRY)
    if name in taken:
        raise ArgumentError(f"`name` must not be a registered metric's name; {name!r} is taken (unregister_metric "
                            f"removes a metric you registered). Registered: {', '.join(_REGISTRY)}")
    if name in RESERVED_NAMES or name.endswith("_sd"):
        raise ArgumentError(f"`name` must not be a column of the tables ({', '.join(RESERVED_NAMES)}) or end in "
                            f"_sd. Received: {name!r}")
    if kind not in USER_KINDS:
        raise ArgumentError(f"`kind` must be one of {list(USER_KINDS)}. Received: {kind!r}")
    if lower_is_better is not None and not isinstance(lower_is_better, (bool, np.bool_)):
        raise ArgumentTypeError(f"`lower_is_better` must be True, False or None. Received: {lower_is_better!r}")
    if label is not None and (not isinstance(label, str) or not label.strip()):
        raise ArgumentTypeError(f"`label` must be a non-empty string or None. Received: {label!r}")
    if not isinstance(description, str):
        raise ArgumentTypeError(f"`description` must be a string. Received: {type(description).__name__}")
    if printed is not None and not isinstance(printed, (bool, np.bool_)):
        raise ArgumentTypeError(f"`printed` must be True, False or None. Received: {printed!r}")
    _check_function(name, kind, function)
    metric = Metric(name, kind, function, None if lower_is_better is None else bool(lower_is_better), NEEDS[kind],
                    label or name, description, ("compare",), per_level=kind == "interval",
                    printed=kind == "point" if printed is None else bool(printed), builtin=False)
    _insert(metric)
    return metric


def unregister_metric(name: str) -> None:
    """Remove a metric registered with :func:`register_metric` (pybbdl's own stay)."""
    metric = get_metric(name)
    if metric.builtin:
        raise ArgumentError(f"`name` must be a metric you registered; {name!r} is one of pybbdl's own. Received: "
                            f"{name!r}")
    del _REGISTRY[name]


def _builtin(name, kind, function, lower_is_better, needs, label, description, **kw) -> None:
    _insert(Metric(name, kind, function, lower_is_better, tuple(needs), label, description, **kw))


_P = NEEDS["point"]
_B = ("actual", "forecast", "baseline forecast")
_both = ("compare", "panel")
_builtin("mae", "point", mae, True, _P, "mae", "mean absolute error, target units", sd=True, printed=True,
         print_sd=True)
_builtin("rmse", "point", rmse, True, _P, "rmse", "root mean squared error, target units", sd=True, printed=True)
_builtin("skill_pct", "point", skill_pct, False, ("actual", "forecast", "naive forecast"), "skill %",
         "100 * (1 - MAE / naive MAE)", printed=True)
_builtin("smape", "point", smape, True, _P, "sMAPE", "200 |a - f| / (|a| + |f|), percent, per forecast",
         scope=("panel",))
_builtin("mase", "point", mase, True, ("actual", "forecast", "history", "period"), "MASE",
         "MAE / in-sample MAE of the seasonal naive forecast (m = period)", scope=("panel",))
_builtin("owa", "point", owa, True, ("smape", "mase", "reference smape", "reference mase"), "OWA",
         "M4's 0.5 (sMAPE / sMAPE_NAIVE2 + MASE / MASE_NAIVE2)", scope=("panel",))
_builtin("dm_stat", "test", None, True, _B, "DM vs", "Diebold-Mariano statistic (negative = more accurate)",
         column="dm", per_baseline=True)
_builtin("p", "test", None, None, _B, "p vs", "Diebold-Mariano p-value", per_baseline=True, printed=True)
_builtin("cw_stat", "test", None, False, _B, "CW vs", "Clark-West statistic (positive = the larger model better)",
         column="cw", per_baseline=True)
_builtin("cw_p", "test", None, None, _B, "CW p vs", "Clark-West p-value (one-sided)", per_baseline=True,
         printed=True)
_builtin("test", "test", None, None, ("nesting",), "test vs", "which test to read for the pair (DM or CW)",
         per_baseline=True, printed=True)
_builtin("coverage", "interval", interval_coverage, None, NEEDS["interval"], "coverage",
         "share of actuals inside the interval (0..1; near the level is good)", per_level=True, printed=True)
_builtin("width", "interval", interval_width, True, NEEDS["interval"], "width",
         "mean interval width, target units", per_level=True)
_builtin("winkler", "interval", winkler_score, True, NEEDS["interval"], "Winkler",
         "width + 2 / (1 - level) times the miss (Winkler 1972), target units", per_level=True)
_builtin("pinball", "distribution", mean_pinball, True, NEEDS["distribution"], "pinball",
         "quantile loss averaged over the quantiles the levels imply, target units")
_builtin("crps", "distribution", crps_from_quantiles, True, NEEDS["distribution"], "CRPS",
         "CRPS approximated from those quantiles, target units")
_builtin("mcs_p", "set", None, False, ("losses of every model",), "MCS p", "Hansen's model confidence set p-value")
_builtin("in_mcs", "set", None, False, ("losses of every model",), "in MCS",
         "1 = in the model confidence set at the level", per_level=True, printed=True)
_builtin("epochs", "fit", None, None, ("fit",), "epochs", "epochs trained (mean over seeds)")
_builtin("fit_seconds", "fit", None, True, ("fit",), "fit seconds", "seconds to fit (mean over seeds)")
_builtin("n_params", "fit", None, None, ("fit",), "parameters", "trainable parameters")


# --------------------------------------------------------------------------------------------
# scoring by the registry
# --------------------------------------------------------------------------------------------
def interval_metric_names(levels) -> list[str]:
    """The long table's interval and distribution metrics for `levels`, in order: for each level
    the ``"interval"`` metrics (``coverage_80``, ``width_80``, ``winkler_80``, ...), then the
    ``"distribution"`` ones (``pinball``, ``crps``, ...); none without levels."""
    levels = check_interval_levels(levels)
    names = [m.long_name(level=lv) for lv in levels for m in metrics("interval", "compare")]
    return names + ([m.name for m in metrics("distribution", "compare")] if levels else [])


def interval_scores(actual, point, intervals) -> dict[str, float]:
    """``{metric: value}`` for :func:`interval_metric_names` of the intervals' levels."""
    actual = np.asarray(actual, dtype=float).reshape(-1)
    out = {}
    for lv in sorted(intervals):
        lo, hi = intervals[lv]
        for m in metrics("interval", "compare"):
            out[m.long_name(level=lv)] = score(m, actual, lo, hi, lv)
    if intervals:
        taus, q = quantile_forecasts(point, intervals)
        for m in metrics("distribution", "compare"):
            out[m.name] = score(m, actual, taus, q)
    return out


__all__ = ["KINDS", "Metric", "NEEDS", "RESERVED_NAMES", "SCOPES", "USER_KINDS", "ZERO_RTOL", "get_metric",
           "interval_coverage", "interval_metric_names", "interval_scores", "interval_width", "mae", "mean_pinball",
           "metric_names", "metric_table", "metrics", "register_metric", "rmse", "score", "skill_pct",
           "unregister_metric", "zero_tolerance"]
