"""A Keras forecaster with the estimator contract: built, compiled and trained inside ``fit``."""

from __future__ import annotations

import contextlib
import math
import sys
import time
from collections.abc import Sequence
from typing import Literal

import numpy as np

from pybbdl._validation import check_positive_int
from pybbdl.models.series import check_levels, interval_quantiles, level_label
from pybbdl.models.base import BaseForecaster
from pybbdl.windows import Windows
from pybbdl.exceptions import ArgumentError

Architecture = Literal["dense", "simple_rnn", "lstm", "gru", "conv1d"]
ARCHITECTURES = ("dense", "simple_rnn", "lstm", "gru", "conv1d")
_OPTIMIZERS = ("rmsprop", "adam", "sgd")


def keras_verbosity(verbose):
    """Keras ``fit`` verbosity for `verbose`: ``"auto"`` = 1 (progress bar) when standard output is
    a terminal or a Jupyter kernel, else 0 (Keras' own "auto" is 1 everywhere, which floods logs,
    pipes and R consoles with per-epoch lines; the comparisons print one line per model fit)."""
    if isinstance(verbose, str) and verbose == "auto":
        try:
            tty = sys.stdout.isatty()
        except (AttributeError, ValueError):  # replaced or closed stdout
            tty = False
        return 1 if tty or "ipykernel" in sys.modules else 0
    return verbose


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and TensorFlow (Keras' global seed). Op determinism is separate:
    :func:`op_determinism`."""
    import keras

    keras.utils.set_random_seed(int(seed))


@contextlib.contextmanager
def op_determinism(enabled: bool = True):
    """Switch TensorFlow's op determinism on inside the block and back to what it was after.

    Deterministic ops make the same seed give the same numbers (some GPU kernels are slower).
    TensorFlow's switch is process-wide; restoring it uses TF's non-public
    ``config.disable_op_determinism`` when the public API has no way back.
    """
    import tensorflow as tf
    from tensorflow.python.framework import config as tf_config

    before = tf_config.is_op_determinism_enabled()
    if enabled and not before:
        tf.config.experimental.enable_op_determinism()
    try:
        yield
    finally:
        if enabled and not before:
            tf_config.disable_op_determinism()


class NeuralForecaster(BaseForecaster):
    """Forecast the target `horizon` steps ahead with one of the book's Keras models.

    Args:
        architecture: ``"dense"``, ``"simple_rnn"``, ``"lstm"``, ``"gru"`` or ``"conv1d"``.
        units: Hidden units (recurrent state size; dense width; conv filters).
        dropout, recurrent_dropout: The book's dropout rates, in [0, 1).
        layers: Stacked recurrent layers.
        top_units: Units of the last layer of a stack (book: 64).
        bidirectional: Bidirectional recurrent layers.
        epochs: Maximum training epochs.
        batch_size: Windows per batch.
        optimizer: ``"rmsprop"`` (the book's), ``"adam"`` or ``"sgd"``.
        learning_rate: Optimizer step size (book: 0.001).
        loss: Keras loss name (book: ``"mae"``), on the scaled target.
        patience: Early stopping on validation loss with best-weights restore; None = off.
        random_state: Seed for weights, shuffling and dropout; None = not reproducible.
        verbose: Keras ``fit`` verbosity: ``"auto"`` (default) = Keras' progress bar when standard
            output is a terminal, silent otherwise (a log or a pipe would get lines per epoch);
            0 = silent, 1 = progress bar, 2 = one line per epoch.
        deterministic: Train with TensorFlow's op determinism on (same seed, same numbers); the
            process-wide switch is restored after ``fit`` (see :func:`op_determinism`). False
            leaves it as it is.
        residual: Forecast the change of the target from its last value in the window: the
            window's last (scaled) target value is added to every output inside the Keras model
            (a skip connection after the output layer, see
            :func:`pybbdl.models.dense.with_residual`), so all-zero output weights give the naive
            forecast. The target is column 0 of the windows' inputs, scaled as the target, and
            the window's last row is the one just before the forecast origin for any ``step``.
            With several horizons the same value is added to each output.
        quantiles: None (default) = one point forecast per horizon, trained on `loss`. A sequence
            of interval levels in (0, 1), e.g. ``(0.8, 0.95)``: the network outputs, per horizon,
            the median and the ``(1 - L) / 2`` and ``(1 + L) / 2`` quantiles of each level L,
            trained with the pinball loss summed over those quantiles on the scaled target
            (:class:`pybbdl.models.dense.PinballLoss`; `loss` must stay ``"mae"``, which it
            replaces). :meth:`predict` and :meth:`predict_horizons` then return the median and
            :meth:`predict_interval` the learned quantiles, which the evaluation layer uses
            instead of conformal intervals (method ``"model"``, scored on the validation part
            too; ``interval_method="conformal"`` still calibrates conformal ones on it).

    Future-known columns (``prepare_windows(..., known=[...])``) are a second input: their path
    over the horizon is flattened and concatenated to the network's summary before the output
    layer. Windows with several ``horizons`` give a MIMO network: one output per horizon, trained
    together; :meth:`predict` returns the longest horizon, :meth:`predict_horizons` all.

    Attributes:
        model_: The trained ``keras.Model``.
        known_, horizons_: The future-known columns and horizons it was trained with.
        history_: ``{"loss": [...], "val_loss": [...]}`` per epoch (scaled units).
        epochs_run_, fit_seconds_, n_params_: What training took.
        taus_: The quantiles the network outputs (with `quantiles`), sorted; () without.
    """

    stochastic = True
    #: Uses the windows' future-known columns (see :func:`pybbdl.forecast_conditional`).
    uses_known = True

    def __init__(
        self,
        architecture: Architecture = "gru",
        units: int = 32,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        layers: int = 1,
        top_units: int | None = None,
        bidirectional: bool = False,
        epochs: int = 20,
        batch_size: int = 128,
        optimizer: Literal["rmsprop", "adam", "sgd"] = "rmsprop",
        learning_rate: float = 1e-3,
        loss: str = "mae",
        patience: int | None = None,
        random_state: int | None = None,
        verbose: int | str = "auto",
        deterministic: bool = True,
        residual: bool = False,
        quantiles: Sequence[float] | None = None,
    ):
        self.architecture = architecture
        self.units = units
        self.dropout = dropout
        self.recurrent_dropout = recurrent_dropout
        self.layers = layers
        self.top_units = top_units
        self.bidirectional = bidirectional
        self.epochs = epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.loss = loss
        self.patience = patience
        self.random_state = random_state
        self.verbose = verbose
        self.deterministic = deterministic
        self.residual = residual
        self.quantiles = quantiles

    @property
    def interval_levels(self) -> tuple[float, ...]:
        """The levels :meth:`predict_interval` gives (the validated `quantiles`); () without
        quantile outputs, which tells :func:`pybbdl.evaluation.intervals.has_own_intervals` to
        use conformal intervals for this network."""
        return _check_quantiles(self.quantiles)

    def build(self, input_shape: tuple[int, int], future_shape: tuple[int, int] | None = None, outputs: int = 1,
              target_col: int = 0):
        """The uncompiled Keras model for windows of shape ``input_shape`` (and a future-known
        path of shape ``future_shape``), with `outputs` forecasts per window (one per horizon;
        with `quantiles`, ``outputs * len(taus)``, horizon-major: the sorted quantiles of the
        first horizon, then of the next); with `residual`, the window's last value of input
        column `target_col` (the scaled target) is added to every output."""
        n_taus = len(_taus(self.quantiles)) or 1
        model = self._build(input_shape, future_shape, check_positive_int("outputs", outputs) * n_taus)
        if self.residual:
            from pybbdl.models.dense import with_residual

            model = with_residual(model, target_col)
        return model

    def _build(self, input_shape, future_shape, outputs):
        extra = {"future_shape": future_shape, "outputs": outputs}
        if self.architecture == "dense":
            from pybbdl.models.dense import build_dense

            return build_dense(input_shape, units=self.units, dropout=self.dropout, **extra)
        if self.architecture == "conv1d":
            from pybbdl.models.rnn import build_conv1d

            return build_conv1d(input_shape, filters=self.units, **extra)
        from pybbdl.models.rnn import build_rnn

        return build_rnn(input_shape, cell=self.architecture, units=self.units, dropout=self.dropout,
                         recurrent_dropout=self.recurrent_dropout, layers=self.layers,
                         top_units=self.top_units, bidirectional=self.bidirectional, **extra)

    def _check_params(self) -> None:
        if self.architecture not in ARCHITECTURES:
            raise ArgumentError(f"`architecture` must be one of {ARCHITECTURES}. Received: {self.architecture!r}")
        if self.optimizer not in _OPTIMIZERS:
            raise ArgumentError(f"`optimizer` must be one of {_OPTIMIZERS}. Received: {self.optimizer!r}")
        check_positive_int("epochs", self.epochs)
        check_positive_int("batch_size", self.batch_size)
        if not float(self.learning_rate) > 0:
            raise ArgumentError(f"`learning_rate` must be > 0. Received: {self.learning_rate}")
        if self.patience is not None:
            check_positive_int("patience", self.patience)
        if not isinstance(self.residual, (bool, np.bool_)):
            raise ArgumentError(f"`residual` must be True or False. Received: residual={self.residual!r}")
        if _check_quantiles(self.quantiles) and self.loss != "mae":
            raise ArgumentError(f"`loss` does not apply with `quantiles`: a quantile network is trained with the "
                                f"pinball loss, which replaces it. Leave loss='mae' (the default). Received: "
                                f"loss={self.loss!r}")

    def fit(self, windows: Windows) -> NeuralForecaster:
        """Train on the training part (validation part for early stopping); returns self."""
        import keras

        windows = self._check_windows(windows)
        self._check_params()
        with op_determinism(bool(self.deterministic)):
            return self._fit(windows)

    def _fit(self, windows: Windows) -> NeuralForecaster:
        import keras

        if self.random_state is not None:
            seed_everything(self.random_state)
        future_shape = (windows.horizon, len(windows.known)) if windows.known else None
        # the windows hold the target first, scaled with the target's mean and sd (Windows.scaled)
        model = self.build((windows.lookback // windows.step, len(windows.columns)), future_shape,
                           len(windows.horizons), target_col=windows.columns.index(windows.target))
        optimizer = {"rmsprop": keras.optimizers.RMSprop, "adam": keras.optimizers.Adam,
                     "sgd": keras.optimizers.SGD}[self.optimizer](learning_rate=float(self.learning_rate))
        taus = _taus(self.quantiles)
        if taus:
            from pybbdl.models.dense import PinballLoss

            loss = PinballLoss(taus)
        else:
            loss = self.loss
        model.compile(optimizer=optimizer, loss=loss)
        train = windows.dataset("train", batch_size=self.batch_size, shuffle=True, seed=self.random_state)
        val = windows.dataset("val", batch_size=max(self.batch_size, 256)) if "val" in windows.parts else None
        callbacks = []
        if self.patience is not None and val is not None:
            callbacks.append(keras.callbacks.EarlyStopping(monitor="val_loss", patience=int(self.patience),
                                                           restore_best_weights=True))
        start = time.perf_counter()
        history = model.fit(train, validation_data=val, epochs=int(self.epochs), callbacks=callbacks,
                            verbose=keras_verbosity(self.verbose))
        self.fit_seconds_ = time.perf_counter() - start
        self.model_ = model
        self.history_ = {k: [float(v) for v in vals] for k, vals in history.history.items()}
        self.epochs_run_ = len(self.history_.get("loss", []))
        self.n_params_ = int(model.count_params())
        self.known_, self.horizons_ = list(windows.known), tuple(windows.horizons)
        self.taus_ = taus
        self.fitted_ = True
        return self

    def describe(self) -> str:
        """E.g. ``gru(32), rmsprop lr=0.001, 12 epochs`` (``gru(32), residual, ...`` with `residual`;
        ``gru(32), quantiles 80/95 %, ...`` with ``quantiles=(0.8, 0.95)``)."""
        self._check_fitted()
        layers = f", {self.layers} layers" if self.layers > 1 else ""
        bi = "bidirectional " if self.bidirectional else ""
        drop = f", dropout {self.dropout}/{self.recurrent_dropout}" if self.dropout or self.recurrent_dropout else ""
        res = ", residual" if self.residual else ""
        levels = _check_quantiles(self.quantiles)
        if levels:
            res += f", quantiles {'/'.join(level_label(lv) for lv in levels)} %"
        return (f"{bi}{self.architecture}({self.units}){layers}{drop}{res}, {self.optimizer} lr={self.learning_rate:g}, "
                f"{self.epochs_run_} epochs")

    def _check_same_inputs(self, windows: Windows) -> None:
        known = getattr(self, "known_", [])
        if list(windows.known) != known:
            raise ArgumentError(f"The windows' future-known columns must be those the network was trained with. "
                                f"Received: known={windows.known}; trained with known={known}")

    def _predict_scaled(self, windows: Windows, part: str) -> np.ndarray:
        """``(n_windows, n_horizons)`` scaled forecasts: the median with `quantiles`."""
        out = self._predict_outputs(windows, part)
        taus = getattr(self, "taus_", ())
        if not taus:
            return out
        return self._sorted_quantiles(out)[:, :, taus.index(0.5)]

    def _sorted_quantiles(self, out: np.ndarray) -> np.ndarray:
        """The network's outputs as ``(n_windows, n_horizons, n_taus)``, sorted along the quantiles."""
        return np.sort(out.reshape(out.shape[0], -1, len(self.taus_)), axis=-1)

    def _predict_outputs(self, windows: Windows, part: str) -> np.ndarray:
        self._check_fitted()
        windows = self._check_windows(windows)
        self._check_same_inputs(windows)
        horizons = getattr(self, "horizons_", (windows.horizon,))
        if tuple(windows.horizons) != tuple(horizons) and not (len(horizons) == 1 and not windows.multi_horizon):
            raise ArgumentError(f"The windows' horizons must be those the network was trained with. "
                                f"Received: horizons={list(windows.horizons)}; trained with {list(horizons)}")
        data = windows.dataset(part, batch_size=max(int(self.batch_size), 512), targets=False)
        return self.model_.predict(data, verbose=0).reshape(windows.n_windows(part), -1)

    def predict(self, windows: Windows, part: str) -> np.ndarray:
        """Forecasts of the part's targets (the longest horizon), original units, shape ``(n_windows,)``."""
        return windows.inverse_target(self._predict_scaled(windows, part)[:, -1])

    def predict_horizons(self, windows: Windows, part: str) -> np.ndarray:
        """Forecasts at every horizon of the windows, ``(n_windows, len(windows.horizons))``, original units."""
        scaled = self._predict_scaled(windows, part)
        if scaled.shape[1] != len(windows.horizons):
            raise ArgumentError(f"This network has {scaled.shape[1]} output(s); the windows have "
                                f"{len(windows.horizons)} horizons. Fit it on windows with these horizons.")
        return windows.inverse_target(scaled)

    def predict_interval(self, windows: Windows, part: str, levels=(0.8, 0.95)) -> dict:
        """The learned quantiles at the longest horizon, ``{level: (lower, upper)}`` in original
        units (the ``(1 - L) / 2`` and ``(1 + L) / 2`` quantile outputs), one value per window of
        the part, around :meth:`predict`'s median.

        Where the network's quantiles cross (a lower quantile above a higher one), each window's
        quantiles are sorted first (the monotone rearrangement, which never raises the pinball
        loss), so ``lower <= median <= upper`` and intervals of higher levels contain lower ones.

        Raises:
            ArgumentError: the network has no quantile outputs, or a level it was not trained for.
        """
        self._check_fitted()
        if not getattr(self, "taus_", ()):
            raise ArgumentError("This network has no quantile outputs: fit it with quantiles=(0.8, 0.95) (say) for "
                                "its own intervals, or use conformal intervals (pybbdl.evaluation.model_intervals).")
        levels = check_levels(levels)
        trained = [round(2.0 * t - 1.0, 12) for t in self.taus_ if t > 0.5]  # the levels it was fitted for
        match = {lv: next((t for t in trained if math.isclose(lv, t, abs_tol=1e-9)), None) for lv in levels}
        missing = [lv for lv, t in match.items() if t is None]
        if missing:
            raise ArgumentError(f"This network was trained for the interval levels {list(trained)} (quantiles=); it "
                                f"has no {', '.join(level_label(lv) + ' %' for lv in missing)} interval. Received: "
                                f"levels={list(levels)}")
        q = windows.inverse_target(self._sorted_quantiles(self._predict_outputs(windows, part))[:, -1, :])
        column = {tau: i for i, tau in enumerate(self.taus_)}  # taus_ come from interval_quantiles too
        return {lv: tuple(q[:, column[tau]] for tau in interval_quantiles(t)) for lv, t in match.items()}


def _check_quantiles(quantiles) -> tuple[float, ...]:
    """The validated interval levels of `quantiles` (sorted); () for None."""
    if quantiles is None:
        return ()
    if isinstance(quantiles, (str, bytes)) or not isinstance(quantiles, (Sequence, np.ndarray)) or not len(quantiles):
        raise ArgumentError(f"`quantiles` must be None or a non-empty sequence of interval levels in (0, 1), e.g. "
                            f"(0.8, 0.95). Received: quantiles={quantiles!r}")
    try:
        return check_levels(list(quantiles))  # refuses NaN, bools, repeats (models do not import evaluation)
    except ArgumentError:
        raise ArgumentError(f"`quantiles` must hold distinct interval levels in (0, 1), e.g. (0.8, 0.95) for 80 % "
                            f"and 95 %. Received: quantiles={quantiles!r}") from None


def _taus(quantiles) -> tuple[float, ...]:
    """The quantiles the network outputs for `quantiles` (:func:`~pybbdl.models.dense.quantile_taus`); () for None."""
    levels = _check_quantiles(quantiles)
    if not levels:
        return ()
    from pybbdl.models.dense import quantile_taus

    return quantile_taus(levels)
