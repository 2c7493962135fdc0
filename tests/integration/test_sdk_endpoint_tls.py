"""The SDK endpoint over wss:// with a generated self-signed certificate (the C++ SDK speaks only TLS), and SigV4
handshakes (the SDKs' alternative to an auth token)."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import ssl
import uuid
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from yarl import URL

from infra.emulator.launcher import EmulatorProcess
from tests.fixtures.example_server.harness import HandshakeRefused, RawSdk, anywhere_fleet, auth_token
from tests.support.clients import gamelift_client


@pytest.fixture(scope="module")
def tls_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    db = tmp_path_factory.mktemp("tls") / "state.db"
    proc = EmulatorProcess(str(db), args=["--clock", "manual", "--strict"], env={"GAMELIFT_LOCAL_TLS_PORT": "0"})
    proc.start()
    yield proc
    proc.stop()


def test_wss_endpoint_with_a_self_signed_certificate(tls_emulator: EmulatorProcess) -> None:
    tls_emulator.reset()
    gl = gamelift_client(tls_emulator.url, "json")
    fleet_id = anywhere_fleet(gl)
    token = auth_token(gl, fleet_id)
    info = tls_emulator.control("sdk")
    assert info["url"] == tls_emulator.url.replace("http://", "ws://")
    assert info["tlsUrl"].startswith("wss://127.0.0.1:")
    assert "SDK endpoint (TLS" in tls_emulator.log()

    async def scenario() -> None:
        insecure = ssl.create_default_context()
        insecure.check_hostname = False
        insecure.verify_mode = ssl.CERT_NONE  # as the C++ SDK's TLS context: no verification
        async with aiohttp.ClientSession() as session:
            query = f"pID={uuid.uuid4()}&ComputeId=laptop&FleetId={fleet_id}&Authorization={token}"
            ws = await session.ws_connect(URL(f"{info['tlsUrl']}/?{query}", encoded=True), ssl=insecure)
            await ws.send_json({"Action": "ActivateServerProcess", "RequestId": "r1", "Port": 7777})
            reply = await ws.receive_json(timeout=10)
            assert (reply["Action"], reply["RequestId"], reply["StatusCode"]) == ("ActivateServerProcess", "r1", 200)
            await ws.close()
            # Credentials are checked on the TLS port too.
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await session.ws_connect(URL(f"{info['tlsUrl']}/?pID=x&ComputeId=laptop&FleetId={fleet_id}"
                                             "&Authorization=nope", encoded=True), ssl=insecure)
            assert refused.value.status == 403
            # The TLS port is for the SDK: a plain request gets the same 404 as a plain GET on the main port,
            # and does not disturb the sockets already up.
            tls_base = info["tlsUrl"].replace("wss://", "https://")
            async with session.get(f"{tls_base}/_emulator/state", ssl=insecure) as plain:
                assert plain.status == 404
                assert "WebSocket upgrade" in (await plain.json())["message"]
            async with session.post(f"{tls_base}/", data=b"{}", ssl=insecure,
                                    headers={"X-Amz-Target": "GameLift.ListBuilds"}) as api_call:
                assert api_call.status in (404, 405)

    asyncio.run(scenario())
    certificate = ssl.get_server_certificate(("127.0.0.1", int(info["tlsUrl"].rsplit(":", 1)[1])))
    assert "BEGIN CERTIFICATE" in certificate


def _sigv4_query(process_id: str, compute: str, fleet_id: str, access_key: str = "AKIDLOCAL") -> str:
    """Signed the way the official SDKs sign: only ComputeId/FleetId/pID, SHA-256, the usual key chain."""
    now = dt.datetime.now(dt.UTC)
    date, stamp = now.strftime("%Y%m%d"), now.strftime("%Y%m%dT%H%M%SZ")
    canonical = f"ComputeId={compute}&FleetId={fleet_id}&pID={process_id}"
    scope = f"{date}/us-west-2/gamelift/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = b"AWS4secret"
    for part in (date, "us-west-2", "gamelift", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return (f"pID={process_id}&ComputeId={compute}&FleetId={fleet_id}&sdkLanguage=Go&Authorization=SigV4"
            f"&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={access_key}/{scope}&X-Amz-Date={stamp}"
            f"&X-Amz-Signature={signature}")


def test_sigv4_handshake_to_a_registered_compute(fresh: EmulatorProcess, tmp_path: Path) -> None:
    gl = gamelift_client(fresh.url, "json")
    fleet_id = anywhere_fleet(gl)

    async def scenario() -> None:
        sdk = await RawSdk.connect(fresh.url, _sigv4_query(str(uuid.uuid4()), "laptop", fleet_id))
        assert (await sdk.request("ActivateServerProcess", Port=7777))["StatusCode"] == 200
        await sdk.close()
        with pytest.raises(HandshakeRefused) as exc:  # signed, but for a compute the fleet does not have
            await RawSdk.connect(fresh.url, _sigv4_query(str(uuid.uuid4()), "stranger", fleet_id))
        assert exc.value.status == 403

    asyncio.run(scenario())
