"""Where a webhook may go (domain/webhook_targets.py, activities/webhook_targets.py): the
address rules, the operator's allow-list, and the request pinned to the address checked.
No name is resolved here: every resolver is a table in the test."""

from __future__ import annotations

from ipaddress import ip_address

import pytest

from activities.webhook_targets import TargetUnresolved, checked_target
from domain.webhook_targets import AllowList, TargetNotAllowed, judge, literal_address, refusal

NOWHERE = AllowList()
PUBLIC = "93.184.216.34"  # a public address; nothing here connects to it


def table(answers: dict[str, list[str]]):
    """A resolver answering from `answers`, and refusing any other name as unknown."""
    def resolve(host: str, port: int):
        if host not in answers:
            raise OSError(-2, "Name or service not known")
        return [ip_address(a) for a in answers[host]]
    return resolve


@pytest.mark.parametrize("address, why", [
    ("0.0.0.0", "unspecified"), ("::", "unspecified"),
    ("127.0.0.1", "loopback"), ("127.3.4.5", "loopback"), ("::1", "loopback"),
    ("169.254.169.254", "link-local address (a cloud metadata service)"), ("fe80::1", "link-local"),
    ("10.0.0.5", "private address (RFC 1918)"), ("172.31.255.1", "RFC 1918"), ("192.168.1.10", "RFC 1918"),
    ("fd00::1", "unique-local address (RFC 4193)"), ("fd00:ec2::254", "(a cloud metadata service)"),
    ("100.64.0.1", "carrier-grade NAT"), ("100.100.100.200", "carrier-grade NAT (RFC 6598) (a cloud metadata"),
    ("224.0.0.1", "multicast"), ("ff02::1", "multicast"),
    ("240.0.0.1", "reserved"), ("255.255.255.255", "reserved"), ("192.0.2.1", "reserved"),
    ("198.18.0.1", "reserved"), ("2001:db8::1", "reserved"), ("fec0::1", "reserved"),
    ("::ffff:127.0.0.1", "IPv6 form of 127.0.0.1, a loopback"), ("::ffff:169.254.169.254", "metadata"),
    ("64:ff9b::a00:1", "IPv6 form of 10.0.0.1, a private"), ("2002:c0a8:10a::", "IPv6 form of 192.168.1.10"),
])
def test_addresses_that_are_not_public_unicast_are_refused_with_the_reason(address, why):
    assert why in refusal(ip_address(address))


@pytest.mark.parametrize("address", [PUBLIC, "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"])
def test_public_unicast_addresses_are_allowed(address):
    assert refusal(ip_address(address)) is None


@pytest.mark.parametrize("host, address", [
    ("2130706433", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"), ("0x7f.1", "127.0.0.1"), ("127.1", "127.0.0.1"),
    ("0x7f000001", "127.0.0.1"), ("127.0.0.1.", "127.0.0.1"), ("0", "0.0.0.0"), ("[::1]", "::1"),
    ("0251.0376.0251.0376", "169.254.169.254"), ("2852039166", "169.254.169.254"),
])
def test_ipv4_in_the_forms_resolvers_still_read_is_an_address_not_a_name(host, address):
    assert literal_address(host) == ip_address(address)


@pytest.mark.parametrize("host", ["lcs.example.gov.uk", "1e100.net", "09.1.1.1", "256.1.1.1.1", "0x.example"])
def test_names_are_names(host):
    assert literal_address(host) is None


def test_every_address_a_name_resolves_to_is_judged():
    resolve = table({"hooks.la.example": [PUBLIC, "10.0.0.7"]})
    with pytest.raises(TargetNotAllowed, match=r"hooks.la.example resolves to 10.0.0.7, a private address"):
        checked_target("https://hooks.la.example/in", NOWHERE, resolve)


def test_plain_http_is_only_for_allow_listed_hosts():
    resolve = table({"hooks.la.example": [PUBLIC]})
    with pytest.raises(TargetNotAllowed, match=r"Use https://"):
        checked_target("http://hooks.la.example/in", NOWHERE, resolve)
    assert checked_target("https://hooks.la.example/in", NOWHERE, resolve).address == ip_address(PUBLIC)
    assert checked_target("http://hooks.la.example/in", AllowList.parse(["hooks.la.example"]), resolve)
    assert checked_target("http://hooks.la.example/in", AllowList.parse([f"{PUBLIC}/32"]), resolve)


def test_the_allow_list_names_hosts_and_networks():
    allowed = AllowList.parse(["127.0.0.1", "::1", "10.20.0.0/16", "Hooks.LA.internal."])
    resolve = table({"hooks.la.internal": ["10.99.0.1"], "elsewhere.la.internal": ["10.20.3.4", "10.21.0.1"]})
    assert checked_target("http://127.0.0.1:8080/hook", allowed, resolve).address == ip_address("127.0.0.1")
    assert checked_target("http://[::1]/hook", allowed, resolve).address == ip_address("::1")
    assert checked_target("https://10.20.0.5/", allowed, resolve)
    assert checked_target("https://[::ffff:10.20.0.5]/", allowed, resolve)
    assert checked_target("http://hooks.la.internal/", allowed, resolve)  # named: whatever it resolves to
    with pytest.raises(TargetNotAllowed, match="10.21.0.1"):  # one address outside the network
        checked_target("https://elsewhere.la.internal/", allowed, resolve)
    with pytest.raises(TargetNotAllowed, match="127.0.0.2 is a loopback"):
        checked_target("http://127.0.0.2/", allowed, resolve)
    with pytest.raises(ValueError, match="'http://x' is neither"):
        AllowList.parse(["http://x"])


def test_a_name_that_does_not_resolve_is_not_a_target():
    with pytest.raises(TargetUnresolved, match="nowhere.example does not resolve"):
        checked_target("https://nowhere.example/", NOWHERE, table({}))
    with pytest.raises(TargetNotAllowed, match="does not resolve to any address"):
        judge("https", "empty.example", [], NOWHERE)


def test_the_request_goes_to_the_checked_address_with_the_name_kept_for_host_and_tls():
    resolve = table({"hooks.la.example": [PUBLIC], "v6.la.example": ["2606:4700::1111"]})
    named = checked_target("https://Hooks.LA.example:8443/in/box?x=1", NOWHERE, resolve)
    assert named.pinned_url == f"https://{PUBLIC}:8443/in/box?x=1"
    assert named.host_header == "hooks.la.example:8443"
    assert named.extensions == {"sni_hostname": "hooks.la.example"}
    v6 = checked_target("https://v6.la.example", NOWHERE, resolve)
    assert (v6.pinned_url, v6.host_header) == ("https://[2606:4700::1111]:443/", "v6.la.example")
    literal = checked_target(f"https://{PUBLIC}/in", NOWHERE, resolve)
    assert (literal.pinned_url, literal.extensions) == (f"https://{PUBLIC}:443/in", {})
