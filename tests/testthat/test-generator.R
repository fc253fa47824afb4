# The book's generator(), copied literally from Deep Learning with R (Chollet & Allaire, 2018),
# section 6.3.2 (listing 6.33), as the oracle. Only its name differs.
book_generator <- function(data, lookback, delay, min_index, max_index,
                           shuffle = FALSE, batch_size = 128, step = 6) {
  if (is.null(max_index))
    max_index <- nrow(data) - delay - 1
  i <- min_index + lookback
  function() {
    if (shuffle) {
      rows <- sample(c((min_index+lookback):max_index), size = batch_size)
    } else {
      if (i + batch_size >= max_index)
        i <<- min_index + lookback
      rows <- c(i:min(i+batch_size-1, max_index))
      i <<- i + length(rows)
    }

    samples <- array(0, dim = c(length(rows),
                                lookback / step,
                                dim(data)[[-1]]))
    targets <- array(0, dim = c(length(rows)))

    for (j in 1:length(rows)) {
      indices <- seq(rows[[j]] - lookback, rows[[j]] - 1,
                     length.out = dim(samples)[[2]])
      samples[j,,] <- data[indices,]
      targets[[j]] <- data[rows[[j]] + delay,2]
    }

    list(samples, targets)
  }
}

# The book's evaluate_naive_method() (section 6.3.3), with val_gen and val_steps as arguments
# instead of globals and the value returned instead of printed.
book_naive_mae <- function(val_gen, val_steps) {
  batch_maes <- c()
  for (step in 1:val_steps) {
    c_samples_targets <- val_gen()
    samples <- c_samples_targets[[1]]
    targets <- c_samples_targets[[2]]
    preds <- samples[,dim(samples)[[2]],2]
    mae <- mean(abs(preds - targets))
    batch_maes <- c(batch_maes, mae)
  }
  mean(batch_maes)
}

small_data <- function(n = 200, p = 3) {
  set.seed(20180201)
  matrix(round(rnorm(n * p), 3), ncol = p)
}

expect_same_batches <- function(ours, book, n_batches) {
  for (b in seq_len(n_batches)) {
    expect_identical(ours(), book(), label = paste("batch", b))
  }
}

test_that("generator() yields the book's batches, wrap-around and fractional indices included", {
  skip_if_no_pybbdl()
  data <- small_data()
  cases <- list(
    list(lookback = 12, step = 4, delay = 5, min_index = 3, max_index = 150, batch_size = 16),
    list(lookback = 10, step = 1, delay = 0, min_index = 1, max_index = 60, batch_size = 7),
    list(lookback = 6, step = 6, delay = 2, min_index = 10, max_index = 40, batch_size = 5),
    list(lookback = 8, step = 4, delay = 3, min_index = 1, max_index = NULL, batch_size = 32)
  )
  for (case in cases) {
    ours <- do.call(generator, c(list(data), case))
    book <- do.call(book_generator, c(list(data), case))
    # 12 batches run past max_index several times for every case
    expect_same_batches(ours, book, 12)
  }
})

test_that("generator() with shuffle = TRUE draws the book's rows after set.seed()", {
  skip_if_no_pybbdl()
  data <- small_data()
  ours <- generator(data, lookback = 12, delay = 4, min_index = 1, max_index = 120, shuffle = TRUE,
                    batch_size = 20, step = 3)
  book <- book_generator(data, lookback = 12, delay = 4, min_index = 1, max_index = 120,
                         shuffle = TRUE, batch_size = 20, step = 3)
  for (b in 1:3) {
    set.seed(b)
    mine <- ours()
    set.seed(b)
    expect_identical(mine, book())
  }
})

test_that("generator() takes data frames and ts objects as their matrix", {
  skip_if_no_pybbdl()
  data <- small_data(80, 2)
  args <- list(lookback = 6, delay = 1, min_index = 1, max_index = 50, batch_size = 9, step = 2)
  want <- do.call(book_generator, c(list(data), args))()
  expect_identical(do.call(generator, c(list(as.data.frame(data)), args))(), want)
  expect_identical(do.call(generator, c(list(ts(data, frequency = 4, start = 1990)), args))(), want)
  storage.mode(data) <- "integer"
  expect_identical(do.call(generator, c(list(data), args))(),
                   do.call(book_generator, c(list(data), args))())
})

test_that("generator() is a pybbdl_generator with the book's val_steps", {
  skip_if_no_pybbdl()
  gen <- generator(small_data(), lookback = 12, delay = 5, min_index = 3, max_index = 150,
                   batch_size = 16, step = 4)
  expect_s3_class(gen, "pybbdl_generator")
  expect_identical(attr(gen, "steps"), (150L - 3L - 12L) %/% 16L)
  expect_output(print(gen), "rows 15:150, lookback 12, step 4, delay 5, target column 2")
})

test_that("evaluate_naive_method() equals the book's loop", {
  skip_if_no_pybbdl()
  data <- small_data(300, 3)
  args <- list(lookback = 12, delay = 5, min_index = 101, max_index = 250, batch_size = 16, step = 4)
  val_gen <- do.call(generator, c(list(data), args))
  steps <- attr(val_gen, "steps")
  want <- book_naive_mae(do.call(book_generator, c(list(data), args)), steps)
  expect_equal(evaluate_naive_method(val_gen), want, tolerance = 1e-12)
  # rewound first: the batches drawn before do not matter
  val_gen()
  expect_equal(evaluate_naive_method(val_gen), want, tolerance = 1e-12)
  # any function with the book's output works, given `steps`
  expect_identical(evaluate_naive_method(do.call(book_generator, c(list(data), args)), steps = steps),
                   want)
  # a shuffled generator is evaluated in R on the same draws
  shuffled <- do.call(generator, c(list(data), modifyList(args, list(shuffle = TRUE))))
  book_shuffled <- do.call(book_generator, c(list(data), modifyList(args, list(shuffle = TRUE))))
  set.seed(11)
  mine <- evaluate_naive_method(shuffled, steps = 4)
  set.seed(11)
  expect_identical(mine, book_naive_mae(book_shuffled, 4))
})

test_that("generator() says what is wrong before Python sees the arguments", {
  data <- small_data(100, 3)
  expect_error(generator(data, lookback = -5, delay = 1, min_index = 1, max_index = 50),
               "`lookback` must be a whole number between 1 and 2147483647, not -5")
  expect_error(generator(data, lookback = 12, delay = 1, min_index = 1, max_index = 50, step = 5),
               "`lookback` must be a multiple of `step`")
  expect_error(generator(data, lookback = 12, delay = 10, min_index = 1, max_index = 95, step = 6),
               "The largest valid `max_index` is 90")
  expect_error(generator(data, lookback = 12, delay = 1, min_index = 1, max_index = 50, target = 4),
               "`target` must be a column of `data` \\(1 to 3\\), not 4")
  expect_error(generator(data, lookback = 60, delay = 1, min_index = 1, max_index = 50, step = 6),
               "no row has a full window")
  expect_error(generator(data, lookback = 12, delay = 1, min_index = 1, max_index = 20, step = 6,
                         shuffle = TRUE, batch_size = 64),
               "`batch_size` must be <= the 8 rows")
  frame <- data.frame(time = Sys.Date() + 1:100, data)
  expect_error(generator(frame, lookback = 12, delay = 1, min_index = 1, max_index = 50),
               "`time` \\(Date\\).*data.matrix\\(data\\[, -1\\]\\)")
  data[40, 2] <- NA
  expect_error(generator(data, lookback = 12, delay = 1, min_index = 1, max_index = 50),
               "The target column 2 of `data` must be finite .* first 40")
  expect_error(evaluate_naive_method(function() 1), "`steps` must be given")
  expect_error(evaluate_naive_method(42), "`generator` must be a function")
})

test_that("generator() on the Jena record equals the book's function, as the book uses it", {
  skip_if_no_pybbdl()
  data <- jena_climate(path = shared_data_file("jena_hourly_2009_2016_6vars_subset.npz"))
  data <- data.matrix(data[, -1]) # the book's step: drop the time column
  train <- 1:40000
  data <- scale(data, center = apply(data[train, ], 2, mean), scale = apply(data[train, ], 2, sd))
  # hourly rows: 10 days of history (240 rows, one in 3 kept), the temperature a day ahead;
  # the subset's column 2 is the pressure, the book's target column
  args <- list(lookback = 240, delay = 24, min_index = 40001, max_index = 55000, batch_size = 128,
               step = 3)
  ours <- do.call(generator, c(list(data), args))
  book <- do.call(book_generator, c(list(data), args))
  expect_same_batches(ours, book, 3)
  expect_equal(evaluate_naive_method(ours, steps = 20),
               book_naive_mae(do.call(book_generator, c(list(data), args)), 20), tolerance = 1e-12)
})
