#' Forecast many series at once (a panel) and score them scale-free
#'
#' Takes long data (one row per series and time: an id column, a time column, a value column)
#' and fits local models on every series (naive, seasonal naive, M3's NAIVE2, SES, Holt, damped
#' trend, the classic Theta method, and ETS/Theta/AR/ARIMA where the Python side has them) and
#' global models across all of them (`"nbeats"`: an N-BEATS network per frequency group, or with
#' Python's `params={"nbeats": {"ensemble": "cpu"}}` the paper's median ensemble of networks).
#' Each series' last `horizon` values are held back (or the rows `part == "test"` when
#' `part_col` is given) and every forecast is scored by sMAPE (pooled over forecasts and mean
#' over series), MASE (in-sample seasonal-naive scaling) and OWA relative to NAIVE2. A series
#' that cannot be used (text in the values, too short, missing values) gets a row with its error;
#' the others are scored. The Python workflow `pybbdl.workflows.panel.forecast_panel()` does the
#' work, with the same defaults.
#'
#' @param data A long data frame: one row per series and time.
#' @param models Model names (see Details of the Python docs; default NAIVE2, SES, damped, Theta).
#' @param horizon Steps to forecast: one number, or `NULL` for the default by period (6 yearly,
#'   8 quarterly, 18 monthly) or the number of test rows with `part_col`.
#' @param period Seasonal period of every series (`NULL`: the `period_col` column, else 1; a Date
#'   time column gives it from the dates).
#' @param id_col,time_col,value_col Columns of `data`. Every row needs an id (rows with an `NA` or
#'   empty id are refused, naming them); ids are text (a factor is read by its labels). `time_col`
#'   defaults to `"time"` when present, else to the one Date, POSIXct or text-date column (several
#'   are refused, naming them); each series is ordered by it, whatever the order of the rows.
#' @param period_col,horizon_col,frequency_col,part_col Optional columns: each series' period,
#'   horizon, frequency label (what the per-frequency rows group by), and `"train"`/`"test"` rows.
#' @param holdout Hold back each series' last `horizon` values and score the forecasts on them
#'   (`FALSE`: forecast past the end, nothing scored).
#' @param combinations Named list of model-name vectors; each is the mean of its members'
#'   forecasts (default: the registered fixed ones whose members all run, e.g. `comb_shd` = SES, Holt,
#'   damped, `comb` = ETS, Theta, ARIMA, `comb_etn` = ETS, theta_m3, N-BEATS).
#'   Or a character vector of registered combinations (`pybbdl_models()`, family `"combination"`),
#'   e.g. `c("comb", "comb_ivw")`: `comb_ivw`, `comb_select` and `comb_tdn_ivw` choose their
#'   weights per series on a validation window, the last `horizon` values of its training part
#'   (never the test part; the table's `note` says so).
#' @param levels Interval levels in (0, 1), e.g. `c(0.8, 0.95)`: the local models' own intervals,
#'   split-conformal ones (from in-sample origins) for the global models.
#' @param seed,seeds Seeds of the global models (their forecast is the mean over seeds).
#' @param n_jobs Worker processes for the series x model tasks.
#' @param out_dir Folder to save the tables, forecasts and manifest in (`NULL`: none).
#' @return An object of class `pybbdl_panel`: `table` (one row per model and frequency, plus
#'   `"overall"`: `n_series`, `n_forecasts`, `n_failed`, `smape_pooled`, `smape_mean`, `mase`,
#'   `owa`, `seconds`, `note`), `series` (one row per series and model, with `error`),
#'   `forecasts` (long: `id`, `model`, `step`, `forecast`, `actual`) and `settings`; `print()`,
#'   `summary()`, `as.data.frame(run, what = )`, `plot(run)` (pooled sMAPE per model) or
#'   `plot(run, id = "a")` (one series in time order with its forecasts), and `autoplot()` with the
#'   same two pictures when ggplot2 is installed.
#' @examples
#' \dontrun{
#' panel <- data.frame(id = rep(c("a", "b"), each = 40), time = rep(1:40, 2),
#'                     value = c(cumsum(rnorm(40)) + 50, cumsum(rnorm(40)) + 80))
#' run <- forecast_panel(panel, models = c("naive", "theta_m3"), horizon = 4)
#' summary(run)
#' as.data.frame(run, what = "series")
#' }
#' @export
forecast_panel <- function(data, models = c("naive2", "ses", "damped", "theta_m3"), horizon = NULL,
                           period = NULL, id_col = "id", time_col = NULL, value_col = "value",
                           period_col = NULL, horizon_col = NULL, frequency_col = NULL, part_col = NULL,
                           holdout = TRUE, combinations = NULL, levels = NULL, seed = 42, seeds = 1,
                           n_jobs = 1, out_dir = NULL) {
  args <- panel_args(data, models, horizon, period, id_col, time_col, value_col, period_col,
                     horizon_col, frequency_col, part_col, combinations, levels, seed, seeds, n_jobs,
                     out_dir)
  args$holdout <- check_flag(holdout, "holdout")
  run <- with_py_errors(do.call(python_module("workflows.panel")$forecast_panel, args))
  new_panel_run(run, data, args, "pybbdl_panel")
}

#' Rolling-origin backtest of a panel: every series forecast from several origins
#'
#' [forecast_panel()] scores each series on its last `horizon` values (one forecast origin).
#' `backtest_panel()` moves that origin back `folds - 1` times by `step` values (default: each
#' series' own horizon, so the scored values do not overlap), refits every model on the values
#' before each origin only (global models too) and scores the `horizon` values after it. The last
#' fold is [forecast_panel()]'s holdout. A series too short for an early fold gets an error row for
#' that fold and is scored in the others. The Python workflow
#' `pybbdl.workflows.panel.backtest_panel()` does the work. `forecast_backtest(data, id = ...)`
#' calls it.
#'
#' @inheritParams forecast_panel
#' @param folds Forecast origins per series, a whole number >= 1.
#' @param step Values between consecutive origins (`NULL`: each series' horizon).
#' @param min_length Fewest values a fold's history must have.
#' @return An object of class `pybbdl_panel_backtest` (also a `pybbdl_panel`): `table` pooled over
#'   every series and fold (`n_series` counts series x fold pairs), `folds` (each fold's overall
#'   scores: `fold` and the columns of `table`), `series` (one row per series, fold and model, with
#'   `fold` and `error`; `n_train` is the fold's origin), `forecasts` (`id`, `fold`, `model`,
#'   `step`, `forecast`, `actual`) and `settings`.
#' @examples
#' \dontrun{
#' panel <- data.frame(id = rep(c("a", "b"), each = 40), time = rep(1:40, 2),
#'                     value = c(cumsum(rnorm(40)) + 50, cumsum(rnorm(40)) + 80))
#' bt <- backtest_panel(panel, models = c("naive", "theta_m3"), horizon = 4, folds = 3)
#' bt$folds
#' }
#' @export
backtest_panel <- function(data, models = c("naive2", "ses", "damped", "theta_m3"), horizon = NULL,
                           folds = 3, step = NULL, period = NULL, id_col = "id", time_col = NULL,
                           value_col = "value", period_col = NULL, horizon_col = NULL,
                           frequency_col = NULL, part_col = NULL, combinations = NULL, levels = NULL,
                           seed = 42, seeds = 1, min_length = 3, n_jobs = 1, out_dir = NULL) {
  args <- panel_args(data, models, horizon, period, id_col, time_col, value_col, period_col,
                     horizon_col, frequency_col, part_col, combinations, levels, seed, seeds, n_jobs,
                     out_dir)
  args$folds <- check_count(folds, "folds")
  args$step <- check_count(step, "step", null_ok = TRUE)
  args$min_length <- check_count(min_length, "min_length")
  run <- with_py_errors(do.call(python_module("workflows.panel")$backtest_panel, args))
  out <- new_panel_run(run, data, args, c("pybbdl_panel_backtest", "pybbdl_panel"))
  out$folds <- pandas_table_to_r(run$folds)
  out
}

# The checks forecast_panel() and backtest_panel() share; the Python keyword arguments.
panel_args <- function(data, models, horizon, period, id_col, time_col, value_col, period_col,
                       horizon_col, frequency_col, part_col, combinations, levels, seed, seeds, n_jobs,
                       out_dir) {
  if (!is.data.frame(data)) {
    stop("`data` must be a long data frame (one row per series and time), not ", describe(data), ".",
         call. = FALSE)
  }
  models <- check_names(models, "models", "model names")
  id_col <- check_string(id_col, "id_col")
  value_col <- check_string(value_col, "value_col")
  optional <- list(time_col = time_col, period_col = period_col, horizon_col = horizon_col,
                   frequency_col = frequency_col, part_col = part_col)
  for (name in names(optional)) {
    if (!is.null(optional[[name]])) optional[[name]] <- check_string(optional[[name]], name)
  }
  for (col in c(id_col, value_col, unlist(optional))) {
    if (!col %in% names(data)) {
      stop("`data` must have a column \"", col, "\"; it has ", paste(names(data), collapse = ", "), ".",
           call. = FALSE)
    }
  }
  time_col <- if (is.null(optional$time_col)) panel_time_column(data, c(id_col, value_col, unlist(optional))) else
    optional$time_col
  check_panel_ids(data[[id_col]], id_col)
  by_name <- is.character(combinations) && is.null(names(combinations))
  if (by_name && (length(combinations) == 0 || anyNA(combinations) || any(!nzchar(combinations)))) {
    stop("`combinations` as a character vector must name registered combinations, not ",
         describe(combinations), ".", call. = FALSE)
  }
  if (!is.null(combinations) && !by_name && (!is.list(combinations) || is.null(names(combinations)) ||
                                 any(!nzchar(names(combinations))) ||
                                 !all(vapply(combinations, function(v) (is.character(v) || is.factor(v)) &&
                                               length(v) > 0 && !anyNA(v), logical(1))))) {
    stop("`combinations` must be a named list of model-name vectors, not ", describe(combinations), ".",
         call. = FALSE)
  }
  frame <- panel_to_pandas(data, unique(c(id_col, time_col, value_col, unlist(optional[-1]))), id_col)
  list(data = frame, models = as.list(models), horizon = check_count(horizon, "horizon", null_ok = TRUE),
       period = check_count(period, "period", null_ok = TRUE), id_col = id_col, time_col = time_col,
       value_col = value_col, period_col = optional$period_col, horizon_col = optional$horizon_col,
       frequency_col = optional$frequency_col, part_col = optional$part_col,
       combinations = if (is.null(combinations)) NULL else if (by_name) as.list(combinations) else
         reticulate::dict(lapply(combinations, function(v) as.list(as.character(v)))),
       levels = if (is.null(levels)) list() else as.list(check_levels_arg(levels)),
       seed = check_count(seed, "seed", minimum = 0), seeds = check_count(seeds, "seeds"),
       n_jobs = check_count(n_jobs, "n_jobs"),
       out_dir = if (is.null(out_dir)) NULL else path.expand(check_string(out_dir, "out_dir")))
}

# RP4: a row without an id would become a scored phantom series "NA" (or ""): refused, naming rows.
check_panel_ids <- function(ids, id_col) {
  text <- as.character(ids)
  bad <- which(is.na(ids) | is.na(text) | !nzchar(trimws(text)))
  if (length(bad)) {
    stop("`data` column \"", id_col, "\" must name a series in every row, but ", length(bad), " row(s) have ",
         "an NA or empty id: row(s) ", paste(utils::head(bad, 5), collapse = ", "),
         if (length(bad) > 5) ", ..." else "", ". Drop them or fill in their id first.", call. = FALSE)
  }
  invisible(ids)
}

# The time column when none is named: "time", else the one Date/POSIXct column or column of dates as
# text (the rule of as_time_frame()); several candidates are refused by name, never guessed, so that
# the series are never taken in file order while a date column is there.
panel_time_column <- function(data, used) {
  if ("time" %in% names(data)) {
    return("time")
  }
  others <- setdiff(names(data), used)
  is_time <- vapply(data[others], function(x) inherits(x, c("Date", "POSIXt")), logical(1))
  is_text <- vapply(data[others], function(x) is.character(x) || is.factor(x), logical(1))
  text_dates <- others[is_text][vapply(data[others[is_text]], text_looks_like_dates, logical(1))]
  candidates <- c(others[is_time], text_dates)
  if (length(candidates) > 1) {
    stop("`data` has ", length(candidates), " date columns (", paste0('"', candidates, '"', collapse = ", "),
         "): name the time column with `time_col`.", call. = FALSE)
  }
  if (length(candidates)) candidates else NULL
}

# A sort key of the time column, by the rule the Python panel reader orders each series with: dates,
# numbers, or text that pandas reads as dates (else the text itself).
panel_time_key <- function(x) {
  if (inherits(x, c("Date", "POSIXt")) || is.numeric(x) || is.logical(x)) {
    return(as.numeric(x))
  }
  x <- as.character(x)
  stamps <- tryCatch(py_pd()$to_datetime(reticulate::np_array(x, dtype = "object")), error = function(e) NULL)
  if (is.null(stamps)) {
    return(x)
  }
  as.numeric(reticulate::py_to_r(py_np()$true_divide(stamps$asi8, 1e9)))
}

new_panel_run <- function(run, data, args, class) {
  settings <- reticulate::py_to_r(py_json_roundtrip(run$settings))
  ids <- as.character(data[[args$id_col]])
  values <- as.numeric(data[[args$value_col]])
  if (!is.null(args$time_col)) { # RP9: each series' history in time order, as Python fits it
    order <- order(ids, panel_time_key(data[[args$time_col]]), method = "radix")
    ids <- ids[order]
    values <- values[order]
  }
  structure(list(table = pandas_table_to_r(run$table), series = pandas_table_to_r(run$series),
                 forecasts = pandas_table_to_r(run$forecasts), settings = settings,
                 history = split(values, factor(ids, levels = unique(ids)))),
            class = class)
}

# The long data frame as pandas, column by column: Dates/POSIXct as datetimes, factors as text.
panel_to_pandas <- function(data, columns, id_col) {
  pd <- py_pd()
  cols <- reticulate::dict()
  for (col in columns) {
    x <- data[[col]]
    cols[[col]] <- if (col == id_col || is.factor(x) || is.character(x)) {
      reticulate::np_array(as.character(x), dtype = "object")
    } else if (inherits(x, "Date") || inherits(x, "POSIXct")) {
      secs <- if (inherits(x, "Date")) as.numeric(x) * 86400 else as.numeric(x)
      pd$to_datetime(reticulate::np_array(secs, dtype = "float64"), unit = "s")
    } else if (is.numeric(x) || is.logical(x)) {
      reticulate::np_array(as.numeric(x), dtype = "float64")
    } else {
      reticulate::np_array(as.character(x), dtype = "object")
    }
  }
  with_py_errors(pd$DataFrame(cols))
}

py_json_roundtrip <- function(obj) {
  json <- python_module_raw("json")
  json$loads(json$dumps(obj, default = reticulate::py_eval("str", convert = FALSE)))
}

#' @export
print.pybbdl_panel <- function(x, ...) {
  s <- x$settings
  cat("<pybbdl_panel> ", s$n_series, " series (", s$n_failed_input, " unusable); models: ",
      paste(unlist(s$models), collapse = ", "), "\n", sep = "")
  overall <- x$table[x$table$frequency == "overall", c("model", "n_series", "n_failed", "smape_pooled",
                                                         "smape_mean", "mase", "owa"), drop = FALSE]
  if (nrow(overall)) {
    print(overall[order(overall$smape_pooled), ], row.names = FALSE, digits = 4)
  } else {
    cat("(no held-out actuals: nothing scored)\n")
  }
  invisible(x)
}

#' @export
summary.pybbdl_panel <- function(object, ...) {
  structure(list(table = object$table, failed = object$series[object$series$error != "",
                                                              c("id", "model", "error")]),
            class = "summary.pybbdl_panel")
}

#' @export
print.summary.pybbdl_panel <- function(x, ...) {
  cat("sMAPE (%) pooled over forecasts and mean over series, MASE, OWA vs NAIVE2; per frequency:\n")
  print(x$table[, c("model", "frequency", "n_series", "smape_pooled", "smape_mean", "mase", "owa")],
        row.names = FALSE, digits = 4)
  if (nrow(x$failed)) {
    cat("\n", length(unique(x$failed$id)), " series with errors:\n", sep = "")
    print(utils::head(unique(x$failed[, c("id", "error")]), 10), row.names = FALSE)
  }
  invisible(x)
}

#' @export
as.data.frame.pybbdl_panel <- function(x, row.names = NULL, optional = FALSE,
                                       what = c("table", "series", "forecasts"), ...) {
  what <- match.arg(what)
  x[[what]]
}

#' @export
plot.pybbdl_panel <- function(x, id = NULL, ...) {
  if (is.null(id)) {
    overall <- x$table[x$table$frequency == "overall", ]
    if (!nrow(overall)) stop("There is nothing scored to plot; pass `id` to plot one series.", call. = FALSE)
    graphics::barplot(overall$smape_pooled, names.arg = overall$model, las = 2,
                      ylab = "sMAPE (%), pooled", main = "Panel: pooled sMAPE per model", ...)
    return(invisible(x))
  }
  id <- as.character(id)
  if (!id %in% names(x$history)) stop("`id` must be a series of the run, not \"", id, "\".", call. = FALSE)
  fc <- x$forecasts[x$forecasts$id == id, ]
  y <- x$history[[id]]
  n <- length(y) - if ("actual" %in% names(fc)) max(fc$step) else 0
  graphics::plot(seq_along(y), y, type = "l", xlab = "t", ylab = "value", main = paste("series", id), ...)
  models <- unique(fc$model)
  for (i in seq_along(models)) {
    g <- fc[fc$model == models[i], ]
    graphics::lines(n + g$step, g$forecast, col = i + 1)
  }
  graphics::legend("topleft", legend = models, col = seq_along(models) + 1, lty = 1, cex = 0.7)
  invisible(x)
}

#' @export
print.pybbdl_panel_backtest <- function(x, ...) {
  s <- x$settings
  cat("<pybbdl_panel_backtest> ", s$n_series, " series (", s$n_failed_input, " unusable) x ", s$folds,
      " forecast origins; models: ", paste(unlist(s$models), collapse = ", "), "\n", sep = "")
  overall <- x$table[x$table$frequency == "overall", c("model", "n_series", "n_failed", "smape_pooled",
                                                         "smape_mean", "mase", "owa"), drop = FALSE]
  print(overall[order(overall$smape_pooled), ], row.names = FALSE, digits = 4)
  cat("pooled sMAPE (%) by fold:\n")
  by_fold <- stats::reshape(x$folds[, c("model", "fold", "smape_pooled")], idvar = "model",
                            timevar = "fold", direction = "wide")
  names(by_fold) <- sub("^smape_pooled\\.", "fold ", names(by_fold))
  print(by_fold, row.names = FALSE, digits = 4)
  invisible(x)
}

#' @export
as.data.frame.pybbdl_panel_backtest <- function(x, row.names = NULL, optional = FALSE,
                                                what = c("table", "folds", "series", "forecasts"), ...) {
  what <- match.arg(what)
  x[[what]]
}

#' @export
plot.pybbdl_panel_backtest <- function(x, id = NULL, ...) {
  if (is.null(id)) return(NextMethod())
  id <- as.character(id)
  if (!id %in% names(x$history)) stop("`id` must be a series of the run, not \"", id, "\".", call. = FALSE)
  y <- x$history[[id]]
  rows <- x$series[x$series$id == id & !is.na(x$series$n_train), ]
  origins <- tapply(rows$n_train, rows$fold, `[`, 1)
  fc <- x$forecasts[x$forecasts$id == id, ]
  graphics::plot(seq_along(y), y, type = "l", xlab = "t", ylab = "value",
                 main = paste0("series ", id, ": ", length(origins), " forecast origins"), ...)
  graphics::abline(v = origins + 0.5, lty = 3, col = "grey")
  models <- unique(fc$model)
  for (i in seq_along(models)) {
    for (f in names(origins)) {
      g <- fc[fc$model == models[i] & fc$fold == as.integer(f), ]
      graphics::lines(origins[[f]] + g$step, g$forecast, col = i + 1)
    }
  }
  graphics::legend("topleft", legend = models, col = seq_along(models) + 1, lty = 1, cex = 0.7)
  invisible(x)
}

# ggplot2::autoplot() method (registered when ggplot2 is loaded, see register_s3_methods()), for
# forecast_panel() and backtest_panel() results: without `id` the pooled sMAPE per model (the bars of
# plot()); with `id` one series' history (in time order) and each model's forecasts, from every
# forecast origin of a backtest.
autoplot.pybbdl_panel <- function(object, id = NULL, ...) {
  if (!requireNamespace("ggplot2", quietly = TRUE)) {
    stop("autoplot() needs the ggplot2 package; plot() draws with base graphics.", call. = FALSE)
  }
  if (is.null(id)) {
    overall <- object$table[object$table$frequency == "overall", , drop = FALSE]
    if (!nrow(overall)) stop("There is nothing scored to plot; pass `id` to plot one series.", call. = FALSE)
    overall$model <- factor(overall$model, levels = overall$model[order(overall$smape_pooled)])
    return(ggplot2::ggplot(overall, ggplot2::aes(x = model, y = smape_pooled)) +
             ggplot2::geom_col() +
             ggplot2::labs(x = NULL, y = "sMAPE (%), pooled", title = "Panel: pooled sMAPE per model"))
  }
  id <- check_string(id, "id")
  if (!id %in% names(object$history)) {
    stop("`id` must be a series of the run, not \"", id, "\".", call. = FALSE)
  }
  y <- object$history[[id]]
  fc <- object$forecasts[object$forecasts$id == id, , drop = FALSE]
  if ("fold" %in% names(fc)) {
    rows <- object$series[object$series$id == id & !is.na(object$series$n_train), ]
    origins <- tapply(rows$n_train, rows$fold, `[`, 1)
    origin <- origins[as.character(fc$fold)]
    group <- paste(fc$model, fc$fold)
  } else {
    origin <- rep(length(y) - if ("actual" %in% names(fc) && nrow(fc)) max(fc$step) else 0, nrow(fc))
    group <- fc$model
  }
  long <- rbind(
    data.frame(t = seq_along(y), value = y, series = "history", group = "history", stringsAsFactors = FALSE),
    data.frame(t = as.numeric(origin) + fc$step, value = fc$forecast, series = fc$model, group = group,
               stringsAsFactors = FALSE)
  )
  long$series <- factor(long$series, levels = c("history", unique(fc$model)))
  ggplot2::ggplot(long, ggplot2::aes(x = t, y = value, colour = series, group = group)) +
    ggplot2::geom_line() +
    ggplot2::labs(x = "t", y = "value", colour = NULL, title = paste("series", id))
}

utils::globalVariables(c("model", "smape_pooled", "t", "group"))
