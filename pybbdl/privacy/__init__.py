"""Differential privacy: DP-SGD for Keras 3 models, epsilon accounting (dp-accounting), the Gaussian
mechanism, a privacy ledger and membership-inference audits.

Importing this package does not import TensorFlow: the training pieces (`make_private`, `dp_fit`,
`PrivacyLedger`, `PoissonBatches`, `dp_model_gradients`, `dp_gradients`) load it on first use.
"""

from pybbdl.privacy.accounting import (PLD_MIN_NOISE, Calibration, calibrate_noise, dp_sgd_epsilon,
                                       dp_sgd_epsilon_per_epoch_order, dp_sgd_noise_multiplier, privacy_statement)
from pybbdl.privacy.audit import AuditResult, dp_advantage_bound, loss_threshold_attack, membership_inference
from pybbdl.privacy.mechanisms import gaussian_mechanism, gaussian_sigma

_TRAINING = ("DPConfig", "PoissonBatches", "PrivacyLedger", "UnsupportedLayerError", "check_dp_layers", "dp_fit",
             "dp_gradients", "dp_model_gradients", "make_private", "make_private_with_epsilon",
             "per_example_loss_fn")

__all__ = ["PLD_MIN_NOISE", "AuditResult", "Calibration", "calibrate_noise", "dp_advantage_bound", "dp_sgd_epsilon",
           "dp_sgd_epsilon_per_epoch_order", "dp_sgd_noise_multiplier", "gaussian_mechanism", "gaussian_sigma",
           "loss_threshold_attack", "membership_inference", "privacy_statement", *_TRAINING]


def __getattr__(name):
    if name in _TRAINING:
        from pybbdl.privacy import dp_sgd

        return getattr(dp_sgd, name)
    raise AttributeError(f"module 'pybbdl.privacy' has no attribute {name!r}")
