"""Epsilon of DP-SGD from (n, batch size, noise multiplier, epochs, delta), with dp-accounting.

Each run is one dp-accounting ``DpEvent``: a Poisson-sampled Gaussian (sampling probability
``q = batch_size / n``, noise multiplier sigma) self-composed over ``ceil(epochs * n / batch_size)``
steps, as in tensorflow-privacy's ``compute_dp_sgd_privacy_statement``. Accountants:

* ``"rdp"``: Renyi DP with tensorflow-privacy's orders and dp-accounting's (tight) conversion to
  (epsilon, delta); N=60000, B=256, sigma=1.1, 60 epochs, delta=1e-5 gives 2.597.
* ``"rdp_classic"``: the same RDP curve with the classic conversion
  ``min_a rdp(a) + log(1/delta) / (a - 1)`` of the tf-privacy tutorial and Abadi et al. (2016).
* ``"pld"``: privacy-loss distributions (tightest). Its cost grows without bound as sigma shrinks
  (sigma = 0.1 took 103 s, 0.01 more than 14 minutes, 1e-4 ran out of memory), so it is computed
  only for ``sigma >= PLD_MIN_NOISE`` (0.5: at most a few seconds); below that
  :func:`dp_sgd_epsilon` refuses ``accountant="pld"`` and :func:`privacy_statement` states the RDP
  epsilon and says why the PLD one is missing. Its memory also grows with the steps, so the same
  holds above ``PLD_MAX_STEPS`` (10^6) steps.

``microbatching=True`` applies tensorflow-privacy's convention: with more than one example per
clipped microbatch, one example can move a clipped microbatch gradient by 2C, so the effective
noise multiplier is halved (``compute_dp_sgd_privacy_statement(used_microbatching=True)``).

The guarantee holds for Poisson sampling; with shuffled fixed-size batches it is the usual
approximation, and :func:`privacy_statement` says so.
"""

from __future__ import annotations

import math
import warnings
from typing import Literal, NamedTuple

import numpy as np

from pybbdl._validation import check_positive_int
from pybbdl.exceptions import ArgumentError

Accountant = Literal["rdp", "rdp_classic", "pld"]
#: tensorflow-privacy's RDP orders (compute_dp_sgd_privacy_lib).
RDP_ORDERS = tuple([1 + x / 10.0 for x in range(1, 100)] + list(range(11, 64)) + [128, 256, 512])
#: The smallest noise multiplier for which the PLD accountant runs (its cost grows like 1/sigma^2 and
#: beyond; at 0.5 it takes a few seconds on 2 cores for MNIST-sized runs).
PLD_MIN_NOISE = 0.5
#: The most steps for which the PLD accountant runs (its memory grows with the steps: 10^6 steps take
#: seconds, 2.3 * 10^11 asked for 106 GiB). Above, the statement gives the RDP epsilon only.
PLD_MAX_STEPS = 10**6


def check_noise_multiplier(noise_multiplier, name: str = "noise_multiplier") -> float:
    """sigma must be a finite number > 0 (numpy scalars accepted); returns it as a float."""
    from pybbdl.privacy._checks import check_noise

    return check_noise(noise_multiplier, name)


def effective_noise_multiplier(noise_multiplier: float, microbatching: bool = False) -> float:
    """The sigma the accountant sees: halved under tensorflow-privacy's microbatching convention."""
    return noise_multiplier / 2 if microbatching else noise_multiplier


def check_delta(delta: float, n: int, *, stacklevel: int = 2) -> None:
    """delta must lie in (0, 1); at or above 1/n it warns (such a guarantee allows releasing a record)."""
    if not 0 < float(delta) < 1:
        raise ArgumentError(f"`delta` must be in (0, 1). Received: delta={delta}")
    if delta >= 1.0 / n:
        warnings.warn(f"delta={delta} >= 1/n = {1.0 / n:.3g}: such a guarantee allows releasing a whole record; "
                      "use delta well below 1/n.", UserWarning, stacklevel=stacklevel)


def _check(n, batch_size, noise_multiplier, epochs, delta, steps):
    n = check_positive_int("n", n)
    batch_size = check_positive_int("batch_size", batch_size)
    if batch_size > n:
        raise ArgumentError(f"`batch_size` must be <= n. Received: batch_size={batch_size}, n={n}")
    if noise_multiplier is not None:
        check_noise_multiplier(noise_multiplier)
    check_delta(delta, n, stacklevel=4)
    if (epochs is None) == (steps is None):
        raise ArgumentError("Pass exactly one of `epochs` and `steps`.")
    if steps is None:
        try:
            value = float(epochs)
        except (TypeError, ValueError):
            value = math.nan
        if not (math.isfinite(value) and value > 0):
            raise ArgumentError(f"`epochs` must be a finite number > 0. Received: epochs={epochs!r}")
        steps = int(math.ceil(value * n / batch_size))
    return n, batch_size, check_positive_int("steps", steps)


def check_prior_releases(prior_releases) -> tuple[float, ...]:
    """`prior_releases`: the noise multipliers of Gaussian releases of the same data made before training
    (each a Gaussian mechanism with noise std = multiplier x its L2 sensitivity, no sampling), e.g. the two
    releases of a private feature normalisation. Returns them as a tuple of floats (empty when none)."""
    if prior_releases is None:
        return ()
    if isinstance(prior_releases, (str, bytes)) or not hasattr(prior_releases, "__iter__"):
        raise ArgumentError("`prior_releases` must be a list of noise multipliers (numbers > 0), one per Gaussian "
                            f"release. Received: {prior_releases!r}")
    values = tuple(prior_releases)
    for v in values:
        check_noise_multiplier(v, "prior_releases")
    if len(values) > 10_000:
        raise ArgumentError(f"`prior_releases` must list at most 10000 releases. Received: {len(values)}")
    return tuple(float(v) for v in values)


def _event(q: float, noise_multiplier: float, steps: int, prior_releases: tuple[float, ...] = ()):
    """DP-SGD's event (Poisson-sampled Gaussian, self-composed over `steps`), composed with the Gaussian
    releases made before it (`prior_releases`, their noise multipliers)."""
    import dp_accounting

    sgd = dp_accounting.SelfComposedDpEvent(
        dp_accounting.PoissonSampledDpEvent(q, dp_accounting.GaussianDpEvent(float(noise_multiplier))), steps)
    if not prior_releases:
        return sgd
    return dp_accounting.ComposedDpEvent([*(dp_accounting.GaussianDpEvent(float(s)) for s in prior_releases), sgd])


def _releases_epsilon(prior_releases: tuple[float, ...], delta: float, accountant: str) -> float:
    """Epsilon of the prior Gaussian releases alone (what a run composed with them can never go below)."""
    import dp_accounting

    acc = dp_accounting.pld.PLDAccountant() if accountant == "pld" else dp_accounting.rdp.RdpAccountant(
        list(RDP_ORDERS))
    acc.compose(dp_accounting.ComposedDpEvent([dp_accounting.GaussianDpEvent(float(s)) for s in prior_releases]))
    return float(acc.get_epsilon(delta))


def _epsilon(q: float, noise_multiplier: float, steps: int, delta: float, accountant: str,
             prior_releases: tuple[float, ...] = ()) -> float:
    from absl import logging as absl_logging

    level = absl_logging.get_verbosity()
    absl_logging.set_verbosity(absl_logging.ERROR)  # dp-accounting logs each fractional order it skips
    try:
        return _epsilon_quiet(q, noise_multiplier, steps, delta, accountant, prior_releases)
    except OverflowError:  # dp-accounting squares sigma: a huge sigma overflows instead of giving ~0
        raise ArgumentError(f"`noise_multiplier` is too large for the {accountant} accountant (a float overflows). "
                            f"Received: noise_multiplier={noise_multiplier:g}, {steps} steps. Such a sigma drowns "
                            "every gradient; use a realistic one (e.g. 0.5-20).") from None
    finally:
        absl_logging.set_verbosity(level)


def _epsilon_quiet(q: float, noise_multiplier: float, steps: int, delta: float, accountant: str,
                   prior_releases: tuple[float, ...] = ()) -> float:
    import dp_accounting

    event = _event(q, noise_multiplier, steps, prior_releases)
    if accountant == "pld":
        if min((noise_multiplier, *prior_releases)) < PLD_MIN_NOISE:
            raise ArgumentError(
                f"The PLD accountant is limited to noise_multiplier >= {PLD_MIN_NOISE} (its cost grows without "
                f"bound for smaller sigma: 0.1 takes minutes, 0.01 hours). Received: noise_multiplier="
                f"{noise_multiplier:g}. Use accountant=\"rdp\".")
        if steps > PLD_MAX_STEPS:
            raise ArgumentError(f"The PLD accountant is limited to {PLD_MAX_STEPS} steps (its memory grows with the "
                                f"steps). Received: {steps} steps. Use accountant=\"rdp\".")
        acc = dp_accounting.pld.PLDAccountant()
        acc.compose(event)
        return float(acc.get_epsilon(delta))
    if accountant not in ("rdp", "rdp_classic"):
        raise ArgumentError(f'`accountant` must be "rdp", "rdp_classic" or "pld". Received: {accountant!r}')
    acc = dp_accounting.rdp.RdpAccountant(list(RDP_ORDERS))
    acc.compose(event)
    if accountant == "rdp":
        return float(acc.get_epsilon(delta))
    orders, rdp = np.asarray(acc.orders, dtype=float), np.asarray(acc.rdp, dtype=float)
    return float(np.min(rdp - math.log(delta) / (orders - 1)))


def dp_sgd_epsilon(
    n: int,
    batch_size: int,
    noise_multiplier: float,
    epochs: float | None = None,
    delta: float = 1e-5,
    *,
    steps: int | None = None,
    accountant: Accountant = "rdp",
    prior_releases=(),
) -> float:
    """Epsilon spent by DP-SGD with Poisson sampling (composed with any `prior_releases`).

    Args:
        n: Training examples.
        batch_size: Expected batch size (sampling probability ``batch_size / n``).
        noise_multiplier: sigma, the noise std divided by the clipping norm; > 0.
        epochs: Passes over the data (``steps = ceil(epochs * n / batch_size)``); or give `steps`.
        delta: Target delta, in (0, 1), well below 1/n (a warning says when it is not).
        accountant: ``"rdp"``, ``"rdp_classic"`` or ``"pld"`` (see the module docstring).
        prior_releases: noise multipliers of Gaussian releases of the same data made before training
            (e.g. ``(8.0, 8.0)`` for :func:`pybbdl.privacy.features.private_normalization`'s mean and
            second moment); composed with the DP-SGD steps by the same accountant.

    Example:
        >>> round(dp_sgd_epsilon(60000, 256, 1.1, 60, 1e-5), 3)
        2.597
    """
    n, batch_size, steps = _check(n, batch_size, noise_multiplier, epochs, delta, steps)
    return _epsilon(batch_size / n, noise_multiplier, steps, delta, accountant, check_prior_releases(prior_releases))


def dp_sgd_noise_multiplier(
    n: int,
    batch_size: int,
    target_epsilon: float,
    epochs: float | None = None,
    delta: float = 1e-5,
    *,
    steps: int | None = None,
    accountant: Accountant = "rdp",
    tolerance: float = 1e-3,
    prior_releases=(),
) -> float:
    """The smallest noise multiplier whose epsilon is at most `target_epsilon` (bisection on a
    fresh accountant each try; the result never exceeds the target). The search starts at 0.01
    (``PLD_MIN_NOISE`` for the PLD accountant, so it returns in seconds).

    Raises:
        ValueError: a target that no noise level in [0.01, 1000] reaches, or bad arguments.
    """
    n, batch_size, steps = _check(n, batch_size, None, epochs, delta, steps)
    if not (math.isfinite(float(target_epsilon)) and float(target_epsilon) > 0):
        raise ArgumentError(f"`target_epsilon` must be a finite number > 0. Received: {target_epsilon}")
    q = batch_size / n
    prior_releases = check_prior_releases(prior_releases)
    if prior_releases:
        spent = _releases_epsilon(prior_releases, delta, "pld" if accountant == "pld" else "rdp")
        if spent >= float(target_epsilon):
            raise ArgumentError(f"target_epsilon={target_epsilon} is unreachable: the prior releases (noise "
                                f"multipliers {list(prior_releases)}) alone spend about {spent:.3f}. Raise their "
                                "noise or the target.")

    def eps(sigma):
        return _epsilon(q, sigma, steps, delta, accountant, prior_releases)

    lo, hi = (PLD_MIN_NOISE, max(1.0, PLD_MIN_NOISE)) if accountant == "pld" else (0.01, 1.0)
    while eps(hi) > target_epsilon:
        lo, hi = hi, hi * 2
        if hi > 1000:
            raise ArgumentError(f"target_epsilon={target_epsilon} is unreachable: even noise_multiplier=1000 spends "
                             f"more ({steps} steps, q={q:.4g}, delta={delta}). Train fewer steps or raise epsilon.")
    if eps(lo) <= target_epsilon:
        return lo
    while hi - lo > tolerance * hi:
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if eps(mid) <= target_epsilon else (mid, hi)
    return hi


def dp_sgd_epsilon_per_epoch_order(noise_multiplier: float, epochs: float, delta: float = 1e-5, *,
                                   accountant: Accountant = "rdp") -> float:
    """Epsilon when each example is used once per epoch in an arbitrary order: no amplification by
    sampling, ``ceil(epochs)`` Gaussian mechanisms (tensorflow-privacy's conservative number)."""
    import dp_accounting

    noise_multiplier = check_noise_multiplier(noise_multiplier)
    if not (math.isfinite(float(epochs)) and float(epochs) > 0) or not 0 < delta < 1:
        raise ArgumentError(f"need epochs finite > 0 and delta in (0, 1). Received: epochs={epochs}, delta={delta}")
    if accountant == "pld" and (noise_multiplier < PLD_MIN_NOISE or math.ceil(float(epochs)) > PLD_MAX_STEPS):
        accountant = "rdp"
    event = dp_accounting.SelfComposedDpEvent(dp_accounting.GaussianDpEvent(float(noise_multiplier)),
                                              int(math.ceil(float(epochs))))
    acc = dp_accounting.pld.PLDAccountant() if accountant == "pld" else dp_accounting.rdp.RdpAccountant(
        list(RDP_ORDERS))
    acc.compose(event)
    return float(acc.get_epsilon(delta))


def privacy_statement(
    n: int,
    batch_size: int,
    noise_multiplier: float,
    epochs: float | None = None,
    delta: float = 1e-5,
    *,
    steps: int | None = None,
    sampling: Literal["poisson", "shuffle"] = "poisson",
    l2_norm_clip: float | None = None,
    microbatching: bool = False,
    max_grad_norm: float | None = None,
    microbatches: bool | None = None,
    prior_releases=(),
) -> str:
    """A readable DP-SGD privacy statement: settings, accountant, epsilon, sampling caveat.

    With ``sampling="shuffle"`` it gives tensorflow-privacy's two numbers: epsilon assuming Poisson
    sampling and the conservative epsilon with each example once per epoch in any order. With
    ``microbatching`` (more than one example per clipped microbatch) one example can move a clipped
    microbatch gradient by 2C, so the effective noise multiplier is halved, as tensorflow-privacy does
    (n = 10000, batch 64, sigma 2, 5 epochs, delta 1e-6 then gives its 1.616 and 13.376).
    The PLD epsilon is given only for an effective sigma >= ``PLD_MIN_NOISE`` (see the module
    docstring); below, the statement says it is left out and why. Give `epochs` or `steps`.

    ``prior_releases``: noise multipliers of Gaussian releases of the same data made before training (e.g. a
    private feature normalisation); epsilon then covers them and the statement lists them.

    ``max_grad_norm`` and ``microbatches`` are deprecated aliases of ``l2_norm_clip`` and
    ``microbatching`` (they warn).
    """
    if max_grad_norm is not None:
        warnings.warn("`max_grad_norm` is deprecated: use `l2_norm_clip`", DeprecationWarning, stacklevel=2)
        if l2_norm_clip is None:
            l2_norm_clip = max_grad_norm
    if microbatches is not None:
        warnings.warn("`microbatches` is deprecated: use `microbatching`", DeprecationWarning, stacklevel=2)
        microbatching = bool(microbatches)
    n, batch_size, steps = _check(n, batch_size, noise_multiplier, epochs, delta, steps)
    noise_multiplier = float(noise_multiplier)
    if sampling not in ("poisson", "shuffle"):
        raise ArgumentError(f'`sampling` must be "poisson" or "shuffle". Received: {sampling!r}')
    if l2_norm_clip is not None:
        from pybbdl.privacy._checks import check_l2_norm_clip

        l2_norm_clip = check_l2_norm_clip(l2_norm_clip)
    prior_releases = check_prior_releases(prior_releases)
    epochs_run = float(epochs) if epochs is not None else steps * batch_size / n
    sigma = effective_noise_multiplier(noise_multiplier, microbatching)
    rdp = _epsilon(batch_size / n, sigma, steps, delta, "rdp", prior_releases)
    if min((sigma, *prior_releases)) >= PLD_MIN_NOISE and steps <= PLD_MAX_STEPS:
        pld_text = f"{_epsilon(batch_size / n, sigma, steps, delta, 'pld', prior_releases):.3f} (PLD accountant)"
    elif min((sigma, *prior_releases)) >= PLD_MIN_NOISE:
        pld_text = f"PLD accountant not run ({steps} steps > {PLD_MAX_STEPS}: its memory grows with the steps)"
    else:
        pld_text = (f"PLD accountant not run (effective sigma {sigma:g} < {PLD_MIN_NOISE}: its cost grows "
                    "without bound as sigma shrinks)")
    clip = f", clipping norm C = {l2_norm_clip:g}" if l2_norm_clip is not None else ""
    lines = [
        "DP-SGD privacy statement",
        f"  examples n = {n}, batch size = {batch_size} (q = {batch_size / n:.4g}), noise multiplier "
        f"sigma = {noise_multiplier:g}{clip}"
        + (" (microbatching, tf-privacy's convention: effective sigma halved)" if microbatching else ""),
        f"  epochs = {epochs_run:.4g} ({steps} steps), delta = {delta:g}, add/remove-one-example adjacency",
        f"  epsilon = {rdp:.3f} (RDP accountant), {pld_text}, dp-accounting",
        "  This covers every checkpoint of the run, not only the final model.",
    ]
    if prior_releases:
        lines.insert(3, f"  composed with {len(prior_releases)} Gaussian release(s) of the same data before training "
                        f"(noise multipliers {', '.join(f'{v:g}' for v in prior_releases)}): epsilon covers them")
    if sampling == "poisson":
        lines.append("  Sampling: Poisson (each example joins each batch independently with probability q): "
                     "the guarantee holds as stated.")
    else:
        once = dp_sgd_epsilon_per_epoch_order(sigma, epochs_run, delta)
        lines += [
            "  Sampling: shuffled fixed-size batches, so the guarantee is not the one above:",
            f"    epsilon with each example occurring once per epoch (proven, no amplification): {once:.3f}",
            f"    epsilon assuming Poisson sampling (the usual approximation, not proven): {rdp:.3f}",
        ]
    return "\n".join(lines)


class Calibration(NamedTuple):
    """What :func:`calibrate_noise` found: sigma, the steps it was calibrated for, and their epsilon."""

    noise_multiplier: float
    steps: int
    epsilon: float


def calibrate_noise(n: int, batch_size: int, target_epsilon: float, delta: float, *, epochs: float | None = None,
                    steps: int | None = None, accountant: Accountant = "rdp", tolerance: float = 1e-3,
                    microbatching: bool = False, prior_releases=()) -> Calibration:
    """The one sigma calibration used by every door: ``dp_fit``/``make_private_with_epsilon``, the
    workflows (``dp_train_mnist``, ``gan_train``), the CLI (``pybbdl privacy epsilon --target-epsilon``,
    ``privacy mnist``, ``gan --dp``) and R (``dp_noise_multiplier()``, ``dp_train_mnist()``,
    ``train_gan(dp = TRUE)``, all through these): the smallest noise multiplier whose epsilon after the
    steps that will run is at most `target_epsilon` (bisection to relative `tolerance`).

    Give the exact number of `steps` that will touch real data when known (the GAN workflow gives its
    discriminator steps, ``gan_steps_per_epoch(n, batch_size, d_steps) * d_steps * epochs``); `epochs`
    counts ``ceil(epochs * n / batch_size)`` steps, as :func:`dp_sgd_epsilon` does. With
    `microbatching` (tensorflow-privacy's convention, effective sigma halved) the returned sigma is the
    nominal one, twice the effective sigma that reaches the target; ``epsilon`` is always the target's.
    `prior_releases` (noise multipliers of Gaussian releases of the same data before training) are composed
    with the steps: the returned sigma makes the whole run, releases included, spend at most the target.
    """
    n, batch_size, steps = _check(n, batch_size, None, epochs, delta, steps)
    prior_releases = check_prior_releases(prior_releases)
    sigma = dp_sgd_noise_multiplier(n, batch_size, target_epsilon, delta=delta, steps=steps, accountant=accountant,
                                    tolerance=tolerance, prior_releases=prior_releases)
    epsilon = _epsilon(batch_size / n, sigma, steps, delta, accountant, prior_releases)
    return Calibration(2.0 * sigma if microbatching else sigma, steps, epsilon)


def _gaussian_release_epsilon(noise_multiplier: float, delta: float, accountant: str) -> float:
    import dp_accounting
    from absl import logging as absl_logging

    event = dp_accounting.GaussianDpEvent(float(noise_multiplier))
    level = absl_logging.get_verbosity()
    absl_logging.set_verbosity(absl_logging.ERROR)
    try:
        if accountant == "pld":
            acc = dp_accounting.pld.PLDAccountant()
        elif accountant == "rdp":
            acc = dp_accounting.rdp.RdpAccountant(list(RDP_ORDERS))
        else:
            raise ArgumentError(f'`accountant` must be "pld" or "rdp". Received: {accountant!r}')
        acc.compose(event)
        return float(acc.get_epsilon(delta))
    finally:
        absl_logging.set_verbosity(level)


def gaussian_release_epsilon(noise_multiplier: float, delta: float, *, accountant: Literal["pld", "rdp"] = "pld"
                             ) -> float:
    """Epsilon of ONE Gaussian mechanism, noise std = `noise_multiplier` x the L2 sensitivity, at `delta`
    (dp-accounting's ``GaussianDpEvent``, no sampling, no composition): the release of DP-MERF's embedding.

    ``"pld"`` (default) is tight for a single release (it agrees with the analytic Gaussian mechanism of Balle &
    Wang 2018, :func:`pybbdl.privacy.gaussian_sigma`); ``"rdp"`` is looser. For one release the PLD cost does
    not grow with the steps, so it runs for every sigma >= 0.05 (below, use ``"rdp"``).

    Example:
        >>> round(gaussian_release_epsilon(5.0, 1e-5), 3)   # the reference code's noise for its epsilon = 1 run
        0.726
    """
    noise_multiplier = check_noise_multiplier(noise_multiplier)
    if not 0 < float(delta) < 1:
        raise ArgumentError(f"`delta` must be in (0, 1). Received: delta={delta}")
    if accountant == "pld" and noise_multiplier < GAUSSIAN_RELEASE_MIN_NOISE:
        raise ArgumentError(f"The PLD accountant is limited to noise_multiplier >= {GAUSSIAN_RELEASE_MIN_NOISE} "
                            f"for one release. Received: noise_multiplier={noise_multiplier:g}. Use "
                            "accountant=\"rdp\".")
    return _gaussian_release_epsilon(noise_multiplier, float(delta), accountant)


#: The smallest sigma for which :func:`gaussian_release_epsilon` runs the PLD accountant.
GAUSSIAN_RELEASE_MIN_NOISE = 0.05


def gaussian_release_noise_multiplier(target_epsilon: float, delta: float, *,
                                      accountant: Literal["pld", "rdp"] = "pld", tolerance: float = 1e-4) -> float:
    """The smallest noise multiplier of one Gaussian release whose epsilon (:func:`gaussian_release_epsilon`) is
    at most `target_epsilon` at `delta`, to relative `tolerance` (never above the target). The search starts at
    the analytic Gaussian mechanism's sigma, so the PLD accountant runs once or twice (seconds)."""
    try:
        target = float(target_epsilon)
    except (TypeError, ValueError):
        target = math.nan
    if not (math.isfinite(target) and target > 0):
        raise ArgumentError(f"`target_epsilon` must be a finite number > 0. Received: target_epsilon={target_epsilon}")
    if not 0 < float(delta) < 1:
        raise ArgumentError(f"`delta` must be in (0, 1). Received: delta={delta}")

    def eps(sigma):
        return _gaussian_release_epsilon(sigma, float(delta), accountant)

    # start from the analytic Gaussian mechanism's sigma (exact for one release; the PLD accountant agrees to
    # ~1e-5), then step up until the accountant's epsilon is at most the target: 1-3 accountant calls, not 15
    from pybbdl.privacy.mechanisms import gaussian_sigma

    sigma = max(gaussian_sigma(1.0, target, float(delta)), GAUSSIAN_RELEASE_MIN_NOISE)
    if sigma <= GAUSSIAN_RELEASE_MIN_NOISE and eps(sigma) < target:
        raise ArgumentError(f"`target_epsilon` must be reachable with noise_multiplier >= "
                            f"{GAUSSIAN_RELEASE_MIN_NOISE}: epsilon {target:g} is so large that almost no noise "
                            f"is added. Received: target_epsilon={target_epsilon}")
    if eps(sigma) <= target:
        return sigma
    lo, grow = sigma, tolerance
    hi = sigma * (1.0 + grow)
    while eps(hi) > target:          # the RDP accountant needs ~10% more noise than the analytic sigma
        lo, grow = hi, 2 * grow
        hi = sigma * (1.0 + grow)
    while hi - lo > tolerance * hi:
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if eps(mid) <= target else (mid, hi)
    return hi
