"""The service's log lines: JSON, with the trace they belong to, and never a young person's details."""

from __future__ import annotations

import logging
import sys

import structlog

from observability.tracing import add_trace_ids


def configure_logging(level: str = "info", stream=None) -> None:
    """JSON lines on stderr (or `stream`): machine-readable, and never a young person's details.

    Log calls carry ids (journey, command, event), types and counts only; personal details
    live in the event log and the read models, never in log lines.
    """
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            add_trace_ids,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, level.upper())),
        logger_factory=structlog.PrintLoggerFactory(stream or sys.stderr),
        cache_logger_on_first_use=False,
    )
