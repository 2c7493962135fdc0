"""Login throttling in a real external_auth process, over real HTTP from 127.0.0.1.

Every request here comes from one address, so each test starts its own service (throttling state
is per process, in memory) with small limits, and shows the per-(username, address) back-off with
a second username and the per-address limit by spending it. Waits are long where a test only needs
the 429, and 2 s where it waits one out (by polling, which a throttled service does not count).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from client.api import GameApi
from client.bot import Bot
from client.config import ClientConfig
from client.errors import ApiError
from infra.stack.local import external_auth_process, http_json
from infra.stack.process import ServiceProcess

PASSWORD = "correct horse battery"
WRONG = "not the password"


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[..., ServiceProcess]]:
    started: list[ServiceProcess] = []

    def run(*flags: str) -> ServiceProcess:
        workdir = tmp_path / f"auth-{len(started)}"
        workdir.mkdir()
        service = external_auth_process(
            str(workdir / "auth.db"), service_keys={}, args=["--scrypt-log2-n", "12", *flags], workdir=workdir
        )
        started.append(service.start())
        return service

    yield run
    for service in started:
        service.stop()


def sign_up(auth: ServiceProcess, username: str) -> None:
    status, _, body = http_json("POST", f"{auth.url}/v1/accounts", {"username": username, "password": PASSWORD})
    assert status == 201, body


def login(
    auth: ServiceProcess, username: str, password: str = PASSWORD, forwarded_for: str | None = None
) -> tuple[int, dict[str, str], Any]:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else None
    return http_json("POST", f"{auth.url}/v1/login", {"username": username, "password": password}, headers=headers)


def assert_throttled(answer: tuple[int, dict[str, str], Any], at_most: int) -> int:
    """A 429 in the service's error format with a whole-seconds ``Retry-After``; returns it."""
    status, headers, body = answer
    assert status == 429, answer
    assert body["error"]["code"] == "login_throttled" and body["error"]["requestId"] == headers["X-Request-Id"]
    retry_after = int(headers["Retry-After"])
    assert 1 <= retry_after <= at_most
    return retry_after


def test_wrong_passwords_until_429_then_even_the_right_password_waits(start: Callable[..., ServiceProcess]) -> None:
    auth = start("--login-max-failures", "3", "--login-base-delay-seconds", "60", "--login-address-max-failures", "50")
    sign_up(auth, "alice")
    sign_up(auth, "bob")
    for _ in range(3):
        status, _, body = login(auth, "alice", WRONG)
        assert status == 401 and body["error"]["code"] == "invalid_credentials"
    assert assert_throttled(login(auth, "alice", WRONG), 60) >= 55
    assert_throttled(login(auth, "alice"), 60)  # the right password is not even looked at
    assert_throttled(login(auth, "ALICE"), 60)  # usernames ignore case, here as at sign-up
    assert_throttled(login(auth, "alice", forwarded_for="198.51.100.7"), 60)  # no trusted proxy: header ignored
    assert login(auth, "bob")[0] == 200  # no per-username lockout of anyone else from here


def test_unknown_usernames_are_throttled_the_same_way(start: Callable[..., ServiceProcess]) -> None:
    """A 429 must not tell a guesser which names exist: an unknown name gets the same answers in the same order."""
    auth = start("--login-max-failures", "2", "--login-base-delay-seconds", "60")
    sign_up(auth, "carol")

    def answers(username: str) -> tuple[list[tuple[int, str]], str]:
        seen = [login(auth, username, WRONG) for _ in range(3)]
        return [(status, body["error"]["code"]) for status, _, body in seen], seen[0][2]["error"]["message"]

    known, unknown = answers("carol"), answers("nobody-here")
    assert known == unknown
    assert known[0] == [(401, "invalid_credentials"), (401, "invalid_credentials"), (429, "login_throttled")]


def test_one_address_failing_across_usernames_hits_the_per_address_limit(start: Callable[..., ServiceProcess]) -> None:
    auth = start("--login-address-max-failures", "5", "--login-address-window-seconds", "300")
    sign_up(auth, "dave")
    for _ in range(3):
        assert login(auth, "dave")[0] == 200  # successes never count
    for i in range(5):  # credential stuffing: one guess per name, so no single name is throttled
        assert login(auth, f"stuffed-{i}", WRONG)[0] == 401
    assert assert_throttled(login(auth, "dave"), 300) >= 295  # now every login from here waits
    assert_throttled(login(auth, "stuffed-new", WRONG), 300)
    throttled = [e for e in auth.log_entries() if e.get("msg") == "event=login_throttled"]
    assert throttled and {e["limit"] for e in throttled} == {"address"} and throttled[0]["client"] == "127.0.0.1"


def test_after_the_back_off_the_right_password_works_and_the_failures_are_cleared(
    start: Callable[..., ServiceProcess],
) -> None:
    auth = start("--login-max-failures", "2", "--login-base-delay-seconds", "2", "--login-max-delay-seconds", "2")
    sign_up(auth, "erin")
    assert login(auth, "erin", WRONG)[0] == 401
    before_last_failure = time.monotonic()
    assert login(auth, "erin", WRONG)[0] == 401
    assert_throttled(login(auth, "erin", WRONG), 2)
    deadline = time.monotonic() + 15
    while (answer := login(auth, "erin"))[0] == 429:  # refused attempts do not count, so polling is harmless
        assert time.monotonic() < deadline, "the back-off never ended"
        time.sleep(0.05)
    assert answer[0] == 200 and answer[2]["accessToken"]
    assert time.monotonic() - before_last_failure >= 2.0  # and not before the back-off was over
    # The success cleared erin's failures here: the free failures are free again.
    assert [login(auth, "erin", WRONG)[0] for _ in range(3)] == [401, 401, 429]


def test_behind_a_trusted_proxy_each_forwarded_client_is_throttled_on_its_own(
    start: Callable[..., ServiceProcess],
) -> None:
    auth = start("--trusted-proxies", "127.0.0.1", "--login-max-failures", "2", "--login-base-delay-seconds", "60")
    sign_up(auth, "frank")
    for _ in range(2):
        assert login(auth, "frank", WRONG, forwarded_for="198.51.100.1")[0] == 401
    assert_throttled(login(auth, "frank", forwarded_for="198.51.100.1"), 60)
    # What the client wrote left of our proxy's entry does not matter; the proxy's entry does.
    assert_throttled(login(auth, "frank", forwarded_for="203.0.113.50, 198.51.100.1"), 60)
    assert login(auth, "frank", forwarded_for="198.51.100.2")[0] == 200  # the player at another address
    assert login(auth, "frank")[0] == 200  # the proxy itself, without a header


def test_the_client_says_how_long_to_wait_and_bots_do_not_spend_the_address_budget(
    start: Callable[..., ServiceProcess],
) -> None:
    auth = start("--login-max-failures", "1", "--login-base-delay-seconds", "60", "--login-address-max-failures", "3")
    config = ClientConfig(backend_url="http://127.0.0.1:9", auth_url=auth.url, http_timeout=30)

    async def scenario() -> None:
        # Bots sign up before logging in, so new bots make no failed logins: more than the address's
        # budget of them still get in.
        for i in range(5):
            async with GameApi(config.backend_url, auth.url) as api:
                assert (await api.sign_up_or_login(f"bot-{i}", PASSWORD)).player_id.startswith("player-")
        async with GameApi(config.backend_url, auth.url) as api:
            with pytest.raises(ApiError, match="Wrong username or password"):
                await api.login("bot-0", WRONG)
            with pytest.raises(ApiError, match=r"Too many failed logins\. Please wait, then try again in \d+ s\.") as e:
                await api.login("bot-0", PASSWORD)
            assert e.value.status == 429 and e.value.code == "login_throttled" and 55 <= e.value.retry_after <= 60
        # A bot that meets the throttle reports it, as it reports any refusal; it does not crash.
        async with Bot("bot-0", PASSWORD, config) as bot:
            report = await bot.run(rounds=1, seconds=1)
        assert not report.ok and report.error is not None and "Too many failed logins" in report.error

    asyncio.run(scenario())


def test_strings_json_allows_but_utf8_refuses_are_a_401_not_a_500(start: Callable[..., ServiceProcess]) -> None:
    auth = start()
    for body in (b'{"username": "\\ud800abc", "password": "whatever-1"}', b'{"username": "x", "password": "\\udfff"}'):
        status, _, answer = http_json("POST", f"{auth.url}/v1/login", body)
        assert (status, answer["error"]["code"]) == (401, "invalid_credentials")
    status, _, _ = http_json("POST", f"{auth.url}/v1/accounts", b'{"username": "gina", "password": "pass\\ud800word"}')
    assert status == 201
    assert http_json("POST", f"{auth.url}/v1/login", b'{"username": "gina", "password": "pass\\ud800word"}')[0] == 200
