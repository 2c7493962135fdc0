"""Fleet events: the log DescribeFleetEvents reads.

Every service that changes a fleet (status progression, scaling, processes
crashing, location changes) writes here with the real ``EventCode`` values, so
a user debugging a fleet on the emulator sees the same trail the GameLift
console shows. Events are persisted with the fleet and forgotten with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from infra.emulator.emulator import Emulator

KIND = "fleet_event"


@dataclass
class FleetEvent:
    event_id: str
    resource_id: str
    code: str
    message: str
    time: float
    # Orders events recorded at the same instant (a manual clock makes that common).
    seq: int = 0
    log_url: str | None = None

    def to_api(self) -> dict[str, Any]:
        return {
            "EventId": self.event_id,
            "ResourceId": self.resource_id,
            "EventCode": self.code,
            "Message": self.message,
            "EventTime": self.time,
            "PreSignedLogUrl": self.log_url,
        }


class FleetEventLog:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self._by_resource: dict[str, list[FleetEvent]] = {}
        self._seq = 0

    # -- lifecycle ---------------------------------------------------------------
    def load(self) -> None:
        self._by_resource.clear()
        events = sorted(self.emulator.store.load(KIND, FleetEvent), key=lambda e: (e.time, e.seq))
        for event in events:
            self._by_resource.setdefault(event.resource_id, []).append(event)
        self._seq = max((e.seq for e in events), default=0)

    def resume(self) -> None:
        pass

    def reset(self) -> None:
        self._by_resource.clear()
        self._seq = 0

    def count(self) -> int:
        return sum(len(events) for events in self._by_resource.values())

    # -- writes ----------------------------------------------------------------------
    def record(self, resource_id: str, code: str, message: str, log_url: str | None = None) -> None:
        self._seq += 1
        event = FleetEvent(
            event_id=self.emulator.ids.source.uuid(),
            resource_id=resource_id,
            code=str(code),
            message=message,
            time=self.emulator.clock.now(),
            seq=self._seq,
            log_url=log_url,
        )
        self._by_resource.setdefault(resource_id, []).append(event)
        self.emulator.store.put(KIND, event.event_id, event)

    def forget(self, resource_id: str) -> None:
        """Drop a resource's events (its fleet no longer exists anywhere)."""
        for event in self._by_resource.pop(resource_id, []):
            self.emulator.store.delete(KIND, event.event_id)

    # -- reads -------------------------------------------------------------------------
    def query(self, resource_id: str, start: float | None = None, end: float | None = None) -> list[FleetEvent]:
        """Events of one resource in [start, end], newest first, as the real service lists them."""
        found = [
            e
            for e in self._by_resource.get(resource_id, [])
            if (start is None or e.time >= start) and (end is None or e.time <= end)
        ]
        found.sort(key=lambda e: (e.time, e.seq), reverse=True)
        return found

    def codes(self, resource_id: str) -> list[str]:
        """Event codes of a resource, oldest first (for logs and tests)."""
        return [e.code for e in sorted(self._by_resource.get(resource_id, []), key=lambda e: (e.time, e.seq))]
