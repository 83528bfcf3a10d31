"""A case system's load on a deployment of processes (bench/cluster.py), and what must hold after
it whatever went wrong in between: the scale-out test and the fault drills share it.

The case system sends each young person's commands in order, many young people at once, spread
over every API it knows; a command that gets no answer (its API died, the answer was lost, or
the service said 5xx) is sent again with the same `command_id` to the next API until it is
answered. Afterwards:
- every command answered 2xx has its events in the log exactly once, and nothing a refusal
  answered was written; anything else in the log is the journeys' clocks' own, and the load's
  deadlines are all still ahead, so the clocks may remind but never record a miss;
- `pathways verify` passes, each journey's workflow state is the fold of its events, and the
  read models equal a rebuild from the log.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import httpx
from sqlalchemy import select

from bench.cluster import Cluster, Process
from domain.calendar import WorkingDayCalendar
from settings import Settings
from store.engine import make_engine
from store.events import EventStore
from store.projections import rebuild_read_models
from store.schema import deadlines, events, journeys
from support import assert_consistent
from workflows.client import JourneyClient, journey_workflow_id
from workflows.connection import connect

LA = "873"
COMMANDS_PER_JOURNEY = 10  # the start, eight accepted commands and one refused
RETRY_FOR_SECONDS = 120


@dataclass
class Sent:
    """One command as the case system sent it, and what it was finally told."""

    command_id: str
    path: str
    body: dict
    status: int | None = None
    answer: dict | None = None
    tries: int = 0
    sent_at: float = 0.0  # the event loop's clock: first sent, and finally answered
    answered_at: float = 0.0


class CaseSystem:
    """HTTP clients over every live API; a command without an answer goes to the next API.
    `midway` is set once `midway_after` commands have been answered (to break something then)."""

    def __init__(self, apis: list[Process], token: str, retry_for: float = RETRY_FOR_SECONDS,
                 midway_after: int | None = None) -> None:
        self.apis = apis
        self.retry_for = retry_for
        self.midway_after = midway_after
        self.headers = {"Authorization": f"Bearer {token}"}
        self.http = httpx.AsyncClient(timeout=httpx.Timeout(60, connect=2))
        self.sent: list[Sent] = []
        self.midway = asyncio.Event()
        self.turn = 0

    async def send(self, path: str, body: dict) -> Sent:
        sent = Sent(body["command_id"], path, body, sent_at=asyncio.get_running_loop().time())
        self.sent.append(sent)
        deadline = sent.sent_at + self.retry_for
        self.turn += 1
        while True:
            api = self.apis[(self.turn + sent.tries) % len(self.apis)]
            sent.tries += 1
            try:
                response = await self.http.post(f"{api.url}{path}", json=body, headers=self.headers)
                last = f"{response.status_code} {response.text[:200]}"
                if response.status_code < 500:
                    sent.status, sent.answer = response.status_code, response.json()
                    sent.answered_at = asyncio.get_running_loop().time()
                    if self.midway_after is not None and sum(s.status is not None for s in self.sent) >= self.midway_after:
                        self.midway.set()
                    return sent
            except httpx.HTTPError as error:
                last = type(error).__name__  # no answer: the same command, with the same id, to the next API
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{path} got no answer from any API in {self.retry_for:g} s (last: {last})")
            await asyncio.sleep(0.2)

    async def load(self, young_people: int, at_once: int, today: date) -> list[tuple[str, str]]:
        """Each young person's script, `at_once` of them in flight: (child id, journey id) each."""
        slots = asyncio.Semaphore(at_once)

        async def young_person():
            async with slots:
                start, commands = young_person_script(today)
                started = await self.send("/v1/journeys", start)
                assert started.status == 201, started.answer
                for body in commands:
                    await self.send(f"/v1/journeys/{started.answer['journey_id']}/commands", body)
                return start["young_person"]["id"], started.answer["journey_id"]

        try:
            return await asyncio.gather(*(young_person() for _ in range(young_people)))
        finally:
            await self.http.aclose()


def young_person_script(today: date) -> tuple[dict, list[dict]]:
    """A CP journey whose every deadline is still ahead at each step, so the clock records
    nothing but reminders (a miss would be the clock's own event, not a command's)."""
    child_id = f"SO{uuid.uuid4().hex[:12].upper()}"
    start = {"command_id": str(uuid.uuid4()), "local_authority": LA,
             "young_person": {"id": child_id, "date_of_birth": (today - timedelta(days=14 * 365)).isoformat(),
                              "sex": "F", "ethnicity": "WBRI"},
             "referral_date": (today - timedelta(days=12)).isoformat()}

    def command(type_, **fields):
        return {"command_id": str(uuid.uuid4()), "type": type_,
                **{k: v.isoformat() if isinstance(v, date) else v for k, v in fields.items()}}

    commands = [
        command("record_strategy_discussion", occurred_on=today - timedelta(days=12), outcome="s47_cp"),
        command("record_initial_conference", occurred_on=today - timedelta(days=8), decision="plan",
                categories=["neglect"]),
        command("record_core_group", occurred_on=today - timedelta(days=5)),
        *(command("record_visit", occurred_on=today - timedelta(days=d), seen_alone=d % 2 == 0) for d in (4, 3, 2, 1, 0)),
        # Refused (the conference has been held): nothing may be written for it.
        command("record_initial_conference", occurred_on=today, decision="plan", categories=["emotional"]),
    ]
    return start, commands


def assert_answers_are_the_log(database_url: str, sent: list[Sent], journey_ids: list[str]) -> None:
    """Every 2xx's events in the log exactly once, nothing for a refusal, and the rest the
    clocks' own, none of them a missed deadline."""
    accepted = [s for s in sent if s.status in (200, 201)]
    refused = [s for s in sent if s.status == 409]
    assert len(accepted) + len(refused) == len(sent), [s.status for s in sent if s.status not in (200, 201, 409)]
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(events.c.event_id, events.c.command_id, events.c.type)
                                      .where(events.c.stream.in_(journey_ids))).all()
    finally:
        engine.dispose()
    by_command: dict[str, list[str]] = {}
    for row in rows:
        by_command.setdefault(row.command_id, []).append(row.event_id)
    assert len({row.event_id for row in rows}) == len(rows)  # no event twice
    for s in accepted:  # each answer's events, exactly once
        assert sorted(by_command.pop(s.command_id, [])) == sorted(e["event_id"] for e in s.answer["events"]), s.path
    for s in refused:
        assert s.command_id not in by_command
    assert all(command_id.startswith("clock:") for command_id in by_command), sorted(by_command)[:5]
    missed = [row for row in rows if row.type == "DeadlineMissed"]
    assert not missed, f"{len(missed)} deadlines recorded missed, every one of them still ahead"


async def assert_the_log_is_whole(cluster: Cluster, database_url: str, settings: Settings,
                                  people: list[tuple[str, str]]) -> None:
    """`pathways verify` passes; each journey's workflow state is the fold of its events and
    its summary row agrees; the read models equal a rebuild from the log (the journeys'
    clocks settle first, so nothing moves underneath)."""
    verified = cluster.pathways("verify", check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    store = EventStore(make_engine(database_url))
    client = JourneyClient(await connect(settings), settings)
    try:
        journey_ids = [journey_id for _, journey_id in people]
        # Let each journey's clock settle (5 s of quiet after a command), so nothing moves
        # underneath the comparisons.
        versions = None
        while versions != (versions := [store.stream_version(j) for j in journey_ids]):
            await asyncio.sleep(6)
        for child_id, _ in people:
            await assert_consistent(client, store, journey_workflow_id(settings.id_key, LA, child_id))
        before = snapshot(store.engine, journey_ids)
        workflow_ids = {row["journey_id"]: row["workflow_id"] for row in before[0]}
        rebuild_read_models(store.engine, WorkingDayCalendar(), date.today(),
                            lambda state: workflow_ids.get(state.journey_id, "unknown"))
        assert snapshot(store.engine, journey_ids) == before
    finally:
        store.engine.dispose()


def snapshot(engine, journey_ids):
    with engine.connect() as connection:
        summaries = [dict(r._mapping) for r in connection.execute(
            select(journeys).where(journeys.c.journey_id.in_(journey_ids)).order_by(journeys.c.journey_id))]
        owed = [dict(r._mapping) for r in connection.execute(
            select(deadlines).where(deadlines.c.journey_id.in_(journey_ids))
            .order_by(deadlines.c.journey_id, deadlines.c.seq))]
    for summary in summaries:
        summary.pop("updated_at")
    return summaries, owed
