"""Membership-inference audit: does a model's loss tell training examples from unseen ones?

The loss-threshold attack (Yeom et al. 2018): an example is called a member when its loss is below
a threshold. Over all thresholds this gives a ROC curve; its area (AUC) is 0.5 for a model that
leaks nothing through its losses, and the membership advantage max(TPR - FPR) bounds what the best
threshold gains over guessing. An (epsilon, delta)-DP model has advantage <= (e^eps - 1 + 2 delta) /
(e^eps + 1) (Humphries et al. 2023; weaker forms in Yeom et al.).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pybbdl.exceptions import ArgumentError


@dataclass(frozen=True)
class AuditResult:
    """ROC of the loss-threshold attack; ``fpr``/``tpr`` over all thresholds (for plotting)."""

    auc: float
    advantage: float
    threshold: float
    n_members: int
    n_non_members: int
    fpr: np.ndarray
    tpr: np.ndarray

    def __str__(self) -> str:
        return (f"membership inference (loss threshold): AUC = {self.auc:.3f}, advantage = {self.advantage:.3f} "
                f"({self.n_members} members vs {self.n_non_members} non-members; 0.5 / 0 = no leak)")

    def plot(self, ax=None, label=None):
        """The ROC curve beside the diagonal of guessing."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(4, 4))
        ax.plot(self.fpr, self.tpr, label=label or f"AUC {self.auc:.3f}")
        ax.plot([0, 1], [0, 1], color="grey", lw=0.8, ls="--")
        ax.set(xlabel="false positive rate (non-members called members)", ylabel="true positive rate",
               title="Membership inference")
        ax.legend(loc="lower right")
        return ax


def _check_losses(name, values) -> np.ndarray:
    arr = np.asarray(values, dtype=float).reshape(-1)
    if arr.size == 0:
        raise ArgumentError(f"`{name}` is empty")
    if not np.all(np.isfinite(arr)):
        raise ArgumentError(f"`{name}` holds {int(np.sum(~np.isfinite(arr)))} non-finite losses")
    return arr


def loss_threshold_attack(member_losses, non_member_losses) -> AuditResult:
    """AUC and advantage of calling "member" whenever the loss is below a threshold (ties count half)."""
    members = _check_losses("member_losses", member_losses)
    others = _check_losses("non_member_losses", non_member_losses)
    scores = np.concatenate([-members, -others])  # higher score = more likely a member
    labels = np.concatenate([np.ones(members.size), np.zeros(others.size)])
    order = np.argsort(-scores, kind="mergesort")
    scores, labels = scores[order], labels[order]
    distinct = np.flatnonzero(np.diff(scores)) if scores.size > 1 else np.array([], dtype=int)
    cut = np.concatenate([distinct, [scores.size - 1]])
    tps, fps = np.cumsum(labels)[cut], np.cumsum(1 - labels)[cut]
    tpr = np.concatenate([[0.0], tps / members.size])
    fpr = np.concatenate([[0.0], fps / others.size])
    auc = float(np.trapezoid(tpr, fpr)) if hasattr(np, "trapezoid") else float(np.trapz(tpr, fpr))
    gaps = tpr - fpr
    best = int(np.argmax(gaps))
    threshold = float(-scores[cut[best - 1]]) if best > 0 else -math.inf
    return AuditResult(auc=auc, advantage=float(gaps[best]), threshold=threshold, n_members=members.size,
                       n_non_members=others.size, fpr=fpr, tpr=tpr)


def _exact_sparse_xent(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Cross-entropy from logits in float64 as softplus(logsumexp of the other logits - true logit).

    The usual ``logsumexp(l) - l_y`` rounds to exactly 0 once the margin passes ~17 (float32) or
    ~37 (float64), so memorised and well-classified examples tie at 0 and the attack loses its
    ranking; this form keeps every loss distinct (down to ~1e-300).
    """
    logits = np.asarray(logits, dtype=np.float64)
    labels = np.asarray(labels).reshape(-1).astype(int)
    true = logits[np.arange(len(labels)), labels]
    others = logits.copy()
    others[np.arange(len(labels)), labels] = -np.inf
    top = others.max(axis=1)
    lse = top + np.log(np.sum(np.exp(others - top[:, None]), axis=1))
    margin = lse - true
    return np.logaddexp(0.0, margin)


def example_losses(model, x, y, *, loss=None, batch_size: int = 512) -> np.ndarray:
    """One loss per example of a compiled Keras model (its compiled loss unless ``loss`` is given).

    Sparse categorical cross-entropy on logits is computed exactly in float64 (see
    :func:`_exact_sparse_xent`); other losses through Keras.
    """
    import keras

    from pybbdl.privacy.dp_sgd import per_example_loss_fn

    loss = loss if loss is not None else model.loss
    preds = model.predict(x, batch_size=batch_size, verbose=0)
    fn = keras.losses.get(loss)
    if isinstance(fn, keras.losses.SparseCategoricalCrossentropy) and fn.get_config().get("from_logits"):
        return _exact_sparse_xent(preds, y)
    return np.asarray(per_example_loss_fn(loss)(y, preds), dtype=np.float64)


def membership_inference(model, members, non_members, *, loss=None, batch_size: int = 512) -> AuditResult:
    """Audit a trained Keras model: ``members=(x_train, y_train)``, ``non_members=(x_out, y_out)``.

    Use as many non-members as members (e.g. the test set) so that AUC 0.5 means no leak.
    """
    (xm, ym), (xo, yo) = members, non_members
    return loss_threshold_attack(example_losses(model, xm, ym, loss=loss, batch_size=batch_size),
                                 example_losses(model, xo, yo, loss=loss, batch_size=batch_size))


def dp_advantage_bound(epsilon: float, delta: float = 0.0) -> float:
    """The largest membership advantage an (epsilon, delta)-DP training algorithm allows."""
    if not epsilon >= 0 or not 0 <= delta < 1:
        raise ArgumentError(f"need epsilon >= 0 and delta in [0, 1); got {epsilon}, {delta}")
    return min(1.0, (math.exp(epsilon) - 1 + 2 * delta) / (math.exp(epsilon) + 1))
