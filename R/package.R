#' pybbdl: deep learning for economists, the Python core from R
#'
#' The R functions check and coerce their arguments, call the `pybbdl` Python package through
#' reticulate, and return R objects (data frames, arrays, numbers).
#'
#' @section Which Python:
#' Loading the package starts no Python (the import is delayed, as in the keras package), and
#' pybbdl never runs a Python found by looking in the working directory or its parents. The
#' first call that needs Python starts the one chosen as reticulate's guide for packages says:
#' 1. the Python named by the `RETICULATE_PYTHON` environment variable;
#' 2. the Python or virtualenv chosen with [reticulate::use_python()] or
#'    [reticulate::use_virtualenv()] before that first call;
#' 3. the virtualenv `r-pybbdl` that [install_pybbdl()] creates;
#' 4. reticulate's own search (a Python that can import `pybbdl`, then others).
#'
#' In the source tree, `make setup-r` makes `.venv/`, and the Makefile's targets (tests,
#' vignettes, `R CMD check`) point `RETICULATE_PYTHON` at it.
#'
#' [pybbdl_available()] says whether the Python side can be imported; [pybbdl_python()] shows
#' which interpreter the package will use.
#'
#' @section TensorFlow's messages:
#' Loading the package sets the environment variable `TF_CPP_MIN_LOG_LEVEL` to `"3"` when it is
#' unset, so that TensorFlow's C++ start-up lines (such as the CUDA "failed call to cuInit" error
#' on a machine without a GPU) stay out of the console. Set it yourself (e.g. to `"0"`) before
#' the first call that trains a network to see them.
#' @keywords internal
"_PACKAGE"

# The Python module, bound in .onLoad with a delayed import (rstudio/keras: R/package.R).
pybbdl <- NULL

# Submodules imported on first use; `pybbdl$data` would fail until `pybbdl.data` is imported.
.modules <- new.env(parent = emptyenv())

.onLoad <- function(libname, pkgname) {
  quiet_tensorflow()
  suggest_pybbdl_virtualenv()
  register_s3_methods()
  pybbdl <<- reticulate::import("pybbdl", delay_load = list(
    priority = 10,
    on_error = function(e) stop(python_missing_message(conditionMessage(e)), call. = FALSE)
  ))
}

# TensorFlow reads its C++ log level once, when it loads: "3" keeps its start-up lines (incl. the
# CUDA "failed call to cuInit" error on machines without a GPU) out of the R console. A value the
# user set is kept.
quiet_tensorflow <- function() {
  if (!nzchar(Sys.getenv("TF_CPP_MIN_LOG_LEVEL"))) Sys.setenv(TF_CPP_MIN_LOG_LEVEL = "3")
  invisible()
}

python_missing_message <- function(detail = NULL) {
  paste0(
    "The Python side of pybbdl could not be imported",
    if (!is.null(detail) && nzchar(detail)) paste0(" (", trimws(detail), ")"), ".\n",
    "Hint: call pybbdl::install_pybbdl(\"path/to/pybbdl\") (makes the virtualenv r-pybbdl), ",
    "or set RETICULATE_PYTHON (or call reticulate::use_python()) to a Python that has pybbdl, ",
    "then restart R. pybbdl_python() shows which Python is used."
  )
}

#' A pybbdl Python submodule, imported once
#' @noRd
python_module <- function(name) {
  if (is.null(.modules[[name]])) {
    if (!pybbdl_available()) stop(python_missing_message(), call. = FALSE)
    if (name %in% .tensorflow_modules) quiet_tensorflow_import()
    .modules[[name]] <- with_py_errors(reticulate::import(paste0("pybbdl.", name), convert = FALSE))
  }
  .modules[[name]]
}

# Submodules whose functions train Keras models: TensorFlow is imported first, without its C++
# start-up lines (pybbdl._tensorflow keeps every other line of stderr).
.tensorflow_modules <- c("models", "workflows.forecasting", "workflows.gan", "workflows.privacy")

quiet_tensorflow_import <- function() {
  with_py_errors(reticulate::import("pybbdl._tensorflow")$import_tensorflow_quietly())
  invisible()
}

#' Is the Python side of pybbdl available?
#'
#' Starts Python if it is not running yet (see "Which Python" in [pybbdl-package]) and tries to
#' import the `pybbdl` module and its submodules (which need NumPy and pandas). Tests skip with
#' the reason when this is `FALSE`.
#'
#' @return `TRUE` or `FALSE`.
#' @family python setup
#' @export
#' @examples
#' pybbdl_available()
pybbdl_available <- function() {
  isTRUE(tryCatch({
    for (module in c("pybbdl.evaluation", "pybbdl.privacy")) reticulate::import(module)
    TRUE
  }, error = function(e) FALSE))
}

#' The Python interpreter pybbdl uses
#'
#' Follows the order in "Which Python" ([pybbdl-package]): `RETICULATE_PYTHON`, the user's
#' [reticulate::use_python()], the virtualenv `r-pybbdl`, then reticulate's own search. A
#' `.venv` in the working directory or one of its parents is never chosen.
#'
#' @return The path of the Python executable that reticulate has started or will start, or
#'   `NA` when none is found. Does not start Python (reticulate's search may ask candidate
#'   interpreters for their version, as [reticulate::py_discover_config()] does).
#' @family python setup
#' @export
pybbdl_python <- function() {
  if (reticulate::py_available(initialize = FALSE)) {
    return(reticulate::py_config()$python)
  }
  env <- Sys.getenv("RETICULATE_PYTHON", unset = "")
  if (nzchar(env)) {
    return(env)
  }
  config <- tryCatch(reticulate::py_discover_config("pybbdl"), error = function(e) NULL)
  if (is.null(config)) NA_character_ else config$python
}

# Prefer the virtualenv install_pybbdl() makes to reticulate's own search, as a suggestion only
# (required = FALSE): RETICULATE_PYTHON and the user's use_python() still win.
suggest_pybbdl_virtualenv <- function(envname = "r-pybbdl") {
  if (nzchar(Sys.getenv("RETICULATE_PYTHON")) || reticulate::py_available(initialize = FALSE)) {
    return(invisible(NULL))
  }
  if (!isTRUE(tryCatch(reticulate::virtualenv_exists(envname), error = function(e) FALSE))) {
    return(invisible(NULL))
  }
  python <- reticulate::virtualenv_python(envname)
  reticulate::use_python(python, required = FALSE)
  invisible(python)
}

#' Install the Python side of pybbdl into a virtualenv
#'
#' Creates the virtualenv `envname` and installs the pybbdl Python package from a source folder
#' with pip, pinned by the folder's `constraints.txt`, with the `r` extra. The package uses the
#' virtualenv `r-pybbdl` unless `RETICULATE_PYTHON` or [reticulate::use_python()] names another
#' Python. Needs Python >= 3.11 and access to PyPI. Restart R afterwards if Python was already
#' running.
#'
#' @param path The pybbdl source folder (the one holding `pyproject.toml`); it is never guessed
#'   from the working directory.
#' @param envname Name or path of the virtualenv.
#' @param python Python executable to create the virtualenv with; `NULL` lets reticulate choose.
#' @return The path of the virtualenv's Python, invisibly.
#' @family python setup
#' @export
#' @examples
#' \dontrun{
#' install_pybbdl("~/src/pybbdl")
#' }
install_pybbdl <- function(path, envname = "r-pybbdl", python = NULL) {
  if (missing(path)) {
    stop("`path` must be given: the pybbdl source folder (the one holding pyproject.toml).",
         call. = FALSE)
  }
  check_string(path, "path")
  check_string(envname, "envname")
  toml <- file.path(path, "pyproject.toml")
  if (!file.exists(toml) || !any(grepl('^name = "pybbdl"', readLines(toml, warn = FALSE)))) {
    stop("`path` must be a pybbdl source folder holding pyproject.toml, not ", path, ".",
         call. = FALSE)
  }
  path <- normalizePath(path)
  reticulate::virtualenv_create(envname, python = python)
  constraints <- file.path(path, "constraints.txt")
  pip_options <- if (file.exists(constraints)) c("-c", shQuote(constraints)) else character()
  reticulate::virtualenv_install(envname, packages = paste0(path, "[r]"), # reticulate quotes packages
                                 pip_options = pip_options) # ...not pip_options
  python <- reticulate::virtualenv_python(envname)
  message("pybbdl installed into ", python, ". Restart R if Python was already running.")
  invisible(python)
}
