"""Resume after a kill: release Snakemake's locks when the run that held them is gone.

Snakemake locks its working directory while it runs (``.snakemake/locks/``) and
leaves the locks behind when it is killed (SIGKILL, an out-of-memory kill, a
power loss); the next run then stops with "Directory cannot be locked" until
``snakemake --unlock``. spikesweep promises that rerunning the same command
resumes, so the workflow records which process holds the directory (host and
PID, in :data:`OWNER_FILE`) and, at the next start, removes the locks if that
process no longer exists on this host. A live owner, or one on another host,
leaves everything as it is: Snakemake's own lock then protects the run.
"""

import logging
import os
import shutil
import socket
from pathlib import Path

from spikesweep.files import atomic_path

__all__ = ["OWNER_FILE", "release_stale_locks", "snakemake_alive"]

logger = logging.getLogger(__name__)

#: File (in Snakemake's folder) naming the host and PID of the run that locks it.
OWNER_FILE = "spikesweep-owner"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _owner_gone(owner_file: Path) -> bool:
    """Whether the owner named in ``owner_file`` is known, on this host, and no longer runs."""
    if not owner_file.is_file():
        return False
    owner_host, owner_pid = owner_file.read_text().split()
    return owner_host == socket.gethostname() and not _alive(int(owner_pid))


def snakemake_alive(snakemake_dir: str | Path = ".snakemake") -> bool:
    """Whether the Snakemake run that owns the working directory still runs.

    False only when the owner is known, on this host, and gone; a job on
    another host (a cluster node) cannot tell, and says True.
    """
    return not _owner_gone(Path(snakemake_dir) / OWNER_FILE)


def release_stale_locks(snakemake_dir: str | Path = ".snakemake") -> bool:
    """Remove the locks of a dead run, then record this process as the owner.

    Call once, from the main Snakemake process, before it locks the directory.

    Returns
    -------
    released : bool
        True if stale locks were removed.
    """
    snakemake_dir = Path(snakemake_dir)
    owner_file, locks = snakemake_dir / OWNER_FILE, snakemake_dir / "locks"
    released = False
    if owner_file.is_file():
        if not _owner_gone(owner_file):
            return False
        if locks.is_dir() and any(locks.iterdir()):
            shutil.rmtree(locks)
            released = True
            logger.warning(
                "Removed the locks left in %s by a Snakemake run (PID %s) that no longer "
                "runs; resuming.",
                locks,
                owner_file.read_text().split()[1],
            )
    with atomic_path(owner_file) as tmp:
        tmp.write_text(f"{socket.gethostname()} {os.getpid()}\n")
    return released
