test_that("skip_if_no_pybbdl() skips, with the reason, when Python is unavailable", {
  cond <- tryCatch(skip_if_no_pybbdl(available = FALSE), condition = identity)
  expect_s3_class(cond, "skip")
  expect_match(conditionMessage(cond), "the pybbdl Python package cannot be imported")
  expect_true(skip_if_no_pybbdl(available = TRUE))
})

test_that("library(pybbdl) never runs or chooses a .venv found by walking up from the working directory", {
  # issue 11 case 9: a planted folder (pybbdl's pyproject.toml and a .venv/bin/python that runs code)
  skip_on_os("windows")
  planted <- withr::local_tempdir()
  writeLines(c("[project]", 'name = "pybbdl"'), file.path(planted, "pyproject.toml"))
  dir.create(file.path(planted, ".venv", "bin"), recursive = TRUE)
  marker <- file.path(planted, "planted-python-ran")
  fake <- file.path(planted, ".venv", "bin", "python")
  writeLines(c("#!/bin/sh", paste("touch", shQuote(marker)), 'exec python3 "$@"'), fake)
  Sys.chmod(fake, "0755")
  work <- file.path(planted, "analysis", "deeper")
  dir.create(work, recursive = TRUE)
  # a fresh R whose working directory is inside the planted folder, without RETICULATE_PYTHON
  source <- find.package("pybbdl")
  load <- if (file.exists(file.path(source, "R", "package.R"))) {
    sprintf("pkgload::load_all(%s, quiet = TRUE, export_all = FALSE)", deparse(source))
  } else {
    sprintf("library(pybbdl, lib.loc = %s)", deparse(dirname(source)))
  }
  script <- file.path(planted, "check.R")
  writeLines(c(load,
               "cat('PYTHON=', pybbdl::pybbdl_python(), '\n', sep = '')",
               "invisible(pybbdl::pybbdl_available())",
               "cat('STARTED=', if (reticulate::py_available()) reticulate::py_config()$python else 'none', '\n', sep = '')"),
             script)
  run_r <- function(reticulate_python = NA) {
    out <- withr::with_dir(work, withr::with_envvar(
      c(RETICULATE_PYTHON = reticulate_python, RETICULATE_PYTHON_ENV = NA,
        RETICULATE_PYTHON_FALLBACK = NA),
      system2(file.path(R.home("bin"), "Rscript"), c("--vanilla", shQuote(script)),
              stdout = TRUE, stderr = TRUE)
    ))
    list(chosen = sub("^PYTHON=", "", grep("^PYTHON=", out, value = TRUE)),
         started = sub("^STARTED=", "", grep("^STARTED=", out, value = TRUE)), out = out)
  }
  inside <- function(path) startsWith(normalizePath(path, mustWork = FALSE), normalizePath(planted))
  # no RETICULATE_PYTHON: reticulate's search, which never looks at the working directory
  res <- run_r()
  expect_length(res$chosen, 1)
  expect_false(inside(res$chosen))
  expect_length(res$started, 1)
  expect_false(inside(res$started))
  expect_false(file.exists(marker))
  # RETICULATE_PYTHON set: that Python, not the planted one
  python <- Sys.which("python3")
  skip_if(!nzchar(python), "no python3 on PATH")
  res <- run_r(reticulate_python = unname(python))
  expect_identical(res$chosen, unname(python))
  expect_false(file.exists(marker))
})

test_that("install_pybbdl() refuses a folder that is not a pybbdl source tree", {
  empty <- withr::local_tempdir()
  expect_error(install_pybbdl(empty), "`path` must be a pybbdl source folder holding pyproject.toml")
  expect_error(install_pybbdl(NA_character_), "`path` must be a single string")
  # the source folder is never guessed from the working directory
  expect_error(install_pybbdl(), "`path` must be given")
})

test_that("Python exceptions become R errors with the message and a hint, no traceback", {
  parsed <- pybbdl:::parse_python_error("ValueError: `lookback` must be >= 1. Received: lookback=0\n")
  expect_identical(parsed, list(type = "ValueError", message = "`lookback` must be >= 1. Received: lookback=0"))
  expect_identical(pybbdl:::parse_python_error("pybbdl.exceptions.DataError: too short")$type, "DataError")
  expect_null(pybbdl:::parse_python_error("object 'x' not found"))
  # an R error inside passes through unchanged
  expect_error(pybbdl:::with_py_errors(stop("plain R")), "^plain R$")
  skip_if_no_pybbdl()
  windows <- py_module("pybbdl.windows")
  err <- expect_error(
    pybbdl:::with_py_errors(windows$generator(matrix(0, 10, 2), lookback = 0L, delay = 1L)),
    class = "pybbdl_argumenterror"
  )
  expect_s3_class(err, "pybbdl_python_error")
  expect_identical(err$python_type, "ArgumentError")
  expect_identical(conditionMessage(err), paste0(
    "`lookback` must be >= 1. Received: lookback=0\n",
    "Hint: check the argument named above; the help page of the function you called (?name) lists what each accepts."
  ))
  err <- expect_error(
    pybbdl:::with_py_errors(windows$generator(matrix(0, 10, 2), lookback = 8L, delay = 5L, step = 1L)),
    class = "pybbdl_dataerror"
  )
  expect_match(conditionMessage(err), "^The series is too short: 10 rows.*\nHint: the data do not fit")
})

test_that("pybbdl_python() names the interpreter in use", {
  skip_if_no_pybbdl()
  expect_identical(pybbdl_python(), reticulate::py_config()$python)
  expect_true(file.exists(pybbdl_python()))
})
