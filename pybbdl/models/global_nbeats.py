"""A global forecaster trained once across many series: an N-BEATS-style MLP (Oreshkin et al. 2020).

One network per (period, horizon) group of a panel learns from windows of all its series.
Training windows are *sampled*, never materialised: each batch draws series uniformly and a cut
point in each series' last ``history_limit * horizon`` values, and gathers its inputs and targets
from one flat array of all histories (:class:`WindowSampler`, a ``keras.utils.PyDataset``), so
memory grows with the data (one float per observation), not with the number of windows.

Each window is scaled by the mean absolute value of its input (so series of any units share one
network); the forecast is scaled back. Inputs shorter than the lookback are padded on the left
with the series' first value. The network is N-BEATS' generic architecture: ``blocks`` fully
connected blocks, each emitting a backcast (subtracted from its input before the next block: the
residual stacking) and a forecast (summed over blocks). Loss: mean absolute error on the scaled
values. TensorFlow is imported only when a model is fitted.
"""

from __future__ import annotations

import time

import numpy as np

from pybbdl._validation import check_positive_int
from pybbdl.exceptions import ArgumentError, ArgumentTypeError, DataError, NotFittedError


class WindowSampler:
    """Random (input, target) batches across series, drawn on the fly from a flat array.

    Args:
        ys: The histories (1-d arrays).
        lookback, horizon: Input and target lengths.
        batch_size, steps: Windows per batch and batches per epoch.
        history_limit: Cut points come from each series' last ``history_limit * horizon`` values.
        seed: The sampler's random seed (batch ``i`` of epoch ``e`` is the same for a seed).
    """

    def __init__(self, ys, lookback: int, horizon: int, batch_size: int, steps: int, history_limit: int, seed: int):
        self.lookback, self.horizon, self.batch_size, self.steps = lookback, horizon, batch_size, steps
        lengths = np.array([len(y) for y in ys])
        self.flat = np.concatenate([np.asarray(y, dtype=np.float32) for y in ys])
        self.offsets = np.r_[0, np.cumsum(lengths)[:-1]]
        self.lengths = lengths
        # cut c: target y[c:c+h] inside the history, at least 1 input value
        self.hi = lengths - horizon
        self.lo = np.maximum(1, lengths - history_limit * horizon)
        self.usable = np.flatnonzero(self.hi >= 1)
        self.lo = np.minimum(self.lo, np.maximum(self.hi, 1))
        self.seed = int(seed)
        self.epoch = 0

    def batch(self, rng: np.random.Generator):
        idx = self.usable[rng.integers(0, len(self.usable), self.batch_size)]
        cut = self.lo[idx] + np.floor(rng.random(self.batch_size) * (self.hi[idx] - self.lo[idx] + 1)).astype(int)
        pos = cut[:, None] - self.lookback + np.arange(self.lookback)[None, :]
        x = self.flat[self.offsets[idx, None] + np.maximum(pos, 0)]
        y = self.flat[self.offsets[idx, None] + cut[:, None] + np.arange(self.horizon)[None, :]]
        scale = window_scale(x)
        return x / scale, y / scale

    def __len__(self):
        return self.steps

    def __getitem__(self, i: int):
        rng = np.random.default_rng([self.seed, self.epoch, int(i)])
        return self.batch(rng)


def window_scale(x: np.ndarray) -> np.ndarray:
    """The per-window scale: mean absolute input value (1 where that is 0), shape (n, 1)."""
    s = np.mean(np.abs(x), axis=1, keepdims=True)
    return np.where(s > 0, s, 1.0).astype(np.float32)


def last_windows(ys, lookback: int) -> np.ndarray:
    """Each series' last `lookback` values, left-padded with its first value."""
    out = np.empty((len(ys), lookback), dtype=np.float32)
    for i, y in enumerate(ys):
        y = np.asarray(y, dtype=np.float32)
        take = y[-lookback:]
        out[i, lookback - len(take):] = take
        out[i, :lookback - len(take)] = y[0]
    return out


def build_nbeats(lookback: int, horizon: int, blocks: int, layers: int, width: int):
    """The generic N-BEATS network (Keras functional model)."""
    import keras

    inp = keras.Input((lookback,), name="window")
    residual, forecast = inp, None
    for b in range(blocks):
        h = residual
        for k in range(layers):
            h = keras.layers.Dense(width, activation="relu", name=f"block{b}_fc{k}")(h)
        backcast = keras.layers.Dense(lookback, name=f"block{b}_backcast")(h)
        f = keras.layers.Dense(horizon, name=f"block{b}_forecast")(h)
        residual = keras.layers.Subtract(name=f"block{b}_residual")([residual, backcast])
        forecast = f if forecast is None else keras.layers.Add(name=f"block{b}_sum")([forecast, f])
    return keras.Model(inp, forecast, name="nbeats_generic")


class NBeatsGlobal:
    """An N-BEATS-style global model for the series of one (period, horizon) group.

    Args:
        horizon: Steps to forecast. period: The group's seasonal period (recorded only).
        lookback_mult: Input length = ``lookback_mult * horizon``.
        blocks, layers, width: Blocks, fully connected layers per block, units per layer.
        steps: Training batches (``epochs * steps_per_epoch``); batch_size: windows per batch.
        history_limit: Training cut points from each series' last ``history_limit * horizon`` values.
        learning_rate: Adam's learning rate. seed: Seeds Keras, NumPy and the sampler.
        deterministic: Switch TensorFlow's op determinism on while training.
        ensemble: None (one network, the settings above) or N-BEATS as published: a median
            ensemble of networks, one per stack x loss x lookback x repeat: ``"quick"`` (6 small
            generic networks: the settings above, 3 losses x lookbacks 2H, 4H), ``"cpu"`` (18
            networks of the size above, trained with the paper's per-frequency history limits and
            steps, capped at 1,000), ``"paper"`` (the paper's 360 networks and per-frequency
            hyper-parameters, :data:`PAPER_M3`) or a dict
            overriding a preset (:data:`ENSEMBLES`), e.g. ``{"preset": "paper", "stacks":
            ["interpretable"], "repeats": 1, "max_steps": 500, "scale": 0.25}``. Members train
            as independent tasks (:meth:`member_tasks`; :meth:`fit`'s ``n_jobs``/``backend``). The
            same seed and TensorFlow thread count give the same members: task-backend workers
            (loky, Ray) train on one thread each, so their runs agree with each other; a sequential
            run in a process whose TensorFlow uses several threads differs in the last digits.
        checkpoint_dir: A folder where each trained member is saved; a member already there (same
            settings, same data) is loaded, not retrained, so an interrupted ensemble resumes.
        progress: Print one line per trained member (steps, wall and CPU seconds).
    """

    stochastic = True

    def __init__(self, horizon: int, period: int = 1, seed: int = 42, lookback_mult: int = 3, blocks: int = 4,
                 layers: int = 3, width: int = 256, steps: int = 1200, batch_size: int = 512,
                 history_limit: int = 10, learning_rate: float = 1e-3, epochs: int = 4, deterministic: bool = True,
                 verbose: int = 0, ensemble=None, checkpoint_dir=None, progress: bool = False):
        self.horizon = check_positive_int("horizon", horizon)
        self.period = check_positive_int("period", period)
        self.seed = int(seed)
        for name in ("lookback_mult", "blocks", "layers", "width", "steps", "batch_size", "history_limit", "epochs"):
            check_positive_int(name, locals()[name])
        if not learning_rate > 0:
            raise ArgumentError(f"`learning_rate` must be positive. Received: {learning_rate!r}")
        self.lookback = lookback_mult * self.horizon
        self.lookback_mult, self.blocks, self.layers, self.width = lookback_mult, blocks, layers, width
        self.steps, self.batch_size, self.history_limit = steps, batch_size, history_limit
        self.learning_rate, self.epochs = learning_rate, epochs
        self.deterministic, self.verbose = deterministic, verbose
        self.ensemble = check_ensemble(ensemble)
        self.checkpoint_dir = _check_checkpoint_dir(checkpoint_dir)
        self.progress = bool(progress)

    # ---------------------------------------------------------------- the ensemble (N-BEATS as published)
    def members(self) -> list[dict]:
        """The ensemble's member settings for this group (empty for a single network)."""
        if self.ensemble is None:
            return []
        model = {"history_limit": self.history_limit, "steps": self.steps, "batch_size": self.batch_size,
                 "blocks": self.blocks, "layers": self.layers, "width": self.width,
                 "learning_rate": self.learning_rate}
        return member_configs(self.ensemble, horizon=self.horizon, period=self.period, seed=self.seed, model=model)

    def member_tasks(self, ys) -> list[dict]:
        """One picklable task per member (for :func:`train_member` on any task backend)."""
        ys = self._check_ys(ys)
        fp = data_fingerprint(ys)
        cfgs = self.members()
        return [{"config": c, "ys": ys, "fingerprint": fp, "checkpoint_dir": self.checkpoint_dir,
                 "progress": self.progress, "index": k, "total": len(cfgs)} for k, c in enumerate(cfgs)]

    def adopt(self, ys, results: list[dict]) -> NBeatsGlobal:
        """Take the trained members (:func:`train_member`'s results, in :meth:`member_tasks` order)."""
        self.members_ = results
        self.fingerprint_ = data_fingerprint(self._check_ys(ys))
        self.history_ = {"members": [{**{k: r["config"][k] for k in ("stack", "loss", "lookback_mult", "repeat",
                                                                          "seed", "steps", "batch_size",
                                                                          "history_limit", "frequency")},
                                      "seconds": float(r["seconds"]), "cpu_seconds": r.get("cpu_seconds"),
                                      "resumed": bool(r["resumed"]), "final_loss": (r["loss"] or [None])[-1],
                                      "peak_rss_mib": r.get("peak_rss_mib"), "threads": r.get("threads")}
                                     for r in results]}
        self.fit_seconds_ = float(sum(r["seconds"] for r in results))
        return self

    def _check_ys(self, ys):
        if isinstance(ys, np.ndarray) and ys.ndim == 1:
            raise ArgumentTypeError("`ys` must be a list of 1-d histories, not one array. Received: a 1-d array")
        ys = [np.asarray(y, dtype=float) for y in ys]
        if not ys:
            raise DataError("`ys` must hold at least one series. Received: none")
        if not any(len(y) > self.horizon for y in ys):
            raise DataError(f"N-BEATS needs at least one series longer than the horizon {self.horizon}. "
                            f"Received: lengths {sorted({len(y) for y in ys})[:10]}")
        bad = [i for i, y in enumerate(ys) if y.ndim != 1 or len(y) < 2 or not np.all(np.isfinite(y))]
        if bad:
            raise DataError(f"`ys` must be finite 1-d histories of 2 or more values. Received: bad series at "
                            f"position(s) {bad[:10]}")
        return ys

    def fit(self, ys, *, n_jobs: int = 1, backend: str | None = None, address: str | None = None) -> NBeatsGlobal:
        """Train on the histories `ys` (a list of 1-d arrays, original units); an ensemble's
        members run as tasks on :func:`pybbdl.parallel.run_tasks` (`n_jobs`, `backend`, `address`)."""
        if self.ensemble is not None:
            from pybbdl.parallel import run_tasks

            tasks = self.member_tasks(ys)
            results = run_tasks(train_member, tasks, n_jobs=n_jobs, backend=backend, address=address,
                                progress=self.progress, desc="nbeats members")
            return self.adopt(ys, results)
        ys = self._check_ys(ys)  # NaN, an empty panel and a lone array are refused, as for an ensemble
        from pybbdl._tensorflow import import_tensorflow_quietly

        import_tensorflow_quietly()
        import keras

        from pybbdl.models.neural import op_determinism, seed_everything

        start = time.perf_counter()
        seed_everything(self.seed)
        per_epoch = max(1, self.steps // self.epochs)
        sampler = _KerasSampler(WindowSampler(ys, self.lookback, self.horizon, self.batch_size, per_epoch,
                                              self.history_limit, self.seed))
        with op_determinism(self.deterministic):
            self.model_ = build_nbeats(self.lookback, self.horizon, self.blocks, self.layers, self.width)
            self.model_.compile(optimizer=keras.optimizers.Adam(self.learning_rate), loss="mae")
            hist = self.model_.fit(sampler, epochs=self.epochs, verbose=self.verbose, shuffle=False)
        self.history_ = {k: [float(v) for v in vals] for k, vals in hist.history.items()}
        self.fit_seconds_ = time.perf_counter() - start
        return self

    def forecast(self, ys) -> list[np.ndarray]:
        """Forecast `horizon` steps past the end of each history in `ys` (original units); an
        ensemble's forecast is the median of its members' (as the paper)."""
        if self.ensemble is not None:
            return [row for row in np.median(self._member_forecasts(ys, "forecast"), axis=0)]
        if not hasattr(self, "model_"):
            raise NotFittedError("NBeatsGlobal: call fit(ys) before forecast()")
        x = last_windows(self._check_ys(ys), self.lookback)
        scale = window_scale(x)
        out = self.model_.predict(x / scale, batch_size=4096, verbose=0) * scale
        return [row.astype(float) for row in out]

    def _member_forecasts(self, ys, which: str) -> np.ndarray:
        """(members, series, H): each member's forecasts of `ys` (stored for the fitted data, else
        each member's network is rebuilt from its weights)."""
        if not hasattr(self, "members_"):
            raise NotFittedError("NBeatsGlobal: call fit(ys) before forecast()")
        ys = self._check_ys(ys)
        if which == "forecast" and data_fingerprint(ys) == self.fingerprint_:
            return np.stack([np.asarray(r["forecast"], float) for r in self.members_])
        out = []
        for r in self.members_:
            cfg = r["config"]
            net = build_nbeats_paper(cfg["stack"], cfg["lookback_mult"] * cfg["horizon"], cfg["horizon"],
                                     cfg["network"])
            if r["weights"] is not None:
                net.set_weights(r["weights"])
            else:
                net.load_weights(str(__import__("pathlib").Path(r["checkpoint"]).with_suffix(".weights.h5")))
            out.append(_predict(net, ys, cfg["lookback_mult"] * cfg["horizon"], cfg["horizon"]))
        return np.stack(out)

    def forecast_intervals(self, ys, levels) -> list:
        """Conformal intervals (a DataFrame of ``lower_*``/``upper_*`` columns per series) around
        :meth:`forecast`, from in-sample origins (:data:`CALIBRATION_ORIGINS`, :func:`conformal_intervals`)."""
        from pybbdl.models.series import check_levels

        levels = check_levels(levels)
        ys = self._check_ys(ys)
        means = self.forecast(ys)
        where, hist = calibration_histories(ys, self.horizon)
        if self.ensemble is not None and data_fingerprint(ys) == self.fingerprint_:
            calib = np.median(np.stack([np.asarray(r["calib"], float) for r in self.members_]), axis=0)
        else:
            calib = self.forecast(hist) if hist else []
        return conformal_intervals(ys, means, self.horizon, where, calib, levels)

    def get_params(self) -> dict:
        """The constructor's arguments as stored (``ensemble`` as its checked dict), for the run's
        record and :meth:`clone`."""
        import inspect

        return {name: getattr(self, name) for name in inspect.signature(type(self).__init__).parameters
                if name != "self"}

    def clone(self) -> NBeatsGlobal:
        """A new, unfitted model with the same parameters."""
        import copy

        return type(self)(**copy.deepcopy(self.get_params()))

    def describe(self) -> str:
        if self.ensemble is not None:
            e = self.ensemble
            n = len(e["stacks"]) * len(e["losses"]) * len(e["lookbacks"]) * e["repeats"]
            return (f"N-BEATS ensemble ({e['preset']}): median of {n} networks = stacks {list(e['stacks'])} x losses "
                    f"{list(e['losses'])} x lookbacks {list(e['lookbacks'])}H x {e['repeats']} repeat(s), "
                    f"{e['hyper']} hyper-parameters")
        return (f"N-BEATS generic: {self.blocks} blocks x {self.layers} x {self.width} units, lookback "
                f"{self.lookback}, horizon {self.horizon}, {self.steps} steps of {self.batch_size}")


def _KerasSampler(sampler: WindowSampler):
    """`sampler` as a ``keras.utils.PyDataset`` (made lazily: Keras is imported only on fit)."""
    import keras

    class _Data(keras.utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.s = sampler

        def __len__(self):
            return len(self.s)

        def __getitem__(self, i):
            return self.s[i]

        def on_epoch_end(self):
            self.s.epoch += 1

    return _Data()


# ---------------------------------------------------------------------------------------------
# N-BEATS as published (Oreshkin et al. 2020): generic and interpretable stacks, the three losses,
# lookbacks 2H..7H, a median ensemble whose members train as independent tasks.
# ---------------------------------------------------------------------------------------------
#: The losses of the paper (its ``SMAPE`` is sMAPE-2, 200|f-a|/(|f|+|a|); MASE scales by the
#: in-sample seasonal naive error of each input window).
LOSSES = ("smape", "mape", "mase")
STACKS = ("generic", "interpretable")
#: The paper's M3 hyper-parameters (its repository's ``experiments/m3/*.gin``), per stack type and
#: frequency: ``history_limit`` (training cut points come from the last ``history_limit * H``
#: values) and ``steps`` (training batches of 1,024 windows). Networks: generic 30 blocks x 4
#: layers x 512 units; interpretable 3 trend blocks (4 x 256, polynomial degree 2) and 3
#: seasonality blocks (4 x 2,048, 1 harmonic), each stack's blocks sharing their weights.
PAPER_M3 = {
    "generic": {"yearly": (20, 20), "quarterly": (20, 250), "monthly": (20, 10000), "other": (10, 250)},
    "interpretable": {"yearly": (20, 50), "quarterly": (5, 6000), "monthly": (5, 6000), "other": (20, 250)},
}
PAPER_NETWORKS = {"generic": {"blocks": 30, "layers": 4, "width": 512},
                  "interpretable": {"trend_blocks": 3, "trend_layers": 4, "trend_width": 256, "degree": 2,
                                    "seasonality_blocks": 3, "seasonality_layers": 4, "seasonality_width": 2048,
                                    "harmonics": 1}}
#: Named ensembles: members are every stack x loss x lookback (x H) x repeat. ``"quick"``: 6 small
#: generic networks (the model's own blocks/layers/width/steps/batch_size/history_limit), for
#: trying things; ``"cpu"``: 18 generic networks (3 losses x lookbacks 2H..7H) of the model's
#: size trained as the paper trains them (its per-frequency history limits and steps, batches of
#: 1,024), steps capped at 1,000 (the paper's monthly networks take 10,000); ``"paper"``: the
#: paper's 360 networks with its per-frequency hyper-parameters (:data:`PAPER_M3`; GPU-sized).
#: A dict ``{"preset": ..., key: value}`` overrides a preset's keys (``stacks``, ``losses``,
#: ``lookbacks``, ``repeats``, ``hyper``: ``"model"``/``"cpu"``/``"paper"``, ``max_steps``,
#: ``scale``: network widths x scale).
ENSEMBLES = {
    "quick": {"stacks": ("generic",), "losses": LOSSES, "lookbacks": (2, 4), "repeats": 1, "hyper": "model",
              "max_steps": None, "scale": 1.0},
    "cpu": {"stacks": ("generic",), "losses": LOSSES, "lookbacks": (2, 3, 4, 5, 6, 7), "repeats": 1, "hyper": "cpu",
            "max_steps": 1000, "scale": 1.0},
    "paper": {"stacks": STACKS, "losses": LOSSES, "lookbacks": (2, 3, 4, 5, 6, 7), "repeats": 10, "hyper": "paper",
              "max_steps": None, "scale": 1.0},
}
_ENSEMBLE_KEYS = ("preset", "stacks", "losses", "lookbacks", "repeats", "hyper", "max_steps", "scale")


def m3_frequency(period: int, horizon: int) -> str:
    """Which M3 frequency's hyper-parameters a (period, horizon) group takes: M3's own groups
    exactly (yearly 1/6, quarterly 4/8, monthly 12/18, other 1/8), others by period (12 and
    more: monthly, 2-11: quarterly, 1: yearly, or other when the horizon exceeds 6)."""
    if period >= 12:
        return "monthly"
    if period > 1:
        return "quarterly"
    return "yearly" if horizon <= 6 else "other"


def check_ensemble(ensemble) -> dict | None:
    """The ensemble's settings as a dict (a preset merged with overrides), or None; bad input raises."""
    if ensemble is None:
        return None
    if isinstance(ensemble, str):
        if ensemble not in ENSEMBLES:
            raise ArgumentError(f"`ensemble` must be None, one of {list(ENSEMBLES)} or a dict. Received: {ensemble!r}")
        ensemble = {"preset": ensemble}
    if not isinstance(ensemble, dict):
        raise ArgumentTypeError(f"`ensemble` must be None, a preset name or a dict. Received: "
                                f"{type(ensemble).__name__}")
    bad = [k for k in ensemble if k not in _ENSEMBLE_KEYS]
    if bad:
        raise ArgumentError(f"`ensemble` has unknown key(s) {bad}. Valid: {list(_ENSEMBLE_KEYS)}")
    preset = ensemble.get("preset", "quick")
    if preset not in ENSEMBLES:
        raise ArgumentError(f"`ensemble['preset']` must be one of {list(ENSEMBLES)}. Received: {preset!r}")
    out = {**ENSEMBLES[preset], **{k: v for k, v in ensemble.items() if k != "preset"}, "preset": preset}
    for key, allowed in (("stacks", STACKS), ("losses", LOSSES)):
        vals = out[key]
        vals = (vals,) if isinstance(vals, str) else vals
        if not isinstance(vals, (list, tuple)) or not vals:
            raise ArgumentError(f"`ensemble['{key}']` must be a non-empty list of {list(allowed)}. Received: {vals!r}")
        unknown = [v for v in vals if v not in allowed]
        if unknown:
            raise ArgumentError(f"`ensemble['{key}']` must be among {list(allowed)}. Received: {unknown!r}")
        if len(set(vals)) != len(vals):
            raise ArgumentError(f"`ensemble['{key}']` has duplicates. Received: {list(vals)!r}")
        out[key] = tuple(vals)
    lbs = out["lookbacks"]
    lbs = (lbs,) if isinstance(lbs, (int, np.integer)) and not isinstance(lbs, bool) else lbs
    if not isinstance(lbs, (list, tuple)) or not lbs:
        raise ArgumentError(f"`ensemble['lookbacks']` must be a non-empty list of whole numbers >= 1 (multiples of "
                            f"the horizon). Received: {lbs!r}")
    lbs = tuple(check_positive_int("ensemble['lookbacks']", v) for v in lbs)
    if len(set(lbs)) != len(lbs):
        raise ArgumentError(f"`ensemble['lookbacks']` has duplicates. Received: {list(lbs)!r}")
    out["lookbacks"] = lbs
    out["repeats"] = check_positive_int("ensemble['repeats']", out["repeats"])
    if out["hyper"] not in ("model", "cpu", "paper"):
        raise ArgumentError(f"`ensemble['hyper']` must be 'model', 'cpu' or 'paper'. Received: {out['hyper']!r}")
    if out["max_steps"] is not None:
        out["max_steps"] = check_positive_int("ensemble['max_steps']", out["max_steps"])
    scale = out["scale"]
    if isinstance(scale, bool) or not isinstance(scale, (int, float, np.number)) or not 0 < scale <= 1:
        raise ArgumentError(f"`ensemble['scale']` (network widths x scale) must be in (0, 1]. Received: {scale!r}")
    out["scale"] = float(scale)
    return out


def _check_checkpoint_dir(path):
    if path is None:
        return None
    from pathlib import Path

    if not isinstance(path, (str, Path)) or str(path) == "":
        raise ArgumentError(f"`checkpoint_dir` must be a folder path or None. Received: {path!r}")
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise ArgumentError(f"`checkpoint_dir` must be a folder, not a file. Received: {str(p)!r}")
    return str(p)


def _dense(units, name, activation=None):
    import keras

    # PyTorch's Linear initialisation (uniform +-1/sqrt(fan_in)), as the authors' networks start
    return keras.layers.Dense(units, activation=activation, name=name,
                              kernel_initializer=keras.initializers.VarianceScaling(1 / 3, "fan_in", "uniform"))


def _basis_matrices(stack: str, lookback: int, horizon: int, degree: int = 2, harmonics: int = 1):
    """Fixed (backcast, forecast) bases of the interpretable blocks: polynomial trend or Fourier seasonality."""
    if stack == "trend":
        tb = np.stack([(np.arange(lookback) / lookback) ** i for i in range(degree + 1)])
        tf_ = np.stack([(np.arange(horizon) / horizon) ** i for i in range(degree + 1)])
        return tb.astype(np.float32), tf_.astype(np.float32)
    freq = np.append(0.0, np.arange(harmonics, harmonics / 2 * horizon) / harmonics)[None, :]
    gb = -2 * np.pi * (np.arange(lookback)[:, None] / horizon) * freq
    gf = 2 * np.pi * (np.arange(horizon)[:, None] / horizon) * freq
    back = np.concatenate([np.cos(gb).T, np.sin(gb).T])  # (2F, L)
    fore = np.concatenate([np.cos(gf).T, np.sin(gf).T])  # (2F, H)
    return back.astype(np.float32), fore.astype(np.float32)


def build_nbeats_paper(stack: str, lookback: int, horizon: int, net: dict):
    """The authors' N-BEATS (Keras 3): inputs ``window`` and its 0/1 ``mask`` (left padding), the input
    reversed, residual stacking with the padding masked, the forecast starting from the last value.
    ``stack``: ``"generic"`` (``blocks`` x ``layers`` x ``width``) or ``"interpretable"`` (a trend
    stack then a seasonality stack, each of blocks sharing their weights)."""
    import keras
    from keras import ops

    x_in = keras.Input((lookback,), name="window")
    m_in = keras.Input((lookback,), name="mask")
    residual = ops.flip(x_in, axis=1)
    mask = ops.flip(m_in, axis=1)
    forecast = x_in[:, -1:]
    if stack == "generic":
        blocks = []
        for b in range(net["blocks"]):
            fcs = [_dense(net["width"], f"block{b}_fc{k}", "relu") for k in range(net["layers"])]
            blocks.append((fcs, _dense(lookback, f"block{b}_backcast"), _dense(horizon, f"block{b}_forecast")))
    else:
        blocks = []
        for part in ("trend", "seasonality"):
            back_basis, fore_basis = _basis_matrices(part, lookback, horizon, net["degree"], net["harmonics"])
            fcs = [_dense(net[f"{part}_width"], f"{part}_fc{k}", "relu") for k in range(net[f"{part}_layers"])]
            theta_b = _dense(back_basis.shape[0], f"{part}_theta_backcast")
            theta_f = _dense(fore_basis.shape[0], f"{part}_theta_forecast")
            back = keras.layers.Lambda(lambda t, B=back_basis: ops.matmul(t, B), name=f"{part}_backcast_basis")
            fore = keras.layers.Lambda(lambda t, B=fore_basis: ops.matmul(t, B), name=f"{part}_forecast_basis")
            shared = (fcs, keras.Sequential([theta_b, back]), keras.Sequential([theta_f, fore]))
            blocks += [shared] * net[f"{part}_blocks"]  # one block applied again: shared weights, as published
    for fcs, back, fore in blocks:
        h = residual
        for fc in fcs:
            h = fc(h)
        residual = (residual - back(h)) * mask
        forecast = forecast + fore(h)
    return keras.Model([x_in, m_in], forecast, name=f"nbeats_{stack}")


def _loss_fn(loss: str, horizon: int):
    """A Keras loss of ``y_true = [target (H) | target mask (H) | 1/MASE scale (1)]``."""
    from keras import ops

    def fn(y_true, y_pred):
        y, m, inv = y_true[:, :horizon], y_true[:, horizon:2 * horizon], y_true[:, 2 * horizon:]
        if loss == "mape":
            w = ops.where(ops.abs(y) > 0, m / ops.where(ops.abs(y) > 0, ops.abs(y), 1.0), 0.0)
            return ops.mean(ops.abs(y_pred - y) * w, axis=1)
        if loss == "mase":
            return ops.mean(ops.abs(y_pred - y) * m * inv, axis=1)
        den = ops.stop_gradient(ops.abs(y_pred) + ops.abs(y))
        return 200 * ops.mean(ops.where(den > 0, ops.abs(y_pred - y) / ops.where(den > 0, den, 1.0), 0.0) * m, axis=1)

    fn.__name__ = f"{loss}_loss"
    return fn


class PaperSampler:
    """The authors' window sampler: a series uniformly, a cut point uniformly in its last
    ``history_limit * H`` values (at least 1 input value, targets may run past the end: masked),
    inputs left-padded with zeros (masked). Windows are scaled by the mean absolute value of their
    observed inputs (the losses are scale-free, so this only eases optimisation). Batch ``i`` is
    a function of (seed, i): a member resumed or run elsewhere sees the same batches."""

    def __init__(self, ys, lookback: int, horizon: int, period: int, batch_size: int, history_limit: int,
                 seed: int):
        self.lookback, self.horizon, self.period, self.batch_size = lookback, horizon, period, batch_size
        self.lengths = np.array([len(y) for y in ys])
        self.flat = np.concatenate([np.asarray(y, dtype=np.float32) for y in ys] + [np.zeros(1, np.float32)])
        self.offsets = np.r_[0, np.cumsum(self.lengths)[:-1]]
        self.lo = np.maximum(1, self.lengths - history_limit * horizon)
        self.usable = np.flatnonzero(self.lengths >= 2)
        self.seed = int(seed)

    def batch(self, i: int):
        rng = np.random.default_rng([self.seed, int(i)])
        idx = self.usable[rng.integers(0, len(self.usable), self.batch_size)]
        n, lo = self.lengths[idx], self.lo[idx]
        cut = lo + np.floor(rng.random(self.batch_size) * (n - lo)).astype(int)  # in [lo, n-1]
        x, mask, y, tmask = self.windows(idx, cut)
        scale = masked_scale(x, mask)
        x, y = x / scale, y / scale
        p = self.period if self.lookback > self.period else 1
        pair = mask[:, p:] * mask[:, :-p]
        cnt = pair.sum(axis=1)
        masep = np.where(cnt > 0, (np.abs(x[:, p:] - x[:, :-p]) * pair).sum(axis=1) / np.maximum(cnt, 1), 0.0)
        inv = np.where(masep > 0, 1.0 / np.where(masep > 0, masep, 1.0), 0.0).astype(np.float32)[:, None]
        return (x, mask), np.concatenate([y, tmask, inv], axis=1)

    def windows(self, idx, cut):
        """Raw inputs (zero-padded), their mask, targets (zero past the end) and theirs, cut at `cut`."""
        pos = cut[:, None] - self.lookback + np.arange(self.lookback)[None, :]
        mask = (pos >= 0).astype(np.float32)
        x = np.where(mask > 0, self.flat[self.offsets[idx, None] + np.maximum(pos, 0)], 0.0).astype(np.float32)
        tpos = cut[:, None] + np.arange(self.horizon)[None, :]
        tmask = (tpos < self.lengths[idx, None]).astype(np.float32)
        y = np.where(tmask > 0, self.flat[self.offsets[idx, None] + np.minimum(tpos, self.lengths[idx, None] - 1)],
                     0.0).astype(np.float32)
        return x, mask, y, tmask

    def last(self):
        """Every series' last input window, scaled, its mask and its scale."""
        x, mask, _, _ = self.windows(np.arange(len(self.lengths)), self.lengths.copy())
        scale = masked_scale(x, mask)
        return x / scale, mask, scale


def masked_scale(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean absolute observed value of each window (1 where that is 0), shape (n, 1)."""
    cnt = mask.sum(axis=1, keepdims=True)
    s = np.abs(x * mask).sum(axis=1, keepdims=True) / np.maximum(cnt, 1)
    return np.where(s > 0, s, 1.0).astype(np.float32)


#: In-sample forecast origins the intervals are calibrated on: each series' last ``H + j`` values
#: held out, j = 0..CALIBRATION_ORIGINS-1 (the network saw these windows in training, so the
#: intervals can be too narrow; the panel's scores say how they cover).
CALIBRATION_ORIGINS = 3


def calibration_histories(ys, horizon: int, origins: int = CALIBRATION_ORIGINS):
    """``[(series index, cut)]`` and the truncated histories ``y[:cut]`` of the in-sample origins."""
    where, hist = [], []
    for j in range(origins):
        for i, y in enumerate(ys):
            cut = len(y) - horizon - j
            if cut >= 2:
                where.append((i, cut))
                hist.append(np.asarray(y[:cut], dtype=float))
    return where, hist


def conformal_intervals(ys, means, horizon: int, where, calib_means, levels) -> list:
    """Split-conformal intervals: per step, the `level` quantile of the in-sample absolute errors
    scaled by each history's mean absolute last-H value, times that scale of each series."""
    import pandas as pd

    from pybbdl.models.series import interval_columns

    def scale(y):
        s = float(np.mean(np.abs(np.asarray(y, dtype=float)[-horizon:])))
        return s if s > 0 else 1.0

    errs = np.array([np.abs(np.asarray(ys[i][cut:cut + horizon], float) - f) / scale(ys[i][:cut])
                     for (i, cut), f in zip(where, calib_means)]).reshape(-1, horizon)
    out = []
    qs = {}
    for level in levels:
        n = len(errs)
        if n == 0:
            qs[level] = np.full(horizon, np.nan)
            continue
        rank = min(1.0, np.ceil((n + 1) * level) / n)
        qs[level] = np.quantile(errs, rank, axis=0, method="higher")
    for y, m in zip(ys, means):
        cols = {"mean": m}
        s = scale(y)
        for level in levels:
            lo, hi = interval_columns(level)
            cols[lo], cols[hi] = m - qs[level] * s, m + qs[level] * s
        out.append(pd.DataFrame(cols).drop(columns="mean"))
    return out


def data_fingerprint(ys) -> str:
    """A hash of the histories (lengths and values): a checkpoint is reused only for the same data."""
    import hashlib

    h = hashlib.sha256()
    for y in ys:
        a = np.ascontiguousarray(np.asarray(y, dtype=np.float64))
        h.update(np.int64(len(a)).tobytes())
        h.update(a.tobytes())
    return h.hexdigest()


def member_configs(ensemble: dict, *, horizon: int, period: int, seed: int, model: dict) -> list[dict]:
    """The members of an ensemble for one (period, horizon) group: every stack x loss x lookback x
    repeat, each with its network, steps, batch size, history limit and seed (derived from `seed`
    and the member's place, so the same seed gives the same members)."""
    freq = m3_frequency(period, horizon)
    out = []
    for si, stack in enumerate(ensemble["stacks"]):
        if ensemble["hyper"] in ("paper", "cpu"):
            history_limit, steps = PAPER_M3[stack][freq]
            batch_size = 1024
        else:
            history_limit, steps, batch_size = model["history_limit"], model["steps"], model["batch_size"]
        if ensemble["max_steps"] is not None:
            steps = min(steps, ensemble["max_steps"])
        if stack == "generic" and ensemble["hyper"] in ("model", "cpu"):
            net = {k: model[k] for k in ("blocks", "layers", "width")}
        else:
            net = dict(PAPER_NETWORKS[stack])
        for k in [k for k in net if k.endswith("width")]:
            net[k] = max(1, int(round(net[k] * ensemble["scale"])))
        for li, loss in enumerate(ensemble["losses"]):
            for lb in ensemble["lookbacks"]:
                for r in range(ensemble["repeats"]):
                    mseed = int(np.random.SeedSequence([seed, si, li, lb, r]).generate_state(1)[0] % (2**31 - 1))
                    out.append({"stack": stack, "loss": loss, "lookback_mult": lb, "repeat": r, "seed": mseed,
                                "steps": steps, "batch_size": batch_size, "history_limit": history_limit,
                                "learning_rate": model["learning_rate"], "network": net, "frequency": freq,
                                "horizon": horizon, "period": period})
    return out


def _member_key(cfg: dict, fingerprint: str) -> str:
    import hashlib
    import json

    blob = json.dumps({**cfg, "data": fingerprint}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


def train_member(task: dict) -> dict:
    """Train one ensemble member (a module-level task for :func:`pybbdl.parallel.run_tasks`): its
    forecasts from the last window and from the calibration origins, steps, seconds and, without a
    checkpoint folder, its weights. With ``checkpoint_dir``, a member already saved there for the
    same settings and data is loaded instead of trained (so a resumed ensemble equals an
    uninterrupted one), and a trained one is saved before returning."""
    import json
    import os
    from pathlib import Path

    cfg, ys = task["config"], task["ys"]
    key = _member_key(cfg, task["fingerprint"])
    path = Path(task["checkpoint_dir"]) / f"member-{key}.npz" if task.get("checkpoint_dir") else None
    if path is not None and path.exists():
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            if meta.get("key") == key:
                return {"config": cfg, "key": key, "forecast": z["forecast"], "calib": z["calib"],
                        "steps": meta["steps"], "seconds": meta["seconds"], "loss": meta["loss"], "resumed": True,
                        "cpu_seconds": meta.get("cpu_seconds"), "peak_rss_mib": meta.get("peak_rss_mib"),
                        "threads": meta.get("threads"), "weights": None, "checkpoint": str(path)}
    from pybbdl._tensorflow import import_tensorflow_quietly

    import_tensorflow_quietly()
    import keras

    from pybbdl.models.neural import op_determinism, seed_everything

    start, cpu0 = time.perf_counter(), time.process_time()
    h, lookback = cfg["horizon"], cfg["lookback_mult"] * cfg["horizon"]
    sampler = PaperSampler(ys, lookback, h, cfg["period"], cfg["batch_size"], cfg["history_limit"], cfg["seed"])
    seed_everything(cfg["seed"])

    class _Batches(keras.utils.PyDataset):
        def __len__(self):
            return cfg["steps"]

        def __getitem__(self, i):
            return sampler.batch(i)

    with op_determinism(True):
        model = build_nbeats_paper(cfg["stack"], lookback, h, cfg["network"])
        schedule = keras.optimizers.schedules.ExponentialDecay(cfg["learning_rate"], max(1, cfg["steps"] // 3), 0.5,
                                                               staircase=True)
        model.compile(optimizer=keras.optimizers.Adam(schedule, global_clipnorm=1.0),
                      loss=_loss_fn(cfg["loss"], h))
        hist = model.fit(_Batches(), epochs=1, verbose=0, shuffle=False,
                         callbacks=[keras.callbacks.TerminateOnNaN()])
        forecast = _predict(model, ys, lookback, h)
        _, calib_hist = calibration_histories(ys, h)
        calib = _predict(model, calib_hist, lookback, h) if calib_hist else np.zeros((0, h), np.float32)
    import resource

    out = {"config": cfg, "key": key, "forecast": forecast, "calib": calib, "steps": int(cfg["steps"]),
           "seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu0,
           "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
           "threads": _tf_threads(),
           "loss": [float(v) for v in hist.history.get("loss", [])], "resumed": False,
           "weights": None if path is not None else [w.copy() for w in model.get_weights()], "checkpoint": None}
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}.npz")
        np.savez(tmp, forecast=forecast, calib=calib, meta=np.array(json.dumps(
            {"key": key, "config": cfg, "loss": out["loss"],
             **{k: out[k] for k in ("steps", "seconds", "cpu_seconds", "peak_rss_mib", "threads")}})))
        model.save_weights(str(path.with_suffix(".weights.h5")))  # first: a saved member always has weights
        os.replace(tmp, path)  # atomic: an interrupted save leaves no half member
        out["checkpoint"] = str(path)
    if task.get("progress"):
        print(f"nbeats member {task['index'] + 1}/{task['total']} ({cfg['frequency']}, {cfg['stack']}, {cfg['loss']}, "
              f"lookback {cfg['lookback_mult']}H, repeat {cfg['repeat']}): {out['steps']} steps of "
              f"{cfg['batch_size']} in {out['seconds']:.1f} s ({out['cpu_seconds']:.1f} s CPU)", flush=True)
    return out


def _tf_threads() -> int:
    """TensorFlow's intra-op threads in this process (0: its default, all cores). Members trained
    with the same seed and thread count are identical; loky's and Ray's workers use 1 thread."""
    import os

    import tensorflow as tf

    set_ = int(tf.config.threading.get_intra_op_parallelism_threads())
    return set_ or int(os.environ.get("TF_NUM_INTRAOP_THREADS", "0") or 0)


def _predict(model, ys, lookback: int, horizon: int) -> np.ndarray:
    sampler = PaperSampler(ys, lookback, horizon, 1, 1, 1, 0)
    x, mask, scale = sampler.last()
    from keras import ops

    out = [ops.convert_to_numpy(model([x[i:i + 4096], mask[i:i + 4096]], training=False))
           for i in range(0, len(x), 4096)]  # called, not predict(): no retracing per member
    return (np.concatenate(out) * scale).astype(np.float64)


__all__ = ["ENSEMBLES", "LOSSES", "NBeatsGlobal", "PAPER_M3", "PaperSampler", "WindowSampler", "build_nbeats",
           "build_nbeats_paper", "check_ensemble", "conformal_intervals", "last_windows", "member_configs",
           "train_member", "window_scale"]
