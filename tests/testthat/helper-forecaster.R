# A forecaster written by a user, not by pybbdl (issue 12's acceptance): ridge regression on the
# lagged values of each window, in numpy, defined through reticulate. It follows the forecaster
# contract only (fit on the training part, predict from given origins, fitted attributes ending
# in `_`, describe()); it does not derive from pybbdl's classes.
user_forecaster <- function(alpha = 1) {
  main <- reticulate::py_run_string(paste(
    "import numpy as np",
    "class RidgeLags:",
    "    stochastic = False",
    "    def __init__(self, alpha=1.0):",
    "        self.alpha = alpha",
    "    def clone(self):",
    "        return RidgeLags(self.alpha)",
    "    def fit(self, windows):",
    "        X = windows.X('train').reshape(windows.n_windows('train'), -1)",
    "        X = np.column_stack([np.ones(len(X)), X])",
    "        penalty = self.alpha * np.eye(X.shape[1])",
    "        penalty[0, 0] = 0.0",
    "        self.coef_ = np.linalg.solve(X.T @ X + penalty, X.T @ windows.y('train'))",
    "        self.fitted_ = True",
    "        return self",
    "    def predict(self, windows, part):",
    "        X = windows.X(part).reshape(windows.n_windows(part), -1)",
    "        return windows.inverse_target(np.column_stack([np.ones(len(X)), X]) @ self.coef_)",
    "    def describe(self):",
    "        return f'ridge on lagged values (alpha={self.alpha})'",
    sep = "\n"), convert = FALSE)
  main$RidgeLags(alpha = alpha)
}
