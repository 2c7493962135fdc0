"""A raw HTTP client for the emulator: what a hand-written or non-botocore SDK would send."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import cbor2


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def cbor(self) -> Any:
        return cbor2.loads(self.body)


class RawClient:
    """Keep-alive HTTP/1.1 to one emulator; no signing, no retries, no validation."""

    def __init__(self, url: str) -> None:
        parsed = urlparse(url)
        self.host, self.port = parsed.hostname or "127.0.0.1", parsed.port or 80
        self._conn = http.client.HTTPConnection(self.host, self.port, timeout=30)

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> RawResponse:
        try:
            self._conn.request("POST", path, body=body, headers=headers)
            response = self._conn.getresponse()
        except (http.client.HTTPException, ConnectionError):
            # The server may close a connection after an error; reconnect once.
            self._conn.close()
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            self._conn.request("POST", path, body=body, headers=headers)
            response = self._conn.getresponse()
        data = response.read()
        return RawResponse(response.status, {k.lower(): v for k, v in response.getheaders()}, data)

    def json_call(self, operation: str, payload: Any = None, *, raw: bytes | None = None) -> RawResponse:
        body = raw if raw is not None else json.dumps(payload if payload is not None else {}).encode()
        return self.post(
            "/",
            body,
            {
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": f"GameLift.{operation}",
            },
        )

    def cbor_call(self, operation: str, payload: Any = None, *, raw: bytes | None = None) -> RawResponse:
        body = raw if raw is not None else cbor2.dumps(payload if payload is not None else {})
        return self.post(
            f"/service/GameLift/operation/{operation}",
            body,
            {
                "Content-Type": "application/cbor",
                "Accept": "application/cbor",
                "smithy-protocol": "rpc-v2-cbor",
            },
        )

    def close(self) -> None:
        self._conn.close()


def error_code(response: RawResponse) -> str:
    """The error code as botocore would read it, from either protocol."""
    body = response.cbor() if response.headers.get("content-type") == "application/cbor" else response.json()
    return body["__type"].rsplit("#", 1)[-1]


def http_status(url: str) -> int:
    """The status a plain GET of ``url`` gets (an HTTP error is an answer here, not an exception)."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
