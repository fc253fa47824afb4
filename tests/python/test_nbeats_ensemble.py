"""N-BEATS as published (issue 22): a median ensemble of members by stack x loss x lookback x repeat,
trained as independent tasks, reproducible, resumable from per-member checkpoints, with conformal
intervals. Tiny networks (a few units, 3 training batches) keep the file fast."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from pybbdl.exceptions import ArgumentError, ArgumentTypeError, DataError, NotFittedError
from pybbdl.models.global_nbeats import (ENSEMBLES, PAPER_M3, PAPER_NETWORKS, NBeatsGlobal, PaperSampler,
                                         _basis_matrices, check_ensemble, m3_frequency, member_configs)

TINY = {"steps": 3, "batch_size": 8, "width": 4, "blocks": 1, "layers": 1}


def _ys(n=6, length=24, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    return [(10 + i) * (5 + 0.1 * t + np.sin(2 * np.pi * t / 4) + rng.normal(0, 0.2, length)) for i in range(n)]


def _model(seed=1, checkpoint_dir=None, **ens):
    return NBeatsGlobal(horizon=4, period=4, seed=seed, **TINY, checkpoint_dir=checkpoint_dir,
                        ensemble={"preset": "quick", "losses": ["smape", "mase"], "lookbacks": [2, 3], **ens})


# ------------------------------------------------------------------ settings, no training
def test_presets_and_members_follow_the_paper():
    paper = check_ensemble("paper")
    cfgs = member_configs(paper, horizon=18, period=12, seed=0, model={"learning_rate": 1e-3})
    assert len(cfgs) == 2 * 3 * 6 * 10  # stacks x losses x lookbacks 2H..7H x repeats
    gen = [c for c in cfgs if c["stack"] == "generic"][0]
    assert (gen["history_limit"], gen["steps"], gen["batch_size"]) == (20, 10000, 1024)
    assert gen["network"] == {"blocks": 30, "layers": 4, "width": 512}
    interp = [c for c in cfgs if c["stack"] == "interpretable"][0]
    assert (interp["history_limit"], interp["steps"]) == PAPER_M3["interpretable"]["monthly"] == (5, 6000)
    assert len({c["seed"] for c in cfgs}) == len(cfgs)  # every member its own seed
    assert member_configs(paper, horizon=18, period=12, seed=0, model={"learning_rate": 1e-3}) == cfgs
    capped = check_ensemble({"preset": "paper", "max_steps": 100, "scale": 0.25, "repeats": 1})
    c = member_configs(capped, horizon=6, period=1, seed=0, model={"learning_rate": 1e-3})
    assert max(x["steps"] for x in c) == 50 and c[0]["network"]["width"] == 128  # yearly: 20 / 50 steps, capped
    assert [m3_frequency(*g) for g in ((1, 6), (4, 8), (12, 18), (1, 8))] == ["yearly", "quarterly", "monthly",
                                                                               "other"]
    assert len(_model().members()) == 4 and NBeatsGlobal(horizon=4).members() == []
    assert ENSEMBLES["quick"]["lookbacks"] == (2, 4)
    cpu = member_configs(check_ensemble("cpu"), horizon=18, period=12, seed=0,
                         model={"learning_rate": 1e-3, "blocks": 4, "layers": 3, "width": 256})
    assert len(cpu) == 18 and {(c["steps"], c["history_limit"], c["batch_size"]) for c in cpu} == {(3000, 20, 1024)}
    assert {c["stack"] for c in cpu} == {"generic"}


def test_cpu_preset_adds_the_papers_interpretable_networks_to_yearly_groups_only():
    model = {"learning_rate": 1e-3, "blocks": 4, "layers": 3, "width": 256}
    cpu = check_ensemble("cpu")
    yearly = member_configs(cpu, horizon=6, period=1, seed=7, model=model)
    assert len(yearly) == 36 and [c["stack"] for c in yearly].count("interpretable") == 18
    interp = [c for c in yearly if c["stack"] == "interpretable"]
    assert {(c["steps"], c["history_limit"]) for c in interp} == {(50, 20)}  # the paper's yearly I settings
    assert interp[0]["network"] == PAPER_NETWORKS["interpretable"]
    for period, horizon in ((4, 8), (12, 18), (1, 8)):  # quarterly, monthly, other: generic only
        assert {c["stack"] for c in member_configs(cpu, horizon=horizon, period=period, seed=7, model=model)} == {
            "generic"}
    # the generic members are those of a generic-only ensemble (same seeds, so checkpoints carry over)
    gen_only = member_configs(check_ensemble({"preset": "cpu", "stacks": ["generic"]}), horizon=6, period=1, seed=7,
                              model=model)
    assert [c for c in yearly if c["stack"] == "generic"] == gen_only
    both = member_configs(check_ensemble({"preset": "cpu", "stacks": ["generic", "interpretable"]}), horizon=6,
                          period=1, seed=7, model=model)
    assert both == yearly
    assert "median of 36 networks" in NBeatsGlobal(horizon=6, period=1, ensemble="cpu").describe()
    assert "median of 18 networks" in NBeatsGlobal(horizon=18, period=12, ensemble="cpu").describe()
    per_freq = check_ensemble({"preset": "quick", "stacks": {"yearly": "interpretable", "quarterly": ["generic"],
                                                             "monthly": ["generic"], "other": ["generic"]}})
    assert per_freq["stacks"]["yearly"] == ("interpretable",)


def test_large_members_are_counted_as_keras_counts_them_and_train_one_at_a_time():
    from pybbdl.models.nbeats_ensemble import HEAVY_WEIGHTS, member_weights
    from pybbdl.models.nbeats_networks import build_nbeats_paper

    tasks = NBeatsGlobal(horizon=6, period=1, ensemble="cpu").member_tasks(_ys(length=30))
    assert [t["exclusive"] for t in tasks] == [t["config"]["stack"] == "interpretable" for t in tasks]
    assert sum(t["exclusive"] for t in tasks) == 18 and all(member_weights(t["config"]) > HEAVY_WEIGHTS
                                                           for t in tasks if t["exclusive"])
    assert not any(t["exclusive"] for t in NBeatsGlobal(horizon=18, period=12, ensemble="cpu").member_tasks(
        _ys(length=60)))
    small = check_ensemble({"preset": "paper", "scale": 0.05, "repeats": 1, "losses": ["mase"], "lookbacks": [2, 5]})
    for c in member_configs(small, horizon=8, period=4, seed=0, model={"learning_rate": 1e-3}):
        net = build_nbeats_paper(c["stack"], c["lookback_mult"] * 8, 8, c["network"])
        assert member_weights(c) == net.count_params(), c["stack"]


def test_interpretable_bases_and_the_paper_sampler():
    back, fore = _basis_matrices("trend", 8, 4, degree=2)
    np.testing.assert_allclose(fore[:, 2], [1, 0.5, 0.25])  # t = 2/4, powers 0..2
    back, fore = _basis_matrices("seasonality", 8, 6, harmonics=1)
    assert back.shape == (6, 8) and fore.shape == (6, 6)  # cos and sin of frequencies 0, 1, 2
    s = PaperSampler([np.arange(1.0, 11.0)], lookback=8, horizon=4, period=1, batch_size=50, history_limit=2, seed=3)
    (x, mask), y = s.batch(0)
    assert x.shape == (50, 8) and y.shape == (50, 4 + 4 + 1)
    assert np.all(mask[:, -1] == 1) and np.all((x == 0) == (mask == 0))  # zero padding is masked
    assert np.all(y[:, 4] == 1)  # the first target is always inside the history (cut <= n - 1)
    (x2, _), y2 = s.batch(0)
    np.testing.assert_array_equal(y, y2)  # batch i is a function of (seed, i)


# ------------------------------------------------------------------ hostile input
@pytest.mark.parametrize("ensemble, err", [
    ("huge", ArgumentError), (3, ArgumentTypeError), ({"losses": ["mse"]}, ArgumentError),
    ({"losses": []}, ArgumentError), ({"losses": ["mase", "mase"]}, ArgumentError),
    ({"lookbacks": [0]}, ArgumentError), ({"lookbacks": [2.5]}, ArgumentError), ({"lookbacks": []}, ArgumentError),
    ({"repeats": 0}, ArgumentError), ({"stacks": ["trend"]}, ArgumentError), ({"preset": "nope"}, ArgumentError),
    ({"hyper": "gpu"}, ArgumentError), ({"max_steps": 0}, ArgumentError), ({"scale": 0}, ArgumentError),
    ({"scale": 2}, ArgumentError), ({"members": 3}, ArgumentError),
    ({"stacks": {"yearly": ["generic"]}}, ArgumentError),  # a per-frequency dict missing frequencies
    ({"stacks": {"yearly": ["generic"], "quarterly": ["generic"], "monthly": ["generic"], "other": ["generic"],
                 "weekly": ["generic"]}}, ArgumentError),  # an unknown frequency
    ({"stacks": {"yearly": [], "quarterly": ["generic"], "monthly": ["generic"], "other": ["generic"]}},
     ArgumentError),  # empty
    ({"stacks": {"yearly": ["generic", "generic"], "quarterly": ["generic"], "monthly": ["generic"],
                 "other": ["generic"]}}, ArgumentError),  # duplicate
    ({"stacks": {"yearly": ["trend"], "quarterly": ["generic"], "monthly": ["generic"], "other": ["generic"]}},
     ArgumentError), ({"stacks": {}}, ArgumentError), ({"stacks": 3}, ArgumentError)])
def test_bad_ensembles_are_refused_up_front(ensemble, err):
    with pytest.raises(err):
        NBeatsGlobal(horizon=4, ensemble=ensemble)


def test_bad_checkpoint_dir_and_data_are_refused(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    for bad in (str(f), "", 3):
        with pytest.raises(ArgumentError, match="checkpoint_dir"):
            NBeatsGlobal(horizon=4, ensemble="quick", checkpoint_dir=bad)
    m = _model()
    for ys in ([], [np.ones(3)], [np.r_[1.0, np.nan, 2, 3, 4, 5]]):
        with pytest.raises(DataError):
            m.member_tasks(ys)
    with pytest.raises(ArgumentTypeError):
        m.member_tasks(np.arange(30.0))
    with pytest.raises(NotFittedError):
        m.forecast(_ys())


# ------------------------------------------------------------------ training
@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    pytest.importorskip("keras")
    ys = _ys()
    folder = tmp_path_factory.mktemp("members")
    return ys, _model(checkpoint_dir=folder).fit(ys), folder


def test_members_differ_by_loss_and_lookback(uninterrupted):
    ys, m, _ = uninterrupted
    fc = np.stack([r["forecast"] for r in m.members_])
    keys = [(r["config"]["loss"], r["config"]["lookback_mult"]) for r in m.members_]
    assert keys == [("smape", 2), ("smape", 3), ("mase", 2), ("mase", 3)]
    assert all(not np.allclose(fc[i], fc[j]) for i in range(4) for j in range(i))
    np.testing.assert_allclose(np.stack(m.forecast(ys)), np.median(fc, axis=0))  # the median, as the paper
    assert [h["steps"] for h in m.history_["members"]] == [3] * 4 and "median of 4 networks" in m.describe()
    # the forecast of other series comes from the members' weights
    np.testing.assert_allclose(np.stack(m.forecast(ys[:2])), np.median(fc, axis=0)[:2], rtol=1e-5)


def test_same_seed_same_forecasts_and_resumed_equals_uninterrupted(uninterrupted, tmp_path):
    ys, whole, folder = uninterrupted
    assert len(list(folder.glob("member-*.npz"))) == 4 and not any(r["resumed"] for r in whole.members_)
    shutil.copytree(folder, tmp_path / "run")
    (tmp_path / "run" / whole.members_[1]["checkpoint"].split("/")[-1]).unlink()  # "interrupted": member 2 unsaved
    resumed = _model(checkpoint_dir=tmp_path / "run").fit(ys)
    assert [r["resumed"] for r in resumed.members_] == [True, False, True, True]
    assert resumed.members_[0]["cpu_seconds"] == whole.members_[0]["cpu_seconds"] > 0  # the record survives
    for a, b in zip(resumed.members_, whole.members_):  # retrained with the same seed: the same network
        np.testing.assert_array_equal(a["forecast"], b["forecast"])
    np.testing.assert_array_equal(np.stack(resumed.forecast(ys)), np.stack(whole.forecast(ys)))
    np.testing.assert_allclose(np.stack(resumed.forecast(ys[:2])), np.stack(whole.forecast(ys))[:2], rtol=1e-5)
    assert not {c["seed"] for c in _model(seed=2).members()} & {c["seed"] for c in _model().members()}
    with pytest.raises(DataError):
        _model(checkpoint_dir=tmp_path).member_tasks([np.ones(2)])
    assert _model().member_tasks(ys)[0]["fingerprint"] != _model().member_tasks(ys[:3])[0]["fingerprint"]


def test_members_on_two_workers_each_train_in_a_new_process(uninterrupted, monkeypatch):
    """A worker that trains member after member would keep ~40 MB of TensorFlow per network (a
    2 GB worker on M3): with n_jobs > 1 each member trains in its own process, on one thread."""
    import pybbdl.parallel

    ys, whole, _ = uninterrupted
    calls, run = [], pybbdl.parallel.run_tasks
    monkeypatch.setattr(pybbdl.parallel, "run_tasks", lambda *a, **k: calls.append(k) or run(*a, **k))
    par = _model().fit(ys, n_jobs=2)
    assert calls[0]["fresh_process"] is True and calls[0]["n_jobs"] == 2
    assert calls[0]["exclusive"] == [False] * 4  # small networks: no need to train them one at a time
    assert [r["threads"] for r in par.members_] == [1] * 4 and not any(r["resumed"] for r in par.members_)
    for a, b in zip(par.members_, whole.members_):  # one thread vs this process's: the last digits only
        np.testing.assert_allclose(a["forecast"], b["forecast"], rtol=1e-3)


def test_intervals_are_conformal_and_nested(uninterrupted):
    ys, m, _ = uninterrupted
    iv = m.forecast_intervals(ys, [0.5, 0.9])
    mean = np.stack(m.forecast(ys))
    lo50, hi50 = np.stack([d["lower_50"] for d in iv]), np.stack([d["upper_50"] for d in iv])
    lo90, hi90 = np.stack([d["lower_90"] for d in iv]), np.stack([d["upper_90"] for d in iv])
    assert np.all(lo90 <= lo50) and np.all(lo50 <= mean) and np.all(mean <= hi50) and np.all(hi50 <= hi90)
    with pytest.raises(ArgumentError):
        m.forecast_intervals(ys, [1.5])


def test_the_panel_runs_members_as_tasks_with_intervals(monkeypatch):
    pytest.importorskip("keras")
    import pybbdl.workflows.panel_fit as panel_fit
    from pybbdl.workflows.panel import forecast_panel

    calls, run_tasks = [], panel_fit.run_tasks
    monkeypatch.setattr(panel_fit, "run_tasks", lambda fn, tasks, **k: calls.append((fn, k)) or run_tasks(fn, tasks, **k))

    data = {f"s{i}": y for i, y in enumerate(_ys(length=28))}
    params = {"nbeats": {**TINY, "ensemble": {"losses": ["mape"], "lookbacks": [2]}}}
    run = forecast_panel(data, models=["nbeats"], horizon=4, period=4, params=params, levels=[0.8],
                         reference=None)
    fc = run.forecasts
    assert {"lower_80", "upper_80"} <= set(fc.columns) and fc["lower_80"].notna().all()
    assert np.all(fc["lower_80"] <= fc["forecast"]) and np.all(fc["forecast"] <= fc["upper_80"])
    assert "median of 1 networks" in run.settings["global_settings"]["nbeats"]["period=4,h=4"]
    hist = run.histories[("nbeats", "period=4,h=4", 42)]["members"]
    assert hist[0]["loss"] == "mape" and hist[0]["steps"] == 3 and hist[0]["seconds"] > 0
    assert [k["fresh_process"] for fn, k in calls if fn is panel_fit._member_task] == [True]  # a process each
    assert [k["exclusive"] for fn, k in calls if fn is panel_fit._member_task] == [[False]]


def test_the_panel_refuses_a_bad_ensemble_before_any_work(monkeypatch):
    import pybbdl.workflows.panel as panel
    import pybbdl.workflows.panel_fit as panel_fit  # where the panel's tasks are run

    def no_work(*a, **k):
        raise AssertionError("work started")

    monkeypatch.setattr(panel_fit, "run_tasks", no_work)
    data = {f"s{i}": y for i, y in enumerate(_ys(n=2))}
    for params, match in (({"ensemble": "huge"}, "`ensemble` must be None"),
                          ({"ensemble": {"lookbacks": [0]}}, "lookbacks"),
                          ({"ensemble": "quick", "checkpoint_dir": ""}, "checkpoint_dir")):
        with pytest.raises(ArgumentError, match=match):
            panel.forecast_panel(data, models=["naive", "nbeats"], horizon=4, period=4, params={"nbeats": params},
                                 reference=None)
