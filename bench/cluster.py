"""The service's processes as deploy/ runs them, on loopback: worker processes
(`python -m worker`) and API replicas (`uvicorn --factory api.app:from_env`) sharing one
database and one Temporal, each with its health port, started and stopped by id.

Used by the scale-out test (tests/e2e/test_scale_out.py) and the benchmark of one worker
against two (bench/scale_out.py).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PATHWAYS = Path(sys.executable).parent / "pathways"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Process:
    """One started process: its role, its port (the API's, or the worker's health port)."""

    name: str
    popen: subprocess.Popen
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL: no chance to finish anything, as when a node dies."""
        if self.running:
            os.kill(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=30)

    def terminate(self, timeout: float = 60) -> int:
        """SIGTERM, as an orchestrator stops a replica; its exit code once it has drained."""
        if self.running:
            os.kill(self.popen.pid, signal.SIGTERM)
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise


@dataclass
class Cluster:
    """Processes for one deployment: `env` holds its PATHWAYS_* settings (database, Temporal,
    task queue, keys); each process adds its own ports."""

    folder: Path
    env: dict[str, str]
    processes: list[Process] = field(default_factory=list)

    def _env(self, **extra: str) -> dict[str, str]:
        return {**os.environ, **self.env, **extra}

    def pathways(self, *args: str, env: dict[str, str] | None = None, check: bool = True) -> subprocess.CompletedProcess:
        """A `pathways` command with the deployment's settings (the migration job, verify...)."""
        return subprocess.run([str(PATHWAYS), *args], cwd=PROJECT_ROOT, env={**self._env(), **(env or {})},
                              capture_output=True, text=True, timeout=600, check=check)

    def start_worker(self, **extra: str) -> Process:
        port = free_port()
        return self._start("worker", [sys.executable, "-m", "worker"], port,
                           PATHWAYS_WORKER_HEALTH_PORT=str(port), **extra)

    def start_api(self, **extra: str) -> Process:
        port = free_port()
        return self._start("api", [
            sys.executable, "-m", "uvicorn", "--factory", "api.app:from_env", "--host", "127.0.0.1",
            "--port", str(port), "--no-access-log", "--timeout-graceful-shutdown", "20",
        ], port, **extra)

    def _start(self, role: str, argv: list[str], port: int, **extra: str) -> Process:
        name = f"{role}-{sum(p.name.startswith(role) for p in self.processes) + 1}"
        log = self.folder / f"{name}.log"
        with open(log, "wb") as output:
            popen = subprocess.Popen(argv, cwd=PROJECT_ROOT, env=self._env(**extra), stdout=output,
                                     stderr=subprocess.STDOUT)
        process = Process(name, popen, port, log)
        self.processes.append(process)
        return process

    async def ready(self, *processes: Process, timeout: float = 90) -> None:
        """Wait until each answers /readyz with 200 (a worker: it polls; an API: it connects)."""
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=5) as client:
            for process in processes:
                while True:
                    if not process.running:
                        raise RuntimeError(f"{process.name} exited ({process.popen.returncode}): "
                                           f"{process.log.read_text()[-2000:]}")
                    try:
                        if (await client.get(f"{process.url}/readyz")).status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"{process.name} was not ready in {timeout:g} s: {process.log.read_text()[-2000:]}")
                    await asyncio.sleep(0.25)

    def stop_all(self) -> None:
        for process in self.processes:
            process.kill()
