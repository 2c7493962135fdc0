"""The two wire protocols botocore speaks to GameLift, as body codecs.

awsJson1_1: ``POST /`` with ``X-Amz-Target: GameLift.<Op>`` and a JSON body;
errors carry ``__type`` in the body and ``x-amzn-ErrorType`` in the headers.
smithy-rpc-v2-cbor: ``POST /service/GameLift/operation/<Op>`` with a CBOR body
and ``smithy-protocol: rpc-v2-cbor``; errors carry the fully qualified shape id
in ``__type``. Both decode to plain dicts and encode from what
``shaping.ShapeWriter`` produced, so nothing else in the emulator knows which
protocol a request came in on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, ClassVar

import cbor2
import orjson

from infra.emulator.errors import SerializationException

ERROR_NAMESPACE = "com.amazonaws.gamelift"


@dataclass(frozen=True)
class WireCodec:
    name: str
    content_type: str
    # Headers of every successful answer in this protocol.
    success_headers: ClassVar[tuple[tuple[str, str], ...]] = ()

    def decode(self, body: bytes) -> Any:
        raise NotImplementedError

    def encode(self, value: Any) -> bytes:
        raise NotImplementedError

    def error_headers(self, code: str) -> dict[str, str]:
        raise NotImplementedError

    def error_body(self, code: str, message: str) -> bytes:
        raise NotImplementedError


class JsonCodec(WireCodec):
    success_headers = (("Content-Type", "application/x-amz-json-1.1"),)

    def __init__(self) -> None:
        super().__init__("json", "application/x-amz-json-1.1")

    def decode(self, body: bytes) -> Any:
        if not body.strip():
            return {}
        try:
            return orjson.loads(body)
        except ValueError as exc:  # also invalid UTF-8, lone surrogates, NaN and nesting deeper than 1024
            raise SerializationException(f"Malformed JSON request body: {exc}") from None

    def encode(self, value: Any) -> bytes:
        return orjson.dumps(value)

    def error_headers(self, code: str) -> dict[str, str]:
        return {"x-amzn-ErrorType": code}

    def error_body(self, code: str, message: str) -> bytes:
        return json.dumps({"__type": code, "message": message}).encode()


class CborCodec(WireCodec):
    def __init__(self) -> None:
        super().__init__("cbor", "application/cbor")

    def decode(self, body: bytes) -> Any:
        if not body:
            return {}
        try:
            value = cbor2.loads(body)
        except Exception as exc:  # cbor2 raises several types for garbage; all mean the same
            raise SerializationException(f"Malformed CBOR request body: {exc}") from None
        return value

    def encode(self, value: Any) -> bytes:
        return cbor2.dumps(value)

    success_headers = (("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor"))

    def error_headers(self, code: str) -> dict[str, str]:
        return {"smithy-protocol": "rpc-v2-cbor"}

    def error_body(self, code: str, message: str) -> bytes:
        return cbor2.dumps({"__type": f"{ERROR_NAMESPACE}#{code}", "message": message})


def operation_from_target(target: str) -> str:
    """awsJson1_1's ``X-Amz-Target: GameLift.CreateFleet`` -> ``CreateFleet``; not addressed to GameLift -> ""."""
    prefix, _, name = target.partition(".")
    return name if prefix == "GameLift" else ""


JSON = JsonCodec()
CBOR = CborCodec()
