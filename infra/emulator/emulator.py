"""The emulator's root object: the clock, the store, and the domain services.

Services are built in dependency order and find each other through this root
(``emu.fleets``, ``emu.game_sessions``...). Each service owns its in-memory
state, rebuilds it from the store at start-up (``load``), re-arms its timers
(``resume``) and forgets everything on a control-API reset (``reset``).
"""

from __future__ import annotations

import importlib
import logging
from typing import Any, Protocol

from infra.emulator.clock import ManualClock, Scheduler, SystemClock
from infra.emulator.config import EmulatorConfig
from infra.emulator.ids import Arns, IdFactory, RandomIds, SequentialIds
from infra.emulator.store import Store

log = logging.getLogger("gamelift_local")


class Service(Protocol):
    def load(self) -> None: ...

    def resume(self) -> None: ...

    def advance(self, seconds: float) -> int:
        """Move the manual clock, firing due timers; the new time is persisted."""
        fired = self.scheduler.advance(seconds)
        self.store.commit()
        self.store.set_meta("manual_clock", repr(self.clock.now()))
        return fired

    def reset(self) -> None: ...


# (attribute, module, class) in dependency order.
SERVICES: tuple[tuple[str, str, str], ...] = (
    ("events", "infra.emulator.events", "FleetEventLog"),
    ("tags", "infra.emulator.tags", "TagService"),
    ("builds", "infra.emulator.builds", "BuildService"),
    ("scripts", "infra.emulator.scripts", "ScriptService"),
    ("locations", "infra.emulator.locations", "LocationService"),
    ("fleets", "infra.emulator.fleets.service", "FleetService"),
    ("computes", "infra.emulator.computes", "ComputeService"),
    ("aliases", "infra.emulator.aliases", "AliasService"),
    ("game_sessions", "infra.emulator.sessions.game_sessions", "GameSessionService"),
    ("player_sessions", "infra.emulator.sessions.player_sessions", "PlayerSessionService"),
    ("scaling", "infra.emulator.fleets.autoscaler", "AutoScaler"),
)


class Emulator:
    """Everything a handler can reach."""

    def __init__(self, config: EmulatorConfig | None = None, *, deterministic_ids: bool = False) -> None:
        self.config = config or EmulatorConfig()
        self.store = Store(self.config.database)
        self.clock: SystemClock | ManualClock = SystemClock()
        if self.config.clock == "manual":
            # A manual clock resumes where it stopped, so a restart never moves time backwards.
            saved = self.store.get_meta("manual_clock")
            self.clock = ManualClock()
            if saved is not None:
                self.clock.set(float(saved))
        self.scheduler = Scheduler(self.clock, after_batch=self.store.commit)
        self.arns = Arns(self.config.region, self.config.account_id)
        self.ids = IdFactory(self.arns, SequentialIds() if deterministic_ids else RandomIds())
        self.services: dict[str, Service] = {}
        for attribute, module_name, class_name in SERVICES:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name != module_name:
                    raise
                continue
            service = getattr(module, class_name)(self)
            setattr(self, attribute, service)
            self.services[attribute] = service
        for service in self.services.values():
            service.load()

    def __getattr__(self, name: str) -> Any:
        # Only reached for a service that is not built (its module is missing).
        raise AttributeError(f"the emulator has no {name!r} service")

    def start(self) -> None:
        """Arm timers for the loaded state; call inside the running event loop."""
        self.scheduler.start()
        for service in self.services.values():
            service.resume()
        self.store.commit()

    async def stop(self) -> None:
        await self.scheduler.stop()
        for service in self.services.values():
            stop = getattr(service, "stop", None)
            if stop is not None:
                await stop()
        self.store.commit()

    def advance(self, seconds: float) -> int:
        """Move the manual clock, firing due timers; the new time is persisted."""
        fired = self.scheduler.advance(seconds)
        self.store.commit()
        self.store.set_meta("manual_clock", repr(self.clock.now()))
        return fired

    def reset(self) -> None:
        """Forget every resource (the control API's reset); timers are dropped too."""
        self.scheduler.clear()
        for service in self.services.values():
            service.reset()
        self.store.wipe()
        if self.clock.manual:
            self.store.set_meta("manual_clock", repr(self.clock.now()))

    def summary(self) -> dict[str, Any]:
        counts = {name: getattr(svc, "count", lambda: None)() for name, svc in self.services.items()}
        return {
            "region": self.config.region,
            "accountId": self.config.account_id,
            "clock": {"mode": "manual" if self.clock.manual else "system", "now": self.clock.now()},
            "pendingTimers": self.scheduler.pending(),
            "resources": {k: v for k, v in counts.items() if v is not None},
        }
