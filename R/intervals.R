#' Clark-West test for nested forecasting models
#'
#' The test of Clark and West (2007) that a larger model forecasts better than a smaller model it
#' nests (an AR or ARIMA on levels nests the random walk), where the Diebold-Mariano test
#' ([dm_test()]) is not valid. It is computed by the pybbdl Python core
#' (`pybbdl.evaluation.nested.clark_west()`), which also fills the `cw_stat_vs_<b>` and
#' `cw_p_vs_<b>` rows of [forecast_compare()] and [forecast_backtest()] for nested pairs.
#'
#' With `e1 = actual - reference` (the smaller model) and `e2 = actual - forecast` (the larger),
#' the adjusted loss differential is `f = e1^2 - (e2^2 - (reference - forecast)^2)`; the
#' statistic is `mean(f) / sqrt(V / n)`, `V` the Newey-West (Bartlett) long-run variance of `f`
#' with `h - 1` lags, compared with the standard normal, one-sided: a positive statistic favours
#' the larger model.
#'
#' @param actual The realised values, a numeric vector without `NA`.
#' @param forecast Forecasts of the larger (nesting) model, same length.
#' @param reference Forecasts of the smaller (nested) model, e.g. the random walk, same length.
#' @param h Forecast horizon, a whole number >= 1 (`h - 1` Newey-West lags).
#' @return An object of class `htest`: `statistic` (`CW`), `parameter` (`Forecast horizon`),
#'   `alternative` (`"greater"`), `p.value`, `method` and `data.name`.
#' @seealso [dm_test()] for non-nested models.
#' @family forecasting
#' @export
#' @examples
#' if (pybbdl_available()) {
#'   set.seed(1)
#'   y <- rnorm(60)
#'   x <- y + rnorm(60)
#'   clark_west_test(y, forecast = 0.4 * x, reference = rep(0, 60))
#' }
clark_west_test <- function(actual, forecast, reference, h = 1) {
  data_name <- paste(deparse1(substitute(forecast)), "vs", deparse1(substitute(reference)))
  actual <- check_errors(actual, "actual")
  forecast <- check_errors(forecast, "forecast")
  reference <- check_errors(reference, "reference")
  if (length(forecast) != length(actual) || length(reference) != length(actual)) {
    stop("`actual`, `forecast` and `reference` must have the same length, not ", length(actual),
         ", ", length(forecast), " and ", length(reference), ".", call. = FALSE)
  }
  h <- check_count(h, "h")
  np_array <- function(x) reticulate::np_array(x, dtype = "float64")
  res <- with_py_errors(python_module("evaluation.nested")$clark_west(
    np_array(actual), np_array(forecast), np_array(reference), horizon = h
  ))
  statistic <- reticulate::py_to_r(res$statistic)
  if (is.nan(statistic)) {
    stop("The Clark-West test cannot be computed: ", reticulate::py_to_r(res$note), ".", call. = FALSE)
  }
  structure(list(
    statistic = c(CW = statistic), parameter = c(`Forecast horizon` = h), alternative = "greater",
    p.value = reticulate::py_to_r(res$p_value), method = "Clark-West test for nested models",
    data.name = data_name
  ), class = "htest")
}

#' Interval levels as the Python core takes them: NULL (the default levels), numeric(0) (none)
#' or distinct numbers in (0, 1).
#' @noRd
check_levels_arg <- function(levels) {
  if (is.null(levels)) {
    return(NULL)
  }
  shown <- if (is.numeric(levels)) paste(format(levels), collapse = ", ") else describe(levels)
  if (!is.numeric(levels) || anyNA(levels) || any(!is.finite(levels)) || any(levels <= 0) ||
      any(levels >= 1)) {
    stop("`levels` must be numbers in (0, 1), e.g. c(0.8, 0.95) for 80 % and 95 %, not ", shown, ".",
         call. = FALSE)
  }
  if (anyDuplicated(levels)) {
    stop("`levels` must not repeat a level, not ", shown, ".", call. = FALSE)
  }
  sort(as.numeric(levels))
}

#' `nested` as a named list of model names: list(arima = "naive").
#' @noRd
check_nested_arg <- function(nested) {
  if (is.null(nested)) {
    return(NULL)
  }
  if (is.list(nested)) nested[] <- lapply(nested, function(v) if (is.factor(v)) as.character(v) else v)
  if (!is.list(nested) || is.null(names(nested)) || any(!nzchar(names(nested))) ||
      !all(vapply(nested, function(v) is.null(v) || is.character(v) && !anyNA(v), logical(1)))) {
    stop("`nested` must be a named list of model names, e.g. list(arima = \"naive\"), not ",
         describe(nested), ".", call. = FALSE)
  }
  nested
}

#' Python's levels/nested settings
#' @noRd
py_levels <- function(levels) if (is.null(levels)) NULL else reticulate::tuple(as.list(levels))
py_nested <- function(nested) {
  if (is.null(nested)) {
    return(NULL)
  }
  out <- reticulate::dict()
  for (name in names(nested)) out[[name]] <- as.list(as.character(nested[[name]]))
  out
}

#' The interval forecasts of a Python Comparison: list(part = list(model = data.frame(time, mean,
#' lower_80, upper_80, ...))).
#' @noRd
intervals_to_r <- function(comparison, time_class) {
  builtins <- reticulate::import_builtins(convert = FALSE)
  parts <- reticulate::py_to_r(builtins$list(comparison$intervals$keys()))
  stats::setNames(lapply(parts, function(part) {
    by_model <- comparison$intervals[[part]]
    models <- reticulate::py_to_r(builtins$list(by_model$keys()))
    stats::setNames(lapply(models, function(m) pandas_to_r_frame(by_model[[m]], time_class = time_class)),
                    models)
  }), parts)
}

#' The frame a fan chart draws: time, actual, mean, lower_*/upper_* of one model.
#' @noRd
fan_frame <- function(x, part, model) {
  check_choice(part, "part", names(x$forecasts))
  available <- names(x$intervals[[part]])
  if (!length(available)) {
    stop("`x` has no interval forecasts on the ", part, " part (levels = numeric(0), or the ",
         "validation part was too short to calibrate them).", call. = FALSE)
  }
  if (!is.character(model) || length(model) != 1 || !model %in% available) {
    stop("`fan` must name a model with intervals on the ", part, " part (",
         paste0('"', available, '"', collapse = ", "), "), not ", describe(model), ".", call. = FALSE)
  }
  fc <- x$intervals[[part]][[model]]
  fc$actual <- x$forecasts[[part]]$actual
  fc
}

fan_levels <- function(fc) {
  labels <- sub("^lower_", "", grep("^lower_", names(fc), value = TRUE))
  labels[order(-as.numeric(labels))] # widest first
}

plot_fan <- function(x, part, model, main, xlab, ylab, ...) {
  fc <- fan_frame(x, part, model)
  time <- fc[[1]]
  labels <- fan_levels(fc)
  ylim <- range(unlist(fc[setdiff(names(fc), names(fc)[[1]])]), na.rm = TRUE)
  if (is.null(main)) {
    main <- sprintf("%s: %s, %d-step-ahead forecasts and %s %% intervals, %s part", x$target, model,
                    x$horizon, paste(rev(labels), collapse = "/"), part)
  }
  graphics::plot(time, fc$mean, type = "n", ylim = ylim, main = main, xlab = if (is.null(xlab)) "" else xlab,
                 ylab = ylab, ...)
  shades <- grDevices::hcl.colors(length(labels) + 2, "Blues 3")[seq_along(labels) + 1]
  shades <- rev(shades) # widest interval lightest
  for (i in seq_along(labels)) {
    lo <- fc[[paste0("lower_", labels[[i]])]]
    hi <- fc[[paste0("upper_", labels[[i]])]]
    graphics::polygon(c(time, rev(time)), c(lo, rev(hi)), col = shades[[i]], border = NA)
  }
  graphics::lines(time, fc$mean, col = "#08306B", lwd = 1.6)
  graphics::lines(time, fc$actual, col = "black", lwd = 1)
  graphics::points(time, fc$actual, pch = 20, cex = 0.5)
  graphics::legend("topleft", c(paste0(labels, " % interval"), paste(model, "forecast"), "actual"),
                   fill = c(shades, NA, NA), border = NA, col = c(rep(NA, length(labels)), "#08306B", "black"),
                   lty = c(rep(NA, length(labels)), 1, 1), bty = "n", cex = 0.8)
  invisible(x)
}

autoplot_fan <- function(object, part, model) {
  fc <- fan_frame(object, part, model)
  labels <- fan_levels(fc)
  bands <- do.call(rbind, lapply(labels, function(l) {
    data.frame(time = fc[[1]], lower = fc[[paste0("lower_", l)]], upper = fc[[paste0("upper_", l)]],
               level = paste0(l, " %"))
  }))
  bands$level <- factor(bands$level, levels = paste0(labels, " %"))
  line <- data.frame(time = fc[[1]], mean = fc$mean, actual = fc$actual)
  ggplot2::ggplot() +
    ggplot2::geom_ribbon(data = bands, ggplot2::aes(x = time, ymin = lower, ymax = upper, fill = level)) +
    ggplot2::scale_fill_brewer(palette = "Blues", direction = 1) +
    ggplot2::geom_line(data = line, ggplot2::aes(x = time, y = mean), colour = "#08306B") +
    ggplot2::geom_line(data = line, ggplot2::aes(x = time, y = actual), colour = "black") +
    ggplot2::geom_point(data = line, ggplot2::aes(x = time, y = actual), size = 0.6) +
    ggplot2::labs(x = NULL, y = object$target, fill = "interval",
                  title = sprintf("%s: %s, %d-step-ahead forecasts with intervals, %s part", object$target,
                                  model, object$horizon, part))
}

utils::globalVariables(c("lower", "upper", "level", "actual"))
