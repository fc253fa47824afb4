# The metric registry (issue 21): R lists it, and print() takes its columns and labels from the
# result's column catalog (x$columns), never from the column names.

test_that("pybbdl_metrics() is the Python registry as a data frame", {
  skip_if_no_pybbdl()
  all <- pybbdl_metrics()
  expect_named(all, c("metric", "kind", "label", "better", "needs", "per", "scope", "printed", "builtin",
                      "description"))
  expect_identical(pybbdl_metrics("point")$metric[1:3], c("mae", "rmse", "skill_pct"))
  expect_identical(pybbdl_metrics("interval")$metric, c("coverage", "width", "winkler"))
  expect_true(all(c("smape", "mase", "owa") %in% all$metric[grepl("panel", all$scope)]))
  expect_identical(all$better[all$metric == "skill_pct"], "higher")
  expect_type(all$printed, "logical")
})

test_that("print() shows the catalog's printed columns under their labels", {
  skip_if_no_pybbdl()
  run <- forecast_compare(macro_data(), models = c("naive", "seasonal_naive"), period = 4, quick = TRUE,
                          levels = 0.8)
  cols <- run$columns
  expect_true(all(cols$column %in% names(run$wide)))
  shown <- cols[cols$part == "test" & cols$printed, ]
  expect_identical(shown$label, c("mae", "rmse", "skill %", "p vs naive", "coverage 80", "in MCS 90"))
  tab <- part_table(run, "test")
  expect_identical(names(tab), c("model", shown$label))
  expect_equal(tab[["mae"]], run$wide$test_mae)
  expect_true(any(grepl("coverage 80", format(run), fixed = TRUE)))
})
