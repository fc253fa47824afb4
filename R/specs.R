#' Model specifications with the book's layer arguments
#'
#' Describe a network the way the book's `layer_gru()`, `layer_lstm()`, `layer_simple_rnn()`,
#' `bidirectional()` and `layer_dense()` calls do, then hand it to [forecast_compare()] in its
#' `models` list. Nothing is built or trained here: a spec is a plain R list that becomes a
#' `pybbdl.models.NeuralForecaster` (Keras 3) when a comparison fits it. Every network ends in
#' `Dense(1)`, trained with RMSprop on the mean absolute error, as in the book (with `quantiles`:
#' one output per quantile, trained on the pinball loss).
#'
#' Recurrent specs stack by piping: a layer that feeds another must have `return_sequences =
#' TRUE`, the last must not, as in Keras. The Python core stacks layers of one kind that share
#' `dropout`, `recurrent_dropout` and `bidirectional`, and all but the top layer share `units`;
#' the top layer of a stack uses the relu activation, as the book's stacked GRU does. Other
#' stacks are refused with a message.
#'
#' @param object A spec to stack the new layer onto (piping), or `NULL` for the first layer.
#' @param units Units of the layer: the recurrent state size, or the width of the dense layer.
#' @param dropout Dropout rate on the layer's inputs, in \[0, 1).
#' @param recurrent_dropout Dropout rate on the recurrent state, in \[0, 1).
#' @param return_sequences Return the whole sequence (`TRUE`, to feed another recurrent layer)
#'   or the last state only.
#' @param bidirectional Wrap the layer in `bidirectional()`, reading the window both ways.
#' @param residual Forecast the *change* of the target from its last value in the window: the
#'   network's output is added to that value (a skip connection), so a network with all-zero
#'   output weights is the naive forecast. A property of the whole network: set it on the top
#'   layer of a stack. On Jena 24 h ahead it lowered a GRU(64)'s test MAE from 2.324 to 2.305 °C
#'   (mean of 3 seeds; BENCHMARKS.md).
#' @param quantiles `NULL` (a point forecast), or interval levels in (0, 1), e.g. `c(0.8, 0.95)`:
#'   the network then outputs, per horizon, the median and the `(1 - L) / 2` and `(1 + L) / 2`
#'   quantiles of each level `L`, trained with the pinball (quantile) loss instead of the mean
#'   absolute error. Its forecasts are the median; its intervals are these learned quantiles and
#'   replace the conformal ones in [forecast_compare()] and [forecast_backtest()] (the wide
#'   table's `interval` column says `"model"`; scored on the validation part too), unless
#'   `interval_method = "conformal"`. The comparison's `levels` must be among these levels. A
#'   property of the whole network: set it on the top layer of a stack.
#' @return A `pybbdl_model_spec` object.
#' @family model specs
#' @export
#' @examples
#' # the book's GRU with dropout (section 6.3.6)
#' gru_spec(units = 32, dropout = 0.2, recurrent_dropout = 0.2)
#' # the book's stacked GRU (section 6.3.7)
#' gru_spec(units = 32, dropout = 0.1, recurrent_dropout = 0.5, return_sequences = TRUE) |>
#'   gru_spec(units = 64, dropout = 0.1, recurrent_dropout = 0.5)
#' # the book's bidirectional GRU (section 6.3.8)
#' gru_spec(units = 32, bidirectional = TRUE)
#' # a GRU that forecasts the change from the last value
#' gru_spec(units = 64, residual = TRUE)
#' # a GRU with its own 80 % and 95 % intervals (quantile outputs)
#' gru_spec(units = 32, quantiles = c(0.8, 0.95))
gru_spec <- function(object = NULL, units = 32, dropout = 0, recurrent_dropout = 0,
                     return_sequences = FALSE, bidirectional = FALSE, residual = FALSE,
                     quantiles = NULL) {
  rnn_spec("gru", object, units, dropout, recurrent_dropout, return_sequences, bidirectional,
           residual, quantiles)
}

#' @rdname gru_spec
#' @export
lstm_spec <- function(object = NULL, units = 32, dropout = 0, recurrent_dropout = 0,
                      return_sequences = FALSE, bidirectional = FALSE, residual = FALSE,
                      quantiles = NULL) {
  rnn_spec("lstm", object, units, dropout, recurrent_dropout, return_sequences, bidirectional,
           residual, quantiles)
}

#' @rdname gru_spec
#' @export
simple_rnn_spec <- function(object = NULL, units = 32, dropout = 0, recurrent_dropout = 0,
                            return_sequences = FALSE, bidirectional = FALSE, residual = FALSE,
                            quantiles = NULL) {
  rnn_spec("simple_rnn", object, units, dropout, recurrent_dropout, return_sequences, bidirectional,
           residual, quantiles)
}

#' @rdname gru_spec
#' @details `dense_spec()` is the book's first network (section 6.3.4): the window flattened,
#'   one relu layer of `units`, `Dense(1)`; it takes no `object`, since it does not stack.
#' @export
dense_spec <- function(units = 32, dropout = 0, residual = FALSE, quantiles = NULL) {
  layer <- list(kind = "dense", units = check_count(units, "units"),
                dropout = check_rate(dropout, "dropout"),
                residual = check_flag(residual, "residual"),
                quantiles = check_quantiles(quantiles))
  new_spec(list(layer))
}

new_spec <- function(layers) structure(list(layers = layers), class = "pybbdl_model_spec")

check_rate <- function(x, name) {
  if (!is.numeric(x) || length(x) != 1 || is.na(x) || x < 0 || x >= 1) {
    stop("`", name, "` must be a rate in [0, 1), not ", describe(x), ".", call. = FALSE)
  }
  as.numeric(x)
}

# interval levels of a quantile network: NULL, or distinct numbers in (0, 1), sorted
check_quantiles <- function(x) {
  if (is.null(x)) return(NULL)
  if (!is.numeric(x) || !length(x) || anyNA(x) || any(x <= 0 | x >= 1) || anyDuplicated(x)) {
    stop("`quantiles` must be NULL or distinct interval levels in (0, 1), e.g. c(0.8, 0.95) for ",
         "80 % and 95 %, not ", describe(x), ".", call. = FALSE)
  }
  sort(as.numeric(x))
}

rnn_spec <- function(kind, object, units, dropout, recurrent_dropout, return_sequences,
                     bidirectional, residual, quantiles) {
  if (!is.null(object) && !inherits(object, "pybbdl_model_spec")) {
    hint <- if (is.numeric(object)) paste0(" (to set the units, name the argument: units = ", object[[1]], ")") else ""
    stop("`object` must be a model spec to stack onto, or NULL, not ", describe(object), hint, ".",
         call. = FALSE)
  }
  layer <- list(kind = kind, units = check_count(units, "units"),
                dropout = check_rate(dropout, "dropout"),
                recurrent_dropout = check_rate(recurrent_dropout, "recurrent_dropout"),
                return_sequences = check_flag(return_sequences, "return_sequences"),
                bidirectional = check_flag(bidirectional, "bidirectional"),
                residual = check_flag(residual, "residual"),
                quantiles = check_quantiles(quantiles))
  if (is.null(object)) {
    return(new_spec(list(layer)))
  }
  below <- object$layers[[length(object$layers)]]
  if (below$kind == "dense") {
    stop("A recurrent layer cannot be stacked onto `dense_spec()`; start the stack with the ",
         "recurrent layer.", call. = FALSE)
  }
  if (isTRUE(below$residual)) {
    stop("`residual = TRUE` belongs to the top layer of a stack (it applies to the whole ",
         "network), not to a layer below.", call. = FALSE)
  }
  if (!is.null(below$quantiles)) {
    stop("`quantiles` belongs to the top layer of a stack (it applies to the whole network), ",
         "not to a layer below.", call. = FALSE)
  }
  if (!isTRUE(below$return_sequences)) {
    stop("The layer below must have `return_sequences = TRUE` to feed another recurrent layer, ",
         "as in Keras.", call. = FALSE)
  }
  same <- c("kind", "dropout", "recurrent_dropout", "bidirectional")
  differs <- same[!vapply(same, function(f) identical(layer[[f]], below[[f]]), logical(1))]
  if (length(differs)) {
    stop("Stacked layers must share ", paste0("`", differs, "`", collapse = ", "), " in pybbdl, ",
         "not ", paste0(differs, " = ", vapply(differs, function(f) format(below[[f]]), ""), " then ",
                        vapply(differs, function(f) format(layer[[f]]), ""), collapse = "; "),
         ".", call. = FALSE)
  }
  new_spec(c(object$layers, list(layer)))
}

#' The NeuralForecaster arguments of a spec (a named R list)
#' @noRd
spec_params <- function(spec, name = "the spec") {
  layers <- spec$layers
  top <- layers[[length(layers)]]
  # a list, so that one level still reaches Python as a sequence (a length-1 vector would be a float)
  quantiles <- if (!is.null(top$quantiles)) list(quantiles = as.list(top$quantiles))
  if (top$kind == "dense") {
    return(c(list(architecture = "dense", units = top$units, dropout = top$dropout,
                  residual = isTRUE(top$residual)), quantiles))
  }
  if (isTRUE(top$return_sequences)) {
    stop("The top layer of ", name, " must have `return_sequences = FALSE`: the forecast is made ",
         "from its last state.", call. = FALSE)
  }
  lower_units <- unique(vapply(layers[-length(layers)], function(l) l$units, integer(1)))
  if (length(lower_units) > 1) {
    stop("All layers of ", name, " but the top one must have the same `units` in pybbdl, not ",
         paste(lower_units, collapse = ", "), ".", call. = FALSE)
  }
  stacked <- length(layers) > 1
  c(list(architecture = top$kind, units = if (stacked) lower_units else top$units,
         dropout = top$dropout, recurrent_dropout = top$recurrent_dropout,
         layers = length(layers), top_units = if (stacked) top$units else NULL,
         bidirectional = top$bidirectional, residual = isTRUE(top$residual)), quantiles)
}

#' @export
print.pybbdl_model_spec <- function(x, ...) {
  cat("<pybbdl_model_spec>\n")
  n <- length(x$layers)
  for (i in seq_len(n)) {
    layer <- x$layers[[i]]
    if (layer$kind == "dense") {
      cat(sprintf("  layer_flatten() |> layer_dense(units = %d, activation = \"relu\")%s\n",
                  layer$units, if (layer$dropout > 0) sprintf(" |> layer_dropout(%g)", layer$dropout) else ""))
      next
    }
    call <- sprintf("layer_%s(units = %d, dropout = %g, recurrent_dropout = %g%s)", layer$kind,
                    layer$units, layer$dropout, layer$recurrent_dropout,
                    paste0(if (i == n && n > 1) ", activation = \"relu\"" else "",
                           if (layer$return_sequences) ", return_sequences = TRUE" else ""))
    if (layer$bidirectional) call <- sprintf("bidirectional(%s)", call)
    cat("  ", call, "\n", sep = "")
  }
  levels <- x$layers[[n]]$quantiles
  if (is.null(levels)) {
    cat("  layer_dense(units = 1)\n")
  } else {
    cat(sprintf("  layer_dense(units = %d)  # quantiles %s of the %s %% intervals, pinball loss\n",
                2L * length(levels) + 1L, paste(round((1 + c(-rev(levels), 0, levels)) / 2, 6), collapse = ", "),
                paste(100 * levels, collapse = "/")))
  }
  if (isTRUE(x$layers[[n]]$residual)) {
    cat("  + the window's last target value (residual: forecasts the change)\n")
  }
  invisible(x)
}
