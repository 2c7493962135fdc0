"""Limit/NextToken pagination, as every GameLift List/Describe call offers it.

Tokens are opaque to the caller (base64 of an offset and the listing they
belong to); a token from another listing or a made-up one is an
InvalidRequestException, as the real service answers.
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Sequence
from typing import TypeVar

from infra.emulator.errors import InvalidRequestException

T = TypeVar("T")


@functools.lru_cache(maxsize=4096)
def _encode(listing: str, offset: int) -> str:
    # Cached: busy listings (a fleet's search results) hand out the same few tokens over and over.
    return base64.urlsafe_b64encode(f"{listing}:{offset}".encode()).decode().rstrip("=")


def _decode(listing: str, token: str) -> int:
    try:
        padded = token + "=" * (-len(token) % 4)
        text = base64.urlsafe_b64decode(padded.encode()).decode()
        name, _, offset = text.rpartition(":")
        if name != listing:
            raise ValueError(name)
        value = int(offset)
        if value < 0:
            raise ValueError(offset)
        return value
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidRequestException(f"Invalid NextToken: {token}") from None


def paginate(
    items: Sequence[T], limit: int | None, next_token: str | None, *, listing: str, default_limit: int = 100
) -> tuple[list[T], str | None]:
    """One page of ``items`` and the token for the next page (None on the last)."""
    start = _decode(listing, next_token) if next_token else 0
    size = limit if limit else default_limit
    page = list(items[start : start + size])
    end = start + len(page)
    return page, (_encode(listing, end) if end < len(items) else None)
