"""Runtime configuration: which server processes each instance runs, checked as the real service checks it.

The model already checks shapes (at least one server process, positive
ConcurrentExecutions, launch path characters). What remains are the service's
own rules: at most 50 concurrent processes per instance, launch paths under the
install root of the build's operating system (``/local/game/`` on Linux,
``C:\\game\\`` on Windows), and the defaults DescribeRuntimeConfiguration shows.
"""

from __future__ import annotations

from typing import Any

from infra.emulator.errors import InvalidRequestException

MAX_PROCESSES_PER_INSTANCE = 50
LINUX_ROOT = "/local/game/"
WINDOWS_ROOT = "C:\\game\\"
# UNCONFIRMED: the values the service reports when a runtime configuration leaves them out.
DEFAULT_ACTIVATION_TIMEOUT_SECONDS = 300
DEFAULT_MAX_CONCURRENT_ACTIVATIONS = 2147483647

ProcessKey = tuple[str, str | None]


def is_windows(operating_system: str | None) -> bool:
    return bool(operating_system) and str(operating_system).upper().startswith("WINDOWS")


def check_launch_path(path: str, operating_system: str | None) -> None:
    """A launch path must name a file under the build's install root."""
    if is_windows(operating_system):
        if not path.lower().startswith(WINDOWS_ROOT.lower()) or len(path) <= len(WINDOWS_ROOT):
            raise InvalidRequestException(
                f"Invalid launch path {path!r}: on Windows, a launch path must be a file under {WINDOWS_ROOT}"
                " (for example C:\\game\\MyGame\\server.exe)"
            )
    elif not path.startswith(LINUX_ROOT) or len(path) <= len(LINUX_ROOT):
        raise InvalidRequestException(
            f"Invalid launch path {path!r}: on Linux, a launch path must be a file under {LINUX_ROOT}"
            " (for example /local/game/MyGame/server)"
        )


def normalise(config: dict[str, Any], operating_system: str | None, *, managed: bool = True) -> dict[str, Any]:
    """A checked copy of a RuntimeConfiguration with the service's defaults filled in.

    ``managed`` is False for Anywhere fleets: their processes run wherever the
    customer's computes keep their files, so launch paths are not constrained.
    """
    processes = [dict(p) for p in config.get("ServerProcesses") or []]
    if managed and not processes:
        raise InvalidRequestException("RuntimeConfiguration must contain at least one ServerProcesses entry")
    total = sum(int(p.get("ConcurrentExecutions", 1)) for p in processes)
    if total > MAX_PROCESSES_PER_INSTANCE:
        raise InvalidRequestException(
            f"RuntimeConfiguration requests {total} concurrent server processes; an instance can run at most "
            f"{MAX_PROCESSES_PER_INSTANCE} (the sum of ConcurrentExecutions must not exceed it)"
        )
    if managed:
        for process in processes:
            check_launch_path(process["LaunchPath"], operating_system)
    out: dict[str, Any] = {
        "ServerProcesses": [
            {k: p[k] for k in ("LaunchPath", "Parameters", "ConcurrentExecutions") if p.get(k) is not None}
            for p in processes
        ],
        "MaxConcurrentGameSessionActivations": config.get(
            "MaxConcurrentGameSessionActivations", DEFAULT_MAX_CONCURRENT_ACTIVATIONS
        ),
        "GameSessionActivationTimeoutSeconds": config.get(
            "GameSessionActivationTimeoutSeconds", DEFAULT_ACTIVATION_TIMEOUT_SECONDS
        ),
    }
    if not out["ServerProcesses"]:
        del out["ServerProcesses"]
    return out


def from_legacy(launch_path: str, parameters: str | None) -> dict[str, Any]:
    """The runtime configuration a fleet created with the old ServerLaunchPath member runs."""
    process: dict[str, Any] = {"LaunchPath": launch_path, "ConcurrentExecutions": 1}
    if parameters:
        process["Parameters"] = parameters
    return {"ServerProcesses": [process]}


def key_of(server_process: dict[str, Any]) -> ProcessKey:
    return (server_process["LaunchPath"], server_process.get("Parameters"))


def wanted(config: dict[str, Any] | None) -> dict[ProcessKey, int]:
    """How many processes of each (launch path, parameters) one instance should run (a plain dict: asked
    after every ended game session)."""
    counts: dict[ProcessKey, int] = {}
    for process in (config or {}).get("ServerProcesses") or []:
        key = (process["LaunchPath"], process.get("Parameters"))
        counts[key] = counts.get(key, 0) + int(process.get("ConcurrentExecutions", 1))
    return counts


def per_instance(config: dict[str, Any] | None) -> int:
    return sum(wanted(config).values())
