"""The service-to-service signature: what it covers, and the replays and forgeries it stops."""

from __future__ import annotations

import pytest

from external_auth.service_auth import (
    NONCE_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    ServiceAuthError,
    ServiceVerifier,
    sign,
)

SECRET = "a-long-enough-shared-secret"
PATH = "/v1/service/players/player-00000000000000000000000000000000/subscription"
NOW = 1_700_000_000.0


def verifier() -> ServiceVerifier:
    return ServiceVerifier({"backend": SECRET}, max_skew_seconds=60)


def test_a_signed_request_names_its_caller() -> None:
    headers = sign("backend", SECRET, "GET", PATH, b"", NOW)
    assert verifier().verify("GET", PATH, headers, b"", NOW + 1) == "backend"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", PATH, b""),
        ("GET", PATH.replace("0000", "1111"), b""),
        ("GET", PATH, b"{}"),
        ("GET", PATH + "?x=1", b""),
    ],
)
def test_changing_the_method_path_query_or_body_breaks_the_signature(method: str, path: str, body: bytes) -> None:
    headers = sign("backend", SECRET, "GET", PATH, b"", NOW)
    with pytest.raises(ServiceAuthError):
        verifier().verify(method, path, headers, body, NOW)


def test_a_wrong_secret_or_unknown_key_is_refused() -> None:
    with pytest.raises(ServiceAuthError):
        verifier().verify("GET", PATH, sign("backend", "not-the-secret-at-all", "GET", PATH, b"", NOW), b"", NOW)
    with pytest.raises(ServiceAuthError):
        verifier().verify("GET", PATH, sign("intruder", SECRET, "GET", PATH, b"", NOW), b"", NOW)


def test_missing_headers_are_refused() -> None:
    headers = sign("backend", SECRET, "GET", PATH, b"", NOW)
    for name in (TIMESTAMP_HEADER, NONCE_HEADER, SIGNATURE_HEADER):
        partial = {k: v for k, v in headers.items() if k != name}
        with pytest.raises(ServiceAuthError):
            verifier().verify("GET", PATH, partial, b"", NOW)


def test_a_stale_or_future_timestamp_is_refused() -> None:
    headers = sign("backend", SECRET, "GET", PATH, b"", NOW)
    with pytest.raises(ServiceAuthError, match="skew"):
        verifier().verify("GET", PATH, headers, b"", NOW + 61)
    with pytest.raises(ServiceAuthError, match="skew"):
        verifier().verify("GET", PATH, headers, b"", NOW - 61)


def test_a_replayed_request_is_refused_within_the_window() -> None:
    check = verifier()
    headers = sign("backend", SECRET, "GET", PATH, b"", NOW)
    check.verify("GET", PATH, headers, b"", NOW)
    with pytest.raises(ServiceAuthError, match="replayed"):
        check.verify("GET", PATH, headers, b"", NOW + 5)
    # A fresh signature for the same request is fine.
    check.verify("GET", PATH, sign("backend", SECRET, "GET", PATH, b"", NOW + 5), b"", NOW + 5)


def test_no_credentials_means_disabled() -> None:
    assert not ServiceVerifier({}).enabled
    with pytest.raises(ServiceAuthError):
        ServiceVerifier({}).verify("GET", PATH, sign("backend", SECRET, "GET", PATH, b"", NOW), b"", NOW)
