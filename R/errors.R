# Errors: arguments are checked in R before Python sees them ("must ..., not ..."); what Python
# still raises comes back as an R error of class `pybbdl_python_error` with the Python message and
# a hint, never a traceback (the traceback stays available through reticulate::py_last_error()).

#' Evaluate a call into Python, turning a Python exception into an R error with a hint, and
#' pybbdl's Python warnings (an irregular time index, say) into R warnings
#' @noRd
with_py_errors <- function(expr) {
  with_py_warnings(tryCatch(expr, error = function(e) {
    if (inherits(e, "pybbdl_error")) stop(e)
    parsed <- parse_python_error(conditionMessage(e))
    if (is.null(parsed)) stop(e) # an R error (from a callback, say): leave it as it is
    stop(structure(
      class = c(paste0("pybbdl_", tolower(parsed$type)), "pybbdl_python_error", "pybbdl_error",
                "error", "condition"),
      list(message = paste0(parsed$message, "\n", python_hint(parsed$type)),
           python_type = parsed$type, python_message = parsed$message, call = NULL)
    ))
  }))
}

#' Record the Python warnings raised while `expr` runs: pybbdl's own (its warning classes, or
#' UserWarnings raised outside installed libraries) become R warnings (so suppressWarnings() and
#' tryCatch(warning = ) see them); others (TensorFlow's, say) are shown as Python shows them
#' @noRd
with_py_warnings <- function(expr) {
  if (!reticulate::py_available(initialize = FALSE)) {
    return(expr)
  }
  py_warnings <- python_module_raw("warnings")
  ctx <- py_warnings$catch_warnings(record = TRUE)
  log <- ctx$`__enter__`()
  open <- TRUE
  on.exit(if (open) ctx$`__exit__`(NULL, NULL, NULL))
  value <- expr
  ctx$`__exit__`(NULL, NULL, NULL)
  open <- FALSE
  reticulate::iterate(log, function(w) {
    module <- reticulate::py_to_r(reticulate::py_get_attr(w$category, "__module__"))
    file <- reticulate::py_to_r(w$filename)
    builtins <- reticulate::import_builtins(convert = FALSE)
    user <- reticulate::py_to_r(builtins$issubclass(w$category, builtins$UserWarning))
    if (startsWith(module, "pybbdl") || (user && !grepl("site-packages|dist-packages", file))) {
      warning(reticulate::py_to_r(reticulate::import_builtins(convert = FALSE)$str(w$message)),
              call. = FALSE)
    } else {
      py_warnings$showwarning(w$message, w$category, w$filename, w$lineno)
    }
  })
  value
}

# reticulate 1.28 reports "ExceptionType: message" (the message may span lines); returns NULL when
# the text does not look like a Python exception.
parse_python_error <- function(text) {
  text <- sub("\n+$", "", text)
  m <- regmatches(text, regexec("^([A-Za-z_][A-Za-z0-9_.]*(Error|Exception|Warning|Exit)): ?(.*)$",
                                text))[[1]]
  if (!length(m)) {
    return(NULL)
  }
  list(type = sub("^.*\\.", "", m[[2]]), message = m[[4]])
}

python_hint <- function(type) {
  switch(type,
    DataError = "Hint: the data do not fit what this function needs; fix the rows or columns named above.",
    DatasetUnavailableError = "Hint: download the file once and pass it with `path = `.",
    FileNotFoundError = "Hint: check the path; relative paths start at getwd().",
    ArgumentError = ,
    ArgumentTypeError = ,
    ValueError = ,
    TypeError = paste0("Hint: check the argument named above; the help page of the function you ",
                       "called (?name) lists what each accepts."),
    ModuleNotFoundError = ,
    ImportError = paste0("Hint: the Python environment lacks a package; ", "run `make setup-r` in the ",
                         "pybbdl source folder or pybbdl::install_pybbdl(), then restart R."),
    NotFittedError = "Hint: fit the model first.",
    OutputError = "Hint: choose an output folder you can write to.",
    ModelFitError = "Hint: the model could not be fitted; try other settings or data.",
    paste0("Hint: this may be a bug in pybbdl; reticulate::py_last_error() shows the Python ",
           "traceback.")
  )
}

# ---- checks at the entry points -------------------------------------------------------------

# Whole numbers cross to Python as R integers, so they must fit one: 3e9 is refused here rather
# than becoming NA (as.integer) or an overflow inside Python.
check_count <- function(x, name, minimum = 1, null_ok = FALSE) {
  if (is.null(x) && null_ok) {
    return(NULL)
  }
  maximum <- .Machine$integer.max
  if (!is.numeric(x) || length(x) != 1 || is.na(x) || !is.finite(x) || x != round(x) ||
      x < minimum || x > maximum) {
    stop("`", name, "` must be a whole number between ", minimum, " and ", maximum, ", not ",
         describe(x), ".", call. = FALSE)
  }
  as.integer(x)
}

check_number <- function(x, name, lower = -Inf, upper = Inf, open = TRUE) {
  ok <- is.numeric(x) && length(x) == 1 && !is.na(x) && is.finite(x)
  if (ok) ok <- if (open) x > lower && x < upper else x >= lower && x <= upper
  if (!ok) {
    range <- if (open) paste0("in (", lower, ", ", upper, ")") else paste0("in [", lower, ", ", upper, "]")
    if (is.infinite(upper)) range <- paste0(if (open) "> " else ">= ", lower)
    stop("`", name, "` must be a finite number ", range, ", not ", describe(x), ".", call. = FALSE)
  }
  as.numeric(x)
}

check_string <- function(x, name) {
  if (is.factor(x) && length(x) == 1) x <- as.character(x) # a factor's label, never its code
  if (!is.character(x) || length(x) != 1 || is.na(x) || !nzchar(x)) {
    stop("`", name, "` must be a single string, not ", describe(x), ".", call. = FALSE)
  }
  x
}

check_flag <- function(x, name) {
  if (!is.logical(x) || length(x) != 1 || is.na(x)) {
    stop("`", name, "` must be TRUE or FALSE, not ", describe(x), ".", call. = FALSE)
  }
  x
}

check_choice <- function(x, name, choices) {
  if (!is.character(x) || length(x) != 1 || !x %in% choices) {
    stop("`", name, "` must be one of ", paste0('"', choices, '"', collapse = ", "), ", not ",
         describe(x), ".", call. = FALSE)
  }
  x
}

# Names given as a character vector or a factor (data.frame() and read.csv(stringsAsFactors = TRUE) make
# factors): the labels as text, never the integer codes. `NULL` stays `NULL` when `null_ok`. Refuses
# other types, NA, "" and an empty vector, naming the element.
check_names <- function(x, name, what = "names", null_ok = FALSE) {
  if (is.null(x) && null_ok) {
    return(NULL)
  }
  if (is.factor(x)) x <- as.character(x)
  if (!is.character(x) || !length(x)) {
    stop("`", name, "` must be a character vector of ", what, ", not ", describe(x), ".", call. = FALSE)
  }
  bad <- which(is.na(x) | !nzchar(trimws(x)))
  if (length(bad)) {
    stop("`", name, "` must be ", what, ", not ", if (is.na(x[[bad[[1]]]])) "NA" else "an empty string",
         " (element ", bad[[1]], ").", call. = FALSE)
  }
  x
}

describe <- function(x) {
  if (is.null(x)) {
    return("NULL")
  }
  if (is.factor(x)) {
    return(if (length(x) == 1) paste0('a factor ("', as.character(x), '")') else
      paste0("a factor of length ", length(x)))
  }
  if (is.function(x)) {
    return("a function")
  }
  if ((is.atomic(x)) && length(x) == 1) {
    return(if (is.character(x)) paste0('"', x, '"') else format(x))
  }
  paste0("a ", class(x)[[1]], " of length ", length(x))
}
