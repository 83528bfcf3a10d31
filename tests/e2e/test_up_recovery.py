"""`pathways up` killed, and started again (cli/data_folder.py).

- The Temporal dev server dies with `pathways up`, even when it is SIGKILLed, and the next
  start comes up on the same folder and ports (before, the dev server ran on, and the next
  start said "is up" while using it, and never stopped it).
- A second `pathways up` on a folder one is running on is refused, naming it.
- A dev server left running on the folder (as an earlier release left it) is stopped; a
  stranger on Temporal's port is refused, naming the port.
- The data folder is its user's alone: 0700, and every file in it 0600 (the event log and
  its WAL, Temporal's database, the logs, the keys, the tokens' hashes).
- The operator's settings in the environment that make sense on one machine are taken, and
  named when it comes up (settings.EMBEDDED_FROM_ENV; tests/unit/test_settings.py has the rest).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path

import httpx
import pytest

from ports import free_port, free_port_pair

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
UP_TIMEOUT_S = 120


class Up:
    """One `pathways up` on a data folder, its output in a log of its own."""

    def __init__(self, data: Path, port: int, http_port: int, log: Path, **env: str) -> None:
        self.log = log
        with open(log, "wb") as output:
            self.process = subprocess.Popen(
                [str(BIN / "pathways"), "up", "--data-dir", str(data), "--temporal-port", str(port),
                 "--http-port", str(http_port)],
                stdout=output, stderr=subprocess.STDOUT, start_new_session=True, env={**os.environ, **env})

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + UP_TIMEOUT_S
        while "is up" not in self.output:
            assert self.process.poll() is None, self.output
            assert time.monotonic() < deadline, f"not up in {UP_TIMEOUT_S} s: {self.output}"
            time.sleep(0.5)

    def stop(self) -> None:
        """Ctrl-C, as at the terminal; SIGKILL if it does not stop."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state != "Z"  # a zombie has died; its parent has not reaped it yet


def dev_server_on(database: Path) -> int:
    """The pid of the Temporal dev server running on `database`."""
    for proc in Path("/proc").iterdir():
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"start-dev" in args and str(database).encode() in args:
            return int(proc.name)
    raise AssertionError(f"no dev server on {database}")


def until_dead(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def refused(data: Path, port: int, http_port: int) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "pathways"), "up", "--data-dir", str(data), "--temporal-port", str(port),
                           "--http-port", str(http_port)], capture_output=True, text=True, timeout=60)


def test_the_dev_server_dies_with_pathways_up_and_a_folder_in_use_is_refused(tmp_path):
    data = tmp_path / "var"
    port = free_port_pair()
    http_port = free_port(port, port + 1000)
    started: list[Up] = []
    server_pid = None
    try:
        first = Up(data, port, http_port, tmp_path / "first.log")
        started.append(first)
        first.wait_until_up()
        server_pid = dev_server_on(data / "temporal.db")

        # SIGKILL: nothing is stopped in order, yet the dev server dies with it.
        os.kill(first.process.pid, signal.SIGKILL)
        first.process.wait(timeout=10)
        assert until_dead(server_pid, timeout=15), "the dev server outlived `pathways up`"

        # The next start comes up on the same folder and ports, with the same data (and the
        # operator's settings from the environment that make sense on one machine).
        again = Up(data, port, http_port, tmp_path / "again.log", PATHWAYS_CIN_VALIDATOR_PYTHON=sys.executable,
                   PATHWAYS_WEBHOOK_ALLOWED_HOSTS="hooks.la.internal", PATHWAYS_DATABASE_URL="postgresql://x/y")
        started.append(again)
        again.wait_until_up()
        assert "Bearer tokens: as made before" in again.output
        assert ("Taken from the environment: PATHWAYS_CIN_VALIDATOR_PYTHON, PATHWAYS_WEBHOOK_ALLOWED_HOSTS\n"
                in again.output)
        # The service file names both processes (what the next start looks for).
        running = json.loads((data / "service.json").read_text())
        assert (running["pid"], running["temporal_pid"]) == (again.process.pid, dev_server_on(data / "temporal.db"))

        # Everything in the folder is its user's alone, the event log's WAL (a journey started
        # writes it) and Temporal's database included.
        system = next(line.split()[-1] for line in first.output.splitlines() if line.strip().startswith("system:"))
        started_journey = httpx.post(f"http://127.0.0.1:{http_port}/v1/journeys", timeout=30,
                                     headers={"Authorization": f"Bearer {system}"}, json={
            "command_id": str(uuid.uuid4()), "local_authority": "873", "referral_date": date.today().isoformat(),
            "young_person": {"id": "MODES0001", "date_of_birth": "2011-05-14", "sex": "F", "ethnicity": "WBRI"}})
        assert started_journey.status_code == 201, started_journey.text
        assert stat.S_IMODE(data.stat().st_mode) == 0o700
        files = {p.name: stat.S_IMODE(p.stat().st_mode) for p in data.rglob("*") if p.is_file()}
        assert {"pathways.db", "pathways.db-wal", "temporal.db", "temporal.log", "tokens.json", "id.key",
                "sealing-keys.json", "checkpoint.key", "service.json"} <= set(files), files
        assert {name: mode for name, mode in files.items() if mode != 0o600} == {}

        # Another start on the same folder (on other ports) is refused, naming the one running.
        other = free_port_pair()
        beside = refused(data, other, free_port(other, other + 1000, http_port))
        assert beside.returncode != 0
        assert "already running" in beside.stderr and str(again.process.pid) in beside.stderr, beside.stderr

        again.stop()
        assert again.process.returncode == 0 and not (data / "service.json").exists()
    finally:
        for up in started:
            up.stop()
        if server_pid and alive(server_pid):
            os.kill(server_pid, signal.SIGKILL)


def test_a_dev_server_left_on_the_folder_is_stopped_and_a_stranger_on_the_port_refused(tmp_path):
    data = tmp_path / "var"
    data.mkdir()
    port = free_port_pair()
    http_port = free_port(port, port + 1000)
    # What `pathways up` of an earlier release left when it was killed: its dev server, on
    # the folder's temporal.db, and a service file naming both.
    left = subprocess.Popen(
        [str(BIN / "temporal"), "server", "start-dev", "--headless", "--db-filename", str(data / "temporal.db"),
         "--ip", "127.0.0.1", "--port", str(port), "--ui-port", str(port + 1000)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    gone = subprocess.Popen(["true"])
    gone.wait()
    (data / "service.json").write_text(json.dumps({"pid": gone.pid, "temporal_pid": left.pid, "temporal_port": port}))
    up = None
    try:
        deadline = time.monotonic() + 60
        while not listening(port):
            assert left.poll() is None and time.monotonic() < deadline, "the left-over dev server did not start"
            time.sleep(0.2)
        up = Up(data, port, http_port, tmp_path / "up.log")
        up.wait_until_up()
        assert f"Stopping the Temporal dev server (pid {left.pid})" in up.output
        assert left.wait(timeout=5) is not None
        up.stop()

        # A stranger on Temporal's port: refused, naming the port (it is never taken for ours).
        with socket.socket() as stranger:
            stranger.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            stranger.bind(("127.0.0.1", port))
            stranger.listen()
            answer = refused(data, port, http_port)
        assert answer.returncode != 0 and f"port {port} is in use" in answer.stderr, answer.stderr
    finally:
        if up is not None:
            up.stop()
        if left.poll() is None:
            left.kill()
        left.wait()


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0
