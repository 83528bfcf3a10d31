"""Free loopback ports for the services the end-to-end tests start."""

from __future__ import annotations

import socket


def free_port_pair() -> int:
    """A port p with p and p + 1000 free (Temporal's gRPC and UI ports)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port + 1000 < 65535:
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port + 1000))
                    return port
                except OSError:
                    continue
    raise RuntimeError("no free ports")


def free_port(*taken: int) -> int:
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in taken:
            return port
