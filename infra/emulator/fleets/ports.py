"""Inbound permissions and the ports server processes listen on.

A fleet's EC2InboundPermissions say which ports players may reach; the
emulator hands each server process one of those ports, never one that another
live process in the same scope holds. The scope is the instance for simulated
processes (as on real instances, each has its own ports); real OS processes
that share this machine can pass a machine-wide scope instead.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from infra.emulator.errors import InvalidRequestException

# The range the architecture gives game servers when a fleet opened no ports
# (UNCONFIRMED: the real service starts such a fleet with no open ports at all).
DEFAULT_PORT_RANGE = (33430, 33630)

PermissionKey = tuple[int, int, str, str]


def _key(permission: dict[str, Any]) -> PermissionKey:
    return (
        int(permission["FromPort"]),
        int(permission["ToPort"]),
        str(permission["IpRange"]),
        str(permission["Protocol"]),
    )


def check_permissions(permissions: Iterable[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Checked, de-duplicated copies of IpPermission structures."""
    out: list[dict[str, Any]] = []
    seen: set[PermissionKey] = set()
    for permission in permissions or []:
        from_port, to_port, ip_range, protocol = _key(permission)
        if from_port > to_port:
            raise InvalidRequestException(f"Invalid port range {from_port}-{to_port}: FromPort must not exceed ToPort")
        try:
            ipaddress.ip_network(ip_range, strict=False)
        except ValueError:
            raise InvalidRequestException(
                f"Invalid IpRange {ip_range!r}: expected a CIDR block such as 0.0.0.0/0"
            ) from None
        key = (from_port, to_port, ip_range, protocol)
        if key not in seen:
            seen.add(key)
            out.append({"FromPort": from_port, "ToPort": to_port, "IpRange": ip_range, "Protocol": protocol})
    return out


def apply_update(
    current: list[dict[str, Any]], authorize: list[dict[str, Any]] | None, revoke: list[dict[str, Any]] | None
) -> list[dict[str, Any]]:
    """The permissions after UpdateFleetPortSettings; a revocation must match an existing permission."""
    existing = {_key(p): p for p in current}
    for permission in check_permissions(revoke):
        if _key(permission) not in existing:
            raise InvalidRequestException(
                "InboundPermissionRevocations must match existing fleet permissions; no permission "
                f"{permission['Protocol']} {permission['FromPort']}-{permission['ToPort']} from {permission['IpRange']}"
            )
        del existing[_key(permission)]
    for permission in check_permissions(authorize):
        existing.setdefault(_key(permission), permission)
    if len(existing) > 50:
        raise InvalidRequestException("A fleet can have at most 50 inbound permissions")
    return list(existing.values())


def port_ranges(permissions: Iterable[dict[str, Any]]) -> list[tuple[int, int]]:
    """The port ranges processes may use, merged and sorted; the default range if none are open."""
    spans = sorted({(int(p["FromPort"]), int(p["ToPort"])) for p in permissions})
    merged: list[tuple[int, int]] = []
    for low, high in spans:
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged or [DEFAULT_PORT_RANGE]


class PortAllocator:
    """Which ports are held, per scope; the lowest free port in range goes to the next process.

    A fleet allocates a port for every process it starts, usually right after
    releasing one, so each scope remembers, for the ranges it was last asked
    about, a floor below which every port in range is held: a scan starts
    there instead of walking the held ports from the bottom each time.
    """

    def __init__(self) -> None:
        self._held: dict[str, set[int]] = {}
        # scope -> (the ranges of its last allocation, the floor for them)
        self._floors: dict[str, tuple[tuple[tuple[int, int], ...], int]] = {}

    def allocate(self, scope: str, ranges: list[tuple[int, int]]) -> int | None:
        held = self._held.get(scope)
        if held is None:
            held = self._held[scope] = set()
        key = tuple(ranges)
        known = self._floors.get(scope)
        floor = known[1] if known is not None and known[0] == key else 0
        for low, high in ranges:
            for port in range(max(low, floor), high + 1):
                if port not in held:
                    held.add(port)
                    self._floors[scope] = (key, port + 1)
                    return port
        self._floors[scope] = (key, max((high + 1 for _low, high in ranges), default=0))
        return None

    def hold(self, scope: str, port: int) -> None:
        self._held.setdefault(scope, set()).add(port)

    def release(self, scope: str, port: int | None) -> None:
        if port is None:
            return
        held = self._held.get(scope)
        if held is not None:
            held.discard(port)
            if not held:
                del self._held[scope]
        known = self._floors.get(scope)
        if known is not None and port < known[1]:
            self._floors[scope] = (known[0], port)

    def held(self, scope: str) -> frozenset[int]:
        return frozenset(self._held.get(scope, ()))

    def clear(self) -> None:
        self._held.clear()
        self._floors.clear()
