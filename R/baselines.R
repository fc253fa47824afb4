#' Forecast one series with a statistical baseline, with prediction intervals
#'
#' Fits a series-level model of pybbdl on the whole series and forecasts `h` steps past its end,
#' with the model's own prediction intervals: ETS chosen by AICc over the model space of
#' [forecast::ets()] (`"ets"`), the Theta method (`"theta"`), AR(p) with p by BIC, iterated
#' (`"ar"`) or direct (`"ar_direct"`), the random walk on the mean of the last `k` values
#' (`"rw_mean"`, Atkeson-Ohanian), or a mean/median combination (`"combo_mean"`,
#' `"combo_median"`). The same models run in [forecast_compare()] and [forecast_backtest()]
#' under the same names (there also `"var"` and `"combo_inverse_mse"`), forecasting from every
#' origin with parameters estimated once on the training part.
#'
#' ETS intervals are R's: for the same model and parameters they equal
#' `forecast(ets(y, model = fit))` (analytic for additive errors and for multiplicative errors
#' without multiplicative season; simulated, seeded, for multiplicative seasons).
#'
#' @param y A numeric vector or a `ts` (its frequency is the default `period`), no `NA`.
#' @param model A model name (above).
#' @param h Steps ahead, a whole number >= 1.
#' @param levels Interval levels in (0, 1) (0.8 for 80 %), or `NULL` for none (the
#'   combinations give point forecasts only: use `levels = NULL` with them).
#' @param period Seasonal period (1 = none, 4 = quarterly, 12 = monthly); `NULL`: `frequency(y)`
#'   for a `ts`, else 1.
#' @param ... Parameters of the model, e.g. `k = 8` for `"rw_mean"`, `spec = "AAN"` and
#'   `damped = TRUE` for `"ets"`, `max_lags = 4` for `"ar"`.
#' @return A data frame with columns `step` (1..h), `mean` and, per level, `lower_80`,
#'   `upper_80`, ...
#' @export
#' @examples
#' \dontrun{
#'   forecast_series(WWWusage, "ets", h = 8)
#'   forecast_series(macro_data()$infl, "rw_mean", h = 4, k = 4)
#' }
forecast_series <- function(y, model = "ets", h = 8, levels = c(0.8, 0.95), period = NULL, ...) {
  if (is.null(period)) period <- if (stats::is.ts(y)) stats::frequency(y) else 1
  if (!is.numeric(y) || (!is.null(dim(y)) && NCOL(y) > 1)) {
    stop("`y` must be one numeric series (a vector or a ts), not ", describe(y), ".", call. = FALSE)
  }
  if (any(!is.finite(y))) {
    stop("`y` must hold no NA, NaN or infinite values; it has ", sum(!is.finite(y)), " (first at position ",
         which(!is.finite(y))[[1]], ").", call. = FALSE)
  }
  if (is.factor(model) && length(model) == 1) model <- as.character(model)
  if (!is.character(model) || length(model) != 1 || is.na(model)) {
    stop("`model` must be one model name, not ", describe(model), ".", call. = FALSE)
  }
  if (!is.numeric(h) || length(h) != 1 || is.na(h) || h < 1 || h != round(h)) {
    stop("`h` must be a whole number >= 1, not ", describe(h), ".", call. = FALSE)
  }
  if (!is.numeric(period) || length(period) != 1 || is.na(period) || period < 1 || period != round(period)) {
    stop("`period` must be a whole number >= 1, not ", describe(period), ".", call. = FALSE)
  }
  levels <- if (is.null(levels) || (is.numeric(levels) && !length(levels))) numeric(0) else check_levels_arg(levels)
  # whole numbers go to Python as int (k = 8, max_lags = 4), others as they are
  params <- lapply(list(...), function(v) {
    if (is.numeric(v) && length(v) == 1 && !is.na(v) && v == round(v)) as.integer(v) else v
  })
  series <- python_module("models.series")
  frame <- with_py_errors(do.call(series$forecast_series, c(
    list(reticulate::np_array(as.numeric(y), dtype = "float64"), model, as.integer(h),
         reticulate::tuple(as.list(as.numeric(levels))), as.integer(period)),
    params
  )))
  pandas_table_to_r(frame$reset_index())
}
