# Conversions between R data and pandas. Python modules are imported with convert = FALSE, so
# every result is converted here, explicitly, and users get R objects rather than proxies.

py_np <- function() python_module_raw("numpy")
py_pd <- function() python_module_raw("pandas")

python_module_raw <- function(name) {
  if (is.null(.modules[[name]])) .modules[[name]] <- reticulate::import(name, convert = FALSE)
  .modules[[name]]
}

#' R data as a pandas DataFrame
#'
#' A data frame keeps its numeric columns (integer and double) and uses its one Date or POSIXct
#' column, if any, as the time index; a `ts`/`mts` object gets a quarterly or monthly date index
#' when its frequency is 4 or 12 (the first day of each period), a plain row index otherwise;
#' a numeric matrix becomes columns `V1`, `V2`, ... unless it has column names.
#' @noRd
as_pandas_frame <- function(data, arg = "data") {
  frame <- as_time_frame(data, arg)
  pd <- py_pd()
  columns <- reticulate::dict()
  for (col in names(frame$values)) {
    columns[[col]] <- reticulate::np_array(as.numeric(frame$values[[col]]), dtype = "float64")
  }
  index <- NULL
  if (!is.null(frame$time)) {
    seconds <- if (inherits(frame$time, "Date")) {
      as.numeric(frame$time) * 86400
    } else {
      as.numeric(frame$time)
    }
    index <- pd$DatetimeIndex(pd$to_datetime(reticulate::np_array(seconds, dtype = "float64"), unit = "s"),
                              name = frame$time_name)
  }
  with_py_errors(pd$DataFrame(columns, index = index))
}

#' Split R data into a time column and numeric value columns (R side of as_pandas_frame)
#' @noRd
as_time_frame <- function(data, arg = "data") {
  if (stats::is.ts(data)) {
    values <- as.data.frame(unclass(as.matrix(data)))
    if (is.null(dim(data))) names(values) <- "y"
    freq <- stats::frequency(data)
    time <- NULL
    if (freq %in% c(4, 12)) {
      t <- as.numeric(stats::time(data))
      year <- floor(t + 1e-8)
      period <- round((t - year) * freq)
      time <- as.Date(sprintf("%04d-%02d-01", as.integer(year), as.integer(period * 12 / freq + 1)))
    }
    out <- list(values = values, time = time, time_name = "date")
    check_finite_columns(out, names(values), arg)
    return(out)
  }
  if (is.matrix(data)) {
    if (!is.numeric(data)) {
      stop("`", arg, "` must be a numeric matrix, not a ", typeof(data), " matrix.", call. = FALSE)
    }
    data <- as.data.frame(data)
  }
  if (!is.data.frame(data)) {
    stop("`", arg, "` must be a data frame, a `ts` object or a numeric matrix, not ",
         describe(data), ".", call. = FALSE)
  }
  is_time <- vapply(data, function(x) inherits(x, c("Date", "POSIXt")), logical(1))
  if (sum(is_time) > 1) {
    stop("`", arg, "` must have at most one Date or POSIXct column, not ", sum(is_time), " (",
         paste(names(data)[is_time], collapse = ", "), ").", call. = FALSE)
  }
  time <- if (any(is_time)) data[[which(is_time)]] else NULL
  if (inherits(time, "POSIXlt")) time <- as.POSIXct(time)
  if (!is.null(time) && anyNA(time)) {
    stop("The time column `", names(data)[is_time], "` must not contain NA.", call. = FALSE)
  }
  numeric <- vapply(data, function(x) is.numeric(x) && !inherits(x, c("Date", "POSIXt")), logical(1))
  list(values = data[numeric], time = time, time_name = if (any(is_time)) names(data)[is_time] else NULL)
}

#' A pandas DataFrame as an R data frame, its DatetimeIndex (or 1-based row numbers) first
#' @noRd
pandas_to_r_frame <- function(frame, time_class = c("POSIXct", "Date")) {
  time_class <- match.arg(time_class)
  np <- py_np()
  values <- reticulate::py_to_r(frame$to_numpy(dtype = "float64"))
  columns <- as.character(reticulate::py_to_r(frame$columns$astype("str")$tolist()))
  index <- frame$index
  if (inherits(index, "pandas.core.indexes.datetimes.DatetimeIndex")) {
    seconds <- as.numeric(reticulate::py_to_r(np$true_divide(index$asi8, 1e9)))
    time <- as.POSIXct(seconds, origin = "1970-01-01", tz = "UTC")
    if (time_class == "Date") time <- as.Date(time)
    time_name <- reticulate::py_to_r(index$name)
    if (is.null(time_name)) time_name <- "date"
  } else { # data without time stamps: 1-based row numbers
    time <- as.integer(reticulate::py_to_r(index$to_numpy(dtype = "int64"))) + 1L
    time_name <- "row"
  }
  out <- data.frame(time, values, check.names = FALSE)
  names(out) <- c(time_name, columns)
  out
}

#' A pandas DataFrame of results (strings, numbers) as an R data frame; NaN becomes NA
#' @noRd
pandas_table_to_r <- function(frame) {
  columns <- reticulate::py_to_r(frame$to_dict("list"))
  columns <- lapply(columns, function(col) {
    if (is.list(col)) col <- unlist(lapply(col, function(v) if (is.null(v)) NA else v))
    if (is.double(col)) col[is.nan(col)] <- NA_real_
    col
  })
  as.data.frame(columns, stringsAsFactors = FALSE, check.names = FALSE)
}

#' Refuse NA/NaN/Inf in the columns a model uses, with the count, the first timestamps (or 1-based
#' rows) and how to fill them
#' @noRd
check_finite_columns <- function(frame, columns, arg = "data") {
  for (col in columns) {
    x <- frame$values[[col]]
    bad <- which(!is.finite(x))
    if (!length(bad)) next
    where <- if (is.null(frame$time)) {
      paste("rows", paste(utils::head(bad, 3), collapse = ", "))
    } else {
      paste(format(utils::head(frame$time[bad], 3)), collapse = ", ")
    }
    stop("`", arg, "` column \"", col, "\" must hold finite numbers, but ", length(bad),
         " value(s) are NA, NaN or infinite, the first at ", where,
         if (length(bad) > 3) ", ..." else "", ". Fill them first (e.g. carry the last value ",
         "forward or interpolate) or drop those rows.", call. = FALSE)
  }
  invisible(columns)
}
