"""Run the backend with everything behind it on this machine: for tests, benchmarks and demos.

``LocalStack`` starts gamelift-local (system clock), makes a managed fleet of simulated server
processes with an alias in front, and starts external_auth and the backend as real processes on
127.0.0.1, each on a free port (port 0, read back from a ``--ready-file``). The service secret
that lets the backend read subscriptions is made fresh per stack and passed through the
environment, never on a command line.
"""

from __future__ import annotations

import json
import secrets
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.emulator.launcher import EmulatorProcess
from infra.stack.process import ServiceProcess, ServiceStartError

ROLE_ARN = "arn:aws:iam::123456789012:role/gamelift-local"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def external_auth_process(
    database: str,
    *,
    service_keys: dict[str, str],
    admin_keys: dict[str, str] | None = None,
    args: list[str] | None = None,
    workdir: Path | None = None,
) -> ServiceProcess:
    env = {
        "EXTERNAL_AUTH_SERVICE_KEYS": ",".join(f"{k}:{v}" for k, v in service_keys.items()),
        "EXTERNAL_AUTH_ADMIN_KEYS": ",".join(f"{k}:{v}" for k, v in (admin_keys or {}).items()),
    }
    return ServiceProcess("external_auth", ["serve", "--database", database, *(args or [])], env, workdir)


def backend_process(
    database: str,
    *,
    auth_url: str,
    service_secret: str,
    gamelift_endpoint_url: str,
    alias_id: str,
    args: list[str] | None = None,
    workdir: Path | None = None,
) -> ServiceProcess:
    env = {"BACKEND_SERVICE_SECRET": service_secret}
    cmd = [
        "--database",
        database,
        "--auth-url",
        auth_url,
        "--gamelift-endpoint-url",
        gamelift_endpoint_url,
        "--alias-id",
        alias_id,
        *(args or []),
    ]
    return ServiceProcess("backend", cmd, env, workdir)


def gamelift_client(endpoint_url: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "gamelift",
        endpoint_url=endpoint_url,
        region_name="us-west-2",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(retries={"max_attempts": 2}, max_pool_connections=32),
    )


@dataclass(frozen=True)
class Fleet:
    fleet_id: str
    alias_id: str


def managed_fleet(
    gl: Any, *, processes: int = 10, instances: int = 1, timeout: float = 60.0, build_dir: Path | None = None
) -> Fleet:
    """A managed fleet of simulated server processes (a build with local files), ACTIVE, behind an alias."""
    root = build_dir or Path(tempfile.mkdtemp(prefix="gamelift-build-"))
    root.mkdir(parents=True, exist_ok=True)
    (root / "server").write_text("#!/bin/sh\n")
    build_id = gl.create_build(
        Name="reference-server",
        OperatingSystem="AMAZON_LINUX_2023",
        StorageLocation={"Bucket": "gamelift-local", "Key": str(root), "RoleArn": ROLE_ARN},
    )["Build"]["BuildId"]
    fleet_id = gl.create_fleet(
        Name="reference-fleet",
        BuildId=build_id,
        EC2InstanceType="c5.large",
        EC2InboundPermissions=[{"FromPort": 33430, "ToPort": 33630, "IpRange": "0.0.0.0/0", "Protocol": "TCP"}],
        RuntimeConfiguration={
            "ServerProcesses": [{"LaunchPath": "/local/game/server", "ConcurrentExecutions": processes}]
        },
    )["FleetAttributes"]["FleetId"]
    deadline = time.monotonic() + timeout
    while gl.describe_fleet_attributes(FleetIds=[fleet_id])["FleetAttributes"][0]["Status"] != "ACTIVE":
        if time.monotonic() > deadline:
            raise ServiceStartError(f"fleet {fleet_id} did not become ACTIVE in {timeout}s")
        time.sleep(0.02)
    if instances > 1:
        gl.update_fleet_capacity(FleetId=fleet_id, DesiredInstances=instances, MaxSize=instances)
    want = processes * instances
    while True:
        util = gl.describe_fleet_utilization(FleetIds=[fleet_id])["FleetUtilization"][0]
        if util.get("ActiveServerProcessCount", 0) >= want:
            break
        if time.monotonic() > deadline:
            raise ServiceStartError(f"fleet {fleet_id} has {util.get('ActiveServerProcessCount')} of {want} processes")
        time.sleep(0.02)
    alias_id = gl.create_alias(Name="reference-live", RoutingStrategy={"Type": "SIMPLE", "FleetId": fleet_id})[
        "Alias"
    ]["AliasId"]
    return Fleet(fleet_id, alias_id)


def server_fleet(
    gl: Any,
    build_dir: Path,
    *,
    processes: int = 2,
    parameters: str = "--log-level INFO",
    timeout: float = 60.0,
    on_status: Any = None,
) -> Fleet:
    """A managed fleet running the real game server (a build laid out by ``server.build``), behind an alias.

    Returns once the fleet is ACTIVE and ``processes`` server processes have called ProcessReady.
    ``on_status(text)`` hears each fleet status and process count as it changes (for a progress line).
    """
    build_id = gl.create_build(
        Name="arena-server",
        OperatingSystem="AMAZON_LINUX_2023",
        StorageLocation={"Bucket": "gamelift-local", "Key": str(build_dir), "RoleArn": ROLE_ARN},
    )["Build"]["BuildId"]
    fleet_id = gl.create_fleet(
        Name="arena-fleet",
        BuildId=build_id,
        EC2InstanceType="c5.large",
        EC2InboundPermissions=[{"FromPort": 33430, "ToPort": 33630, "IpRange": "0.0.0.0/0", "Protocol": "TCP"}],
        RuntimeConfiguration={
            "ServerProcesses": [
                {"LaunchPath": "/local/game/run-server.sh", "Parameters": parameters, "ConcurrentExecutions": processes}
            ]
        },
    )["FleetAttributes"]["FleetId"]
    deadline = time.monotonic() + timeout
    seen = None
    while True:
        status = gl.describe_fleet_attributes(FleetIds=[fleet_id])["FleetAttributes"][0]["Status"]
        ready = gl.describe_fleet_utilization(FleetIds=[fleet_id])["FleetUtilization"][0].get(
            "ActiveServerProcessCount", 0
        )
        if on_status is not None and (status, ready) != seen:
            on_status(f"fleet {status}, {ready}/{processes} server processes ready")
            seen = (status, ready)
        if status == "ACTIVE" and ready >= processes:
            break
        if status == "ERROR" or time.monotonic() > deadline:
            raise ServiceStartError(f"fleet {fleet_id} is {status} with {ready}/{processes} processes ready")
        time.sleep(0.05)
    alias_id = gl.create_alias(Name="arena-live", RoutingStrategy={"Type": "SIMPLE", "FleetId": fleet_id})["Alias"][
        "AliasId"
    ]
    return Fleet(fleet_id, alias_id)


def http_json(
    method: str, url: str, body: Any = None, token: str | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], Any]:
    """One JSON request with the standard library: (status, headers, parsed body or raw text)."""
    data = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, raw, got = response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        status, raw, got = exc.code, exc.read(), dict(exc.headers)
    try:
        return status, got, json.loads(raw) if raw else None
    except ValueError:
        return status, got, raw.decode(errors="replace")


@dataclass
class LocalStack:
    """gamelift-local + a fleet behind an alias + external_auth + the backend, all on 127.0.0.1."""

    processes: int = 10
    instances: int = 1
    backend_args: list[str] = field(default_factory=list)
    auth_args: list[str] = field(default_factory=list)
    emulator_args: list[str] = field(default_factory=list)
    emulator_env: dict[str, str] = field(default_factory=dict)
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="local-stack-")))
    service_secret: str = field(default_factory=new_secret)
    admin_secret: str = field(default_factory=new_secret)
    emulator: EmulatorProcess | None = None
    fleet: Fleet | None = None
    auth: ServiceProcess | None = None
    backend: ServiceProcess | None = None

    def start(self) -> LocalStack:
        try:
            self.emulator = EmulatorProcess(
                str(self.workdir / "gamelift.db"),
                args=["--clock", "system", "--fleet-stage-seconds", "0.02", "--log-level", "WARNING",
                      *self.emulator_args],
                env=self.emulator_env,
            ).start()
            self.fleet = managed_fleet(
                gamelift_client(self.emulator.url),
                processes=self.processes,
                instances=self.instances,
                build_dir=self.workdir / "build",
            )
            self.auth = self.start_auth()
            self.backend = self.start_backend()
        except BaseException:
            self.stop()
            raise
        return self

    def start_auth(self) -> ServiceProcess:
        self.auth = external_auth_process(
            str(self.workdir / "auth.db"),
            service_keys={"backend": self.service_secret},
            admin_keys={"ops": self.admin_secret},
            args=self.auth_args,
            workdir=self.workdir,
        ).start()
        return self.auth

    def start_backend(self) -> ServiceProcess:
        assert self.emulator is not None and self.fleet is not None and self.auth is not None
        self.backend = backend_process(
            str(self.workdir / "backend.db"),
            auth_url=self.auth.url,
            service_secret=self.service_secret,
            gamelift_endpoint_url=self.emulator.url,
            alias_id=self.fleet.alias_id,
            args=self.backend_args,
            workdir=self.workdir,
        ).start()
        return self.backend

    def gamelift(self) -> Any:
        assert self.emulator is not None
        return gamelift_client(self.emulator.url)

    def stop(self) -> None:
        for service in (self.backend, self.auth):
            if service is not None:
                service.stop()
        if self.emulator is not None:
            self.emulator.stop()

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- a player's calls --------------------------------------------------------------------
    def sign_up(self, username: str, password: str = "correct horse battery") -> dict[str, Any]:
        assert self.auth is not None
        credentials = {"username": username, "password": password}
        status, _, body = http_json("POST", f"{self.auth.url}/v1/accounts", credentials)
        if status != 201:
            raise AssertionError(f"sign-up failed: {status} {body}")
        return body

    def login(self, username: str, password: str = "correct horse battery") -> str:
        assert self.auth is not None
        status, _, body = http_json("POST", f"{self.auth.url}/v1/login", {"username": username, "password": password})
        if status != 200:
            raise AssertionError(f"login failed: {status} {body}")
        return body["accessToken"]

    def player(self, username: str, premium: bool = False) -> str:
        """Sign up, optionally buy premium, log in: the player's token."""
        self.sign_up(username)
        token = self.login(username)
        if premium:
            assert self.auth is not None
            status, _, body = http_json("POST", f"{self.auth.url}/v1/subscription", {"plan": "premium", "days": 30},
                                        token=token)
            if status != 200:
                raise AssertionError(f"purchase failed: {status} {body}")
            token = self.login(username)
        return token

    def call(self, method: str, path: str, body: Any = None, token: str | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:
        assert self.backend is not None
        return http_json(method, self.backend.url + path, body, token, headers)
