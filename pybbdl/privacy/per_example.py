"""DP-SGD gradients for Keras 3 models (TensorFlow backend): per-example norms, clipping and noise.

The Keras side (``make_private``, ``dp_fit``, Poisson batches, the ledger) is in :mod:`pybbdl.privacy.dp_sgd`.

Each step computes every example's gradient g_i, clips it to L2 norm C (``g_i * min(1, C / ||g_i||)``),
sums, adds N(0, sigma^2 C^2) to every coordinate and divides by the (expected) batch size
(Abadi et al. 2016). Two ways to get the per-example norms:

* ``"fast"`` (Dense, Conv1D, Conv2D models): one ordinary forward/backward pass records each
  layer's input and the gradient of the summed loss with respect to its pre-activation output;
  per-example gradient norms follow from those two (Goodfellow 2015; "ghost" norms when cheaper,
  Li et al. 2022) and the clipped sum is one weighted matrix product per layer. No per-example
  gradient is ever materialised for the whole model.
* ``"vectorized"`` (any layer, e.g. GRU/LSTM): ``tf.vectorized_map`` over examples (or
  microbatches) of the ordinary gradient.

Layers that mix examples (BatchNormalization) make per-example gradients meaningless and are refused.
"""

from __future__ import annotations

from typing import Callable, Literal

import keras
import tensorflow as tf

from pybbdl.exceptions import ArgumentError, PybbdlError
from pybbdl.privacy._checks import check_l2_norm_clip, check_noise

Method = Literal["auto", "fast", "vectorized"]


class UnsupportedLayerError(PybbdlError, ValueError):
    """A layer whose per-example gradients DP-SGD cannot compute (e.g. BatchNormalization)."""


#: Layers that couple the examples of a batch: per-example gradients do not exist for them.
_BATCH_COUPLING = (keras.layers.BatchNormalization,)
_FAST_TYPES = (keras.layers.Dense, keras.layers.Conv1D, keras.layers.Conv2D)


# --------------------------------------------------------------------------------------------- checks
def _check_clip_noise(l2_norm_clip, noise_multiplier, *, allow_zero_noise=False) -> tuple[float, float]:
    """C finite > 0 (numpy scalars accepted; inf refused: no clipping means no guarantee), sigma > 0.

    ``allow_zero_noise`` is for the gradient functions only (tests and the non-private reference):
    there sigma = 0 and C = inf (no clipping) are allowed; public entry points refuse both."""
    if allow_zero_noise and _is_inf(l2_norm_clip):
        return float("inf"), check_noise(noise_multiplier, allow_zero=True)
    return check_l2_norm_clip(l2_norm_clip), check_noise(noise_multiplier, allow_zero=allow_zero_noise)


def _is_inf(value) -> bool:
    try:
        return float(value) == float("inf")
    except (TypeError, ValueError):
        return False


def _leaf_layers(model: keras.Layer) -> list[keras.Layer]:
    return [layer for layer in model._flatten_layers(include_self=False, recursive=True)]


def _is_fast_layer(layer) -> bool:
    if type(layer) not in _FAST_TYPES:  # subclasses may change `call`
        return False
    if getattr(layer, "lora_enabled", False) or getattr(layer, "quantization_mode", None):
        return False
    if isinstance(layer, keras.layers.Dense):
        return True
    return layer.groups == 1 and layer.data_format == "channels_last"


def _is_fast_gru(layer) -> bool:
    """A plain Keras GRU (reset_after, no dropout, forward, stateless): replayed step by step with taps."""
    if type(layer) is not keras.layers.GRU:
        return False
    cell = layer.cell
    return (cell.reset_after and not cell.dropout and not cell.recurrent_dropout and not layer.go_backwards
            and not layer.stateful and not layer.return_state and not getattr(layer, "zero_output_for_mask", False)
            and not getattr(cell, "lora_enabled", False))


def _fast_units(model) -> list:
    """Layers whose per-example gradient norms come from taps: Dense/Conv with weights, and GRUs."""
    return [layer for layer in _leaf_layers(model)
            if (_is_fast_layer(layer) and _own_trainable(layer)) or _is_fast_gru(layer)]


def _own_trainable(layer) -> list:
    children = {id(v) for sub in layer._flatten_layers(include_self=False, recursive=True)
                for v in sub.trainable_variables}
    return [v for v in layer.trainable_variables if id(v) not in children]


def check_dp_layers(model: keras.Layer) -> str:
    """Raise for layers that couple examples; return ``"fast"`` if every trainable layer allows the
    fast per-example norms (Dense, Conv1D, Conv2D, plain GRU), else ``"vectorized"``."""
    fast = True
    for layer in _leaf_layers(model):
        if isinstance(layer, _BATCH_COUPLING):
            raise UnsupportedLayerError(
                f"Layer {layer.name!r} ({type(layer).__name__}) normalises with statistics of the whole batch, "
                "so one example's gradient depends on the others and DP-SGD's per-example clipping does not bound "
                "its influence. Use keras.layers.GroupNormalization or LayerNormalization instead.")
    covered = {id(v) for unit in _fast_units(model) for v in unit.trainable_variables}
    if any(id(v) not in covered for v in model.trainable_variables):
        fast = False
    return "fast" if fast else "vectorized"


# ------------------------------------------------------------------------------- per-example losses
def per_example_loss_fn(loss) -> Callable:
    """A function ``(y_true, y_pred) -> (B,)`` from what `compile(loss=...)` accepts (a name, a
    function or a ``keras.losses.Loss``); multi-output losses are refused."""
    if isinstance(loss, (list, tuple, dict)):
        raise ArgumentError("DP-SGD supports models compiled with a single loss; got " + type(loss).__name__)
    if loss is None:
        raise ArgumentError("Compile the model with a loss before DP training")
    fn = keras.losses.get(loss)
    if isinstance(fn, keras.losses.Loss):
        config = fn.get_config()
        config["reduction"] = None
        fn = type(fn).from_config(config)

    def per_example(y_true, y_pred):
        values = fn(y_true, y_pred)
        values = tf.convert_to_tensor(values)
        if values.shape.rank and values.shape.rank > 1:
            values = tf.reduce_mean(values, axis=list(range(1, values.shape.rank)))
        return tf.cast(values, tf.float32)

    return per_example


# ----------------------------------------------------------------------------------- fast path: taps
def _preactivation(layer, inputs):
    if isinstance(layer, keras.layers.Dense):
        z = tf.matmul(inputs, layer.kernel) if inputs.shape.rank == 2 else tf.tensordot(inputs, layer.kernel, 1)
        return z + layer.bias if layer.bias is not None else z
    padding = layer.padding
    if padding == "causal":
        inputs = tf.pad(inputs, [[0, 0], [layer.dilation_rate[0] * (layer.kernel_size[0] - 1), 0], [0, 0]])
        padding = "valid"
    z = keras.ops.conv(inputs, layer.kernel, strides=list(layer.strides), padding=padding,
                       dilation_rate=layer.dilation_rate, data_format=layer.data_format)
    if layer.use_bias:
        z = z + tf.reshape(layer.bias, (1,) * (layer.rank + 1) + (layer.filters,))
    return z


class _Taps:
    """Swap the `call` of fast layers for one that records (input, pre-activation) during a forward."""

    def __init__(self, layers):
        self.layers = layers
        self.records: dict[int, list] = {}

    def __enter__(self):
        for layer in self.layers:
            if isinstance(layer, keras.layers.GRU):
                layer.call = self._gru_call(layer)
                continue

            def call(inputs, *args, _layer=layer, **kwargs):
                inputs = tf.convert_to_tensor(inputs)
                z = _preactivation(_layer, inputs)
                self.records.setdefault(id(_layer), []).append((inputs, z))
                return _layer.activation(z) if _layer.activation is not None else z
            layer.call = call
        return self

    def __exit__(self, *exc):
        for layer in self.layers:
            del layer.call
        return False

    def _gru_call(self, layer):
        """Keras's GRU (reset_after) replayed with ``tf.scan``. The input projection ``xp`` and a zero
        tensor ``e`` added to the recurrent projection are recorded: the gradients of the loss with
        respect to them are those of every step's pre-activations."""
        cell = layer.cell

        def call(inputs, mask=None, training=None, initial_state=None):
            if mask is not None:
                raise UnsupportedLayerError(f"GRU {layer.name!r} with a mask: use method='vectorized'")
            inputs = tf.convert_to_tensor(inputs)
            units = cell.units
            xp = tf.tensordot(inputs, cell.kernel, 1)
            if cell.use_bias:
                xp = xp + cell.bias[0]
            e = tf.zeros_like(xp) * xp[..., :1]  # a recorded zero: d loss / d e = d loss / d (h U)
            h0 = (tf.zeros((tf.shape(inputs)[0], units), inputs.dtype) if initial_state is None
                  else tf.convert_to_tensor(tf.nest.flatten(initial_state)[0]))

            def step(h, xs):
                xp_t, e_t = xs
                hp = tf.matmul(h, cell.recurrent_kernel) + e_t
                if cell.use_bias:
                    hp = hp + cell.bias[1]
                z = cell.recurrent_activation(xp_t[:, :units] + hp[:, :units])
                r = cell.recurrent_activation(xp_t[:, units:2 * units] + hp[:, units:2 * units])
                hh = cell.activation(xp_t[:, 2 * units:] + r * hp[:, 2 * units:])
                return z * h + (1 - z) * hh

            hs = tf.scan(step, (tf.transpose(xp, (1, 0, 2)), tf.transpose(e, (1, 0, 2))), initializer=h0)
            h_prev = tf.transpose(tf.concat([h0[None], hs[:-1]], axis=0), (1, 0, 2))
            self.records.setdefault(id(layer), []).append((inputs, xp, h_prev, e))
            return tf.transpose(hs, (1, 0, 2)) if layer.return_sequences else hs[-1]

        return call


def _identity_conv_patches(x, k, s, d, padding):
    """im2col by convolving with one-hot filters: oneDNN's convolution beats extract_patches on CPU."""
    cin = x.shape[-1]
    size = k[0] * k[1] * cin
    eye = tf.reshape(tf.eye(size, dtype=x.dtype), (k[0], k[1], cin, size))
    return tf.nn.conv2d(x, eye, strides=[1, *s, 1], padding=padding, dilations=[1, *d, 1])


def _patches(layer, x):
    """Rows of the im2col matrix: (B, positions, kernel elements) in the kernel's flattening order."""
    if isinstance(layer, keras.layers.Dense):
        return x[:, None, :] if x.shape.rank == 2 else tf.reshape(x, (tf.shape(x)[0], -1, x.shape[-1]))
    if layer.rank == 1:
        x = x[:, None, :, :]
        k, s, d = (1, layer.kernel_size[0]), (1, layer.strides[0]), (1, layer.dilation_rate[0])
    else:
        k, s, d = layer.kernel_size, layer.strides, layer.dilation_rate
    padding = layer.padding.upper()
    if padding == "CAUSAL":
        x = tf.pad(x, [[0, 0], [0, 0], [(k[1] - 1) * d[1], 0], [0, 0]])
        padding = "VALID"
    if k[0] * k[1] * x.shape[-1] <= 128:
        p = _identity_conv_patches(x, k, s, d, padding)
    else:
        p = tf.image.extract_patches(x, sizes=[1, *k, 1], strides=[1, *s, 1], rates=[1, *d, 1], padding=padding)
    return tf.reshape(p, (tf.shape(p)[0], -1, p.shape[-1]))


def _group(t, groups):
    """(B, L, K) -> (groups, (B / groups) * L, K): microbatch g holds examples g*B/M ... (g+1)*B/M - 1."""
    if groups is None:
        return t
    return tf.reshape(t, (groups, -1, t.shape[-1]))


def _fast_norms(taps: _Taps, deltas, groups):
    """Per-example (or per-microbatch) gradient norms from each layer's input and output gradient."""
    sq_norm = 0.0
    for layer in taps.layers:
        x, _ = taps.records[id(layer)][0]
        delta = deltas[id(layer)]
        g = _group(tf.reshape(delta, (tf.shape(delta)[0], -1, delta.shape[-1])), groups)  # (B, L, C)
        if isinstance(layer, keras.layers.Dense) and x.shape.rank == 2 and groups is None:
            kernel_sq = tf.reduce_sum(tf.square(x), 1) * tf.reduce_sum(tf.square(g[:, 0, :]), 1)
        else:
            a = _group(_patches(layer, x), groups)                                      # (B, L, K)
            positions, k_dim, c_dim = a.shape[1], a.shape[-1], g.shape[-1]
            if positions is not None and positions * positions < k_dim * c_dim:    # ghost norm
                kernel_sq = tf.reduce_sum(tf.matmul(a, a, transpose_b=True) * tf.matmul(g, g, transpose_b=True),
                                          [1, 2])
            else:
                kernel_sq = tf.reduce_sum(tf.square(tf.matmul(a, g, transpose_a=True)), [1, 2])
        sq_norm += kernel_sq
        if getattr(layer, "bias", None) is not None:
            sq_norm += tf.reduce_sum(tf.square(tf.reduce_sum(g, axis=1)), axis=1)
    return tf.sqrt(sq_norm)


# ------------------------------------------------------------------------------------------ the step
def _finish(clipped_sums, variables, l2_norm_clip, noise_multiplier, seed_generator, denominator):
    grads = []
    for var, total in zip(variables, clipped_sums):
        noise = 0.0
        if noise_multiplier > 0:
            noise = keras.random.normal(var.shape, stddev=noise_multiplier * l2_norm_clip, seed=seed_generator)
        grads.append((total + noise) / denominator)
    return grads


def dp_model_gradients(model, x, y, loss_fn, *, l2_norm_clip, noise_multiplier, seed_generator,
                       sample_weight=None, num_microbatches=None, denominator=None, method: Method = "auto",
                       variables=None, training=True, physical_batch_size=None):
    """DP-SGD gradients of ``model``'s trainable variables on one batch.

    Returns ``(grads, per_example_losses, y_pred, norms)``; ``norms`` are the unclipped per-example
    (per-microbatch) gradient norms. ``loss_fn(y, y_pred)`` must return one loss per example
    (see :func:`per_example_loss_fn`). ``denominator`` defaults to the batch size (the expected batch
    size under Poisson sampling is what :func:`make_private` passes). ``noise_multiplier=0`` is
    allowed here (tests, and the non-private reference); public entry points refuse it.

    ``physical_batch_size`` (virtual batches, as Opacus' ``BatchMemoryManager``): the batch is one
    *logical* step processed in slices of at most this many examples; each slice's examples are clipped
    and their clipped gradients summed into an accumulator, and the Gaussian noise is added once, to
    the sum over the whole logical batch. Memory then grows with the slice, not the logical batch; the
    result equals the one-slice computation up to float rounding (same seed: the same noise). Not
    combinable with ``num_microbatches``.
    """
    _check_clip_noise(l2_norm_clip, noise_multiplier, allow_zero_noise=True)
    if method == "auto":
        method = check_dp_layers(model)
    variables = list(model.trainable_variables if variables is None else variables)
    batch = tf.shape(tf.nest.flatten(x)[0])[0]
    groups = num_microbatches
    if groups is not None:
        tf.debugging.assert_equal(batch % groups, 0, message="batch size must be a multiple of num_microbatches")
    if denominator is None:
        denominator = tf.cast(groups if groups is not None else batch, tf.float32)
    kwargs = dict(l2_norm_clip=l2_norm_clip, method=method, variables=variables, training=training)
    if physical_batch_size is None:
        clipped, losses, y_pred, norms = _clipped_sums(model, x, y, loss_fn, sample_weight=sample_weight,
                                                       groups=groups, **kwargs)
    else:
        if groups is not None:
            raise ArgumentError("`physical_batch_size` (virtual batches) cannot be combined with `num_microbatches`."
                                f" Received: physical_batch_size={physical_batch_size}, "
                                f"num_microbatches={num_microbatches}")
        clipped, losses, y_pred, norms = _accumulated_sums(model, x, y, loss_fn, sample_weight=sample_weight,
                                                           physical_batch_size=physical_batch_size, **kwargs)
    grads = _finish(clipped, variables, l2_norm_clip, noise_multiplier, seed_generator, denominator)
    return grads, losses, y_pred, norms


def _accumulated_sums(model, x, y, loss_fn, *, sample_weight, physical_batch_size, **kwargs):
    """The clipped per-example gradients summed over slices of `physical_batch_size` examples (a
    ``tf.while_loop``, so a logical batch of any size, Poisson-varying included, runs in bounded memory).
    Returns what :func:`_clipped_sums` returns, for the whole batch."""
    size = int(physical_batch_size)
    if size < 1:
        raise ArgumentError(f"`physical_batch_size` must be a whole number >= 1. Received: {physical_batch_size}")
    as_tensor = lambda t: None if t is None else tf.convert_to_tensor(t)  # noqa: E731
    x, y, sample_weight = (tf.nest.map_structure(as_tensor, t) for t in (x, y, sample_weight))
    batch = tf.shape(tf.nest.flatten(x)[0])[0]

    def chunk(i):
        take = lambda t: None if t is None else t[i * size:(i + 1) * size]  # noqa: E731
        return _clipped_sums(model, tf.nest.map_structure(take, x), tf.nest.map_structure(take, y), loss_fn,
                             sample_weight=take(sample_weight), groups=None, **kwargs)

    sums, losses, y_pred, norms = chunk(0)       # traced once outside the loop: fixes y_pred's structure
    n_chunks = (batch + size - 1) // size
    first = [losses, norms, *tf.nest.flatten(y_pred)]
    arrays = [tf.TensorArray(t.dtype, size=0, dynamic_size=True, infer_shape=False).write(0, t) for t in first]

    def body(i, sums, arrays):
        s, l, p, n = chunk(i)
        sums = [a + b for a, b in zip(sums, s)]
        arrays = [ta.write(i, v) for ta, v in zip(arrays, [l, n, *tf.nest.flatten(p)])]
        return i + 1, sums, arrays

    _, sums, arrays = tf.while_loop(lambda i, *_: i < n_chunks, body, (tf.constant(1), list(sums), arrays))
    # TensorArray.concat loses the static shape: give back (None, *shape of one slice) for Keras' metrics
    losses, norms, *flat = [tf.ensure_shape(ta.concat(), [None, *t.shape[1:]]) for ta, t in zip(arrays, first)]
    return sums, losses, tf.nest.pack_sequence_as(y_pred, flat), norms


def _clipped_sums(model, x, y, loss_fn, *, l2_norm_clip, sample_weight, groups, method, variables, training):
    """The sum of the clipped per-example (per-microbatch) gradients, before noise: ``(sums, losses, y_pred,
    norms)``."""
    batch = tf.shape(tf.nest.flatten(x)[0])[0]

    def losses_of(y_true, y_pred):
        values = loss_fn(y_true, y_pred)
        if sample_weight is not None:
            values = values * tf.cast(tf.reshape(sample_weight, (-1,)), values.dtype)
        return values

    if method == "fast":
        layers = _fast_units(model)
        with _Taps(layers) as taps, tf.GradientTape(persistent=True) as tape:
            y_pred = model(x, training=training)
            losses = losses_of(y, y_pred)
            total = tf.reduce_sum(losses) if groups is None else tf.reduce_sum(losses) * tf.cast(
                groups, tf.float32) / tf.cast(batch, tf.float32)
        for layer in layers:
            if len(taps.records.get(id(layer), [])) != 1:
                raise UnsupportedLayerError(
                    f"Layer {layer.name!r} ran {len(taps.records.get(id(layer), []))} times in one forward pass; "
                    "shared or unused layers need method='vectorized'")
        dense = [layer for layer in layers if not isinstance(layer, keras.layers.GRU)]
        grus = [layer for layer in layers if isinstance(layer, keras.layers.GRU)]
        targets = [taps.records[id(layer)][0][1] for layer in dense]
        targets += [t for layer in grus for t in (taps.records[id(layer)][0][1], taps.records[id(layer)][0][3])]
        grads_t = tape.gradient(total, targets, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        grads_z, grads_gru = grads_t[:len(dense)], grads_t[len(dense):]
        dense_taps = _Taps(dense)
        dense_taps.records = taps.records
        norms_sq = tf.square(_fast_norms(dense_taps, {id(l): g for l, g in zip(dense, grads_z)}, groups)) \
            if dense else 0.0
        gru_grads = []
        for i, layer in enumerate(grus):  # per-example gradients of a GRU are small: materialise them
            inputs, _, h_prev, _ = taps.records[id(layer)][0]
            d_xp, d_e = grads_gru[2 * i], grads_gru[2 * i + 1]
            cell = layer.cell
            per = {id(cell.kernel): tf.einsum("btf,btc->bfc", inputs, d_xp),
                   id(cell.recurrent_kernel): tf.einsum("btu,btc->buc", h_prev, d_e)}
            if cell.use_bias:
                per[id(cell.bias)] = tf.stack([tf.reduce_sum(d_xp, 1), tf.reduce_sum(d_e, 1)], axis=1)
            if groups is not None:
                per = {k: tf.reduce_sum(tf.reshape(v, tf.concat([[groups, -1], tf.shape(v)[1:]], 0)), 1)
                       for k, v in per.items()}
            for v in per.values():
                norms_sq += tf.reduce_sum(tf.reshape(tf.square(v), (tf.shape(v)[0], -1)), axis=1)
            gru_grads.append(per)
        norms = tf.sqrt(norms_sq)
        factors = tf.minimum(1.0, l2_norm_clip / tf.maximum(norms, 1e-12))
        per_row = factors if groups is None else tf.repeat(factors, batch // groups)
        sums = {}
        for layer, z, g in zip(dense, targets, grads_z):  # weight gradient of each layer with re-weighted rows
            own = _own_trainable(layer)
            weighted = g * tf.reshape(per_row, (-1,) + (1,) * (g.shape.rank - 1))
            for var, grad in zip(own, tape.gradient(z, own, output_gradients=weighted)):
                sums[id(var)] = grad
        for per in gru_grads:
            for key, value in per.items():
                sums[key] = tf.tensordot(factors, value, axes=1)
        del tape
        missing = [v.path for v in variables if id(v) not in sums]
        if missing:
            raise UnsupportedLayerError(f"No per-example gradient for {missing}; use method='vectorized'")
        clipped = [sums[id(v)] for v in variables]
    elif method == "vectorized":
        xs = tf.nest.map_structure(lambda t: _group_batch(t, groups), x)
        ys = tf.nest.map_structure(lambda t: _group_batch(t, groups), y)
        sw = None if sample_weight is None else _group_batch(tf.reshape(sample_weight, (-1,)), groups)

        def one(args):
            xi, yi, wi = args if sw is not None else (*args, None)
            if groups is None:
                xi, yi = tf.nest.map_structure(lambda t: t[None], (xi, yi))
                wi = None if wi is None else wi[None]
            with tf.GradientTape() as tape:
                pred = model(xi, training=training)
                values = loss_fn(yi, pred)
                if wi is not None:
                    values = values * tf.cast(wi, values.dtype)
                loss = tf.reduce_mean(values)
            grads = tape.gradient(loss, variables, unconnected_gradients=tf.UnconnectedGradients.ZERO)
            return grads, values, pred

        elems = (xs, ys) if sw is None else (xs, ys, sw)
        # pfor mis-converts the TensorList of an RNN returning sequences (stacked RNNs fail at run
        # time in TF 2.21): those models loop over examples instead (correct, slower)
        stacked_rnn = any(isinstance(layer, keras.layers.RNN) and layer.return_sequences
                          for layer in _leaf_layers(model))
        try:
            if stacked_rnn:
                raise NotImplementedError
            per_example, losses, y_pred = tf.vectorized_map(one, elems, fallback_to_while_loop=True)
        except (TypeError, ValueError, NotImplementedError):  # pfor cannot convert some ops
            first = one(tf.nest.map_structure(lambda t: t[0], elems))
            signature = tf.nest.map_structure(lambda t: tf.TensorSpec(t.shape, t.dtype), first)
            per_example, losses, y_pred = tf.map_fn(one, elems, fn_output_signature=signature)
        losses = tf.reshape(losses, (-1,))
        y_pred = tf.nest.map_structure(lambda t: tf.reshape(t, tf.concat([[-1], tf.shape(t)[2:]], 0)), y_pred)
        sq = tf.add_n([tf.reduce_sum(tf.reshape(tf.square(g), (tf.shape(g)[0], -1)), axis=1) for g in per_example])
        norms = tf.sqrt(sq)
        factors = tf.minimum(1.0, l2_norm_clip / tf.maximum(norms, 1e-12))
        clipped = [tf.tensordot(factors, g, axes=1) for g in per_example]
    else:
        raise ArgumentError(f'`method` must be "auto", "fast" or "vectorized". Received: {method!r}')
    return clipped, losses, y_pred, norms


def _group_batch(t, groups):
    if groups is None:
        return t
    t = tf.convert_to_tensor(t)
    return tf.reshape(t, tf.concat([[groups, -1], tf.shape(t)[1:]], axis=0))


def dp_gradients(tape, per_example_losses, variables, *, l2_norm_clip, noise_multiplier, seed_generator,
                 num_microbatches=None, denominator=None):
    """DP-SGD gradients from a persistent ``tf.GradientTape`` that recorded a per-example loss vector.

    The generic route for custom training loops (e.g. a GAN discriminator): per-example gradients by
    ``tape.jacobian`` (pfor). It is correct for any differentiable computation but slow: on a
    784-512-256-1 MLP with batch 128 it took 519 ms per step against 14 ms for
    :func:`dp_model_gradients` and 4 ms without DP (2 cores). Prefer :func:`dp_model_gradients`
    for Keras models; keep this for losses that are not ``loss_fn(y, model(x))``.
    """
    _check_clip_noise(l2_norm_clip, noise_multiplier, allow_zero_noise=True)
    losses = per_example_losses
    batch = tf.shape(losses)[0]
    if num_microbatches is not None:
        losses = tf.reduce_mean(tf.reshape(losses, (num_microbatches, -1)), axis=1)
    jac = tape.jacobian(losses, variables, unconnected_gradients=tf.UnconnectedGradients.ZERO,
                        experimental_use_pfor=True)
    sq = tf.add_n([tf.reduce_sum(tf.reshape(tf.square(j), (tf.shape(j)[0], -1)), axis=1) for j in jac])
    factors = tf.minimum(1.0, l2_norm_clip / tf.maximum(tf.sqrt(sq), 1e-12))
    clipped = [tf.tensordot(factors, j, axes=1) for j in jac]
    if denominator is None:
        denominator = tf.cast(num_microbatches if num_microbatches is not None else batch, tf.float32)
    return _finish(clipped, variables, l2_norm_clip, noise_multiplier, seed_generator, denominator)
