"""`make run` on a clean clone brings the service up (Temporal, the worker and the HTTP API),
and `pathways demo` drives it.

The clone reuses this checkout's virtual environment (VENV=...) so the test measures the
service, not a second download of its dependencies; CI's own `make test` on a fresh clone
is what proves the install step.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from ports import free_port, free_port_pair

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(sys.executable).parent.parent


def printed_tokens(output: str) -> dict[str, str]:
    """The first run's tokens, from lines such as `  practitioner:  sp_...`."""
    tokens = {}
    for line in output.splitlines():
        role, _, token = line.strip().partition(":")
        if token.strip().startswith("sp_"):
            tokens[role] = token.strip()
    return tokens


@pytest.mark.slow
def test_make_run_on_a_clean_clone_then_demo(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    assert not (clone / "var").exists()
    port = free_port_pair()
    http_port = free_port(port, port + 1000)
    log = open(tmp_path / "run.log", "w+")
    service = subprocess.Popen(
        # -o: the shared environment is installed already; never reinstall it from the clone.
        ["make", "--no-print-directory", "-o", str(VENV / ".installed"), "run", f"VENV={VENV}",
         f"ARGS=--temporal-port {port} --http-port {http_port}"],
        cwd=clone, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while "is up" not in (tmp_path / "run.log").read_text():
            assert service.poll() is None, (tmp_path / "run.log").read_text()
            assert time.monotonic() < deadline, "service did not come up in 120 s"
            time.sleep(0.5)
        output = (tmp_path / "run.log").read_text()
        assert f"http://127.0.0.1:{port + 1000}" in output  # it says where the Temporal UI is
        api = f"http://127.0.0.1:{http_port}"
        assert f"{api}/openapi.json" in output and f"{api}/v1/journeys" in output

        # The HTTP API is served from the same process, with one token per role printed once.
        tokens = printed_tokens(output)
        assert set(tokens) == {"system", "practitioner", "manager", "auditor", "admin"}
        assert "pathways token create" in output
        spec = httpx.get(f"{api}/openapi.json", timeout=10)
        assert spec.status_code == 200 and "/v1/journeys/{journey_id}/commands" in spec.json()["paths"]
        listed = httpx.get(f"{api}/v1/journeys", headers={"Authorization": f"Bearer {tokens['practitioner']}"}, timeout=10)
        assert listed.status_code == 200 and listed.json() == {"journeys": [], "next_cursor": None}
        assert httpx.get(f"{api}/v1/journeys", timeout=10).status_code == 401
        # The dev server's UI asks the service to open sealed payloads, which it does only for
        # a signed-in dashboard user.
        ui = httpx.get(f"http://127.0.0.1:{port + 1000}/api/v1/settings", timeout=10).json()
        assert ui["Codec"]["Endpoint"] == f"{api}/dashboard/codec"
        assert httpx.post(f"{api}/dashboard/codec/decode", json={"payloads": []}, timeout=10).status_code == 401

        pathways = [str(VENV / "bin" / "pathways")]
        data = ["--data-dir", str(clone / "var")]
        demo = subprocess.run(pathways + ["demo", *data], capture_output=True, text=True, timeout=180)
        assert demo.returncode == 0, demo.stderr
        text = demo.stdout
        assert "[met] met on" in text  # deadlines met
        assert "OVERDUE" in text and "deadline_missed: initial_conference" in text  # a miss, notified
        assert "PathwayTransferred" in text and "pathway cp, stage plan" in text  # ROTH -> CP
        assert "closed (no_plan)" in text  # a closure
        # ROTH practice: the plan check, a park named by two journeys and referred as a context case.
        assert "plan check: voices not recorded" in text and "plan check: goal without outcome" in text
        assert "demo-riverside-park: 2 young people" in text
        case_id = text.split("referred demo-riverside-park as context case ")[1].split(";")[0]
        shown = subprocess.run(pathways + ["journey", case_id, *data], capture_output=True, text=True, timeout=60)
        assert shown.returncode == 0 and "Context case" in shown.stdout and "ContextReferred" in shown.stdout

        roth_id = text.split("ROTH plan, every deadline met so far\n  journey ")[1].split()[0]
        shown = subprocess.run(pathways + ["journey", roth_id, *data], capture_output=True, text=True, timeout=60)
        assert "chair: demo-chair-1" in shown.stdout and "plan check:" in shown.stdout

        journey_id = text.split("CP enquiry whose initial conference is overdue\n  journey ")[1].split()[0]
        shown = subprocess.run(pathways + ["journey", journey_id, *data], capture_output=True, text=True, timeout=60)
        assert shown.returncode == 0 and "initial_conference" in shown.stdout and "DeadlineMissed" in shown.stdout

        verified = subprocess.run(pathways + ["verify", *data], capture_output=True, text=True, timeout=60)
        assert verified.returncode == 0 and verified.stdout.startswith("OK: ")

        # The demo's journeys are LA 873's, through the API too; a token made now works at once.
        listed = httpx.get(f"{api}/v1/journeys", headers={"Authorization": f"Bearer {tokens['auditor']}"}, timeout=10)
        assert journey_id in [j["journey_id"] for j in listed.json()["journeys"]]
        made = subprocess.run(pathways + ["token", "create", "--role", "manager", "--la", "874", *data],
                              capture_output=True, text=True, timeout=60)
        assert made.returncode == 0 and made.stdout.strip().startswith("sp_")
        theirs = httpx.get(f"{api}/v1/journeys/{journey_id}", headers={"Authorization": f"Bearer {made.stdout.strip()}"}, timeout=10)
        assert theirs.status_code == 404
    finally:
        if service.poll() is None:
            os.killpg(service.pid, signal.SIGINT)
        try:
            service.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(service.pid, signal.SIGKILL)
            service.wait()
    # Ctrl-C stops everything it started, and forgets where it was running.
    assert not (clone / "var" / "service.json").exists()
