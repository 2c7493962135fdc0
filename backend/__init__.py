"""The game's backend service: the only thing that calls the GameLift API.

Players reach it with the RS256 token external_auth gave them. It verifies the token against
external_auth's JWKS, looks up the player's subscription with its own service credential, and
calls GameLift with boto3 (the emulator through ``endpoint_url``, or real GameLift through the
default AWS credential chain) to seat the player: the tier and cosmetics travel to the game
server as PlayerData, written here, never taken from the client.

Modules: ``config``, ``app`` (routes and the request pipeline), ``inputs`` (request bodies and query strings),
``tokens`` and ``jwks`` (token verification), ``subscriptions`` (external_auth's service
endpoint), ``ratelimit`` (per-player token buckets), ``gamelift`` (the boto3 module),
``seating`` (quick play strategies: search-or-create now; queue placement and matchmaking
slot in beside it), ``sessions`` (server browser, named sessions, joining), ``player_data``,
``store`` (SQLite), ``openapi.json`` (the routes' contract, served at ``/openapi.json``) and
``contract`` (the tests' check of responses against it) and ``cli`` (``python -m backend``).
``infra.stack.local`` runs it with everything behind it on one machine.
"""
