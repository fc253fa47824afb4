# Inputs as a careless R user gives them (QA pass on issues 11 and 12): each was a silent wrong
# answer, a Python-flavoured error or a print that did not say what ran. Naive/ARIMA only: fast.
qa_data <- function(n = 48) {
  set.seed(1)
  data.frame(date = seq(as.Date("2000-01-01"), by = "quarter", length.out = n),
             y = cumsum(rnorm(n)), x = rnorm(n))
}
qa_compare <- function(data, ...) {
  forecast_compare(data, models = c("naive", "arima"), quick = TRUE, ...)
}

test_that("a text date column (read.csv gives one) is the time index, parsed or refused, never dropped", {
  skip_if_no_pybbdl()
  df <- qa_data()
  want <- qa_compare(df)
  text <- df
  text$date <- format(df$date)               # "2000-01-01": read.csv() keeps it as character
  run <- qa_compare(text)
  expect_identical(run$forecasts$test, want$forecasts$test)
  expect_s3_class(run$forecasts$test$date, "Date")
  text$date <- factor(text$date)             # stringsAsFactors = TRUE
  expect_identical(qa_compare(text)$forecasts$test, want$forecasts$test)
  # a bad value is named with its row; a day/month order the values do not decide is refused
  dmy <- df
  dmy$date <- format(df$date, "%d/%m/%Y")
  dmy$date[7] <- "31/02/2001"
  expect_error(qa_compare(dmy), "column \"date\" holds dates as text.*'31/02/2001' at row 7.*as.Date")
  dmy$date <- format(df$date, "%d/%m/%Y")    # 01/04/2000: 1 April or 4 January?
  expect_error(qa_compare(dmy), "ambiguous: '01/04/2000' \\(row 2")
  two <- df
  two$when <- format(df$date)
  expect_error(qa_compare(two), "`data` must have at most one date column, not 2 \\(date, when\\)")
  other <- df
  other$group <- rep(c("a", "b"), length.out = nrow(df))  # text that is not dates stays out
  expect_identical(qa_compare(other)$forecasts$test, want$forecasts$test)
})

test_that("unsorted or repeated times are refused in R terms, naming 1-based rows and the times", {
  skip_if_no_pybbdl()
  df <- qa_data()
  expect_error(qa_compare(df[c(2, 1, 3:nrow(df)), ]),
               "`data` must be in time order: row 2 \\(2000-01-01\\) comes after row 1 \\(2000-04-01\\).*order\\(data\\$date\\)")
  df$date[10] <- df$date[9]
  expect_error(qa_compare(df), "rows 9 and 10 share the time 2002-01-01")
  df <- qa_data()
  df$date[3] <- NA
  expect_error(qa_compare(df), "time column `date` must not contain NA; the first is at row 3")
})

test_that("an irregular time index is an R warning that suppressWarnings() and tryCatch() see", {
  skip_if_no_pybbdl()
  df <- qa_data()[-(20:25), ]
  expect_warning(qa_compare(df), "largest gap is 639 days.*between 2004-07-01 and 2006-04-01")
  expect_warning(qa_compare(df), "irregular") # every call, not once per session
  expect_no_warning(suppressWarnings(qa_compare(df)))
})

test_that("`split` names are honoured in any order and fractions must sum to 1", {
  skip_if_no_pybbdl()
  df <- qa_data()
  named <- qa_compare(df, split = c(test = 0.25, train = 0.5, val = 0.25))
  plain <- qa_compare(df, split = c(0.5, 0.25, 0.25))
  expect_identical(named$settings$split, c(0.5, 0.25, 0.25))
  timed <- function(run) run$table[run$table$metric != "fit_seconds", ]
  expect_identical(timed(named), timed(plain))
  expect_error(qa_compare(df, split = c(0.5, 0.3)),
               "`split` must sum to 1, so that no row is left out silently, not 0.5, 0.3 \\(sum 0.8\\)")
  expect_error(qa_compare(df, split = c(a = 0.5, b = 0.5)), "must be named \"train\", \"val\"")
  expect_error(qa_compare(df, split = c(0.6, NA, 0.2)), "`split` must be 2 or 3 fractions")
})

test_that("print() and settings say what a quick run used: capped epochs, no early stopping, the seeds", {
  skip_if_no_pybbdl()
  run <- qa_compare(qa_data(), epochs = 50, patience = 20, seed = 7)
  s <- run$settings
  expect_identical(s$epochs, 3L)            # the Python workflow's QUICK cap
  expect_null(s$patience)
  expect_identical(s$epochs_given, 50L)
  expect_identical(s$patience_given, 20L)
  expect_identical(s$seeds, 7L)
  expect_match(format(run)[[2]], "epochs 3, batch_size 16, patience none; seed 7, seeds 7; quick run",
               fixed = TRUE)
})

test_that("forecast_backtest(start =) beyond the data is refused in R terms", {
  skip_if_no_pybbdl()
  expect_error(forecast_backtest(qa_data(), models = "naive", start = 49),
               "`start` must be a row of `data` \\(1 to 48\\) or a fraction in \\(0, 1\\), not 49")
})

test_that("dm_test() stops like dm.test() on identical losses and checks the length in R", {
  skip_if_no_pybbdl()
  set.seed(2)
  e <- rnorm(30)
  expect_error(dm_test(e, e), "cannot be computed: identical losses")
  expect_error(dm_test(e, -e), "cannot be computed")
  if (requireNamespace("forecast", quietly = TRUE)) {
    expect_error(forecast::dm.test(e, e), "Variance of DM statistic is zero")
  }
  expect_error(dm_test(e, e + 1, h = 20), "must have at least max\\(3, 2 \\* h\\) = 40 values for h = 20, not 30")
})

test_that("train_gan() checks images and label_smoothing in R before Python sees them", {
  skip_if_no_pybbdl()
  images <- array(0.5, c(8, 28, 28))
  images[3, 1, 1] <- NA
  expect_error(train_gan("mlp", images, epochs = 1, batch_size = 4),
               "`images` must hold finite pixel values, but 1 are NA, NaN or infinite \\(the first in image 3\\)")
  expect_error(train_gan("mlp", array(0, c(10, 20, 20)), epochs = 1, batch_size = 4),
               "n x 28 x 28 \\(or n x 28 x 28 x 1\\), not 10 x 20 x 20")
  expect_error(train_gan("mlp", array(0, c(8, 28, 28)), epochs = 1, label_smoothing = 0.5),
               "`label_smoothing` must be a number in \\[0, 0.5\\), not 0.5")
})

test_that("autoplot() serves the privacy and GAN results too (issue 12: every result class)", {
  skip_if_no_pybbdl()
  skip_if_quick_check()
  skip_if_not_installed("ggplot2")
  set.seed(5)
  fit <- train_gan("mlp", array(runif(16 * 28 * 28), c(16, 28, 28)), epochs = 1, batch_size = 8)
  p <- ggplot2::autoplot(fit)
  expect_s3_class(p, "ggplot")
  expect_identical(nrow(p$data), 2L * nrow(fit$history))
  expect_identical(p$data$value[p$data$series == "g_loss"], fit$history$g_loss)
  run <- dp_train_mnist(dirname(shared_data_file("mnist/train-images-idx3-ubyte.gz")), epochs = 1,
                        limit = 100, batch_size = 32, noise_multiplier = 1.1)
  p <- ggplot2::autoplot(run)
  expect_s3_class(p, "ggplot")
  expect_identical(p$data$value[p$data$series == "epsilon spent"], run$ledger$epsilon)
  path <- tempfile(fileext = ".png")
  ggplot2::ggsave(path, p, width = 5, height = 3)
  expect_gt(file.size(path), 1000)
})

test_that("repeated seeds, NA model names and baselines outside the comparison are refused in R", {
  skip_if_no_pybbdl()
  df <- qa_data()
  expect_error(qa_compare(df, seeds = c(1, 2, 1)), "`seeds` must not repeat a seed .* not 1, 2, 1")
  expect_error(qa_compare(df, seeds = c(-1, 2)), "whole numbers >= 0, not -1, 2")
  expect_error(forecast_compare(df, models = c("naive", NA)), "`models` must be model names, not NA \\(element 2\\)")
  expect_error(qa_compare(df, baselines = "gru"),
               "`baselines` must name models of the comparison \\(\"naive\", \"arima\"\\), not \"gru\"")
})

test_that("zoo and xts objects keep their index as the time, not row numbers", {
  skip_if_no_pybbdl()
  skip_if_not_installed("zoo")
  df <- qa_data()
  want <- qa_compare(df)
  run <- qa_compare(zoo::zoo(df[c("y", "x")], df$date))
  expect_identical(run$forecasts$test, want$forecasts$test)
  quarterly <- zoo::zoo(df$y, zoo::as.yearqtr(df$date))
  fc <- qa_compare(quarterly)$forecasts$test
  expect_identical(names(fc)[1:2], c("date", "actual"))
  expect_identical(fc$date, want$forecasts$test$date)
  expect_error(qa_compare(zoo::zoo(matrix(letters[1:20], 10), seq_len(10))), "must hold numbers")
})

test_that("pybbdl's plain UserWarnings reach R as warnings; other libraries' deprecations do not", {
  skip_if_no_pybbdl()
  expect_warning(dp_epsilon(100, 10, 1.1, 1, delta = 0.5), "delta=0.5 >= 1/n = 0.01")
  warn <- reticulate::import("warnings", convert = FALSE)
  expect_no_warning(pybbdl:::with_py_errors(warn$warn("old API", reticulate::import_builtins()$FutureWarning)))
})
