"""A forecaster written the way a user would, outside pybbdl: scikit-learn's Ridge on the last
`lags` values of every input column. It follows the contract of pybbdl.models.base without
subclassing anything, so it proves compare(), backtest() and the workflows need nothing else.

R reuses it: ``reticulate::import_from_path("user_forecaster", "tests/python")$RidgeLagForecaster()``.
"""

from __future__ import annotations

import numpy as np


class RidgeLagForecaster:
    """Ridge regression of the (scaled) target on the window's last `lags` rows of every column.

    Args:
        alpha: Ridge penalty.
        lags: Rows of each window used (the last ones); None = the whole window.
    """

    stochastic = False

    def __init__(self, alpha: float = 1.0, lags: int | None = None):
        self.alpha = alpha
        self.lags = lags

    def get_params(self) -> dict:
        return {"alpha": self.alpha, "lags": self.lags}

    def _features(self, windows, part):
        x = windows.X(part)  # (n, timesteps, columns), scaled on the training part
        if self.lags is not None:
            x = x[:, -int(self.lags):, :]
        return x.reshape(len(x), -1)

    def fit(self, windows):
        from sklearn.linear_model import Ridge

        self.model_ = Ridge(alpha=self.alpha).fit(self._features(windows, "train"), windows.y("train"))
        self.n_params_ = int(self.model_.coef_.size + 1)
        return self

    def predict(self, windows, part):
        if not hasattr(self, "model_"):
            raise AttributeError("RidgeLagForecaster is not fitted: call fit(windows) first")
        return windows.inverse_target(self.model_.predict(self._features(windows, part)))

    def describe(self) -> str:
        return f"Ridge(alpha={self.alpha}) on {self.lags or 'all'} lag(s)"
