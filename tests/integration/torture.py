#!/usr/bin/env python3
"""tests/integration/torture.py: hostile traffic for `mpesa-pos serve`.

Used by test_serve_torture.sh; each mode prints one JSON object.

  torture.py mutate URL SECRET FIXTURE FIRST N SEED
      N hostile variants of a real STK callback (wrong types, absurd values,
      huge strings, broken bytes), each posted to the route of a seeded
      transaction FIRST..FIRST+N-1: {"sent":N,"codes":{"200":a,"400":b},"errors":e}
  torture.py flood URL PATH N [XFF]
      N POSTs of a small JSON body on one keep-alive connection, optionally
      as X-Forwarded-For XFF: {"codes":{...},"errors":e}
  torture.py slow URL CONNS SECONDS
      CONNS connections that send half a request and stall for SECONDS while
      this process times plain GETs of /healthz on fresh connections:
      {"stalled":CONNS,"probes":n,"probe_max_ms":m,"probe_errors":e}
"""
import http.client
import json
import random
import socket
import sys
import threading
import time
from urllib.parse import urlparse


def conn_of(url, timeout=15):
    u = urlparse(url)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)


def post(c, path, body, headers=None):
    h = {"Content-Type": "application/json"}
    if headers:
        h.update(headers)
    c.request("POST", path, body=body, headers=h)
    r = c.getresponse()
    r.read()
    return r.status


def variants(base, rng):
    """Hostile versions of a parsed STK callback, as bytes."""
    cb = base["Body"]["stkCallback"]
    weird = [None, True, [], {}, "", "0", "abc", -1, 1e308, 10.5, 2**70,
             "x" * 20000, "\u0000", "\ud7ff" * 50, [[[[[]]]]], {"Value": 1}]
    out = []
    for key in ("MerchantRequestID", "CheckoutRequestID", "ResultCode",
                "ResultDesc", "CallbackMetadata"):
        for w in weird:
            v = json.loads(json.dumps(base))
            v["Body"]["stkCallback"][key] = w
            out.append(json.dumps(v).encode())
    items = cb["CallbackMetadata"]["Item"]
    for i in range(len(items)):
        for w in weird:
            v = json.loads(json.dumps(base))
            v["Body"]["stkCallback"]["CallbackMetadata"]["Item"][i]["Value"] = w
            out.append(json.dumps(v).encode())
            v = json.loads(json.dumps(base))
            v["Body"]["stkCallback"]["CallbackMetadata"]["Item"][i]["Name"] = w
            out.append(json.dumps(v).encode())
    for w in weird:
        out.append(json.dumps({"Body": w}).encode())
        out.append(json.dumps(w).encode())
    # Byte-level damage to the real body.
    raw = json.dumps(base).encode()
    for _ in range(120):
        b = bytearray(raw)
        for _ in range(rng.randint(1, 8)):
            p = rng.randrange(len(b))
            b[p] = rng.randrange(256)
        out.append(bytes(b))
    for cut in range(1, len(raw), max(1, len(raw) // 30)):
        out.append(raw[:cut])
    # Duplicate keys: the last one wins in most parsers; ours must not crash.
    out.append(raw[:-2] + b',"Body":{"stkCallback":{"ResultCode":1032}}}')
    rng.shuffle(out)
    return out


def mutate(url, secret, fixture, first, n, seed):
    rng = random.Random(seed)
    with open(fixture, "rb") as f:
        base = json.load(f)
    bodies = variants(base, rng)
    codes, errors = {}, 0
    c = conn_of(url)
    for i in range(n):
        body = bodies[i % len(bodies)]
        path = "/%s/stk/T%06d" % (secret, first + (i % 40))
        try:
            s = post(c, path, body)
            codes[str(s)] = codes.get(str(s), 0) + 1
        except (OSError, http.client.HTTPException):
            errors += 1
            c.close()
            c = conn_of(url)
    print(json.dumps({"sent": n, "codes": codes, "errors": errors}, sort_keys=True))


def flood(url, path, n, xff=None):
    codes, errors = {}, 0
    c = conn_of(url)
    hdr = {"X-Forwarded-For": xff} if xff else None
    for _ in range(n):
        try:
            s = post(c, path, b'{"Body":{}}', hdr)
            codes[str(s)] = codes.get(str(s), 0) + 1
        except (OSError, http.client.HTTPException):
            errors += 1
            c.close()
            c = conn_of(url)
    print(json.dumps({"codes": codes, "errors": errors}, sort_keys=True))


def slow(url, conns, seconds):
    u = urlparse(url)
    socks = []
    for _ in range(conns):
        s = socket.create_connection((u.hostname, u.port), timeout=5)
        s.sendall(b"POST /x/stk/T000001 HTTP/1.1\r\nHost: a\r\nContent-Type: appl")
        socks.append(s)
    probes, worst, perr = 0, 0.0, 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t0 = time.monotonic()
        try:
            c = conn_of(url, timeout=seconds + 5)
            c.request("GET", "/healthz")
            r = c.getresponse()
            r.read()
            c.close()
            if r.status != 200:
                perr += 1
        except (OSError, http.client.HTTPException):
            perr += 1
        worst = max(worst, time.monotonic() - t0)
        probes += 1
        time.sleep(0.05)
    for s in socks:
        s.close()
    print(json.dumps({"stalled": conns, "probes": probes,
                      "probe_max_ms": int(worst * 1000), "probe_errors": perr},
                     sort_keys=True))


def main(argv):
    mode = argv[1]
    if mode == "mutate":
        mutate(argv[2], argv[3], argv[4], int(argv[5]), int(argv[6]), int(argv[7]))
    elif mode == "flood":
        flood(argv[2], argv[3], int(argv[4]), argv[5] if len(argv) > 5 else None)
    elif mode == "slow":
        slow(argv[2], int(argv[3]), float(argv[4]))
    else:
        sys.exit("usage: see the top of torture.py")


if __name__ == "__main__":
    main(sys.argv)
