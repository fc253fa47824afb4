# Forecasts from today: forecast::forecast() (and forecast_future()) on a forecasting result, and
# the "pybbdl_future" class with print, as.data.frame, plot and (with ggplot2) autoplot methods.

#' Forecast the next periods from the last observation
#'
#' Refits every model of a [forecast_compare()] (or [forecast_backtest()]) result on all the data
#' and forecasts the `h` periods after the last observation, with prediction intervals at each
#' step: what `forecast(fit, h = 8)` gives for a fable or forecast model. The Python function
#' `pybbdl.workflows.future.forecast_future()` does the work (as `run.forecast(h)` and
#' `pybbdl forecast --future H`).
#'
#' `forecast()` is the method for the `forecast::forecast()` generic (attach the forecast package,
#' or call `forecast::forecast(run, h = 8)`); `forecast_future()` is the same without it.
#'
#' @section Refit rule and intervals:
#' Each model is refitted on **all** rows of the run's data (same target, features, lookback and
#' step) and forecasts steps 1 to `h` from the origin right after the last row (`settings$refit`
#' is `"all"`). ARIMA keeps the order and trend the run chose on its training part and
#' re-estimates the coefficients; ETS keeps its chosen form; the other models re-estimate what
#' they estimate.
#'
#' * ARIMA, ETS, Theta, AR, `rw_mean` and VAR use their own analytic intervals at every step
#'   (`interval = "model"`); ARIMA's equal those of `forecast(Arima(y, order = ...), h, level)`.
#' * The networks, the naive baselines, combinations and your own models get split-conformal
#'   intervals per step (`interval = "conformal"`): a calibration fit on the run's own split
#'   (training part; early stopping on the validation part) forecasts every origin of the
#'   validation and test parts; the absolute errors at step `j` give the half-width at step `j`.
#'   A level those errors cannot support (fewer than `L / (1 - L)` of them) has `NA` bounds and a
#'   note.
#' * Networks are fitted once per seed of the run: `mean` is the mean over the seeds, `sd` their
#'   standard deviation. Their final fit on all rows trains for as many epochs as the calibration
#'   fit ran (no validation part is left for early stopping).
#'
#' A run with future-known columns (`known`) needs their future path: use
#' [forecast_conditional()].
#'
#' @param object A result of [forecast_compare()] or [forecast_backtest()].
#' @param h Periods to forecast after the last observation, a whole number from 1 to the number
#'   of rows of the data.
#' @param level Interval levels, as the forecast package gives them: percentages in (0, 100),
#'   e.g. `c(80, 95)`, or fractions in (0, 1), e.g. `c(0.8, 0.95)`.
#' @param models Names of the run's models to forecast with; `NULL`: all.
#' @param verbose Print one line per fit.
#' @param ... Ignored (for the generic).
#' @return An object of class `pybbdl_future`, a list with
#'   * `table`: a data frame, one row per model and step: `model`, `step` (1 to `h`), the future
#'     time (`time`, or `row` for data without time stamps), `mean`, `sd` (across seeds; `NA` for
#'     one fit), `lower_80`, `upper_80`, ... per level, and `interval` (`"model"` or
#'     `"conformal"`); `as.data.frame()` returns it;
#'   * `history`: the observed target (time and value);
#'   * `h`, `level` (fractions), `target`, `settings` (the refit rule, seeds, each model's
#'     spec, refit parameters and calibration sizes) and `notes`.
#'
#'   `print()` shows the table, `plot()` draws a fan chart per model (the last `3 * h`
#'   observations, then the mean path and the bands widening from the last observation),
#'   `autoplot()` (with ggplot2) the same as a ggplot.
#' @seealso [future-methods]
#' @family forecasting
#' @export
#' @examples
#' \donttest{
#' if (pybbdl_available()) {
#'   run <- forecast_compare(macro_data(), models = c("naive", "arima"))
#'   fc <- forecast_future(run, h = 8)
#'   fc
#'   plot(fc, model = "arima")
#'   if (requireNamespace("forecast", quietly = TRUE)) forecast::forecast(run, h = 4)
#' }
#' }
forecast_future <- function(object, h = 8, level = c(80, 95), models = NULL, verbose = FALSE) {
  if (!inherits(object, "pybbdl_comparison") || is.null(object$python)) {
    stop("`object` must be a result of forecast_compare() or forecast_backtest(), not ",
         describe(object), ".", call. = FALSE)
  }
  if (reticulate::py_is_null_xptr(object$python)) {
    stop("`object` refers to a Python object of an earlier R session; run forecast_compare() again.",
         call. = FALSE)
  }
  h <- check_count(h, "h")
  level <- check_future_level(level)
  if (!is.null(models)) {
    if (!is.character(models) || !length(models) || anyNA(models)) {
      stop("`models` must be model names of `object`, not ", describe(models), ".", call. = FALSE)
    }
    models <- as.list(models)
  }
  verbose <- check_flag(verbose, "verbose")
  future <- python_module("workflows.future")
  result <- with_py_errors(future$forecast_future(object$python, h, levels = py_levels(level),
                                                  models = models, progress = verbose))
  new_future(result, time_class = future_time_class(object))
}

#' @rdname forecast_future
#' @exportS3Method forecast::forecast
forecast.pybbdl_comparison <- function(object, h = 8, level = c(80, 95), models = NULL,
                                       verbose = FALSE, ...) {
  forecast_future(object, h = h, level = level, models = models, verbose = verbose)
}

#' Levels as fractions: the forecast package's percentages in (0, 100) or fractions in (0, 1).
#' @noRd
check_future_level <- function(level) {
  shown <- if (is.numeric(level)) paste(format(level), collapse = ", ") else describe(level)
  if (!is.numeric(level) || !length(level) || anyNA(level) || any(!is.finite(level)) ||
      any(level <= 0) || any(level >= 100)) {
    stop("`level` must be percentages in (0, 100), e.g. c(80, 95), or fractions in (0, 1), not ", shown, ".",
         call. = FALSE)
  }
  if (all(level < 1)) {
    fractions <- level
  } else if (all(level >= 1)) {
    fractions <- level / 100
  } else {
    stop("`level` must be all percentages (e.g. c(80, 95)) or all fractions (e.g. c(0.8, 0.95)), not ", shown,
         ".", call. = FALSE)
  }
  if (anyDuplicated(fractions)) {
    stop("`level` must not repeat a level, not ", shown, ".", call. = FALSE)
  }
  sort(as.numeric(fractions))
}

future_time_class <- function(object) {
  first <- object$forecasts[[1]][[1]]
  if (inherits(first, "Date")) "Date" else "POSIXct"
}

#' The R object of a Python FutureForecast.
#' @noRd
new_future <- function(result, time_class = "POSIXct") {
  table <- result$table
  values <- pandas_to_r_frame(table$set_index("time")$drop(columns = list("model", "interval")),
                              time_class = time_class)
  time_name <- names(values)[[1]]
  names(values)[[1]] <- if (time_name == "row") "row" else "time"
  values$step <- as.integer(values$step)
  for (col in names(values)) if (is.double(values[[col]])) values[[col]][is.nan(values[[col]])] <- NA_real_
  labels <- c("model", "interval")
  text <- lapply(labels, function(col) as.character(unlist(reticulate::py_to_r(table[[col]]$tolist()))))
  out <- data.frame(model = text[[1]], values[c("step", names(values)[[1]])],
                    values[setdiff(names(values), c("step", names(values)[[1]]))],
                    interval = text[[2]], stringsAsFactors = FALSE, check.names = FALSE)
  history <- pandas_to_r_frame(result$history$to_frame(), time_class = time_class)
  names(history) <- c(names(out)[[3]], "value")
  settings <- reticulate::py_to_r(result$settings)
  structure(list(table = out, history = history, h = as.integer(settings$h),
                 level = as.numeric(unlist(settings$levels)), target = reticulate::py_to_r(result$history$name),
                 settings = settings, notes = as.character(unlist(reticulate::py_to_r(result$notes))),
                 python = result),
            class = "pybbdl_future")
}

# ---- methods -------------------------------------------------------------------------------------

#' Methods for forecasts from today
#'
#' The result of [forecast_future()] (and of `forecast::forecast()` on a forecasting result),
#' class `pybbdl_future`, prints as a table, converts to a data frame and draws fan charts: the
#' last `3 * h` observations, then each model's mean path and its intervals (the widest
#' lightest), starting at the last observation and widening with the step. With ggplot2
#' installed, `ggplot2::autoplot()` draws the same as a ggplot (one panel per model).
#'
#' @param x A result of [forecast_future()] (`autoplot()`'s `object`).
#' @param digits Digits of the printed numbers.
#' @param row.names,optional Ignored (the rows are numbered).
#' @param model Name of one model to draw; `NULL`: every model (one panel each).
#' @param last Observations of history to draw; `NULL`: `3 * h`.
#' @param main,xlab,ylab Title and axis labels (`main` only with one model).
#' @param ... Ignored.
#' @return `print()` and `plot()`: `x`, invisibly; `as.data.frame()`: the `table` element;
#'   `autoplot()`: a ggplot object.
#' @name future-methods
#' @examples
#' \donttest{
#' if (pybbdl_available()) {
#'   fc <- forecast_future(forecast_compare(macro_data(), models = c("naive", "arima")), h = 8)
#'   print(fc)
#'   head(as.data.frame(fc))
#'   plot(fc, model = "arima")
#'   if (requireNamespace("ggplot2", quietly = TRUE)) ggplot2::autoplot(fc)
#' }
#' }
NULL

#' @rdname future-methods
#' @export
print.pybbdl_future <- function(x, digits = 3, ...) {
  if (!is.null(x$python) && reticulate::py_is_null_xptr(x$python)) {
    cat("<pybbdl_future: its Python object is from an earlier R session>\n")
  }
  time_col <- names(x$table)[[3]]
  last <- x$history[[1]][[nrow(x$history)]]
  cat(sprintf("Forecasts of %s for the next %d period(s) after the last observation %s\n", x$target, x$h,
              format(last)))
  cat("refit: every model on all rows; intervals: model = the model's own, conformal = per step from a",
      "calibration fit's out-of-sample errors; mean and sd over seeds\n\n")
  shown <- x$table
  numeric <- vapply(shown, is.double, logical(1))
  shown[numeric] <- lapply(shown[numeric], function(v) round(v, digits))
  if (time_col == "time") shown$time <- format(shown$time)
  print(shown, row.names = FALSE)
  if (length(x$notes)) cat("\nnotes:\n", paste0("  ", x$notes, "\n"), sep = "")
  invisible(x)
}

#' @rdname future-methods
#' @export
as.data.frame.pybbdl_future <- function(x, row.names = NULL, optional = FALSE, ...) {
  x$table
}

future_models <- function(x, model) {
  available <- unique(x$table$model)
  if (is.null(model)) {
    return(available)
  }
  if (!is.character(model) || length(model) != 1 || !model %in% available) {
    stop("`model` must name one model of `x` (", paste0('"', available, '"', collapse = ", "), "), not ",
         describe(model), ".", call. = FALSE)
  }
  model
}

# The fan of one model: time and value of the path from the last observation (step 0).
future_path <- function(x, model) {
  rows <- x$table[x$table$model == model, ]
  t0 <- x$history[[1]][[nrow(x$history)]]
  y0 <- x$history$value[[nrow(x$history)]]
  path <- data.frame(time = c(t0, rows[[3]]), mean = c(y0, rows$mean))
  for (lv in future_labels(x)) {
    path[[paste0("lower_", lv)]] <- c(y0, rows[[paste0("lower_", lv)]])
    path[[paste0("upper_", lv)]] <- c(y0, rows[[paste0("upper_", lv)]])
  }
  path
}

future_labels <- function(x) {
  format(round(100 * sort(x$level, decreasing = TRUE), 6), trim = TRUE, drop0trailing = TRUE)
}

future_history <- function(x, last) {
  n <- nrow(x$history)
  last <- if (is.null(last)) 3L * x$h else check_count(last, "last")
  x$history[max(1, n - last + 1):n, ]
}

#' @rdname future-methods
#' @export
plot.pybbdl_future <- function(x, model = NULL, last = NULL, main = NULL, xlab = NULL, ylab = x$target, ...) {
  models <- future_models(x, model)
  past <- future_history(x, last)
  if (length(models) > 1) {
    old <- graphics::par(mfrow = c(length(models), 1), mar = c(3, 4, 2.5, 1))
    on.exit(graphics::par(old))
  }
  labels <- future_labels(x)
  shades <- grDevices::hcl.colors(length(labels) + 2, "Blues 3", rev = TRUE)[seq_along(labels) + 1]
  for (m in models) {
    path <- future_path(x, m)
    bounds <- unlist(path[-1])
    ylim <- range(c(past$value, bounds[is.finite(bounds)]))
    title <- if (is.null(main)) sprintf("%s: %s, the next %d periods", x$target, m, x$h) else main
    graphics::plot(past[[1]], past$value, type = "o", pch = 20, cex = 0.6, xlim = range(c(past[[1]], path$time)),
                   ylim = ylim, main = title, xlab = if (is.null(xlab)) "" else xlab, ylab = ylab)
    for (i in seq_along(labels)) {
      lo <- path[[paste0("lower_", labels[[i]])]]
      hi <- path[[paste0("upper_", labels[[i]])]]
      ok <- is.finite(lo) & is.finite(hi)
      if (sum(ok) > 1) {
        graphics::polygon(c(path$time[ok], rev(path$time[ok])), c(lo[ok], rev(hi[ok])), col = shades[[i]],
                          border = NA)
      }
    }
    graphics::lines(path$time, path$mean, col = "#08306B", lwd = 2)
    graphics::abline(v = path$time[[1]], col = "grey60", lty = 3)
    graphics::legend("topleft", c("history", paste0(m, " forecast"), paste0(labels, " %")),
                     col = c("black", "#08306B", shades), lty = c(1, 1, NA, NA)[seq_len(2 + length(labels))],
                     pch = c(NA, NA, rep(15, length(labels))), bty = "n", cex = 0.8)
  }
  invisible(x)
}

# ggplot2::autoplot() method (registered when ggplot2 is loaded, see register_s3_methods())
autoplot.pybbdl_future <- function(object, model = NULL, last = NULL, ...) {
  if (!requireNamespace("ggplot2", quietly = TRUE)) {
    stop("autoplot() needs the ggplot2 package; plot() draws with base graphics.", call. = FALSE)
  }
  models <- future_models(object, model)
  past <- future_history(object, last)
  labels <- future_labels(object)
  paths <- lapply(models, function(m) cbind(future_path(object, m), model = m))
  bands <- do.call(rbind, lapply(paths, function(p) do.call(rbind, lapply(labels, function(l) {
    data.frame(time = p$time, lower = p[[paste0("lower_", l)]], upper = p[[paste0("upper_", l)]],
               level = paste0(l, " %"), model = p$model)
  }))))
  bands$level <- factor(bands$level, levels = paste0(labels, " %"))
  means <- do.call(rbind, lapply(paths, function(p) p[c("time", "mean", "model")]))
  history <- do.call(rbind, lapply(models, function(m) data.frame(time = past[[1]], value = past$value, model = m)))
  plot <- ggplot2::ggplot() +
    ggplot2::geom_ribbon(data = bands, ggplot2::aes(x = time, ymin = lower, ymax = upper, fill = level)) +
    ggplot2::scale_fill_brewer(palette = "Blues", direction = 1) +
    ggplot2::geom_line(data = history, ggplot2::aes(x = time, y = value), colour = "black") +
    ggplot2::geom_line(data = means, ggplot2::aes(x = time, y = mean), colour = "#08306B", linewidth = 0.9) +
    ggplot2::labs(x = NULL, y = object$target, fill = "interval",
                  title = sprintf("%s: the next %d periods from the last observation", object$target, object$h))
  if (length(models) > 1) plot <- plot + ggplot2::facet_wrap(ggplot2::vars(model), ncol = 1, scales = "free_y")
  plot
}

utils::globalVariables("model")
