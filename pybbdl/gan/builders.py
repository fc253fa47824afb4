"""Generator/discriminator pairs: Goodfellow et al.'s MLP GAN, TensorFlow's DCGAN, an MLP conditional GAN.

Every builder returns ``(generator, discriminator)``, uncompiled and never touching data. Generators end in
``tanh`` (images in [-1, 1]); discriminators return one logit per image. Conditional models take
``[inputs, labels]`` with integer labels of shape ``(batch,)``.
"""

from __future__ import annotations

from typing import Literal

import keras
from keras import layers, ops

from pybbdl._validation import check_positive_int
from pybbdl.exceptions import ArgumentError

GAN_MODELS = ("mlp", "dcgan", "cgan")


@keras.saving.register_keras_serializable(package="pybbdl")
class Maxout(layers.Layer):
    """Maxout units (Goodfellow et al. 2013): `units` outputs, each the max of `pieces` linear pieces.

    Call arguments:
        inputs: ``(batch, features)``.

    Returns ``(batch, units)``.
    """

    def __init__(self, units: int, pieces: int = 5, **kwargs):
        super().__init__(**kwargs)
        self.units = check_positive_int("units", units)
        self.pieces = check_positive_int("pieces", pieces)
        self.dense = layers.Dense(self.units * self.pieces)

    def build(self, input_shape):
        self.dense.build(input_shape)

    def call(self, inputs):
        z = self.dense(inputs)
        z = ops.reshape(z, (-1, self.units, self.pieces))
        return ops.max(z, axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "pieces": self.pieces}


def _check_shape(image_shape) -> tuple[int, int, int]:
    if len(tuple(image_shape)) != 3:
        raise ArgumentError(f"`image_shape` must be (height, width, channels). Received: image_shape={image_shape}")
    return tuple(check_positive_int("image_shape", v) for v in image_shape)


def _check_rate(name: str, value: float) -> float:
    if not 0 <= float(value) < 1:
        raise ArgumentError(f"`{name}` must be in [0, 1). Received: {name}={value}")
    return float(value)


def build_mlp_gan(
    latent_dim: int = 100,
    *,
    image_shape: tuple[int, int, int] = (28, 28, 1),
    g_units: int = 1200,
    d_units: int = 240,
    pieces: int = 5,
    input_dropout: float = 0.2,
    dropout: float = 0.5,
) -> tuple[keras.Model, keras.Model]:
    """The MNIST GAN of Goodfellow et al. (2014, their pylearn2 configuration).

    Generator: ``z (latent_dim,)`` -> Dense(g_units, ReLU) -> Dense(g_units, ReLU) -> Dense(H*W*C, tanh)
    -> ``(H, W, C)`` (the paper's sigmoid output, rescaled to [-1, 1]). Discriminator: dropout `input_dropout`
    -> Maxout(d_units, pieces) -> dropout -> Maxout(d_units, pieces) -> dropout -> Dense(1) logit.
    """
    latent_dim = check_positive_int("latent_dim", latent_dim)
    h, w, c = _check_shape(image_shape)
    g_units, d_units = check_positive_int("g_units", g_units), check_positive_int("d_units", d_units)
    input_dropout, dropout = _check_rate("input_dropout", input_dropout), _check_rate("dropout", dropout)
    z = keras.Input((latent_dim,), name="z")
    x = layers.Dense(g_units, activation="relu")(z)
    x = layers.Dense(g_units, activation="relu")(x)
    x = layers.Dense(h * w * c, activation="tanh")(x)
    generator = keras.Model(z, layers.Reshape((h, w, c))(x), name="mlp_generator")
    img = keras.Input((h, w, c), name="image")
    y = layers.Flatten()(img)
    y = layers.Dropout(input_dropout)(y)
    y = Maxout(d_units, pieces)(y)
    y = layers.Dropout(dropout)(y)
    y = Maxout(d_units, pieces)(y)
    y = layers.Dropout(dropout)(y)
    discriminator = keras.Model(img, layers.Dense(1)(y), name="mlp_discriminator")
    return generator, discriminator


def build_dcgan(
    latent_dim: int = 100,
    *,
    image_shape: tuple[int, int, int] = (28, 28, 1),
    filters: int = 64,
    dropout: float = 0.3,
) -> tuple[keras.Model, keras.Model]:
    """The DCGAN of TensorFlow's tutorial, scaled by `filters` (the tutorial's 64).

    Generator: Dense(H/4 * W/4 * 4f, no bias) -> BN -> LeakyReLU -> reshape -> Conv2DTranspose(2f, 5, stride 1)
    -> BN -> LeakyReLU -> Conv2DTranspose(f, 5, stride 2) -> BN -> LeakyReLU -> Conv2DTranspose(C, 5, stride 2,
    tanh); with f = 64 on MNIST: Dense 7*7*256 -> 7x7x128 -> 14x14x64 -> 28x28x1. Discriminator: Conv2D(f, 5,
    stride 2) -> LeakyReLU -> Dropout -> Conv2D(2f, 5, stride 2) -> LeakyReLU -> Dropout -> Dense(1) logit
    (no batch normalisation, so per-example DP-SGD applies).
    """
    latent_dim = check_positive_int("latent_dim", latent_dim)
    h, w, c = _check_shape(image_shape)
    if h % 4 or w % 4:
        raise ArgumentError(f"`image_shape` must have height and width divisible by 4 (two stride-2 layers). "
                         f"Received: image_shape={image_shape}")
    f = check_positive_int("filters", filters)
    dropout = _check_rate("dropout", dropout)
    z = keras.Input((latent_dim,), name="z")
    x = layers.Dense((h // 4) * (w // 4) * 4 * f, use_bias=False)(z)
    x = layers.LeakyReLU(0.3)(layers.BatchNormalization()(x))
    x = layers.Reshape((h // 4, w // 4, 4 * f))(x)
    for width, stride in ((2 * f, 1), (f, 2)):
        x = layers.Conv2DTranspose(width, 5, strides=stride, padding="same", use_bias=False)(x)
        x = layers.LeakyReLU(0.3)(layers.BatchNormalization()(x))
    out = layers.Conv2DTranspose(c, 5, strides=2, padding="same", use_bias=False, activation="tanh")(x)
    generator = keras.Model(z, out, name="dcgan_generator")
    img = keras.Input((h, w, c), name="image")
    y = img
    for width in (f, 2 * f):
        y = layers.Conv2D(width, 5, strides=2, padding="same")(y)
        y = layers.Dropout(dropout)(layers.LeakyReLU(0.3)(y))
    discriminator = keras.Model(img, layers.Dense(1)(layers.Flatten()(y)), name="dcgan_discriminator")
    return generator, discriminator


def build_cgan(
    latent_dim: int = 100,
    *,
    num_classes: int = 10,
    image_shape: tuple[int, int, int] = (28, 28, 1),
    embed_dim: int = 50,
    g_units: tuple[int, ...] = (256, 512, 1024),
    d_units: tuple[int, ...] = (512, 512, 256),
    dropout: float = 0.3,
    conditioning: Literal["projection", "concat"] = "projection",
) -> tuple[keras.Model, keras.Model]:
    """A conditional MLP GAN (Mirza & Osindero 2014) with learned label embeddings.

    Generator ``[z (batch, latent_dim), labels (batch,)]``: z concatenated with Embedding(num_classes,
    embed_dim)(label) -> Dense(g_units[i]) -> BN -> LeakyReLU(0.2) ... -> Dense(H*W*C, tanh) -> ``(H, W, C)``.
    Discriminator ``[images, labels]``: flattened image -> Dense(d_units[i]) -> LeakyReLU(0.2) -> Dropout ...
    -> features phi. ``conditioning="projection"`` (Miyato & Koyama 2018): logit = Dense(1)(phi) + <embed(label),
    phi>; ``"concat"``: the label embedding is concatenated to the flattened image at the input. D's embedding is
    one-hot -> Dense(no bias) (identical to an Embedding lookup; keeps every D layer a Dense for fast DP-SGD).
    """
    latent_dim = check_positive_int("latent_dim", latent_dim)
    num_classes = check_positive_int("num_classes", num_classes, minimum=2)
    embed_dim = check_positive_int("embed_dim", embed_dim)
    h, w, c = _check_shape(image_shape)
    g_units = tuple(check_positive_int("g_units", u) for u in g_units)
    d_units = tuple(check_positive_int("d_units", u) for u in d_units)
    if not g_units or not d_units:
        raise ArgumentError(f"`g_units` and `d_units` must each name at least one layer. Received: {g_units}, {d_units}")
    dropout = _check_rate("dropout", dropout)
    if conditioning not in ("projection", "concat"):
        raise ArgumentError(f'`conditioning` must be "projection" or "concat". Received: {conditioning!r}')
    z = keras.Input((latent_dim,), name="z")
    label = keras.Input((), dtype="int32", name="label")
    x = layers.Concatenate()([z, layers.Embedding(num_classes, embed_dim, name="g_label_embedding")(label)])
    for units in g_units:
        x = layers.LeakyReLU(0.2)(layers.BatchNormalization()(layers.Dense(units)(x)))
    x = layers.Dense(h * w * c, activation="tanh")(x)
    generator = keras.Model([z, label], layers.Reshape((h, w, c))(x), name="cgan_generator")

    img = keras.Input((h, w, c), name="image")
    d_label = keras.Input((), dtype="int32", name="label")
    y = layers.Flatten()(img)
    if conditioning == "concat":
        onehot = layers.CategoryEncoding(num_tokens=num_classes, output_mode="one_hot")(d_label)
        y = layers.Concatenate()([y, layers.Dense(embed_dim, use_bias=False, name="d_label_embedding")(onehot)])
    for units in d_units:
        y = layers.Dropout(dropout)(layers.LeakyReLU(0.2)(layers.Dense(units)(y)))
    logit = layers.Dense(1)(y)
    if conditioning == "projection":
        # an embedding written as one-hot -> Dense(no bias): the same function and weights, but a Dense layer,
        # for which DP-SGD has fast per-example gradient norms
        onehot = layers.CategoryEncoding(num_tokens=num_classes, output_mode="one_hot")(d_label)
        proj = layers.Dense(d_units[-1], use_bias=False, name="d_label_embedding")(onehot)
        logit = layers.Add()([logit, layers.Dot(axes=1)([proj, y])])
    discriminator = keras.Model([img, d_label], logit, name="cgan_discriminator")
    return generator, discriminator


def build_gan(model: Literal["mlp", "dcgan", "cgan"], latent_dim: int = 100, **kwargs):
    """``(generator, discriminator)`` by name: ``"mlp"``, ``"dcgan"`` or ``"cgan"``; kwargs go to the builder."""
    builders = {"mlp": build_mlp_gan, "dcgan": build_dcgan, "cgan": build_cgan}
    if model not in builders:
        raise ArgumentError(f"`model` must be one of {list(GAN_MODELS)}. Received: model={model!r}")
    return builders[model](latent_dim, **kwargs)
