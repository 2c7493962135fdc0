"""Realtime scripts: the zipped JavaScript (here, the Python realtime script) that script fleets run.

As with builds, a ``StorageLocation`` whose ``Bucket`` is ``gamelift-local``
names a directory or a ``.zip`` on this machine; any other bucket is accepted
but cannot be fetched, so the script has no local files (SizeOnDisk stays 0, as
the real service reports for S3 scripts). A ``ZipFile`` upload is kept under
``<data_dir>/scripts/<script-id>.zip`` and the record's storage location points
there: the real service likewise answers with an S3 location of its own
(``prod-gamescale-scripts-<region>``) for uploaded zips. Scripts have no status:
a script record is usable as soon as it exists.
"""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infra.emulator.builds import LOCAL_BUCKET, local_files, size_of
from infra.emulator.errors import InvalidRequestException, NotFoundException
from infra.emulator.tags import tags_from_request

if TYPE_CHECKING:
    from infra.emulator.emulator import Emulator

KIND = "script"
# The model documents exactly these runtimes; 10.x is the default and the
# value cannot be changed after creation.
NODE_JS_VERSIONS = ("10.x", "24.x")
DEFAULT_NODE_JS_VERSION = "10.x"


@dataclass
class Script:
    script_id: str
    script_arn: str
    creation_time: float
    name: str | None = None
    version: str | None = None
    size_on_disk: int = 0
    storage_location: dict[str, str] | None = None
    node_js_version: str = DEFAULT_NODE_JS_VERSION
    # Local path of the script's files (a directory or a .zip), when it has any.
    local_path: str | None = None
    # True when local_path is a zip the emulator stored from a ZipFile upload
    # (and so deletes with the script).
    uploaded: bool = False
    tags: dict[str, str] = field(default_factory=dict)

    def to_api(self) -> dict[str, Any]:
        return {
            "ScriptId": self.script_id,
            "ScriptArn": self.script_arn,
            "Name": self.name,
            "Version": self.version,
            "SizeOnDisk": self.size_on_disk,
            "CreationTime": self.creation_time,
            "StorageLocation": self.storage_location,
            "NodeJsVersion": self.node_js_version,
        }


@dataclass(frozen=True)
class _Content:
    """Where a script's files come from, checked but not yet written."""

    storage_location: dict[str, str] | None
    path: Path | None
    zip_bytes: bytes | None = None


def _check_zip(data: bytes) -> int:
    """The unpacked size of an uploaded zip, or InvalidRequestException when it is not a usable zip."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if archive.testzip() is not None:
                raise zipfile.BadZipFile("corrupt member")
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        # UNCONFIRMED: the real service's wording for a bad upload.
        raise InvalidRequestException("ZipFile is not a valid zip archive.") from None


class ScriptService:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self._scripts: dict[str, Script] = {}
        emulator.tags.register(self._resolve_arn)

    # -- lifecycle ---------------------------------------------------------------
    def load(self) -> None:
        records = sorted(self.emulator.store.load(KIND, Script), key=lambda s: s.creation_time)
        self._scripts = {s.script_id: s for s in records}

    def resume(self) -> None:
        pass

    def reset(self) -> None:
        self._scripts.clear()
        # Uploaded zips belong to the forgotten records.
        shutil.rmtree(self._upload_dir(), ignore_errors=True)

    def count(self) -> int:
        return len(self._scripts)

    def _save(self, script: Script) -> None:
        self.emulator.store.put(KIND, script.script_id, script)

    def _resolve_arn(self, arn: str) -> tuple[Script, Any] | None:
        script = self._scripts.get(arn.rsplit("/", 1)[-1]) if ":script/" in arn else None
        if script is None or script.script_arn != arn:
            return None
        return script, lambda: self._save(script)

    def _upload_dir(self) -> Path:
        return Path(self.emulator.config.data_dir).resolve() / "scripts"

    # -- content -----------------------------------------------------------------
    def _content(self, params: dict[str, Any], *, required: bool) -> _Content | None:
        storage = params.get("StorageLocation")
        zip_bytes = params.get("ZipFile")
        if storage and zip_bytes is not None:
            # UNCONFIRMED: the docs offer the two as alternatives; we refuse both at once.
            raise InvalidRequestException("Specify either a StorageLocation or a ZipFile, not both.")
        if zip_bytes is not None:
            _check_zip(zip_bytes)
            return _Content(storage_location=None, path=None, zip_bytes=zip_bytes)
        if storage:
            return _Content(storage_location=dict(storage), path=local_files(storage))
        if required:
            # UNCONFIRMED wording: a script record needs files from one of the two sources.
            raise InvalidRequestException("A script requires either a StorageLocation or a ZipFile.")
        return None

    def _apply(self, script: Script, content: _Content) -> None:
        """Point the script at its new files; the zip is written last, once nothing else can fail."""
        old_upload = Path(script.local_path) if script.uploaded and script.local_path else None
        if content.zip_bytes is not None:
            target = self._upload_dir() / f"{script.script_id}.zip"
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(target.name + ".tmp")
            tmp.write_bytes(content.zip_bytes)
            os.replace(tmp, target)
            script.storage_location = {"Bucket": LOCAL_BUCKET, "Key": str(target)}
            script.local_path = str(target)
            script.uploaded = True
            # UNCONFIRMED: SizeOnDisk counts the unpacked files, as for builds.
            script.size_on_disk = size_of(target)
            return
        script.storage_location = content.storage_location
        script.local_path = str(content.path) if content.path is not None else None
        script.uploaded = False
        script.size_on_disk = size_of(content.path) if content.path is not None else 0
        if old_upload is not None:
            old_upload.unlink(missing_ok=True)

    # -- operations --------------------------------------------------------------
    def get(self, script_id: str) -> Script:
        key = script_id.rsplit("/", 1)[-1] if script_id.startswith("arn:") else script_id
        script = self._scripts.get(key)
        if script is None or (script_id.startswith("arn:") and script.script_arn != script_id):
            raise NotFoundException(f"Script {script_id} not found.")
        return script

    def create(self, params: dict[str, Any]) -> Script:
        content = self._content(params, required=True)
        assert content is not None
        node = params.get("NodeJsVersion") or DEFAULT_NODE_JS_VERSION
        if node not in NODE_JS_VERSIONS:
            # UNCONFIRMED wording; the model's pattern admits any N.x, the docs list the valid values.
            raise InvalidRequestException(
                f"NodeJsVersion {node} is not supported; valid values are {' | '.join(NODE_JS_VERSIONS)}."
            )
        tags = tags_from_request(params.get("Tags"))
        script_id = self.emulator.ids.prefixed("script")
        script = Script(
            script_id=script_id,
            script_arn=self.emulator.arns.resource("script", script_id),
            creation_time=self.emulator.clock.now(),
            name=params.get("Name"),
            version=params.get("Version"),
            node_js_version=node,
            tags=tags,
        )
        self._apply(script, content)
        self._scripts[script_id] = script
        self._save(script)
        return script

    def list(self) -> list[Script]:
        return list(self._scripts.values())

    def update(self, script_id: str, params: dict[str, Any]) -> Script:
        script = self.get(script_id)
        content = self._content(params, required=False)
        if content is not None:
            self._apply(script, content)
        if params.get("Name") is not None:
            script.name = params["Name"]
        if params.get("Version") is not None:
            script.version = params["Version"]
        self._save(script)
        return script

    def delete(self, script_id: str) -> None:
        script = self.get(script_id)
        del self._scripts[script.script_id]
        self.emulator.store.delete(KIND, script.script_id)
        # "If script files were uploaded, they are also deleted (files stored in
        # an S3 bucket are not deleted)": the caller's own directories stay.
        if script.uploaded and script.local_path:
            Path(script.local_path).unlink(missing_ok=True)
