"""The custom authoritative game server (see server/README.md for how it integrates with GameLift).

Pure parts the client imports too: :mod:`server.protocol` (the wire) and :mod:`server.game` (rules, simulation,
movement for prediction). Importing this package loads nothing else, so the client does not pull in the GameLift
server SDK.
"""
