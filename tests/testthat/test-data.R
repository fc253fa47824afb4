test_that("macro_data() is the Python frame as a data frame with a Date column", {
  skip_if_no_pybbdl()
  macro <- macro_data()
  expect_s3_class(macro, "data.frame")
  expect_identical(names(macro), c("date", "infl", "realgdp_growth", "unemp", "tbilrate", "realint"))
  expect_s3_class(macro$date, "Date")
  expect_identical(nrow(macro), 202L)
  expect_identical(format(range(macro$date)), c("1959-04-01", "2009-07-01"))
  expect_identical(unique(format(macro$date, "%m-%d")), c("04-01", "07-01", "10-01", "01-01"))
  python <- py_module("pybbdl.data")$macro_data()
  expect_identical(unname(as.matrix(macro[-1])), reticulate::py_to_r(python$to_numpy()))
  # the Python docstring's example: 2008's quarterly inflation
  expect_equal(round(macro$infl[format(macro$date, "%Y") == "2008"], 2), c(2.82, 8.53, -3.16, -8.79))
  expect_match(attr(macro, "units")[["infl"]], "^% per year")
})

test_that("jena_climate() reads the hourly subset with POSIXct UTC stamps as recorded", {
  skip_if_no_pybbdl()
  path <- shared_data_file("jena_hourly_2009_2016_6vars_subset.npz")
  jena <- jena_climate(path = path)
  expect_identical(names(jena)[1:3], c("Date Time", "T (degC)", "p (mbar)"))
  expect_s3_class(jena[["Date Time"]], "POSIXct")
  expect_identical(attr(jena[["Date Time"]], "tzone"), "UTC")
  expect_identical(format(jena[["Date Time"]][1:2], "%Y-%m-%d %H:%M:%S"),
                   c("2009-01-01 00:10:00", "2009-01-01 01:10:00"))
  npz <- reticulate::import("numpy", convert = FALSE)$load(path)
  expect_identical(unname(as.matrix(jena[-1])), reticulate::py_to_r(npz$get("X")$astype("float64")))
  expect_false(is.unsorted(jena[["Date Time"]], strictly = TRUE))
})

test_that("jena_climate() checks its path in R and passes Python's offline message on", {
  expect_error(jena_climate(path = "no/such/file.csv"), "`path` must name an existing file")
  expect_error(jena_climate(path = 3), "`path` must be a single string, not 3")
  skip_if_no_pybbdl()
  withr::local_envvar(PYBBDL_CACHE = withr::local_tempdir())
  err <- expect_error(jena_climate(download = FALSE), class = "pybbdl_python_error")
  expect_match(conditionMessage(err), "not cached at .* could not be downloaded \\(download=False\\)")
  expect_match(conditionMessage(err), "Hint: download the file once and pass it with `path = `")
  expect_identical(err$python_type, "DatasetUnavailableError")
  expect_false(grepl("Traceback", conditionMessage(err)))
})

test_that("R data become pandas frames with the right index", {
  skip_if_no_pybbdl()
  quarterly <- ts(1:6 + 0.5, start = c(2000, 3), frequency = 4)
  frame <- pybbdl:::as_pandas_frame(quarterly)
  expect_identical(reticulate::py_to_r(frame$index$strftime("%Y-%m-%d")$tolist()),
                   c("2000-07-01", "2000-10-01", "2001-01-01", "2001-04-01", "2001-07-01", "2001-10-01"))
  expect_identical(reticulate::py_to_r(frame$columns$tolist()), "y")
  monthly <- ts(cbind(a = 1:3, b = 4:6), start = c(1999, 12), frequency = 12)
  frame <- pybbdl:::as_pandas_frame(monthly)
  expect_identical(reticulate::py_to_r(frame$index$strftime("%Y-%m-%d")$tolist()),
                   c("1999-12-01", "2000-01-01", "2000-02-01"))
  stamps <- as.POSIXct("2020-03-29 01:00:00", tz = "UTC") + 3600 * 0:2
  frame <- pybbdl:::as_pandas_frame(data.frame(when = stamps, x = 1:3, note = "a"))
  expect_identical(reticulate::py_to_r(frame$columns$tolist()), "x")
  back <- pybbdl:::pandas_to_r_frame(frame)
  expect_identical(back$when, stamps)
  expect_identical(back$x, c(1, 2, 3))
  expect_error(pybbdl:::as_pandas_frame(data.frame(a = Sys.Date(), b = Sys.Date(), x = 1)),
               "at most one date column, not 2 \\(a, b\\)")
})
