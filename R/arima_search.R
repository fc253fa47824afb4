#' Automatic ARIMA for one series, as `forecast::auto.arima()`
#'
#' Chooses and fits an ARIMA(p, d, q)(P, D, Q)m with the pybbdl Python core
#' (`pybbdl.models.AutoArima`): `d` by repeated KPSS tests, `D` by the seasonal-strength rule of
#' `forecast::nsdiffs()`, the orders and the constant (mean or drift) by AICc with the stepwise
#' search of Hyndman and Khandakar (`search = "stepwise"`, `auto.arima()`'s default) or over the
#' whole grid with p + q + P + Q <= 5 (`"exhaustive"`, `auto.arima(stepwise = FALSE)`). The
#' candidates are scored with the exact likelihood (`approximation = FALSE` in R's terms); models
#' with an AR or MA root of modulus below 1.01 are refused, as in R. On the golden cases (R's
#' `WWWusage`, US inflation, M3 series) it chooses the model `auto.arima()` chooses, in less time
#' (BENCHMARKS.md).
#'
#' @param y The series: a numeric vector or a `ts` (no `NA`, at least 4 values).
#' @param h Forecast steps past the end of `y`, a whole number >= 1.
#' @param period Seasonal period (1 = none, 4 = quarterly, 12 = monthly); `NULL` takes
#'   `frequency(y)`.
#' @param search `"stepwise"` or `"exhaustive"`.
#' @param levels Interval levels in (0, 1), e.g. `c(0.8, 0.95)`; `NULL` or empty for none.
#' @return An object of class `pybbdl_auto_arima`: a list with `model` (e.g.
#'   `"ARIMA(0,1,1)(0,1,1)[12] trend=n"`), `order` (p, d, q), `seasonal_order` (P, D, Q, m),
#'   `trend` (`"n"`, `"c"` mean, `"t"` drift), `forecast` (a data frame: `step`, `mean`,
#'   `lower_80`, `upper_80`, ... for each level) and `search` (one row per candidate tried, with
#'   its AICc or why it was refused).
#' @seealso `forecast::auto.arima()`, which this reproduces.
#' @family forecasting
#' @export
#' @examples
#' if (pybbdl_available()) {
#'   fit <- auto_arima(WWWusage, h = 5)
#'   fit$model
#'   fit$forecast
#' }
auto_arima <- function(y, h = 10, period = NULL, search = c("stepwise", "exhaustive"),
                       levels = c(0.8, 0.95)) {
  search <- match.arg(search)
  if (is.null(period)) period <- if (stats::is.ts(y)) stats::frequency(y) else 1
  period <- check_count(period, "period")
  h <- check_count(h, "h")
  if (!is.numeric(y) || !is.null(dim(y)) && NCOL(y) != 1) {
    stop("`y` must be a numeric vector or a univariate ts, not ", describe(y), ".", call. = FALSE)
  }
  y <- as.numeric(y)
  if (any(!is.finite(y))) {
    stop("`y` must not contain NA, NaN or infinite values (first at position ", which(!is.finite(y))[[1]], ").",
         call. = FALSE)
  }
  if (length(y) < 4) {
    stop("`y` must have at least 4 values for an automatic ARIMA, not ", length(y), ".", call. = FALSE)
  }
  levels <- if (is.null(levels) || (is.numeric(levels) && !length(levels))) numeric(0) else check_levels_arg(levels)
  mod <- python_module("models.auto_arima")
  model <- with_py_errors(mod$AutoArima(search = search)$fit(reticulate::np_array(y), period))
  frame <- with_py_errors(model$forecast(h, levels = as.list(levels))$reset_index())
  structure(list(
    model = reticulate::py_to_r(model$describe()),
    order = as.integer(reticulate::py_to_r(model$order_)),
    seasonal_order = as.integer(reticulate::py_to_r(model$seasonal_order_)),
    trend = reticulate::py_to_r(model$trend_),
    forecast = as.data.frame(reticulate::py_to_r(frame$to_dict("list"))),
    search = search_frame(model$search_)
  ), class = "pybbdl_auto_arima")
}

#' The candidates table with the order tuples as text ("(1, 1, 0)")
#' @noRd
search_frame <- function(table) {
  if (reticulate::py_to_r(table$empty)) return(data.frame())
  table <- table$assign(order = table$order$astype("str"), seasonal_order = table$seasonal_order$astype("str"))
  as.data.frame(reticulate::py_to_r(table$to_dict("list")), stringsAsFactors = FALSE)
}

#' @export
print.pybbdl_auto_arima <- function(x, ...) {
  cat("<pybbdl_auto_arima> ", x$model, "\n", sep = "")
  print(x$forecast, row.names = FALSE)
  invisible(x)
}
