"""What an operator watches: health and readiness, Prometheus metrics and OpenTelemetry traces.

Nothing here reads or writes a young person's details: metrics carry codes and counts, spans
leave through an allow-list of attributes (tracing.py), and health answers name only which
dependency is down and why.
"""
