"""Models from entry points (group ``pybbdl.models``): a model in its own module joins the registry, and
through it every door, with no other edit; broken, malformed and duplicate entry points are refused
with a warning that names them, and asking for such a name says why. Tiny; no training."""

from __future__ import annotations

import sys
import textwrap
import warnings
from importlib.metadata import EntryPoint

import pytest

from pybbdl.exceptions import ArgumentError
from pybbdl.models import registry as R


@pytest.fixture
def clean_registry(monkeypatch):
    """The registry as it is now, restored after the test; entry points not yet read."""
    saved = (dict(R._REGISTRY), dict(R._ENTRY_POINT_ERRORS), dict(R._FROM_ENTRY_POINTS), list(R._ENTRY_POINTS_READ))
    R._ENTRY_POINT_ERRORS.clear()
    R._ENTRY_POINTS_READ.clear()
    yield
    R._REGISTRY.clear()
    R._REGISTRY.update(saved[0])
    R._ENTRY_POINT_ERRORS.clear()
    R._ENTRY_POINT_ERRORS.update(saved[1])
    R._FROM_ENTRY_POINTS.clear()
    R._FROM_ENTRY_POINTS.update(saved[2])
    R._ENTRY_POINTS_READ[:] = saved[3]


@pytest.fixture
def plugin_module(tmp_path, monkeypatch):
    """A module `pybbdl_test_plugin` with a valid registration, a broken one and a non-dict."""
    (tmp_path / "pybbdl_test_plugin.py").write_text(textwrap.dedent('''
        from pybbdl.models.baselines import NaiveForecaster

        class Last(NaiveForecaster):
            """The naive forecast under another name."""

        GOOD = {"family": "user", "summary": "last value, from a plugin", "windows": "pybbdl_test_plugin:Last",
                "capabilities": ("all_horizons",)}
        NOT_A_DICT = ["windows"]
        BAD_KEY = {"windows": "pybbdl_test_plugin:Last", "colour": "red"}
        BAD_CLASS = {"windows": "pybbdl_test_plugin:Nowhere"}
        BAD_CAPABILITY = {"windows": "pybbdl_test_plugin:Last", "capabilities": ("fast",)}
    '''))
    (tmp_path / "pybbdl_test_broken.py").write_text("raise ImportError('needs the moon')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for mod in ("pybbdl_test_plugin", "pybbdl_test_broken"):
        sys.modules.pop(mod, None)


def _use(monkeypatch, *eps):
    monkeypatch.setattr(R, "_entry_points", lambda group: [EntryPoint(n, v, group) for n, v in eps])


def test_a_plugin_model_joins_every_door(clean_registry, plugin_module, monkeypatch):
    _use(monkeypatch, ("last", "pybbdl_test_plugin:GOOD"))
    assert "last" in R.model_names("windows")  # read on first use
    assert R._FROM_ENTRY_POINTS["last"].startswith("last = pybbdl_test_plugin:GOOD")
    from pybbdl.models import MODEL_NAMES, make_model

    assert "last" in MODEL_NAMES and type(make_model("last")).__name__ == "Last"
    assert "last" in R.help_text("windows") and "last" in list(R.model_table()["model"])
    assert R.entry_point_errors() == {}


@pytest.mark.parametrize("value,match", [
    ("pybbdl_test_broken:SPEC", r"'bad = pybbdl_test_broken:SPEC'.*could not be loaded: ImportError: needs the moon"),
    ("pybbdl_test_plugin:MISSING", r"could not be loaded: AttributeError"),
    ("pybbdl_test_plugin:NOT_A_DICT", r"must point at a dict of register_model\(\) arguments. Received: list"),
    ("pybbdl_test_plugin:BAD_KEY", r"unknown key\(s\) \['colour'\]"),
    ("pybbdl_test_plugin:BAD_CLASS", r"is not a valid model: AttributeError"),
    ("pybbdl_test_plugin:BAD_CAPABILITY", r"is not a valid model: ArgumentError: Unknown capability"),
])
def test_a_broken_entry_point_is_refused_naming_it_and_the_rest_still_work(clean_registry, plugin_module,
                                                                           monkeypatch, value, match):
    _use(monkeypatch, ("bad", value), ("last", "pybbdl_test_plugin:GOOD"))
    with pytest.warns(RuntimeWarning, match=match):
        names = R.model_names()
    assert "bad" not in names and "last" in names and "naive" in names
    with pytest.raises(ArgumentError, match=r"Model 'bad' is not available: entry point 'bad = "):
        R.get_spec("bad")
    assert list(R.entry_point_errors()) == ["bad"]


def test_a_duplicate_name_is_refused(clean_registry, plugin_module, monkeypatch):
    _use(monkeypatch, ("naive", "pybbdl_test_plugin:GOOD"), ("last", "pybbdl_test_plugin:GOOD"),
         ("last", "pybbdl_test_plugin:BAD_KEY"))
    with pytest.warns(RuntimeWarning) as caught:
        R.load_entry_points()
    text = " | ".join(str(w.message) for w in caught)
    assert "takes the model name 'naive', already registered by pybbdl's own models" in text
    assert ("entry points 'last = pybbdl_test_plugin:BAD_KEY', 'last = pybbdl_test_plugin:GOOD' of group "
            "'pybbdl.models' all take the model name 'last'; none is registered") in text
    assert len(caught) == 2  # one warning per name
    assert R.get_spec("naive").load("windows").__name__ == "NaiveForecaster"  # pybbdl's own stays
    with pytest.raises(ArgumentError, match="Model 'last' is not available: entry points"):
        R.get_spec("last")  # two packages claim it: neither is chosen silently


def test_entry_points_are_read_once_and_reload_is_idempotent(clean_registry, plugin_module, monkeypatch):
    calls = []

    def eps(group):
        calls.append(group)
        return [EntryPoint("last", "pybbdl_test_plugin:GOOD", group)]

    monkeypatch.setattr(R, "_entry_points", eps)
    R.model_names()
    R.get_spec("naive")
    R.registry()
    assert calls == [R.ENTRY_POINT_GROUP]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the same entry point again is not a duplicate of itself
        assert R.load_entry_points(reload=True) == {}
    assert len(calls) == 2


def test_unreadable_metadata_warns_and_keeps_pybbdls_models(clean_registry, monkeypatch):
    def boom(group):
        raise OSError("disk on fire")

    monkeypatch.setattr(R, "_entry_points", boom)
    with pytest.warns(RuntimeWarning, match="could not read the entry points.*disk on fire"):
        assert "arima" in R.model_names()


def test_a_real_distribution_is_found_through_importlib_metadata(clean_registry, plugin_module):
    dist = plugin_module / "pybbdl_test_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: pybbdl-test-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[pybbdl.models]\nlast = pybbdl_test_plugin:GOOD\n")
    assert "last" in R.model_names("windows")
    assert R._FROM_ENTRY_POINTS["last"] == "last = pybbdl_test_plugin:GOOD (distribution pybbdl-test-plugin 1.0)"
