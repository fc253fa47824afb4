# DP-MERF: train_gan(method = "merf") lands here. Arguments are checked in R first (epsilon > 0, delta in
# (0, 1), features even), the GAN-only ones are refused when set, then the Python workflow
# pybbdl.workflows.gan.gan_train(method = "merf") runs (it refuses delta >= 1/n and a feature count that
# does not fit in memory before touching the data) and its MerfRun becomes an S3 object.
train_merf <- function(model, images, labels, data_path, limit, epochs, batch_size, seed, label_smoothing,
                       ema_decay, dp, d_steps, target_epsilon, delta, l2_norm_clip, latent_dim,
                       checkpoint_every, deterministic, out_dir, progress, epsilon, features, length_scale,
                       learning_rate, downstream) {
  gan_only <- list(model = !identical(model, "cgan"), label_smoothing = !identical(label_smoothing, 0.1),
                   ema_decay = !is.null(ema_decay), dp = !identical(dp, FALSE), d_steps = !identical(d_steps, 1),
                   l2_norm_clip = !is.null(l2_norm_clip), latent_dim = !identical(latent_dim, 100),
                   checkpoint_every = !is.null(checkpoint_every), deterministic = !identical(deterministic, TRUE))
  for (name in names(gan_only)) {
    if (gan_only[[name]]) {
      stop("`", name, "` applies to the GANs, not to method = \"merf\" (DP-MERF is private by construction: ",
           "one release, no discriminator).", call. = FALSE)
    }
  }
  if (!is.null(epsilon) && !is.null(target_epsilon)) {
    stop("Give `epsilon` or `target_epsilon`, not both (they are the same setting).", call. = FALSE)
  }
  if (is.null(target_epsilon)) target_epsilon <- epsilon
  if (!is.null(target_epsilon)) target_epsilon <- check_number(target_epsilon, "epsilon", lower = 0)
  if (!is.null(delta)) delta <- check_number(delta, "delta", lower = 0, upper = 1)
  epochs <- check_whole(epochs, "epochs", null_ok = TRUE)
  batch_size <- check_whole(batch_size, "batch_size", null_ok = TRUE)
  seed <- check_whole(seed, "seed", minimum = 0)
  limit <- check_whole(limit, "limit", null_ok = TRUE)
  features <- check_whole(features, "features", minimum = 2, null_ok = TRUE)
  if (!is.null(features) && features %% 2 != 0) {
    stop("`features` must be an even number (cosine and sine of each frequency), not ", features, ".",
         call. = FALSE)
  }
  if (!is.null(length_scale)) length_scale <- check_number(length_scale, "length_scale", lower = 0)
  if (!is.null(learning_rate)) learning_rate <- check_number(learning_rate, "learning_rate", lower = 0)
  if (!is.null(downstream)) {
    if (!is.character(downstream) || anyNA(downstream) || !all(downstream %in% c("logreg", "mlp", "cnn"))) {
      stop("`downstream` must name classifiers from \"logreg\", \"mlp\", \"cnn\" (or be character(0)), not ",
           describe(downstream), ".", call. = FALSE)
    }
    downstream <- reticulate::tuple(as.list(downstream))
  }
  progress <- check_flag(progress, "progress")
  if (!is.null(data_path)) data_path <- check_string(data_path, "data_path")
  if (!is.null(out_dir)) out_dir <- check_string(out_dir, "out_dir")
  arrays <- mnist_inputs(images, labels, need_labels = TRUE, why = "are needed: DP-MERF is conditional.")
  py_images <- arrays$images
  py_labels <- arrays$labels
  run <- with_py_errors(python_module("workflows.gan")$gan_train(
    data_path = data_path, images = py_images, labels = py_labels, epochs = epochs, batch_size = batch_size,
    seed = seed, target_epsilon = target_epsilon, delta = delta, limit = limit, out_dir = out_dir,
    progress = progress, method = "merf", features = features, length_scale = length_scale,
    learning_rate = learning_rate, downstream = downstream
  ))
  merf_run_from_python(run)
}

# The R object of a Python MerfRun.
merf_run_from_python <- function(run) {
  table <- py_frame(run$table)
  settings <- reticulate::py_to_r(run$settings)
  history <- data.frame(step = table$step, mmd_loss = table$value)
  down <- run$downstream
  downstream <- if (is.null(down) || inherits(down, "python.builtin.NoneType")) NULL else py_frame(down)
  structure(list(table = table, history = history, downstream = downstream, model = "merf",
                 epsilon = settings$epsilon, delta = settings$delta, noise_multiplier = settings$noise_multiplier,
                 statement = reticulate::py_to_r(run$statement), settings = settings, gan = run$gan, run = run),
            class = c("pybbdl_merf", "pybbdl_gan"))
}

#' @export
format.pybbdl_merf <- function(x, ...) {
  s <- x$settings
  out <- c(sprintf("pybbdl DP-MERF generator: %d images, %d features, %d steps (batch %d), last MMD^2 %.4g",
                   as.integer(s$n), as.integer(s$features), nrow(x$history), as.integer(s$batch_size),
                   s$final_mmd_loss),
           sprintf("one Gaussian release: sensitivity 2/n = %.3g, sigma %.4g, epsilon %.3f at delta = %g",
                   s$sensitivity, x$noise_multiplier, x$epsilon, x$delta))
  if (!is.null(x$downstream) && nrow(x$downstream)) {
    out <- c(out, paste0("downstream accuracy on the real test set: ",
                         paste(sprintf("%s %.1f%%", x$downstream$classifier, 100 * x$downstream$accuracy),
                               collapse = ", ")))
  }
  out
}

# print(): print.pybbdl_gan (the class is c("pybbdl_merf", "pybbdl_gan")) calls format.pybbdl_merf

#' @export
summary.pybbdl_merf <- function(object, ...) {
  s <- object$settings
  keep <- intersect(c("method", "n", "features", "length_scale", "epochs", "steps", "batch_size", "seed",
                      "noise_multiplier", "sensitivity", "delta", "target_epsilon", "epsilon"), names(s))
  structure(list(settings = s[keep], statement = object$statement, downstream = object$downstream,
                 losses = summary(object$history[, "mmd_loss", drop = FALSE])),
            class = "summary.pybbdl_merf")
}

#' @export
print.summary.pybbdl_merf <- function(x, ...) {
  vals <- vapply(x$settings, function(v) if (is.null(v)) "NULL" else format(v), "")
  cat(paste0(format(names(vals)), ": ", vals), sep = "\n")
  cat("\n", x$statement, "\n", sep = "")
  if (!is.null(x$downstream)) {
    cat("\n")
    print(x$downstream)
  }
  cat("\n")
  print(x$losses)
  invisible(x)
}

#' @export
plot.pybbdl_merf <- function(x, y, ...) {
  graphics::plot(x$history$step, x$history$mmd_loss, type = "l", log = "y", xlab = "step",
                 ylab = "squared RFF-MMD to the released embedding", ...)
  invisible(x)
}

autoplot.pybbdl_merf <- function(object, ...) {
  ggplot2::ggplot(object$history, ggplot2::aes(x = step, y = mmd_loss)) +
    ggplot2::geom_line() +
    ggplot2::scale_y_log10() +
    ggplot2::labs(x = "step", y = "squared RFF-MMD", title = "DP-MERF: generator loss per step")
}
