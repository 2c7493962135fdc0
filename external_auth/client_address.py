"""Who is the client: the peer address, unless a proxy we trust says otherwise.

Login throttling counts failures per client address, so the address must be one the client
cannot choose. The peer address of the TCP connection is such an address. ``X-Forwarded-For`` is
not: anyone can send it, with any value, so it is ignored unless ``EXTERNAL_AUTH_TRUSTED_PROXIES``
names the proxies in front of this service. Behind a proxy, though, every peer is the proxy, and
all players would share one address's failure budget: that is when to configure it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str) -> tuple[Network, ...]:
    """``10.0.0.0/8,192.0.2.7`` (addresses or CIDR blocks, comma-separated) into networks."""
    networks: list[Network] = []
    for item in filter(None, (p.strip() for p in text.split(","))):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"trusted proxy {item!r} is not an IP address or network") from None
    return tuple(networks)


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped  # a dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d
    return ip


def client_address(peer: str | None, forwarded_for: str, trusted: Sequence[Network]) -> str:
    """The client's address, given the connection's peer and the joined ``X-Forwarded-For`` values.

    Each proxy appends the address it got the request from, so the header is read from the right:
    the first address that is not one of our proxies is the client. Everything left of it was
    written by the client (or by proxies we know nothing about) and may be made up. A hop that is
    not an address stops the walk at the last proxy we trust: throttling per proxy is coarse, but
    it is never steered by the client.
    """
    peer_ip = _ip(peer or "")
    if peer_ip is None:
        return peer or "unknown"
    address = peer_ip
    if not forwarded_for or not any(address in net for net in trusted):
        return str(address)
    for hop in reversed(forwarded_for.split(",")):
        hop_ip = _ip(hop)
        if hop_ip is None:
            break
        address = hop_ip
        if not any(address in net for net in trusted):
            break
    return str(address)
