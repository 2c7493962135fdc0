"""Wire-protocol helpers for the local GameLift emulator (request authentication, codecs)."""
