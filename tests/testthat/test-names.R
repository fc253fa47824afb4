# One name for the seasonal period (issue 21): `period`, as in forecast_panel(), forecast_series(),
# Python and the CLI; the old `season` still works for one release, with a deprecation warning.

test_that("season = is the old name of period =: it warns and gives the same run", {
  skip_if_no_pybbdl()
  new <- forecast_compare(macro_data(), models = "seasonal_naive", period = 4, quick = TRUE, levels = NULL)
  expect_warning(old <- forecast_compare(macro_data(), models = "seasonal_naive", season = 4, quick = TRUE,
                                         levels = NULL),
                 "`season` is deprecated.*use `period`", class = "deprecatedWarning")
  expect_identical(old$settings$period, 4L)
  expect_null(old$settings$season)
  expect_equal(old$wide$test_mae, new$wide$test_mae)
  expect_error(suppressWarnings(forecast_compare(macro_data(), models = "seasonal_naive", season = 4,
                                                 period = 12, quick = TRUE)),
               "`season` is the old name of `period`")
  expect_error(suppressWarnings(forecast_backtest(macro_data(), models = "seasonal_naive", season = 0)),
               "`period` must be a whole number")
})
