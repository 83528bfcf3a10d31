"""Traces with OpenTelemetry: one trace from an HTTP request through the Temporal update to the
persist activity, exported where the standard `OTEL_*` variables say, and off when unset.

Spans leave the process only through `PrivateDataGuard`, which keeps an allow-list of
attributes (ids the service makes, route templates, methods and statuses), reduces an
exception to its type and drops every other event. The instrumentation libraries record more
than that (the full URL with its query, exception messages), and a refusal's message, a query
string or a traceback could carry a young person's details; an allow-list cannot miss a new one.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.trace import Status
from temporalio.contrib.opentelemetry import TracingInterceptor, TracingWorkflowInboundInterceptor
from temporalio.worker import WorkflowInboundInterceptor

# What a span may carry out of the process: ids the service itself makes (workflow ids are
# keyed hashes, run/activity ids Temporal's, update ids the caller's command ids), the route
# template (never the path), the method and the status.
ALLOWED_ATTRIBUTES = frozenset({
    "temporalWorkflowID", "temporalRunID", "temporalActivityID", "temporalActivityType", "temporalUpdateID",
    "http.method", "http.request.method", "http.route", "http.status_code", "http.response.status_code",
    "http.scheme", "url.scheme", "http.flavor", "network.protocol.version", "error.type",
})
_OFF = ("", "none")


def tracing_requested(env=None) -> bool:
    """Whether the standard variables ask for traces to be exported."""
    env = os.environ if env is None else env
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    exporter = env.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if exporter:
        return exporter not in _OFF
    return bool(env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))


def configure_tracing(service_name: str, env=None) -> bool:
    """Install a tracer provider exporting over OTLP (HTTP/protobuf) when the environment asks
    for it; the exporter reads its endpoint, headers and timeouts from `OTEL_EXPORTER_OTLP_*`.
    Returns whether traces are on. Call once per process, before connecting to Temporal."""
    env = os.environ if env is None else env
    if not tracing_requested(env):
        return False
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

    if env.get("OTEL_TRACES_EXPORTER", "").strip().lower() == "console":
        exporter = ConsoleSpanExporter()
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()
    install_tracer_provider(PrivateDataGuard(BatchSpanProcessor(exporter)), env.get("OTEL_SERVICE_NAME") or service_name)
    return True


def install_tracer_provider(processor: SpanProcessor, service_name: str) -> TracerProvider:
    """Make `processor` (already guarded) receive every span of this process."""
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    provider.add_span_processor(processor)
    trace.set_tracer_provider(provider)
    return provider


def tracer_provider(given: TracerProvider | None = None) -> TracerProvider | None:
    """`given`, else the process's provider if `configure_tracing` installed one; None: off.
    (Tests pass a provider of their own rather than replace the process-wide one.)"""
    if given is not None:
        return given
    installed = trace.get_tracer_provider()
    return installed if isinstance(installed, TracerProvider) else None


def temporal_interceptors(provider: TracerProvider | None = None) -> Sequence:
    """Temporal's tracing interceptor for a client (and the workers made from it), when on:
    it carries the trace from the client's update into the workflow and its activities."""
    provider = tracer_provider(provider)
    if provider is None:
        return []
    return [CommandTracing(provider.get_tracer("pathways.temporal"))]


class _CommandSpans(TracingWorkflowInboundInterceptor):
    """Temporal's workflow tracing, with an update's spans in the trace of the request that
    sent it. The stock interceptor hangs them from the workflow's start (a journey's runs for
    months) and only links the command's trace; an operator following one slow command wants
    the validator, the handler and its persist activity under that command's request."""

    def handle_update_validator(self, input) -> None:
        with self._in_update_context(input, "ValidateUpdate") as handled:
            if handled:
                return WorkflowInboundInterceptor.handle_update_validator(self, input)
        return super().handle_update_validator(input)

    async def handle_update_handler(self, input):
        with self._in_update_context(input, "HandleUpdate") as handled:
            if handled:
                return await WorkflowInboundInterceptor.handle_update_handler(self, input)
        return await super().handle_update_handler(input)

    @contextlib.contextmanager
    def _in_update_context(self, input, what: str):
        header = input.headers.get(self.header_key)
        carrier = self.payload_converter.from_payloads([header])[0] if header else None
        if not carrier:
            yield False  # no trace came with the update: the stock behaviour
            return
        context = self._set_on_context(self.text_map_propagator.extract(carrier))
        token = otel_context.attach(context)
        try:
            self._completed_span(f"{what}:{input.update}", link_context_carrier=self._load_workflow_context_carrier(),
                                 kind=trace.SpanKind.SERVER)
            yield True
        finally:
            otel_context.detach(token)


class CommandTracing(TracingInterceptor):
    """Temporal's tracing interceptor for clients, activities and workflows, with
    `_CommandSpans` inside workflows."""

    def workflow_interceptor_class(self, input):
        super().workflow_interceptor_class(input)  # registers the extern the workflow side calls
        return _CommandSpans


def instrument_app(app, provider: TracerProvider | None = None) -> None:
    """FastAPI's server spans, named by method and route template, when tracing is on."""
    provider = tracer_provider(provider)
    if provider is None:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    # The per-message "receive"/"send" spans say nothing an operator needs.
    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider, exclude_spans=["receive", "send"])


def add_trace_ids(logger, method_name, event_dict):
    """structlog processor: the current trace and span ids on every log line."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event_dict["trace_id"] = format(context.trace_id, "032x")
        event_dict["span_id"] = format(context.span_id, "016x")
    return event_dict


class PrivateDataGuard(SpanProcessor):
    """Hands `inner` a copy of each ended span holding only what may leave the process."""

    def __init__(self, inner: SpanProcessor) -> None:
        self.inner = inner

    def on_start(self, span, parent_context=None) -> None:
        self.inner.on_start(span, parent_context=parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        self.inner.on_end(guarded(span))

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)


def guarded(span: ReadableSpan) -> ReadableSpan:
    attributes = {k: v for k, v in (span.attributes or {}).items() if k in ALLOWED_ATTRIBUTES}
    events = [
        Event("exception", {"exception.type": str(e.attributes.get("exception.type", ""))}, e.timestamp)
        for e in span.events if e.name == "exception" and e.attributes
    ]
    # A status description is free text (the SDK writes the exception's message into it).
    description = None
    if span.status.description:
        description = span.status.description.split(":", 1)[0]
    return ReadableSpan(
        name=span.name, context=span.context, parent=span.parent, resource=span.resource,
        attributes=attributes, events=events, links=span.links, kind=span.kind,
        status=Status(span.status.status_code, description), start_time=span.start_time,
        end_time=span.end_time, instrumentation_scope=span.instrumentation_scope,
    )
