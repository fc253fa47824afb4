"""GANs on MNIST: Goodfellow's MLP GAN, a DCGAN, a conditional GAN, their metrics, a DP-GAN, and DP-MERF
(:func:`train_merf`, a private conditional generator from one release) with :func:`downstream_accuracy`.

Importing this package does not import TensorFlow; the names below load Keras when first used.

>>> from pybbdl.data import load_mnist
>>> from pybbdl.gan import GAN, build_cgan, train_gan
>>> (x, y), _ = load_mnist("../shared/data/mnist")           # [-1, 1], as the tanh generators produce
>>> gen, disc = build_cgan()
>>> gan = GAN(gen, disc, latent_dim=100, num_classes=10, seed=1)
>>> history = train_gan(gan, x, y, epochs=1, batch_size=128, seed=1, out_dir="results/gan")
>>> images, labels = gan.grid()                              # (10, 10, 28, 28, 1); row r shows digit r
"""

from __future__ import annotations

import importlib

# name -> module that defines it (loaded on first access, PEP 562)
_EXPORTS = {
    "check_images": "images", "check_labels": "images", "to_unit": "images",
    "Maxout": "builders", "build_mlp_gan": "builders", "build_dcgan": "builders", "build_cgan": "builders",
    "build_gan": "builders", "GAN_MODELS": "builders",
    "GAN": "model", "make_gan": "model",
    "train_gan": "training", "TrainingHistory": "training", "save_checkpoint": "training",
    "restore_checkpoint": "training", "latest_checkpoint": "training", "run_settings": "training",
    "checkpoint_settings": "training", "check_resume_settings": "training", "GridCallback": "training",
    "build_mnist_classifier": "metrics", "train_mnist_classifier": "metrics", "load_classifier": "metrics",
    "classifier_features": "metrics", "predict_labels": "metrics", "frechet_distance": "metrics", "fid": "metrics",
    "label_accuracy": "metrics", "class_coverage": "metrics", "ClassCoverage": "metrics",
    "parzen_log_likelihood": "metrics", "parzen_evaluation": "metrics", "ParzenResult": "metrics",
    "grid_mosaic": "plots", "save_grid_png": "plots", "plot_losses": "plots",
    "train_merf": "merf", "MerfGenerator": "merf", "MerfFit": "merf", "MerfRelease": "merf",
    "embedding_sensitivity": "merf", "mean_embedding": "merf", "rff_features": "merf", "rff_frequencies": "merf",
    "release_embedding": "merf", "build_merf_generator": "merf",
    "downstream_accuracy": "downstream", "build_downstream_classifier": "downstream",
    "DOWNSTREAM_CLASSIFIERS": "downstream",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'pybbdl.gan' has no attribute {name!r}")
    module = importlib.import_module(f"pybbdl.gan.{_EXPORTS[name]}")
    return getattr(module, name)


def __dir__() -> list[str]:
    return __all__
