"""N-BEATS as published (Oreshkin et al. 2020), the ensemble's settings: generic and interpretable
stacks, the three losses, lookbacks 2H..7H, the paper's M3 hyper-parameters, the named ensembles
(:data:`ENSEMBLES`) and their checks (:func:`check_ensemble`), and the members of one (period,
horizon) group (:func:`member_configs`), each trained as an independent task
(:func:`pybbdl.models.nbeats_members.train_member`).
"""

from __future__ import annotations

import numpy as np

from pybbdl._validation import check_positive_int
from pybbdl.exceptions import ArgumentError, ArgumentTypeError


#: The losses of the paper (its ``SMAPE`` is sMAPE-2, 200|f-a|/(|f|+|a|); MASE scales by the
#: in-sample seasonal naive error of each input window).
LOSSES = ("smape", "mape", "mase")
STACKS = ("generic", "interpretable")
#: The frequency groups whose hyper-parameters a (period, horizon) group takes (:func:`m3_frequency`).
FREQUENCIES = ("yearly", "quarterly", "monthly", "other")
#: The paper's M3 hyper-parameters (its repository's ``experiments/m3/*.gin``), per stack type and
#: frequency: ``history_limit`` (training cut points come from the last ``history_limit * H``
#: values) and ``steps`` (training batches of 1,024 windows). Networks: generic 30 blocks x 4
#: layers x 512 units; interpretable 3 trend blocks (4 x 256, polynomial degree 2) and 3
#: seasonality blocks (4 x 2,048, 1 harmonic), each stack's blocks sharing their weights.
PAPER_M3 = {
    "generic": {"yearly": (20, 20), "quarterly": (20, 250), "monthly": (20, 10000), "other": (10, 250)},
    "interpretable": {"yearly": (20, 50), "quarterly": (5, 6000), "monthly": (5, 6000), "other": (20, 250)},
}
PAPER_NETWORKS = {"generic": {"blocks": 30, "layers": 4, "width": 512},
                  "interpretable": {"trend_blocks": 3, "trend_layers": 4, "trend_width": 256, "degree": 2,
                                    "seasonality_blocks": 3, "seasonality_layers": 4, "seasonality_width": 2048,
                                    "harmonics": 1}}
#: Named ensembles: members are every stack x loss x lookback (x H) x repeat. ``"quick"``: 6 small
#: generic networks (the model's own blocks/layers/width/steps/batch_size/history_limit), for
#: trying things; ``"cpu"``: 18 generic networks (3 losses x lookbacks 2H..7H) of the model's
#: size trained as the paper trains them (its per-frequency history limits and steps, batches of
#: 1,024), steps capped at 3,000 (the paper's monthly networks take 10,000; 3,000 keeps the whole
#: M3 ensemble near 2 CPU-hours; it was first 1,000), plus, for yearly groups only, the paper's 18
#: interpretable networks (its 50 steps: about 1 CPU-hour on M3's 645 yearly series; elsewhere
#: the paper trains them for 250-6,000 steps of 2,048-wide layers, beyond a CPU budget);
#: ``"paper"``: the paper's 360 networks with its per-frequency hyper-parameters
#: (:data:`PAPER_M3`; GPU-sized). A dict ``{"preset": ..., key: value}`` overrides a preset's keys
#: (``stacks``: a list for every frequency or a dict of one list per frequency of
#: :data:`FREQUENCIES`; ``losses``, ``lookbacks``, ``repeats``, ``hyper``:
#: ``"model"``/``"cpu"``/``"paper"``, ``max_steps``, ``scale``: network widths x scale).
ENSEMBLES = {
    "quick": {"stacks": ("generic",), "losses": LOSSES, "lookbacks": (2, 4), "repeats": 1, "hyper": "model",
              "max_steps": None, "scale": 1.0},
    "cpu": {"stacks": {"yearly": STACKS, "quarterly": ("generic",), "monthly": ("generic",), "other": ("generic",)},
            "losses": LOSSES, "lookbacks": (2, 3, 4, 5, 6, 7), "repeats": 1, "hyper": "cpu",
            "max_steps": 3000, "scale": 1.0},
    "paper": {"stacks": STACKS, "losses": LOSSES, "lookbacks": (2, 3, 4, 5, 6, 7), "repeats": 10, "hyper": "paper",
              "max_steps": None, "scale": 1.0},
}
_ENSEMBLE_KEYS = ("preset", "stacks", "losses", "lookbacks", "repeats", "hyper", "max_steps", "scale")


def m3_frequency(period: int, horizon: int) -> str:
    """Which M3 frequency's hyper-parameters a (period, horizon) group takes: M3's own groups
    exactly (yearly 1/6, quarterly 4/8, monthly 12/18, other 1/8), others by period (12 and
    more: monthly, 2-11: quarterly, 1: yearly, or other when the horizon exceeds 6)."""
    if period >= 12:
        return "monthly"
    if period > 1:
        return "quarterly"
    return "yearly" if horizon <= 6 else "other"


def check_ensemble(ensemble) -> dict | None:
    """The ensemble's settings as a dict (a preset merged with overrides), or None; bad input raises."""
    if ensemble is None:
        return None
    if isinstance(ensemble, str):
        if ensemble not in ENSEMBLES:
            raise ArgumentError(f"`ensemble` must be None, one of {list(ENSEMBLES)} or a dict. Received: {ensemble!r}")
        ensemble = {"preset": ensemble}
    if not isinstance(ensemble, dict):
        raise ArgumentTypeError(f"`ensemble` must be None, a preset name or a dict. Received: "
                                f"{type(ensemble).__name__}")
    bad = [k for k in ensemble if k not in _ENSEMBLE_KEYS]
    if bad:
        raise ArgumentError(f"`ensemble` has unknown key(s) {bad}. Valid: {list(_ENSEMBLE_KEYS)}")
    preset = ensemble.get("preset", "quick")
    if preset not in ENSEMBLES:
        raise ArgumentError(f"`ensemble['preset']` must be one of {list(ENSEMBLES)}. Received: {preset!r}")
    out = {**ENSEMBLES[preset], **{k: v for k, v in ensemble.items() if k != "preset"}, "preset": preset}
    stacks = out["stacks"]
    if isinstance(stacks, dict):
        bad = [k for k in stacks if k not in FREQUENCIES]
        missing = [f for f in FREQUENCIES if f not in stacks]
        if bad or missing:
            raise ArgumentError(f"`ensemble['stacks']` as a dict needs one list of stacks for each of "
                                f"{list(FREQUENCIES)}; unknown key(s) {bad}, missing {missing}")
        out["stacks"] = {f: _check_names(f"stacks']['{f}", stacks[f], STACKS) for f in FREQUENCIES}
    else:
        out["stacks"] = _check_names("stacks", stacks, STACKS)
    out["losses"] = _check_names("losses", out["losses"], LOSSES)
    lbs = out["lookbacks"]
    lbs = (lbs,) if isinstance(lbs, (int, np.integer)) and not isinstance(lbs, bool) else lbs
    if not isinstance(lbs, (list, tuple)) or not lbs:
        raise ArgumentError(f"`ensemble['lookbacks']` must be a non-empty list of whole numbers >= 1 (multiples of "
                            f"the horizon). Received: {lbs!r}")
    lbs = tuple(check_positive_int("ensemble['lookbacks']", v) for v in lbs)
    if len(set(lbs)) != len(lbs):
        raise ArgumentError(f"`ensemble['lookbacks']` has duplicates. Received: {list(lbs)!r}")
    out["lookbacks"] = lbs
    out["repeats"] = check_positive_int("ensemble['repeats']", out["repeats"])
    if out["hyper"] not in ("model", "cpu", "paper"):
        raise ArgumentError(f"`ensemble['hyper']` must be 'model', 'cpu' or 'paper'. Received: {out['hyper']!r}")
    if out["max_steps"] is not None:
        out["max_steps"] = check_positive_int("ensemble['max_steps']", out["max_steps"])
    scale = out["scale"]
    if isinstance(scale, bool) or not isinstance(scale, (int, float, np.number)) or not 0 < scale <= 1:
        raise ArgumentError(f"`ensemble['scale']` (network widths x scale) must be in (0, 1]. Received: {scale!r}")
    out["scale"] = float(scale)
    return out


def _check_names(key: str, vals, allowed) -> tuple:
    vals = (vals,) if isinstance(vals, str) else vals
    if not isinstance(vals, (list, tuple)) or not vals:
        raise ArgumentError(f"`ensemble['{key}']` must be a non-empty list of {list(allowed)}. Received: {vals!r}")
    unknown = [v for v in vals if v not in allowed]
    if unknown:
        raise ArgumentError(f"`ensemble['{key}']` must be among {list(allowed)}. Received: {unknown!r}")
    if len(set(vals)) != len(vals):
        raise ArgumentError(f"`ensemble['{key}']` has duplicates. Received: {list(vals)!r}")
    return tuple(vals)


def ensemble_stacks(ensemble: dict, period: int, horizon: int) -> tuple:
    """The stacks an ensemble trains for one (period, horizon) group (``stacks`` may be per frequency)."""
    stacks = ensemble["stacks"]
    return stacks[m3_frequency(period, horizon)] if isinstance(stacks, dict) else stacks


#: Members whose network has more weights than this train one at a time (``run_tasks``'
#: ``exclusive``): the paper's interpretable networks (12.9 million weights; about 1.2 GB of
#: peak RSS per worker with Adam's state) would otherwise peak together. The ``"cpu"`` preset's
#: generic networks have about 0.8 million.
HEAVY_WEIGHTS = 4_000_000


def member_weights(cfg: dict) -> int:
    """The number of weights of a member's network, as Keras counts them (kernels and biases;
    blocks of an interpretable stack share theirs, so they count once), without building it."""
    net, lookback, h = cfg["network"], cfg["lookback_mult"] * cfg["horizon"], cfg["horizon"]

    def mlp(width: int, layers: int, outputs: int) -> int:
        return (lookback + 1) * width + (layers - 1) * (width + 1) * width + (width + 1) * outputs

    if cfg["stack"] == "generic":
        # the last block's backcast feeds nothing, so the network has no such layer
        return net["blocks"] * mlp(net["width"], net["layers"], lookback + h) - (net["width"] + 1) * lookback
    from pybbdl.models.nbeats_networks import _basis_matrices

    total = 0
    for part in ("trend", "seasonality"):
        back, fore = _basis_matrices(part, lookback, h, net["degree"], net["harmonics"])
        total += mlp(net[f"{part}_width"], net[f"{part}_layers"], back.shape[0] + fore.shape[0])
    return total


def heavy_members(cfgs) -> list[bool]:
    """For :func:`pybbdl.parallel.run_tasks`' ``exclusive``: which members' networks exceed :data:`HEAVY_WEIGHTS`."""
    return [member_weights(c) > HEAVY_WEIGHTS for c in cfgs]


def _check_checkpoint_dir(path):
    if path is None:
        return None
    from pathlib import Path

    if not isinstance(path, (str, Path)) or str(path) == "":
        raise ArgumentError(f"`checkpoint_dir` must be a folder path or None. Received: {path!r}")
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise ArgumentError(f"`checkpoint_dir` must be a folder, not a file. Received: {str(p)!r}")
    return str(p)


def data_fingerprint(ys) -> str:
    """A hash of the histories (lengths and values): a checkpoint is reused only for the same data."""
    import hashlib

    h = hashlib.sha256()
    for y in ys:
        a = np.ascontiguousarray(np.asarray(y, dtype=np.float64))
        h.update(np.int64(len(a)).tobytes())
        h.update(a.tobytes())
    return h.hexdigest()


def member_configs(ensemble: dict, *, horizon: int, period: int, seed: int, model: dict) -> list[dict]:
    """The members of an ensemble for one (period, horizon) group: every stack x loss x lookback x
    repeat, each with its network, steps, batch size, history limit and seed (derived from `seed`
    and the member's place, so the same seed gives the same members)."""
    freq = m3_frequency(period, horizon)
    out = []
    for si, stack in enumerate(ensemble_stacks(ensemble, period, horizon)):
        if ensemble["hyper"] in ("paper", "cpu"):
            history_limit, steps = PAPER_M3[stack][freq]
            batch_size = 1024
        else:
            history_limit, steps, batch_size = model["history_limit"], model["steps"], model["batch_size"]
        if ensemble["max_steps"] is not None:
            steps = min(steps, ensemble["max_steps"])
        if stack == "generic" and ensemble["hyper"] in ("model", "cpu"):
            net = {k: model[k] for k in ("blocks", "layers", "width")}
        else:
            net = dict(PAPER_NETWORKS[stack])
        for k in [k for k in net if k.endswith("width")]:
            net[k] = max(1, int(round(net[k] * ensemble["scale"])))
        for li, loss in enumerate(ensemble["losses"]):
            for lb in ensemble["lookbacks"]:
                for r in range(ensemble["repeats"]):
                    mseed = int(np.random.SeedSequence([seed, si, li, lb, r]).generate_state(1)[0] % (2**31 - 1))
                    out.append({"stack": stack, "loss": loss, "lookback_mult": lb, "repeat": r, "seed": mseed,
                                "steps": steps, "batch_size": batch_size, "history_limit": history_limit,
                                "learning_rate": model["learning_rate"], "network": net, "frequency": freq,
                                "horizon": horizon, "period": period})
    return out
