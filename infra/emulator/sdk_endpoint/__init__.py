"""The server side of the GameLift Server SDK 5 protocol: the WebSocket endpoint game servers connect to.

Pure modules (no I/O): ``handshake`` (who a connecting process is: the query string every official SDK writes its own
way, auth tokens, SigV4), ``protocol`` (frames: requests, replies, pushes), ``health`` (heartbeat judgement).
Domain side: ``actions`` (what each request does; the dispatch table), ``connections`` (a process's sockets and the
``WebSocketChannel`` the emulator pushes through), ``service`` (admission, frames, the timers of a process's life).
I/O: ``websocket`` (the endpoint's two ways in: ``take_over`` from the HTTP front, or an aiohttp route),
``lean_websocket`` (the asyncio.Protocol ``take_over`` installs) over ``sdk.gamelift_server.rfc6455`` (the WebSocket
wire both ends share, used here in the server role), ``tls`` (self-signed certificates for wss:// and
GetComputeCertificate).
"""
