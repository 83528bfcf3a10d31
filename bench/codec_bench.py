"""Commands per second with every Temporal payload sealed (sealing/codec.py), against the same
commands with no codec, in the same run.

    python -m bench.codec_bench [--clients N] [--commands N] [--repeats N]

The Temporal dev server, a fresh SQLite event log and two journey workers in this process,
each on a task queue of its own: one made from a client with the sealing converter (payloads
sealed per LA with AES-256-GCM, failures' messages moved into sealed payloads), one from a
client with Temporal's default converter. `--clients` concurrent clients, each on a journey of
its own already on a plan, send `record_visit` commands through `JourneyClient` (no HTTP: the
codec runs in the Temporal client and the worker, and HTTP would only add the same cost to
both sides). The sides take turns, `--repeats` times each. Target: sealed >= 0.9x unsealed.
Results: bench/results/codec_bench.{md,json}.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from bench import harness
from bench.temporal_bench import LA, _cmd, _start, _throughput, _Visits

NAME = "codec_bench"
TARGET_RATIO = 0.9


async def _measure(clients: int, commands: int, repeats: int, log) -> dict:
    from temporalio.client import Client
    from temporalio.testing import WorkflowEnvironment

    from sealing.codec import sealing_converter
    from sealing.keys import KeyRing
    from settings import Settings
    from store.engine import make_engine
    from store.events import EventStore
    from worker import build_worker
    from workflows.client import JourneyClient
    from workflows.local_time import london_date

    ring = KeyRing.new()
    with harness.sqlite_database() as url:
        store = EventStore(make_engine(url))
        base = Settings(database_url=url, id_key=b"bench-key", sealing_keys=ring.to_json())
        log("starting the Temporal dev server")
        env = await WorkflowEnvironment.start_local(
            dev_server_existing_path=str(Path(sys.executable).parent / "temporal"), dev_server_extra_args=["--headless"])
        try:
            service, namespace = env.client.service_client, env.client.namespace
            sides = {
                "sealed": Client(service, namespace=namespace, data_converter=sealing_converter(ring)),
                "plain": Client(service, namespace=namespace),
            }
            settings = {side: replace(base, task_queue=f"bench-{side}-{uuid.uuid4().hex[:8]}") for side in sides}
            today = london_date(await env.get_current_time())
            referral = today - timedelta(days=120)
            async with build_worker(sides["sealed"], settings["sealed"], store), \
                    build_worker(sides["plain"], settings["plain"], store):
                callers = {}
                for side, client in sides.items():
                    journeys = JourneyClient(client, settings[side])
                    on_plan = []
                    for _ in range(clients):
                        answer = await journeys.start(_start(today, referral))
                        await journeys.send(answer["workflow_id"], _cmd(
                            "record_strategy_discussion", occurred_on=referral, outcome="s47_cp"))
                        await journeys.send(answer["workflow_id"], _cmd(
                            "record_initial_conference", occurred_on=referral + timedelta(days=7), decision="plan",
                            categories=["physical"]))
                        on_plan.append(answer["workflow_id"])
                    visit = _Visits(referral)
                    callers[side] = [
                        (lambda i, j=journeys, w=w, v=visit: j.send(w, {**v(), "actor": {"id": "bench", "role": "system"}}))
                        for w in on_plan]
                log("warming up")
                for side in sides:
                    await _throughput(callers[side], 3)
                figures: dict[str, list[float]] = {side: [] for side in sides}
                for repeat in range(repeats):
                    for side in (("sealed", "plain") if repeat % 2 == 0 else ("plain", "sealed")):
                        # The journeys' clocks run 5 s after their last command: let the previous
                        # side's finish before measuring, so neither side pays for the other.
                        await asyncio.sleep(harness.SETTLE_SECONDS + 2)
                        per_s = await _throughput(callers[side], commands)
                        figures[side].append(per_s)
                        log(f"  {side}: {per_s:.1f} commands/s")
        finally:
            await env.shutdown()
    sealed, plain = (harness.spread(figures[side]) for side in ("sealed", "plain"))
    return {"sealed_per_s": sealed, "plain_per_s": plain, "ratio": round(sealed["median"] / plain["median"], 2),
            "target_ratio": TARGET_RATIO}



def run(clients: int = 8, commands: int = 25, repeats: int = 3, out_dir: Path = harness.RESULTS,
        quiet: bool = False) -> dict:
    log = (lambda *a: None) if quiet else (lambda *a: print(*a, flush=True))
    log(f"{NAME}: {clients} clients x {commands} commands, payloads sealed against plain, {repeats} repeats")
    with harness.quiet_service_logs():
        figures = asyncio.run(_measure(clients, commands, repeats, log))
    document = {"benchmark": NAME, "environment": harness.environment(),
                "parameters": {"clients": clients, "commands_per_client": commands, "repeats": repeats,
                               "local_authority": LA},
                "commands": figures}
    sealed, plain = figures["sealed_per_s"], figures["plain_per_s"]
    met = "yes" if figures["ratio"] >= TARGET_RATIO else "no"
    markdown = (
        f"# {NAME}\n\nCommands/s through `JourneyClient` (update -> persist, SQLite), {clients} clients each on "
        f"its own journey; median (min-max) of {repeats} runs, the sides taking turns.\n\n"
        + harness.markdown_table(
            ["payloads", "commands/s", "ratio", "target", "met"],
            [["sealed (AES-256-GCM per LA)", f"{sealed['median']} ({sealed['min']}-{sealed['max']})",
              f"{figures['ratio']:.2f}", f">= {TARGET_RATIO}x", met],
             ["plain (no codec)", f"{plain['median']} ({plain['min']}-{plain['max']})", "1.00 (baseline)", "", ""]]))
    harness.write_results(NAME, document, markdown, out_dir)
    log(f"  ratio, sealed to plain: {figures['ratio']:.2f} (target >= {TARGET_RATIO})")
    return document


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.codec_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients, each on its own journey")
    parser.add_argument("--commands", type=int, default=25, help="commands each client sends per measurement")
    parser.add_argument("--repeats", type=int, default=3, help="measurements of each side, taking turns")
    args = parser.parse_args(argv)
    run(clients=args.clients, commands=args.commands, repeats=args.repeats)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
