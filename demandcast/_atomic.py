"""Atomic file writes: a temp file in the same folder, then ``os.replace``.

A reader (or a planner opening the file in Excel) never sees a half-written file:
either the old version or the new one. :func:`switch_link` points a symlink at a
new target in one step (a set of files switched at once), and :func:`remove_stale`
removes the temporary files and folders a killed writer left behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

__all__ = [
    "atomic_path",
    "is_temporary",
    "publish_dir",
    "remove_stale",
    "switch_link",
    "write_bytes",
    "write_csv",
    "write_text",
]

#: Names of temporary files and folders: ``.<name>.<random>.tmp``.
_TMP_PREFIX, _TMP_SUFFIX = ".", ".tmp"


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it over ``path`` on success.

    On an exception the temporary file is removed and ``path`` is left as it was.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual mode
    try:
        yield tmp
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _write(path: str | os.PathLike[str], mode: str, writer: Callable[[IO[Any]], None]) -> Path:
    with (
        atomic_path(path) as tmp,
        open(tmp, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as fh,
    ):
        writer(fh)
    return Path(path)


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically and return the path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = write_text(pathlib.Path(tempfile.mkdtemp()) / "a.txt", "hallo")
    >>> p.read_text()
    'hallo'
    """
    return _write(path, "w", lambda fh: fh.write(text))


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and return the path."""
    return _write(path, "wb", lambda fh: fh.write(data))


def write_csv(path: str | os.PathLike[str], frame: Any, **to_csv: Any) -> Path:
    """Write a DataFrame as CSV atomically (``index=False`` unless given).

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> p = write_csv(pathlib.Path(tempfile.mkdtemp()) / "f.csv", pd.DataFrame({"y": [1, 2]}))
    >>> p.read_text().split()
    ['y', '1', '2']
    """
    to_csv.setdefault("index", False)
    return _write(path, "w", lambda fh: frame.to_csv(fh, **to_csv))


def is_temporary(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is named like a temporary file of this module (``.<name>...tmp``).

    Examples
    --------
    >>> is_temporary(".staffing.csv.k2j3.tmp"), is_temporary("staffing.csv")
    (True, False)
    """
    name = Path(path).name
    return name.startswith(_TMP_PREFIX) and name.endswith(_TMP_SUFFIX)


def remove_stale(folder: str | os.PathLike[str]) -> list[Path]:
    """Remove the temporary files and folders in ``folder`` (not below it); return them.

    Call it only while no other writer uses ``folder`` (under the run lock): a
    temporary file there was then left by a writer that was killed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / ".forecasts.csv.x1.tmp").write_text("half")
    >>> [p.name for p in remove_stale(folder)], list(folder.iterdir())
    (['.forecasts.csv.x1.tmp'], [])
    """
    root = Path(folder)
    if not root.is_dir():
        return []
    removed = []
    for entry in sorted(root.iterdir()):
        if not is_temporary(entry):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                entry.unlink()
        removed.append(entry)
    return removed


def switch_link(link: str | os.PathLike[str], target: str | os.PathLike[str]) -> Path:
    """Point the symlink ``link`` at ``target`` in one atomic step; return ``link``.

    A new symlink is made under a temporary name beside ``link`` and moved over it
    with ``os.replace``, so a reader follows either the old or the new target, never
    none. A regular file at ``link`` is replaced the same way. ``target`` is stored as
    given (give it relative to ``link``'s folder to keep the folder movable).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> (folder / "a").mkdir(); (folder / "b").mkdir()
    >>> link = switch_link(folder / "current", "a")
    >>> _ = switch_link(link, "b")
    >>> os.readlink(link)
    'b'
    """
    path = Path(link)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f"{_TMP_PREFIX}{path.name}.{os.urandom(6).hex()}{_TMP_SUFFIX}"
    os.symlink(os.fspath(target), tmp)
    try:
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    _fsync_dir(path.parent)
    return path


def publish_dir(tmp: str | os.PathLike[str], final: str | os.PathLike[str]) -> Path:
    """Rename the complete folder ``tmp`` to ``final`` (which must not exist); durable.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / ".run.tmp").mkdir()
    >>> publish_dir(root / ".run.tmp", root / "run").name
    'run'
    """
    src, dst = Path(tmp), Path(final)
    os.rename(src, dst)
    _fsync_dir(dst.parent)
    return dst


def _fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the platform can open folders)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
