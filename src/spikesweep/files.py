"""Atomic file writes: a reader sees a file absent or complete, never half-written."""

import contextlib
import errno
import glob
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_path"]

#: Free space (bytes) below which a failed write is reported as a full device.
_FULL_BYTES = 1 << 20


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` on success.

    On any exception the temporary file is removed and ``path`` is untouched,
    so a reader never sees a half-written file. A failure on a full device
    (which the HDF5 library reports only as "HDF error") is raised as an
    ``OSError`` with ``errno.ENOSPC`` that names the file. Temporary files that
    a killed writer of ``path`` left behind are removed first.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        stale.unlink(missing_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    except Exception as error:
        if shutil.disk_usage(path.parent).free < _FULL_BYTES:
            raise OSError(
                errno.ENOSPC,
                f"No space left on the device of {path.parent} while writing {path.name}; "
                "nothing was written. Free some space and rerun the same command",
            ) from error
        raise
    finally:
        tmp.unlink(missing_ok=True)
