"""Builds: uploaded game server files that managed fleets install on instances.

The real service copies a build from S3. Locally, a ``StorageLocation`` whose
``Bucket`` is ``gamelift-local`` names a directory or a ``.zip`` on this
machine in ``Key``; the build is READY at once and fleets unpack it into their
instance directories. A build whose storage is any other bucket cannot be
fetched here: it becomes READY without files, and fleets created from it run
simulated server processes (useful for control-plane work, as with moto). A
build created with no storage waits in INITIALIZED for an upload, as in AWS.
"""

from __future__ import annotations

import enum
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infra.emulator.errors import InvalidRequestException, NotFoundException
from infra.emulator.tags import tags_from_request

if TYPE_CHECKING:
    from infra.emulator.emulator import Emulator

LOCAL_BUCKET = "gamelift-local"
KIND = "build"


class BuildStatus(enum.StrEnum):
    INITIALIZED = "INITIALIZED"
    READY = "READY"
    FAILED = "FAILED"


@dataclass
class Build:
    build_id: str
    build_arn: str
    creation_time: float
    name: str | None = None
    version: str | None = None
    status: BuildStatus = BuildStatus.INITIALIZED
    size_on_disk: int = 0
    operating_system: str = "AMAZON_LINUX_2023"
    server_sdk_version: str = "5.0.0"
    storage_location: dict[str, str] | None = None
    # Local path of the files, when the build has any.
    local_path: str | None = None
    tags: dict[str, str] = field(default_factory=dict)

    def to_api(self) -> dict[str, Any]:
        return {
            "BuildId": self.build_id,
            "BuildArn": self.build_arn,
            "Name": self.name,
            "Version": self.version,
            "Status": self.status,
            "SizeOnDisk": self.size_on_disk,
            "OperatingSystem": self.operating_system,
            "CreationTime": self.creation_time,
            "ServerSdkVersion": self.server_sdk_version,
        }


def local_files(storage: dict[str, Any] | None) -> Path | None:
    """The local path a ``gamelift-local`` storage location names, checked to exist."""
    if not storage or storage.get("Bucket") != LOCAL_BUCKET:
        return None
    path = Path(storage.get("Key", "")).expanduser()
    if not path.exists():
        raise InvalidRequestException(f"StorageLocation Key {str(path)!r} does not exist on the emulator's machine")
    if path.is_file() and not zipfile.is_zipfile(path):
        raise InvalidRequestException(f"StorageLocation Key {str(path)!r} is neither a directory nor a .zip file")
    return path.resolve()


def size_of(path: Path) -> int:
    if path.is_file():
        with zipfile.ZipFile(path) as archive:
            return sum(info.file_size for info in archive.infolist())
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += (Path(root) / name).stat().st_size
            except OSError:
                pass
    return total


class BuildService:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self._builds: dict[str, Build] = {}
        emulator.tags.register(self._resolve_arn)

    # -- lifecycle ---------------------------------------------------------------
    def load(self) -> None:
        self._builds = {
            b.build_id: b for b in sorted(self.emulator.store.load(KIND, Build), key=lambda b: b.creation_time)
        }

    def resume(self) -> None:
        pass

    def reset(self) -> None:
        self._builds.clear()

    def count(self) -> int:
        return len(self._builds)

    def _save(self, build: Build) -> None:
        self.emulator.store.put(KIND, build.build_id, build)

    def _resolve_arn(self, arn: str) -> tuple[Build, Any] | None:
        build = self._builds.get(arn.rsplit("/", 1)[-1]) if ":build/" in arn else None
        if build is None or build.build_arn != arn:
            return None
        return build, lambda: self._save(build)

    # -- operations --------------------------------------------------------------
    def get(self, build_id: str) -> Build:
        build = self._builds.get(build_id) or self._by_arn(build_id)
        if build is None:
            raise NotFoundException(f"Build {build_id} not found.")
        return build

    def _by_arn(self, value: str) -> Build | None:
        if value.startswith("arn:"):
            found = self._resolve_arn(value)
            return found[0] if found else None
        return None

    def create(self, params: dict[str, Any]) -> Build:
        storage = params.get("StorageLocation")
        path = local_files(storage)
        tags = tags_from_request(params.get("Tags"))
        build_id = self.emulator.ids.prefixed("build")
        build = Build(
            build_id=build_id,
            build_arn=self.emulator.arns.resource("build", build_id),
            creation_time=self.emulator.clock.now(),
            name=params.get("Name"),
            version=params.get("Version"),
            operating_system=params.get("OperatingSystem") or "AMAZON_LINUX_2023",
            server_sdk_version=params.get("ServerSdkVersion") or "5.0.0",
            storage_location=storage,
            tags=tags,
        )
        if storage:
            build.status = BuildStatus.READY
            if path is not None:
                build.local_path = str(path)
                build.size_on_disk = size_of(path)
        self._builds[build_id] = build
        self._save(build)
        return build

    def upload_location(self, build: Build) -> dict[str, str]:
        """Where a client would upload the build's files (a directory the emulator watches)."""
        target = Path(self.emulator.config.data_dir).resolve() / "uploads" / build.build_id
        return {
            "Bucket": LOCAL_BUCKET,
            "Key": str(target),
            "RoleArn": f"arn:aws:iam::{self.emulator.config.account_id}:role/gamelift-local-upload",
        }

    def upload_credentials(self, build: Build) -> dict[str, str]:
        # Nothing checks these locally; they are shaped like STS session credentials.
        return {
            "AccessKeyId": "ASIA" + self.emulator.ids.source.hex(16).upper(),
            "SecretAccessKey": self.emulator.ids.source.hex(40),
            "SessionToken": self.emulator.ids.source.hex(64),
        }

    def list(self, status: str | None) -> list[Build]:
        return [b for b in self._builds.values() if status is None or b.status == status]

    def update(self, build_id: str, name: str | None, version: str | None) -> Build:
        build = self.get(build_id)
        if name is not None:
            build.name = name
        if version is not None:
            build.version = version
        self._save(build)
        return build

    def delete(self, build_id: str) -> None:
        build = self.get(build_id)
        del self._builds[build.build_id]
        self.emulator.store.delete(KIND, build.build_id)
