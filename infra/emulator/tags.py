"""Tags on every taggable resource, found by ARN.

Each service that owns taggable records registers a resolver; tags live on the
records themselves (a ``tags`` dict) so they are saved, loaded and deleted with
them. Limits follow the real service: at most 50 tags per resource, keys of 1
to 128 characters, values up to 256, and the ``aws:`` prefix is reserved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from infra.emulator.errors import InvalidRequestException, NotFoundException, TaggingFailedException

if TYPE_CHECKING:
    from infra.emulator.emulator import Emulator

MAX_TAGS = 50


class Taggable(Protocol):
    tags: dict[str, str]


Resolver = Callable[[str], tuple[Taggable, Callable[[], None]] | None]


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def tags_from_request(tags: list[dict[str, Any]] | None) -> dict[str, str]:
    """The ``Tags`` member of a Create* request as a dict, checked against the limits."""
    result: dict[str, str] = {}
    for tag in tags or []:
        key = tag["Key"]
        if key.lower().startswith("aws:"):
            raise TaggingFailedException(f"Tag keys starting with 'aws:' are reserved: {key}")
        result[key] = tag.get("Value", "")
    if len(result) > MAX_TAGS:
        raise InvalidRequestException(f"A resource can have at most {MAX_TAGS} tags")
    return result


class TagService:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self._resolvers: list[Resolver] = []

    def register(self, resolver: Resolver) -> None:
        self._resolvers.append(resolver)

    def _find(self, arn: str) -> tuple[Taggable, Callable[[], None]]:
        if not arn.startswith("arn:"):
            raise InvalidRequestException(f"Invalid resource ARN: {arn}")
        for resolver in self._resolvers:
            found = resolver(arn)
            if found is not None:
                return found
        raise NotFoundException(f"Resource {arn} not found")

    def tag(self, arn: str, tags: list[dict[str, Any]]) -> None:
        record, save = self._find(arn)
        merged = dict(record.tags)
        merged.update(tags_from_request(tags))
        if len(merged) > MAX_TAGS:
            raise TaggingFailedException(f"A resource can have at most {MAX_TAGS} tags; {arn} would have {len(merged)}")
        record.tags = merged
        save()

    def untag(self, arn: str, keys: list[str]) -> None:
        record, save = self._find(arn)
        record.tags = {k: v for k, v in record.tags.items() if k not in set(keys)}
        save()

    def list_tags(self, arn: str) -> list[dict[str, str]]:
        record, _save = self._find(arn)
        return tag_list(record.tags)

    # Tags have no state of their own.
    def load(self) -> None:
        pass

    def resume(self) -> None:
        pass

    def reset(self) -> None:
        pass
