test_that("train_gan(method = 'merf') states the accountant's epsilon for its one release; print, plot, grid", {
  skip_if_no_pybbdl()
  skip_if_quick_check()
  set.seed(6)
  labels <- rep(0:9, length.out = 60)
  images <- array(runif(60 * 28 * 28), c(60, 28, 28))
  fit <- train_gan(method = "merf", images = images, labels = labels, epsilon = 2, delta = 1e-3, features = 32,
                   batch_size = 20, epochs = 1, downstream = character(0))
  expect_s3_class(fit, "pybbdl_merf")
  expect_s3_class(fit, "pybbdl_gan")
  expect_lte(fit$epsilon, 2)
  eps <- py_module("pybbdl.privacy.accounting")$gaussian_release_epsilon(fit$noise_multiplier, 1e-3)
  expect_equal(fit$epsilon, reticulate::py_to_r(eps), tolerance = 1e-9)
  expect_equal(fit$settings$sensitivity, 2 / 60)
  expect_equal(nrow(fit$history), 3)
  expect_null(fit$downstream)
  expect_output(print(fit), "one Gaussian release: sensitivity 2/n")
  expect_output(print(summary(fit)), "DP-MERF privacy statement")
  grid <- gan_grid(fit)
  expect_equal(dim(grid), c(10, 10, 28, 28))
  expect_equal(attr(grid, "labels"), matrix(rep(0:9, each = 10), 10, 10, byrow = TRUE))
  path <- tempfile(fileext = ".png")
  grDevices::png(path)
  plot(fit)
  grDevices::dev.off()
  expect_gt(file.size(path), 500)
})

test_that("train_gan(method = 'merf') refuses bad input before any work", {
  skip_if_no_pybbdl()
  images <- array(runif(40 * 28 * 28), c(40, 28, 28))
  labels <- rep(0:9, 4)
  expect_error(train_gan(method = "merf", images = images, labels = labels, epsilon = 0), "`epsilon` must be")
  expect_error(train_gan(method = "merf", images = images, labels = labels, epsilon = -1), "`epsilon` must be")
  expect_error(train_gan(method = "merf", images = images, labels = labels, epsilon = 1, target_epsilon = 1),
               "not both")
  expect_error(train_gan(method = "merf", images = images, labels = labels, delta = 1 / 40,
                         downstream = character(0)), "1/n")
  expect_error(train_gan(method = "merf", images = images, labels = labels, features = 7), "even")
  expect_error(train_gan(method = "merf", images = images, labels = labels, features = 2e9,
                         downstream = character(0)), "fit in memory")
  expect_error(train_gan(method = "merf", images = images, labels = labels, dp = TRUE), "`dp` applies to the GANs")
  expect_error(train_gan(method = "merf", images = images, labels = labels, d_steps = 5), "`d_steps`")
  expect_error(train_gan(method = "merf", images = images), "labels")
  expect_error(train_gan(method = "merf", images = images, labels = labels, downstream = "svm"), "downstream")
  expect_error(train_gan("mlp", images, features = 100), "method = \"merf\" only")
})

test_that("DP-MERF checks images and labels as train_gan's GANs do (one check)", {
  skip_if_no_pybbdl()
  images <- array(runif(40 * 28 * 28), c(40, 28, 28))
  expect_error(train_gan(method = "merf", images = images, labels = rep(0:9, 3), epsilon = 1),
               "one label per image \\(40\\)")
  expect_error(train_gan(method = "merf", images = images, epsilon = 1), "DP-MERF is conditional")
  expect_error(train_gan(method = "merf", images = images, labels = rep(c(0:8, 10), 4), epsilon = 1),
               "whole numbers 0-9")
  images[2, 3, 4] <- NA
  expect_error(train_gan(method = "merf", images = images, labels = rep(0:9, 4), epsilon = 1), "finite pixel")
})
