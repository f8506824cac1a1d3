#!/usr/bin/env python3
"""webhook_receiver.py: a webhook receiver for the tests, on 127.0.0.1 only.

Checks each POST's X-Fwhub-Signature (sha256=HMAC-SHA256(secret, body) in hex) and
appends one JSON line per request to --log: event, delivery, signature_ok, answered
(the status it sent back) and the body parsed. Answers 401 to a bad signature, 500 to
the first --fail-first requests and while the file --fail-while exists, else 200.
Writes its port to --port-file once it listens.
"""
import argparse
import hashlib
import hmac
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--secret-file", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--fail-first", type=int, default=0)
    ap.add_argument("--fail-while", default=None)
    a = ap.parse_args()
    with open(a.secret_file, "rb") as f:
        secret = f.read().rstrip(b"\r\n")
    state = {"seen": 0}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, fmt, *args):
            pass

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(n)
            want = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
            got = self.headers.get("X-Fwhub-Signature", "")
            ok = hmac.compare_digest(want, got)
            state["seen"] += 1
            if not ok:
                code = 401
            elif state["seen"] <= a.fail_first or (a.fail_while and os.path.exists(a.fail_while)):
                code = 500
            else:
                code = 200
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
            rec = {
                "event": self.headers.get("X-Fwhub-Event"),
                "delivery": self.headers.get("X-Fwhub-Delivery"),
                "content_type": self.headers.get("Content-Type"),
                "signature_ok": ok,
                "answered": code,
                "body": parsed,
            }
            with open(a.log, "a") as f:
                f.write(json.dumps(rec, sort_keys=True) + "\n")
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

    srv = HTTPServer(("127.0.0.1", 0), Handler)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
