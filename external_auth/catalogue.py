"""Subscription tiers and cosmetic items: what a player can own, and what a tier brings."""

from __future__ import annotations

import enum


class Tier(enum.StrEnum):
    FREE = "free"
    PREMIUM = "premium"


# Every new account owns these.
STARTER_ITEMS: tuple[str, ...] = ("skin.default", "emote.wave")
# Held for as long as a premium subscription lasts; they go when it lapses.
PREMIUM_ITEMS: tuple[str, ...] = ("skin.gold", "trail.sparks", "emote.crown")

# A plan the stub shop sells: tier and the most days one purchase may add.
PLANS: dict[str, Tier] = {"premium": Tier.PREMIUM}
MAX_PLAN_DAYS = 366


def tier_at(premium_until: float | None, now: float) -> Tier:
    return Tier.PREMIUM if premium_until is not None and premium_until > now else Tier.FREE


def entitlements(owned: list[str], tier: Tier) -> list[str]:
    """Owned items first, then the tier's, without repeats, in a stable order."""
    items = list(dict.fromkeys(owned))
    if tier == Tier.PREMIUM:
        items += [item for item in PREMIUM_ITEMS if item not in items]
    return items
