# n_jobs/backend/address of forecast_compare()/forecast_backtest() (issue 14 item 5).
test_that("n_jobs, backend and address are checked in R before Python runs", {
  df <- data.frame(y = sin(seq_len(60) / 3) + seq_len(60) / 10)
  expect_error(forecast_compare(df, models = "naive", n_jobs = 0), "`n_jobs` must be a whole number")
  expect_error(forecast_backtest(df, models = "naive", folds = 2, fold_size = 8, n_jobs = 1.5),
               "`n_jobs` must be a whole number")
  expect_error(forecast_compare(df, models = "naive", backend = "spark"), "`backend` must be one of")
  expect_error(forecast_compare(df, models = "naive", backend = "loky", address = "h:6379"),
               "needs `backend = \"ray\"`")
  expect_identical(pybbdl:::check_parallel_args(2, NULL, NULL), list(n_jobs = 2L, backend = NULL, address = NULL))
})

test_that("forecast_backtest(n_jobs = 2) gives the one-process table (local worker processes)", {
  skip_if_no_pybbdl()
  skip_if_quick_check()
  df <- data.frame(y = sin(seq_len(80) / 3) + seq_len(80) / 10)
  # arima in the run: its order search starts a progress bar (a multiprocessing lock) in each
  # worker, which broke when R's LD_LIBRARY_PATH made workers load the system's libpython
  one <- forecast_backtest(df, models = c("naive", "arima"), folds = 2, fold_size = 8)
  two <- forecast_backtest(df, models = c("naive", "arima"), folds = 2, fold_size = 8, n_jobs = 2)
  timing <- one$table$metric == "fit_seconds"
  expect_identical(one$table[!timing, ], two$table[!timing, ])
  expect_identical(one$forecasts, two$forecasts)
})
