test_that("clark_west_test() equals the paper's formula and refuses bad input", {
  skip_if_no_pybbdl()
  y <- c(1.0, 0.4, -0.3, 2.2, 1.7, 0.1, -1.2, 0.8, 1.5, 0.3, -0.6, 1.1)
  small <- rep(0, 12)
  big <- c(0.6, 0.7, 0.1, 1.1, 1.5, 0.5, -0.4, 0.2, 0.9, 0.6, -0.1, 0.4)
  by_hand <- function(h) {
    f <- (y - small)^2 - ((y - big)^2 - (small - big)^2)
    n <- length(f)
    fc <- f - mean(f)
    v <- sum(fc^2) / n
    for (j in seq_len(h - 1)) v <- v + 2 * (1 - j / h) * sum(fc[-(1:j)] * fc[1:(n - j)]) / n
    mean(f) / sqrt(v / n)
  }
  for (h in c(1, 3)) {
    res <- clark_west_test(y, big, small, h = h)
    expect_s3_class(res, "htest")
    expect_equal(unname(res$statistic), by_hand(h), tolerance = 1e-12)
    expect_equal(res$p.value, stats::pnorm(by_hand(h), lower.tail = FALSE), tolerance = 1e-10)
  }
  expect_error(clark_west_test(y, big[-1], small), "same length")
  expect_error(clark_west_test(y, replace(big, 2, NA), small), "must not contain NA")
  expect_error(clark_west_test(y, big, big), "cannot be computed")
})

test_that("forecast_compare() scores intervals, keeps them, and draws fan charts", {
  skip_if_no_pybbdl()
  run <- forecast_compare(macro_data(), models = c("naive", "seasonal_naive"), period = 4,
                          levels = c(0.95, 0.8), nested = list(seasonal_naive = "naive"),
                          baselines = "naive")
  long <- run$table
  pick <- function(model, metric) long$value[long$model == model & long$part == "test" & long$metric == metric]
  expect_true(all(c("coverage_80", "width_95", "winkler_95", "pinball", "crps", "in_mcs_90",
                    "cw_stat_vs_naive") %in% long$metric))
  fan <- run$intervals$test$naive
  expect_identical(names(fan), c("date", "mean", "lower_80", "upper_80", "lower_95", "upper_95"))
  actual <- run$forecasts$test$actual
  expect_equal(pick("naive", "coverage_80"), mean(actual >= fan$lower_80 & actual <= fan$upper_80))
  expect_identical(run$settings$levels, c(0.8, 0.95))
  expect_identical(run$wide$test_test_vs_naive[run$wide$model == "seasonal_naive"],
                   "CW: seasonal_naive nests naive")

  path <- tempfile(fileext = ".pdf")
  grDevices::pdf(path)
  expect_invisible(plot(run, fan = "naive"))
  grDevices::dev.off()
  expect_gt(file.size(path), 1000)
  expect_error(plot(run, fan = "gru"), "`fan` must name a model with intervals")
  if (requireNamespace("ggplot2", quietly = TRUE)) {
    expect_s3_class(ggplot2::autoplot(run, fan = "seasonal_naive"), "ggplot")
  }
  none <- forecast_compare(macro_data(), models = "naive", levels = numeric(0))
  expect_false("coverage_80" %in% none$table$metric)
  expect_length(none$intervals, 0)
})

test_that("bad levels and nested are refused before any work", {
  expect_error(forecast_compare(macro_data(), models = "naive", levels = c(0.8, 1.2)), "in \\(0, 1\\)")
  expect_error(forecast_compare(macro_data(), models = "naive", levels = 95), "in \\(0, 1\\)")
  expect_error(forecast_compare(macro_data(), models = "naive", levels = c(0.8, NA)), "in \\(0, 1\\)")
  expect_error(forecast_compare(macro_data(), models = "naive", levels = c(0.8, 0.8)), "repeat")
  expect_error(forecast_backtest(macro_data(), models = "naive", levels = "0.9"), "in \\(0, 1\\)")
  expect_error(forecast_compare(macro_data(), models = "naive", nested = "naive"), "named list")
  skip_if_no_pybbdl()
  expect_error(forecast_compare(macro_data(), models = "naive", split = c(0.9, 0.05, 0.05), levels = 0.99),
               "at least 99 forecast errors")
})

test_that("conformal_window gives rolling conformal intervals", {
  skip_if_no_pybbdl()
  run <- forecast_compare(macro_data(), models = "naive", levels = 0.8, conformal_window = 20)
  fan <- run$intervals$test$naive
  expect_gt(length(unique(round(fan$upper_80 - fan$mean, 9))), 1)
  expect_identical(run$settings$conformal_window, 20L)
  expect_error(forecast_compare(macro_data(), models = "naive", conformal_window = 0), "conformal_window")
})

test_that("conformal_scale = \"window\" gives normalized conformal intervals", {
  expect_error(forecast_compare(macro_data(), models = "naive", conformal_scale = "garch"),
               "`conformal_scale` must be \"auto\"")
  skip_if_no_pybbdl()
  plain <- forecast_compare(macro_data(), models = "naive", levels = 0.8, conformal_scale = "none")
  run <- forecast_compare(macro_data(), models = "naive", levels = 0.8, conformal_scale = "window")
  default <- forecast_compare(macro_data(), models = "naive", levels = 0.8)
  expect_equal(default$intervals$test$naive, run$intervals$test$naive)
  expect_identical(run$settings$conformal_scale, "window")
  fan <- run$intervals$test$naive
  half <- fan$upper_80 - fan$mean
  # each half-width is one quantile times its window's scale: the mean absolute 1-quarter change
  # of inflation over the window's 8 quarters (floored at a tenth of the validation median)
  infl <- macro_data()$infl
  origins <- nrow(macro_data()) - nrow(fan) + seq_len(nrow(fan)) # 1-based row of each target
  scale <- vapply(origins, function(t) mean(abs(diff(infl[(t - 8):(t - 1)]))), numeric(1))
  ratio <- half / scale
  expect_lt(diff(range(ratio[scale > 0.5])), 1e-8)
  cov <- function(r) with(r$table, value[model == "naive" & part == "test" & metric == "coverage_80"])
  expect_gt(cov(run), cov(plain) + 0.2) # 0.88 against 0.54 on US inflation
  bt <- forecast_backtest(macro_data(), models = "naive", folds = 2, levels = 0.8, conformal_scale = "window")
  expect_identical(bt$settings$conformal_scale, "window")
})

test_that("interval_method = \"conformal\" gives models with their own intervals conformal ones", {
  expect_error(forecast_compare(macro_data(), models = "naive", interval_method = "model"),
               "`interval_method` must be one of \"auto\", \"conformal\"")
  expect_error(forecast_backtest(macro_data(), models = "naive", interval_method = NA), "interval_method")
  skip_if_no_pybbdl()
  auto <- forecast_compare(macro_data(), models = c("naive", "ar"), levels = 0.8, conformal_scale = "none")
  run <- forecast_compare(macro_data(), models = c("naive", "ar"), levels = 0.8, conformal_scale = "none",
                          interval_method = "conformal")
  method <- function(r) setNames(r$wide$interval, r$wide$model)
  expect_identical(method(auto)[["ar"]], "model")
  expect_identical(method(run)[["ar"]], "conformal")
  expect_identical(run$settings$interval_method, "conformal")
  # AR(p)'s conformal half-width: the 80 % conformal quantile of its validation errors, the same
  # for every target (absolute errors); its own analytic intervals are not
  half <- function(r) with(r$intervals$test$ar, upper_80 - mean)
  expect_lt(diff(range(half(run))), 1e-9)
  val <- run$forecasts$val
  err <- sort(abs(val$actual - val$ar))
  expect_equal(half(run)[1], err[ceiling(0.8 * (length(err) + 1))], tolerance = 1e-9)
  bt <- forecast_backtest(macro_data(), models = c("naive", "ar"), folds = 2, levels = 0.8,
                          interval_method = "conformal")
  expect_identical(method(bt)[["ar"]], "conformal")
})
