#' pybbdl: deep learning for economists, the Python core from R
#'
#' The R functions check and coerce their arguments, call the `pybbdl` Python package through
#' reticulate, and return R objects (data frames, arrays, numbers).
#'
#' @section Which Python:
#' Loading the package starts no Python (the import is delayed, as in the keras package). The
#' first call that needs Python starts the first of:
#' 1. the Python named by the `RETICULATE_PYTHON` environment variable;
#' 2. a project virtualenv `.venv/` (made by `make setup-r`) in the folder of the pybbdl source
#'    (the folder holding `pyproject.toml`): the working directory, one of its parents, or the
#'    folder the R package was loaded from with `pkgload::load_all()`;
#' 3. the virtualenv `r-pybbdl` that [install_pybbdl()] creates, then reticulate's own search.
#'
#' [pybbdl_available()] says whether the Python side can be imported; [pybbdl_python()] shows
#' which interpreter the package will use.
#' @keywords internal
"_PACKAGE"

# The Python module, bound in .onLoad with a delayed import (rstudio/keras: R/package.R).
pybbdl <- NULL

# Submodules imported on first use; `pybbdl$data` would fail until `pybbdl.data` is imported.
.modules <- new.env(parent = emptyenv())

.onLoad <- function(libname, pkgname) {
  suggest_project_python()
  pybbdl <<- reticulate::import("pybbdl", delay_load = list(
    priority = 10,
    on_error = function(e) stop(python_missing_message(conditionMessage(e)), call. = FALSE)
  ))
}

python_missing_message <- function(detail = NULL) {
  paste0(
    "The Python side of pybbdl could not be imported",
    if (!is.null(detail) && nzchar(detail)) paste0(" (", trimws(detail), ")"), ".\n",
    "Hint: in the pybbdl source folder run `make setup-r` (makes .venv/), or call ",
    "pybbdl::install_pybbdl(\"path/to/pybbdl\"), or set RETICULATE_PYTHON to a Python that has ",
    "pybbdl, then restart R. pybbdl_python() shows which Python is used."
  )
}

#' A pybbdl Python submodule, imported once
#' @noRd
python_module <- function(name) {
  if (is.null(.modules[[name]])) {
    if (!pybbdl_available()) stop(python_missing_message(), call. = FALSE)
    .modules[[name]] <- with_py_errors(reticulate::import(paste0("pybbdl.", name), convert = FALSE))
  }
  .modules[[name]]
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
#' @return The path of the Python executable that reticulate has started or will start, or
#'   `NA` when none is found. Does not start Python.
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
  project <- find_project_python()
  if (!is.null(project)) {
    return(project)
  }
  config <- tryCatch(reticulate::py_discover_config("pybbdl"), error = function(e) NULL)
  if (is.null(config)) NA_character_ else config$python
}

# Point reticulate at the project's .venv unless the user chose a Python already. A suggestion
# (required = FALSE) only: RETICULATE_PYTHON and use_python(required = TRUE) still win.
suggest_project_python <- function() {
  if (nzchar(Sys.getenv("RETICULATE_PYTHON")) || reticulate::py_available(initialize = FALSE)) {
    return(invisible(NULL))
  }
  python <- find_project_python()
  if (!is.null(python)) reticulate::use_python(python, required = FALSE)
  invisible(python)
}

#' The root of a pybbdl source tree at or above one of `starts`, or NULL
#' @noRd
find_project_root <- function(starts = project_search_starts()) {
  for (start in starts) {
    dir <- normalizePath(start, mustWork = FALSE)
    repeat {
      toml <- file.path(dir, "pyproject.toml")
      if (file.exists(toml) && any(grepl('^name = "pybbdl"', readLines(toml, warn = FALSE)))) {
        return(dir)
      }
      parent <- dirname(dir)
      if (identical(parent, dir)) break
      dir <- parent
    }
  }
  NULL
}

project_search_starts <- function() {
  # find.package() is the source folder under pkgload::load_all(), the library folder otherwise
  c(getwd(), tryCatch(find.package("pybbdl", quiet = TRUE), error = function(e) character()))
}

find_project_python <- function(starts = project_search_starts()) {
  root <- find_project_root(starts)
  if (is.null(root)) {
    return(NULL)
  }
  candidates <- file.path(root, ".venv", c("bin/python", "Scripts/python.exe"))
  found <- candidates[file.exists(candidates)]
  if (length(found)) found[[1]] else NULL
}

#' Install the Python side of pybbdl into a virtualenv
#'
#' Creates the virtualenv `envname` (reticulate finds `r-pybbdl` by itself when pybbdl is first
#' used) and installs the pybbdl Python package from a source folder with pip, pinned by the
#' folder's `constraints.txt`, with the `r` extra. Needs Python >= 3.11 and access to PyPI.
#' Restart R afterwards if Python was already running.
#'
#' @param path The pybbdl source folder (the one holding `pyproject.toml`). Default: found at or
#'   above the working directory or the folder the R package was loaded from.
#' @param envname Name or path of the virtualenv.
#' @param python Python executable to create the virtualenv with; `NULL` lets reticulate choose.
#' @return The path of the virtualenv's Python, invisibly.
#' @family python setup
#' @export
#' @examples
#' \dontrun{
#' install_pybbdl("~/src/pybbdl")
#' }
install_pybbdl <- function(path = NULL, envname = "r-pybbdl", python = NULL) {
  if (is.null(path)) {
    path <- find_project_root()
    if (is.null(path)) {
      stop("`path` must be a pybbdl source folder (the one holding pyproject.toml); none was ",
           "found at or above ", getwd(), ".", call. = FALSE)
    }
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
