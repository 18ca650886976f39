#!/usr/bin/env python3
"""cb_receiver.py: a callback receiver for the daraja-sim test suites.

It plays the integrator's web server: every request (any method) is recorded
as ONE JSON line in --out, written and flushed BEFORE the answer is sent:

  {"seq": 1, "t_ms": 1710400000123, "method": "POST", "path": "/stk",
   "headers": {"content-type": "application/json", ...},   (names lower-case)
   "body": "<raw body as text, invalid UTF-8 replaced>",
   "json": <the body parsed as JSON, or null when it is not JSON>}

How it answers depends on the FIRST path segment, so one receiver serves
every behaviour a suite needs (the simulator posts to whatever URL we give):

  /fail/...    HTTP 500 {"error":"receiver told to fail"}
  /slow/...    waits --slow-ms, then answers 200
  /hang/...    never answers: holds the connection for --hang-s, then closes
  /reject/...  200 {"ResultCode":"<--reject-code>","ResultDesc":"Rejected"}
  anything else: 200 {"ResultCode":0,"ResultDesc":"Accepted"}

C2B validation: a request whose path contains "valid" is rejected (as
/reject/ is) while the file named by --reject-file exists; its content, when
not empty, is the rejection code. Suites create and remove that file to switch
rejection on and off without restarting the receiver.

It prints "listening on http://127.0.0.1:PORT" (port 0 = a free port), the
line tests/lib.sh t_wait_listening waits for. Standard library only.
"""
import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 4 * 1024 * 1024


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cb-receiver/1"

    def log_message(self, fmt, *args):  # keep stderr quiet
        pass

    def _record(self, body):
        opts = self.server.opts
        text = body.decode("utf-8", errors="replace")
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        with self.server.lock:
            self.server.seq += 1
            line = json.dumps({
                "seq": self.server.seq,
                "t_ms": int(time.time() * 1000),
                "method": self.command,
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": text,
                "json": parsed,
            }, separators=(",", ":"))
            with open(opts.out, "a", encoding="utf-8") as f:
                f.write(line + "\n")
                f.flush()

    def _answer(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self):
        opts = self.server.opts
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        length = max(0, min(length, MAX_BODY))
        body = self.rfile.read(length) if length else b""
        self._record(body)

        first = self.path.split("?", 1)[0].strip("/").split("/", 1)[0]
        reject_code = None
        if first == "reject":
            reject_code = opts.reject_code
        elif "valid" in self.path and opts.reject_file and os.path.exists(opts.reject_file):
            with open(opts.reject_file, encoding="utf-8") as f:
                reject_code = f.read().strip() or opts.reject_code

        if first == "fail":
            self._answer(500, {"error": "receiver told to fail"})
        elif first == "hang":
            time.sleep(opts.hang_s)
            self.close_connection = True
        elif reject_code is not None:
            self._answer(200, {"ResultCode": reject_code, "ResultDesc": "Rejected"})
        else:
            if first == "slow":
                time.sleep(opts.slow_ms / 1000.0)
            self._answer(200, {"ResultCode": 0, "ResultDesc": "Accepted"})

    do_POST = _handle
    do_PUT = _handle
    do_GET = _handle


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--out", required=True, help="JSON-lines file to append to")
    ap.add_argument("--reject-file", default="", help="reject C2B validation while this file exists")
    ap.add_argument("--reject-code", default="C2B00012")
    ap.add_argument("--slow-ms", type=int, default=3000)
    ap.add_argument("--hang-s", type=float, default=30.0)
    opts = ap.parse_args()

    srv = ThreadingHTTPServer(("127.0.0.1", opts.port), Receiver)
    srv.daemon_threads = True
    srv.opts = opts
    srv.lock = threading.Lock()
    srv.seq = 0
    open(opts.out, "a").close()
    print("listening on http://127.0.0.1:%d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
