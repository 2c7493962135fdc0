"""Which address login throttling counts: the peer, or what our own proxies say, never what the client says."""

from __future__ import annotations

import pytest

from external_auth.client_address import client_address, parse_networks

PROXIES = parse_networks("10.0.0.0/8, 192.0.2.1")


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "trusted", "client"),
    [
        ("203.0.113.9", "", (), "203.0.113.9"),
        ("203.0.113.9", "198.51.100.1", (), "203.0.113.9"),  # no trusted proxies: the header is ignored
        ("203.0.113.9", "198.51.100.1", PROXIES, "203.0.113.9"),  # the peer is not our proxy
        ("10.1.2.3", "198.51.100.1", PROXIES, "198.51.100.1"),
        ("10.1.2.3", "6.6.6.6, 198.51.100.1", PROXIES, "198.51.100.1"),  # the client wrote 6.6.6.6
        ("10.1.2.3", "198.51.100.1, 192.0.2.1", PROXIES, "198.51.100.1"),  # two proxies of ours
        ("10.1.2.3", "garbage, 198.51.100.1", PROXIES, "198.51.100.1"),
        ("10.1.2.3", "198.51.100.1, unknown", PROXIES, "10.1.2.3"),  # a hop is not an address: stop at our proxy
        ("10.1.2.3", "10.9.9.9", PROXIES, "10.9.9.9"),  # only proxies of ours: the farthest one
        ("10.1.2.3", "", PROXIES, "10.1.2.3"),
        ("::ffff:10.1.2.3", "198.51.100.1", PROXIES, "198.51.100.1"),  # dual-stack sockets map IPv4 peers
        ("::ffff:203.0.113.9", "", (), "203.0.113.9"),
        ("10.1.2.3", " 2001:db8::1 ", PROXIES, "2001:db8::1"),
        (None, "198.51.100.1", PROXIES, "unknown"),
    ],
)
def test_client_address(peer: str | None, forwarded_for: str, trusted: tuple, client: str) -> None:
    assert client_address(peer, forwarded_for, trusted) == client


def test_trusted_proxies_parse_addresses_and_networks() -> None:
    assert [str(n) for n in parse_networks(" 10.0.0.0/8,192.0.2.1 ,, 2001:db8::/32")] == [
        "10.0.0.0/8",
        "192.0.2.1/32",
        "2001:db8::/32",
    ]
    assert parse_networks("") == ()
    with pytest.raises(ValueError, match="not an IP address"):
        parse_networks("10.0.0.0/8,proxy.internal")
