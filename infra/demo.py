"""The README's demo: start the local GameLift service and walk through it with boto3.

Until the game itself lands, the demo is the control-plane tour a GameLift
developer takes first: upload a build, create a fleet and watch it activate,
route through an alias, start a game session, reserve player sessions, and
read back what the service recorded. Every call is plain boto3 with an
``endpoint_url``; swap that for real AWS credentials and the same code runs
against Amazon GameLift.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import boto3
from botocore.config import Config

from infra.emulator.launcher import EmulatorProcess

GREEN, DIM, RESET = "\033[32m", "\033[2m", "\033[0m"


def step(text: str) -> None:
    print(f"{GREEN}==>{RESET} {text}", flush=True)


def detail(text: str) -> None:
    print(f"    {DIM}{text}{RESET}", flush=True)


def wait_for(describe, want: str, what: str, timeout: float = 60.0) -> str:
    """Poll until ``describe()`` returns ``want``, showing each status as it changes."""
    seen = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = describe()
        if status != seen:
            detail(f"{what}: {status}")
            seen = status
        if status == want:
            return status
        time.sleep(0.05)
    raise TimeoutError(f"{what} did not reach {want} in {timeout}s (last: {seen})")


def walkthrough(endpoint_url: str, workdir: Path) -> None:
    gl = boto3.client(
        "gamelift",
        endpoint_url=endpoint_url,
        region_name="us-west-2",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(retries={"max_attempts": 2}),
    )

    step("Upload a build (gamelift-local reads the files from a local path)")
    build_dir = workdir / "build"
    build_dir.mkdir(parents=True, exist_ok=True)
    (build_dir / "install.sh").write_text("#!/bin/sh\n")
    build = gl.create_build(
        Name="arena-server",
        Version="demo",
        OperatingSystem="AMAZON_LINUX_2023",
        StorageLocation={
            "Bucket": "gamelift-local",
            "Key": str(build_dir),
            "RoleArn": "arn:aws:iam::123456789012:role/demo",
        },
    )["Build"]
    detail(f"{build['BuildId']} {build['Status']} ({build['SizeOnDisk']} bytes)")

    step("Create a managed fleet running 4 server processes per instance")
    fleet = gl.create_fleet(
        Name="arena-fleet",
        BuildId=build["BuildId"],
        EC2InstanceType="c5.large",
        EC2InboundPermissions=[{"FromPort": 33430, "ToPort": 33630, "IpRange": "0.0.0.0/0", "Protocol": "TCP"}],
        RuntimeConfiguration={"ServerProcesses": [{"LaunchPath": "/local/game/server.sh", "ConcurrentExecutions": 4}]},
        NewGameSessionProtectionPolicy="NoProtection",
    )["FleetAttributes"]
    fleet_id = fleet["FleetId"]
    detail(f"{fleet_id} {fleet['Status']}")
    wait_for(
        lambda: gl.describe_fleet_attributes(FleetIds=[fleet_id])["FleetAttributes"][0]["Status"], "ACTIVE", "fleet"
    )

    step("Route players through an alias, as a backend should")
    alias = gl.create_alias(Name="arena-live", RoutingStrategy={"Type": "SIMPLE", "FleetId": fleet_id})["Alias"]
    detail(f"{alias['AliasId']} -> {gl.resolve_alias(AliasId=alias['AliasId'])['FleetId']}")

    step("Start a game session")
    session = gl.create_game_session(
        AliasId=alias["AliasId"],
        MaximumPlayerSessionCount=8,
        Name="demo-arena",
        GameProperties=[{"Key": "mode", "Value": "ffa"}],
    )["GameSession"]
    gs_id = session["GameSessionId"]
    detail(gs_id)
    wait_for(
        lambda: gl.describe_game_sessions(GameSessionId=gs_id)["GameSessions"][0]["Status"], "ACTIVE", "game session"
    )

    step("Find it the way a lobby would (SearchGameSessions)")
    found = gl.search_game_sessions(
        AliasId=alias["AliasId"],
        FilterExpression="hasAvailablePlayerSessions=true AND gameSessionProperties.mode = 'ffa'",
        SortExpression="creationTimeMillis ASC",
    )["GameSessions"]
    detail(f"{len(found)} open session(s): {[s['Name'] for s in found]}")

    step("Reserve seats for two players")
    players = gl.create_player_sessions(
        GameSessionId=gs_id,
        PlayerIds=["alice", "bob"],
        PlayerDataMap={"alice": "tier=premium", "bob": "tier=free"},
    )["PlayerSessions"]
    for ps in players:
        detail(f"{ps['PlayerId']}: {ps['PlayerSessionId']} {ps['Status']} -> connect to {ps['IpAddress']}:{ps['Port']}")

    step("What the service recorded")
    util = gl.describe_fleet_utilization(FleetIds=[fleet_id])["FleetUtilization"][0]
    detail(
        f"processes {util.get('ActiveServerProcessCount')}, game sessions {util.get('ActiveGameSessionCount')}, "
        f"players {util.get('CurrentPlayerSessionCount')}"
    )
    for event in gl.describe_fleet_events(FleetId=fleet_id)["Events"]:
        detail(f"event {event['EventCode']}: {event.get('Message', '')}")

    step("Done: the same calls work against Amazon GameLift without endpoint_url")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.demo", description=__doc__)
    parser.add_argument("--endpoint-url", help="use a running gamelift-local instead of starting one")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="gamelift-demo-"))
    if args.endpoint_url:
        walkthrough(args.endpoint_url, workdir)
        return 0
    step("Start gamelift-local (the local GameLift service)")
    emulator = EmulatorProcess(str(workdir / "state.db"), args=["--fleet-stage-seconds", "0.2"]).start()
    detail(f"listening on {emulator.url}; log at {emulator.log_path}")
    try:
        walkthrough(emulator.url, workdir)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
