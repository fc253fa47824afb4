"""The one model registry: every model name pybbdl knows, the class behind it, its default
parameters, the run-wide settings it takes and what it can do.

Everything that lists or builds models by name reads this module: :func:`pybbdl.models.make_model`
and :func:`~pybbdl.evaluation.compare` (rolling-origin scoring), the panel workflow
(:func:`pybbdl.workflows.panel.forecast_panel`), :func:`pybbdl.models.series.forecast_series`,
the CLI's ``--models`` help and its TensorFlow-free start-up rule, and R's ``pybbdl_models()``.
No other module keeps a list of model names.

A model is registered with the **contracts** it follows (see :mod:`pybbdl.models.base` and
:mod:`pybbdl.models.series`):

* ``"windows"``: ``fit(windows)`` / ``predict(windows, part)``: scored from every origin of a
  part (compare, backtest, conformal calibration) and forecast from the last observation
  (the ``"future"`` part of :meth:`pybbdl.windows.Windows.with_future`);
* ``"series"``: ``fit(y, period)`` / ``forecast(h, levels)``: one whole series, steps 1..h past
  its end (panels, :func:`~pybbdl.models.series.forecast_series`);
* ``"global"``: trained across the series of a panel group (``fit(ys)`` / ``forecast(ys)``);
* ``"combination"``: a panel combination of other models' forecasts
  (:class:`pybbdl.workflows.combinations.PanelCombination`, its members and weighting rule in
  ``defaults``); the fixed ones are made whenever their members run, those with the
  ``validation`` capability (weights or members chosen on a validation window cut from each
  series' training part) when a panel asks for them by name.

and **capabilities** (:data:`CAPABILITIES`), which the evaluation layer and the doors read instead
of probing classes: ``keras``, ``stochastic``, ``own_intervals``, ``all_horizons``,
``uses_known``, ``nests``, ``multivariate``. The conformance suite
(``tests/python/test_conformance.py``) checks that each declaration matches what the class does.

Classes are named by ``"module:Class"`` and imported only when a model is built, so reading the
registry (``pybbdl forecast --help``, R's documentation) never imports TensorFlow.

Your own model: :func:`register_model` (then it is available by name in ``compare``,
``forecast_compare``, the CLI of the same process and the panels).

A model in its own package (or an optional model of pybbdl's): one module and one **entry point**
in the group ``pybbdl.models`` (:data:`ENTRY_POINT_GROUP`) of its ``pyproject.toml``::

    [project.entry-points."pybbdl.models"]
    gbm = "pybbdl.models.gbm:REGISTRATION"

The entry point's name is the model name; it points at a dict of :func:`register_model`'s keyword
arguments (``family``, ``summary``, ``windows``/``series``/``global_`` as ``"module:Class"``,
``defaults``, ``settings``, ``capabilities``). Installed entry points are read (with
:mod:`importlib.metadata`) the first time the registry is read, after pybbdl's own models, so the
model appears in ``compare``, panels, ``pybbdl models``, the CLI help and R's ``pybbdl_models()``
and ``forecast_compare(models = ...)`` with no other edit. An entry point that cannot be loaded,
is not such a dict or takes a name already registered is refused with a warning naming it (the
other models still work), and asking for its name then says why it is missing
(:func:`entry_point_errors`).
"""

from __future__ import annotations

import importlib
import inspect
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

from pybbdl.exceptions import ArgumentError, ArgumentTypeError

#: What a model can declare, and what each declaration means.
CAPABILITIES: dict[str, str] = {
    "keras": "trains a Keras network (imports TensorFlow)",
    "stochastic": "random initialisation: trained once per seed, reported as mean and sd",
    "own_intervals": "prediction intervals of its own (predict_interval / forecast(levels)); others get "
                     "conformal intervals",
    "all_horizons": "every horizon from one fit (predict_horizons); others are fitted once per horizon",
    "uses_known": "feeds future-known columns (scenarios, forecast_conditional)",
    "nests": "nests the naive model (Clark-West tests instead of Diebold-Mariano)",
    "multivariate": "uses every column of the windows, not only the target's past",
    "validation": "a combination whose weights or members are chosen on a validation window cut from each "
                  "series' training part (never its test part); made when a panel names it",
}
#: The contracts a model can follow.
CONTRACTS = ("windows", "series", "global", "combination")
#: Run-wide settings of the forecast workflows and the estimator parameter each one sets.
#: A model takes a setting only when its registry entry lists it in ``settings``.
RUN_SETTINGS: dict[str, str] = {
    "epochs": "epochs", "batch_size": "batch_size", "learning_rate": "learning_rate", "patience": "patience",
    "seed": "random_state", "verbose": "verbose", "deterministic": "deterministic", "progress": "progress",
    "units": "units", "period": "period", "max_train": "max_train", "max_p": "max_p", "max_q": "max_q",
}
_NEURAL_SETTINGS = ("epochs", "batch_size", "learning_rate", "patience", "seed", "verbose", "deterministic",
                    "units")


@dataclass(frozen=True)
class ModelSpec:
    """One registered model.

    Attributes:
        name: The name users write (``"gru"``).
        family: ``"baseline"``, ``"statistical"``, ``"combination"``, ``"neural"`` or ``"global"``.
        summary: One line for help texts and docs.
        windows: ``"module:Class"`` (or a class) following the windowed contract, or None.
        series: ``"module:Class"`` (or a class) following the series contract, or None (may be the
            same class as `windows`).
        global_: ``"module:Class"`` of a global model, or None.
        combination: ``"module:Class"`` of a panel combination, or None.
        defaults: Constructor arguments the name stands for (``{"architecture": "gru"}``).
        series_defaults: The same for the series class, when it differs.
        settings: Run-wide settings (:data:`RUN_SETTINGS`) the model takes.
        capabilities: A subset of :data:`CAPABILITIES`.
    """

    name: str
    family: str
    summary: str
    windows: object = None
    series: object = None
    global_: object = None
    combination: object = None
    defaults: Mapping = field(default_factory=dict)
    series_defaults: Mapping = field(default_factory=dict)
    settings: tuple = ()
    capabilities: frozenset = frozenset()

    @property
    def contracts(self) -> tuple[str, ...]:
        return tuple(c for c, target in zip(CONTRACTS, (self.windows, self.series, self.global_, self.combination))
                     if target)

    def has(self, capability: str) -> bool:
        return capability in self.capabilities

    def load(self, contract: str = "windows") -> type:
        """The class behind the name for a contract (imported now)."""
        target = {"windows": self.windows, "series": self.series, "global": self.global_,
                  "combination": self.combination}[contract]
        if target is None:
            raise ArgumentError(f"Model {self.name!r} has no {contract} contract (it follows: "
                                f"{', '.join(self.contracts)}).")
        return _resolve(target)

    def param_names(self, contract: str = "windows") -> list[str]:
        """The constructor parameters of the class behind the name."""
        cls = self.load(contract)
        names = getattr(cls, "_param_names", None)
        if callable(names):
            return list(names())
        sig = inspect.signature(cls.__init__)
        return [p.name for p in sig.parameters.values()
                if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]

    def build(self, contract: str = "windows", **params):
        """An unfitted model: the class with :attr:`defaults` overridden by `params` (each checked)."""
        cls = self.load(contract)
        accepted = self.param_names(contract)
        unknown = [k for k in params if k not in accepted]
        if unknown:
            raise ArgumentError(f"Unknown parameter(s) {unknown} for model {self.name!r}. Valid: {accepted}")
        defaults = self.series_defaults if contract == "series" and self.series != self.windows else self.defaults
        return cls(**{**dict(defaults), **params})


def _resolve(target) -> type:
    if isinstance(target, type):
        return target
    module, _, name = str(target).partition(":")
    return getattr(importlib.import_module(module), name)


_REGISTRY: dict[str, ModelSpec] = {}
#: The entry-point group third-party (and optional) models register under.
ENTRY_POINT_GROUP = "pybbdl.models"
#: {model name: why its entry point was refused}, filled when the entry points are read.
_ENTRY_POINT_ERRORS: dict[str, str] = {}
#: {model name: "name = module:attr (distribution version)"} of the models that came from entry points.
_FROM_ENTRY_POINTS: dict[str, str] = {}
_ENTRY_POINTS_READ: list[bool] = []
_REGISTRATION_KEYS = ("family", "summary", "windows", "series", "global_", "defaults", "series_defaults",
                      "settings", "capabilities")


def _entry_points(group: str):
    from importlib.metadata import entry_points

    return list(entry_points(group=group))


def _describe_entry_point(ep) -> str:
    dist = getattr(ep, "dist", None)
    where = f" (distribution {dist.metadata['Name']} {dist.version})" if dist is not None else ""
    return f"{ep.name} = {ep.value}{where}"


def load_entry_points(*, group: str = ENTRY_POINT_GROUP, reload: bool = False) -> dict[str, str]:
    """Register the models declared as entry points of `group` (done once, automatically, the first
    time the registry is read; ``reload=True`` reads them again, e.g. after installing a package).

    Returns:
        ``{name: reason}`` of the entry points that were refused (also warned about).
    """
    import warnings

    if _ENTRY_POINTS_READ and not reload:
        return dict(_ENTRY_POINT_ERRORS)
    _ENTRY_POINTS_READ[:] = [True]
    try:
        found = _entry_points(group)
    except Exception as err:  # noqa: BLE001 - broken metadata must not break pybbdl
        warnings.warn(f"pybbdl could not read the entry points of group {group!r}: {type(err).__name__}: {err}",
                      RuntimeWarning, stacklevel=2)
        return {}
    found.sort(key=lambda ep: (ep.name, ep.value))
    by_name: dict[str, list] = {}
    for ep in found:
        by_name.setdefault(ep.name, []).append(ep)
    for ep in found:
        label = _describe_entry_point(ep)
        if _FROM_ENTRY_POINTS.get(ep.name) == label:
            continue  # read before (reload)
        if len(by_name[ep.name]) > 1:  # ambiguous: none of them is the model
            others = ", ".join(repr(_describe_entry_point(o)) for o in by_name[ep.name])
            reason = (f"entry points {others} of group {ENTRY_POINT_GROUP!r} all take the model name "
                      f"{ep.name!r}; none is registered.")
            if ep is not by_name[ep.name][0]:
                continue  # one warning per name
        else:
            reason = _register_entry_point(ep, label)
        if reason:
            _ENTRY_POINT_ERRORS.setdefault(ep.name, reason)
            warnings.warn(f"pybbdl model entry point refused: {reason}", RuntimeWarning, stacklevel=2)
        else:
            _ENTRY_POINT_ERRORS.pop(ep.name, None)
    return dict(_ENTRY_POINT_ERRORS)


def _register_entry_point(ep, label: str) -> str:
    """Register one entry point; the reason it was refused, or ""."""
    if ep.name in _REGISTRY:
        owner = _FROM_ENTRY_POINTS.get(ep.name, "pybbdl's own models" if ep.name in _BUILTIN else
                                       "register_model()")
        return (f"entry point {label!r} of group {ENTRY_POINT_GROUP!r} takes the model name {ep.name!r}, "
                f"already registered by {owner}; rename the entry point.")
    try:
        target = ep.load()
    except Exception as err:  # noqa: BLE001 - any import error of a third-party module
        return (f"entry point {label!r} of group {ENTRY_POINT_GROUP!r} could not be loaded: "
                f"{type(err).__name__}: {err}")
    if not isinstance(target, Mapping):
        return (f"entry point {label!r} of group {ENTRY_POINT_GROUP!r} must point at a dict of "
                f"register_model() arguments. Received: {type(target).__name__}")
    unknown = sorted(set(target) - set(_REGISTRATION_KEYS))
    if unknown:
        return (f"entry point {label!r} of group {ENTRY_POINT_GROUP!r} has unknown key(s) {unknown}. Valid: "
                f"{list(_REGISTRATION_KEYS)}")
    try:
        register_model(ep.name, **dict(target))
        for contract in get_spec(ep.name).contracts:  # the classes must import and exist
            get_spec(ep.name).load(contract)
    except Exception as err:  # noqa: BLE001 - reported with the entry point's name
        _REGISTRY.pop(ep.name, None)
        return f"entry point {label!r} of group {ENTRY_POINT_GROUP!r} is not a valid model: {type(err).__name__}: {err}"
    _FROM_ENTRY_POINTS[ep.name] = label
    return ""


def _read_entry_points() -> None:
    if not _ENTRY_POINTS_READ:
        load_entry_points()


def entry_point_errors() -> dict[str, str]:
    """``{name: reason}`` of the ``pybbdl.models`` entry points that were refused."""
    _read_entry_points()
    return dict(_ENTRY_POINT_ERRORS)


def register_model(name: str, *, family: str = "user", summary: str = "", windows=None, series=None,
                   global_=None, combination=None, defaults: Mapping | None = None, series_defaults: Mapping | None = None,
                   settings=(), capabilities=(), replace: bool = False) -> ModelSpec:
    """Add a model to the registry (pybbdl's own models are registered this way below).

    Args:
        name: The name users will write; letters, digits and ``_``, not already registered (unless
            `replace`).
        windows, series, global_, combination: The class (or ``"module:Class"``) for each
            contract it follows; at least one (a combination follows only its own).
        defaults: Constructor arguments the name stands for.
        settings: Run-wide settings it takes (keys of :data:`RUN_SETTINGS`).
        capabilities: Keys of :data:`CAPABILITIES`.

    Raises:
        ArgumentError: a bad or taken name, no contract, an unknown setting or capability.
    """
    if not isinstance(name, str) or not name or not name.replace("_", "").isalnum() or name[0].isdigit():
        raise ArgumentError(f"A model name must be letters, digits and _ (not starting with a digit). "
                            f"Received: {name!r}")
    if name in _REGISTRY and not replace:
        raise ArgumentError(f"Model {name!r} is already registered; pass replace=True to redefine it.")
    if windows is None and series is None and global_ is None and combination is None:
        raise ArgumentError(f"Model {name!r} must follow at least one contract: give `windows`, `series`, "
                            "`global_` or `combination`.")
    if combination is not None and (windows, series, global_) != (None, None, None):
        raise ArgumentError(f"Model {name!r}: a combination follows only the combination contract. Received: "
                            "`combination` with `windows`, `series` or `global_`")
    settings = tuple(settings)
    if "season" in settings:  # pybbdl 0.3's name of the seasonal period setting
        warnings.warn("The run-wide setting `season` is now `period` (one name in Python, the CLI and R); "
                      "`season` is taken for one more release.", FutureWarning, stacklevel=2)
        settings = tuple(dict.fromkeys("period" if s == "season" else s for s in settings))
    bad = [s for s in settings if s not in RUN_SETTINGS]
    if bad:
        raise ArgumentError(f"Unknown run-wide setting(s) {bad} for model {name!r}. Valid: {list(RUN_SETTINGS)}")
    capabilities = frozenset(capabilities)
    bad = sorted(capabilities - set(CAPABILITIES))
    if bad:
        raise ArgumentError(f"Unknown capability(ies) {bad} for model {name!r}. Valid: {list(CAPABILITIES)}")
    for label, value in (("defaults", defaults), ("series_defaults", series_defaults)):
        if value is not None and not isinstance(value, Mapping):
            raise ArgumentTypeError(f"`{label}` must be a dict. Received: {type(value).__name__}")
    spec = ModelSpec(name=name, family=family, summary=summary, windows=windows, series=series, global_=global_,
                     combination=combination,
                     defaults=dict(defaults or {}), series_defaults=dict(series_defaults or {}), settings=settings,
                     capabilities=capabilities)
    _REGISTRY[name] = spec
    return spec


def unregister_model(name: str) -> None:
    """Remove a model registered with :func:`register_model` (pybbdl's own cannot be removed)."""
    if name in _BUILTIN:
        raise ArgumentError(f"Model {name!r} is one of pybbdl's own and cannot be removed.")
    _REGISTRY.pop(name, None)
    _FROM_ENTRY_POINTS.pop(name, None)


def get_spec(name: str, contract: str | None = None) -> ModelSpec:
    """The registry entry of a name (optionally one that follows `contract`), or a clear error."""
    if not isinstance(name, str):
        raise ArgumentTypeError(f"A model name must be a string. Received: {name!r} ({type(name).__name__})")
    _read_entry_points()
    spec = _REGISTRY.get(name)
    if spec is None and name in _ENTRY_POINT_ERRORS:
        raise ArgumentError(f"Model {name!r} is not available: {_ENTRY_POINT_ERRORS[name]}")
    if spec is None:
        known = model_names(contract)
        raise ArgumentError(f"Unknown model {name!r}. Known models: {', '.join(known)}")
    if contract is not None and contract not in spec.contracts:
        raise ArgumentError(f"Model {name!r} cannot be used here: it has no {contract} contract (it follows: "
                            f"{', '.join(spec.contracts)}). Models that can: {', '.join(model_names(contract))}")
    return spec


def model_names(contract: str | None = None, *, capability: str | None = None, without: str | None = None) -> tuple:
    """Registered names, in registry order: all, or those following `contract`, having `capability`
    or lacking `without`."""
    if contract is not None and contract not in CONTRACTS:
        raise ArgumentError(f"`contract` must be one of {CONTRACTS}. Received: {contract!r}")
    _read_entry_points()
    out = []
    for name, spec in _REGISTRY.items():
        if contract is not None and contract not in spec.contracts:
            continue
        if capability is not None and not spec.has(capability):
            continue
        if without is not None and spec.has(without):
            continue
        out.append(name)
    return tuple(out)


def registry() -> dict[str, ModelSpec]:
    """A copy of the registry ``{name: ModelSpec}``."""
    _read_entry_points()
    return dict(_REGISTRY)


def model_table():
    """The registry as a DataFrame: one row per model (name, family, contracts, capabilities,
    defaults, settings, summary): what ``pybbdl models`` prints and R's ``pybbdl_models()`` returns."""
    import pandas as pd

    _read_entry_points()
    rows = [{"model": s.name, "family": s.family, "contracts": ",".join(s.contracts),
             "capabilities": ",".join(sorted(s.capabilities)), "defaults": ", ".join(f"{k}={v!r}" for k, v in
                                                                                       s.defaults.items()),
             "settings": ",".join(s.settings), "summary": s.summary} for s in _REGISTRY.values()]
    return pd.DataFrame(rows, columns=["model", "family", "contracts", "capabilities", "defaults", "settings",
                                       "summary"])


def help_text(contract: str = "windows") -> str:
    """``name (summary)`` grouped by family, for ``--help`` texts."""
    groups: dict[str, list[str]] = {}
    for name in model_names(contract):
        groups.setdefault(_REGISTRY[name].family, []).append(name)
    return "; ".join(f"{family}: {', '.join(names)}" for family, names in groups.items())


# --------------------------------------------------------------------------------------------
# pybbdl's own models
# --------------------------------------------------------------------------------------------
_B, _L, _A = "pybbdl.models.baselines", "pybbdl.models.local", "pybbdl.models.arima"
_ETS, _THETA, _AR, _COMBO = ("pybbdl.models.ets", "pybbdl.models.theta", "pybbdl.models.autoregressive",
                             "pybbdl.models.combination")
_NN = "pybbdl.models.neural:NeuralForecaster"


def _rolled(name: str) -> dict:
    """A series-only local model in comparisons: the windowed contract by refitting at each origin
    (:class:`pybbdl.models.series.SeriesOrigins`, the generic path of the one contract)."""
    return {"windows": "pybbdl.models.series:SeriesOrigins", "defaults": {"model": name},
            "settings": ("period", "max_train"), "capabilities": ("own_intervals", "all_horizons")}


_NN_CAPS = ("keras", "stochastic", "all_horizons", "uses_known")

register_model("naive", family="baseline", summary="last value (persistence, DLwR 6.3)",
               windows=f"{_B}:NaiveForecaster", series=f"{_B}:NaiveForecaster", capabilities=("all_horizons",))
register_model("seasonal_naive", family="baseline", summary="value one season earlier",
               windows=f"{_B}:SeasonalNaiveForecaster", series=f"{_B}:SeasonalNaiveForecaster",
               settings=("period",), capabilities=("all_horizons",))
register_model("naive2", family="baseline", summary="M3's NAIVE2: naive on the seasonally adjusted series",
               series=f"{_L}:Naive2Series", **_rolled("naive2"))
register_model("arima", family="statistical",
               summary="R's auto.arima: stepwise search by AICc, p,q <= 5, P,Q <= 2, the data's season",
               windows=f"{_A}:ArimaForecaster", series=f"{_A}:ArimaForecaster",
               settings=("max_train", "max_p", "max_q", "progress"),
               capabilities=("own_intervals", "all_horizons", "uses_known", "nests"))
register_model("ets", family="statistical", summary="exponential smoothing chosen by AICc (R's ets)",
               windows=f"{_ETS}:EtsForecaster", series=f"{_ETS}:EtsForecaster",
               settings=("period", "seed", "max_train"),
               capabilities=("own_intervals", "all_horizons", "nests"))
register_model("theta", family="statistical", summary="Theta method (statsmodels ThetaModel)",
               windows=f"{_THETA}:ThetaForecaster", series=f"{_THETA}:ThetaForecaster",
               settings=("period", "max_train"),
               capabilities=("own_intervals", "all_horizons"))
register_model("theta_m3", family="statistical", summary="classic Theta of the M3 competition",
               series=f"{_L}:ThetaSeries", **_rolled("theta_m3"))
register_model("ses", family="statistical", summary="simple exponential smoothing (seasonally adjusted)",
               series=f"{_L}:SESSeries", **_rolled("ses"))
register_model("holt", family="statistical", summary="Holt's linear trend (seasonally adjusted)",
               series=f"{_L}:HoltSeries", **_rolled("holt"))
register_model("damped", family="statistical", summary="damped-trend exponential smoothing (seasonally adjusted)",
               series=f"{_L}:DampedSeries", **_rolled("damped"))
register_model("ar", family="statistical", summary="AR(p), p by BIC, iterated forecasts",
               windows=f"{_AR}:ArForecaster", series=f"{_AR}:ArForecaster", defaults={"method": "iterated"},
               series_defaults={"method": "iterated"}, settings=("max_train",), capabilities=("own_intervals", "all_horizons", "nests"))
register_model("ar_direct", family="statistical", summary="AR(p), p by BIC, one direct regression per horizon",
               windows=f"{_AR}:ArForecaster", series=f"{_AR}:ArForecaster", defaults={"method": "direct"},
               series_defaults={"method": "direct"}, settings=("max_train",), capabilities=("own_intervals", "nests"))
register_model("rw_mean", family="statistical", summary="random walk on the mean of the last k periods",
               windows=f"{_AR}:RandomWalkMeanForecaster", series=f"{_AR}:RandomWalkMeanForecaster",
               defaults={"k": 4}, series_defaults={"k": 4}, capabilities=("own_intervals", "all_horizons"))
register_model("var", family="statistical", summary="VAR on every column, lags by BIC",
               windows=f"{_AR}:VarForecaster", settings=("max_train",), capabilities=("own_intervals", "all_horizons", "nests", "multivariate"))
for _name, _method in (("combo_mean", "mean"), ("combo_median", "median"), ("combo_inverse_mse", "inverse_mse")):
    register_model(_name, family="combination", summary=f"{_method.replace('_', ' ')} of ets, theta and ar",
                   windows=f"{_COMBO}:CombinationForecaster",
                   series=None if _method == "inverse_mse" else f"{_COMBO}:CombinationForecaster",
                   defaults={"members": ("ets", "theta", "ar"), "method": _method},
                   series_defaults={"members": ("ets", "theta", "ar"), "method": _method})
_NEURAL = {
    "dense": ("a dense network on the flattened window", {"architecture": "dense", "units": 32}),
    "simple_rnn": ("one SimpleRNN layer", {"architecture": "simple_rnn", "units": 32}),
    "lstm": ("one LSTM layer", {"architecture": "lstm", "units": 32}),
    "gru": ("one GRU layer", {"architecture": "gru", "units": 32}),
    "gru_dropout": ("GRU with dropout 0.2 / recurrent dropout 0.2 (DLwR 6.3.6)",
                    {"architecture": "gru", "units": 32, "dropout": 0.2, "recurrent_dropout": 0.2}),
    "stacked_gru": ("two stacked GRUs with dropout (DLwR 6.3.7)",
                    {"architecture": "gru", "units": 32, "layers": 2, "top_units": 64, "dropout": 0.1,
                     "recurrent_dropout": 0.5}),
    "bidirectional_gru": ("bidirectional GRU (DLwR 6.3.8)", {"architecture": "gru", "units": 32,
                                                             "bidirectional": True}),
    "conv1d": ("1-D convolutions", {"architecture": "conv1d", "units": 32}),
}
for _name, (_summary, _defaults) in _NEURAL.items():
    register_model(_name, family="neural", summary=_summary, windows=_NN, defaults=_defaults,
                   settings=_NEURAL_SETTINGS, capabilities=_NN_CAPS)
register_model("nbeats", family="global", summary="N-BEATS trained across a panel group: one network, or the "
               "paper's median ensemble by stack x loss x lookback x repeat (ensemble=)",
               global_="pybbdl.models.global_nbeats:NBeatsGlobal", capabilities=("keras", "stochastic"))
# Panel combinations (forecast_panel): fixed ones, made whenever their members all run ...
_PC = "pybbdl.workflows.combinations:PanelCombination"
for _name, _members in (("comb", ("ets", "theta", "arima")), ("comb_shd", ("ses", "holt", "damped")),
                        ("comb_tdn", ("theta_m3", "damped", "nbeats")), ("comb_etn", ("ets", "theta_m3", "nbeats")),
                        ("comb_eatn", ("ets", "arima", "theta_m3", "nbeats"))):
    register_model(_name, family="combination", summary=f"mean (or `combine`) of {', '.join(_members)}",
                   combination=_PC, defaults={"members": _members, "weights": "equal"})
# ... and chosen on a validation window cut from each series' training part, made when named
register_model("comb_ivw", family="combination", capabilities=("validation",),
               summary="ets, theta, arima weighted by 1/sMAPE on the last h training values (validation)",
               combination=_PC, defaults={"members": ("ets", "theta", "arima"), "weights": "inverse_smape"})
register_model("comb_select", family="combination", capabilities=("validation",),
               summary="per series, the one of ets, theta, arima best on the last h training values (validation)",
               combination=_PC, defaults={"members": ("ets", "theta", "arima"), "weights": "select"})
register_model("comb_tdn_ivw", family="combination", capabilities=("validation",),
               summary="theta_m3, damped, nbeats weighted by 1/sMAPE on the last h training values (validation)",
               combination=_PC, defaults={"members": ("theta_m3", "damped", "nbeats"), "weights": "inverse_smape"})
_BUILTIN = frozenset(_REGISTRY)

__all__ = ["CAPABILITIES", "CONTRACTS", "ENTRY_POINT_GROUP", "RUN_SETTINGS", "ModelSpec", "entry_point_errors",
           "get_spec", "help_text", "load_entry_points", "model_names", "model_table", "register_model", "registry",
           "unregister_model"]
