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
