"""The WebSocket handshake URL: who this process is and how it proves it, all in the query string.

There are no headers and no first message to authenticate with: the service (an API Gateway WebSocket API on real
GameLift) sees only the upgrade request's URL. The query carries ``pID`` (process ID), ``sdkVersion``,
``sdkLanguage``, ``ComputeId`` (host ID = compute name), ``FleetId``, an ``IdempotencyToken`` (new per connect, so a
retried connect is recognised as the same attempt), and either ``Authorization=<auth token>`` or the SigV4 set from
:mod:`.sigv4_query`.

Encoding follows Go (``url.Values.Encode``): keys sorted, values percent-encoded. Any existing query on the base URL
is replaced, as in Go.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from urllib.parse import quote, urlsplit, urlunsplit

from .sigv4_query import sign_query

PID = "pID"
SDK_VERSION = "sdkVersion"
SDK_LANGUAGE = "sdkLanguage"
COMPUTE_ID = "ComputeId"
FLEET_ID = "FleetId"
IDEMPOTENCY_TOKEN = "IdempotencyToken"
AUTHORIZATION = "Authorization"


def new_idempotency_token() -> str:
    return str(uuid.uuid4())


def identity(process_id: str, host_id: str, fleet_id: str) -> dict[str, str]:
    """The three values that name this process to the service, and the only ones SigV4 mode signs."""
    return {COMPUTE_ID: host_id, FLEET_ID: fleet_id, PID: process_id}


def connection_query(
    *,
    process_id: str,
    host_id: str,
    fleet_id: str,
    sdk_version: str,
    sdk_language: str,
    idempotency_token: str,
    auth_token: str | None = None,
    sigv4: Mapping[str, str] | None = None,
) -> dict[str, str]:
    query = {
        PID: process_id,
        SDK_VERSION: sdk_version,
        SDK_LANGUAGE: sdk_language,
        COMPUTE_ID: host_id,
        FLEET_ID: fleet_id,
        IDEMPOTENCY_TOKEN: idempotency_token,
    }
    if auth_token:
        query[AUTHORIZATION] = auth_token
    elif sigv4:
        query.update(sigv4)
    return query


def sigv4_connection_query(
    *,
    process_id: str,
    host_id: str,
    fleet_id: str,
    sdk_version: str,
    sdk_language: str,
    idempotency_token: str,
    region: str,
    access_key: str,
    secret_key: str,
    session_token: str | None,
    now: dt.datetime,
) -> dict[str, str]:
    signed = sign_query(region=region, access_key=access_key, secret_key=secret_key, session_token=session_token,
                        signed_params=identity(process_id, host_id, fleet_id), now=now)
    return connection_query(process_id=process_id, host_id=host_id, fleet_id=fleet_id, sdk_version=sdk_version,
                            sdk_language=sdk_language, idempotency_token=idempotency_token, sigv4=signed)


def encode_query(query: Mapping[str, str]) -> str:
    return "&".join(f"{quote(k, safe='-_.~')}={quote(query[k], safe='-_.~')}" for k in sorted(query))


def connection_url(base_url: str, query: Mapping[str, str]) -> str:
    parts = urlsplit(base_url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, encode_query(query), ""))
