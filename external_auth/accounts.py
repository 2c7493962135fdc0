"""Accounts and subscriptions: sign-up, login, the stub shop, and what a player holds right now."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from external_auth import catalogue, passwords
from external_auth.catalogue import Tier
from external_auth.store import Account, AuthStore, UsernameTaken

USERNAME = re.compile(r"[A-Za-z0-9_.-]{3,32}")
PLAYER_ID = re.compile(r"^player-[0-9a-f]{32}$")
MIN_PASSWORD, MAX_PASSWORD = 8, 128
MAX_DISPLAY_NAME = 32
DAY = 86400.0


class AccountError(Exception):
    """A refusal the player can act on; ``code`` is the wire error code."""

    status = 400
    code = "invalid_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidCredentials(AccountError):
    status = 401
    code = "invalid_credentials"


class NameTaken(AccountError):
    status = 409
    code = "username_taken"


class UnknownPlayer(AccountError):
    status = 404
    code = "unknown_player"


@dataclass(frozen=True)
class Subscription:
    player_id: str
    username: str
    display_name: str
    tier: Tier
    premium_until: float | None
    entitlements: list[str]

    def to_api(self) -> dict[str, Any]:
        return {
            "playerId": self.player_id,
            "username": self.username,
            "displayName": self.display_name,
            "tier": str(self.tier),
            "premiumUntil": self.premium_until,
            "entitlements": self.entitlements,
        }


def check_username(username: Any) -> str:
    if not isinstance(username, str) or not USERNAME.fullmatch(username):
        raise AccountError("username must be 3-32 characters: letters, digits, '_', '.', '-'")
    return username


def check_password(password: Any) -> str:
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise AccountError(f"password must be a string of {MIN_PASSWORD}-{MAX_PASSWORD} characters")
    return password


def check_display_name(name: Any, default: str) -> str:
    if name is None:
        return default
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= MAX_DISPLAY_NAME or not name.isprintable():
        raise AccountError(f"displayName must be 1-{MAX_DISPLAY_NAME} printable characters")
    return name.strip()


class Accounts:
    def __init__(self, store: AuthStore, clock: Callable[[], float], scrypt_log2_n: int = 15) -> None:
        self.store = store
        self.clock = clock
        self.scrypt_log2_n = scrypt_log2_n

    async def sign_up(self, username: str, password: str, display_name: str) -> Account:
        if self.store.account_by_username(username) is not None:
            raise NameTaken(f"username {username!r} is taken")
        # scrypt is CPU- and memory-bound by design: off the event loop.
        hashed = await asyncio.to_thread(passwords.hash_password, password, self.scrypt_log2_n)
        account = Account(
            player_id=f"player-{uuid.uuid4().hex}",
            username=username,
            display_name=display_name,
            password_hash=hashed,
            created_at=self.clock(),
            premium_until=None,
        )
        try:
            self.store.create_account(account, list(catalogue.STARTER_ITEMS))
        except UsernameTaken:
            raise NameTaken(f"username {username!r} is taken") from None
        return account

    async def login(self, username: str, password: str) -> Account:
        # A name sign-up would refuse cannot exist; not asking the store also keeps strings it cannot
        # encode (JSON allows lone surrogates) from becoming a 500 that answers faster than a 401.
        account = self.store.account_by_username(username) if USERNAME.fullmatch(username) else None
        if account is None:
            # Same cost and same answer as a wrong password: no way to probe which names exist.
            await asyncio.to_thread(passwords.burn_time, password, self.scrypt_log2_n)
            raise InvalidCredentials("wrong username or password")
        if not await asyncio.to_thread(passwords.verify_password, password, account.password_hash):
            raise InvalidCredentials("wrong username or password")
        return account

    def subscription(self, player_id: str) -> Subscription:
        account = self.store.account(player_id)
        if account is None:
            raise UnknownPlayer(f"no player {player_id}")
        tier = catalogue.tier_at(account.premium_until, self.clock())
        return Subscription(
            player_id=account.player_id,
            username=account.username,
            display_name=account.display_name,
            tier=tier,
            premium_until=account.premium_until if tier == Tier.PREMIUM else None,
            entitlements=catalogue.entitlements(self.store.owned_items(player_id), tier),
        )

    def purchase(self, player_id: str, plan: str, days: int) -> Subscription:
        """The stub shop: extend a plan by ``days`` (from now, or from the current expiry if later)."""
        if plan not in catalogue.PLANS:
            raise AccountError(f"unknown plan {plan!r}; plans: {sorted(catalogue.PLANS)}")
        account = self.store.account(player_id)
        if account is None:
            raise UnknownPlayer(f"no player {player_id}")
        now = self.clock()
        start = max(now, account.premium_until or now)
        self.store.set_premium_until(player_id, start + days * DAY)
        return self.subscription(player_id)
