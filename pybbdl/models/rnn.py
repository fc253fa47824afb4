"""Recurrent and convolutional forecasters of DLwR §6.3.5-6.4 (SimpleRNN, LSTM, GRU, stacked,
bidirectional, Conv1D); every builder returns an uncompiled ``keras.Model`` with one output."""

from __future__ import annotations

from typing import Literal

import keras

from pybbdl._validation import check_positive_int
from pybbdl.models.dense import _check_rate, forecast_head, model_inputs
from pybbdl.exceptions import ArgumentError

Cell = Literal["simple_rnn", "lstm", "gru"]
_CELLS = {"simple_rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM, "gru": keras.layers.GRU}


def build_rnn(
    input_shape: tuple[int, int],
    *,
    cell: Cell = "gru",
    units: int = 32,
    dropout: float = 0.0,
    recurrent_dropout: float = 0.0,
    layers: int = 1,
    top_units: int | None = None,
    bidirectional: bool = False,
    future_shape: tuple[int, int] | None = None,
    outputs: int = 1,
) -> keras.Model:
    """One or more recurrent layers followed by ``Dense(1)``.

    Args:
        input_shape: ``(timesteps, features)`` of one window.
        cell: ``"simple_rnn"``, ``"lstm"`` or ``"gru"``.
        units: State size of each recurrent layer (the last one: `top_units` if given).
        dropout: Dropout on the layer inputs, in [0, 1) (the book's `dropout`).
        recurrent_dropout: Dropout on the recurrent state, in [0, 1).
        layers: Stacked layers; all but the last return sequences (the book's
            ``return_sequences = TRUE``).
        top_units: Units of the last layer of a stack (the book's stacked GRU uses 64 with relu).
        bidirectional: Wrap each layer in ``Bidirectional``.
        future_shape, outputs: A future-known input and several outputs, see
            :func:`pybbdl.models.dense.build_dense`.
    """
    if cell not in _CELLS:
        raise ArgumentError(f"`cell` must be one of {sorted(_CELLS)}. Received: cell={cell!r}")
    units = check_positive_int("units", units)
    layers = check_positive_int("layers", layers)
    _check_rate("dropout", dropout)
    _check_rate("recurrent_dropout", recurrent_dropout)
    inputs, x, future = model_inputs(input_shape, future_shape)
    for i in range(layers):
        last = i == layers - 1
        kwargs = {"dropout": dropout, "recurrent_dropout": recurrent_dropout, "return_sequences": not last}
        n_units = units
        if last and layers > 1 and top_units is not None:
            n_units = check_positive_int("top_units", top_units)
            kwargs["activation"] = "relu"
        layer = _CELLS[cell](n_units, **kwargs)
        x = keras.layers.Bidirectional(layer)(x) if bidirectional else layer(x)
    name = ("bidirectional_" if bidirectional else "") + ("stacked_" if layers > 1 else "") + cell
    return keras.Model(inputs, forecast_head(x, future, outputs), name=name)


def build_conv1d(
    input_shape: tuple[int, int],
    *,
    filters: int = 32,
    kernel_size: int = 5,
    pool_size: int = 3,
    blocks: int = 3,
    future_shape: tuple[int, int] | None = None,
    outputs: int = 1,
) -> keras.Model:
    """The book's 1D convnet: ``blocks`` x Conv1D(relu) with max pooling between, global max
    pooling, ``Dense(1)``. Padding is ``"same"`` so short windows (quarterly data) work too.
    `future_shape`/`outputs` as in :func:`pybbdl.models.dense.build_dense`."""
    filters = check_positive_int("filters", filters)
    kernel_size = check_positive_int("kernel_size", kernel_size)
    pool_size = check_positive_int("pool_size", pool_size)
    blocks = check_positive_int("blocks", blocks)
    inputs, x, future = model_inputs(input_shape, future_shape)
    for i in range(blocks):
        x = keras.layers.Conv1D(filters, kernel_size, activation="relu", padding="same")(x)
        if i < blocks - 1:
            x = keras.layers.MaxPooling1D(pool_size, padding="same")(x)
    x = keras.layers.GlobalMaxPooling1D()(x)
    return keras.Model(inputs, forecast_head(x, future, outputs), name="conv1d")
