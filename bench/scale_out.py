"""Commands per second through the HTTP API with one worker process, and with two, side by side.

    python -m bench.scale_out [--clients N] [--commands N] [--repeats N]

Deployed as deploy/ runs it (bench/cluster.py): PostgreSQL (embedded, or the server at
PATHWAYS_BENCH_POSTGRES_URL), the Temporal dev server, two API replicas
(`uvicorn --factory api.app:from_env`) and one or two `python -m worker` processes on one task
queue. `--clients` case-system clients, each on a journey of its own already on a plan, send
`record_visit` commands, spread over both APIs, `--commands` each; throughput is measured
with one worker, then with two (the second started, ready and polling), `--repeats` times,
the two sides taking turns. Each measurement uses journeys started under that side's
workers, so that a journey's tasks stick to whichever worker first ran it, as in production.

The baseline is the one-worker figure of the same run: the question is what a second worker
process buys on this machine. Everything here (PostgreSQL, the dev server, two APIs, the
workers and the clients) shares the machine's cores, so the ratio says how far the workers
were the bottleneck, not how a cluster with a node per worker would scale.
Results: bench/results/scale_out.{md,json}.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import httpx

from bench import harness
from bench.cluster import Cluster

NAME = "scale_out"
LA = "873"


def _command(type_: str, **fields) -> dict:
    return {"command_id": str(uuid.uuid4()), "type": type_,
            **{k: v.isoformat() if isinstance(v, date) else v for k, v in fields.items()}}


async def _journey_on_a_plan(http: httpx.AsyncClient, api: str, today: date) -> str:
    start = {"command_id": str(uuid.uuid4()), "local_authority": LA,
             "young_person": {"id": f"B{uuid.uuid4().hex[:12].upper()}",
                              "date_of_birth": (today - timedelta(days=14 * 365)).isoformat(), "sex": "F",
                              "ethnicity": "WBRI"},
             "referral_date": (today - timedelta(days=12)).isoformat()}
    answer = await http.post(f"{api}/v1/journeys", json=start)
    answer.raise_for_status()
    journey_id = answer.json()["journey_id"]
    for body in (_command("record_strategy_discussion", occurred_on=today - timedelta(days=12), outcome="s47_cp"),
                 _command("record_initial_conference", occurred_on=today - timedelta(days=8), decision="plan",
                          categories=["neglect"])):
        (await http.post(f"{api}/v1/journeys/{journey_id}/commands", json=body)).raise_for_status()
    return journey_id


async def _throughput(apis: list[str], token: str, clients: int, commands: int) -> float:
    """Commands/s: `clients` journeys, each sent `commands` visits in turn over the APIs."""
    today = date.today()
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(headers=headers, timeout=60) as http:
        journeys = await asyncio.gather(*(_journey_on_a_plan(http, apis[i % len(apis)], today) for i in range(clients)))
        # The journeys' clocks run 5 s after their last command: let them, and whatever the
        # previous measurement left, finish before measuring.
        await asyncio.sleep(harness.SETTLE_SECONDS + 2)

        async def drive(i: int, journey_id: str) -> None:
            for k in range(commands):
                body = _command("record_visit", occurred_on=today, seen_alone=k % 2 == 0)
                (await http.post(f"{apis[(i + k) % len(apis)]}/v1/journeys/{journey_id}/commands",
                                 json=body)).raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(drive(i, j) for i, j in enumerate(journeys)))
        return clients * commands / (time.perf_counter() - started)


async def _measure(clients: int, commands: int, repeats: int, log) -> dict:
    from temporalio.testing import WorkflowEnvironment

    from services.identity import TokenFile

    with harness.postgres_database() as url, tempfile.TemporaryDirectory(prefix="pathways-bench-cluster-") as folder:
        folder = Path(folder)
        log("starting the Temporal dev server")
        env = await WorkflowEnvironment.start_local(
            dev_server_existing_path=str(Path(sys.executable).parent / "temporal"), dev_server_extra_args=["--headless"])
        cluster = Cluster(folder, {
            "PATHWAYS_DATABASE_URL": url, "PATHWAYS_ID_KEY": "be" * 32,
            "PATHWAYS_CHECKPOINT_KEY_FILE": str(folder / "checkpoint.key"),
            "PATHWAYS_TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
            "PATHWAYS_TASK_QUEUE": f"bench-scale-{uuid.uuid4().hex[:8]}", "PATHWAYS_DATA_DIR": str(folder / "data"),
            "PATHWAYS_SEARCH_ATTRIBUTES": "0", "PATHWAYS_MIGRATE_ON_START": "0",
        })
        token = TokenFile(folder / "data" / "tokens.json").create("system", LA, name="bench-system")
        try:
            apis = [cluster.start_api(), cluster.start_api()]
            first = cluster.start_worker()
            await cluster.ready(first, *apis)
            urls = [a.url for a in apis]
            log("warming up")
            await _throughput(urls, token, clients, 3)
            figures: dict[str, list[float]] = {"one_worker": [], "two_workers": []}
            second = None
            for repeat in range(repeats):
                # Taking turns: one, two, then two, one, so neither side always runs first.
                for side in (("one_worker", "two_workers") if repeat % 2 == 0 else ("two_workers", "one_worker")):
                    if side == "two_workers" and second is None:
                        second = cluster.start_worker()
                        await cluster.ready(second)
                    if side == "one_worker" and second is not None:
                        second.terminate()
                        second = None
                    per_s = await _throughput(urls, token, clients, commands)
                    figures[side].append(per_s)
                    log(f"  {side.replace('_', ' ')}: {per_s:.1f} commands/s")
        finally:
            cluster.stop_all()
            await env.shutdown()
    one, two = (harness.spread(figures[side]) for side in ("one_worker", "two_workers"))
    return {"one_worker_per_s": one, "two_workers_per_s": two,
            "ratio_two_to_one": round(two["median"] / one["median"], 2)}



def run(clients: int = 16, commands: int = 20, repeats: int = 2, out_dir: Path = harness.RESULTS,
        quiet: bool = False) -> dict:
    log = (lambda *a: None) if quiet else (lambda *a: print(*a, flush=True))
    log(f"{NAME}: {clients} clients x {commands} commands, one worker process against two, {repeats} repeats")
    figures = asyncio.run(_measure(clients, commands, repeats, log))
    document = {"benchmark": NAME, "environment": harness.environment(),
                "parameters": {"clients": clients, "commands_per_client": commands, "repeats": repeats},
                "commands": figures}
    one, two = figures["one_worker_per_s"], figures["two_workers_per_s"]
    markdown = (
        f"# {NAME}\n\nCommands/s through two API replicas (HTTP -> update -> persist on PostgreSQL), "
        f"{clients} clients, each on its own journey; median (min-max) of {repeats} runs.\n\n"
        + harness.markdown_table(
            ["workers", "commands/s", "ratio to one worker"],
            [["1 process", f"{one['median']} ({one['min']}-{one['max']})", "1.00 (baseline)"],
             ["2 processes", f"{two['median']} ({two['min']}-{two['max']})", f"{figures['ratio_two_to_one']:.2f}"]])
        + f"\nEverything ran on one machine with {harness.environment()['cpus']} CPUs.\n")
    harness.write_results(NAME, document, markdown, out_dir)
    log(f"  ratio, two workers to one: {figures['ratio_two_to_one']:.2f}")
    return document


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale_out", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16, help="case-system clients, each on its own journey")
    parser.add_argument("--commands", type=int, default=20, help="commands each client sends per measurement")
    parser.add_argument("--repeats", type=int, default=2, help="measurements of each side, taking turns")
    args = parser.parse_args(argv)
    run(clients=args.clients, commands=args.commands, repeats=args.repeats)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
