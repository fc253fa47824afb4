# R's forecast_compare()/forecast_backtest() give the Python workflow's tables (issue 12 acceptance).
py_wide <- function(result) pybbdl:::pandas_table_to_r(result$table)

test_that("a user-defined forecaster runs through forecast_compare() with no change to pybbdl", {
  skip_if_no_pybbdl()
  ridge <- user_forecaster(alpha = 0.5)
  run <- forecast_compare(macro_data(), models = list(ridge = ridge))
  expect_identical(run$wide$model, c("naive", "ridge"))
  expect_identical(run$wide$spec[[2]], "ridge on lagged values (alpha=0.5)")
  # the same object through the Python core: identical numbers
  w <- py_module("pybbdl.windows")$prepare_windows(py_module("pybbdl.data")$macro_data(), target = "infl",
                                                    lookback = 8L, horizon = 1L,
                                                    split = reticulate::tuple(0.6, 0.2, 0.2))
  python <- py_wide(py_module("pybbdl.evaluation")$compare(w, reticulate::py_dict("ridge", list(ridge)),
                                                            progress = FALSE))
  same <- setdiff(names(python), "fit_seconds")
  expect_equal(run$wide[same], python[same], ignore_attr = TRUE, tolerance = 0)
  expect_lt(run$wide$test_mae[[2]], 2 * run$wide$test_mae[[1]]) # a sane forecaster
})

test_that("forecast_backtest() equals the Python backtest with the same settings", {
  skip_if_no_pybbdl()
  skip_if_quick_check()
  run <- forecast_backtest(macro_data(), models = c("naive", "dense"), folds = 2, fold_size = 8,
                           epochs = 1, batch_size = 32, patience = NULL, seed = 5)
  expect_s3_class(run, c("pybbdl_backtest", "pybbdl_comparison"))
  python <- py_wide(py_module("pybbdl.evaluation")$backtest(
    py_module("pybbdl.data")$macro_data(), target = "infl", lookback = 8L, horizon = 1L,
    models = list("naive", "dense"), folds = 2L, fold_size = 8L, seeds = 1L,
    params = reticulate::dict(epochs = 1L, batch_size = 32L, patience = NULL, random_state = 5L,
                              verbose = 0L),
    progress = FALSE))
  same <- setdiff(names(python), "fit_seconds")
  expect_identical(names(run$wide), names(python))
  expect_equal(run$wide[same], python[same], ignore_attr = TRUE, tolerance = 0)
  fc <- run$forecasts$test
  expect_identical(names(fc), c("date", "actual", "fold", "naive", "dense"))
  expect_identical(fc$fold, rep(1:2, each = 8))
  expect_identical(max(fc$date), max(macro_data()$date))
  text <- format(run)
  expect_match(text[[1]], "<pybbdl backtest> infl, 2 folds, refit before each fold")
  expect_true(any(grepl("test part: 16 targets", text, fixed = TRUE)))
  png_file <- withr::local_tempfile(fileext = ".png")
  grDevices::png(png_file)
  plot(run)
  grDevices::dev.off()
  expect_gt(file.size(png_file), 1000)
  skip_if_not_installed("ggplot2")
  expect_s3_class(ggplot2::autoplot(run), "ggplot")
})

test_that("forecast_backtest() counts `start` from 1 and refuses folds that do not fit", {
  skip_if_no_pybbdl()
  ridge_free <- forecast_backtest(macro_data(), models = "naive", folds = 2, fold_size = 10,
                                  start = 183)
  expect_identical(ridge_free$settings$start, 183L)
  macro <- macro_data()
  # row 183 (1-based) is the first scored target
  expect_identical(ridge_free$forecasts$test$date[[1]], macro$date[[183]])
  expect_error(forecast_backtest(macro_data(), models = "naive", folds = 50, fold_size = 10),
               "50 folds of 10 rows do not fit")
})

test_that("R's defaults are the Python workflow's FORECAST_DEFAULTS (and BACKTEST_DEFAULTS)", {
  skip_if_no_pybbdl()
  forecasting <- reticulate::import("pybbdl.workflows.forecasting")
  compare_defaults <- forecasting$FORECAST_DEFAULTS
  backtest_defaults <- compare_defaults
  backtest_defaults[names(forecasting$BACKTEST_DEFAULTS)] <- forecasting$BACKTEST_DEFAULTS
  check <- function(fun, defaults) {
    ours <- formals(fun)
    shared <- intersect(names(ours), names(defaults))
    expect_true(all(c("models", "lookback", "epochs", "batch_size", "patience", "seed") %in% shared))
    for (name in shared) {
      value <- eval(ours[[name]])
      if (name == "dm_loss") value <- value[[1]]
      expect_equal(unname(unlist(value)), unname(unlist(defaults[[name]])), label = name)
    }
  }
  check(forecast_compare, compare_defaults)
  check(forecast_backtest, backtest_defaults)
  expect_setequal(setdiff(names(formals(forecast_backtest)), names(backtest_defaults)),
                  c("data", "out_dir", "verbose", "id", "season")) # season: period's old name, deprecated
})

test_that("forecast_compare() and forecast_backtest() give the Python workflow's long tables", {
  skip_if_no_pybbdl()
  skip_if_quick_check()
  forecasting <- reticulate::import("pybbdl.workflows.forecasting", convert = FALSE)
  macro <- py_module("pybbdl.data")$macro_data()
  same_numbers <- function(ours, python) {
    python <- pybbdl:::pandas_table_to_r(python)
    expect_identical(names(ours), names(python))
    timing <- ours$metric == "fit_seconds" # wall-clock time is the one number that differs
    expect_identical(ours[!timing, c("model", "part", "metric")], python[!timing, c("model", "part", "metric")])
    expect_equal(ours$value[!timing], python$value[!timing], tolerance = 0)
    expect_equal(ours$sd[!timing], python$sd[!timing], tolerance = 0)
    expect_identical(ours$n, python$n)
  }
  run <- forecast_compare(macro_data(), models = c("naive", "dense"), epochs = 2, seed = 3)
  python <- forecasting$forecast_compare(macro, target = "infl", models = list("naive", "dense"),
                                         epochs = 2L, seed = 3L, progress = FALSE)
  same_numbers(as.data.frame(run), python$table)
  bt <- forecast_backtest(macro_data(), models = c("naive", "dense"), folds = 2, fold_size = 8,
                          epochs = 1, seed = 3)
  python <- forecasting$forecast_backtest(macro, target = "infl", models = list("naive", "dense"),
                                          folds = 2L, fold_size = 8L, epochs = 1L, seed = 3L,
                                          progress = FALSE)
  same_numbers(as.data.frame(bt), python$table)
})

test_that("quick, baselines and out_dir reach the Python workflow", {
  skip_if_no_pybbdl()
  out <- file.path(withr::local_tempdir(), "run")
  run <- forecast_compare(macro_data(), models = c("naive", "seasonal_naive"), period = 4,
                          baselines = "seasonal_naive", quick = TRUE, out_dir = out)
  expect_true(file.exists(file.path(out, "manifest.json")))
  expect_true(all(c("dm_stat_vs_seasonal_naive", "p_vs_seasonal_naive") %in% run$table$metric))
  expect_false("p_vs_naive" %in% run$table$metric)
  expect_true(run$settings$quick)
  expect_identical(run$settings$period, 4L)
})
