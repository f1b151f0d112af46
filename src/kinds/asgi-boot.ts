/**
 * How an `asgi:` site runs its server: the site's interpreter runs `-c ASGI_BOOT SERVER TARGET`,
 * never a shell. The bootstrap imports the application, wraps it in the site's `middleware:`
 * (`python-middleware.ts`), adopts fd 3 and serves it with the chosen server, each its own way:
 *
 * - uvicorn: `Server.run(sockets=[...])` with the socket taken from fd 3 with its real family.
 *   (uvicorn's own `--fd 3` wraps the fd as AF_UNIX whatever it is: on Linux a TCP socket is
 *   still served, since accept() works on the fd, but the client address in the ASGI scope is
 *   lost — so tsgi hands uvicorn a correctly typed socket instead.) WebSockets use wsproto when
 *   installed: uvicorn's wsproto protocol closes them with 1012 on shutdown. On the stop signal a
 *   connection accepted just before it keeps its request (`python-uvicorn-settle.ts`).
 * - hypercorn: `bind = ["fd://3"]`, hypercorn's own way (it detects the family).
 * - daphne: Twisted's `systemd:domain=INET|INET6|UNIX:index=0` endpoint (daphne's `--fd 3` makes
 *   an `fd:` endpoint string that Debian's Twisted has no parser for); on the stop signal the boot stops listening, closes WebSockets with
 *   1012 and waits for the open requests — and up to 1 s for the request of a connection that has
 *   sent none yet — before stopping the reactor (daphne alone stops at once).
 * - gunicorn: not here — the gunicorn boot with `-k uvicorn.workers.UvicornWorker`.
 *
 * Readiness is an HTTP probe of the new generation (Django implements no ASGI lifespan, so
 * uvicorn's is turned off); an import or middleware error is also reported on the notify pipe,
 * so a failed start names it in one sentence.
 */
import { PY_MIDDLEWARE } from "./python-middleware.js";
import { PYTHON_NOTIFY } from "./python-notify.js";
import { PY_UVICORN_SETTLE } from "./python-uvicorn-settle.js";

export const ASGI_BOOT = `
import json, os, signal, socket, stat, sys
${PYTHON_NOTIFY}
def _give_up(message):
    _notify({"type": "error", "message": message})
    sys.stderr.write("tsgi: %s\\n" % message)
    sys.exit(3)
${PY_MIDDLEWARE}
${PY_UVICORN_SETTLE}
_SERVER, _TARGET = sys.argv[1], sys.argv[2]
_STOP_SECONDS = float(os.environ.get("TSGI_STOP_SECONDS", "10"))
sys.path.insert(0, os.getcwd())
_module_name, _, _attr = _TARGET.partition(":")
try:
    import importlib
    _app = importlib.import_module(_module_name)
    for _part in _attr.split("."):
        _app = getattr(_app, _part)
except Exception as error:
    import traceback
    traceback.print_exc()
    _give_up("%s cannot import %s (%s: %s) - check asgi:, cwd: and settings:" % (sys.executable, _TARGET, type(error).__name__, error))
try:
    _app = _tsgi_wrap(_app)
except _TsgiMiddlewareError as error:
    _give_up(str(error))
_sock = socket.socket(fileno=3)
def _uvicorn():
    import uvicorn
    try:
        import wsproto
        ws = "wsproto"
    except ImportError:
        ws = "auto"
    _tsgi_settle_uvicorn()
    config = uvicorn.Config(_app, lifespan="off", ws=ws, log_level="info", access_log=False)
    uvicorn.Server(config).run(sockets=[_sock])
def _hypercorn():
    import asyncio
    from hypercorn.config import Config
    from hypercorn.asyncio import serve
    config = Config()
    config.bind = ["fd://3"]
    config.graceful_timeout = _STOP_SECONDS
    asyncio.run(serve(_app, config))
def _daphne():
    # Twisted reads LISTEN_FDS/LISTEN_PID when its endpoints module is imported.
    os.environ["LISTEN_FDS"] = "1"
    os.environ["LISTEN_PID"] = str(os.getpid())
    # daphne.server installs Twisted's asyncio reactor: it must come before any reactor import.
    from daphne.server import Server
    from twisted.internet import reactor
    domain = {socket.AF_INET: "INET", socket.AF_INET6: "INET6", socket.AF_UNIX: "UNIX"}[_sock.family]
    # tsgi binds without listening (the first process's listen() starts the queue); Twisted
    # adopts a socket as it is, and accept() on a bound-only socket fails with EINVAL.
    _sock.listen(socket.SOMAXCONN)
    # Connections (Twisted channels) are tracked from the start: daphne's own table has only
    # requests, so one accepted just before the stop signal, its request still on its way,
    # would be cut at the reactor's stop (ECONNRESET) instead of answered.
    import weakref
    from daphne.http_protocol import HTTPFactory
    channels = weakref.WeakSet()
    build = HTTPFactory.buildProtocol
    def build_tracked(factory, addr):
        channel = build(factory, addr)
        if channel is not None:
            channels.add(channel)
        return channel
    HTTPFactory.buildProtocol = build_tracked
    server = Server(application=_app, endpoints=["systemd:domain=%s:index=0" % domain], signal_handlers=False)
    connected = server.protocol_connected
    def protocol_connected(protocol):
        channel = getattr(protocol, "channel", None)
        if channel is not None:
            channel._tsgi_asked = True
        connected(protocol)
    server.protocol_connected = protocol_connected
    # server.listeners holds the endpoints' Deferreds, not the ports: each port is caught as
    # daphne's listen_success is handed it.
    ports = []
    listened = server.listen_success
    def listen_success(port):
        ports.append(port)
        return listened(port)
    server.listen_success = listen_success
    grace = min(1.0, _STOP_SECONDS)
    def fresh(channel):
        # Twisted wraps each HTTPChannel in a protocol proxy; the request knows the inner one.
        inner = getattr(channel, "_channel", channel)
        connected = getattr(getattr(inner, "transport", None), "connected", False)
        return connected and not getattr(inner, "_tsgi_asked", False)
    def drain():
        for port in ports:
            port.stopListening()
        for protocol in list(server.connections):
            # autobahn's sendClose refuses 1012 (it takes 1000 and 3000-4999 from applications);
            # its close frame call is the one daphne itself uses for 1011.
            if hasattr(protocol, "sendCloseFrame"):
                try:
                    protocol.sendCloseFrame(code=1012)
                except Exception as error:
                    sys.stderr.write("tsgi: closing a WebSocket: %s\\n" % error)
        def check(left):
            # A connection with no request yet gets up to \`grace\` to send it.
            waiting = _STOP_SECONDS - left < grace and any(fresh(c) for c in channels)
            # daphne keeps a closed connection in the table (marked disconnected) for a while.
            if (not waiting and all(d.get("disconnected") for d in server.connections.values())) or left <= 0:
                reactor.stop()
            else:
                reactor.callLater(0.05, check, left - 0.05)
        check(_STOP_SECONDS)
    for name in ("SIGTERM", "SIGINT"):
        signal.signal(getattr(signal, name), lambda *_: reactor.callFromThread(drain))
    server.run()
try:
    {"uvicorn": _uvicorn, "hypercorn": _hypercorn, "daphne": _daphne}[_SERVER]()
except ImportError as error:
    _give_up("%s cannot import %s (%s) - install it into that environment" % (sys.executable, _SERVER, error))
`.trim();
