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
as_pandas_frame <- function(data, arg = "data", frame = as_time_frame(data, arg)) {
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
      time <- first_of_month(as.numeric(stats::time(data)))
    }
    out <- list(values = values, time = time, time_name = "date")
    check_finite_columns(out, names(values), arg)
    return(out)
  }
  if (inherits(data, "zoo")) { # zoo and xts: the index is the time (yearmon/yearqtr as dates)
    time <- stats::time(data)
    if (inherits(time, c("yearmon", "yearqtr"))) time <- first_of_month(unclass(time))
    if (inherits(time, "POSIXlt")) time <- as.POSIXct(time)
    if (!inherits(time, c("Date", "POSIXct"))) time <- NULL # a plain numeric index: row numbers
    matrix <- as.matrix(data)
    if (!is.numeric(matrix)) {
      stop("`", arg, "` must hold numbers, not a ", typeof(matrix), " ", class(data)[[1]], " object.",
           call. = FALSE)
    }
    values <- as.data.frame(unclass(matrix))
    if (is.null(dim(data)) || is.null(colnames(data))) {
      names(values) <- if (ncol(values) == 1) "y" else paste0("V", seq_len(ncol(values)))
    }
    if (!is.null(time)) check_time_order(time, "index", arg)
    return(list(values = values, time = time, time_name = "date"))
  }
  if (is.matrix(data)) {
    if (!is.numeric(data)) {
      stop("`", arg, "` must be a numeric matrix, not a ", typeof(data), " matrix.", call. = FALSE)
    }
    data <- as.data.frame(data)
  }
  if (!is.data.frame(data)) {
    stop("`", arg, "` must be a data frame, a `ts` or zoo object or a numeric matrix, not ",
         describe(data), ".", call. = FALSE)
  }
  data <- as.data.frame(data) # a tibble (or other data frame subclass) as a plain data frame
  is_time <- vapply(data, function(x) inherits(x, c("Date", "POSIXt")), logical(1))
  # dates stored as text (read.csv() gives them) are parsed by the rule the CSV reader uses, never
  # silently dropped as a non-numeric column
  is_text <- vapply(data, function(x) is.character(x) || is.factor(x), logical(1))
  text_dates <- names(data)[is_text][vapply(data[is_text], text_looks_like_dates, logical(1))]
  if (sum(is_time) + length(text_dates) > 1) {
    stop("`", arg, "` must have at most one date column, not ", sum(is_time) + length(text_dates),
         " (", paste(c(names(data)[is_time], text_dates), collapse = ", "), "); drop the others.",
         call. = FALSE)
  }
  time_name <- if (any(is_time)) names(data)[is_time] else if (length(text_dates)) text_dates else NULL
  time <- if (any(is_time)) data[[which(is_time)]] else NULL
  if (length(text_dates)) time <- parse_text_dates(data[[text_dates]], text_dates, arg)
  if (inherits(time, "POSIXlt")) time <- as.POSIXct(time)
  if (!is.null(time)) check_time_order(time, time_name, arg)
  numeric <- vapply(data, function(x) is.numeric(x) && !inherits(x, c("Date", "POSIXt")), logical(1))
  list(values = data[numeric], time = time, time_name = time_name)
}

#' Fractional years (ts time, zoo's yearmon/yearqtr: 2000.25 = April 2000) as the first day of
#' their month
#' @noRd
first_of_month <- function(t) {
  year <- floor(t + 1e-8)
  month <- round((t - year) * 12) + 1
  as.Date(sprintf("%04d-%02d-01", as.integer(year), as.integer(month)))
}

#' Does a text (or factor) column look like dates? The Python reader's rule
#' (`pybbdl.data.dates.looks_like_dates`), so R and a CSV read by pybbdl agree.
#' @noRd
text_looks_like_dates <- function(x) {
  x <- as.character(x)
  if (!length(x) || all(is.na(x)) || !any(grepl("[0-9]", x))) {
    return(FALSE)
  }
  series <- py_pd()$Series(reticulate::r_to_py(as.list(x)), dtype = "object")
  isTRUE(reticulate::py_to_r(with_py_errors(python_module("data.dates")$looks_like_dates(series))))
}

#' Parse a text date column completely, as pybbdl's CSV reader does (one format for every value);
#' a Date when every stamp is midnight, else POSIXct (UTC). Refused with the first bad value.
#' @noRd
parse_text_dates <- function(x, name, arg) {
  series <- py_pd()$Series(reticulate::r_to_py(as.list(as.character(x))), dtype = "object")
  stamps <- tryCatch(
    with_py_errors(python_module("data.dates")$parse_dates(series, column = name)),
    pybbdl_dataerror = function(e) {
      stop("`", arg, "` column \"", name, "\" holds dates as text that pybbdl cannot read in one ",
           "format: ", e$python_message, "\nConvert the column yourself first, e.g. data$", name,
           " <- as.Date(data$", name, ", format = \"%d/%m/%Y\").", call. = FALSE)
    }
  )
  seconds <- as.numeric(reticulate::py_to_r(py_np()$true_divide(stamps$asi8, 1e9)))
  time <- as.POSIXct(seconds, origin = "1970-01-01", tz = "UTC")
  if (all(seconds %% 86400 == 0)) as.Date(time) else time
}

#' The time column must be complete, increasing and without repeats (R's rows, counted from 1)
#' @noRd
check_time_order <- function(time, name, arg) {
  if (anyNA(time)) {
    stop("The time column `", name, "` must not contain NA; the first is at row ",
         which(is.na(time))[[1]], ".", call. = FALSE)
  }
  step <- diff(as.numeric(time))
  back <- which(step < 0)
  if (length(back)) {
    i <- back[[1]]
    stop("`", arg, "` must be in time order: row ", i + 1, " (", format(time[[i + 1]]),
         ") comes after row ", i, " (", format(time[[i]]), "). Sort it first, e.g. data <- data[order(data$",
         name, "), ].", call. = FALSE)
  }
  same <- which(step == 0)
  if (length(same)) {
    i <- same[[1]]
    stop("`", arg, "` must have one row per period, but rows ", i, " and ", i + 1, " share the time ",
         format(time[[i]]), " (", length(same), " repeat(s) in all). Drop or aggregate the repeats first.",
         call. = FALSE)
  }
  invisible(time)
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
