"""Where a webhook may send: the rules, judged on a URL and the addresses its host resolves to.

A subscription makes the service POST to a URL of an admin's choosing, from inside the LA's
network. Left unchecked, that is a way to reach what only the service can reach: a cloud's
metadata service (169.254.169.254, fd00:ec2::254), the database, the LA's internal systems.
So a webhook goes only to public unicast addresses, over https, unless the operator's
allow-list (`PATHWAYS_WEBHOOK_ALLOWED_HOSTS`) names the host or a network holding its
addresses; a host it names may also be reached over plain http (a receiver on the same
machine or inside the LA's network, where TLS may not be set up).

Refused: unspecified, loopback, link-local, private (RFC 1918, RFC 4193 unique-local),
shared address space (RFC 6598, carrier-grade NAT), multicast, and every other reserved or
special-purpose address (documentation, benchmarking, 240/4, broadcast, site-local). An IPv6
address that carries an IPv4 one (IPv4-mapped, IPv4-compatible, NAT64, 6to4) is judged by
the IPv4 address it carries, so ::ffff:127.0.0.1 is loopback.

Pure: the resolution is the caller's (activities/webhook_targets.py).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

Address = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network

# Known cloud metadata services, named in the refusal so that an admin sees why it matters.
METADATA_ADDRESSES = frozenset(map(ipaddress.ip_address, (
    "169.254.169.254", "169.254.170.2", "169.254.169.123", "fd00:ec2::254", "100.100.100.200",
)))
_THIS_NETWORK = IPv4Network("0.0.0.0/8")
_PRIVATE = {4: (IPv4Network("10.0.0.0/8"), IPv4Network("172.16.0.0/12"), IPv4Network("192.168.0.0/16")),
            6: (IPv6Network("fc00::/7"),)}
_CARRIER_GRADE_NAT = IPv4Network("100.64.0.0/10")
_IPV4_COMPATIBLE = IPv6Network("::/96")
_NAT64 = (IPv6Network("64:ff9b::/96"), IPv6Network("64:ff9b:1::/48"))
# IPv4 as resolvers and browsers also read it: 1 to 4 parts, each decimal, octal (0...) or hex (0x...).
_LEGACY_IPV4 = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}\.?$", re.IGNORECASE)


class TargetNotAllowed(Exception):
    """The service will not send to this target; the message says why, for the admin."""


@dataclass(frozen=True)
class AllowList:
    """The operator's exceptions: host names (exact, any case) and networks (an address alone
    is a network of one)."""

    names: frozenset[str] = frozenset()
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> "AllowList":
        """ValueError naming the first entry that is neither a host name nor a network."""
        names, networks = set(), []
        for entry in (e.strip() for e in entries):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
                continue
            except ValueError:
                pass
            if not re.fullmatch(r"[A-Za-z0-9.-]+", entry):
                raise ValueError(f"{entry!r} is neither a host name nor an address or network (10.20.0.0/16)")
            names.add(_name(entry))
        return cls(frozenset(names), tuple(networks))

    def names_host(self, host: str) -> bool:
        return _name(host) in self.names

    def holds(self, address: Address) -> bool:
        forms = [a for a in (address, _carried_ipv4(address)) if a is not None]
        return any(a.version == n.version and a in n for a in forms for n in self.networks)


def literal_address(host: str) -> Address | None:
    """The address a URL's host is by itself, with no name to resolve: an IPv4 or IPv6
    literal, or IPv4 written as a resolver would still read it (2130706433, 0177.0.0.1,
    0x7f.1), which must not slip past as a "name"."""
    try:
        return ipaddress.ip_address(host.strip("[]").split("%")[0])
    except ValueError:
        pass
    if not _LEGACY_IPV4.match(host):
        return None
    try:
        *leading, last = [_ipv4_part(p) for p in host.rstrip(".").split(".")]
    except ValueError:  # an octal part with an 8 or 9: resolvers take it for a name too
        return None
    if any(p > 255 for p in leading) or last >= 256 ** (4 - len(leading)):
        return None
    return IPv4Address(sum(p << (8 * (3 - i)) for i, p in enumerate(leading)) + last)


def _ipv4_part(text: str) -> int:
    if text[:2].lower() == "0x":
        return int(text[2:] or "0", 16)
    return int(text, 8) if len(text) > 1 and text.startswith("0") else int(text)


def refusal(address: Address) -> str | None:
    """Why no webhook goes to `address` unless allow-listed (None: public unicast)."""
    carried = _carried_ipv4(address)
    if carried is not None:
        why = refusal(carried)
        return f"an IPv6 form of {carried}, {why}" if why else None
    metadata = " (a cloud metadata service)" if address in METADATA_ADDRESSES else ""
    if address.is_unspecified or (address.version == 4 and address in _THIS_NETWORK):
        return "the unspecified address ('this host')"
    if address.is_loopback:
        return "a loopback address (this machine)"
    if address.is_link_local:
        return "a link-local address" + metadata
    if any(address in network for network in _PRIVATE[address.version]):
        kind = "a private address (RFC 1918)" if address.version == 4 else "a unique-local address (RFC 4193)"
        return kind + metadata
    if address.version == 4 and address in _CARRIER_GRADE_NAT:
        return "in the shared address space of carrier-grade NAT (RFC 6598)" + metadata
    if address.is_multicast:
        return "a multicast address"
    if address.is_reserved or address.is_private or not address.is_global or (
            address.version == 6 and address.is_site_local):
        return "a reserved or special-purpose address"
    return None


def _carried_ipv4(address: Address) -> IPv4Address | None:
    if address.version == 4:
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if (address in _IPV4_COMPATIBLE and int(address) > 1) or any(address in n for n in _NAT64):  # not :: nor ::1
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def judge(scheme: str, host: str, addresses: Sequence[Address], allowed: AllowList) -> None:
    """Raise TargetNotAllowed unless a webhook may go to `host` at every one of `addresses`
    (all of them: the connection may use any) by `scheme`."""
    if not addresses:
        raise TargetNotAllowed(f"{host} does not resolve to any address.")
    named = allowed.names_host(host)
    literal = literal_address(host) is not None
    for address in addresses:
        why = None if named or allowed.holds(address) else refusal(address)
        if why:
            where = f"{host} is {why}" if literal else f"{host} resolves to {address}, {why}"
            raise TargetNotAllowed(
                f"Webhooks are not sent there: {where}. Only public addresses are allowed, unless the "
                "service's operator allow-lists the host (PATHWAYS_WEBHOOK_ALLOWED_HOSTS).")
    if scheme.lower() == "http" and not (named or all(allowed.holds(a) for a in addresses)):
        raise TargetNotAllowed(
            "Use https://: notifications are not sent unencrypted, except to a host the service's "
            "operator allow-lists (PATHWAYS_WEBHOOK_ALLOWED_HOSTS).")


def _name(host: str) -> str:
    return host.rstrip(".").lower()
