python_table <- function(models, params, lookback = 8L, split = list(0.6, 0.2, 0.2)) {
  windows <- py_module("pybbdl.windows")$prepare_windows(
    py_module("pybbdl.data")$macro_data(), target = "infl", lookback = lookback, horizon = 1L,
    split = reticulate::tuple(split)
  )
  result <- py_module("pybbdl.evaluation")$compare(windows, models, params = params,
                                                   progress = FALSE)
  table <- reticulate::py_to_r(result$table)
  attr(table, "pandas.index") <- NULL
  table[] <- lapply(table, function(col) {
    if (is.double(col)) col[is.nan(col)] <- NA_real_
    col
  })
  table
}

test_that("forecast_compare(macro_data(), c('naive', 'gru')) equals the Python call with the same seed", {
  skip_if_no_pybbdl()
  skip_if_quick_check()
  run <- forecast_compare(macro_data(), models = c("naive", "gru"), epochs = 2, batch_size = 16,
                          patience = NULL, seed = 42)
  python <- python_table(list("naive", "gru"),
                         reticulate::dict(epochs = 2L, batch_size = 16L, patience = NULL,
                                          random_state = 42L, verbose = 0L))
  expect_s3_class(run, "pybbdl_comparison")
  ours <- run$wide
  expect_identical(names(ours), names(python))
  expect_identical(ours$model, c("naive", "gru"))
  same <- setdiff(names(ours), "fit_seconds") # wall-clock time is the one number that differs
  expect_equal(ours[same], python[same], ignore_attr = TRUE, tolerance = 0)
  expect_gt(ours$n_params[[2]], 0)
  expect_identical(run$target, "infl")

  fc <- run$forecasts$test
  expect_s3_class(fc$date, "Date")
  expect_identical(names(fc), c("date", "actual", "naive", "gru"))
  expect_identical(nrow(fc), 41L)
  expect_equal(mean(abs(fc$actual - fc$gru)), ours$test_mae[[2]], tolerance = 1e-12)
  # naive = the previous quarter's inflation
  macro <- macro_data()
  expect_equal(fc$naive, macro$infl[match(fc$date, macro$date) - 1])

  # the long table holds the same numbers
  long <- as.data.frame(run)
  expect_identical(names(long)[1:8], c("model", "part", "horizon", "metric", "value", "sd", "n", "seeds"))
  expect_identical(unique(long$horizon), 1L) # one horizon: every row says which
  pick <- function(model, part, metric) long$value[long$model == model & long$part == part & long$metric == metric]
  expect_identical(pick("gru", "test", "mae"), ours$test_mae[[2]])
  expect_identical(pick("gru", "val", "p_vs_naive"), ours$val_p_vs_naive[[2]])
  expect_identical(pick("gru", "test", "dm_stat_vs_naive"), ours$test_dm_vs_naive[[2]])
  expect_identical(unique(long$n[long$part == "test"]), 41L)

  # the DM columns are dm_test() with absolute errors and the Bartlett variance
  dm <- dm_test(fc$actual - fc$gru, fc$actual - fc$naive, h = 1, power = 1, varestimator = "bartlett")
  expect_equal(ours$test_p_vs_naive[[2]], unname(dm$p.value), tolerance = 1e-10)
  expect_equal(ours$test_dm_vs_naive[[2]], unname(dm$statistic), tolerance = 1e-10)
  skip_if_not_installed("forecast")
  dm <- forecast::dm.test(fc$actual - fc$gru, fc$actual - fc$naive, h = 1, power = 1,
                          varestimator = "bartlett")
  expect_equal(ours$test_p_vs_naive[[2]], unname(dm$p.value), tolerance = 1e-8)
})

test_that("a comparison prints a readable table with the DM p-values and the spec, and plots", {
  skip_if_no_pybbdl()
  run <- forecast_compare(macro_data(), models = c("naive", "arima"), seed = 1, quick = TRUE)
  text <- format(run)
  expect_match(text[[1]], "<pybbdl forecast comparison> infl")
  expect_true(any(grepl("lookback 8, horizon 1, step 1; split 0.6/0.2/0.2", text, fixed = TRUE)))
  expect_true(any(grepl("test part: 41 targets", text, fixed = TRUE)))
  header <- grep("p vs naive", text, value = TRUE)
  expect_length(header, 2) # val and test
  expect_match(header[[1]], "model +mae +rmse +skill % +p vs naive +p vs arima")
  arima_row <- grep("^ +arima ", text, value = TRUE)[[2]]
  p_value <- formatC(run$wide$test_p_vs_naive[run$wide$model == "arima"], digits = 3, format = "g", flag = "#")
  expect_match(arima_row, sub("\\.$", "", p_value), fixed = TRUE)
  spec_line <- grep("^  arima ", text, value = TRUE)
  expect_length(spec_line, 1)
  expect_true(grepl(run$wide$spec[[2]], spec_line, fixed = TRUE))
  expect_output(print(run), "Models:")
  expect_output(print(summary(run)), "pybbdl comparison of 2 models on infl")
  expect_identical(as.data.frame(run, layout = "wide"), run$wide)
  fc_long <- as.data.frame(run, layout = "forecasts")
  expect_identical(names(fc_long), c("date", "part", "model", "forecast", "actual"))
  expect_identical(nrow(fc_long), 2L * (nrow(run$forecasts$val) + nrow(run$forecasts$test)))
  # plot(): forecasts vs actual with base graphics, into a file
  png_file <- withr::local_tempfile(fileext = ".png")
  grDevices::png(png_file)
  expect_identical(plot(run), run)
  expect_error(plot(run, part = "train"), "`part` must be one of \"val\", \"test\"")
  expect_error(plot(run, models = "gru"), "\"gru\" is not one. Models: \"naive\", \"arima\"")
  grDevices::dev.off()
  expect_gt(file.size(png_file), 1000)
  # the fitted ARIMA: statsmodels' coefficients and summary
  fit <- arima_summary(run)
  expect_s3_class(fit, "pybbdl_arima_summary")
  expect_identical(fit$spec, run$wide$spec[[2]])
  expect_length(fit$order, 3)
  expect_true(all(c("term", "estimate", "std_error", "p_value") %in% names(fit$coefficients)))
  expect_true(any(fit$coefficients$term == "sigma2"))
  expect_output(print(fit), "SARIMAX Results")
  expect_error(arima_summary(run, "naive"), "\"naive\" has no fitted ARIMA")
  expect_error(arima_summary(run, "gru"), "\"gru\" is not one")
  # autoplot() when ggplot2 is installed
  skip_if_not_installed("ggplot2")
  plot <- ggplot2::autoplot(run)
  expect_s3_class(plot, "ggplot")
  expect_identical(levels(plot$data$series), c("actual", "naive", "arima"))
})

test_that("a spec with the book's arguments trains the same network as its model name", {
  skip_if_no_pybbdl()
  skip_if_quick_check()
  by_name <- forecast_compare(macro_data(), models = "gru_dropout", epochs = 1, batch_size = 32,
                              seed = 7)
  by_spec <- forecast_compare(macro_data(), epochs = 1, batch_size = 32, seed = 7,
                              models = list(gru_dropout = gru_spec(units = 32, dropout = 0.2,
                                                                   recurrent_dropout = 0.2)))
  expect_identical(by_spec$wide$model, c("naive", "gru_dropout"))
  numbers <- c("val_mae", "test_mae", "test_rmse", "n_params")
  expect_equal(by_spec$wide[numbers], by_name$wide[numbers], tolerance = 0)
})

test_that("stacked and bidirectional specs become the book's networks", {
  skip_if_no_pybbdl()
  skip_if_quick_check()
  stacked <- gru_spec(units = 8, dropout = 0.1, recurrent_dropout = 0.5, return_sequences = TRUE) |>
    gru_spec(units = 16, dropout = 0.1, recurrent_dropout = 0.5)
  expect_identical(pybbdl:::spec_params(stacked), list(
    architecture = "gru", units = 8L, dropout = 0.1, recurrent_dropout = 0.5, layers = 2L,
    top_units = 16L, bidirectional = FALSE, residual = FALSE
  ))
  table <- forecast_compare(macro_data(), epochs = 1, batch_size = 64, seed = 1,
                            models = list(stacked = stacked,
                                          bi = lstm_spec(units = 4, bidirectional = TRUE),
                                          dense = dense_spec(units = 8)))
  # parameter counts as the Python builders give them for windows of 8 quarters x 5 series
  rnn <- py_module("pybbdl.models.rnn")
  want <- reticulate::py_to_r(rnn$build_rnn(reticulate::tuple(8L, 5L), cell = "gru", units = 8L,
                                            layers = 2L, top_units = 16L, dropout = 0.1,
                                            recurrent_dropout = 0.5)$count_params())
  expect_equal(table$wide$n_params[table$wide$model == "stacked"], as.integer(want))
  bi <- reticulate::py_to_r(rnn$build_rnn(reticulate::tuple(8L, 5L), cell = "lstm", units = 4L,
                                          bidirectional = TRUE)$count_params())
  expect_equal(table$wide$n_params[table$wide$model == "bi"], as.integer(bi))
  expect_equal(table$wide$n_params[table$wide$model == "dense"], 8 * 5 * 8 + 8 + 8 + 1)
})

test_that("forecast_compare() takes ts objects and matrices", {
  skip_if_no_pybbdl()
  macro <- macro_data()
  want <- forecast_compare(macro[c("date", "infl")], models = "naive")
  series <- ts(macro$infl, start = c(1959, 2), frequency = 4)
  from_ts <- forecast_compare(series, models = "naive")
  expect_equal(from_ts$wide$test_mae, want$wide$test_mae)
  expect_identical(from_ts$forecasts$test$date, want$forecasts$test$date)
  from_matrix <- forecast_compare(cbind(infl = macro$infl), models = "naive")
  expect_equal(from_matrix$wide$test_mae, want$wide$test_mae)
  # data without time stamps: forecasts carry 1-based row numbers
  expect_identical(from_matrix$forecasts$test$row, match(want$forecasts$test$date, macro$date))
})

test_that("forecast_compare() stops on common mistakes with a clear message", {
  macro <- data.frame(date = as.Date("2000-01-01") + 0:39, infl = sin(1:40), label = "x")
  expect_error(forecast_compare(macro, target = "inflation"),
               "\"inflation\" is not a column of `data`. Numeric columns: \"infl\"")
  expect_error(forecast_compare(macro, target = "label"), "\"label\" is a (character|factor) column, not numeric")
  expect_error(forecast_compare(macro, lookback = -1),
               "`lookback` must be a whole number between 1 and 2147483647, not -1")
  # issue 11 case 7: whole numbers above 2^31 are refused in R, not overflowed in Python
  expect_error(forecast_compare(macro, lookback = 3e9),
               "`lookback` must be a whole number between 1 and 2147483647, not 3e\\+09")
  expect_error(forecast_backtest(macro, folds = 2^31), "`folds` must be a whole number between 1 and 2147483647")
  expect_error(forecast_compare(macro, epochs = Inf), "`epochs` must be a whole number between 1 and 2147483647, not Inf")
  # NaN/NA/Inf in a used column: the count, the first timestamps, how to fill
  gappy <- macro
  gappy$infl[c(5, 9)] <- c(NA, Inf)
  expect_error(forecast_compare(gappy), paste0("column \"infl\" must hold finite numbers, but 2 value\\(s\\) ",
                                               "are NA, NaN or infinite, the first at 2000-01-05, 2000-01-09. Fill them"))
  expect_error(forecast_backtest(as.matrix(gappy[c("infl")])), "the first at rows 5, 9")
  expect_error(forecast_compare(ts(gappy$infl, frequency = 4, start = c(2000, 1))),
               "the first at 2001-01-01, 2002-01-01")
  expect_error(forecast_backtest(macro, start = 0), "`start` must be a whole number between 1 and")
  expect_error(forecast_compare(macro, split = c(0.8, 0.3)), "`split` must sum to 1, .* not 0.8, 0.3 \\(sum 1.1\\)")
  expect_error(forecast_compare(macro, lookback = 40), "at least lookback \\+ horizon = 41 rows, not 40")
  expect_error(forecast_compare("infl"), "`data` must be a data frame, a `ts` or zoo object or a numeric matrix")
  expect_error(forecast_compare(macro, seed = 1.5), "`seed` must be a whole number between 0 and 2147483647, not 1.5")
  # a given value is used or refused, never replaced (issue 11 case 4)
  expect_error(forecast_compare(macro, seed = NULL), "`seed` must be a whole number between 0 and 2147483647, not NULL")
  expect_error(forecast_compare(macro, units = 0), "`units` must be a whole number between 1 and")
  expect_error(forecast_compare(macro, learning_rate = -1), "`learning_rate` must be a finite number > 0, not -1")
  expect_error(forecast_compare(macro, baselines = 1), "`baselines` must be a character vector of model names, not 1")
  skip_if_no_pybbdl()
  expect_error(forecast_compare(macro, models = c("naive", "transformer")),
               "\"transformer\" is unknown. Known: \"naive\"")
  expect_error(forecast_compare(macro, models = list(g = gru_spec(return_sequences = TRUE))),
               "The top layer of models\\$g must have `return_sequences = FALSE`")
})

test_that("specs refuse stacks the Python core cannot build", {
  expect_error(gru_spec(32), "name the argument: units = 32")
  expect_error(gru_spec(units = 8) |> gru_spec(units = 8), "must have `return_sequences = TRUE`")
  expect_error(gru_spec(units = 8, return_sequences = TRUE) |> lstm_spec(units = 8),
               "must share `kind`")
  expect_error(gru_spec(units = 8, dropout = 0.1, return_sequences = TRUE) |> gru_spec(units = 8),
               "must share `dropout`")
  expect_error(gru_spec(dropout = 1), "`dropout` must be a rate in \\[0, 1\\), not 1")
  expect_error(gru_spec(residual = "yes"), "residual")
  expect_error(gru_spec(units = 8, return_sequences = TRUE, residual = TRUE) |> gru_spec(units = 8),
               "belongs to the top layer")
  expect_true(pybbdl:::spec_params(dense_spec(units = 4, residual = TRUE))$residual)
  expect_output(print(lstm_spec(units = 4, residual = TRUE)), "residual: forecasts the change")
  three <- gru_spec(units = 8, return_sequences = TRUE) |>
    gru_spec(units = 16, return_sequences = TRUE) |> gru_spec(units = 4)
  expect_error(pybbdl:::spec_params(three, "x"), "but the top one must have the same `units`")
  expect_output(print(gru_spec(units = 32, bidirectional = TRUE)),
                "bidirectional\\(layer_gru\\(units = 32, dropout = 0, recurrent_dropout = 0\\)\\)")
})

test_that("a residual spec trains a network that forecasts the change from the last value", {
  skip_if_no_pybbdl()
  skip_if_quick_check()
  run <- forecast_compare(macro_data(), epochs = 1, batch_size = 64, seed = 1,
                          models = list(res = gru_spec(units = 4, residual = TRUE),
                                        plain = gru_spec(units = 4)))
  spec <- setNames(run$wide$spec, run$wide$model)
  expect_match(spec[["res"]], "residual")
  expect_false(grepl("residual", spec[["plain"]]))
  # the skip adds no weights: the same parameter count as the plain GRU
  n <- setNames(run$wide$n_params, run$wide$model)
  expect_identical(n[["res"]], n[["plain"]])
})

test_that("quantiles are checked in R and reach Python as a list of levels", {
  expect_error(gru_spec(quantiles = 1.2), "`quantiles` must be NULL or distinct interval levels in \\(0, 1\\)")
  expect_error(dense_spec(quantiles = "0.8"), "`quantiles` must be NULL or distinct")
  expect_error(lstm_spec(quantiles = c(0.8, 0.8)), "`quantiles` must be NULL or distinct")
  expect_error(simple_rnn_spec(quantiles = c(0.8, NA)), "`quantiles` must be NULL or distinct")
  expect_error(gru_spec(quantiles = numeric(0)), "`quantiles` must be NULL or distinct")
  expect_error(gru_spec(units = 8, return_sequences = TRUE, quantiles = 0.8) |> gru_spec(units = 8),
               "`quantiles` belongs to the top layer")
  expect_identical(pybbdl:::spec_params(dense_spec(units = 4, quantiles = 0.9))$quantiles, list(0.9))
  expect_identical(pybbdl:::spec_params(gru_spec(units = 4, quantiles = c(0.95, 0.8)))$quantiles,
                   list(0.8, 0.95))
  expect_false("quantiles" %in% names(pybbdl:::spec_params(gru_spec(units = 4))))
  expect_output(print(gru_spec(units = 4, quantiles = c(0.8, 0.95))),
                "layer_dense\\(units = 5\\)  # quantiles 0.025, 0.1, 0.5, 0.9, 0.975 of the 80/95 % intervals")
})

test_that("a quantile spec gives the network's own intervals (method \"model\")", {
  skip_if_no_pybbdl()
  skip_if_quick_check()
  run <- forecast_compare(macro_data(), epochs = 1, batch_size = 64, seed = 1, levels = c(0.8, 0.95),
                          models = list(q = gru_spec(units = 4, quantiles = c(0.8, 0.95))))
  method <- setNames(run$wide$interval, run$wide$model)
  expect_identical(method[["q"]], "model")
  expect_identical(method[["naive"]], "conformal")
  expect_match(run$wide$spec[run$wide$model == "q"], "quantiles 80/95 %")
  q <- run$intervals$test$q
  expect_true(all(q$lower_80 <= q$mean & q$mean <= q$upper_80))
  expect_true(all(q$lower_95 <= q$lower_80 & q$upper_80 <= q$upper_95))
  # one level (a length-1 vector) crosses as a sequence too; a level it was not trained for is refused
  expect_error(forecast_compare(macro_data(), epochs = 1, levels = 0.8,
                                models = list(q = dense_spec(units = 4, quantiles = 0.9))),
               "gives its own intervals at the levels \\[0.9\\] only")
})
