"""Fuzzing the service through its own OpenAPI document with schemathesis, in process.

Hypothesis draws requests in a thread of its own; each request is handed to the test's event
loop, where the live app (httpx's ASGI transport, with the session's real worker behind it)
answers it. Nothing is sent over a network: the app is called as a function, and the service's
only outward connections (webhook deliveries) are left to the guard the fuzz test checks.

The checks are schemathesis' own, chosen because none sends a request of its own (a check that
probes again would go through schemathesis' transport, not through this loop), plus the one
schemathesis cannot know: which refusals of *valid* data are the service's to make.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import dataclass, field

import httpx
import requests
from schemathesis.core.failures import FailureGroup
from schemathesis import Response
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, ensure_resource_availability, negative_data_rejection, response_headers_conformance,
    response_schema_conformance, status_code_conformance, use_after_free,
)

BASE_URL = "http://pathways.test"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, negative_data_rejection]

# Refusals a request that fits the document may still get, because they are about the record
# or the caller's role, not the request's shape: the rules (409, any code: what is allowed
# depends on the journey's history), an id the caller's LA does not have (404), and 422 for
# the few rules that join two fields, which JSON Schema cannot state.
CROSS_FIELD_422 = frozenset({
    "invalid_period", "period_too_long",           # a period that ends before it starts, or is too long
    "unknown_group", "empty_population", "not_applicable",  # a baseline's groups are the dimension's codes
    "journey_id_or_actor",                         # the access log: exactly one of the two
    "invalid_cursor",                              # a cursor this service did not give out
    "target_not_allowed",                          # a webhook URL the service will not send to
    "unknown_ruleset",                             # DfE's rules for a year this service has not got
    "invalid_year",                                # a collection year is two years that follow each other
})


@dataclass
class Tally:
    """What the fuzzer sent and what went wrong, across every operation."""

    requests: int = 0
    operations: set = field(default_factory=set)
    statuses: Counter = field(default_factory=Counter)
    failures: list = field(default_factory=list)

    def fail(self, case, response, why: str) -> None:
        if len(self.failures) < 200:
            self.failures.append(f"{case.operation.label} -> {response.status_code}: {why}\n"
                                 f"  sent {case.path_parameters or ''} {case.query or ''} {_body(case)}\n"
                                 f"  got {response.text[:300]}")


class Bridge:
    """Sends a schemathesis case to the app on `loop` and checks the answer, from Hypothesis' thread."""

    def __init__(self, http: httpx.AsyncClient, loop: asyncio.AbstractEventLoop, tally: Tally) -> None:
        self.http, self.loop, self.tally = http, loop, tally

    def send(self, case, headers: dict) -> httpx.Response:
        # requests only prepares the bytes (no session, nothing sent), exactly as schemathesis' transport would.
        kwargs = case.as_transport_kwargs(base_url=BASE_URL, headers=headers)
        prepared = requests.Request(**{k: v for k, v in kwargs.items() if k in (
            "method", "url", "headers", "params", "json", "data", "files", "cookies")}).prepare()
        request = self.http.request(prepared.method, prepared.url, headers=dict(prepared.headers),
                                    content=prepared.body)
        response = asyncio.run_coroutine_threadsafe(request, self.loop).result(timeout=60)
        self.tally.requests += 1
        self.tally.operations.add(case.operation.label)
        self.tally.statuses[response.status_code] += 1
        return response

    def check(self, case, response: httpx.Response, positive: bool, recorder=None) -> None:
        checks = CHECKS if recorder is None else [*CHECKS, ensure_resource_availability, use_after_free]
        if not positive and not _same_on_the_wire(case.body):
            # Two lone surrogates side by side, written as JSON, are read back as one valid
            # character: what the app received is not the negative data Hypothesis drew.
            checks = [check for check in checks if check is not negative_data_rejection]
        try:
            case.validate_response(response, checks=checks, recorder=recorder)
        except FailureGroup as failures:
            for failure in failures.exceptions:
                self.tally.fail(case, response, f"{type(failure).__name__}: {failure.title}")
        if positive:
            problem = refused_valid(case, response)
            if problem:
                self.tally.fail(case, response, problem)


def linked_state_machine(schema, bridge: Bridge, headers: dict):
    """schemathesis' state machine over the document's links (start a journey, send it commands,
    read it; refer a context, then its commands and reads; put a chair, then take it out), each
    step sent through `bridge` and checked as above, with the checks that follow a resource
    from one step to the next (a resource just created must not be missing)."""
    base = schema.as_state_machine()

    class Linked(base):  # type: ignore[misc, valid-type]
        def call(self, case, **kwargs) -> Response:
            return Response.from_any(bridge.send(case, headers))

        def validate_response(self, response, case, additional_checks=None, **kwargs) -> None:
            positive = case.meta is None or case.meta.generation.mode.is_positive
            bridge.check(case, response, positive, recorder=self.recorder)

    return Linked


def refused_valid(case, response) -> str | None:
    """Why an answer to a request that fits the document is a refusal it should not have had, or None."""
    status = response.status_code
    if status < 400 or status == 409:
        return None
    if status == 404 and "{" in case.path:
        return None  # an id the caller's LA does not have
    if status == 503 and case.path.endswith("/readiness"):
        return None  # DfE's validator not installed here: documented, the operator's to fix
    if status == 422:
        answer = response.json()
        codes = {issue.get("type") for issue in answer.get("detail", [])} if "detail" in answer else {
            answer.get("error", {}).get("code")}
        if codes <= CROSS_FIELD_422:
            return None
        return f"valid data refused with {sorted(codes)}"
    return "valid data refused"


def _same_on_the_wire(body) -> bool:
    """Whether a body reads back from JSON as the value that was drawn."""
    try:
        return json.loads(json.dumps(body)) == body
    except (TypeError, ValueError):
        return True  # not JSON: sent as drawn


def _body(case) -> str:
    try:
        return json.dumps(case.body, default=str)[:300]
    except (TypeError, ValueError):
        return repr(case.body)[:300]
