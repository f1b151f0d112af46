"""A stdlib-only Python site: serves on the socket tsgi hands it as fd 3."""
import json
import os
import signal
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"site": "pyhello", "pid": os.getpid(), "settings": os.environ.get("TSGI_SETTINGS_MODULE")}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        print("%s %s" % (self.address_string(), format % args), flush=True)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler, bind_and_activate=False)
server.socket = socket.socket(fileno=int(os.environ.get("TSGI_FD", "3")))
server.socket.listen(128)
signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
print("pyhello serving on fd 3, pid %d" % os.getpid(), flush=True)
server.serve_forever()
