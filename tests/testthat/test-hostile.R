# Hostile inputs to the R doors (issue 20): each audit code first, then one bad-input case (wrong type,
# NA, empty, factor where text is meant, out of range) for every argument of the exported functions.
# Naive/ARIMA/seasonal naive only, quick settings: fast.

hostile_known <- function() {
  set.seed(1)
  d <- data.frame(date = seq(as.Date("2000-01-01"), by = "month", length.out = 120), x = sin(1:120 / 6))
  d$y <- 1 + 2 * d$x + rnorm(120, sd = 0.1)
  d
}
hostile_run <- local({
  run <- NULL
  function() {
    if (is.null(run)) {
      run <<- forecast_compare(hostile_known(), models = c("naive", "arima"), target = "y", known = "x",
                               horizons = 3, quick = TRUE)
    }
    run
  }
})
hostile_panel <- function() {
  set.seed(3)
  p <- data.frame(id = rep(c("a", "b"), each = 20), time = rep(1:20, 2), value = c(1:20, 101:120))
  p[sample(nrow(p)), ]  # shuffled rows: the order of the file is not the order of time
}

# ---- panels ----------------------------------------------------------------------------------------

test_that("RP4: rows with an NA or empty id are refused in R, naming the rows", {
  skip_if_no_pybbdl()
  p <- hostile_panel()
  p$id[c(5, 9)] <- c(NA, "")
  expect_error(forecast_panel(p, models = "naive", horizon = 4),
               "column \"id\" must name a series in every row, but 2 row\\(s\\) have an NA or empty id: row\\(s\\) 5, 9")
  p$id[9] <- " "
  expect_error(forecast_compare(p, id = "id", models = "naive", horizon = 4), "row\\(s\\) 5, 9")
  p$id <- factor(p$id)  # a factor: its NA and blank labels, not its codes
  expect_error(backtest_panel(p, models = "naive", horizon = 4), "NA or empty id: row\\(s\\) 5, 9")
})

test_that("RP9: each series' history is in time order, whatever the order of the rows", {
  skip_if_no_pybbdl()
  run <- forecast_panel(hostile_panel(), models = "naive", horizon = 4)
  expect_identical(run$history$a, as.numeric(1:20))
  expect_identical(run$history$b, as.numeric(101:120))
  path <- tempfile(fileext = ".png")
  grDevices::png(path)
  expect_invisible(plot(run, id = "a"))
  grDevices::dev.off()
  # a lone Date column is the time column when none is named (not file order)
  p <- hostile_panel()
  p$date <- as.Date("2000-01-01") + 31 * (p$time - 1)
  p$time <- NULL
  dated <- forecast_panel(p, models = "naive", horizon = 4)
  expect_identical(dated$history$b, as.numeric(101:120))
  expect_equal(dated$table$smape_pooled, run$table$smape_pooled)
  p$other <- p$date
  expect_error(forecast_panel(p, models = "naive", horizon = 4),
               "`data` has 2 date columns \\(\"date\", \"other\"\\): name the time column with `time_col`")
})

test_that("RP13: autoplot() draws panel runs and panel backtests", {
  skip_if_no_pybbdl()
  skip_if_not_installed("ggplot2")
  run <- forecast_panel(hostile_panel(), models = c("naive", "ses"), horizon = 4)
  p <- ggplot2::autoplot(run)
  expect_s3_class(p, "ggplot")
  expect_setequal(as.character(p$data$model), c("naive", "ses", "naive2"))
  p <- ggplot2::autoplot(run, id = "a")
  expect_identical(p$data$value[p$data$series == "history"], as.numeric(1:20))
  expect_identical(p$data$t[p$data$series == "naive"], 17:20 + 0)
  expect_error(ggplot2::autoplot(run, id = "zzz"), "`id` must be a series of the run, not \"zzz\"")
  bt <- backtest_panel(hostile_panel(), models = "naive", horizon = 4, folds = 2)
  p <- ggplot2::autoplot(bt, id = "b")
  expect_s3_class(p, "ggplot")
  expect_identical(sort(unique(p$data$group[p$data$series == "naive"])), c("naive 1", "naive 2"))
  path <- tempfile(fileext = ".png")
  ggplot2::ggsave(path, p, width = 4, height = 3)
  expect_gt(file.size(path), 1000)
})

test_that("RP15: models = factor(...) means the labels, for panels and comparisons", {
  skip_if_no_pybbdl()
  a <- forecast_panel(hostile_panel(), models = factor(c("naive", "ses")), horizon = 4)
  expect_setequal(unique(a$table$model), c("naive", "ses", "naive2"))
  run <- forecast_compare(hostile_known(), models = factor("naive"), target = factor("y"), quick = TRUE)
  expect_identical(run$wide$model, "naive")
  expect_identical(run$target, "y")
})

# ---- conditional forecasts ---------------------------------------------------------------------------

test_that("RC7 (C5, C6): a future path dated later or at another frequency is refused, naming the dates", {
  skip_if_no_pybbdl()
  run <- hostile_run()
  later <- data.frame(date = seq(as.Date("2015-01-01"), by = "month", length.out = 3), x = 0)
  expect_error(forecast_conditional(run, later),
               "must start after the last observation 2009-12-01.*2010-01-01, 2010-02-01, 2010-03-01\\. Received: 2015-01-01")
  daily <- data.frame(date = seq(as.Date("2010-01-01"), by = "day", length.out = 3), x = 0)
  expect_error(forecast_conditional(run, daily), "frequency \\(MS\\) without gaps.*Received: 2010-01-01, 2010-01-02")
  right <- data.frame(date = seq(as.Date("2010-01-01"), by = "month", length.out = 3), x = 0)
  expect_identical(forecast_conditional(run, right), forecast_conditional(run, data.frame(x = c(0, 0, 0))))
})

test_that("RC3, RC4: a text or factor known column is named as such, not reported missing", {
  skip_if_no_pybbdl()
  run <- hostile_run()
  expect_error(forecast_conditional(run, data.frame(x = c("a", "b", "c"))),
               "`future` column \"x\" must be numeric, not a character column")
  expect_error(forecast_conditional(run, data.frame(x = factor(c(0, 0, 0)))),
               "`future` column \"x\" must be numeric, not a factor column.*as.numeric\\(as.character\\(future\\$x\\)\\)")
  expect_error(forecast_conditional(run, data.frame(w = c(0, 0, 0))), "missing: \"w\"|missing: \"x\"")
  expect_error(forecast_conditional(run, data.frame(x = 0, note = c("a", "b", "c"))),
               "\"note\" that are not future-known columns.*would be ignored")
  fc <- forecast_conditional(run, data.frame(x = c(0, 0, 0)), models = factor("arima"))
  expect_identical(names(fc), c("date", "step", "arima"))
  d <- hostile_known()
  d$x <- as.character(d$x)
  expect_error(forecast_compare(d, models = "arima", target = "y", known = "x", quick = TRUE),
               "`known` must name a numeric column of `data`; \"x\" is a character column, not numeric")
})

test_that("C19: a path that moves a known column constant in training is refused", {
  skip_if_no_pybbdl()
  d <- hostile_known()
  d$x <- 0
  d$x[101:120] <- seq(-1, 1, length.out = 20)
  run <- forecast_compare(d, models = "arima", target = "y", known = "x", horizons = 2, quick = TRUE)
  expect_error(forecast_conditional(run, data.frame(x = c(1, 1))), "'x' was constant \\(0\\.0\\).*not identified")
  expect_identical(nrow(forecast_conditional(run, data.frame(x = c(0, 0)))), 2L)
})

# ---- settings that do what they say ------------------------------------------------------------------

test_that("FC4, FC5: a ts frequency is the seasonal period of seasonal naive (an explicit season wins)", {
  skip_if_no_pybbdl()
  set.seed(2)
  y <- ts(rep(1:7, 12) + rnorm(84, sd = 0.01), frequency = 7)
  run <- forecast_compare(y, models = "seasonal_naive", quick = TRUE)
  expect_identical(run$settings$period, 7L)
  fc <- run$forecasts$test
  expect_equal(fc$seasonal_naive, as.numeric(y)[fc$row - 7])
  expect_identical(forecast_compare(y, models = "seasonal_naive", period = 14, quick = TRUE)$settings$period, 14L)
  bt <- forecast_backtest(y, models = c("naive", "seasonal_naive"), folds = 2, fold_size = 7)
  expect_identical(bt$settings$period, 7L)
  expect_lt(bt$wide$test_mae[bt$wide$model == "seasonal_naive"], 0.05)
  expect_null(forecast_compare(y, models = "naive", quick = TRUE)$settings$period)  # nothing takes it
  expect_error(forecast_compare(ts(rnorm(200), frequency = 52.18), models = "seasonal_naive", quick = TRUE),
               "ts of frequency 52.18, not a whole number.*give `period`")
})

test_that("G3: train_gan() refuses d_steps above an epoch's discriminator steps", {
  skip_if_no_pybbdl()
  images <- array(0.5, c(64, 28, 28))
  expect_error(train_gan("mlp", images, epochs = 1, batch_size = 32, d_steps = 3),
               "`d_steps` must be <= 2 \\(an epoch is 64 // 32 = 2 discriminator steps")
})

# ---- every argument: one bad value each ---------------------------------------------------------------

# Each row: the function, its arguments with one bad value, and the message. None may reach Python as
# a traceback ("may be a bug in pybbdl").
# `ok` with the arguments of `case` replaced (modifyList() would merge into a data frame)
with_args <- function(ok, case) {
  ok[names(case)] <- case
  ok
}

expect_refused <- function(fun, args, pattern) {
  err <- tryCatch({
    do.call(fun, args)
    NULL
  }, error = function(e) e)
  label <- paste0(deparse(substitute(fun)), "(", paste(names(args), collapse = ", "), ")")
  expect(!is.null(err), paste0(label, " accepted a bad value"))
  if (is.null(err)) return(invisible())
  expect_match(conditionMessage(err), pattern, label = label)
  expect_false(grepl("may be a bug in pybbdl", conditionMessage(err)), label = label)
}

test_that("forecast_compare() and forecast_backtest() refuse a bad value of every argument", {
  skip_if_no_pybbdl()
  d <- hostile_known()
  ok <- list(data = d, models = "naive", target = "y", quick = TRUE)
  cases <- list(
    list(data = "not data"), "`data` must be a data frame",
    list(data = d[0, ]), "at least lookback \\+ horizon",
    list(models = character(0)), "at least one model",
    list(models = "nope"), "\"nope\" is unknown",
    list(models = list(1)), "unique name",
    list(target = NA_character_), "`target` must be a single string",
    list(target = "nope"), "\"nope\" is not a column",
    list(features = NA_character_), "`features` must be column names, not NA",
    list(features = 1), "`features` must be a character vector",
    list(lookback = 0), "`lookback` must be a whole number",
    list(horizon = 1.5), "`horizon` must be a whole number",
    list(step = NA), "`step` must be a whole number",
    list(step = 3), "`lookback` must be a multiple of `step`",
    list(horizons = "x"), "`horizons` must be",
    list(horizons = c(2, 2)), "must not repeat",
    list(known = NA_character_), "`known` must be column names, not NA",
    list(known = "y"), "must not hold the target",
    list(split = c(0.5, 0.5, 0.5)), "`split` must sum to 1",
    list(split = "a"), "`split` must be 2 or 3 fractions",
    list(epochs = 0), "`epochs` must be a whole number",
    list(batch_size = "16"), "`batch_size` must be a whole number",
    list(patience = -1), "`patience` must be a whole number",
    list(learning_rate = 0), "`learning_rate` must be a finite number > 0",
    list(units = 0), "`units` must be a whole number",
    list(period = 0), "`period` must be a whole number",
    list(seed = -1), "`seed` must be a whole number",
    list(seeds = 0), "`seeds` must be a whole number",
    list(baselines = NA_character_), "`baselines` must be model names, not NA",
    list(baselines = "gru"), "must name models of the comparison",
    list(dm_loss = "mape"), "should be one of",
    list(levels = 1.5), "`levels` must be numbers in \\(0, 1\\)",
    list(nested = "naive"), "`nested` must be a named list",
    list(nested = list(naive = NA_character_)), "`nested` must be a named list",
    list(conformal_window = 0), "`conformal_window` must be a whole number",
    list(conformal_scale = "x"), "`conformal_scale` must be",
    list(interval_method = NA), "`interval_method` must be one of",
    list(quick = "yes"), "`quick` must be TRUE or FALSE",
    list(out_dir = NA_character_), "`out_dir` must be a single string",
    list(verbose = NA), "`verbose` must be TRUE or FALSE",
    list(n_jobs = 0), "`n_jobs` must be a whole number",
    list(backend = "threads"), "`backend` must be one of",
    list(address = ""), "`address` must be a single string",
    list(id = NA), "`id` must be one column name"
  )
  for (i in seq(1, length(cases), by = 2)) {
    args <- with_args(ok, cases[[i]])
    expect_refused(forecast_compare, args, cases[[i + 1]])
  }
  backtest <- list(
    list(folds = 0), "`folds` must be a whole number",
    list(fold_size = -2), "`fold_size` must be a whole number",
    list(start = 1e6), "`start` must be a row of `data`",
    list(train_length = 0), "`train_length` must be a whole number",
    list(retrain = NA), "`retrain` must be TRUE or FALSE",
    list(stride = 0), "`stride` must be a whole number",
    list(val_fraction = 1), "`val_fraction` must be a finite number in \\(0, 1\\)",
    list(models = factor("nope")), "\"nope\" is unknown"
  )
  for (i in seq(1, length(backtest), by = 2)) {
    args <- with_args(ok, backtest[[i]])
    expect_refused(forecast_backtest, args, backtest[[i + 1]])
  }
})

test_that("forecast_panel() and backtest_panel() refuse a bad value of every argument", {
  skip_if_no_pybbdl()
  ok <- list(data = hostile_panel(), models = "naive", horizon = 4)
  cases <- list(
    list(data = 1:3), "`data` must be a long data frame",
    list(models = NA_character_), "`models` must be model names, not NA",
    list(models = 1), "`models` must be a character vector of model names",
    list(horizon = 0), "`horizon` must be a whole number",
    list(period = 1.5), "`period` must be a whole number",
    list(id_col = NA_character_), "`id_col` must be a single string",
    list(id_col = "series"), "must have a column \"series\"",
    list(time_col = "when"), "must have a column \"when\"",
    list(value_col = factor("nope")), "must have a column \"nope\"",
    list(period_col = 1), "`period_col` must be a single string",
    list(horizon_col = "h"), "must have a column \"h\"",
    list(frequency_col = ""), "`frequency_col` must be a single string",
    list(part_col = "part"), "must have a column \"part\"",
    list(holdout = "no"), "`holdout` must be TRUE or FALSE",
    list(combinations = list(a = 1)), "`combinations` must be a named list",
    list(combinations = c("comb", NA)), "`combinations` as a character vector must name registered",
    list(combinations = character(0)), "`combinations` as a character vector must name registered",
    list(levels = c(0.8, 2)), "`levels` must be numbers in \\(0, 1\\)",
    list(seed = NA), "`seed` must be a whole number",
    list(seeds = 0), "`seeds` must be a whole number",
    list(n_jobs = 1.5), "`n_jobs` must be a whole number",
    list(out_dir = 1), "`out_dir` must be a single string"
  )
  for (i in seq(1, length(cases), by = 2)) {
    expect_refused(forecast_panel, with_args(ok, cases[[i]]), cases[[i + 1]])
  }
  bt <- list(
    list(folds = 0), "`folds` must be a whole number",
    list(step = "2"), "`step` must be a whole number",
    list(min_length = -1), "`min_length` must be a whole number"
  )
  for (i in seq(1, length(bt), by = 2)) {
    expect_refused(backtest_panel, with_args(ok, bt[[i]]), bt[[i + 1]])
  }
})

test_that("forecast_conditional(), plot_horizons() and arima_summary() refuse bad values", {
  skip_if_no_pybbdl()
  run <- hostile_run()
  expect_refused(forecast_conditional, list(run = list(), future = data.frame(x = 0)), "`run` must be a result")
  expect_refused(forecast_conditional, list(run = run, future = c(x = 0)), "`future` must be a data frame")
  expect_refused(forecast_conditional, list(run = run, future = data.frame(x = c(0, NA, 0))),
                 "must hold finite numbers|must hold finite values")
  expect_refused(forecast_conditional, list(run = run, future = data.frame(x = c(0, 0))), "must have 3 rows")
  expect_refused(forecast_conditional, list(run = run, future = data.frame(x = c(0, 0, 0)), models = character(0)),
                 "`models` must be a character vector of model names")
  expect_refused(forecast_conditional, list(run = run, future = data.frame(x = c(0, 0, 0)), models = "naive"),
                 "cannot use future-known columns")
  expect_refused(plot_horizons, list(x = "run"), "`x` must be a result")
  expect_refused(plot_horizons, list(x = run, part = NA_character_), "`part` must be a single string")
  expect_refused(plot_horizons, list(x = run, metric = "nope"), "a metric of the table")
  expect_refused(arima_summary, list(x = 1), "`x` must be a result")
  expect_refused(arima_summary, list(x = run, model = "naive"), "has no fitted ARIMA")
  expect_refused(arima_summary, list(x = run, model = c("a", "b")), "`model` must be a single string")
})

test_that("train_gan(), gan_grid() and plot_gan_grid() refuse a bad value of every argument", {
  skip_if_no_pybbdl()
  images <- array(0.5, c(16, 28, 28))
  ok <- list(model = "mlp", images = images, epochs = 1, batch_size = 8)
  cases <- list(
    list(model = "vae"), "should be one of",
    list(images = array("a", c(2, 28, 28))), "`images` must be a numeric array",
    list(labels = c(1, 2)), "`labels` must have one label per image \\(16\\), not 2",
    list(labels = rep(12, 16)), "`labels` must be whole numbers 0-9",
    list(data_path = NA_character_), "`data_path` must be a single string",
    list(limit = 0), "`limit` must be a whole number",
    list(epochs = 0), "`epochs` must be a whole number",
    list(batch_size = 100), "`batch_size` must be <= the number of images, 16",
    list(seed = -1), "`seed` must be a whole number",
    list(label_smoothing = NA), "`label_smoothing` must be a number",
    list(ema_decay = 1), "`ema_decay` must be a finite number in \\(0, 1\\)",
    list(dp = NA), "`dp` must be TRUE or FALSE",
    list(d_steps = 0), "`d_steps` must be a whole number",
    list(target_epsilon = 1), "applies to DP training only",
    list(delta = 2, dp = TRUE), "`delta` must be a finite number in \\(0, 1\\)",
    list(l2_norm_clip = 0, dp = TRUE), "`l2_norm_clip` must be a finite number > 0",
    list(latent_dim = 0), "`latent_dim` must be a whole number",
    list(checkpoint_every = 0), "`checkpoint_every` must be a whole number",
    list(deterministic = "yes"), "`deterministic` must be TRUE or FALSE",
    list(out_dir = 3), "`out_dir` must be a single string",
    list(progress = NA), "`progress` must be TRUE or FALSE"
  )
  for (i in seq(1, length(cases), by = 2)) {
    expect_refused(train_gan, with_args(ok, cases[[i]]), cases[[i + 1]])
  }
  expect_refused(gan_grid, list(fit = 1), "`fit` must come from train_gan")
  expect_refused(plot_gan_grid, list(grid = matrix(0, 2, 2)), "`grid` must be the rows x cols")
})

test_that("the privacy functions refuse a bad value of every argument", {
  skip_if_no_pybbdl()
  eps <- list(n = 1000, batch_size = 10, noise_multiplier = 1.1, epochs = 1, delta = 1e-5)
  cases <- list(
    list(n = NA), "`n` must be a whole number",
    list(batch_size = 2000), "`batch_size` must be <= n = 1000",
    list(noise_multiplier = 0), "`noise_multiplier` must be a finite number > 0",
    list(epochs = -1), "`epochs` must be a finite number > 0",
    list(delta = 1), "`delta` must be a finite number in \\(0, 1\\)",
    list(accountant = "moments"), "should be one of"
  )
  for (i in seq(1, length(cases), by = 2)) {
    expect_refused(dp_epsilon, with_args(eps, cases[[i]]), cases[[i + 1]])
  }
  cal <- list(n = 1000, batch_size = 10, target_epsilon = 1, epochs = 1)
  expect_refused(dp_noise_multiplier, with_args(cal, list(target_epsilon = -1)), "`target_epsilon` must be")
  expect_refused(dp_noise_multiplier, with_args(cal, list(tolerance = 2)), "`tolerance` must be")
  st <- list(n = 1000, batch_size = 10, noise_multiplier = 1.1, epochs = 1)
  expect_refused(privacy_statement, with_args(st, list(sampling = "random")), "should be one of")
  expect_refused(privacy_statement, with_args(st, list(l2_norm_clip = -1)), "`l2_norm_clip` must be")
  expect_refused(privacy_statement, with_args(st, list(microbatching = NA)), "`microbatching` must be")
  expect_warning(expect_refused(privacy_statement, with_args(st, list(max_grad_norm = 0)),
                                "`l2_norm_clip` must be"), "deprecated")
  gm <- list(value = 1, sensitivity = 1, epsilon = 0.5, delta = 1e-5)
  expect_refused(gaussian_mechanism, with_args(gm, list(value = NA)), "`value` must be finite numbers")
  expect_refused(gaussian_mechanism, with_args(gm, list(sensitivity = 0)), "`sensitivity` must be")
  expect_refused(gaussian_mechanism, with_args(gm, list(epsilon = "1")), "`epsilon` must be")
  expect_refused(gaussian_mechanism, with_args(gm, list(delta = 0)), "`delta` must be")
  expect_refused(gaussian_mechanism, with_args(gm, list(method = "laplace")), "should be one of")
  expect_refused(gaussian_mechanism, with_args(gm, list(seed = -1)), "`seed` must be")
  mn <- list(data_path = tempdir(), epochs = 1, limit = 10)
  cases <- list(
    list(data_path = 1), "`data_path` must be a single string",
    list(epochs = 0), "`epochs` must be a whole number",
    list(batch_size = NA), "`batch_size` must be a whole number",
    list(noise_multiplier = 1, target_epsilon = 1), "at most one of",
    list(noise_multiplier = -1), "`noise_multiplier` must be",
    list(target_epsilon = 0), "`target_epsilon` must be",
    list(l2_norm_clip = Inf), "`l2_norm_clip` must be",
    list(learning_rate = 0), "`learning_rate` must be",
    list(momentum = 1.5), "`momentum` must be",
    list(activation = "sigmoid"), "should be one of",
    list(limit = 0), "`limit` must be a whole number",
    list(delta = -1), "`delta` must be",
    list(budget = 0), "`budget` must be",
    list(seed = 1.5), "`seed` must be a whole number",
    list(out_dir = TRUE), "`out_dir` must be a single string",
    list(progress = "no"), "`progress` must be TRUE or FALSE",
    list(physical_batch_size = 0), "`physical_batch_size` must be a whole number"
  )
  for (i in seq(1, length(cases), by = 2)) {
    expect_refused(dp_train_mnist, with_args(mn, cases[[i]]), cases[[i + 1]])
  }
})

test_that("the series tools refuse a bad value of every argument", {
  skip_if_no_pybbdl()
  y <- as.numeric(1:30) + sin(1:30)
  expect_refused(forecast_series, list(y = c(y, Inf)), "`y` must hold no NA, NaN or infinite values")
  expect_refused(forecast_series, list(y = y, model = NA_character_), "`model` must be one model name")
  expect_refused(forecast_series, list(y = y, h = 0), "`h` must be a whole number")
  expect_refused(forecast_series, list(y = y, levels = "0.8"), "`levels` must be numbers in \\(0, 1\\)")
  expect_refused(forecast_series, list(y = y, period = 0), "`period` must be a whole number")
  expect_identical(forecast_series(y, factor("theta"), h = 2, levels = NULL),
                   forecast_series(y, "theta", h = 2, levels = NULL))
  expect_refused(auto_arima, list(y = c(y, NaN)), "`y` must not contain NA, NaN or infinite values")
  expect_refused(auto_arima, list(y = y, h = 0), "`h` must be a whole number")
  expect_refused(auto_arima, list(y = y, period = 0), "`period` must be a whole number")
  expect_refused(auto_arima, list(y = y, search = "random"), "should be one of")
  expect_refused(auto_arima, list(y = y, levels = c(0.8, NA)), "`levels` must be numbers in \\(0, 1\\)")
  e <- rnorm(20)
  expect_refused(dm_test, list(e1 = "a", e2 = e), "`e1` must be a numeric vector")
  expect_refused(dm_test, list(e1 = e, e2 = c(e[-1], NA)), "`e2` must not contain NA")
  expect_refused(dm_test, list(e1 = e, e2 = e + 1, alternative = "up"), "should be one of")
  expect_refused(dm_test, list(e1 = e, e2 = e + 1, h = 0), "`h` must be a whole number")
  expect_refused(dm_test, list(e1 = e, e2 = e + 1, power = -1), "`power` must be")
  expect_refused(dm_test, list(e1 = e, e2 = e + 1, varestimator = "hac"), "should be one of")
  expect_refused(clark_west_test, list(actual = e, forecast = e[-1], reference = e), "must have the same length")
  expect_refused(clark_west_test, list(actual = e, forecast = e, reference = factor(e)), "`reference` must be")
  expect_refused(clark_west_test, list(actual = e, forecast = e, reference = e, h = NA), "`h` must be")
  m <- matrix(rnorm(200), 100)
  g <- list(data = m, lookback = 10, delay = 1, min_index = 1, max_index = 80, step = 1)
  cases <- list(
    list(data = "x"), "`data` must be a numeric matrix",
    list(lookback = 0), "`lookback` must be a whole number",
    list(delay = -1), "`delay` must be a whole number",
    list(min_index = 0), "`min_index` must be a whole number",
    list(max_index = 1000), "`max_index \\+ delay` must be <= nrow",
    list(shuffle = NA), "`shuffle` must be TRUE or FALSE",
    list(batch_size = 0), "`batch_size` must be a whole number",
    list(step = 3), "`lookback` must be a multiple of `step`",
    list(target = 3), "`target` must be a column of `data`"
  )
  for (i in seq(1, length(cases), by = 2)) {
    expect_refused(generator, with_args(g, cases[[i]]), cases[[i + 1]])
  }
  expect_refused(evaluate_naive_method, list(generator = 1), "`generator` must be a function")
  expect_refused(evaluate_naive_method, list(generator = function() NULL), "`steps` must be given")
  gen <- do.call(generator, g)
  expect_refused(evaluate_naive_method, list(generator = gen, steps = 0), "`steps` must be a whole number")
  expect_refused(evaluate_naive_method, list(generator = gen, target = 1), "`target` must be the generator's")
  expect_refused(gru_spec, list(units = 0), "`units` must be a whole number")
  expect_refused(lstm_spec, list(dropout = 1), "`dropout` must be a rate in \\[0, 1\\)")
  expect_refused(simple_rnn_spec, list(recurrent_dropout = NA), "`recurrent_dropout` must be a rate")
  expect_refused(gru_spec, list(object = 32), "name the argument: units = 32")
  expect_refused(gru_spec, list(return_sequences = "yes"), "`return_sequences` must be TRUE or FALSE")
  expect_refused(gru_spec, list(bidirectional = NA), "`bidirectional` must be TRUE or FALSE")
  expect_refused(dense_spec, list(residual = 1), "`residual` must be TRUE or FALSE")
  expect_refused(dense_spec, list(quantiles = 1.2), "`quantiles` must be NULL or distinct interval levels")
  expect_refused(jena_climate, list(path = NA_character_), "`path` must be a single string")
  expect_refused(jena_climate, list(path = tempfile()), "`path` must name an existing file")
  expect_refused(jena_climate, list(download = NA), "`download` must be TRUE or FALSE")
  expect_refused(install_pybbdl, list(path = tempdir()), "`path` must be a pybbdl source folder")
  expect_refused(install_pybbdl, list(path = ".", envname = NA_character_), "`envname` must be a single string")
})

test_that("pybbdl_models() lists the registry and refuses a bad contract", {
  skip_if_no_pybbdl()
  all <- pybbdl_models()
  expect_true(all(c("naive", "arima", "gru", "nbeats") %in% all$model))
  expect_named(all, c("model", "family", "contracts", "capabilities", "defaults", "settings", "summary"))
  series <- pybbdl_models("series")
  expect_true("theta_m3" %in% series$model)
  expect_false("gru" %in% series$model)
  expect_true(all(c("comb", "comb_ivw") %in% pybbdl_models("combination")$model))
  expect_error(pybbdl_models("panel"), "`contract` must be NULL")
  expect_error(pybbdl_models(c("windows", "series")), "`contract` must be NULL")
  expect_error(pybbdl_models(NA_character_), "must be")
  expect_error(pybbdl_models(3), "must be a character vector")
})

test_that("pybbdl_metrics() lists the metric registry and refuses a bad kind", {
  skip_if_no_pybbdl()
  expect_error(pybbdl_metrics("points"), "`kind` must be NULL or one of")
  expect_error(pybbdl_metrics(c("point", "interval")), "`kind` must be NULL or one of")
  expect_error(pybbdl_metrics(NA_character_), "must be")
  expect_error(pybbdl_metrics(""), "must be")
  expect_error(pybbdl_metrics(1), "must be a character vector")
})

test_that("params = list(model = list(...)) reaches that model only; bad forms are refused in R", {
  skip_if_no_pybbdl()
  data <- macro_data()
  run <- forecast_compare(data, models = c("naive", "arima"), params = list(arima = list(order = c(1, 1, 0))),
                          levels = NULL, quick = TRUE)
  expect_match(run$wide$spec[run$wide$model == "arima"], "ARIMA\\(1,1,0\\)")
  expect_error(forecast_compare(data, models = "naive", params = list(1)), "must name a model")
  expect_error(forecast_compare(data, models = "naive", params = list(gru = list(units = 4))),
               "not a model of the run")
  expect_error(forecast_compare(data, models = "naive", params = list(naive = 3)), "must be a named list")
  expect_error(forecast_compare(data, models = "naive", params = "units=4"), "must be NULL or a named list")
  expect_error(forecast_compare(data, models = "naive", params = list(naive = list(k = 3))),
               "unknown parameter")
  expect_error(forecast_compare(data, models = c("naive", "arima"),
                                params = list(arima = list(max_p = 1), arima = list(max_q = 1))), "once")
})
