"""Atomic file writes: a temp file in the same folder, then ``os.replace``.

A reader (or a planner opening the file in Excel) never sees a half-written file:
either the old version or the new one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

__all__ = ["atomic_path", "write_bytes", "write_csv", "write_text"]


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
