#' Diebold-Mariano test of equal forecast accuracy
#'
#' The test of `forecast::dm.test()`, with its arguments and its `htest` result, computed by the
#' pybbdl Python core (`pybbdl.evaluation.dm_test()`, which also computes the DM columns
#' of [forecast_compare()] and [forecast_backtest()]). The loss differential is
#' `abs(e1)^power - abs(e2)^power`; the statistic carries the Harvey-Leybourne-Newbold
#' small-sample correction and is compared with Student's t with `n - 1` degrees of freedom.
#'
#' The long-run variance of the loss differential uses `h - 1` autocovariances: with equal
#' weights (`varestimator = "acf"`, `dm.test()`'s default) or with Bartlett weights
#' `1 - j / h` (`"bartlett"`, never negative; the comparison tables use it). For `h = 1` both
#' are the plain variance. As in `dm.test()`, a negative `"acf"` variance falls back to `h = 1`
#' with a warning, and a constant loss differential (identical losses included) is an error
#' (no test), where `dm.test()` stops with "Variance of DM statistic is zero".
#'
#' @param e1,e2 Forecast errors (actual minus forecast) of the two methods, numeric vectors of
#'   equal length (at least `max(3, 2 * h)`), without `NA`.
#' @param alternative `"two.sided"` (the accuracies differ), `"less"` (method 2 is less accurate
#'   than method 1) or `"greater"` (method 2 is more accurate than method 1), as in `dm.test()`.
#' @param h Forecast horizon the errors belong to, a whole number >= 1.
#' @param power Power of the loss `abs(e)^power`, a number > 0: 2 (squared errors), the default
#'   as in `dm.test()`, or 1 (absolute errors, what the comparison tables use: their
#'   `dm_loss = "mae"`).
#' @param varestimator `"acf"` or `"bartlett"`, see Details.
#' @return An object of class `htest` like `dm.test()`'s: `statistic` (`DM`), `parameter`
#'   (`Forecast horizon`, `Loss function power`), `alternative`, `varestimator`, `p.value`,
#'   `method` and `data.name`.
#' @seealso `forecast::dm.test()`, which this function reproduces.
#' @family forecasting
#' @export
#' @examples
#' if (pybbdl_available()) {
#'   set.seed(1)
#'   e1 <- rnorm(40)
#'   e2 <- rnorm(40, sd = 1.5)
#'   dm_test(e1, e2, alternative = "less", h = 1, power = 2)
#' }
dm_test <- function(e1, e2, alternative = c("two.sided", "less", "greater"), h = 1, power = 2,
                    varestimator = c("acf", "bartlett")) {
  data_name <- c(deparse1(substitute(e1)), deparse1(substitute(e2)))
  alternative <- match.arg(alternative)
  varestimator <- match.arg(varestimator)
  e1 <- check_errors(e1, "e1")
  e2 <- check_errors(e2, "e2")
  if (length(e1) != length(e2)) {
    stop("`e1` and `e2` must have the same length, not ", length(e1), " and ", length(e2), ".",
         call. = FALSE)
  }
  h <- check_count(h, "h")
  if (length(e1) < max(3, 2 * h)) {
    stop("`e1` and `e2` must have at least max(3, 2 * h) = ", max(3, 2 * h), " values for h = ", h,
         ", not ", length(e1), ".", call. = FALSE)
  }
  power <- check_number(power, "power", lower = 0)
  result <- python_dm_test(e1, e2, alternative = alternative, h = h, power = power,
                           varestimator = varestimator)
  structure(list(
    statistic = c(DM = result$statistic),
    parameter = c(`Forecast horizon` = h, `Loss function power` = power),
    alternative = alternative, varestimator = varestimator, p.value = c(DM = result$p_value),
    method = "Diebold-Mariano Test", data.name = data_name
  ), class = "htest")
}

check_errors <- function(x, name) {
  if (!is.numeric(x) || is.matrix(x) && min(dim(x)) > 1) {
    stop("`", name, "` must be a numeric vector of forecast errors, not ", describe(x), ".",
         call. = FALSE)
  }
  x <- as.numeric(x)
  bad <- which(!is.finite(x))
  if (length(bad)) {
    stop("`", name, "` must not contain NA, NaN or infinite values; ", length(bad),
         " found, the first at position ", bad[[1]], ".", call. = FALSE)
  }
  x
}

#' The Python core's DM test, `pybbdl.evaluation.dm_test()`: list(statistic, p_value)
#'
#' Its notes become R's conditions, as in dm.test(): a constant loss differential (no test) is an
#' error, a negative "acf" variance a warning (the test falls back to h = 1).
#' @noRd
python_dm_test <- function(e1, e2, alternative, h, power, varestimator) {
  res <- with_py_errors(python_module("evaluation")$dm_test(
    reticulate::np_array(e1, dtype = "float64"), reticulate::np_array(e2, dtype = "float64"),
    alternative = switch(alternative, two.sided = "two-sided", alternative), h = h,
    power = power, varestimator = varestimator
  ))
  statistic <- reticulate::py_to_r(res$statistic)
  note <- reticulate::py_to_r(res$note)
  if (is.nan(statistic) || grepl("identical losses", note)) { # dm.test(): "Variance ... is zero"
    stop("The Diebold-Mariano test cannot be computed: ", note, ".", call. = FALSE)
  }
  if (nzchar(note) && grepl("negative", note)) {
    warning("Variance is negative: ", note, ". Try varestimator = \"bartlett\".", call. = FALSE)
  }
  list(statistic = statistic, p_value = reticulate::py_to_r(res$p_value))
}
