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
                          horizon = 4, period = 4)
  direct <- forecast_panel(panel, models = c("naive", "theta_m3"), id_col = "series", value_col = "y",
                           horizon = 4, period = 4)
  expect_s3_class(run, "pybbdl_panel")
  no_time <- function(df) df[, setdiff(names(df), c("seconds", "wall_s", "fit_seconds")), drop = FALSE]
  expect_equal(no_time(run$table), no_time(direct$table))
  expect_equal(no_time(run$series), no_time(direct$series))
  expect_setequal(unique(run$series$id), c("a", "b"))
  expect_error(forecast_compare(panel, id = "series", target = "y", horizon = 4, lookback = 12),
               "`lookback` do not apply")
})

test_that("forecast_backtest(id = ) backtests a long data.frame from several origins per series", {
  skip_if_no_pybbdl()
  t <- 1:32
  panel <- rbind(
    data.frame(series = "a", time = t, y = 100 + t + 10 * sin(2 * pi * t / 4)),
    data.frame(series = "b", time = t, y = 50 + 0.5 * t + 5 * cos(2 * pi * t / 4)),
    data.frame(series = "short", time = 1:13, y = c(3, 5, 4, 6, 7, 6, 8, 9, 8, 10, 9, 11, 12))
  )
  bt <- forecast_backtest(panel, models = c("naive", "theta_m3"), id = "series", target = "y",
                          horizon = 4, period = 4, folds = 3)
  expect_s3_class(bt, c("pybbdl_panel_backtest", "pybbdl_panel"))
  direct <- backtest_panel(panel, models = c("naive", "theta_m3"), id_col = "series", value_col = "y",
                           horizon = 4, period = 4, folds = 3)
  no_time <- function(df) df[, setdiff(names(df), c("seconds", "wall_s", "fit_seconds")), drop = FALSE]
  expect_equal(no_time(bt$folds), no_time(direct$folds))
  # 3 series x 3 folds x 3 models (naive, theta_m3 and the reference naive2)
  expect_equal(nrow(bt$series), 27)
  expect_equal(sort(unique(bt$folds$fold)), 1:3)
  # fold 1 of series a ends 8 values before the last 4: naive repeats y[20] for 4 steps
  a1 <- bt$forecasts[bt$forecasts$id == "a" & bt$forecasts$fold == 1 & bt$forecasts$model == "naive", ]
  ya <- panel$y[panel$series == "a"]
  expect_equal(a1$forecast, rep(ya[20], 4))
  expect_equal(a1$actual, ya[21:24])
  expect_equal(bt$series$n_train[bt$series$id == "a" & bt$series$model == "naive"], c(20, 24, 28))
  # the last fold is forecast_panel's holdout
  last <- forecast_panel(panel, models = c("naive", "theta_m3"), id_col = "series", value_col = "y",
                         horizon = 4, period = 4)
  f3 <- bt$series[bt$series$fold == 3, setdiff(names(bt$series), c("fold", "seconds"))]
  rownames(f3) <- NULL
  expect_equal(f3, no_time(last$series), ignore_attr = TRUE)
  # the short series (13 values) is too short for fold 1 (1 value before its origin) only
  short <- bt$series[bt$series$id == "short", ]
  expect_match(short$error[short$fold == 1], "fold 1: only 1 value\\(s\\) before its origin")
  expect_true(all(short$error[short$fold > 1] == ""))
  expect_equal(as.data.frame(bt, what = "folds"), bt$folds)
  expect_output(print(bt), "pooled sMAPE \\(%\\) by fold")
  expect_error(forecast_backtest(panel, id = "series", target = "y", horizon = 4, lookback = 12),
               "`lookback` do not apply")
  expect_error(backtest_panel(panel, id_col = "series", value_col = "y", folds = 0), "folds")
})

test_that("forecast_panel() and backtest_panel() have the Python workflows' defaults", {
  skip_if_no_pybbdl()
  defaults_of <- reticulate::py_eval(paste(
    "lambda f: {k: p.default for k, p in __import__('inspect').signature(f).parameters.items()",
    "if p.default is not __import__('inspect').Parameter.empty}"))
  workflow <- reticulate::import("pybbdl.workflows.panel")
  for (name in c("forecast_panel", "backtest_panel")) {
    params <- defaults_of(workflow[[name]])
    ours <- formals(get(name, envir = asNamespace("pybbdl")))
    checked <- 0
    for (arg in intersect(names(ours), names(params))) {
      r_default <- eval(ours[[arg]])
      py_default <- params[[arg]]
      if (is.null(r_default) && (is.null(py_default) || length(py_default) == 0)) next
      expect_equal(unname(unlist(r_default)), unname(unlist(py_default)), label = paste(name, arg))
      checked <- checked + 1
    }
    expect_gte(checked, if (name == "backtest_panel") 8 else 6)
  }
})

test_that("forecast_panel() makes registered combinations named in a character vector", {
  skip_if_no_pybbdl()
  t <- 1:32
  panel <- rbind(data.frame(id = "a", time = t, value = 100 + t + 10 * sin(2 * pi * t / 4)),
                 data.frame(id = "b", time = t, value = 50 + 0.5 * t + 5 * cos(2 * pi * t / 4)))
  run <- forecast_panel(panel, models = c("ses", "holt", "damped"), horizon = 4, period = 4,
                        combinations = "comb_shd")
  fc <- run$forecasts
  wide <- tapply(fc$forecast, list(paste(fc$id, fc$step), fc$model), identity)
  expect_equal(unname(wide[, "comb_shd"]), unname(rowMeans(wide[, c("ses", "holt", "damped")])))
  expect_error(forecast_panel(panel, models = c("ses", "holt"), horizon = 4, combinations = "comb_x"),
               "registered combinations")
})
