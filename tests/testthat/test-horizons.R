# horizons = and known =: several horizons at once, forecasts conditional on a future path.

follows_x <- function(n = 160, seed = 1) {
  set.seed(seed)
  x <- as.numeric(stats::arima.sim(list(ar = 0.8), n))
  e <- as.numeric(stats::arima.sim(list(ar = 0.5), n, sd = 0.3))
  data.frame(date = seq(as.Date("2000-01-01"), by = "month", length.out = n), y = 1 + 2 * x + e, x = x)
}

test_that("horizons = gives one block of rows per horizon, as the Python workflow", {
  skip_if_no_pybbdl()
  d <- follows_x()
  run <- forecast_compare(d, models = c("naive", "arima"), target = "y", features = "x", lookback = 4,
                          horizons = "1-3", quick = TRUE)
  expect_true("horizon" %in% names(run$table))
  test_mae <- run$table[run$table$part == "test" & run$table$metric == "mae", ]
  expect_setequal(unique(test_mae$horizon), 1:3)
  expect_identical(run$settings$horizons, 1:3)
  expect_identical(run$settings$horizon, 3L)
  forecasting <- reticulate::import("pybbdl.workflows.forecasting", convert = FALSE)
  python <- forecasting$forecast_compare(pybbdl:::as_pandas_frame(d), target = "y", features = list("x"),
                                         models = list("naive", "arima"), lookback = 4L, horizons = "1-3",
                                         quick = TRUE, progress = FALSE)
  py_table <- pybbdl:::pandas_table_to_r(python$table)
  keep <- py_table$metric != "fit_seconds"
  expect_equal(run$table$value[keep], py_table$value[keep], tolerance = 0)
  expect_identical(run$table$horizon, as.integer(py_table$horizon))
  png_file <- withr::local_tempfile(fileext = ".png")
  grDevices::png(png_file)
  expect_invisible(plot_horizons(run))
  grDevices::dev.off()
  expect_gt(file.size(png_file), 1000)
  expect_error(plot_horizons(run, metric = "nope"), "must be a scored part and a metric")
  expect_error(forecast_compare(d, target = "y", horizons = c(1, 1)), "must not repeat")
  expect_error(forecast_compare(d, target = "y", horizons = 0), "whole numbers >= 1")
})

test_that("forecast_conditional() follows the path and refuses bad paths, naming the column", {
  skip_if_no_pybbdl()
  d <- follows_x()
  run <- forecast_backtest(d, models = c("naive", "arima"), target = "y", known = "x", lookback = 4,
                           horizons = 2, folds = 2, fold_size = 20, quick = TRUE)
  base <- forecast_conditional(run, data.frame(x = c(0, 0)))
  up <- forecast_conditional(run, data.frame(x = c(1, 1)))
  expect_named(base, c("date", "step", "arima"))
  expect_identical(base$step, 1:2)
  expect_equal(up$arima - base$arima, c(2, 2), tolerance = 0.1)
  expect_true(all(base$date > max(d$date)))
  expect_error(forecast_conditional(run, data.frame(x = c(0, 0)), models = "naive"),
               "cannot use future-known columns")
  expect_error(forecast_conditional(run, data.frame(x = c(0, 0, 0))), "must have 2 rows")
  expect_error(forecast_conditional(run, data.frame(x = c(0, NA))), "column .x. must hold finite values")
  expect_error(forecast_conditional(run, data.frame(z = c(0, 0))), "missing: \"x\"")
  expect_error(forecast_conditional(run, data.frame(x = c(0, 0), z = 1)), "not future-known")
  plain <- forecast_compare(d, models = "naive", target = "y", lookback = 4, quick = TRUE)
  expect_error(forecast_conditional(plain, data.frame(x = c(0))), "made with `known` columns")
  expect_error(forecast_compare(d, target = "y", known = "nope"), "`known` must name a numeric column")
  expect_error(forecast_compare(d, target = "y", known = "y"), "must not hold the target")
})
