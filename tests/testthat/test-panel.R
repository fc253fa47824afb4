test_that("forecast_panel() takes a long data.frame with an id column and returns per-series and aggregate tables", {
  skip_if_no_pybbdl()
  set.seed(1)
  t <- 1:32
  panel <- rbind(
    data.frame(id = "a", time = t, value = 100 + t + 10 * sin(2 * pi * t / 4)),
    data.frame(id = "b", time = t, value = 50 + 0.5 * t + 5 * cos(2 * pi * t / 4)),
    data.frame(id = "bad", time = 1:3, value = c(1, 2, 3))
  )
  run <- forecast_panel(panel, models = c("naive", "theta_m3"), horizon = 4, period = 4)
  expect_s3_class(run, "pybbdl_panel")
  expect_setequal(unique(run$table$model), c("naive", "theta_m3", "naive2"))
  expect_setequal(unique(run$table$frequency), c("quarterly", "overall"))
  overall <- run$table[run$table$frequency == "overall" & run$table$model == "naive", ]
  expect_equal(overall$n_series, 2)
  # the scores equal a hand computation in R: naive forecast = last training value
  smape <- function(a, f) 200 * abs(a - f) / (abs(a) + abs(f))
  hand <- unlist(lapply(c("a", "b"), function(i) {
    y <- panel$value[panel$id == i]
    smape(y[29:32], rep(y[28], 4))
  }))
  expect_equal(overall$smape_pooled, mean(hand), tolerance = 1e-10)
  bad <- run$series[run$series$id == "bad", ]
  expect_true(all(grepl("series 'bad'", bad$error)))
  expect_true(all(is.na(bad$smape)))
  expect_identical(as.data.frame(run, what = "series"), run$series)
  expect_output(print(run), "pybbdl_panel")
  expect_output(print(summary(run)), "series with errors")
  expect_error(forecast_panel(panel, models = "naive", id_col = "series"), "must have a column \"series\"")
})

test_that("forecast_compare(id = ) runs a long data.frame as a panel and refuses single-series options", {
  skip_if_no_pybbdl()
  t <- 1:32
  panel <- rbind(
    data.frame(series = "a", time = t, y = 100 + t + 10 * sin(2 * pi * t / 4)),
    data.frame(series = "b", time = t, y = 50 + 0.5 * t + 5 * cos(2 * pi * t / 4))
  )
  run <- forecast_compare(panel, models = c("naive", "theta_m3"), id = "series", target = "y",
                          horizon = 4, season = 4)
  direct <- forecast_panel(panel, models = c("naive", "theta_m3"), id_col = "series", value_col = "y",
                           horizon = 4, period = 4)
  expect_s3_class(run, "pybbdl_panel")
  no_time <- function(df) df[, setdiff(names(df), c("seconds", "wall_s", "fit_seconds")), drop = FALSE]
  expect_equal(no_time(run$table), no_time(direct$table))
  expect_equal(no_time(run$series), no_time(direct$series))
  expect_setequal(unique(run$series$id), c("a", "b"))
  expect_error(forecast_compare(panel, id = "series", target = "y", horizon = 4, lookback = 12),
               "`lookback` do not apply")
  expect_error(forecast_backtest(panel, id = "series"), "backtest of a panel")
})
