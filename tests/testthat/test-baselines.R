# Statistical baselines from R: series-level forecasts with intervals (forecast_series()) and the
# baselines in forecast_compare().

test_that("forecast_series() gives ETS intervals equal to forecast(ets()) for the same model", {
  skip_if_no_pybbdl()
  skip_if_not_installed("forecast")
  y <- as.numeric(datasets::WWWusage)
  fit <- forecast::ets(y, model = "AAN", damped = TRUE)
  fc <- forecast::forecast(fit, h = 6, level = c(80, 95))
  par <- as.list(fit$par)
  ours <- do.call(forecast_series, c(list(y, "ets", h = 6, levels = c(0.8, 0.95), spec = "AAN", damped = TRUE,
                                          params = reticulate::dict(par))))
  expect_identical(names(ours), c("step", "mean", "lower_80", "upper_80", "lower_95", "upper_95"))
  expect_equal(ours$step, 1:6)
  expect_equal(ours$mean, as.numeric(fc$mean), tolerance = 1e-6)
  expect_equal(ours$lower_80, as.numeric(fc$lower[, 1]), tolerance = 1e-6)
  expect_equal(ours$upper_95, as.numeric(fc$upper[, 2]), tolerance = 1e-6)
})

test_that("forecast_series('rw_mean') is the mean of the last k values; a ts gives its period", {
  skip_if_no_pybbdl()
  y <- c(1, 5, 2, 8, 3, 9, 4, 7, 6, 10, 2, 3)
  out <- forecast_series(y, "rw_mean", h = 3, k = 4)
  expect_equal(out$mean, rep(mean(tail(y, 4)), 3))
  expect_true(all(out$lower_95 < out$lower_80 & out$upper_80 < out$upper_95))
  # a quarterly ts: Theta with the ts's period deseasonalises
  q <- ts(20 + rep(c(3, -1, -4, 2), 10) + seq_len(40) * 0.1, frequency = 4)
  expect_equal(nrow(forecast_series(q, "theta", h = 4, levels = NULL)), 4L)
})

test_that("bad levels, short series and unknown models are clear errors", {
  skip_if_no_pybbdl()
  expect_error(forecast_series(1:30 + 0.5, "ar", levels = c(80, 95)), "levels")
  expect_error(forecast_series(c(1, 2, 3), "ets"), "ETS needs a series of at least 7")
  expect_error(forecast_series(c(1, NA, 3), "ets"), "NA")
  expect_error(forecast_series(1:30 + 0.5, "nope"), "Unknown model")
})

test_that("forecast_compare() runs the baselines by name, as Python's compare()", {
  skip_if_no_pybbdl()
  run <- forecast_compare(macro_data(), models = c("ar", "rw_mean", "ets", "theta"))
  windows <- py_module("pybbdl.windows")$prepare_windows(
    py_module("pybbdl.data")$macro_data(), target = "infl", lookback = 8L, horizon = 1L,
    split = reticulate::tuple(0.6, 0.2, 0.2)
  )
  python <- reticulate::py_to_r(py_module("pybbdl.evaluation")$compare(
    windows, list("ar", "rw_mean", "ets", "theta"), progress = FALSE)$table)
  expect_identical(run$wide$model, c("naive", "ar", "rw_mean", "ets", "theta"))
  expect_match(run$wide$spec[[5]], "season \\[4\\]") # quarterly: Theta deseasonalises, as from Python
  expect_equal(run$wide$test_mae, python$test_mae, tolerance = 1e-10)
  expect_equal(run$wide$spec, python$spec)
})
