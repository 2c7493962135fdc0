"""The pygame game client and the headless bots that share its networking.

Layers, from the outside in:

- ``api``: the HTTP calls a player makes before a game (external_auth for sign-up and login, the
  backend for quick play, the server browser, creating and joining sessions).
- ``net``: the WebSocket connection to a game server (join with the player session id, inputs out,
  snapshots in, ping) on asyncio, and ``runner``, the asyncio loop the pygame client keeps in a thread.
- pure logic, tested without sockets or a display: ``prediction`` (own ship: predict, reconcile,
  replay), ``interpolation`` (other ships, ~100 ms in the past), ``clock`` (server time estimate),
  ``steering`` (bot AI), ``app_state`` (which screen, and why), ``input_map`` (keys to intents).
- ``match``: one game as the client sees it, fed by the connection, used by both the window and bots.
- ``ui``: pygame screens, widgets and drawing; ``app`` runs the window; ``bot`` and ``bots`` run headless.

``python -m client`` opens the window; ``python -m client --bots N`` plays N bots without one.
"""

import os as _os

# pygame greets on import; a game client's stdout (and the bots' reports) should not carry that.
_os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
