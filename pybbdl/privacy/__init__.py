"""Differential privacy: epsilon accounting for DP-SGD (dp-accounting) and the Gaussian mechanism.

Importing this package does not import TensorFlow.
"""

from pybbdl.privacy.accounting import dp_sgd_epsilon, dp_sgd_noise_multiplier, privacy_statement
from pybbdl.privacy.mechanisms import gaussian_mechanism, gaussian_sigma

__all__ = ["dp_sgd_epsilon", "dp_sgd_noise_multiplier", "gaussian_mechanism", "gaussian_sigma",
           "privacy_statement"]
