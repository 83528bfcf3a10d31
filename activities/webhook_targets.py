"""A webhook's target checked against the address rules (domain/webhook_targets.py), with the
one I/O they need: resolving its host. The API checks a URL when a subscription is made; each
delivery attempt checks it again (a name can be pointed inward after it was accepted) and then
connects to the very address it checked.

Why pin the address: if the check resolved the name and the HTTP client resolved it again to
connect, a name answering a public address to the first lookup and 169.254.169.254 to the
second (DNS rebinding) would pass the check and still reach the inside. So the request goes
to the checked IP itself, with the subscription's host kept where the receiver looks for it:
the Host header, and for https the TLS server name (SNI), which is also the name its
certificate is verified against (httpx's `sni_hostname` request extension). Nothing resolves
the name in between, and the connection can only go where the rules allowed.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from domain.webhook_targets import Address, AllowList, judge, literal_address

# host, port -> every address a TCP connection to them could use.
Resolver = Callable[[str, int], Sequence[Address]]
DEFAULT_PORTS = {"http": 80, "https": 443}


class TargetUnresolved(Exception):
    """The host did not resolve (now): nothing to check, nowhere to send."""


def resolve(host: str, port: int) -> list[Address]:
    """The system resolver's addresses for a TCP connection to `host`, each once, in its order."""
    found: list[Address] = []
    for *_, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if address not in found:
            found.append(address)
    return found


@dataclass(frozen=True)
class CheckedTarget:
    """A subscription's URL and the address it was checked at: where the request goes."""

    url: str
    address: Address

    @property
    def pinned_url(self) -> str:
        parts = urlsplit(self.url)
        scheme = parts.scheme.lower()
        ip = f"[{self.address}]" if self.address.version == 6 else str(self.address)
        return urlunsplit((scheme, f"{ip}:{parts.port or DEFAULT_PORTS[scheme]}", parts.path or "/", parts.query, ""))

    @property
    def host_header(self) -> str:
        parts = urlsplit(self.url)
        host = _ascii(parts.hostname or "")
        host = f"[{host}]" if ":" in host else host
        return f"{host}:{parts.port}" if parts.port else host

    @property
    def extensions(self) -> dict:
        """For https to a name: the name as the TLS server name, verified by its certificate.
        (For an address literal the pinned URL already holds it.)"""
        parts = urlsplit(self.url)
        if parts.scheme.lower() != "https" or literal_address(parts.hostname or "") is not None:
            return {}
        return {"sni_hostname": _ascii(parts.hostname or "")}


def checked_target(url: str, allowed: AllowList, resolver: Resolver = resolve) -> CheckedTarget:
    """Raises TargetNotAllowed (domain/webhook_targets.py) if a webhook may not go to `url`,
    TargetUnresolved if its host does not resolve."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    literal = literal_address(host)
    if literal is not None:
        addresses: Sequence[Address] = [literal]
    else:
        try:
            addresses = resolver(host, parts.port or DEFAULT_PORTS.get(parts.scheme.lower(), 443))
        except (OSError, UnicodeError) as err:
            raise TargetUnresolved(f"{host} does not resolve ({getattr(err, 'strerror', None) or err}).") from None
    judge(parts.scheme, host, addresses, allowed)
    return CheckedTarget(url, addresses[0])


def _ascii(host: str) -> str:
    """An internationalised name as DNS and TLS carry it (punycode)."""
    try:
        host.encode("ascii")
        return host
    except UnicodeEncodeError:
        return host.encode("idna").decode("ascii")
