"""Tiers follow the subscription's expiry; entitlements follow ownership and tier."""

from __future__ import annotations

from external_auth import catalogue
from external_auth.catalogue import Tier


def test_premium_lasts_until_its_expiry() -> None:
    assert catalogue.tier_at(None, 100.0) == Tier.FREE
    assert catalogue.tier_at(200.0, 100.0) == Tier.PREMIUM
    assert catalogue.tier_at(100.0, 100.0) == Tier.FREE


def test_premium_items_come_with_premium_and_go_with_it() -> None:
    owned = ["skin.default", "emote.wave"]
    assert catalogue.entitlements(owned, Tier.FREE) == owned
    premium = catalogue.entitlements(owned, Tier.PREMIUM)
    assert premium[:2] == owned and set(catalogue.PREMIUM_ITEMS) <= set(premium)
    assert len(premium) == len(set(premium))
