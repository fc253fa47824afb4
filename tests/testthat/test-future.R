# Forecasts from today: forecast_future() and forecast::forecast() on a forecasting result.

local_run <- function(env = parent.frame()) {
  forecast_compare(macro_data(), models = c("naive", "arima"), target = "infl", features = "infl",
                   levels = c(0.8, 0.95))
}

test_that("forecast() of a comparison forecasts the next quarters with intervals", {
  skip_if_no_pybbdl()
  skip_if_not_installed("forecast")
  run <- local_run()
  fc <- forecast::forecast(run, h = 4)
  expect_s3_class(fc, "pybbdl_future")
  df <- as.data.frame(fc)
  expect_identical(names(df), c("model", "step", "time", "mean", "sd", "lower_80", "upper_80", "lower_95",
                                "upper_95", "interval"))
  expect_identical(unique(df$model), c("naive", "arima"))
  expect_identical(df$step, rep(1:4, 2))
  last <- max(run$forecasts$test[[1]])
  expect_s3_class(df$time, "Date")
  expect_equal(df$time[1:4], seq(last, by = "quarter", length.out = 5)[-1])
  naive <- df[df$model == "naive", ]
  expect_equal(naive$mean, rep(tail(macro_data()$infl, 1), 4))
  arima <- df[df$model == "arima", ]
  expect_true(all(arima$lower_95 < arima$lower_80 & arima$lower_80 < arima$mean &
                    arima$mean < arima$upper_80 & arima$upper_80 < arima$upper_95))
  expect_true(all(diff(arima$upper_95 - arima$lower_95) > 0))
  expect_identical(unique(arima$interval), "model")
  expect_identical(unique(naive$interval), "conformal")
  # the same numbers as the Python function
  py <- py_module("pybbdl.workflows.future")$forecast_future(run$python, 4L, progress = FALSE)
  expect_equal(arima$upper_95, as.numeric(reticulate::py_to_r(py$table$upper_95$to_numpy()))[5:8], tolerance = 1e-12)
  # levels as fractions are the same levels
  expect_equal(as.data.frame(forecast_future(run, h = 4, level = c(0.8, 0.95)))$upper_80, df$upper_80)
})

test_that("a pybbdl_future prints, plots and autoplots", {
  skip_if_no_pybbdl()
  run <- local_run()
  fc <- forecast_future(run, h = 3, models = "arima")
  expect_output(print(fc), "Forecasts of infl for the next 3 period")
  expect_output(print(fc), "arima")
  path <- tempfile(fileext = ".png")
  grDevices::png(path)
  expect_invisible(plot(fc))
  expect_invisible(plot(fc, model = "arima", last = 10))
  grDevices::dev.off()
  expect_true(file.exists(path))
  expect_error(plot(fc, model = "gru"), "`model` must name one model")
  skip_if_not_installed("ggplot2")
  expect_s3_class(ggplot2::autoplot(fc), "ggplot")
})

test_that("forecast_future() refuses bad h, level and models in R", {
  skip_if_no_pybbdl()
  run <- local_run()
  for (h in list(0, -1, 2.5, "8", TRUE, NA, c(2, 3))) {
    expect_error(forecast_future(run, h = h), "`h` must be a whole number")
  }
  expect_error(forecast_future(run, h = 1000), "`h` must be at most the number of rows")
  for (level in list(0, 100, 150, c(0.8, 95), "80", NA, numeric(0), c(80, 80))) {
    expect_error(forecast_future(run, h = 2, level = level), "`level` must")
  }
  expect_error(forecast_future(run, h = 2, models = "gru"), "`models` must name fitted models")
  expect_error(forecast_future(list(), h = 2), "`object` must be a result of forecast_compare")
})

test_that("forecast_compare(future = ) adds the forecasts from today to the result and the folder", {
  skip_if_no_pybbdl()
  out <- withr::local_tempdir()
  run <- forecast_compare(macro_data(), models = "naive", target = "infl", features = "infl",
                          levels = 0.8, future = 2, out_dir = out)
  expect_s3_class(run$future, "pybbdl_future")
  expect_identical(nrow(as.data.frame(run$future)), 2L)
  expect_identical(run$settings$future, 2L)
  expect_true(all(file.exists(file.path(out, c("forecast_future.csv", "fan_future_naive.png")))))
  expect_error(forecast_compare(macro_data(), models = "naive", future = 0), "`future` must be a whole number")
})
