#' Privacy budget of DP-SGD training
#'
#' `dp_epsilon()` gives the epsilon that DP-SGD spends with Poisson sampling (each example joins
#' each batch with probability `batch_size / n`, Gaussian noise of `noise_multiplier` times the
#' clipping norm), composed over `ceil(epochs * n / batch_size)` steps, from Google's
#' dp-accounting library. `dp_noise_multiplier()` finds the smallest noise multiplier whose
#' epsilon does not exceed `target_epsilon`. `privacy_statement()` writes both accountants'
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
  sigma <- with_py_errors(python_module("privacy")$dp_sgd_noise_multiplier(
    args$n, args$batch_size, target_epsilon, epochs = args$epochs, delta = args$delta,
    accountant = accountant, tolerance = tolerance
  ))
  reticulate::py_to_r(sigma)
}

#' @rdname dp_epsilon
#' @param sampling How batches are drawn in training: `"poisson"` (the guarantee holds as stated)
#'   or `"shuffle"` (fixed-size shuffled batches: the usual approximation, and the statement says
#'   so).
#' @param max_grad_norm The clipping norm, reported in the statement; `NULL` leaves it out.
#' @return `privacy_statement()`: the statement, one string with line breaks.
#' @export
privacy_statement <- function(n, batch_size, noise_multiplier, epochs, delta = 1e-5,
                              sampling = c("poisson", "shuffle"), max_grad_norm = NULL) {
  args <- check_dp_args(n, batch_size, epochs, delta)
  noise_multiplier <- check_number(noise_multiplier, "noise_multiplier", lower = 0)
  sampling <- match.arg(sampling)
  if (!is.null(max_grad_norm)) max_grad_norm <- check_number(max_grad_norm, "max_grad_norm", lower = 0)
  text <- with_py_errors(python_module("privacy")$privacy_statement(
    args$n, args$batch_size, noise_multiplier, args$epochs, args$delta, sampling = sampling,
    max_grad_norm = max_grad_norm
  ))
  reticulate::py_to_r(text)
}

check_dp_args <- function(n, batch_size, epochs, delta) {
  n <- check_count(n, "n")
  batch_size <- check_count(batch_size, "batch_size")
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
#' after every epoch, and a loss-threshold membership-inference audit (training images vs images
#' never trained on).
#'
#' @param data_path Folder with the four MNIST IDX files; `NULL` downloads them once.
#' @param epochs,batch_size Epochs and expected batch size.
#' @param noise_multiplier Noise std / clipping norm; or give `target_epsilon` instead.
#' @param target_epsilon Calibrate the noise so that all epochs spend at most this.
#' @param l2_norm_clip Clipping norm C.
#' @param learning_rate SGD learning rate.
#' @param activation `"relu"` (the tutorial) or `"tanh"` (tempered sigmoid; learns better under DP).
#' @param limit Train on the first `limit` images (the audit's non-members are the next `limit`).
#' @param delta Target delta.
#' @param seed Seed of the weights and of the Poisson batches.
#' @return A list: `ledger` (data.frame: epoch, loss, accuracy, test accuracy, epsilon),
#'   `epsilon`, `noise_multiplier`, `test_accuracy`, `audit` (list: auc, advantage), `statement`.
#' @family privacy
#' @export
#' @examples
#' if (pybbdl_available() && dir.exists("../shared/data/mnist")) {
#'   res <- dp_train_mnist("../shared/data/mnist", epochs = 1, limit = 2000, noise_multiplier = 1.1)
#'   res$ledger
#' }
dp_train_mnist <- function(data_path = NULL, epochs = 60, batch_size = 256, noise_multiplier = NULL,
                           target_epsilon = NULL, l2_norm_clip = 1, learning_rate = 0.15,
                           activation = c("relu", "tanh"), limit = NULL, delta = 1e-5, seed = 0) {
  activation <- match.arg(activation)
  epochs <- check_count(epochs, "epochs")
  batch_size <- check_count(batch_size, "batch_size")
  limit <- check_count(limit, "limit", null_ok = TRUE)
  seed <- check_count(seed, "seed", minimum = 0)
  if (is.null(noise_multiplier) == is.null(target_epsilon)) {
    stop("give exactly one of `noise_multiplier` and `target_epsilon`", call. = FALSE)
  }
  if (!is.null(noise_multiplier)) noise_multiplier <- check_number(noise_multiplier, "noise_multiplier", lower = 0)
  if (!is.null(target_epsilon)) target_epsilon <- check_number(target_epsilon, "target_epsilon", lower = 0)
  l2_norm_clip <- check_number(l2_norm_clip, "l2_norm_clip", lower = 0)
  learning_rate <- check_number(learning_rate, "learning_rate", lower = 0)
  keras <- python_module_raw("keras")
  data <- with_py_errors(python_module("data")$load_mnist(data_path, scale = "unit"))
  np <- py_np()
  item <- function(obj, i) reticulate::py_get_item(obj, as.integer(i))
  builtins <- reticulate::import_builtins(convert = FALSE)
  slice <- function(a, i, j) reticulate::py_get_item(a, builtins$slice(as.integer(i), as.integer(j)))
  x <- np$expand_dims(item(data$train, 0), -1L)
  y <- item(data$train, 1)
  xt <- np$expand_dims(item(data$test, 0), -1L)
  yt <- item(data$test, 1)
  held_out <- list(xt, yt)
  if (!is.null(limit)) {
    held_out <- list(slice(x, as.integer(limit), as.integer(2 * limit)), slice(y, as.integer(limit), as.integer(2 * limit)))
    x <- slice(x, 0L, as.integer(limit))
    y <- slice(y, 0L, as.integer(limit))
  }
  keras$utils$set_random_seed(as.integer(seed))
  model <- python_module("models.vision")$mnist_cnn(activation = activation)
  model$compile(optimizer = keras$optimizers$SGD(learning_rate),
                loss = keras$losses$SparseCategoricalCrossentropy(from_logits = TRUE), metrics = list("accuracy"))
  privacy <- python_module("privacy")
  hist <- with_py_errors(privacy$dp_fit(
    model, x, y, epochs = as.integer(epochs), batch_size = as.integer(batch_size),
    noise_multiplier = noise_multiplier, target_epsilon = target_epsilon, l2_norm_clip = l2_norm_clip,
    delta = delta, validation_data = reticulate::tuple(xt, yt), seed = as.integer(seed), verbose = 0L
  ))
  h <- reticulate::py_to_r(hist$history)
  ledger <- data.frame(epoch = seq_along(h$epsilon), loss = unlist(h$loss), accuracy = unlist(h$accuracy),
                       test_accuracy = unlist(h$val_accuracy), epsilon = unlist(h$epsilon))
  n_audit <- as.integer(min(reticulate::py_len(x), reticulate::py_len(held_out[[1]])))
  audit <- with_py_errors(privacy$membership_inference(
    model, reticulate::tuple(slice(x, 0L, n_audit), slice(y, 0L, n_audit)),
    reticulate::tuple(slice(held_out[[1]], 0L, n_audit), slice(held_out[[2]], 0L, n_audit))
  ))
  list(ledger = ledger, epsilon = utils::tail(ledger$epsilon, 1),
       noise_multiplier = reticulate::py_to_r(model$dp_config$noise_multiplier),
       test_accuracy = utils::tail(ledger$test_accuracy, 1),
       audit = list(auc = reticulate::py_to_r(audit$auc), advantage = reticulate::py_to_r(audit$advantage)),
       statement = reticulate::py_to_r(hist$privacy))
}
