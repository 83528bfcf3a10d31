"""The embedded default's data folder: its owner's alone, and run by one `pathways up` at a time.

The folder holds the event log (children's records), Temporal's database, the keys and the
tokens' hashes, so it is made 0700 and everything in it 0600: `pathways up` sets its umask
(which the dev server it starts inherits, and SQLite's WAL and shared-memory files follow
the database's own mode) and puts right what an earlier release made readable to all.

The Temporal dev server that `pathways up` starts dies with it, even when `pathways up` is
killed with SIGKILL: on Linux the kernel sends it SIGTERM when its parent dies
(PR_SET_PDEATHSIG, asked for in the child before it runs the server). The service file
names both processes, so a start finds what an earlier one left (on another system, or from
a release before this one):
- a `pathways up` still running on the folder: refused, naming it;
- its dev server, still running after the `pathways up` that started it died: stopped, as
  it is provably ours (its command line names this folder's temporal.db, which no other
  server may use at the same time), and said so;
- anything else on Temporal's ports: refused, naming the port (connecting to it would pass
  someone else's server off as ours).
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Callable

from cli.service import read_service_file, remove_service_file

PR_SET_PDEATHSIG = 1  # linux/prctl.h
STOP_GRACE_S = 15


# What the embedded default keeps in its folder (an earlier release made them readable to all).
# Only these are changed: `--data-dir` may name a folder that holds other things too.
OWN_FILES = ("pathways.db*", "temporal.db*", "temporal.log", "tokens.json", "id.key", "sealing-keys.json",
             "checkpoint.key", "service.json")


def make_private(data_dir: Path) -> None:
    """From now on this process (and its children) makes files only its user can read; the
    folder and the service's files already in it are made so too."""
    os.umask(0o077)
    data_dir.mkdir(parents=True, exist_ok=True)
    data_dir.chmod(0o700)
    for pattern in OWN_FILES:
        for path in data_dir.glob(pattern):
            if path.is_file() and not path.is_symlink():
                path.chmod(0o600)


def dies_with_this_process() -> Callable[[], None] | None:
    """A preexec_fn for a child that must not outlive this process (None where the kernel
    offers no way). It runs in the child before the program: before any thread of ours
    exists, as `pathways up` starts the dev server first."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()

    def ask_for_the_signal() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the request took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return ask_for_the_signal


def claim(data_dir: Path, temporal_port: int) -> None:
    """Refuse to start beside a `pathways up` running on the folder, stop the dev server one
    left behind, and refuse Temporal ports something else holds (see the module's docstring)."""
    running = read_service_file(data_dir)
    pid, server_pid = running.get("pid"), running.get("temporal_pid")
    if pid and pid != os.getpid() and _alive(pid) and _may_be_pathways_up(pid):
        where = f" at {running['http_url']}" if running.get("http_url") else ""
        raise SystemExit(
            f"Safeguarding Pathways is already running on the data folder {data_dir} (pid {pid}{where}). "
            "Stop it first (Ctrl-C where it runs), or choose another --data-dir.")
    if server_pid and _alive(server_pid) and _serves(server_pid, data_dir / "temporal.db"):
        print(f"Stopping the Temporal dev server (pid {server_pid}) that an earlier `pathways up` on this data "
              "folder left running.", flush=True)
        _stop(server_pid)
    remove_service_file(data_dir)
    for port, what in ((temporal_port, "Temporal's port"), (temporal_port + 1000, "the Temporal UI's port")):
        if not _free(port):
            raise SystemExit(
                f"{what} {port} is in use by another process; choose another with --temporal-port "
                "(the UI takes that port + 1000).")


def _alive(pid: int) -> bool:
    """Whether the pid runs (a zombie, dead but not yet reaped by its parent, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive, and not ours
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


def _command_line(pid: int) -> list[str] | None:
    """The process's arguments, or None where they cannot be read (no /proc)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return None


def _may_be_pathways_up(pid: int) -> bool:
    """Whether the pid is a `pathways up` (its pid may have been reused since it died); where
    that cannot be told, it is taken to be."""
    args = _command_line(pid)
    return args is None or ("up" in args and any("pathways" in arg or "cli.main" in arg for arg in args))


def _serves(pid: int, database: Path) -> bool:
    """Whether the pid is a Temporal dev server on `database`."""
    args = _command_line(pid) or []
    return "start-dev" in args and str(database) in args


def _stop(pid: int) -> None:
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_S
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
