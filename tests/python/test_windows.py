"""Windows: the split pipeline, train-only scaling, windows that never look ahead, the split checker."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pybbdl.exceptions import ArgumentError, DataError
from pybbdl.windows import make_windows, prepare_windows, split_bounds, window_positions


@settings(max_examples=60, deadline=None)
@given(n=st.integers(3, 80), m=st.integers(1, 8), step=st.integers(1, 3), horizon=st.integers(1, 4))
def test_make_windows_align_and_never_look_ahead(n, m, step, horizon):
    lookback = m * step
    assume(n >= lookback + horizon)
    series = np.arange(n, dtype=float)[:, None]  # value == time index
    X, y = make_windows(series, lookback=lookback, horizon=horizon, step=step)
    assert X.shape == (n - lookback - horizon + 1, m, 1)
    assert np.all(y == X[:, -1, 0] + horizon)  # target exactly `horizon` after the last input, whatever the step
    assert np.all(np.diff(X[:, :, 0], axis=1) == step)
    assert not X.flags.writeable  # a view of the data, not a copy
    assert np.shares_memory(X, series)


def _frame(n=100, seed=0):
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2000-01-01", periods=n, freq="h", name="time")
    return pd.DataFrame({"y": np.cumsum(rng.normal(size=n)), "x": rng.normal(size=n),
                         "label": ["a"] * n}, index=idx)


def test_prepare_windows_parts_scaler_and_targets():
    frame = _frame()
    w = prepare_windows(frame, target="y", features=["x"], lookback=6, horizon=3, split=(0.5, 0.25, 0.25))
    assert w.bounds == {"train": (0, 50), "val": (50, 75), "test": (75, 100)}
    # scaler from the training rows only
    np.testing.assert_allclose(w.scaler.mean_, frame[["y", "x"]].iloc[:50].mean().to_numpy())
    np.testing.assert_allclose(w.scaler.scale_, frame[["y", "x"]].iloc[:50].std(ddof=0).to_numpy())
    # targets of a part lie in that part, inputs end `horizon` steps before them
    for part, (start, stop) in w.bounds.items():
        pos = w.target_positions(part)
        assert pos.min() >= start and pos.max() == stop - 1
        X = w.X(part, scaled=False)
        np.testing.assert_array_equal(X[:, -1, 0], frame["y"].to_numpy()[pos - 3])
        np.testing.assert_allclose(w.inverse_target(w.targets(part)), frame["y"].to_numpy()[pos], atol=1e-5)
    assert w.n_windows("val") == 25 and w.n_windows("train") == 50 - 8
    assert list(w.actuals("test").index) == list(frame.index[75:100])
    np.testing.assert_array_equal(w.last_values("val"), frame["y"].to_numpy()[w.target_positions("val") - 3])


def test_prepare_windows_split_by_dates_and_dataset_batches():
    frame = _frame(120)
    w = prepare_windows(frame, target="y", features=["x"], lookback=4, horizon=1,
                        split={"train": (None, "2000-01-03"), "val": ("2000-01-03", "2000-01-04"),
                               "test": ("2000-01-04", None)})
    assert w.bounds == {"train": (0, 48), "val": (48, 72), "test": (72, 120)}
    ds = w.dataset("val", batch_size=10)
    assert len(ds) == 3
    X0, y0 = ds[0]
    np.testing.assert_array_equal(X0, w.X("val")[:10])
    np.testing.assert_array_equal(y0, w.targets("val")[:10])
    shuffled = w.dataset("train", batch_size=8, shuffle=True, seed=0)
    seen = np.concatenate([shuffled[i][1] for i in range(len(shuffled))])
    np.testing.assert_array_equal(np.sort(seen), np.sort(w.targets("train")))


@pytest.mark.parametrize("mutate,match", [
    (lambda f: f.assign(y=f["y"].where(f.index != f.index[40])), "NaN/inf"),
    (lambda f: f.assign(y=np.where(np.arange(len(f)) == 3, np.inf, f["y"])), "NaN/inf"),
    (lambda f: f.iloc[::-1], "sorted"),
    (lambda f: pd.concat([f.iloc[:10], f.iloc[9:]]), "duplicate"),
    (lambda f: f.iloc[:8], "too short"),
])
def test_prepare_windows_rejects_bad_series(mutate, match):
    with pytest.raises(DataError, match=match):
        prepare_windows(mutate(_frame()), target="y", features=["x"], lookback=6, horizon=3)


def test_prepare_windows_rejects_bad_columns_and_arguments():
    frame = _frame()
    with pytest.raises(DataError, match="must be numeric"):
        prepare_windows(frame, target="label", lookback=6)
    with pytest.raises(DataError, match="not found"):
        prepare_windows(frame, target="nope", lookback=6)
    with pytest.raises(ValueError, match="multiple of `step`"):
        prepare_windows(frame, target="y", features=["x"], lookback=7, step=2)
    with pytest.raises(ValueError, match="split"):
        prepare_windows(frame, target="y", features=["x"], lookback=6, split=(0.8, 0.5))
    with pytest.raises(DataError, match="at least one window"):
        prepare_windows(frame, target="y", features=["x"], lookback=40, split=(0.3, 0.35, 0.35))
    with pytest.raises(ValueError, match="part"):
        prepare_windows(frame, target="y", features=["x"], lookback=6).X("validation")


def test_naive_on_real_jena_hourly_matches_dlwp_second_edition(jena_hourly_path):
    from pybbdl.data import jena_climate

    w = prepare_windows(jena_climate(jena_hourly_path), target="T (degC)", lookback=240, horizon=24,
                        split=(0.5, 0.25, 0.25))
    val = np.mean(np.abs(w.last_values("val") - w.targets("val", scaled=False)))
    test = np.mean(np.abs(w.last_values("test") - w.targets("test", scaled=False)))
    assert val == pytest.approx(2.44, abs=0.01)
    assert test == pytest.approx(2.62, abs=0.01)


# -- issue 11 case 3: splits ------------------------------------------------------------------------
def test_fraction_split_must_use_every_row_and_says_how_many_it_would_leave():
    frame = _frame()
    with pytest.raises(ArgumentError, match=r"sum to 1.*summing to 0\.9: 10 of 100 rows would go unused"):
        prepare_windows(frame, target="y", features=["x"], lookback=6, split=(0.5, 0.2, 0.2))
    with pytest.raises(ArgumentError, match="30 of 100 rows"):
        prepare_windows(frame, target="y", features=["x"], lookback=6, split=(0.5, 0.2))
    with pytest.raises(ArgumentError, match=r"summing to 1\.3: the parts would need 130 of the 100 rows"):
        prepare_windows(frame, target="y", features=["x"], lookback=6, split=(0.8, 0.5))
    w = prepare_windows(frame, target="y", features=["x"], lookback=6, split=(0.6, 0.2, 0.2))  # 1.0000000000000002
    assert w.bounds == {"train": (0, 60), "val": (60, 80), "test": (80, 100)}


@pytest.mark.parametrize("split,match", [
    ({"train": (0, 60), "val": (60, 80), "test": (70, 100)}, r"must not overlap.*val rows 61\.\.80 .* and test "
                                                           r"rows 71\.\.100 .*share rows 71\.\.80"),
    ({"train": (None, 70), "test": (60, None)}, r"train rows 1\.\.70 \(2000-01-01 .. 2000-01-03 21:00:00\) and "
                                               r"test rows 61\.\.100"),
    ({"train": (50, 100), "test": (0, 50)}, r"time order train < val < test\. Received: test rows 1\.\.50 "
                                            r"\(2000-01-01 .. 2000-01-03 01:00:00\) starts before train"),
    ({"train": ("2000-01-03", None), "val": ("2000-01-01", "2000-01-02")}, "time order"),
    ({"train": (0, 60), "val": (70, 70)}, r"`split\['val'\]` must hold rows.*no rows"),
    ({"train": (0, 60), "test": ("2000-01-03", "2000-01-02")}, r"`split\['test'\]` must hold rows"),
])
def test_row_and_date_splits_refuse_overlap_and_wrong_order(split, match):
    with pytest.raises(DataError, match=match):
        prepare_windows(_frame(), target="y", features=["x"], lookback=6, split=split)


def test_a_gap_between_parts_is_allowed():
    w = prepare_windows(_frame(), target="y", features=["x"], lookback=6, split={"train": (0, 50), "test": (60, 90)})
    assert w.bounds == {"train": (0, 50), "test": (60, 90)} and w.parts == ["train", "test"]


_bound = st.one_of(st.none(), st.integers(0, 30))


@settings(max_examples=200, deadline=None)
@given(parts=st.dictionaries(st.sampled_from(["val", "test"]), st.tuples(_bound, _bound)),
       train=st.tuples(_bound, _bound))
def test_split_checker_accepts_exactly_the_ordered_disjoint_non_empty_ranges(parts, train):
    index = pd.RangeIndex(30)
    split = {"train": train, **parts}
    resolved = {p: (0 if a is None else a, 30 if b is None else b) for p, (a, b) in split.items()}
    ordered = [resolved[p] for p in ("train", "val", "test") if p in resolved]
    valid = all(a < b for a, b in ordered) and all(x[1] <= y[0] for x, y in zip(ordered, ordered[1:]))
    if valid:
        assert split_bounds(index, split) == resolved
    else:
        with pytest.raises(DataError, match="split"):
            split_bounds(index, split)


@settings(max_examples=200, deadline=None)
@given(n=st.integers(10, 500), fractions=st.lists(st.floats(0, 1), min_size=2, max_size=3))
def test_fraction_splits_cover_every_row_once_or_are_refused(n, fractions):
    if abs(sum(fractions) - 1) > 1e-9:
        with pytest.raises(ArgumentError, match="must sum to 1"):
            split_bounds(pd.RangeIndex(n), fractions)
        return
    bounds = list(split_bounds(pd.RangeIndex(n), fractions).values())
    assert bounds[0][0] == 0 and bounds[-1][1] == n
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))


# -- issue 11 case 5 (data side): a constant target ----------------------------------------------------
def test_constant_target_on_the_training_part_is_refused():
    frame = _frame()
    with pytest.raises(DataError, match=r"'y' must vary over the training part\. Received: it is constant \(= 3\) "
                                        r"over rows 1\.\.50 \(2000-01-01 .. 2000-01-03 01:00:00\)"):
        prepare_windows(frame.assign(y=3.0), target="y", features=["x"], lookback=6)
    varying_later = frame.assign(y=np.where(np.arange(100) < 50, 3.0, frame["y"]))
    with pytest.raises(DataError, match="constant"):
        prepare_windows(varying_later, target="y", features=["x"], lookback=6)
    with pytest.raises(DataError, match="constant"):
        prepare_windows(np.ones((40, 2)), lookback=4, split=(0.5, 0.25, 0.25))
    # a constant input column is fine (it scales to zeros)
    w = prepare_windows(frame.assign(x=1.0), target="y", features=["x"], lookback=6)
    assert np.all(w.X("val")[:, :, 1] == 0.0)


def test_step_windows_end_on_the_row_before_the_origin():
    frame = _frame()
    w = prepare_windows(frame, target="y", features=["x"], lookback=12, horizon=2, step=3, split=(0.6, 0.4))
    rows0 = w.rows("val")
    values = frame[["y", "x"]].to_numpy()
    np.testing.assert_array_equal(w.X("val", scaled=False), values[window_positions(rows0, 12, 3)])
    np.testing.assert_array_equal(w.X("val", scaled=False)[:, -1, 0], frame["y"].to_numpy()[rows0 - 1])
    np.testing.assert_array_equal(w.last_values("val"), frame["y"].to_numpy()[rows0 - 1])
    np.testing.assert_array_equal(w.dataset("val", batch_size=500)[0][0], w.X("val"))
