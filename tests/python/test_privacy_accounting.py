"""Epsilon accounting (golden numbers from tensorflow-privacy and Abadi et al.) and the Gaussian mechanism."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pybbdl.privacy import (dp_sgd_epsilon, dp_sgd_noise_multiplier, gaussian_mechanism, gaussian_sigma,
                            privacy_statement)


def test_rdp_epsilon_matches_tensorflow_privacy_statement():
    # tensorflow-privacy 0.9.0 compute_dp_sgd_privacy_statement(60000, 256, 1.1, 60, 1e-5): 2.597 (RDP)
    assert dp_sgd_epsilon(60000, 256, 1.1, 60, 1e-5) == pytest.approx(2.597, abs=1e-3)


@pytest.mark.parametrize("sigma,epochs,expected", [(1.3, 15, 1.19), (1.1, 60, 3.01), (0.7, 45, 7.10)])
def test_classic_conversion_reproduces_the_tf_privacy_tutorial(sigma, epochs, expected):
    # tensorflow/privacy tutorials README, MNIST, batch 256: epsilon 1.19 / 3.01 / 7.10
    assert dp_sgd_epsilon(60000, 256, sigma, epochs, 1e-5, accountant="rdp_classic") == pytest.approx(expected, abs=0.005)


def test_classic_conversion_reproduces_abadi_et_al():
    # Abadi et al. 2016: q = 0.01, sigma = 4, 100 epochs (10,000 steps), delta = 1e-5 -> epsilon 1.26
    assert dp_sgd_epsilon(60000, 600, 4.0, 100, 1e-5, accountant="rdp_classic") == pytest.approx(1.26, abs=0.005)


def test_accountants_order_and_steps():
    rdp = dp_sgd_epsilon(60000, 256, 1.1, 60, 1e-5)
    assert dp_sgd_epsilon(60000, 256, 1.1, 60, 1e-5, accountant="pld") < rdp
    assert dp_sgd_epsilon(60000, 256, 1.1, 60, 1e-5, accountant="rdp_classic") > rdp
    assert dp_sgd_epsilon(60000, 256, 1.1, delta=1e-5, steps=14063) == pytest.approx(rdp)
    assert dp_sgd_epsilon(60000, 256, 1.1, 30, 1e-5) < rdp  # fewer epochs, less spent


@settings(max_examples=8, deadline=None)
@given(target=st.floats(0.5, 8.0), epochs=st.integers(1, 30))
def test_calibrated_noise_never_exceeds_the_target(target, epochs):
    sigma = dp_sgd_noise_multiplier(10000, 100, target, epochs, 1e-5, tolerance=1e-2)
    eps = dp_sgd_epsilon(10000, 100, sigma, epochs, 1e-5)
    assert eps <= target
    assert dp_sgd_epsilon(10000, 100, sigma * 0.97, epochs, 1e-5) > target * 0.98 or sigma == 0.01


@pytest.mark.parametrize("kwargs,match", [
    ({"noise_multiplier": 0.0}, "noise_multiplier"), ({"noise_multiplier": -1.0}, "noise_multiplier"),
    ({"delta": 1.5}, "delta"), ({"batch_size": 70000}, "batch_size"), ({"epochs": 0}, "epochs"),
    ({"accountant": "moments"}, "accountant"),
])
def test_epsilon_rejects_bad_input(kwargs, match):
    args = {"n": 60000, "batch_size": 256, "noise_multiplier": 1.1, "epochs": 1, "delta": 1e-5, **kwargs}
    with pytest.raises(ValueError, match=match):
        dp_sgd_epsilon(**args)


def test_large_delta_warns_and_unreachable_target_raises():
    with pytest.warns(UserWarning, match="1/n"):
        dp_sgd_epsilon(1000, 10, 1.0, 1, 1e-2)
    with pytest.raises(ValueError, match="unreachable"):
        dp_sgd_noise_multiplier(100, 100, 1e-4, 1000, 1e-5)


def test_privacy_statement_names_settings_and_sampling():
    text = privacy_statement(60000, 256, 1.1, 60, 1e-5, sampling="shuffle", l2_norm_clip=1.0)
    assert "epsilon = 2.597 (RDP accountant)" in text and "14063 steps" in text and "clipping norm C = 1\n" in text
    # tensorflow-privacy 0.9.0's two numbers for this setting: 56.950 once per epoch, 2.597 Poisson
    assert "once per epoch (proven, no amplification): 56.950" in text and "not proven): 2.597" in text
    assert "holds as stated" in privacy_statement(60000, 256, 1.1, 60, 1e-5)


def test_classic_gaussian_mechanism_formula_and_range():
    # sigma = Delta * sqrt(2 ln(1.25 / delta)) / epsilon
    assert gaussian_sigma(2.0, 0.5, 1e-5, "classic") == pytest.approx(2.0 * np.sqrt(2 * np.log(1.25e5)) / 0.5)
    with pytest.raises(ValueError, match="epsilon < 1"):
        gaussian_sigma(1.0, 1.0, 1e-5, "classic")


@pytest.mark.parametrize("epsilon", [0.1, 0.5, 1.0, 4.0])
def test_analytic_gaussian_is_tight_and_never_worse(epsilon):
    import dp_accounting

    sigma = gaussian_sigma(1.0, epsilon, 1e-5)
    if epsilon < 1:
        assert sigma < gaussian_sigma(1.0, epsilon, 1e-5, "classic")
    # independent check: dp-accounting's PLD of one Gaussian with this sigma spends exactly epsilon
    acc = dp_accounting.pld.PLDAccountant(value_discretization_interval=1e-5)
    acc.compose(dp_accounting.GaussianDpEvent(sigma))
    assert acc.get_epsilon(1e-5) == pytest.approx(epsilon, rel=2e-3)


def test_gaussian_mechanism_noise_level_and_errors():
    noisy = gaussian_mechanism(np.zeros(20000), sensitivity=1.0, epsilon=0.5, delta=1e-5, seed=0)
    sigma = gaussian_sigma(1.0, 0.5, 1e-5)
    assert noisy.shape == (20000,) and np.std(noisy) == pytest.approx(sigma, rel=0.03)
    assert isinstance(gaussian_mechanism(3.0, 1.0, 0.5, 1e-5, seed=1), float)
    with pytest.raises(ValueError, match="sensitivity"):
        gaussian_mechanism(1.0, 0.0, 0.5, 1e-5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gaussian_sigma(1.0, 50.0, 1e-5)  # large epsilon: no overflow warning


def _tf_privacy_lib():
    """tensorflow-privacy 0.9.0 as an oracle (installed with --no-deps by `make test`; skipped if absent)."""
    import sys

    sys.skip_tf_privacy_import = True  # its __init__ would import Keras 2 optimizers
    try:
        from tensorflow_privacy.privacy.analysis import compute_dp_sgd_privacy_lib
    except ImportError as err:  # pragma: no cover - depends on the environment
        pytest.skip(f"tensorflow-privacy not installed ({err}); make test installs it with --no-deps")
    return compute_dp_sgd_privacy_lib


@pytest.mark.parametrize("n,batch,sigma,epochs,delta", [
    (60000, 256, 1.1, 60, 1e-5), (60000, 256, 1.1, 15, 1e-5), (60000, 250, 0.7, 45, 1e-5),
    (12345, 100, 2.0, 3.5, 1e-6), (1000, 32, 0.8, 10, 1e-4),
])
def test_epsilon_matches_tensorflow_privacy_oracle(n, batch, sigma, epochs, delta):
    import re

    lib = _tf_privacy_lib()
    text = lib.compute_dp_sgd_privacy_statement(number_of_examples=n, batch_size=batch, num_epochs=epochs,
                                                noise_multiplier=sigma, delta=delta, used_microbatching=False)
    once, poisson = (float(v) for v in re.findall(r"Epsilon[^:]*:\s+([0-9.]+)", text)[:2])
    assert dp_sgd_epsilon(n, batch, sigma, epochs, delta) == pytest.approx(poisson, abs=1e-3)
    ours = privacy_statement(n, batch, sigma, epochs, delta, sampling="shuffle")
    assert f"once per epoch (proven, no amplification): {once:.3f}" in ours


def test_statement_bounds_the_pld_work_by_steps_and_a_huge_sigma_is_refused_not_a_crash(capsys):
    """QA: `privacy epsilon --epochs 1e9` died with a 106 GiB MemoryError in the PLD accountant;
    `--sigma 1e308` with an OverflowError traceback."""
    import time

    from pybbdl.cli import main
    from pybbdl.exceptions import ArgumentError
    from pybbdl.privacy.accounting import privacy_statement

    start = time.perf_counter()
    text = privacy_statement(60000, 256, 1.1, epochs=1e9, delta=1e-5)
    assert "PLD accountant not run (234375000000 steps > 1000000" in text and time.perf_counter() - start < 10
    with pytest.raises(ArgumentError, match="limited to 1000000 steps"):
        dp_sgd_epsilon(60000, 256, 1.1, epochs=1e9, delta=1e-5, accountant="pld")
    with pytest.raises(ArgumentError, match="`noise_multiplier` is too large"):
        dp_sgd_epsilon(60000, 256, 1e308, epochs=1, delta=1e-5)
    assert main(["privacy", "epsilon", "--n", "60000", "--batch-size", "256", "--sigma", "1e308",
                 "--epochs", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pybbdl privacy epsilon: error: `noise_multiplier` is too large") and len(err.splitlines()) == 1
