test_that("skip_if_no_pybbdl() skips, with the reason, when Python is unavailable", {
  cond <- tryCatch(skip_if_no_pybbdl(available = FALSE), condition = identity)
  expect_s3_class(cond, "skip")
  expect_match(conditionMessage(cond), "the pybbdl Python package cannot be imported")
  expect_true(skip_if_no_pybbdl(available = TRUE))
})

test_that("the project's .venv is found from the working directory or the package folder", {
  root <- withr::local_tempdir()
  writeLines(c("[project]", 'name = "pybbdl"'), file.path(root, "pyproject.toml"))
  dir.create(file.path(root, ".venv", "bin"), recursive = TRUE)
  file.create(file.path(root, ".venv", "bin", "python"))
  nested <- file.path(root, "tests", "testthat")
  dir.create(nested, recursive = TRUE)
  expect_identical(normalizePath(pybbdl:::find_project_root(nested)), normalizePath(root))
  expect_identical(normalizePath(pybbdl:::find_project_python(nested)),
                   normalizePath(file.path(root, ".venv", "bin", "python")))
  other <- withr::local_tempdir()
  writeLines(c("[project]", 'name = "something-else"'), file.path(other, "pyproject.toml"))
  expect_null(pybbdl:::find_project_python(other))
})

test_that("install_pybbdl() refuses a folder that is not a pybbdl source tree", {
  empty <- withr::local_tempdir()
  expect_error(install_pybbdl(empty), "`path` must be a pybbdl source folder holding pyproject.toml")
  expect_error(install_pybbdl(NA_character_), "`path` must be a single string")
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
    class = "pybbdl_valueerror"
  )
  expect_s3_class(err, "pybbdl_python_error")
  expect_identical(err$python_type, "ValueError")
  expect_identical(conditionMessage(err), paste0(
    "`lookback` must be >= 1. Received: lookback=0\n",
    "Hint: check the argument named above; ?pybbdl::<function> lists what each accepts."
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
