#' Privacy budget of DP-SGD training
#'
#' `dp_epsilon()` gives the epsilon that DP-SGD spends with Poisson sampling (each example joins
#' each batch with probability `batch_size / n`, Gaussian noise of `noise_multiplier` times the
#' clipping norm), composed over `ceil(epochs * n / batch_size)` steps, from Google's
#' dp-accounting library. `dp_noise_multiplier()` finds the smallest noise multiplier whose
#' epsilon does not exceed `target_epsilon`, with Python's `pybbdl.privacy.calibrate_noise()`, the
#' one calibration that `dp_train_mnist()`, `train_gan(dp = TRUE)` and the command line use too.
#' `privacy_statement()` writes both accountants'
#' epsilon and the assumptions out in words.
#'
#' Accountants: `"rdp"`, Renyi DP with tensorflow-privacy's orders and the tight conversion to
#' (epsilon, delta) (60000 examples, batches of 256, noise 1.1, 60 epochs, delta 1e-5 give
#' 2.597); `"rdp_classic"`, the same curve with the classic conversion of Abadi et al. (2016);
#' `"pld"`, privacy-loss distributions (the tightest).
#'
#' @param n Training examples, a whole number.
#' @param batch_size Expected batch size, at most `n`.
#' @param noise_multiplier Noise standard deviation divided by the clipping norm, > 0.
#' @param epochs Passes over the data, > 0 (fractions allowed).
#' @param delta Target delta in (0, 1), well below `1 / n` (Python warns when it is not).
#' @param accountant `"rdp"`, `"rdp_classic"` or `"pld"`.
#' @return `dp_epsilon()`: epsilon, a number. `dp_noise_multiplier()`: the noise multiplier.
#' @family privacy
#' @export
#' @examples
#' if (pybbdl_available()) {
#'   dp_epsilon(60000, 256, 1.1, 60, 1e-5)                   # 2.597
#'   dp_noise_multiplier(60000, 256, target_epsilon = 1, epochs = 60, delta = 1e-5)
#'   cat(privacy_statement(60000, 256, 1.1, 60, 1e-5, sampling = "shuffle"))
#' }
dp_epsilon <- function(n, batch_size, noise_multiplier, epochs, delta = 1e-5,
                       accountant = c("rdp", "rdp_classic", "pld")) {
  args <- check_dp_args(n, batch_size, epochs, delta)
  noise_multiplier <- check_number(noise_multiplier, "noise_multiplier", lower = 0)
  accountant <- match.arg(accountant)
  eps <- with_py_errors(python_module("privacy")$dp_sgd_epsilon(
    args$n, args$batch_size, noise_multiplier, epochs = args$epochs, delta = args$delta,
    accountant = accountant
  ))
  reticulate::py_to_r(eps)
}

#' @rdname dp_epsilon
#' @param target_epsilon The privacy budget to stay within, > 0.
#' @param tolerance Relative precision of the bisection.
#' @export
dp_noise_multiplier <- function(n, batch_size, target_epsilon, epochs, delta = 1e-5,
                                accountant = c("rdp", "rdp_classic", "pld"), tolerance = 1e-3) {
  args <- check_dp_args(n, batch_size, epochs, delta)
  target_epsilon <- check_number(target_epsilon, "target_epsilon", lower = 0)
  tolerance <- check_number(tolerance, "tolerance", lower = 0, upper = 1)
  accountant <- match.arg(accountant)
  # the one calibration of every door (Python's dp_fit and workflows, the CLI, R)
  calibration <- with_py_errors(python_module("privacy")$calibrate_noise(
    args$n, args$batch_size, target_epsilon, args$delta, epochs = args$epochs,
    accountant = accountant, tolerance = tolerance
  ))
  reticulate::py_to_r(calibration$noise_multiplier)
}

#' @rdname dp_epsilon
#' @param sampling How batches are drawn in training: `"poisson"` (the guarantee holds as stated)
#'   or `"shuffle"` (fixed-size shuffled batches: the usual approximation, and the statement says
#'   so).
#' @param l2_norm_clip The clipping norm C, reported in the statement; `NULL` leaves it out.
#' @param microbatching `TRUE` states tensorflow-privacy's microbatching convention (more than one
#'   example per clipped microbatch: sensitivity 2C, so the effective noise multiplier is halved).
#' @param max_grad_norm Deprecated name of `l2_norm_clip` (warns).
#' @return `privacy_statement()`: the statement, one string with line breaks.
#' @export
privacy_statement <- function(n, batch_size, noise_multiplier, epochs, delta = 1e-5,
                              sampling = c("poisson", "shuffle"), l2_norm_clip = NULL,
                              microbatching = FALSE, max_grad_norm = NULL) {
  args <- check_dp_args(n, batch_size, epochs, delta)
  noise_multiplier <- check_number(noise_multiplier, "noise_multiplier", lower = 0)
  sampling <- match.arg(sampling)
  if (!is.null(max_grad_norm)) {
    warning("`max_grad_norm` is deprecated: use `l2_norm_clip`.", call. = FALSE)
    if (is.null(l2_norm_clip)) l2_norm_clip <- max_grad_norm
  }
  if (!is.null(l2_norm_clip)) l2_norm_clip <- check_number(l2_norm_clip, "l2_norm_clip", lower = 0)
  microbatching <- check_flag(microbatching, "microbatching")
  text <- with_py_errors(python_module("privacy")$privacy_statement(
    args$n, args$batch_size, noise_multiplier, args$epochs, args$delta, sampling = sampling,
    l2_norm_clip = l2_norm_clip, microbatching = microbatching
  ))
  reticulate::py_to_r(text)
}

check_dp_args <- function(n, batch_size, epochs, delta) {
  n <- check_whole(n, "n")
  batch_size <- check_whole(batch_size, "batch_size")
  if (batch_size > n) {
    stop("`batch_size` must be <= n = ", n, ", not ", batch_size, ".", call. = FALSE)
  }
  list(n = n, batch_size = batch_size, epochs = check_number(epochs, "epochs", lower = 0),
       delta = check_number(delta, "delta", lower = 0, upper = 1))
}

#' Release a statistic with (epsilon, delta)-differential privacy: the Gaussian mechanism
#'
#' Adds independent normal noise with standard deviation `sigma` to each element of `value`.
#' `method = "analytic"` uses the smallest `sigma` with exactly (epsilon, delta)-DP (Balle & Wang
#' 2018), valid for every epsilon > 0; `"classic"` uses `sensitivity * sqrt(2 log(1.25 / delta)) /
#' epsilon` (Dwork & Roth, Theorem A.1), proven only for epsilon < 1 and refused otherwise.
#'
#' @param value A number or numeric vector/array (its L2 sensitivity is `sensitivity`).
#' @param sensitivity L2 sensitivity of `value`: how much it can move when one person's record
#'   is added or removed, in the units of `value`; > 0.
#' @param epsilon,delta The privacy parameters, epsilon > 0 and delta in (0, 1).
#' @param method `"analytic"` or `"classic"`.
#' @param seed Seed of the noise (NumPy's generator), or `NULL` for fresh noise. A real release
#'   must not use a known seed.
#' @return The noisy value, with the shape (dim) of `value`, and the attribute `sigma`.
#' @family privacy
#' @export
#' @examples
#' if (pybbdl_available()) {
#'   # a mean income of 1000 people, incomes clipped to [0, 200000]
#'   gaussian_mechanism(52000, sensitivity = 200000 / 1000, epsilon = 0.5, delta = 1e-5)
#' }
gaussian_mechanism <- function(value, sensitivity, epsilon, delta,
                               method = c("analytic", "classic"), seed = NULL) {
  if (!is.numeric(value) || !length(value) || anyNA(value) || any(!is.finite(value))) {
    stop("`value` must be finite numbers, not ", describe(value), ".", call. = FALSE)
  }
  sensitivity <- check_number(sensitivity, "sensitivity", lower = 0)
  epsilon <- check_number(epsilon, "epsilon", lower = 0)
  delta <- check_number(delta, "delta", lower = 0, upper = 1)
  method <- match.arg(method)
  if (method == "classic" && epsilon >= 1) {
    stop("`epsilon` must be < 1 for method = \"classic\" (its proof needs it), not ", epsilon,
         ". Use method = \"analytic\".", call. = FALSE)
  }
  seed <- check_count(seed, "seed", minimum = 0, null_ok = TRUE)
  privacy <- python_module("privacy")
  sigma <- reticulate::py_to_r(with_py_errors(privacy$gaussian_sigma(sensitivity, epsilon, delta,
                                                             method = method)))
  noisy <- with_py_errors(privacy$gaussian_mechanism(
    reticulate::np_array(as.numeric(value), dtype = "float64"), sensitivity, epsilon, delta,
    method = method, seed = seed
  ))
  out <- as.numeric(reticulate::py_to_r(noisy))
  dim(out) <- dim(value)
  names(out) <- names(value)
  attr(out, "sigma") <- sigma
  out
}

#' Train the MNIST CNN with DP-SGD and audit it
#'
#' DP-SGD (Poisson-sampled batches, each example's gradient clipped to `l2_norm_clip`, Gaussian
#' noise) on MNIST with tensorflow-privacy's tutorial CNN, a ledger that records the epsilon spent
#' after every epoch, and a loss-threshold membership-inference audit. It calls the Python workflow
#' `pybbdl.workflows.privacy.dp_train_mnist()`, the same function as `pybbdl privacy mnist`, so the
#' same arguments give the same table through R, Python and the command line. Arguments are checked
#' in R first (counts must be whole numbers, at most 2147483647).
#'
#' The audit's non-members are the `limit` training images after the first `limit` when MNIST has
#' that many, else the test set (one rule for every door).
#'
#' @param data_path Folder with the four MNIST IDX files; `NULL` downloads them once.
#' @param epochs Epochs, a whole number >= 1.
#' @param batch_size Expected batch size (Poisson sampling).
#' @param noise_multiplier Noise std / clipping norm (default 1.1 when `target_epsilon` is `NULL`).
#' @param target_epsilon Calibrate the noise so that all epochs spend at most this.
#' @param l2_norm_clip Clipping norm C, finite and > 0.
#' @param learning_rate,momentum SGD's learning rate (> 0) and momentum (in \[0, 1)).
#' @param activation `"relu"` (the tutorial) or `"tanh"` (tempered sigmoid; learns better under DP).
#' @param limit Train on the first `limit` images only (>= 1).
#' @param delta Target delta.
#' @param budget Stop before an epoch would take epsilon above this; `NULL` = no stop.
#' @param seed Seed of the weights, the Poisson batches and the noise.
#' @param out_dir Folder for `table.csv`, `ledger.csv`, `statement.txt`, plots, the model and
#'   `manifest.json` (checked before training); `NULL` writes nothing.
#' @param progress Print Keras's per-epoch lines.
#' @param physical_batch_size Virtual batches: each logical step (Poisson, expected `batch_size`)
#'   is computed in slices of at most this many images, the noise added once per logical step
#'   (same result as one slice, less memory); `NULL` = one slice.
#' @return An object of class `pybbdl_privacy_run`: a list with `table` (the long table: epoch,
#'   metric, value), `ledger` (one row per epoch: loss, accuracy, test_loss, test_accuracy,
#'   epsilon), `epsilon`, `noise_multiplier` (the sigma used), `test_accuracy`, `audit` (auc,
#'   advantage, non_members), `statement`, `settings` and `run` (the Python `PrivacyRun`). It has
#'   `print()`, `format()`, `summary()`, `plot()` and `as.data.frame()` methods, and an
#'   `autoplot()` method (accuracy and epsilon per epoch) when ggplot2 is installed.
#' @family privacy
#' @export
#' @examples
#' if (pybbdl_available() && dir.exists("../shared/data/mnist")) {
#'   res <- dp_train_mnist("../shared/data/mnist", epochs = 1, limit = 2000, noise_multiplier = 1.1)
#'   res
#'   as.data.frame(res)
#' }
dp_train_mnist <- function(data_path = NULL, epochs = 60, batch_size = 256, noise_multiplier = NULL,
                           target_epsilon = NULL, l2_norm_clip = 1, learning_rate = 0.15, momentum = 0,
                           activation = c("relu", "tanh"), limit = NULL, delta = 1e-5, budget = NULL,
                           seed = 0, out_dir = NULL, progress = FALSE, physical_batch_size = NULL) {
  activation <- match.arg(activation)
  if (!is.null(data_path)) data_path <- check_string(data_path, "data_path")
  epochs <- check_whole(epochs, "epochs")
  batch_size <- check_whole(batch_size, "batch_size")
  limit <- check_whole(limit, "limit", null_ok = TRUE)
  seed <- check_whole(seed, "seed", minimum = 0)
  physical_batch_size <- check_whole(physical_batch_size, "physical_batch_size", null_ok = TRUE)
  if (!is.null(noise_multiplier) && !is.null(target_epsilon)) {
    stop("give at most one of `noise_multiplier` and `target_epsilon`.", call. = FALSE)
  }
  if (!is.null(noise_multiplier)) noise_multiplier <- check_number(noise_multiplier, "noise_multiplier", lower = 0)
  if (!is.null(target_epsilon)) target_epsilon <- check_number(target_epsilon, "target_epsilon", lower = 0)
  l2_norm_clip <- check_number(l2_norm_clip, "l2_norm_clip", lower = 0)
  learning_rate <- check_number(learning_rate, "learning_rate", lower = 0)
  momentum <- check_number(momentum, "momentum", lower = 0, upper = 1, open = FALSE)
  delta <- check_number(delta, "delta", lower = 0, upper = 1)
  if (!is.null(budget)) budget <- check_number(budget, "budget", lower = 0)
  if (!is.null(out_dir)) out_dir <- check_string(out_dir, "out_dir")
  progress <- check_flag(progress, "progress")
  run <- with_py_errors(python_module("workflows.privacy")$dp_train_mnist(
    data_path, epochs = epochs, batch_size = batch_size, noise_multiplier = noise_multiplier,
    target_epsilon = target_epsilon, l2_norm_clip = l2_norm_clip, learning_rate = learning_rate,
    momentum = momentum, delta = delta, budget = budget, limit = limit, seed = seed,
    activation = activation, out_dir = out_dir, progress = progress,
    physical_batch_size = physical_batch_size
  ))
  privacy_run_from_python(run)
}

# The R object of a Python PrivacyRun.
privacy_run_from_python <- function(run) {
  table <- py_frame(run$table)
  settings <- reticulate::py_to_r(run$settings)
  ledger <- py_frame(run$wide(), index = "epoch")
  structure(list(
    table = table, ledger = ledger, epsilon = settings$epsilon, noise_multiplier = settings$noise_multiplier,
    test_accuracy = if (nrow(ledger)) utils::tail(ledger$test_accuracy, 1) else NA_real_,
    audit = list(auc = settings$audit_auc, advantage = settings$audit_advantage,
                 non_members = settings$audit_non_members),
    statement = reticulate::py_to_r(run$statement), settings = settings, run = run
  ), class = "pybbdl_privacy_run")
}

# A pandas DataFrame as a plain data.frame (row names 1..n; `index` keeps the index as a column).
py_frame <- function(frame, index = NULL) {
  if (!is.null(index)) frame <- frame$reset_index()
  columns <- reticulate::py_to_r(frame$to_dict("list"))   # column by column: no pandas-index conversion
  as.data.frame(lapply(columns, unlist), stringsAsFactors = FALSE, optional = TRUE)
}

#' @export
format.pybbdl_privacy_run <- function(x, ...) {
  s <- x$settings
  c(sprintf("pybbdl DP-SGD on MNIST: n = %d, %d epoch(s), batch %d (Poisson), sigma = %.4g, C = %g",
            as.integer(s$n), as.integer(s$epochs_run), as.integer(s$batch_size), x$noise_multiplier,
            s$l2_norm_clip),
    sprintf("epsilon = %.4g at delta = %g (RDP); test accuracy %.4f", x$epsilon, s$delta, x$test_accuracy),
    sprintf("membership inference (non-members: %s): AUC %.3f, advantage %.3f", x$audit$non_members,
            x$audit$auc, x$audit$advantage))
}

#' @export
print.pybbdl_privacy_run <- function(x, ...) {
  cat(format(x), sep = "\n")
  cat("\nledger (epsilon after each epoch):\n")
  print(x$ledger, row.names = FALSE, digits = 4)
  invisible(x)
}

#' @export
summary.pybbdl_privacy_run <- function(object, ...) {
  s <- object$settings
  structure(list(settings = s[c("n", "epochs", "epochs_run", "batch_size", "noise_multiplier", "l2_norm_clip",
                                "delta", "epsilon", "learning_rate", "seed", "limit")],
                 ledger = object$ledger, audit = object$audit, statement = object$statement),
            class = "summary.pybbdl_privacy_run")
}

#' @export
print.summary.pybbdl_privacy_run <- function(x, ...) {
  cat(x$statement, "\n\n", sep = "")
  print(x$ledger, row.names = FALSE, digits = 4)
  cat(sprintf("\nmembership inference: AUC %.3f, advantage %.3f (non-members: %s)\n", x$audit$auc,
              x$audit$advantage, x$audit$non_members))
  invisible(x)
}

#' @export
as.data.frame.pybbdl_privacy_run <- function(x, row.names = NULL, optional = FALSE, ...) {
  x$table
}

#' @export
plot.pybbdl_privacy_run <- function(x, y, ...) {
  l <- x$ledger
  old <- graphics::par(mfrow = c(1, 2))
  on.exit(graphics::par(old))
  graphics::plot(l$epoch, l$test_accuracy, type = "b", xlab = "epoch", ylab = "test accuracy",
                 ylim = range(c(l$accuracy, l$test_accuracy), na.rm = TRUE), ...)
  graphics::lines(l$epoch, l$accuracy, type = "b", lty = 2)
  graphics::plot(l$epoch, l$epsilon, type = "b", xlab = "epoch", ylab = "epsilon spent")
  invisible(x)
}

# ggplot2::autoplot() method (registered when ggplot2 is loaded, see register_s3_methods()):
# accuracy (training, test) and the epsilon spent, per epoch, in two panels.
autoplot.pybbdl_privacy_run <- function(object, ...) {
  l <- object$ledger
  long <- data.frame(
    epoch = rep(l$epoch, 3),
    value = c(l$accuracy, l$test_accuracy, l$epsilon),
    series = factor(rep(c("training accuracy", "test accuracy", "epsilon spent"), each = nrow(l)),
                    levels = c("training accuracy", "test accuracy", "epsilon spent")),
    panel = factor(rep(c("accuracy", "accuracy", "epsilon"), each = nrow(l)),
                   levels = c("accuracy", "epsilon"))
  )
  ggplot2::ggplot(long, ggplot2::aes(x = epoch, y = value, colour = series)) +
    (if (nrow(l) > 1) ggplot2::geom_line()) + ggplot2::geom_point() +
    ggplot2::facet_wrap(ggplot2::vars(panel), scales = "free_y") +
    ggplot2::labs(x = "epoch", y = NULL, colour = NULL,
                  title = sprintf("DP-SGD on MNIST: sigma = %.4g, epsilon = %.4g at delta = %g",
                                  object$noise_multiplier, object$epsilon, object$settings$delta))
}

utils::globalVariables(c("epoch", "panel", "step"))

# check_count() with R's integer limit: whole numbers above 2^31 - 1 are refused here, with a
# message, instead of turning into NA on their way to Python.
check_whole <- function(x, name, minimum = 1, null_ok = FALSE) {
  if (is.numeric(x) && length(x) == 1 && !is.na(x) && is.finite(x) && x == round(x) &&
      x > .Machine$integer.max) {
    stop("`", name, "` must be a whole number <= ", .Machine$integer.max, " (R's integer limit), not ",
         format(x, scientific = FALSE), ".", call. = FALSE)
  }
  check_count(x, name, minimum = minimum, null_ok = null_ok)
}
