#' Compare forecasting models on the same targets, beside the naive baseline
#'
#' Splits the series by time into train/validation/test parts, scales every column on the
#' training part only, cuts windows of `lookback` rows whose target lies `horizon` rows after the
#' window, fits each model on the training part and scores it on the others, in the target's own
#' units. This is `pybbdl.evaluation.compare(pybbdl.windows.prepare_windows(...))` of the Python
#' core; with the same seed it gives the same numbers.
#'
#' The naive baseline (the last observed value) is always in the table. A window belongs to the
#' part that holds its target, so every model is scored on identical targets.
#'
#' @param data A data frame (numeric columns, and at most one Date or POSIXct column, used as the
#'   time index), a `ts`/`mts` object (frequency 4 or 12 gets a date index) or a numeric matrix.
#'   Rows must be in time order, one per period.
#' @param models Model names, from `"naive"`, `"seasonal_naive"`, `"arima"`, `"dense"`,
#'   `"simple_rnn"`, `"lstm"`, `"gru"`, `"gru_dropout"`, `"stacked_gru"`,
#'   `"bidirectional_gru"`, `"conv1d"` (the book's networks with 32 units); or a named list
#'   whose elements are such names or specs from [gru_spec()] and friends.
#' @param target Name of the column to forecast. Default: the first numeric column.
#' @param features Names of the input columns (the target is always one). Default: every numeric
#'   column.
#' @param lookback Rows of history per window, a whole number >= 1.
#' @param horizon Rows between the window's last row and the target (1 = the next period; the
#'   book's `delay` is `horizon - 1`).
#' @param step Keep one row in `step` within a window; `lookback` must be a multiple of it.
#' @param split Fractions of the rows for training, validation and test, in time order, summing
#'   to at most 1.
#' @param epochs,batch_size Training epochs (at most) and windows per batch of the networks.
#' @param patience Stop training after this many epochs without a better validation loss and
#'   keep the best weights; `NULL` trains all `epochs`.
#' @param seed Seed of weights, shuffling and dropout (Python, NumPy and TensorFlow are seeded
#'   and TensorFlow runs deterministically), so a call gives the same numbers each time. `NULL`
#'   leaves the networks unseeded.
#' @param seeds Train each network once per seed: a count (seeds `seed`, `seed + 1`, ...) or a
#'   vector of seeds; the table then shows the mean and standard deviation (`_sd` columns).
#'   `NULL` is one run with `seed`.
#' @param dm_loss Loss of the Diebold-Mariano tests: `"mae"` (absolute) or `"mse"` (squared).
#' @param verbose Print one line per fit and Keras' progress.
#' @return A data frame with one row per model and the columns of the Python table: `model`,
#'   then per scored part (`val`, `test`) `_mae`, `_rmse` (target units), `_skill_pct`
#'   (`100 * (1 - MAE / naive MAE)`), `_dm_vs_naive` and `_p_vs_naive` (a negative statistic
#'   means more accurate than naive; also `_vs_arima` when ARIMA is in the comparison), then
#'   `seeds`, `epochs` (epochs trained), `fit_seconds`, `n_params`, `spec` and `note`. Missing
#'   values are `NA`. Attributes: `forecasts`, a list with one data frame per scored part (the
#'   target time (or `row`, the 1-based row number, for data without time stamps), `actual` and
#'   each model's forecast); `target`; `horizon`.
#' @family forecasting
#' @export
#' @examples
#' \donttest{
#' if (pybbdl_available()) {
#'   table <- forecast_compare(macro_data(), models = c("naive", "gru"), epochs = 5)
#'   table[, c("model", "test_mae", "test_skill_pct", "test_p_vs_naive")]
#'   fc <- attr(table, "forecasts")$test
#'   matplot(fc$date, fc[, -1], type = "l", lty = 1, ylab = "inflation, % per year")
#' }
#' }
forecast_compare <- function(data, models = c("naive", "dense", "lstm", "gru"), target = NULL,
                             features = NULL, lookback = 8, horizon = 1, step = 1,
                             split = c(train = 0.6, val = 0.2, test = 0.2), epochs = 20,
                             batch_size = 128, patience = NULL, seed = 42, seeds = NULL,
                             dm_loss = c("mae", "mse"), verbose = FALSE) {
  frame <- as_time_frame(data)
  columns <- names(frame$values)
  if (!length(columns)) stop("`data` must have at least one numeric column.", call. = FALSE)
  target <- if (is.null(target)) columns[[1]] else check_column(target, "target", data, columns)
  if (!is.null(features)) {
    for (f in features) check_column(f, "features", data, columns)
  }
  lookback <- check_count(lookback, "lookback")
  horizon <- check_count(horizon, "horizon")
  step <- check_count(step, "step")
  if (lookback %% step != 0) {
    stop("`lookback` must be a multiple of `step`, not lookback = ", lookback, " with step = ",
         step, ".", call. = FALSE)
  }
  if (!is.numeric(split) || !length(split) %in% 2:3 || anyNA(split) || any(split < 0) ||
      sum(split) > 1 + 1e-9) {
    stop("`split` must be 2 or 3 fractions (train, val, test) >= 0 summing to at most 1, not ",
         paste(format(split), collapse = ", "), ".", call. = FALSE)
  }
  n_rows <- nrow(frame$values)
  if (n_rows < lookback + horizon) {
    stop("`data` must have at least lookback + horizon = ", lookback + horizon, " rows, not ",
         n_rows, ".", call. = FALSE)
  }
  params <- list(epochs = check_count(epochs, "epochs"),
                 batch_size = check_count(batch_size, "batch_size"),
                 patience = check_count(patience, "patience", null_ok = TRUE),
                 random_state = check_count(seed, "seed", minimum = 0, null_ok = TRUE),
                 verbose = if (check_flag(verbose, "verbose")) "auto" else 0L)
  seeds <- check_seeds(seeds)
  dm_loss <- match.arg(dm_loss)
  models <- as_model_list(models, params)

  windows <- python_module("windows")
  evaluation <- python_module("evaluation")
  w <- with_py_errors(windows$prepare_windows(
    as_pandas_frame(data), target = target, features = features, lookback = lookback,
    horizon = horizon, step = step, split = reticulate::tuple(as.list(as.numeric(split)))
  ))
  result <- with_py_errors(evaluation$compare(w, models, params = reticulate::dict(params),
                                       seeds = seeds, dm_loss = dm_loss, progress = verbose))
  table <- pandas_table_to_r(result$table)
  time_class <- if (inherits(frame$time, "Date")) "Date" else "POSIXct"
  forecasts <- reticulate::py_to_r(reticulate::import_builtins(convert = FALSE)$list(result$forecasts$keys()))
  attr(table, "forecasts") <- stats::setNames(lapply(forecasts, function(part) {
    pandas_to_r_frame(result$forecasts[[part]], time_class = time_class)
  }), forecasts)
  attr(table, "target") <- target
  attr(table, "horizon") <- horizon
  table
}

check_column <- function(name, arg, data, columns) {
  check_string(name, arg)
  if (!name %in% columns) {
    all <- if (is.data.frame(data)) names(data) else columns
    why <- if (name %in% all) " is not numeric" else " is not a column of `data`"
    stop("`", arg, "` must name a numeric column of `data`; \"", name, "\"", why,
         ". Numeric columns: ", paste0('"', columns, '"', collapse = ", "), ".", call. = FALSE)
  }
  name
}

check_seeds <- function(seeds) {
  if (is.null(seeds)) {
    return(NULL)
  }
  if (length(seeds) == 1) {
    return(check_count(seeds, "seeds"))
  }
  if (!is.numeric(seeds) || anyNA(seeds) || any(seeds != round(seeds)) || any(seeds < 0)) {
    stop("`seeds` must be a count or a vector of whole numbers >= 0, not ", describe(seeds), ".",
         call. = FALSE)
  }
  as.list(as.integer(seeds))
}

#' Model names stay a list of names (compare() builds them with `params`, exactly as from
#' Python); a list holding specs becomes a dict of estimators.
#' @noRd
as_model_list <- function(models, params) {
  known <- reticulate::py_to_r(python_module("models")$MODEL_NAMES)
  check_name <- function(name) {
    if (!name %in% known) {
      stop("`models` must hold known model names or specs; \"", name, "\" is unknown. Known: ",
           paste0('"', known, '"', collapse = ", "), ".", call. = FALSE)
    }
    name
  }
  if (is.character(models)) {
    if (!length(models) || anyNA(models)) stop("`models` must name at least one model.", call. = FALSE)
    for (m in models) check_name(m)
    return(as.list(models))
  }
  if (inherits(models, "pybbdl_model_spec")) models <- list(network = models)
  if (!is.list(models) || !length(models) || is.null(names(models)) || any(!nzchar(names(models))) ||
      anyDuplicated(names(models))) {
    stop("`models` must be a character vector of model names or a list with a unique name for ",
         "each element, not ", describe(models), ".", call. = FALSE)
  }
  py_models <- python_module("models")
  estimators <- reticulate::dict()
  for (name in names(models)) {
    m <- models[[name]]
    estimators[[name]] <- if (inherits(m, "pybbdl_model_spec")) {
      spec <- spec_params(m, paste0("models$", name))
      training <- params[setdiff(names(params), names(spec))]
      with_py_errors(do.call(py_models$NeuralForecaster, c(spec, training)))
    } else if (is.character(m) && length(m) == 1) {
      with_py_errors(do.call(py_models$make_model, c(list(check_name(m)), params)))
    } else {
      stop("`models$", name, "` must be a model name or a spec from gru_spec() and friends, not ",
           describe(m), ".", call. = FALSE)
    }
  }
  estimators
}
