"""The README's demo: the whole stack on one machine, then a game.

It starts gamelift-local (the local GameLift service) with a managed fleet whose server processes are
the real game server (``server/``, laid out as a GameLift build by ``server.build``), the external
subscription service and the backend. Then, with a display, it opens the pygame client; without one
(or with ``--bots``) a few bots sign up, quick-play into the same game session and play a round, and
the demo prints what GameLift recorded. Ctrl-C stops everything and leaves nothing running.

``--control-plane`` runs the older boto3-only walkthrough instead (builds, fleets, aliases, sessions).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from infra.emulator.launcher import EmulatorProcess
from infra.stack.local import LocalStack, server_fleet

GREEN, DIM, RESET = "\033[32m", "\033[2m", "\033[0m"


def step(text: str) -> None:
    print(f"{GREEN}==>{RESET} {text}", flush=True)


def detail(text: str) -> None:
    print(f"    {DIM}{text}{RESET}", flush=True)


def has_display() -> bool:
    if os.environ.get("SDL_VIDEODRIVER") in ("dummy", "offscreen"):
        return False
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) or sys.platform in ("darwin", "win32")


def run_game(args: argparse.Namespace, workdir: Path) -> int:
    from server.build import build

    step("Lay out the game server as a GameLift build (python -m server.build)")
    build_dir = build(workdir / "build")
    detail(f"{build_dir}: run-server.sh, server/, sdk/")

    stack = LocalStack(
        workdir=workdir,
        backend_args=["--session-properties", f"roundSeconds={args.round_seconds},rounds=1,resultsSeconds=3"],
    )
    try:
        step("Start gamelift-local, the local GameLift service")
        stack.emulator = EmulatorProcess(
            str(workdir / "gamelift.db"), args=["--fleet-stage-seconds", "0.2", "--log-level", "WARNING"]
        ).start()
        detail(f"{stack.emulator.url} (boto3: endpoint_url={stack.emulator.url!r})")

        step(f"Create a managed fleet running {args.processes} game server processes, behind an alias")
        gl = stack.gamelift()
        stack.fleet = server_fleet(gl, build_dir, processes=args.processes, on_status=detail)
        detail(f"{stack.fleet.fleet_id} behind {stack.fleet.alias_id}")

        step("Start the external subscription service and the backend")
        stack.start_auth()
        stack.start_backend()
        assert stack.auth is not None and stack.backend is not None
        detail(f"external_auth {stack.auth.url}   backend {stack.backend.url}")

        client = [sys.executable, "-m", "client", "--backend-url", stack.backend.url, "--auth-url", stack.auth.url]
        if args.bots == 0 and has_display():
            step("Open the game client (sign up, then Quick play; close the window to stop)")
            code = subprocess.call(client)
        else:
            bots = args.bots or 3
            step(f"No display: {bots} bots sign up, quick-play and play a {args.round_seconds}-second round")
            code = subprocess.call([*client, "--bots", str(bots), "--rounds", "1", "--bot-prefix", "demo"])
        report(gl, stack.fleet.fleet_id)
        return code
    finally:
        step("Stop everything")
        stack.stop()


def report(gl: Any, fleet_id: str) -> None:
    step("What GameLift recorded")
    for session in gl.describe_game_sessions(FleetId=fleet_id)["GameSessions"]:
        detail(
            f"game session {session['Name'] or session['GameSessionId'][-12:]}: {session['Status']} "
            f"{session.get('StatusReason', '')} players {session['CurrentPlayerSessionCount']}"
        )
        players = gl.describe_player_sessions(GameSessionId=session["GameSessionId"])["PlayerSessions"]
        for ps in players:
            detail(f"  {ps['PlayerId'][:24]:24} {ps['Status']:10} {ps.get('PlayerData', '')[:60]}")
    events = gl.describe_fleet_events(FleetId=fleet_id)["Events"]
    for event in reversed(events[:12]):
        detail(f"event {event['EventCode']}: {event.get('Message', '')[:90]}")


def walkthrough(endpoint_url: str, workdir: Path) -> None:
    """The control-plane tour: plain boto3 with an endpoint_url, as against Amazon GameLift."""
    gl = boto3.client(
        "gamelift",
        endpoint_url=endpoint_url,
        region_name="us-west-2",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(retries={"max_attempts": 2}),
    )
    step("Upload a build (gamelift-local reads the files from a local path)")
    build_dir = workdir / "walkthrough-build"
    build_dir.mkdir(parents=True, exist_ok=True)
    (build_dir / "install.sh").write_text("#!/bin/sh\n")
    build = gl.create_build(
        Name="arena-server",
        Version="demo",
        OperatingSystem="AMAZON_LINUX_2023",
        StorageLocation={"Bucket": "gamelift-local", "Key": str(build_dir), "RoleArn": "arn:aws:iam::1:role/demo"},
    )["Build"]
    detail(f"{build['BuildId']} {build['Status']}")
    step("Create a fleet (simulated server processes: this build has no server in it)")
    fleet_id = gl.create_fleet(
        Name="walkthrough-fleet",
        BuildId=build["BuildId"],
        EC2InstanceType="c5.large",
        RuntimeConfiguration={"ServerProcesses": [{"LaunchPath": "/local/game/server", "ConcurrentExecutions": 4}]},
    )["FleetAttributes"]["FleetId"]
    seen = None
    while (status := gl.describe_fleet_attributes(FleetIds=[fleet_id])["FleetAttributes"][0]["Status"]) != "ACTIVE":
        if status != seen:
            detail(f"fleet: {status}")
            seen = status
        time.sleep(0.05)
    detail("fleet: ACTIVE")
    alias = gl.create_alias(Name="walkthrough", RoutingStrategy={"Type": "SIMPLE", "FleetId": fleet_id})["Alias"]
    step("Start a game session through the alias and reserve two seats")
    session = gl.create_game_session(AliasId=alias["AliasId"], MaximumPlayerSessionCount=8, Name="walkthrough")
    gs_id = session["GameSession"]["GameSessionId"]
    while gl.describe_game_sessions(GameSessionId=gs_id)["GameSessions"][0]["Status"] != "ACTIVE":
        time.sleep(0.05)
    for ps in gl.create_player_sessions(GameSessionId=gs_id, PlayerIds=["alice", "bob"])["PlayerSessions"]:
        detail(f"{ps['PlayerId']}: {ps['PlayerSessionId']} -> {ps['IpAddress']}:{ps['Port']}")
    found = gl.search_game_sessions(AliasId=alias["AliasId"], FilterExpression="hasAvailablePlayerSessions=true")
    detail(f"SearchGameSessions: {len(found['GameSessions'])} open session(s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.demo", description=__doc__)
    parser.add_argument("--bots", type=int, default=0, help="run N bots instead of the window (default: 3 headless)")
    parser.add_argument("--processes", type=int, default=2, help="game server processes in the fleet")
    parser.add_argument("--round-seconds", type=int, default=30, help="length of the demo's round")
    parser.add_argument("--control-plane", action="store_true", help="only the boto3 walkthrough of the emulator")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="gamelift-demo-"))
    try:
        if args.control_plane:
            emulator = EmulatorProcess(str(workdir / "state.db"), args=["--fleet-stage-seconds", "0.2"]).start()
            try:
                walkthrough(emulator.url, workdir)
            finally:
                emulator.stop()
            return 0
        return run_game(args, workdir)
    except KeyboardInterrupt:
        print("\ninterrupted: everything was stopped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
