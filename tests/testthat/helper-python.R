# Skips per test, with the reason, when the Python side is missing (rstudio/keras3:
# tests/testthat/helper-utils.R). `available` is an argument so that a test can prove the skip fires.
skip_if_no_pybbdl <- function(available = pybbdl_available()) {
  if (!isTRUE(available)) {
    skip(paste0("the pybbdl Python package cannot be imported (Python: ", pybbdl_python(),
                "); run `make setup-r` or set RETICULATE_PYTHON"))
  }
  invisible(TRUE)
}

# ../shared/data beside the repository (PYBBDL_SHARED_DATA overrides, as in tests/python).
shared_data_file <- function(name) {
  dirs <- c(Sys.getenv("PYBBDL_SHARED_DATA"),
            file.path(testthat::test_path(), "..", "..", "..", "shared", "data"))
  for (dir in dirs[nzchar(dirs)]) {
    path <- file.path(dir, name)
    if (file.exists(path)) return(normalizePath(path))
  }
  skip(paste0("real data not available: ", name, " is absent from ../shared/data (set PYBBDL_SHARED_DATA)"))
}

py_module <- function(name) reticulate::import(name, convert = FALSE)

# `make r-check` runs R CMD check right after `make test-r`; there the tests that train networks
# skip (test-r has just run them), which keeps the check quick.
skip_if_quick_check <- function() {
  if (nzchar(Sys.getenv("PYBBDL_R_CHECK_QUICK"))) {
    skip("network training runs in `make test-r`; R CMD check skips it (PYBBDL_R_CHECK_QUICK is set)")
  }
  invisible(TRUE)
}
