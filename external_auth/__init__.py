"""Stub external subscription service: accounts, tiers, cosmetics, RS256 tokens and their JWKS.

It plays the part of the "external service" in the GameLift reference architecture: it owns who a
player is and what they paid for. Players log in here and get a short-lived RS256 JWT; the backend
verifies that JWT against ``/.well-known/jwks.json`` and, with its own service credential, asks
``/v1/service/players/{playerId}/subscription`` for the tier and entitlements that it then passes to
game servers as PlayerData. Nothing a client sends can change what a server is told.

Modules: ``config`` (flags and ``EXTERNAL_AUTH_*`` variables), ``store`` (SQLite), ``passwords``
(scrypt), ``catalogue`` (tiers and cosmetic items), ``accounts`` (sign-up, login, subscriptions),
``throttle`` (failed-login back-off and per-address limits), ``client_address`` (the address it counts),
``keys`` (RSA signing keys, rotation, JWKS), ``tokens`` (JWT issuing), ``service_auth`` (the HMAC
scheme for service-to-service calls), ``app`` (HTTP routes), ``cli`` (``python -m external_auth``).
"""
