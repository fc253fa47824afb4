# S3 classes of the forecasting results: "pybbdl_comparison" (forecast_compare()) and
# "pybbdl_backtest" (forecast_backtest()), with print, format, summary, plot, as.data.frame and,
# when ggplot2 is installed, autoplot methods.

# ggplot2 is only suggested: its autoplot() generic gets our methods when ggplot2 is loaded, now
# or later (the vctrs::s3_register() pattern).
register_s3_methods <- function() {
  register_s3_method("ggplot2", "autoplot", "pybbdl_comparison")
  register_s3_method("ggplot2", "autoplot", "pybbdl_backtest")
  register_s3_method("ggplot2", "autoplot", "pybbdl_privacy_run")
  register_s3_method("ggplot2", "autoplot", "pybbdl_gan")
  register_s3_method("ggplot2", "autoplot", "pybbdl_panel") # backtest_panel()'s results too
  register_s3_method("ggplot2", "autoplot", "pybbdl_future")
  register_s3_method("ggplot2", "autoplot", "pybbdl_merf")
}

register_s3_method <- function(pkg, generic, class) {
  method <- get(paste0(generic, ".", class), envir = parent.frame(), mode = "function")
  register <- function(...) {
    registerS3method(generic, class, method, envir = asNamespace(pkg))
  }
  if (isNamespaceLoaded(pkg)) register()
  setHook(packageEvent(pkg, "onLoad"), function(...) register())
  invisible()
}

# ---- print, format, summary ------------------------------------------------------------------

#' Methods for forecasting results
#'
#' Results of [forecast_compare()] (class `pybbdl_comparison`) and [forecast_backtest()]
#' (class `pybbdl_backtest`) print as readable tables (per scored part: MAE, RMSE, skill against
#' the naive forecast and the Diebold-Mariano p-values against each baseline, then the settings
#' and each model's spec), convert to data frames and plot their forecasts against the actual
#' values. A backtest result is also a `pybbdl_comparison`, so these methods serve both.
#'
#' When ggplot2 is installed, `ggplot2::autoplot()` draws the same picture as `plot()` as a
#' ggplot (arguments `object`, `part`, `models`, `fan`), with dotted lines where backtest folds
#' start.
#'
#' `plot(x, fan = "arima")` (and `autoplot(x, fan = "arima")`) draws one model's fan chart
#' instead: its forecasts of the part, the intervals shaded by level (the widest lightest) and
#' the actual values; the intervals are the `intervals` element of the result (the model's own,
#' or split-conformal ones calibrated on the validation part, see [forecast_compare()]).
#'
#' @param x,object A result of [forecast_compare()] or [forecast_backtest()].
#' @param digits Significant digits of the printed numbers.
#' @param layout `"long"` (one row per model, part and metric: the `table` element), `"wide"`
#'   (one row per model) or `"forecasts"` (one row per target and model: `time` or `row`,
#'   `part`, `model`, `forecast`, `actual`, and `fold` for a backtest).
#' @param row.names,optional Ignored (the rows are numbered).
#' @param part The scored part to plot: `"test"` (the default) or `"val"`; a backtest has `"test"`
#'   only.
#' @param models Models to draw; default all.
#' @param main,xlab,ylab Title and axis labels.
#' @param fan `NULL` (forecasts of every model), or the name of one model: draw its fan chart.
#' @param ... Passed on to [graphics::matplot()] by `plot()`; ignored by the others.
#' @return `format()`: a character vector of lines; `print()`: `x`, invisibly; `summary()`: an
#'   object whose print method shows the one-row-per-model table; `as.data.frame()`: a data frame;
#'   `plot()`: `x`, invisibly; `autoplot()`: a ggplot object.
#' @name forecast-methods
#' @examples
#' \donttest{
#' if (pybbdl_available()) {
#'   run <- forecast_compare(macro_data(), models = c("naive", "dense"), epochs = 2)
#'   print(run)
#'   summary(run)
#'   head(as.data.frame(run))
#'   plot(run)
#'   plot(run, fan = "dense")
#'   if (requireNamespace("ggplot2", quietly = TRUE)) ggplot2::autoplot(run, fan = "naive")
#' }
#' }
NULL

#' @rdname forecast-methods
#' @export
format.pybbdl_comparison <- function(x, digits = 3, ...) {
  s <- x$settings
  backtest <- inherits(x, "pybbdl_backtest")
  title <- if (backtest) {
    sprintf("<pybbdl backtest> %s, %d folds, %s", s$target, s$folds,
            if (isTRUE(s$retrain)) "refit before each fold" else "fitted before the first fold")
  } else {
    sprintf("<pybbdl forecast comparison> %s", s$target)
  }
  spec <- c(sprintf("lookback %d, horizon %d, step %d", s$lookback, s$horizon, s$step),
            if (!is.null(s$split)) paste0("split ", paste(format(s$split), collapse = "/")),
            sprintf("epochs %d, batch_size %d, patience %s", s$epochs, s$batch_size,
                    if (is.null(s$patience)) "none" else s$patience),
            sprintf("seed %s, seeds %s", if (is.null(s$seed)) "none" else s$seed,
                    paste(unlist(s$seeds), collapse = ",")),
            if (isTRUE(s$quick)) "quick run")
  lines <- c(title, paste0("  ", paste(spec, collapse = "; ")),
             sprintf("  Diebold-Mariano tests on %s loss (negative statistic = more accurate than the baseline)",
                     toupper(s$dm_loss)),
             if (length(x$intervals)) {
               paste("  coverage = share of actuals inside the intervals; in MCS 90 = 1 if in the 90 % model",
                     "confidence set; CW = Clark-West (nested pairs)")
             })
  for (part in names(x$forecasts)) {
    tab <- part_table(x, part)
    lines <- c(lines, "", sprintf("%s part: %d targets", part, nrow(x$forecasts[[part]])),
               utils::capture.output(print(format_numbers(tab, digits), row.names = FALSE)))
  }
  wide <- x$wide
  lines <- c(lines, "", "Models:", sprintf("  %-*s %s", max(nchar(wide$model)), wide$model,
                                           ifelse(nzchar(wide$spec), wide$spec, "-")))
  notes <- wide$note[!is.na(wide$note) & nzchar(wide$note)]
  if (length(notes)) {
    lines <- c(lines, "Notes:", paste0("  ", wide$model[!is.na(wide$note) & nzchar(wide$note)],
                                       ": ", notes))
  }
  lines
}

#' @rdname forecast-methods
#' @export
print.pybbdl_comparison <- function(x, ...) {
  cat(format(x, ...), sep = "\n")
  invisible(x)
}

#' @rdname forecast-methods
#' @export
summary.pybbdl_comparison <- function(object, ...) {
  structure(list(table = object$wide, settings = object$settings,
                 kind = if (inherits(object, "pybbdl_backtest")) "backtest" else "comparison"),
            class = "summary.pybbdl_comparison")
}

#' @export
print.summary.pybbdl_comparison <- function(x, digits = 3, ...) {
  s <- x$settings
  cat(sprintf("pybbdl %s of %d models on %s (horizon %d)\n", x$kind, nrow(x$table), s$target,
              s$horizon))
  keep <- setdiff(names(x$table), c("spec", "note"))
  print(format_numbers(x$table[keep], digits), row.names = FALSE)
  invisible(x)
}

#' One scored part's printed columns, under their labels
#'
#' The columns and labels come from the result's column catalog (`x$columns`, built by Python
#' from the metric registry): errors, skill and DM p-values first, then Clark-West p-values,
#' which test to read, coverage and model-confidence-set membership.
#' @noRd
part_table <- function(x, part) {
  cols <- x$columns
  keep <- cols[cols$part == part & cols$printed & cols$column %in% names(x$wide), , drop = FALSE]
  tab <- x$wide[c("model", keep$column)]
  names(tab) <- c("model", keep$label)
  tab
}

format_numbers <- function(tab, digits) {
  for (col in names(tab)) {
    if (is.double(tab[[col]])) {
      tab[[col]] <- ifelse(is.na(tab[[col]]), "-",
                           formatC(tab[[col]], digits = digits, format = "g", flag = "#"))
      tab[[col]] <- sub("\\.$", "", tab[[col]])
    }
  }
  tab
}

# ---- data frames -----------------------------------------------------------------------------

#' @rdname forecast-methods
#' @export
as.data.frame.pybbdl_comparison <- function(x, row.names = NULL, optional = FALSE, ...,
                                            layout = c("long", "wide", "forecasts")) {
  layout <- match.arg(layout)
  switch(layout,
    long = x$table,
    wide = x$wide,
    forecasts = forecasts_long(x)
  )
}

forecasts_long <- function(x, part = names(x$forecasts), models = NULL) {
  out <- list()
  for (p in part) {
    fc <- x$forecasts[[p]]
    time_name <- names(fc)[[1]]
    fold <- if ("fold" %in% names(fc)) fc$fold else NULL
    available <- setdiff(names(fc), c(time_name, "actual", "fold"))
    for (m in if (is.null(models)) available else intersect(models, available)) {
      frame <- data.frame(fc[[1]], part = p, model = m, forecast = fc[[m]], actual = fc$actual,
                          stringsAsFactors = FALSE)
      names(frame)[[1]] <- time_name
      if (!is.null(fold)) frame$fold <- fold
      out[[length(out) + 1]] <- frame
    }
  }
  out <- do.call(rbind, out)
  rownames(out) <- NULL
  out
}

# ---- plots -----------------------------------------------------------------------------------

#' @rdname forecast-methods
#' @export
plot.pybbdl_comparison <- function(x, part = "test", models = NULL, main = NULL, xlab = NULL,
                                   ylab = x$target, fan = NULL, ...) {
  if (!is.null(fan)) {
    return(plot_fan(x, part, fan, main = main, xlab = xlab, ylab = ylab, ...))
  }
  fc <- plot_frame(x, part, models)
  series <- setdiff(names(fc), c(names(fc)[[1]], "fold"))
  cols <- c("black", grDevices::hcl.colors(max(1, length(series) - 1), "Dark 3"))
  if (is.null(main)) {
    main <- sprintf("%s: %s forecasts, %d step(s) ahead", x$target, part, x$horizon)
  }
  graphics::matplot(fc[[1]], as.matrix(fc[series]), type = "l", lty = c(1, rep(2, length(series) - 1)),
                    lwd = c(2, rep(1.2, length(series) - 1)), col = cols, main = main, xlab = xlab,
                    ylab = ylab, xaxt = if (is.numeric(fc[[1]])) "s" else "n", ...)
  if (!is.numeric(fc[[1]])) graphics::axis(1, at = pretty(fc[[1]]), labels = format(pretty(fc[[1]])))
  if ("fold" %in% names(fc)) {
    starts <- which(diff(fc$fold) != 0) + 1
    graphics::abline(v = fc[[1]][starts], col = "grey70", lty = 3)
  }
  graphics::legend("topleft", series, col = cols, lty = c(1, rep(2, length(series) - 1)),
                   lwd = c(2, rep(1.2, length(series) - 1)), bty = "n", cex = 0.8)
  invisible(x)
}

plot_frame <- function(x, part, models) {
  check_choice(part, "part", names(x$forecasts))
  fc <- x$forecasts[[part]]
  available <- setdiff(names(fc), c(names(fc)[[1]], "actual", "fold"))
  if (!is.null(models)) {
    unknown <- setdiff(models, available)
    if (length(unknown)) {
      stop("`models` must name models of the result; \"", unknown[[1]], "\" is not one. ",
           "Models: ", paste0('"', available, '"', collapse = ", "), ".", call. = FALSE)
    }
    available <- models
  }
  fc[c(names(fc)[[1]], "actual", available, intersect("fold", names(fc)))]
}

# ggplot2::autoplot() method (registered when ggplot2 is loaded, see register_s3_methods())
autoplot.pybbdl_comparison <- function(object, part = "test", models = NULL, fan = NULL, ...) {
  if (!requireNamespace("ggplot2", quietly = TRUE)) {
    stop("autoplot() needs the ggplot2 package; plot() draws with base graphics.", call. = FALSE)
  }
  if (!is.null(fan)) {
    return(autoplot_fan(object, part, fan))
  }
  fc <- plot_frame(object, part, models)
  series <- setdiff(names(fc), c(names(fc)[[1]], "fold"))
  long <- data.frame(time = rep(fc[[1]], length(series)),
                     value = unlist(fc[series], use.names = FALSE),
                     series = factor(rep(series, each = nrow(fc)), levels = series))
  ggplot2::ggplot(long, ggplot2::aes(x = time, y = value, colour = series, linetype = series)) +
    ggplot2::geom_line() +
    ggplot2::scale_linetype_manual(values = c("solid", rep("dashed", length(series) - 1))) +
    ggplot2::labs(x = NULL, y = object$target, colour = NULL, linetype = NULL,
                  title = sprintf("%s: %s forecasts, %d step(s) ahead", object$target, part,
                                  object$horizon))
}

autoplot.pybbdl_backtest <- function(object, part = "test", models = NULL, fan = NULL, ...) {
  plot <- autoplot.pybbdl_comparison(object, part = part, models = models, fan = fan, ...)
  fc <- object$forecasts[[part]]
  starts <- fc[[1]][which(diff(fc$fold) != 0) + 1]
  if (length(starts)) {
    plot <- plot + ggplot2::geom_vline(xintercept = starts, colour = "grey70", linetype = "dotted")
  }
  plot
}

utils::globalVariables(c("time", "value", "series"))

# ---- the fitted ARIMA ------------------------------------------------------------------------

#' The fitted ARIMA of a forecasting result
#'
#' The statsmodels ARIMA that [forecast_compare()] or [forecast_backtest()] fitted (the last
#' fold's for a backtest with refits): its order, coefficients with standard errors, AICc and
#' statsmodels' summary text.
#'
#' @param x A result of [forecast_compare()] or [forecast_backtest()] with an ARIMA model.
#' @param model Name of the ARIMA model in `x`.
#' @return An object of class `pybbdl_arima_summary`: a list with `model`, `spec` (the model's
#'   description), `order` (p, d, q), `seasonal_order` (P, D, Q, m), `trend`, `aicc`,
#'   `converged`, `coefficients` (a data frame: `term`, `estimate`, `std_error`, `p_value`) and
#'   `text` (statsmodels' `summary()`); printing shows the text.
#' @family forecasting
#' @export
#' @examples
#' \donttest{
#' if (pybbdl_available()) {
#'   run <- forecast_compare(macro_data(), models = c("naive", "arima"))
#'   fit <- arima_summary(run)
#'   fit$coefficients
#' }
#' }
arima_summary <- function(x, model = "arima") {
  if (!inherits(x, "pybbdl_comparison")) {
    stop("`x` must be a result of forecast_compare() or forecast_backtest(), not ",
         describe(x), ".", call. = FALSE)
  }
  check_string(model, "model")
  names <- reticulate::py_to_r(reticulate::import_builtins(convert = FALSE)$list(x$models$keys()))
  if (!model %in% names) {
    stop("`model` must name a fitted model of `x`; \"", model, "\" is not one. Models: ",
         paste0('"', names, '"', collapse = ", "), ".", call. = FALSE)
  }
  fitted <- x$models[[model]]
  if (!reticulate::py_has_attr(fitted, "results_")) {
    stop("`model` must name an ARIMA model; \"", model, "\" has no fitted ARIMA.", call. = FALSE)
  }
  res <- fitted$results_
  get <- function(obj) reticulate::py_to_r(obj)
  np <- py_np()
  values <- function(obj) as.numeric(get(np$asarray(obj, dtype = "float64")))
  coefficients <- data.frame(term = as.character(unlist(get(res$model$param_names))),
                             estimate = values(res$params), std_error = values(res$bse),
                             p_value = values(res$pvalues), stringsAsFactors = FALSE)
  structure(list(
    model = model, spec = get(fitted$describe()), order = as.integer(unlist(get(fitted$order_))),
    seasonal_order = as.integer(unlist(get(fitted$seasonal_order_))),
    trend = get(fitted$trend_), aicc = as.numeric(get(res$aicc)),
    converged = isTRUE(get(fitted$converged_)), coefficients = coefficients,
    text = get(res$summary()$as_text())
  ), class = "pybbdl_arima_summary")
}

#' @export
print.pybbdl_arima_summary <- function(x, ...) {
  cat(x$text, "\n", sep = "")
  invisible(x)
}
