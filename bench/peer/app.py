"""
bench/peer/app.py: the reference peer for callback ingest.

This is how the Python guides that mpesa-pos replaces take M-Pesa STK
callbacks: a Flask view that parses Daraja's callback body and commits it to
SQLite, served by gunicorn with sync workers. It is written as well as such
an app should be, so that the comparison is fair:

  * the pending payment was stored when the STK push was sent (seed() below
    plays that part), keyed by CheckoutRequestID;
  * each callback is stored and applied in ONE transaction, durably (WAL,
    synchronous=FULL) before it is answered;
  * a duplicate callback is answered as a success and not stored twice (a
    UNIQUE CheckoutRequestID, INSERT ... ON CONFLICT DO NOTHING);
  * one SQLite connection per worker process, opened after the fork.

Environment: PEER_DB (the database file), PEER_SECRET (the secret path
segment, as mpesa-pos's URL has one).

    python3 -m app seed DB FIRST N     # N pending payments, ids FIRST..
    PEER_DB=DB PEER_SECRET=S gunicorn -w 2 -k sync -b 127.0.0.1:0 app:app
"""
import json
import os
import sqlite3
import sys
import time

from flask import Flask, abort, jsonify, request

SCHEMA = """
CREATE TABLE IF NOT EXISTS payments (
  id INTEGER PRIMARY KEY,
  checkout_request_id TEXT NOT NULL UNIQUE,
  merchant_request_id TEXT,
  phone TEXT NOT NULL,
  amount INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  receipt TEXT UNIQUE,
  result_code INTEGER,
  result_desc TEXT,
  paid_at TEXT,
  updated_at REAL
);
CREATE TABLE IF NOT EXISTS callbacks (
  id INTEGER PRIMARY KEY,
  checkout_request_id TEXT NOT NULL UNIQUE,
  received_at REAL NOT NULL,
  body TEXT NOT NULL
);
"""

app = Flask(__name__)
SECRET = os.environ.get("PEER_SECRET", "")
_conn = None


def db():
    """One connection per worker process, made on first use (after fork)."""
    global _conn
    if _conn is None:
        _conn = sqlite3.connect(os.environ["PEER_DB"], timeout=30, isolation_level=None)
        _conn.execute("PRAGMA journal_mode=WAL")
        _conn.execute("PRAGMA synchronous=FULL")
        _conn.execute("PRAGMA busy_timeout=30000")
    return _conn


@app.post("/<secret>/stk/<ref>")
def stk_callback(secret, ref):
    if secret != SECRET:
        abort(404)
    raw = request.get_data(as_text=True)
    try:
        cb = json.loads(raw)["Body"]["stkCallback"]
        checkout = cb["CheckoutRequestID"]
        code = int(cb["ResultCode"])
    except (ValueError, KeyError, TypeError):
        return jsonify(ResultCode=1, ResultDesc="Rejected"), 400
    items = {i.get("Name"): i.get("Value")
             for i in cb.get("CallbackMetadata", {}).get("Item", [])}
    conn = db()
    conn.execute("BEGIN IMMEDIATE")
    try:
        cur = conn.execute(
            "INSERT INTO callbacks (checkout_request_id, received_at, body) VALUES (?, ?, ?)"
            " ON CONFLICT (checkout_request_id) DO NOTHING", (checkout, time.time(), raw))
        if cur.rowcount == 1:  # the first time we see it
            conn.execute(
                "UPDATE payments SET status = ?, receipt = ?, result_code = ?, result_desc = ?,"
                " merchant_request_id = ?, paid_at = ?, updated_at = ?"
                " WHERE checkout_request_id = ? AND status = 'pending'",
                ("paid" if code == 0 else "failed", items.get("MpesaReceiptNumber"), code,
                 cb.get("ResultDesc"), cb.get("MerchantRequestID"),
                 str(items.get("TransactionDate")), time.time(), checkout))
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise
    return jsonify(ResultCode=0, ResultDesc="Accepted")


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")


def seed(path, first, n):
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.executescript(SCHEMA)
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO payments (id, checkout_request_id, phone, amount) VALUES (?, ?, ?, 100)",
        ((i, "ws_CO_BENCH_%d" % i, "2547%08d" % ((i - first) % 100000000))
         for i in range(first, first + n)))
    conn.execute("COMMIT")
    conn.close()


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "seed":
        seed(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        print('{"seeded":%d}' % int(sys.argv[4]))
    else:
        sys.exit("usage: python3 app.py seed DB FIRST N")
