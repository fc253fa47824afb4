"""DP-SGD on MNIST with a ledger and a membership-inference audit: :func:`dp_train_mnist`.

The CLI (``pybbdl privacy mnist``) and R's ``dp_train_mnist()`` call this function and nothing else, so the
same settings give the same table through every door. All arguments are checked before any data is read or
any model is built (an unwritable ``out_dir`` included).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pybbdl._validation import check_positive_int, check_seed
from pybbdl.exceptions import ArgumentError
from pybbdl.workflows.results import RunResult

#: The defaults of :func:`dp_train_mnist` (the CLI's --help, the README and R's docs show these).
PRIVACY_DEFAULTS = {"epochs": 60, "batch_size": 256, "noise_multiplier": 1.1, "target_epsilon": None,
                    "l2_norm_clip": 1.0, "learning_rate": 0.15, "momentum": 0.0, "delta": 1e-5, "budget": None,
                    "limit": None, "seed": 0, "activation": "relu", "physical_batch_size": None}
#: Metrics of :attr:`PrivacyRun.table`, per epoch.
PRIVACY_METRICS = ("loss", "accuracy", "test_loss", "test_accuracy", "epsilon")


def _number(name: str, value, *, lower: float | None = None, upper: float | None = None,
            lower_open: bool = True, upper_open: bool = True, none_ok: bool = False):
    if value is None and none_ok:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        out = math.nan
    ok = not isinstance(value, bool) and math.isfinite(out)
    if ok and lower is not None:
        ok = out > lower if lower_open else out >= lower
    if ok and upper is not None:
        ok = out < upper if upper_open else out <= upper
    if not ok:
        rng = (f" in {'(' if lower_open else '['}{lower}, {upper}{')' if upper_open else ']'}"
               if lower is not None and upper is not None
               else f" {'>' if lower_open else '>='} {lower}" if lower is not None else "")
        raise ArgumentError(f"`{name}` must be a finite number{rng}. Received: {name}={value!r}")
    return out


def audit_split(n_train: int, limit: int | None) -> tuple[slice, str]:
    """The one rule for the audit's non-members (Python, CLI and R): the ``limit`` training images after the
    first ``limit`` (never trained on, same writers as the members) when the training file has them, else
    the test set (other writers: the attack also picks up that shift, so its AUC is an upper bound).

    Returns the slice of the training images to use, or ``slice(None)`` with ``"test"``.
    """
    if limit is not None and 2 * limit <= n_train:
        return slice(limit, 2 * limit), f"train[{limit}:{2 * limit}]"
    return slice(None), "test"


@dataclass
class PrivacyRun(RunResult):
    """What :func:`dp_train_mnist` returns.

    Attributes:
        table: The ledger in long form, one row per epoch and metric; columns ``epoch`` (1, 2, ...),
            ``metric`` (``loss``, ``accuracy``, ``test_loss``, ``test_accuracy``, ``epsilon``) and ``value``.
            ``epsilon`` is the epsilon spent after that epoch (RDP accountant, delta from the settings).
        settings: Every setting used, defaults filled in: ``noise_multiplier`` (the sigma actually used,
            calibrated when ``target_epsilon`` was given), ``epsilon`` (final), ``delta``, ``n``,
            ``epochs_run``, ``audit_non_members``, ``seed``, ``versions``, ...
        audit: The :class:`~pybbdl.privacy.audit.AuditResult` (AUC, advantage, ROC).
        statement: The privacy statement (text).
        model: The trained Keras model.
    """

    audit: Any = None
    statement: str = ""
    model: Any = field(default=None, repr=False)

    def wide(self) -> pd.DataFrame:
        """The ledger with one row per epoch and one column per metric."""
        wide = self.table.pivot(index="epoch", columns="metric", values="value")
        return wide[[m for m in PRIVACY_METRICS if m in wide.columns]]

    def __str__(self) -> str:
        ledger = self.wide().round(4).to_string()
        return f"ledger (epsilon after each epoch):\n{ledger}\n\n{self.statement}\n\n{self.audit}"

    def plot(self):
        """Test accuracy and epsilon per epoch beside the audit's ROC curve; returns the Figure."""
        from matplotlib.figure import Figure   # no pyplot: no global figure state, no backend switch

        fig = Figure(figsize=(9, 4))
        ax1, ax2 = fig.subplots(1, 2)
        wide = self.wide()
        for metric in ("accuracy", "test_accuracy"):
            if metric in wide:
                ax1.plot(wide.index, wide[metric], marker="o", label=metric)
        ax1.set(xlabel="epoch", ylabel="accuracy", title="DP-SGD on MNIST")
        ax1.legend(loc="lower right")
        twin = ax1.twinx()
        twin.plot(wide.index, wide["epsilon"], color="black", ls="--", label="epsilon")
        twin.set_ylabel("epsilon spent")
        if self.audit is not None:
            self.audit.plot(ax=ax2)
        fig.tight_layout()
        return fig

    def _write_files(self, out: Path) -> list[Path]:
        from pybbdl.outputs import atomic_write

        paths = super()._write_files(out)
        paths.append(atomic_write(out / "ledger.csv", lambda tmp: self.wide().to_csv(tmp)))
        paths.append(self._write_text(out / "statement.txt", str(self) + "\n"))
        fig = self.plot()
        paths.append(atomic_write(out / "training.png", lambda tmp: fig.savefig(tmp, dpi=120, bbox_inches="tight")))
        if self.audit is not None:
            from matplotlib.figure import Figure

            roc = Figure(figsize=(4, 4))
            self.audit.plot(ax=roc.subplots())
            paths.append(atomic_write(out / "membership_roc.png",
                                      lambda tmp: roc.savefig(tmp, dpi=120, bbox_inches="tight")))
        if self.model is not None:
            paths.append(atomic_write(out / "model.keras", lambda tmp: self.model.save(tmp)))
        return paths


def dp_train_mnist(data_path: str | os.PathLike | None = None, *, epochs: int = 60, batch_size: int = 256,
                   noise_multiplier: float | None = None, target_epsilon: float | None = None,
                   l2_norm_clip: float = 1.0, learning_rate: float = 0.15, momentum: float = 0.0,
                   delta: float = 1e-5, budget: float | None = None, limit: int | None = None, seed: int = 0,
                   activation: str = "relu", out_dir: str | os.PathLike | None = None,
                   progress: bool = True, physical_batch_size: int | None = None) -> PrivacyRun:
    """Train tensorflow-privacy's tutorial CNN on MNIST with DP-SGD (Poisson sampling), keep a ledger of
    the epsilon spent after every epoch, and audit the model with a loss-threshold membership attack.

    Args:
        data_path: Folder with the four MNIST IDX files; None downloads them once into the cache.
        epochs: Epochs, a whole number >= 1.
        batch_size: Expected batch size (Poisson sampling), a whole number in [1, n].
        noise_multiplier: sigma; default 1.1 when `target_epsilon` is not given either.
        target_epsilon: Calibrate sigma (:func:`~pybbdl.privacy.calibrate_noise`) so all epochs spend at most this.
        l2_norm_clip: The clipping norm C, finite > 0.
        learning_rate, momentum: SGD's (learning rate > 0, momentum in [0, 1)).
        delta: Target delta in (0, 1).
        budget: Stop before an epoch would take epsilon above this; None = no stop.
        limit: Train on the first `limit` training images only (>= 1); the audit's non-members follow
            :func:`audit_split`.
        seed: Seeds the weights, the Poisson batches and the DP noise.
        activation: ``"relu"`` (the tutorial) or ``"tanh"`` (tempered sigmoid).
        out_dir: Write ``table.csv``, ``ledger.csv``, ``statement.txt``, ``training.png``,
            ``membership_roc.png``, ``model.keras``
            and ``manifest.json`` here (checked for writability before training); None = write nothing.
        progress: Print Keras's per-epoch lines.
        physical_batch_size: Virtual batches: compute each logical (Poisson, expected `batch_size`) step in
            slices of at most this many images, noise added once per logical step (same result, less memory;
            :func:`~pybbdl.privacy.dp_fit`). None = one slice.

    Returns:
        A :class:`PrivacyRun`.
    """
    from pybbdl.outputs import prepare_output_dir, versions
    from pybbdl.privacy._checks import check_l2_norm_clip, check_noise
    from pybbdl.privacy.accounting import check_delta

    epochs = check_positive_int("epochs", epochs)
    batch_size = check_positive_int("batch_size", batch_size)
    seed = check_seed("seed", seed)
    if limit is not None:
        limit = check_positive_int("limit", limit)
    if physical_batch_size is not None:
        physical_batch_size = check_positive_int("physical_batch_size", physical_batch_size)
    if noise_multiplier is not None and target_epsilon is not None:
        raise ArgumentError("Give at most one of `noise_multiplier` and `target_epsilon`. Received: both")
    if noise_multiplier is None and target_epsilon is None:
        noise_multiplier = PRIVACY_DEFAULTS["noise_multiplier"]
    if noise_multiplier is not None:
        noise_multiplier = check_noise(noise_multiplier)
    target_epsilon = _number("target_epsilon", target_epsilon, lower=0, none_ok=True)
    l2_norm_clip = check_l2_norm_clip(l2_norm_clip)
    learning_rate = _number("learning_rate", learning_rate, lower=0)
    momentum = _number("momentum", momentum, lower=0, upper=1, lower_open=False)
    delta = _number("delta", delta, lower=0, upper=1)
    budget = _number("budget", budget, lower=0, none_ok=True)
    if activation not in ("relu", "tanh"):
        raise ArgumentError(f'`activation` must be "relu" or "tanh". Received: {activation!r}')
    out = prepare_output_dir(out_dir) if out_dir is not None else None

    from pybbdl.data import load_mnist

    (x, y), (xt, yt) = load_mnist(data_path, scale="unit")
    if limit is not None and limit > len(x):
        raise ArgumentError(f"`limit` must be <= the {len(x)} training images. Received: limit={limit}")
    if batch_size > (limit or len(x)):
        raise ArgumentError(f"`batch_size` must be <= the {limit or len(x)} training images. "
                            f"Received: batch_size={batch_size}")
    check_delta(delta, limit or len(x), stacklevel=2)
    x, xt = x[..., None], xt[..., None]
    rows, non_member_source = audit_split(len(x), limit)
    held_out = (x[rows], y[rows]) if non_member_source != "test" else (xt, yt)
    if limit is not None:
        x, y = x[:limit], y[:limit]

    import keras

    from pybbdl.models.vision import mnist_cnn
    from pybbdl.privacy import dp_fit, membership_inference

    keras.utils.set_random_seed(seed)
    model = mnist_cnn(activation=activation)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate, momentum=momentum),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    history = dp_fit(model, x, y, epochs=epochs, batch_size=batch_size, noise_multiplier=noise_multiplier,
                     target_epsilon=target_epsilon, l2_norm_clip=l2_norm_clip, delta=delta, budget=budget,
                     validation_data=(xt, yt), seed=seed, verbose=2 if progress else 0,
                     physical_batch_size=physical_batch_size)
    m = min(len(x), len(held_out[0]))
    audit = membership_inference(model, (x[:m], y[:m]), (held_out[0][:m], held_out[1][:m]))

    h = history.history
    names = {"loss": "loss", "accuracy": "accuracy", "val_loss": "test_loss", "val_accuracy": "test_accuracy",
             "epsilon": "epsilon"}
    n_epochs = len(h.get("epsilon", []))
    table = pd.DataFrame([{"epoch": e + 1, "metric": names[k], "value": float(h[k][e])}
                          for e in range(n_epochs) for k in names if k in h],
                         columns=["epoch", "metric", "value"])
    settings = {"data_path": None if data_path is None else str(data_path), "epochs": epochs,
                "epochs_run": n_epochs, "batch_size": batch_size, "noise_multiplier": history.noise_multiplier,
                "target_epsilon": target_epsilon, "epsilon": float(history.epsilon), "delta": delta,
                "accountant": "rdp", "sampling": "poisson", "l2_norm_clip": l2_norm_clip,
                "learning_rate": learning_rate, "momentum": momentum, "budget": budget, "limit": limit,
                "n": len(x), "seed": seed, "activation": activation, "physical_batch_size": physical_batch_size,
                "audit_non_members": non_member_source,
                "audit_n": m, "audit_auc": audit.auc, "audit_advantage": audit.advantage, "versions": versions()}
    run = PrivacyRun(kind="dp_mnist", table=table, settings=settings, audit=audit, statement=history.privacy,
                     model=model)
    if out is not None:
        run.save(out)
    return run


__all__ = ["PRIVACY_DEFAULTS", "PRIVACY_METRICS", "PrivacyRun", "audit_split", "dp_train_mnist"]
