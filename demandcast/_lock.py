"""An exclusive run lock, so two nightly runs never overlap.

The lock is a file (by default ``.demandcast.lock`` in the output folder) held with
``fcntl.flock`` (non-blocking) for the whole run; it contains the pid of the holder.
The kernel drops a ``flock`` when its process dies, so a lock file left by a crashed
or killed run is simply taken over. Where ``fcntl`` is absent (Windows), the file is
created exclusively and a file whose pid no longer runs counts as stale.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path

from demandcast.exceptions import LockHeldError

__all__ = ["LOCK_NAME", "RunLock", "run_lock"]

LOCK_NAME = ".demandcast.lock"


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


class RunLock:
    """Exclusive, non-blocking lock on ``path``; raises :class:`LockHeldError` when taken.

    Parameters
    ----------
    path : path-like
        The lock file; its folder is created when missing.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / ".demandcast.lock"
    >>> with RunLock(path):
    ...     try:
    ...         RunLock(path).acquire()
    ...     except LockHeldError as err:
    ...         print("held")
    held
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    def acquire(self) -> RunLock:
        """Take the lock or raise :class:`LockHeldError` naming the holder's pid."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            return self._acquire_exclusive_create()
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            os.close(fd)
            if err.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise self._held() from None
            raise
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        os.fsync(fd)
        self._fd = fd
        return self

    def _acquire_exclusive_create(self) -> RunLock:  # pragma: no cover - Windows
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                pid = _read_pid(self.path)
                if pid is not None and _pid_alive(pid):
                    raise self._held() from None
                with contextlib.suppress(FileNotFoundError):
                    self.path.unlink()  # stale: its process is gone
                continue
            os.write(fd, f"{os.getpid()}\n".encode())
            self._fd = fd
            return self
        raise self._held()

    def _held(self) -> LockHeldError:
        pid = _read_pid(self.path)
        who = f"process {pid}" if pid else "another process"
        return LockHeldError(
            f"another demandcast run ({who}) holds the lock {self.path}; wait for it to "
            "finish (a lock of a process that died is taken over automatically)"
        )

    def release(self) -> None:
        """Release the lock (idempotent); the lock file is kept for the next run."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        os.close(self._fd)  # closing drops the flock
        self._fd = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


@contextlib.contextmanager
def run_lock(folder: str | os.PathLike[str], name: str = LOCK_NAME) -> Iterator[RunLock]:
    """Hold the run lock of ``folder`` for the duration of the ``with`` block.

    Examples
    --------
    >>> import tempfile
    >>> with run_lock(tempfile.mkdtemp()) as lock:
    ...     lock.held
    True
    """
    lock = RunLock(Path(folder) / name)
    with lock:
        yield lock
