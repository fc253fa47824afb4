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
  ours <- forecast_compare(macro_data(), models = c("naive", "gru"), epochs = 2, batch_size = 16,
                           seed = 42)
  python <- python_table(list("naive", "gru"),
                         reticulate::dict(epochs = 2L, batch_size = 16L, random_state = 42L,
                                           verbose = 0L))
  expect_s3_class(ours, "data.frame")
  expect_identical(names(ours), names(python))
  expect_identical(ours$model, c("naive", "gru"))
  same <- setdiff(names(ours), "fit_seconds") # wall-clock time is the one number that differs
  expect_equal(ours[same], python[same], ignore_attr = TRUE, tolerance = 0)
  expect_gt(ours$n_params[[2]], 0)
  expect_identical(attr(ours, "target"), "infl")

  fc <- attr(ours, "forecasts")$test
  expect_s3_class(fc$date, "Date")
  expect_identical(names(fc), c("date", "actual", "naive", "gru"))
  expect_identical(nrow(fc), 41L)
  expect_equal(mean(abs(fc$actual - fc$gru)), ours$test_mae[[2]], tolerance = 1e-12)
  # naive = the previous quarter's inflation
  macro <- macro_data()
  expect_equal(fc$naive, macro$infl[match(fc$date, macro$date) - 1])

  skip_if_not_installed("forecast")
  dm <- forecast::dm.test(fc$actual - fc$gru, fc$actual - fc$naive, h = 1, power = 1,
                          varestimator = "bartlett")
  expect_equal(ours$test_p_vs_naive[[2]], unname(dm$p.value), tolerance = 1e-8)
  expect_equal(ours$test_dm_vs_naive[[2]], unname(dm$statistic), tolerance = 1e-8)
})

test_that("a spec with the book's arguments trains the same network as its model name", {
  skip_if_no_pybbdl()
  skip_if_quick_check()
  by_name <- forecast_compare(macro_data(), models = "gru_dropout", epochs = 1, batch_size = 32,
                              seed = 7)
  by_spec <- forecast_compare(macro_data(), epochs = 1, batch_size = 32, seed = 7,
                              models = list(gru_dropout = gru_spec(units = 32, dropout = 0.2,
                                                                   recurrent_dropout = 0.2)))
  expect_identical(by_spec$model, c("naive", "gru_dropout"))
  numbers <- c("val_mae", "test_mae", "test_rmse", "n_params")
  expect_equal(by_spec[numbers], by_name[numbers], tolerance = 0)
})

test_that("stacked and bidirectional specs become the book's networks", {
  skip_if_no_pybbdl()
  skip_if_quick_check()
  stacked <- gru_spec(units = 8, dropout = 0.1, recurrent_dropout = 0.5, return_sequences = TRUE) |>
    gru_spec(units = 16, dropout = 0.1, recurrent_dropout = 0.5)
  expect_identical(pybbdl:::spec_params(stacked), list(
    architecture = "gru", units = 8L, dropout = 0.1, recurrent_dropout = 0.5, layers = 2L,
    top_units = 16L, bidirectional = FALSE
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
  expect_identical(table$n_params[table$model == "stacked"], as.integer(want))
  bi <- reticulate::py_to_r(rnn$build_rnn(reticulate::tuple(8L, 5L), cell = "lstm", units = 4L,
                                          bidirectional = TRUE)$count_params())
  expect_identical(table$n_params[table$model == "bi"], as.integer(bi))
  expect_identical(table$n_params[table$model == "dense"], as.integer(8 * 5 * 8 + 8 + 8 + 1))
})

test_that("forecast_compare() takes ts objects and matrices", {
  skip_if_no_pybbdl()
  macro <- macro_data()
  want <- forecast_compare(macro[c("date", "infl")], models = "naive")
  series <- ts(macro$infl, start = c(1959, 2), frequency = 4)
  from_ts <- forecast_compare(series, models = "naive")
  expect_equal(from_ts$test_mae, want$test_mae)
  expect_identical(attr(from_ts, "forecasts")$test$date, attr(want, "forecasts")$test$date)
  from_matrix <- forecast_compare(cbind(infl = macro$infl), models = "naive")
  expect_equal(from_matrix$test_mae, want$test_mae)
  expect_identical(attr(from_matrix, "forecasts")$test$row, match(attr(want, "forecasts")$test$date, macro$date))
})

test_that("forecast_compare() stops on common mistakes with a clear message", {
  macro <- data.frame(date = as.Date("2000-01-01") + 0:39, infl = sin(1:40), label = "x")
  expect_error(forecast_compare(macro, target = "inflation"),
               "\"inflation\" is not a column of `data`. Numeric columns: \"infl\"")
  expect_error(forecast_compare(macro, target = "label"), "\"label\" is not numeric")
  expect_error(forecast_compare(macro, lookback = -1), "`lookback` must be a whole number >= 1, not -1")
  expect_error(forecast_compare(macro, split = c(0.8, 0.3)), "`split` must be 2 or 3 fractions")
  expect_error(forecast_compare(macro, lookback = 40), "at least lookback \\+ horizon = 41 rows, not 40")
  expect_error(forecast_compare("infl"), "`data` must be a data frame, a `ts` object or a numeric matrix")
  expect_error(forecast_compare(macro, seed = 1.5), "`seed` must be a whole number >= 0, not 1.5")
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
  three <- gru_spec(units = 8, return_sequences = TRUE) |>
    gru_spec(units = 16, return_sequences = TRUE) |> gru_spec(units = 4)
  expect_error(pybbdl:::spec_params(three, "x"), "but the top one must have the same `units`")
  expect_output(print(gru_spec(units = 32, bidirectional = TRUE)),
                "bidirectional\\(layer_gru\\(units = 32, dropout = 0, recurrent_dropout = 0\\)\\)")
})
