#' Train a GAN on MNIST-shaped images
#'
#' `train_gan()` builds one of pybbdl's GANs (Goodfellow et al.'s MLP GAN, the TensorFlow DCGAN, or
#' the conditional GAN whose grid has one row per digit) and trains it: each step updates the
#' discriminator, then the generator (non-saturating loss). With `target_epsilon` the
#' discriminator, the only part that sees the real images, is trained with DP-SGD and the noise is
#' calibrated for that epsilon over `epochs`. `gan_grid()` draws the 10 x 10 grid of samples and
#' `plot_gan_grid()` draws it with base graphics.
#'
#' @param model `"cgan"` (conditional, rows = digits 0-9), `"mlp"` or `"dcgan"`.
#' @param images Images as an array `n x 28 x 28` (values in \[0, 1\], \[0, 255\] or \[-1, 1\]);
#'   `NULL` reads MNIST from `data_path` (the folder with the four IDX files; `NULL` downloads it
#'   once into the cache).
#' @param labels Digits 0-9, one per image; needed by `"cgan"` when `images` is given.
#' @param data_path Folder with the MNIST IDX files, used when `images` is `NULL`.
#' @param limit Use only the first `limit` images (quick looks).
#' @param epochs,batch_size Passes over the images and images per step.
#' @param seed Seeds the initial weights, the noise and the batch order.
#' @param label_smoothing One-sided label smoothing of the real targets (0 = none).
#' @param ema_decay Sample from a moving average of the generator's weights (e.g. 0.999); `NULL` = off.
#' @param target_epsilon `NULL` (no privacy) or the epsilon the discriminator's DP-SGD may spend.
#' @param delta,l2_norm_clip DP-SGD's delta and clipping norm (with `target_epsilon`).
#' @param out_dir Folder for grids, loss curves and checkpoints (a rerun resumes); `NULL` = none.
#' @return `train_gan()`: an object of class `pybbdl_gan`: a list with `gan` (the Python model),
#'   `history` (a data.frame: step, d_loss, g_loss, d_real, d_fake), `model`, `epsilon` and
#'   `noise_multiplier` (`NA` without privacy).
#' @family gan
#' @export
#' @examples
#' if (pybbdl_available()) {
#'   set.seed(1)
#'   images <- array(runif(64 * 28 * 28), c(64, 28, 28))
#'   fit <- train_gan("mlp", images, epochs = 1, batch_size = 32)
#'   grid <- gan_grid(fit)
#'   plot_gan_grid(grid)
#' }
train_gan <- function(model = c("cgan", "mlp", "dcgan"), images = NULL, labels = NULL, data_path = NULL,
                      limit = NULL, epochs = 1, batch_size = 128, seed = 1, label_smoothing = 0.1,
                      ema_decay = NULL, target_epsilon = NULL, delta = 1e-5, l2_norm_clip = 1,
                      out_dir = NULL) {
  model <- match.arg(model)
  epochs <- check_count(epochs, "epochs")
  batch_size <- check_count(batch_size, "batch_size")
  seed <- check_count(seed, "seed", minimum = 0)
  limit <- check_count(limit, "limit", null_ok = TRUE)
  label_smoothing <- check_number(label_smoothing, "label_smoothing", lower = 0, upper = 1, open = FALSE)
  if (!is.null(ema_decay)) ema_decay <- check_number(ema_decay, "ema_decay", lower = 0, upper = 1)
  if (is.null(images)) {
    data <- with_py_errors(python_module("data")$load_mnist(data_path, scale = "symmetric"))
    train <- reticulate::py_to_r(data$train)
    images <- train[[1]]
    labels <- as.integer(train[[2]])
  } else {
    if (!is.numeric(images) || length(dim(images)) < 3) {
      stop("`images` must be a numeric array n x 28 x 28 (or n x 28 x 28 x 1); got ", describe(images),
           call. = FALSE)
    }
    if (!is.null(labels)) labels <- as.integer(labels)
  }
  if (!is.null(limit)) {
    keep <- seq_len(min(limit, dim(images)[1]))
    images <- images[keep, , , drop = FALSE]
    if (!is.null(labels)) labels <- labels[keep]
  }
  if (model == "cgan" && is.null(labels)) stop("`labels` (digits 0-9) are needed by the conditional GAN", call. = FALSE)
  n <- dim(images)[1]
  sigma <- NULL
  epsilon <- NA_real_
  if (!is.null(target_epsilon)) {
    steps_epochs <- floor(n / batch_size) * epochs * batch_size / n
    sigma <- dp_noise_multiplier(n, batch_size, target_epsilon, steps_epochs, delta)
    epsilon <- dp_epsilon(n, batch_size, sigma, steps_epochs, delta)
  }
  np <- py_np()
  gan_mod <- python_module("gan")
  gan <- with_py_errors(gan_mod$make_gan(
    model, seed = as.integer(seed), label_smoothing = label_smoothing, ema_decay = ema_decay,
    dp_l2_norm_clip = if (is.null(sigma)) NULL else l2_norm_clip, dp_noise_multiplier = sigma
  ))
  hist <- with_py_errors(gan_mod$train_gan(
    gan, np$asarray(images, dtype = "float32"),
    if (is.null(labels)) NULL else np$asarray(labels, dtype = "int32"),
    epochs = as.integer(epochs), batch_size = as.integer(batch_size), seed = as.integer(seed),
    out_dir = out_dir, progress = FALSE
  ))
  losses <- reticulate::py_to_r(hist$losses)
  history <- data.frame(step = seq_along(losses$d_loss), lapply(losses, as.numeric))
  structure(list(gan = gan, history = history, model = model, epsilon = epsilon,
                 noise_multiplier = if (is.null(sigma)) NA_real_ else sigma),
            class = "pybbdl_gan")
}

#' @export
print.pybbdl_gan <- function(x, ...) {
  last <- utils::tail(x$history, 1)
  cat(sprintf("pybbdl %s GAN: %d steps, last d_loss %.3f, g_loss %.3f", x$model, nrow(x$history),
              last$d_loss, last$g_loss))
  if (!is.na(x$epsilon)) cat(sprintf("; discriminator DP-SGD, epsilon %.3f", x$epsilon))
  cat("\n")
  invisible(x)
}

#' @rdname train_gan
#' @param fit What `train_gan()` returned.
#' @param rows,cols Grid size; a conditional GAN has one row per digit (rows = 10).
#' @return `gan_grid()`: an array `rows x cols x 28 x 28` with values in \[0, 1\]; attribute
#'   `labels` (a `rows x cols` matrix of the conditioning digits, or `NULL`).
#' @export
gan_grid <- function(fit, rows = 10, cols = 10, seed = 0) {
  if (!inherits(fit, "pybbdl_gan")) stop("`fit` must come from train_gan(); got ", describe(fit), call. = FALSE)
  out <- with_py_errors(fit$gan$grid(as.integer(check_count(rows, "rows")),
                                     as.integer(check_count(cols, "cols")),
                                     seed = as.integer(check_count(seed, "seed", minimum = 0))))
  out <- reticulate::py_to_r(out)
  images <- out[[1]]
  grid <- (images[, , , , 1, drop = TRUE] + 1) / 2
  labels <- out[[2]]
  if (!is.null(labels)) storage.mode(labels) <- "integer"  # already rows x cols: row r holds digit r - 1
  attr(grid, "labels") <- labels
  grid
}

#' @rdname train_gan
#' @param grid What `gan_grid()` returned.
#' @param ... Passed to [graphics::plot()].
#' @export
plot_gan_grid <- function(grid, ...) {
  d <- dim(grid)
  if (length(d) != 4) stop("`grid` must be the rows x cols x height x width array of gan_grid()", call. = FALSE)
  canvas <- matrix(0, d[1] * d[3], d[2] * d[4])
  for (r in seq_len(d[1])) for (c in seq_len(d[2])) {
    canvas[(r - 1) * d[3] + seq_len(d[3]), (c - 1) * d[4] + seq_len(d[4])] <- grid[r, c, , ]
  }
  canvas <- pmin(pmax(canvas, 0), 1)
  graphics::plot(c(0, 1), c(0, 1), type = "n", axes = FALSE, xlab = "", ylab = "", asp = 1, ...)
  graphics::rasterImage(grDevices::as.raster(canvas), 0, 0, 1, 1, interpolate = FALSE)
  invisible(canvas)
}
