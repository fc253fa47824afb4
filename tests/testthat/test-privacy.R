test_that("dp_epsilon() gives tf-privacy's 2.597 for the MNIST example", {
  skip_if_no_pybbdl()
  expect_equal(dp_epsilon(60000, 256, 1.1, 60, 1e-5), 2.597, tolerance = 0.001 / 2.597)
  privacy <- py_module("pybbdl.privacy")
  for (accountant in c("rdp_classic", "pld")) {
    expect_identical(dp_epsilon(60000, 256, 1.1, 60, 1e-5, accountant = accountant),
                     reticulate::py_to_r(privacy$dp_sgd_epsilon(60000L, 256L, 1.1, 60, 1e-5,
                                                               accountant = accountant)))
  }
  # more noise, less epsilon
  expect_lt(dp_epsilon(60000, 256, 2, 60, 1e-5), dp_epsilon(60000, 256, 1.1, 60, 1e-5))
})

test_that("dp_noise_multiplier() reaches the budget without exceeding it", {
  skip_if_no_pybbdl()
  sigma <- dp_noise_multiplier(60000, 256, target_epsilon = 2.597, epochs = 60, delta = 1e-5)
  expect_equal(sigma, 1.1, tolerance = 0.01)
  expect_lte(dp_epsilon(60000, 256, sigma, 60, 1e-5), 2.597)
  statement <- privacy_statement(60000, 256, 1.1, 60, 1e-5, sampling = "shuffle", l2_norm_clip = 1)
  expect_match(statement, "epsilon = 2.597 \\(RDP accountant\\)")
  expect_match(statement, "clipping norm C = 1")
  expect_match(statement, "shuffled fixed-size batches")
})

test_that("privacy arguments are checked in R", {
  expect_error(dp_epsilon(100, 256, 1.1, 60), "`batch_size` must be <= n = 100, not 256")
  expect_error(dp_epsilon(60000, 256, 0, 60), "`noise_multiplier` must be a finite number > 0, not 0")
  expect_error(dp_epsilon(60000, 256, 1.1, 60, delta = 1), "`delta` must be a finite number in \\(0, 1\\), not 1")
  expect_error(dp_epsilon(60000, 256, 1.1, 60, accountant = "moments"), "should be one of")
  # whole numbers beyond R's integer range are refused in R, not turned into NA on the way to Python
  expect_error(dp_epsilon(2^31, 256, 1.1, 60), "`n` must be a whole number <= 2147483647")
  expect_error(dp_train_mnist(epochs = 3e9), "`epochs` must be a whole number <= 2147483647")
  expect_error(dp_train_mnist(limit = 0), "`limit` must be a whole number between 1 and 2147483647, not 0")
  expect_error(dp_train_mnist(epochs = 2.5), "`epochs` must be a whole number")
  expect_error(dp_train_mnist(noise_multiplier = 1, target_epsilon = 1), "at most one")
  expect_error(dp_train_mnist(l2_norm_clip = Inf), "`l2_norm_clip` must be a finite number")
  expect_warning(try(privacy_statement(100, 10, 1, 1, 1e-3, max_grad_norm = 1), silent = TRUE),
                 "deprecated")
  expect_error(gaussian_mechanism("5", 1, 0.5, 1e-5), "`value` must be finite numbers")
  expect_error(gaussian_mechanism(5, 1, 2, 1e-5, method = "classic"), "`epsilon` must be < 1 for method = \"classic\"")
})

test_that("gaussian_mechanism() adds the Python core's noise, shape kept, sigma attached", {
  skip_if_no_pybbdl()
  value <- matrix(c(1, 2, 3, 4), 2)
  noisy <- gaussian_mechanism(value, sensitivity = 1, epsilon = 0.5, delta = 1e-5, seed = 3)
  expect_identical(dim(noisy), c(2L, 2L))
  privacy <- py_module("pybbdl.privacy")
  expect_identical(attr(noisy, "sigma"), reticulate::py_to_r(privacy$gaussian_sigma(1, 0.5, 1e-5)))
  want <- reticulate::py_to_r(privacy$gaussian_mechanism(reticulate::np_array(c(1, 2, 3, 4)), 1, 0.5, 1e-5,
                                                        seed = 3L))
  expect_identical(as.vector(noisy), as.vector(want))
  expect_identical(gaussian_mechanism(value, 1, 0.5, 1e-5, seed = 3), noisy)
  expect_false(identical(gaussian_mechanism(value, 1, 0.5, 1e-5, seed = 4), noisy))
  classic <- gaussian_mechanism(10, 1, 0.5, 1e-5, method = "classic", seed = 1)
  expect_equal(attr(classic, "sigma"), sqrt(2 * log(1.25 / 1e-5)) / 0.5)
})

test_that("dp_noise_multiplier() and dp_train_mnist() calibrate with Python's calibrate_noise and state its epsilon", {
  skip_if_no_pybbdl()
  cal <- py_module("pybbdl.privacy")$calibrate_noise(60000L, 256L, 2, 1e-5, epochs = 30)
  expect_identical(dp_noise_multiplier(60000, 256, target_epsilon = 2, epochs = 30, delta = 1e-5),
                   reticulate::py_to_r(cal$noise_multiplier))
  skip_if_quick_check()
  folder <- dirname(shared_data_file("mnist/train-images-idx3-ubyte.gz"))
  res <- dp_train_mnist(folder, epochs = 1, batch_size = 64, target_epsilon = 3, limit = 256, delta = 1e-4,
                        physical_batch_size = 40)
  py_run <- py_module("pybbdl.workflows.privacy")$dp_train_mnist(
    folder, epochs = 1L, batch_size = 64L, target_epsilon = 3, limit = 256L, delta = 1e-4,
    physical_batch_size = 40L, out_dir = NULL, progress = FALSE)
  py_settings <- reticulate::py_to_r(py_run$settings)
  expect_identical(res$noise_multiplier, py_settings$noise_multiplier)
  expect_identical(res$epsilon, py_settings$epsilon)
  cal <- py_module("pybbdl.privacy")$calibrate_noise(256L, 64L, 3, 1e-4, epochs = 1)
  expect_identical(res$noise_multiplier, reticulate::py_to_r(cal$noise_multiplier))
  expect_equal(res$epsilon, dp_epsilon(256, 64, res$noise_multiplier, 1, 1e-4), tolerance = 1e-12)
  expect_lte(res$epsilon, 3)
  expect_error(dp_train_mnist(folder, physical_batch_size = 0), "`physical_batch_size`")
})
