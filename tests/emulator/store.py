"""Thread-safe persistence of source records: SQLite in memory, or in a file (``--state-file``)."""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import contextmanager

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sources (
    id TEXT PRIMARY KEY,
    domain_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sources_domain ON sources (domain_id, seq);
"""


class Store:
    """One connection shared by all handler threads and serialised by a lock.

    ``transaction()`` holds the lock across a read-check-write sequence (quota, update in place)
    so concurrent registrations cannot interleave; every other method locks on its own.
    """

    def __init__(self, path: str | None = None):
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path or ":memory:", check_same_thread=False, isolation_level=None)
        if path:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._seq = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM sources").fetchone()[0]

    @contextmanager
    def transaction(self):
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def get(self, source_id: str, domain_id: str | None = None) -> dict | None:
        with self._lock:
            row = self._db.execute("SELECT domain_id, doc FROM sources WHERE id = ?", (source_id,)).fetchone()
        if row is None or (domain_id is not None and row[0] != domain_id):
            return None
        return json.loads(row[1])

    def list(self, domain_id: str | None = None) -> list[dict]:
        """Records newest first."""
        sql, args = "SELECT doc FROM sources ORDER BY seq DESC", ()
        if domain_id is not None:
            sql, args = "SELECT doc FROM sources WHERE domain_id = ? ORDER BY seq DESC", (domain_id,)
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [json.loads(row[0]) for row in rows]

    def count(self, domain_id: str | None = None) -> int:
        sql, args = "SELECT COUNT(*) FROM sources", ()
        if domain_id is not None:
            sql, args = "SELECT COUNT(*) FROM sources WHERE domain_id = ?", (domain_id,)
        with self._lock:
            return self._db.execute(sql, args).fetchone()[0]

    def put(self, record: dict):
        with self._lock:
            row = self._db.execute("SELECT seq FROM sources WHERE id = ?", (record["id"],)).fetchone()
            if row is None:
                self._seq += 1
            self._db.execute(
                "INSERT OR REPLACE INTO sources (id, domain_id, seq, doc) VALUES (?, ?, ?, ?)",
                (record["id"], record["owner_domain_id"], row[0] if row else self._seq, json.dumps(record)),
            )

    def delete(self, ids) -> int:
        with self._lock:
            cursor = self._db.executemany("DELETE FROM sources WHERE id = ?", [(i,) for i in ids])
            return cursor.rowcount

    def clear(self):
        with self._lock:
            self._db.execute("DELETE FROM sources")

    def close(self):
        with self._lock:
            self._db.close()
