test_that("auto_arima chooses R's auto.arima model on WWWusage, both searches", {
  skip_if_no_pybbdl()
  fit <- auto_arima(WWWusage, h = 5, search = "exhaustive")
  expect_s3_class(fit, "pybbdl_auto_arima")
  expect_identical(fit$order, c(3L, 1L, 0L))
  expect_equal(fit$trend, "n")
  # forecast::forecast(auto.arima(WWWusage, stepwise = FALSE, approximation = FALSE), h = 5)$mean
  expect_equal(fit$forecast$mean, c(219.6608, 219.2299, 218.2766, 217.3484, 216.7633), tolerance = 1e-5)
  expect_named(fit$forecast, c("step", "mean", "lower_80", "upper_80", "lower_95", "upper_95"))
  expect_true(all(fit$forecast$lower_95 < fit$forecast$lower_80))
  step <- auto_arima(WWWusage, h = 2, search = "stepwise", levels = NULL)
  expect_identical(step$order, c(1L, 1L, 1L)) # auto.arima(WWWusage)
  expect_named(step$forecast, c("step", "mean"))
  if (requireNamespace("forecast", quietly = TRUE)) {
    r <- forecast::auto.arima(WWWusage, approximation = FALSE)
    expect_identical(step$order, as.integer(r$arma[c(1, 6, 2)]))
  }
})

test_that("auto_arima refuses bad input with clear messages", {
  skip_if_no_pybbdl()
  expect_error(auto_arima(c(1, 2, 3)), "at least 4 values")
  expect_error(auto_arima(c(1, NA, 3, 4, 5)), "must not contain NA")
  expect_error(auto_arima(WWWusage, search = "greedy"), "should be one of")
  expect_error(auto_arima(WWWusage, levels = 95), "`levels` must be numbers in \\(0, 1\\), e.g. c\\(0.8, 0.95\\) for 80 % and 95 %, not 95")
  expect_error(auto_arima(WWWusage, h = 0), "`h` must be a whole number")
  expect_error(auto_arima("a"), "`y` must be a numeric vector")
})

test_that("auto_arima's candidate table has numeric AICc and text orders", {
  skip_if_no_pybbdl()
  fit <- auto_arima(WWWusage, h = 1, levels = NULL)
  expect_true(is.numeric(fit$search$aicc))
  expect_true("(1, 1, 1)" %in% fit$search$order)
  expect_equal(min(fit$search$aicc, na.rm = TRUE), 514.5521, tolerance = 1e-5)
})
