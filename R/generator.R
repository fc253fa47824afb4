#' The book's data generator for timeseries
#'
#' `generator()` is the function of *Deep Learning with R* (Chollet & Allaire, section 6.3.2)
#' with its arguments and its behaviour: it returns a function that, each time it is called,
#' yields a batch `list(samples, targets)`, the same values as the book's function. The windows
#' are cut by the Python core (`pybbdl.windows.generator(convention = "r")`).
#'
#' Rows are R's 1-based indices. A batch takes the rows `rows` (the row after each window):
#' sequentially from `min_index + lookback`, starting again there when `i + batch_size >=
#' max_index` (the book's wrap-around, so the last rows before `max_index` are seldom used), or,
#' with `shuffle = TRUE`, drawn by `sample()` without replacement from
#' `(min_index + lookback):max_index`, exactly as the book draws them, so `set.seed()` gives the
#' book's batches. The window of row `r` is `data[seq(r - lookback, r - 1, length.out =
#' lookback / step), ]` (fractional indices truncated, as R subsetting does) and its target is
#' `data[r + delay, target]`, `delay + 1` rows after the window's last row.
#'
#' @param data A numeric matrix (rows = time steps, columns = variables), already scaled as in
#'   the book; or a data frame of numeric columns, or a `ts`/`mts` object.
#' @param lookback Rows of history per window, a whole number >= 1 and a multiple of `step`
#'   (the book: 1440 = 10 days of 10-minute data).
#' @param delay The target lies `delay` rows after the window's end row `r` (the book: 144 = 24 h
#'   of 10-minute data), a whole number >= 0.
#' @param min_index,max_index First and last row (1-based, both included) that the windows and
#'   their rows are drawn from. `max_index = NULL` means `nrow(data) - delay - 1`, as in the book.
#' @param shuffle Draw the rows at random (`TRUE`, for training) or in order.
#' @param batch_size Windows per batch.
#' @param step Keep one row in `step` within a window (the book: 6 = hourly).
#' @param target Column of `data` that holds the target; the book's temperature is column 2.
#'
#' @return A function of no arguments, of class `pybbdl_generator`, returning `list(samples,
#'   targets)`: `samples` an array of dimension `c(batch, lookback / step, ncol(data))` and
#'   `targets` a one-dimensional array of length `batch`. Its attribute `steps` is the book's
#'   `val_steps`, `(max_index - min_index - lookback) %/% batch_size`.
#' @family book
#' @export
#' @examples
#' if (pybbdl_available()) {
#'   data <- matrix(rnorm(2000), ncol = 4)
#'   val_gen <- generator(data, lookback = 24, delay = 6, min_index = 1, max_index = 300,
#'                        step = 2, batch_size = 16)
#'   batch <- val_gen()
#'   dim(batch[[1]])   # 16 windows x 12 time steps x 4 variables
#'   evaluate_naive_method(val_gen)
#' }
generator <- function(data, lookback, delay, min_index, max_index, shuffle = FALSE,
                      batch_size = 128, step = 6, target = 2) {
  data <- as_numeric_matrix(data)
  lookback <- check_count(lookback, "lookback")
  delay <- check_count(delay, "delay", minimum = 0)
  min_index <- check_count(min_index, "min_index")
  max_index <- if (is.null(max_index)) nrow(data) - delay - 1L else check_count(max_index, "max_index")
  shuffle <- check_flag(shuffle, "shuffle")
  batch_size <- check_count(batch_size, "batch_size")
  step <- check_count(step, "step")
  target <- check_count(target, "target")
  if (lookback %% step != 0) {
    stop("`lookback` must be a multiple of `step` (a window holds lookback / step rows), not ",
         "lookback = ", lookback, " with step = ", step, ".", call. = FALSE)
  }
  if (target > ncol(data)) {
    stop("`target` must be a column of `data` (1 to ", ncol(data), "), not ", target, ".",
         call. = FALSE)
  }
  if (min_index + lookback > max_index) {
    stop("`min_index + lookback` must be <= `max_index`, not ", min_index, " + ", lookback, " > ",
         max_index, ": no row has a full window.", call. = FALSE)
  }
  if (max_index + delay > nrow(data)) {
    stop("`max_index + delay` must be <= nrow(data) = ", nrow(data), ", not ", max_index, " + ",
         delay, ": the targets of the last rows would lie past the data. The largest valid ",
         "`max_index` is ", nrow(data) - delay, ".", call. = FALSE)
  }
  population <- (min_index + lookback):max_index
  target_rows <- population + delay
  bad <- target_rows[!is.finite(data[target_rows, target])]
  if (length(bad)) {
    stop("The target column ", target, " of `data` must be finite in the rows the targets come ",
         "from, not NA/NaN/Inf in ", length(bad), " row(s), first ", paste(utils::head(bad, 5), collapse = ", "),
         ". Fill or drop them first.", call. = FALSE)
  }
  if (shuffle && batch_size > length(population)) {
    stop("`batch_size` must be <= the ", length(population), " rows that a shuffled batch is ",
         "drawn from without replacement, not ", batch_size, ".", call. = FALSE)
  }
  py_gen <- with_py_errors(python_module("windows")$generator(
    data, lookback = lookback, delay = delay, min_index = min_index, max_index = max_index,
    shuffle = shuffle, batch_size = batch_size, step = step, target_col = target - 1L,
    convention = "r"
  ))
  next_batch <- function() {
    batch <- if (shuffle) {
      rows <- population[sample.int(length(population), batch_size)] # = the book's sample()
      with_py_errors(py_gen$batch(reticulate::np_array(rows, dtype = "int64")))
    } else {
      with_py_errors(reticulate::py_call(py_gen))
    }
    batch <- reticulate::py_to_r(batch)
    list(batch[[1]], batch[[2]])
  }
  structure(next_batch, class = c("pybbdl_generator", "function"), py_generator = py_gen,
            steps = max(1L, (max_index - min_index - lookback) %/% batch_size),
            settings = list(lookback = lookback, delay = delay, min_index = min_index,
                            max_index = max_index, shuffle = shuffle, batch_size = batch_size,
                            step = step, target = target, dim = dim(data)))
}

#' @export
print.pybbdl_generator <- function(x, ...) {
  s <- attr(x, "settings")
  cat("<pybbdl_generator> batches of list(samples, targets)\n")
  cat(sprintf("  data %d x %d, rows %d:%d, lookback %d, step %d, delay %d, target column %d\n",
              s$dim[[1]], s$dim[[2]], s$min_index + s$lookback, s$max_index, s$lookback, s$step,
              s$delay, s$target))
  cat(sprintf("  batch_size %d, %s, %d batches per pass (val_steps)\n", s$batch_size,
              if (s$shuffle) "shuffled" else "in order", attr(x, "steps")))
  if (reticulate::py_is_null_xptr(attr(x, "py_generator"))) {
    cat("  (its Python object is gone: this R session restarted; make the generator again)\n")
  }
  invisible(x)
}

#' The book's common-sense baseline: the last value in each window as the forecast
#'
#' The mean absolute error, in the units of `data` (scaled, in the book), of forecasting each
#' target by the target column's last value in its window, averaged over `steps` batches: the
#' book's `evaluate_naive_method()` (section 6.3.3), which prints 0.29 (2.57 degC) on the Jena
#' validation rows.
#'
#' A generator from [generator()] that is not shuffled is evaluated in Python, rewound first, so
#' the result does not depend on batches drawn before. Any other generator function (a shuffled
#' one, or the book's own function) is called `steps` times as it is, in R.
#'
#' @param generator A generator from [generator()], or any function returning
#'   `list(samples, targets)` as the book's does.
#' @param steps Batches to average over. Default for a [generator()]: its `steps` attribute, the
#'   book's `val_steps`; required for other functions.
#' @param target Column of the samples holding the target. Default: the generator's `target`,
#'   or 2 (the book's temperature) for other functions.
#' @return The mean of the batch MAEs, a number.
#' @family book
#' @export
#' @examples
#' if (pybbdl_available()) {
#'   data <- scale(matrix(rnorm(4000), ncol = 4))
#'   val_gen <- generator(data, lookback = 24, delay = 6, min_index = 601, max_index = 900,
#'                        step = 2, batch_size = 32)
#'   evaluate_naive_method(val_gen)
#' }
evaluate_naive_method <- function(generator, steps = NULL, target = NULL) {
  if (!is.function(generator)) {
    stop("`generator` must be a function such as one from generator(), not ", describe(generator),
         ".", call. = FALSE)
  }
  ours <- inherits(generator, "pybbdl_generator")
  if (is.null(steps)) {
    if (!ours) {
      stop("`steps` must be given for a generator not made by pybbdl::generator() ",
           "(the book's val_steps).", call. = FALSE)
    }
    steps <- attr(generator, "steps")
  }
  steps <- check_count(steps, "steps")
  if (ours) {
    settings <- attr(generator, "settings")
    if (!is.null(target) && check_count(target, "target") != settings$target) {
      stop("`target` must be the generator's target column ", settings$target, ", not ", target,
           ".", call. = FALSE)
    }
    target <- settings$target
    if (!settings$shuffle) {
      mae <- with_py_errors(python_module("models")$evaluate_naive_method(attr(generator, "py_generator"),
                                                                  steps = steps))
      return(reticulate::py_to_r(mae))
    }
  }
  target <- if (is.null(target)) 2L else check_count(target, "target")
  batch_maes <- numeric(steps)
  for (i in seq_len(steps)) {
    batch <- generator()
    samples <- batch[[1]]
    if (length(dim(samples)) != 3 || target > dim(samples)[[3]]) {
      stop("The generator must return list(samples, targets) with samples of dimension ",
           "c(batch, steps, variables) holding column `target` = ", target, ".", call. = FALSE)
    }
    preds <- samples[, dim(samples)[[2]], target]
    batch_maes[[i]] <- mean(abs(preds - batch[[2]]))
  }
  mean(batch_maes)
}

#' A numeric matrix from a matrix, a data frame of numeric columns, or a ts object
#' @noRd
as_numeric_matrix <- function(data, arg = "data") {
  if (stats::is.ts(data)) data <- unclass(as.matrix(data))
  if (is.data.frame(data)) {
    bad <- !vapply(data, function(x) is.numeric(x) && !inherits(x, c("Date", "POSIXt")), logical(1))
    if (any(bad)) {
      stop("`", arg, "` must have numeric columns only, not ", paste0("`", names(data)[bad], "` (",
           vapply(data[bad], function(x) class(x)[[1]], ""), ")", collapse = ", "),
           ". As in the book, drop the time column first: data.matrix(data[, -1]).", call. = FALSE)
    }
    data <- data.matrix(data)
  }
  if (!is.matrix(data) && is.numeric(data) && is.null(dim(data))) data <- matrix(data, ncol = 1)
  if (!is.matrix(data) || !is.numeric(data)) {
    stop("`", arg, "` must be a numeric matrix, data frame or ts object, not ", describe(data), ".",
         call. = FALSE)
  }
  storage.mode(data) <- "double"
  attr(data, "tsp") <- NULL
  data
}
