"""Output folders that are complete or absent: atomic files, a manifest written last, no stale files.

Every file a run writes goes to a temporary name in the same folder and is renamed into place
(``os.replace`` is atomic on POSIX), so a kill while writing never leaves a truncated
``results.csv``. ``manifest.json`` is written last (the previous run's manifest is moved aside
when a save starts): it lists the run's files, its settings,
the library versions and the completion time, so a folder without it (or whose manifest names a
different run) is an interrupted run. Files that an earlier run's manifest lists and this run
did not write are removed, so a rerun into the same folder never leaves old plots beside a new
table. Files that no pybbdl manifest names are never removed.

:func:`prepare_output_dir` is called by every workflow *before* any training, so an unwritable
folder fails in a second rather than after an hour of training. It also refuses a folder that
holds anything pybbdl did not write: a run goes into a new or empty folder, or into one holding an
earlier pybbdl run (its ``manifest.json``, or the ``.manifest.previous.json`` of a run that is
being written or was interrupted), so a run never overwrites or removes a user's files. An
empty folder is claimed at once with an empty ``.manifest.previous.json``, so a run interrupted
before its first save (a GAN's checkpoints) can be rerun into the same folder.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from pybbdl.exceptions import ArgumentError, OutputError

MANIFEST = "manifest.json"
#: While a run is being saved, the previous run's manifest waits here: a folder without
#: ``manifest.json`` is incomplete, and the next save still knows the old run's files.
PREVIOUS = ".manifest.previous.json"



def prepare_output_dir(path: str | os.PathLike) -> Path:
    """Create `path` if needed, prove it is writable by writing and removing a probe file, and
    claim it for pybbdl (see the module docstring).

    Raises:
        ArgumentError: `path` is an empty string.
        OutputError: the folder cannot be created or written (read-only, a file in the way, ...),
            or it holds files or folders that no pybbdl run wrote (hidden ``.names`` aside).
    """
    if isinstance(path, str) and not path.strip():  # Path("") is the working folder: never meant
        raise ArgumentError(f"`out_dir` (--out) must name a folder. Received: {path!r}")
    out = Path(path)
    try:
        if out.exists() and not out.is_dir():
            raise OutputError(f"Output folder {str(out)!r} exists and is not a folder.")
        out.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".pybbdl-probe-", dir=out)
        os.close(fd)
        os.remove(probe)
    except OutputError:
        raise
    except OSError as err:
        raise OutputError(f"Output folder {str(out)!r} is not writable ({err.strerror or err}). "
                          "Choose another folder with --out / out_dir.") from err
    _claim(out)
    return out


def _is_ours(path: Path, *, manifest: bool) -> bool:
    """`path` is a manifest (or the moved-aside list) that pybbdl wrote: a JSON object with a
    ``files`` list and, for ``manifest.json``, pybbdl among its versions (a web app's
    ``manifest.json`` is not ours)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        return False
    return not manifest or (isinstance(data.get("versions"), dict) and "pybbdl" in data["versions"])


def _claim(out: Path) -> None:
    """Refuse a folder holding anything a pybbdl run did not write; mark an empty one as ours."""
    manifest = _is_ours(out / MANIFEST, manifest=True)
    if not (out / MANIFEST).exists() or manifest:  # a manifest.json of another tool is never moved aside
        if manifest or _is_ours(out / PREVIOUS, manifest=False):
            return
    foreign = sorted(p.name + ("/" if p.is_dir() else "") for p in out.iterdir() if not p.name.startswith("."))
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise OutputError(
            f"Output folder {str(out)!r} must be new, empty or hold an earlier pybbdl run (with its manifest.json). "
            f"Received: a folder holding {shown}, which no pybbdl manifest lists; pybbdl never overwrites or removes "
            "such files. Choose a new folder with --out / out_dir, or move those files away.")
    atomic_write_text(out / PREVIOUS, json.dumps({"files": []}) + "\n")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: str | os.PathLike, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp_path)`` and rename the temporary file to `path` when it succeeds.

    `write` receives a path in the same folder with the same suffix (so writers that look at
    the extension, like matplotlib or ``keras.Model.save``, do the right thing). On any error
    the temporary file is removed and `path` keeps its old content.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        # mkstemp creates the file 0600; give the result the permissions a plain open() would
        # (0666 less the umask), so a run folder others read (or `make demo`'s figures) stays readable.
        if tmp_path.exists():
            os.chmod(tmp_path, 0o666 & ~_umask())
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write `text` (UTF-8) to `path` atomically."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _jsonable(value):
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return _jsonable(value.item())
    return str(value)


def versions() -> dict[str, str]:
    """Versions of Python, pybbdl and the libraries that decide the numbers (only those imported)."""
    import platform
    import sys

    from pybbdl._version import __version__

    out = {"python": platform.python_version(), "pybbdl": __version__}
    for name in ("numpy", "scipy", "pandas", "statsmodels", "numba", "tensorflow", "keras", "dp_accounting"):
        module = sys.modules.get(name)
        if module is not None:
            out[name] = getattr(module, "__version__", "?")
    return out


def read_manifest(out_dir: str | os.PathLike) -> dict | None:
    """The manifest of the run saved in `out_dir`, or None when there is none (or it is unreadable)."""
    path = Path(out_dir) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _listed_files(path: Path) -> list[str] | None:
    try:
        return [str(n) for n in json.loads(path.read_text(encoding="utf-8")).get("files", [])]
    except (OSError, ValueError, AttributeError):
        return None


def begin_output_dir(out_dir: str | os.PathLike) -> None:
    """Mark `out_dir` as being written: the previous run's manifest moves aside (its file list is
    kept for :func:`finish_output_dir`), so a save interrupted from here on leaves a folder with no
    ``manifest.json``, never new files under the old run's manifest."""
    out = Path(out_dir)
    current, previous = out / MANIFEST, out / PREVIOUS
    if not current.exists():
        return
    names = sorted(set(_listed_files(current) or []) | set(_listed_files(previous) or []))
    atomic_write_text(previous, json.dumps({"files": names}) + "\n")
    current.unlink()


def _stale_files(out: Path, keep: set[str]) -> list[Path]:
    # only names a pybbdl manifest lists: nothing else in the folder is ever removed
    lists = [names for names in (_listed_files(out / MANIFEST), _listed_files(out / PREVIOUS)) if names is not None]
    names = sorted(set().union(*lists)) if lists else []
    return [out / n for n in names if n not in keep and n != MANIFEST and (out / n).is_file()
            and Path(n).name == n]  # only plain names inside the folder


def finish_output_dir(out_dir: str | os.PathLike, files: Iterable[str | os.PathLike], *, kind: str,
                      settings: Mapping) -> Path:
    """Remove files of an earlier run that this run did not write, then write ``manifest.json``.

    Args:
        out_dir: The folder (already holding the run's files, each written atomically).
        files: The files this run wrote (names or paths inside `out_dir`).
        kind: What ran, e.g. ``"forecast_comparison"``.
        settings: The settings actually used (JSON-able after conversion of numpy scalars).

    Returns:
        The path of the manifest.
    """
    out = Path(out_dir)
    names = sorted({Path(f).name for f in files})
    for stale in _stale_files(out, set(names)):
        stale.unlink(missing_ok=True)
    manifest = {"kind": kind, "completed": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                "files": names, "settings": _jsonable(dict(settings)), "versions": versions()}
    path = atomic_write_text(out / MANIFEST, json.dumps(manifest, indent=2) + "\n")
    (out / PREVIOUS).unlink(missing_ok=True)
    return path


__all__ = ["MANIFEST", "PREVIOUS", "atomic_write", "atomic_write_text", "begin_output_dir", "finish_output_dir",
           "prepare_output_dir", "read_manifest", "versions"]
