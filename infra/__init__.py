"""The hosting side: the local GameLift emulator, the Realtime server runtime and deploy scripts."""
