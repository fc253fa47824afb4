#' Train a GAN on MNIST-shaped images
#'
#' `train_gan()` builds one of pybbdl's GANs (Goodfellow et al.'s MLP GAN, the TensorFlow DCGAN, or
#' the conditional GAN whose grid has one row per digit) and trains it through the Python workflow
#' `pybbdl.workflows.gan.gan_train()`, the same function as `pybbdl gan`: each step updates the
#' discriminator (`d_steps` times), then the generator (non-saturating loss). With `dp = TRUE` the
#' discriminator, the only part that sees the real images, is trained with DP-SGD on
#' Poisson-sampled batches (each image joins each batch with probability `batch_size / n`); the
#' noise multiplier is calibrated in Python (`pybbdl.privacy.calibrate_noise()`) for
#' `target_epsilon` over the discriminator steps that will run, and the stated epsilon is the
#' accountant's for the discriminator steps that did run (a ledger counts them), so R, Python and
#' the command line state the same, exact epsilon. The generator conditions on uniformly drawn
#' labels, never on real ones. `gan_grid()` draws the 10 x 10 grid of
#' samples and `plot_gan_grid()` draws it with base graphics.
#'
#' @param model `"cgan"` (conditional, rows = digits 0-9), `"mlp"` or `"dcgan"`.
#' @param images Images as an array `n x 28 x 28` (values in \[0, 1\], \[0, 255\] or \[-1, 1\]);
#'   `NULL` reads MNIST from `data_path` (the folder with the four IDX files; `NULL` downloads it
#'   once into the cache).
#' @param labels Digits 0-9, one per image; needed by `"cgan"` when `images` is given.
#' @param data_path Folder with the MNIST IDX files, used when `images` is `NULL`.
#' @param limit Use only the first `limit` images (quick looks).
#' @param epochs Passes over the images, >= 1; `NULL` = the model's default (mlp 20, dcgan 5,
#'   cgan 30).
#' @param batch_size Images per discriminator step (with `dp = TRUE` the expected size of the
#'   Poisson draws); an epoch is `n %/% batch_size` discriminator steps. `NULL` = 128 (DP-MERF: 100
#'   generated images per generator step).
#' @param d_steps Discriminator steps per generator step, >= 1 and at most `n %/% batch_size` (an
#'   epoch's discriminator steps, so that an epoch stays one pass over the images; more is refused)
#'   (Bie, Kamath and Zhang 2023 use 50 for DP on MNIST); with `dp = TRUE` every one is counted by
#'   the accountant.
#' @param seed Seeds the initial weights, the noise and the batch order.
#' @param label_smoothing One-sided label smoothing of the real targets, in \[0, 0.5).
#' @param ema_decay Sample from a moving average of the generator's weights (e.g. 0.999); `NULL` = off.
#' @param dp `TRUE` trains the discriminator with DP-SGD.
#' @param target_epsilon,delta,l2_norm_clip With `dp = TRUE`: the epsilon to calibrate the noise
#'   to, delta, and the clipping norm C (finite, > 0); `NULL` = 10, 1e-5 and 1. All three are
#'   refused without `dp = TRUE` (nothing would use them).
#' @param latent_dim Size of the generator's noise input.
#' @param checkpoint_every Steps between checkpoints (default one epoch when `out_dir` is given).
#' @param deterministic Run TensorFlow ops deterministically during training (restored afterwards).
#' @param out_dir Folder for grids, loss curves, the table, checkpoints and a manifest; a rerun
#'   resumes when the checkpoint's settings match and is refused otherwise; `NULL` = no files.
#' @param progress Show a progress bar.
#' @param method `"gan"` (the `model` GAN) or `"merf"`: DP-MERF (Harder, Adamczewski and Park 2021),
#'   which releases the class-conditional mean embedding of the images in random Fourier features
#'   once through the Gaussian mechanism (sensitivity 2/n, replace-one adjacency; sigma calibrated
#'   for `epsilon` at `delta`, default 10 and 1e-5, delta < 1/n) and then trains a conditional
#'   generator to match it without touching the data again. It takes `epochs` (default 5),
#'   `batch_size`, `seed`, `limit`, `data_path`, `out_dir` and the four arguments below, and refuses
#'   the GAN-only ones (`dp`, `d_steps`, `l2_norm_clip`, ...). Its result has class
#'   `c("pybbdl_merf", "pybbdl_gan")`: `epsilon` (the accountant's for the release), `delta`,
#'   `noise_multiplier`, `downstream` (a data frame: classifier, accuracy, ...), `history` (step,
#'   mmd_loss); `gan_grid()` and `plot_gan_grid()` work on it as on a GAN.
#' @param epsilon With `method = "merf"`: the target epsilon (the same as `target_epsilon`; give one).
#' @param features,length_scale,learning_rate With `method = "merf"`: random Fourier features (even,
#'   default 10000), the Gaussian kernel's length scale on \[0, 1\] pixels (default sqrt(105)) and the
#'   generator's Adam rate (default 0.01). A feature count that does not fit in memory is refused.
#' @param downstream With `method = "merf"`: the classifiers (`"logreg"`, `"mlp"`, `"cnn"`; default all
#'   three) trained on 60,000 synthetic digits and tested on the real MNIST test set; `character(0)`
#'   skips them (then `images` without a test set is fine).
#' @return `train_gan()`: an object of class `pybbdl_gan`: a list with `table` (long: step, epoch,
#'   metric, value), `history` (one row per step: step, d_loss, g_loss, d_real, d_fake), `model`,
#'   `epsilon` and `noise_multiplier` (`NA` without privacy), `statement`, `settings`, `gan` (the
#'   Python model) and `run` (the Python `GanRun`); with `print()`, `format()`, `summary()`,
#'   `plot()` and `as.data.frame()` methods, and an `autoplot()` method (the losses per step)
#'   when ggplot2 is installed.
#' @family gan
#' @export
#' @examples
#' if (pybbdl_available()) {
#'   set.seed(1)
#'   images <- array(runif(64 * 28 * 28), c(64, 28, 28))
#'   fit <- train_gan("mlp", images, epochs = 1, batch_size = 32)
#'   fit
#'   grid <- gan_grid(fit)
#'   plot_gan_grid(grid)
#' }
train_gan <- function(model = c("cgan", "mlp", "dcgan"), images = NULL, labels = NULL, data_path = NULL,
                      limit = NULL, epochs = NULL, batch_size = NULL, seed = 1, label_smoothing = 0.1,
                      ema_decay = NULL, dp = FALSE, d_steps = 1, target_epsilon = NULL, delta = NULL,
                      l2_norm_clip = NULL,
                      latent_dim = 100, checkpoint_every = NULL, deterministic = TRUE, out_dir = NULL,
                      progress = FALSE, method = c("gan", "merf"), epsilon = NULL, features = NULL,
                      length_scale = NULL, learning_rate = NULL, downstream = NULL) {
  if (is.factor(model)) model <- as.character(model)
  if (is.factor(method)) method <- as.character(method)
  model <- match.arg(model)
  method <- match.arg(method)
  if (method == "merf") {
    return(train_merf(model = model, images = images, labels = labels, data_path = data_path, limit = limit,
                      epochs = epochs, batch_size = batch_size, seed = seed, label_smoothing = label_smoothing,
                      ema_decay = ema_decay, dp = dp, d_steps = d_steps, target_epsilon = target_epsilon,
                      delta = delta, l2_norm_clip = l2_norm_clip, latent_dim = latent_dim,
                      checkpoint_every = checkpoint_every, deterministic = deterministic, out_dir = out_dir,
                      progress = progress, epsilon = epsilon, features = features, length_scale = length_scale,
                      learning_rate = learning_rate, downstream = downstream))
  }
  merf_only <- list(epsilon = epsilon, features = features, length_scale = length_scale,
                    learning_rate = learning_rate, downstream = downstream)
  for (name in names(merf_only)) {
    if (!is.null(merf_only[[name]])) {
      stop("`", name, "` applies to method = \"merf\" only.", call. = FALSE)
    }
  }
  if (is.null(batch_size)) batch_size <- 128
  epochs <- check_whole(epochs, "epochs", null_ok = TRUE)
  batch_size <- check_whole(batch_size, "batch_size")
  d_steps <- check_whole(d_steps, "d_steps")
  seed <- check_whole(seed, "seed", minimum = 0)
  limit <- check_whole(limit, "limit", null_ok = TRUE)
  latent_dim <- check_whole(latent_dim, "latent_dim")
  checkpoint_every <- check_whole(checkpoint_every, "checkpoint_every", null_ok = TRUE)
  if (!is.numeric(label_smoothing) || length(label_smoothing) != 1 || is.na(label_smoothing) ||
      label_smoothing < 0 || label_smoothing >= 0.5) {
    stop("`label_smoothing` must be a number in [0, 0.5), not ", describe(label_smoothing), ".",
         call. = FALSE)
  }
  if (!is.null(ema_decay)) ema_decay <- check_number(ema_decay, "ema_decay", lower = 0, upper = 1)
  dp <- check_flag(dp, "dp")
  dp_only <- list(target_epsilon = target_epsilon, delta = delta, l2_norm_clip = l2_norm_clip)
  for (name in names(dp_only)) {
    if (!is.null(dp_only[[name]]) && !dp) {
      stop("`", name, "` applies to DP training only: set `dp = TRUE` or leave it out.", call. = FALSE)
    }
  }
  if (!is.null(target_epsilon)) target_epsilon <- check_number(target_epsilon, "target_epsilon", lower = 0)
  if (!is.null(delta)) delta <- check_number(delta, "delta", lower = 0, upper = 1)
  if (!is.null(l2_norm_clip)) l2_norm_clip <- check_number(l2_norm_clip, "l2_norm_clip", lower = 0)
  deterministic <- check_flag(deterministic, "deterministic")
  progress <- check_flag(progress, "progress")
  if (!is.null(data_path)) data_path <- check_string(data_path, "data_path")
  if (!is.null(out_dir)) out_dir <- check_string(out_dir, "out_dir")
  arrays <- mnist_inputs(images, labels, need_labels = model == "cgan",
                         why = "are needed by the conditional GAN")
  py_images <- arrays$images
  py_labels <- arrays$labels
  run <- with_py_errors(python_module("workflows.gan")$gan_train(
    model, data_path, images = py_images, labels = py_labels, epochs = epochs, batch_size = batch_size,
    latent_dim = latent_dim, label_smoothing = label_smoothing, seed = seed,
    checkpoint_every = checkpoint_every, dp = dp, d_steps = d_steps, target_epsilon = target_epsilon, delta = delta,
    l2_norm_clip = l2_norm_clip, ema_decay = ema_decay, limit = limit, deterministic = deterministic,
    out_dir = out_dir, progress = progress
  ))
  gan_run_from_python(run)
}

# The R object of a Python GanRun.
gan_run_from_python <- function(run) {
  table <- py_frame(run$table)
  settings <- reticulate::py_to_r(run$settings)
  history <- if (nrow(table)) stats::reshape(table[, c("step", "metric", "value")], idvar = "step",
                                             timevar = "metric", direction = "wide") else
    data.frame(step = integer(0))
  names(history) <- sub("^value\\.", "", names(history))
  history <- history[order(history$step), intersect(c("step", "d_loss", "g_loss", "d_real", "d_fake"),
                                                    names(history)), drop = FALSE]
  rownames(history) <- NULL
  structure(list(table = table, history = history, model = settings$model,
                 epsilon = if (isTRUE(settings$dp)) settings$epsilon else NA_real_,
                 noise_multiplier = if (isTRUE(settings$dp)) settings$noise_multiplier else NA_real_,
                 statement = reticulate::py_to_r(run$statement), settings = settings, gan = run$gan, run = run),
            class = "pybbdl_gan")
}

#' @export
format.pybbdl_gan <- function(x, ...) {
  last <- utils::tail(x$history, 1)
  s <- x$settings
  out <- sprintf("pybbdl %s GAN: %d images, %d steps (batch %d), last d_loss %.3f, g_loss %.3f", x$model,
                 as.integer(s$n), nrow(x$history), as.integer(s$batch_size), last$d_loss, last$g_loss)
  if (!is.na(x$epsilon)) {
    out <- c(out, sprintf("discriminator DP-SGD: sigma %.4g, C = %g, epsilon %.3f at delta = %g",
                          x$noise_multiplier, s$l2_norm_clip, x$epsilon, s$delta))
  }
  out
}

#' @export
print.pybbdl_gan <- function(x, ...) {
  cat(format(x), sep = "\n")
  invisible(x)
}

#' @export
summary.pybbdl_gan <- function(object, ...) {
  s <- object$settings
  keep <- intersect(c("model", "n", "epochs", "steps", "batch_size", "seed", "dp", "noise_multiplier",
                      "l2_norm_clip", "delta", "target_epsilon", "epsilon"), names(s))
  structure(list(settings = s[keep], statement = object$statement,
                 losses = summary(object$history[, setdiff(names(object$history), "step"), drop = FALSE])),
            class = "summary.pybbdl_gan")
}

#' @export
print.summary.pybbdl_gan <- function(x, ...) {
  vals <- vapply(x$settings, function(v) if (is.null(v)) "NULL" else format(v), "")
  cat(paste0(format(names(vals)), ": ", vals), sep = "\n")
  if (nzchar(x$statement)) cat("\n", x$statement, "\n", sep = "")
  cat("\n")
  print(x$losses)
  invisible(x)
}

#' @export
as.data.frame.pybbdl_gan <- function(x, row.names = NULL, optional = FALSE, ...) {
  x$table
}

#' @export
plot.pybbdl_gan <- function(x, y, ...) {
  h <- x$history
  graphics::matplot(h$step, h[, c("d_loss", "g_loss")], type = "l", lty = 1, col = c("black", "red"),
                    xlab = "step", ylab = "loss (nats)", ...)
  graphics::legend("topright", legend = c("d_loss", "g_loss"), col = c("black", "red"), lty = 1, bty = "n")
  invisible(x)
}

# ggplot2::autoplot() method (registered when ggplot2 is loaded, see register_s3_methods()):
# the discriminator's and the generator's loss per step, as plot() draws them.
autoplot.pybbdl_gan <- function(object, ...) {
  h <- object$history
  long <- data.frame(step = rep(h$step, 2), value = c(h$d_loss, h$g_loss),
                     series = factor(rep(c("d_loss", "g_loss"), each = nrow(h)),
                                     levels = c("d_loss", "g_loss")))
  ggplot2::ggplot(long, ggplot2::aes(x = step, y = value, colour = series)) +
    ggplot2::geom_line() +
    ggplot2::labs(x = "step", y = "loss (nats)", colour = NULL,
                  title = sprintf("%s GAN: losses per step", object$model))
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

#' MNIST-shaped images and digit labels from R, checked and converted for Python: the one check of
#' `images`/`labels` for train_gan() and DP-MERF. `need_labels`: refuse missing labels (`why` says
#' why). Returns list(images, labels) of numpy arrays (NULL where not given).
#' @noRd
mnist_inputs <- function(images, labels, need_labels, why) {
  if (is.null(images)) return(list(images = NULL, labels = NULL))
  np <- py_np()
  if (!is.numeric(images) || length(dim(images)) < 3) {
    stop("`images` must be a numeric array n x 28 x 28 (or n x 28 x 28 x 1); got ", describe(images),
         call. = FALSE)
  }
  d <- dim(images)
  if (length(d) > 4 || !identical(as.integer(d[2:3]), c(28L, 28L)) || (length(d) == 4 && d[[4]] != 1)) {
    stop("`images` must be a numeric array n x 28 x 28 (or n x 28 x 28 x 1), not ",
         paste(d, collapse = " x "), ".", call. = FALSE)
  }
  bad <- which(!is.finite(images))
  if (length(bad)) {
    stop("`images` must hold finite pixel values, but ", length(bad), " are NA, NaN or infinite ",
         "(the first in image ", (bad[[1]] - 1) %% d[[1]] + 1, ").", call. = FALSE)
  }
  py_labels <- NULL
  if (!is.null(labels)) {
    if (is.factor(labels)) labels <- as.numeric(as.character(labels)) # the digits, not the codes
    if (!is.numeric(labels) || anyNA(labels) || any(labels != round(labels)) || any(labels < 0 | labels > 9)) {
      stop("`labels` must be whole numbers 0-9, not ", describe(labels), ".", call. = FALSE)
    }
    if (length(labels) != d[[1]]) {
      stop("`labels` must have one label per image (", d[[1]], "), not ", length(labels), ".", call. = FALSE)
    }
    py_labels <- np$asarray(as.integer(labels), dtype = "int32")
  } else if (need_labels) {
    stop("`labels` (digits 0-9) ", why, call. = FALSE)
  }
  list(images = np$asarray(images, dtype = "float32"), labels = py_labels)
}
