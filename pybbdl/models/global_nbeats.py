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

The parts live in their own modules, whose names are importable from here as before:
:mod:`~pybbdl.models.nbeats_samplers` (training windows), :mod:`~pybbdl.models.nbeats_networks`
(the networks and losses), :mod:`~pybbdl.models.nbeats_ensemble` (the published ensemble's
settings), :mod:`~pybbdl.models.nbeats_members` (training one member) and
:mod:`~pybbdl.models.nbeats_intervals` (conformal intervals); this module holds the model,
:class:`NBeatsGlobal`.
"""

from __future__ import annotations

import time

import numpy as np

from pybbdl._validation import check_positive_int
from pybbdl.exceptions import ArgumentError, ArgumentTypeError, DataError, NotFittedError
from pybbdl.models.nbeats_ensemble import (_ENSEMBLE_KEYS, ENSEMBLES, LOSSES, PAPER_M3,  # noqa: F401
                                           PAPER_NETWORKS, STACKS, _check_checkpoint_dir, check_ensemble,
                                           data_fingerprint, ensemble_stacks, heavy_members, m3_frequency,
                                           member_configs)
from pybbdl.models.nbeats_intervals import CALIBRATION_ORIGINS, calibration_histories, conformal_intervals  # noqa: F401
from pybbdl.models.nbeats_members import _member_key, _predict, _tf_threads, train_member  # noqa: F401
from pybbdl.models.nbeats_networks import (_basis_matrices, _dense, _loss_fn, build_nbeats,  # noqa: F401
                                           build_nbeats_paper)
from pybbdl.models.nbeats_samplers import (PaperSampler, WindowSampler, _KerasSampler, last_windows,  # noqa: F401
                                           masked_scale, window_scale)


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
            generic networks of the size above, trained with the paper's per-frequency history
            limits and steps, capped at 3,000, plus for yearly groups the paper's 18 interpretable
            networks at its 50 steps), ``"paper"`` (the paper's 360 networks and per-frequency
            hyper-parameters, :data:`PAPER_M3`) or a dict
            overriding a preset (:data:`ENSEMBLES`), e.g. ``{"preset": "paper", "stacks":
            ["interpretable"], "repeats": 1, "max_steps": 500, "scale": 0.25}``; ``stacks`` is one
            list for every group or a dict of one list per frequency (``"yearly"``,
            ``"quarterly"``, ``"monthly"``, ``"other"``: :func:`m3_frequency`). Members train
            as independent tasks (:meth:`member_tasks`; :meth:`fit`'s ``n_jobs``/``backend``). The
            same seed and TensorFlow thread count give the same members: task-backend workers
            (loky, Ray) train on one thread each, so their runs agree with each other; a sequential
            run in a process whose TensorFlow uses several threads differs in the last digits.
            With ``n_jobs > 1`` or Ray each member trains in a new worker process that ends with it
            (:func:`pybbdl.parallel.run_tasks`' ``fresh_process``): TensorFlow does not give back
            the memory of a trained network, so a reused worker would grow member by member.
            Members of over 4 million weights (the paper's interpretable and generic networks)
            train one at a time, beside the small ones (``run_tasks``' ``exclusive``), so their
            memory peaks do not add up; the forecasts do not depend on the order.
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
        """One picklable task per member (for :func:`train_member` on any task backend); its
        ``"exclusive"`` says whether it is a large network, to train while no other large one does."""
        ys = self._check_ys(ys)
        fp = data_fingerprint(ys)
        cfgs = self.members()
        return [{"config": c, "ys": ys, "fingerprint": fp, "checkpoint_dir": self.checkpoint_dir,
                 "progress": self.progress, "index": k, "total": len(cfgs), "exclusive": heavy}
                for k, (c, heavy) in enumerate(zip(cfgs, heavy_members(cfgs)))]

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
                                progress=self.progress, desc="nbeats members", fresh_process=True,
                                exclusive=[t["exclusive"] for t in tasks])
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
            stacks = ensemble_stacks(e, self.period, self.horizon)
            n = len(stacks) * len(e["losses"]) * len(e["lookbacks"]) * e["repeats"]
            return (f"N-BEATS ensemble ({e['preset']}): median of {n} networks = stacks {list(stacks)} x losses "
                    f"{list(e['losses'])} x lookbacks {list(e['lookbacks'])}H x {e['repeats']} repeat(s), "
                    f"{e['hyper']} hyper-parameters")
        return (f"N-BEATS generic: {self.blocks} blocks x {self.layers} x {self.width} units, lookback "
                f"{self.lookback}, horizon {self.horizon}, {self.steps} steps of {self.batch_size}")


__all__ = ["ENSEMBLES", "LOSSES", "NBeatsGlobal", "PAPER_M3", "PaperSampler", "WindowSampler", "build_nbeats",
           "build_nbeats_paper", "check_ensemble", "conformal_intervals", "last_windows", "member_configs",
           "train_member", "window_scale"]
