"""Client SDKs of the reference game: the GameLift Server SDK 5 (gamelift_server) and the Realtime client SDK."""
