#!/usr/bin/env python3
"""netfault.py: network faults for test_device.sh, in front of (or instead of) fwhub serve.

  netfault.py cut PORT N     relays to 127.0.0.1:PORT; the first connection that carries more
                             than N bytes back to the client is cut after N bytes
  netfault.py stall PORT N   the same, but the connection stays open and silent instead
  netfault.py overlong N M   a fake server: its update answer announces an image of N bytes
                             (unsigned), and the image URL sends M bytes
  netfault.py replay PORT FILE [KEY=VALUE...]
                             an HTTP relay to 127.0.0.1:PORT that answers every update request
                             with the answer in FILE (captured earlier, perhaps for another
                             device), its unsigned "mac" rewritten to the asking device's, as
                             a hostile phone or proxy would, and each KEY set to the string
                             VALUE; everything else is relayed

Prints "port P" once it listens on 127.0.0.1:P; runs until it is killed.
"""
import hashlib
import json
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
spent = False  # the one fault has happened


def take_fault():
    global spent
    with lock:
        if spent:
            return False
        spent = True
        return True


def pump_back(up, down, mode, limit, closed):
    """Server to client, counting bytes; applies the fault once."""
    sent = 0
    try:
        while True:
            data = up.recv(65536)
            if not data:
                break
            if sent + len(data) > limit and take_fault():
                down.sendall(data[: limit - sent])
                if mode == "stall":
                    closed.wait(120)
                break
            down.sendall(data)
            sent += len(data)
    except OSError:
        pass
    for s in (up, down):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def pump_forth(down, up, closed):
    """Client to server."""
    try:
        while True:
            data = down.recv(65536)
            if not data:
                break
            up.sendall(data)
    except OSError:
        pass
    closed.set()
    try:
        up.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def relay(mode, port, limit):
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(16)
    print("port", lsock.getsockname()[1], flush=True)
    while True:
        down, _ = lsock.accept()
        up = socket.create_connection(("127.0.0.1", port))
        closed = threading.Event()
        back = (up, down, mode, limit, closed)
        threading.Thread(target=pump_back, args=back, daemon=True).start()
        threading.Thread(target=pump_forth, args=(down, up, closed), daemon=True).start()


def overlong(announced, sent):
    body = b"\x5a" * sent

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def reply(self, code, data, ctype="application/json"):
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if "/update?" in self.path:
                mac = self.path.split("/")[4]
                answer = {"kind": "general", "mac": mac.upper().replace("-", ":"),
                          "model": "EVSE", "current_version": "1.0.0", "version": "9.9.9",
                          "size": announced,
                          "sha256": hashlib.sha256(body[:announced]).hexdigest(),
                          "url": "/firmware/EVSE/big.bin", "signature": None, "key_id": None}
                self.reply(200, json.dumps(answer).encode())
            elif self.path == "/firmware/EVSE/big.bin":
                # no Content-Length: the device must count for itself
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)
            else:
                self.reply(404, b"{}")

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.reply(202, b'{"accepted":true}')

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print("port", srv.server_address[1], flush=True)
    srv.serve_forever()


def replay(port, path, changes):
    import http.client

    with open(path, "rb") as f:
        captured = json.load(f)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, code, headers, data):
            self.send_response(code)
            for k, v in headers:
                if k.lower() not in ("content-length", "connection", "transfer-encoding",
                                     "date", "server"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def relay(self, method):
            n = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(n) if n else None
            headers = {k: v for k, v in self.headers.items()
                       if k.lower() in ("content-type", "range")}
            up = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            up.request(method, self.path, body=body, headers=headers)
            r = up.getresponse()
            data = r.read()
            up.close()
            self.reply(r.status, r.getheaders(), data)

        def do_GET(self):
            parts = self.path.split("?")[0].split("/")
            if len(parts) == 6 and parts[5] == "update":
                answer = dict(captured)
                answer["mac"] = parts[4].upper().replace("-", ":")
                for change in changes:
                    key, value = change.split("=", 1)
                    answer[key] = value
                self.reply(200, [("Content-Type", "application/json")],
                           json.dumps(answer).encode())
            else:
                self.relay("GET")

        def do_POST(self):
            self.relay("POST")

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print("port", srv.server_address[1], flush=True)
    srv.serve_forever()


def main():
    mode = sys.argv[1]
    if mode in ("cut", "stall"):
        relay(mode, int(sys.argv[2]), int(sys.argv[3]))
    elif mode == "overlong":
        overlong(int(sys.argv[2]), int(sys.argv[3]))
    elif mode == "replay":
        replay(int(sys.argv[2]), sys.argv[3], sys.argv[4:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
