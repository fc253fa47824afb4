# Several horizons at once and forecasts conditional on a future path of known columns: the R side
# of `horizons =`/`known =` in forecast_compare()/forecast_backtest(), forecast_conditional() and
# plot_horizons(). The Python workflow does the work (pybbdl.forecast_conditional).

#' Check `horizons` and `known` in R and store them in `args` as Python takes them
#' @noRd
check_horizons_known <- function(args, horizons, known, data) {
  if (!is.null(horizons)) {
    if (is.character(horizons)) {
      if (length(horizons) != 1 || is.na(horizons) || !grepl("^[0-9 ,:-]+$", horizons)) {
        stop('`horizons` must be a whole number H, a vector of horizons or a string like "1-8", not ',
             describe(horizons), ".", call. = FALSE)
      }
      args$horizons <- horizons
    } else if (is.numeric(horizons) && length(horizons) >= 1 && !anyNA(horizons) &&
               all(horizons == round(horizons)) && all(horizons >= 1)) {
      if (anyDuplicated(horizons)) {
        stop("`horizons` must not repeat a horizon, not ", paste(horizons, collapse = ", "), ".", call. = FALSE)
      }
      args$horizons <- if (length(horizons) == 1) as.integer(horizons) else as.list(as.integer(horizons))
    } else {
      stop("`horizons` must be whole numbers >= 1 or a string like \"1-8\", not ", describe(horizons), ".",
           call. = FALSE)
    }
  }
  if (!is.null(known)) {
    known <- check_names(known, "known", "column names")
    columns <- names(args$frame$values)
    for (k in known) check_column(k, "known", data, columns)
    if (args$target %in% known) {
      stop("`known` must not hold the target \"", args$target, "\": its future is what is forecast.",
           call. = FALSE)
    }
    args$known <- as.list(known)
  }
  args
}

#' Forecast conditional on a future path of the known columns
#'
#' A run of [forecast_compare()] or [forecast_backtest()] with `known` columns (calendar terms,
#' an assumed policy-rate path, an oil-price scenario) forecasts the target from the end of the
#' data given the values those columns take over the horizon. Call it once per scenario to
#' compare scenarios. The Python function `pybbdl.forecast_conditional()` does the work with
#' the run's fitted models (first seed).
#'
#' @param run A result of [forecast_compare()] or [forecast_backtest()] run with `known`.
#' @param future A data frame with one column per `known` column and exactly `horizon` rows
#'   (the largest horizon of a multi-horizon run): steps 1, 2, ... after the last observation.
#'   A Date or POSIXct column, if any, gives their times: they must be exactly the `horizon`
#'   periods after the last observation at the data's frequency (a path dated later, at another
#'   frequency or with a gap is refused, naming the expected dates; so are dates for data without
#'   dates); without one they follow the data's frequency. Missing columns, extra columns,
#'   text or factor columns, `NA`/`NaN`/`Inf` or a wrong number of rows are refused with an error
#'   naming the column. A path that moves a known column away from the one value it took in every
#'   training row is refused: its effect on the target is not identified.
#' @param models Names of the run's models to ask; `NULL`: every model that uses known columns
#'   (the networks and arima). A model that cannot use them (naive, ...) is refused rather than
#'   run without the path.
#' @return A data frame: the target time (or `row`), `step` (steps after the last observation)
#'   and one column per model; every horizon of a multi-horizon run, else the one `horizon`-step
#'   forecast.
#' @family forecasting
#' @export
#' @examples
#' \donttest{
#' if (pybbdl_available()) {
#'   d <- data.frame(date = seq(as.Date("2000-01-01"), by = "month", length.out = 120),
#'                   x = sin(1:120 / 6))
#'   d$y <- 1 + 2 * d$x + rnorm(120, sd = 0.1)
#'   run <- forecast_compare(d, models = "arima", target = "y", known = "x", horizons = 3)
#'   forecast_conditional(run, data.frame(x = c(0, 0, 0)))
#'   forecast_conditional(run, data.frame(x = c(1, 1, 1))) # about 2 higher
#' }
#' }
forecast_conditional <- function(run, future, models = NULL) {
  if (!inherits(run, "pybbdl_comparison") || is.null(run$python)) {
    stop("`run` must be a result of forecast_compare() or forecast_backtest(), not ", describe(run), ".",
         call. = FALSE)
  }
  if (is.null(run$settings$known)) {
    stop("`run` must have been made with `known` columns (forecast_compare(..., known = ...)); this one has ",
         "none, so there is no future path to condition on.", call. = FALSE)
  }
  if (!is.data.frame(future)) {
    stop("`future` must be a data frame with the columns ",
         paste0('"', unlist(run$settings$known), '"', collapse = ", "), ", not ", describe(future), ".",
         call. = FALSE)
  }
  models <- check_names(models, "models", "model names", null_ok = TRUE)
  known <- unlist(run$settings$known)
  missing <- setdiff(known, names(future))
  if (length(missing)) {
    stop("`future` must hold every known column; missing: ", paste0('"', missing, '"', collapse = ", "), ".",
         call. = FALSE)
  }
  for (col in known) {
    x <- future[[col]]
    if (!is.numeric(x) || inherits(x, c("Date", "POSIXt"))) {
      stop("`future` column \"", col, "\" must be numeric, not ", column_type(x), " (a known column's ",
           "values over the horizon are numbers, as in the data)", if (is.factor(x)) {
             paste0("; convert it with as.numeric(as.character(future$", col, "))")
           }, ".", call. = FALSE)
    }
  }
  frame <- as_time_frame(future, "future")
  extra <- setdiff(names(future), c(known, frame$time_name))
  if (length(extra)) {
    stop("`future` has column(s) ", paste0('"', extra, '"', collapse = ", "), " that are not future-known ",
         "columns of the run (nor one date column), so they would be ignored. Known columns: ",
         paste0('"', known, '"', collapse = ", "), ".", call. = FALSE)
  }
  py_future <- as_pandas_frame(future, "future", frame = frame)
  conditional <- python_module("workflows.conditional")
  result <- with_py_errors(conditional$forecast_conditional(
    run$python, py_future, models = if (is.null(models)) NULL else as.list(models)))
  time_class <- if (inherits(run$forecasts[[1]][[1]], "Date")) "Date" else "POSIXct"
  out <- pandas_to_r_frame(result, time_class = time_class)
  out$step <- as.integer(out$step)
  out
}

#' MAE by horizon, one line per model
#'
#' For a run of [forecast_compare()] or [forecast_backtest()] with several `horizons`: the MAE
#' (or another metric of the long table) of each model at each horizon, from the same origins.
#'
#' @param x A result of [forecast_compare()] or [forecast_backtest()].
#' @param part The scored part: `"test"` (default) or `"val"`.
#' @param metric A metric of the table: `"mae"` (default), `"rmse"`, `"skill_pct"`, ...
#' @param main,xlab,ylab Title and axis labels.
#' @param ... Passed on to [graphics::matplot()].
#' @return `x`, invisibly.
#' @family forecasting
#' @export
plot_horizons <- function(x, part = "test", metric = "mae", main = NULL, xlab = "horizon (steps ahead)",
                          ylab = NULL, ...) {
  if (!inherits(x, "pybbdl_comparison")) {
    stop("`x` must be a result of forecast_compare() or forecast_backtest(), not ", describe(x), ".",
         call. = FALSE)
  }
  check_string(part, "part")
  check_string(metric, "metric")
  tab <- x$table[x$table$part == part & x$table$metric == metric, , drop = FALSE]
  if (!nrow(tab)) {
    stop("`part` and `metric` must be a scored part and a metric of the table, not \"", part, "\" and \"",
         metric, "\".", call. = FALSE)
  }
  horizons <- sort(unique(tab$horizon))
  models <- unique(tab$model)
  values <- sapply(models, function(m) {
    sub <- tab[tab$model == m, , drop = FALSE]
    sub$value[match(horizons, sub$horizon)]
  })
  values <- matrix(values, nrow = length(horizons), dimnames = list(NULL, models))
  graphics::matplot(horizons, values, type = "b", pch = 19, lty = 1, col = seq_along(models),
                    main = if (is.null(main)) sprintf("%s by horizon, %s part", toupper(metric), part) else main,
                    xlab = xlab, ylab = if (is.null(ylab)) toupper(metric) else ylab, xaxt = "n", ...)
  graphics::axis(1, at = horizons)
  graphics::legend("topleft", legend = models, col = seq_along(models), lty = 1, pch = 19, bty = "n")
  invisible(x)
}
