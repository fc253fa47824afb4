# dm_test() computes in the Python core and must equal forecast::dm.test() (issue 12, item 4).
dm_errors <- function(n = 60, seed = 11) {
  set.seed(seed)
  list(e1 = as.numeric(stats::filter(rnorm(n), 0.5, method = "recursive")),
       e2 = as.numeric(stats::filter(rnorm(n, sd = 1.3), 0.4, method = "recursive")))
}

test_that("dm_test() equals forecast::dm.test() for every alternative, h = 1 and 4, both variances", {
  skip_if_no_pybbdl()
  skip_if_not_installed("forecast")
  e <- dm_errors()
  for (alternative in c("two.sided", "less", "greater")) {
    for (h in c(1, 4)) {
      for (power in c(1, 2)) {
        for (varestimator in c("acf", "bartlett")) {
          ours <- dm_test(e$e1, e$e2, alternative = alternative, h = h, power = power,
                          varestimator = varestimator)
          want <- forecast::dm.test(e$e1, e$e2, alternative = alternative, h = h, power = power,
                                    varestimator = varestimator)
          label <- paste(alternative, h, power, varestimator)
          expect_equal(unname(ours$statistic), unname(want$statistic), tolerance = 1e-6, label = label)
          expect_equal(ours$p.value, want$p.value, tolerance = 1e-6, label = label)
          expect_identical(ours$parameter, want$parameter)
          expect_identical(ours[c("alternative", "varestimator", "method")],
                           want[c("alternative", "varestimator", "method")])
        }
      }
    }
  }
  # the defaults are dm.test()'s defaults (power 2, "acf", two-sided)
  ours <- dm_test(e$e1, e$e2, h = 4)
  want <- forecast::dm.test(e$e1, e$e2, h = 4)
  expect_equal(ours$p.value, want$p.value, tolerance = 1e-6)
  expect_s3_class(ours, "htest")
  expect_output(print(ours), "Diebold-Mariano Test")
  expect_identical(ours$data.name, c("e$e1", "e$e2"))
})

test_that("dm_test() refuses bad input in R and states the degenerate cases", {
  expect_error(dm_test(1:5, 1:4), "`e1` and `e2` must have the same length, not 5 and 4")
  expect_error(dm_test(c(1, NA, 3), 1:3), "`e1` must not contain NA.*1 found, the first at position 2")
  expect_error(dm_test("a", 1), "`e1` must be a numeric vector")
  expect_error(dm_test(1:5, 1:5, h = 3e9), "`h` must be a whole number between 1 and 2147483647")
  expect_error(dm_test(1:5, 1:5, power = 0), "`power` must be a finite number > 0")
  expect_error(dm_test(1:5, 1:5, alternative = "bigger"), "'arg' should be one of")
  skip_if_no_pybbdl()
  expect_error(dm_test(rnorm(5), rnorm(5), h = 4), "at least max\\(3, 2 \\* h\\) = 8 values for h = 4, not 5")
  # a constant loss differential: no p-value from round-off (dm.test stops, too)
  expect_error(dm_test(rep(1, 10), rep(2, 10)), "cannot be computed: the loss differential is constant")
})
