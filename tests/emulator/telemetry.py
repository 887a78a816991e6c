"""Request log and counters for ``/_emulator/log`` and ``/_emulator/counters``.

Only SMS/IAM traffic is recorded; ``/_emulator/*`` calls are not. Secrets and bodies never are.
"""

from __future__ import annotations

import collections
import threading

FAULT_KINDS = ("status_500", "status_503", "throttle_429", "rate_limit_429", "drop_after_commit", "latency")


class Telemetry:
    def __init__(self, log_limit: int = 100_000):
        self._lock = threading.Lock()
        self._log_limit = log_limit
        self.reset()

    def reset(self):
        with self._lock:
            self._log = collections.deque(maxlen=self._log_limit)
            self._seq = 0
            self._requests = 0
            self._writes = 0
            self._by_route = collections.Counter()
            self._faults = dict.fromkeys(FAULT_KINDS, 0)

    def fault(self, kind: str):
        with self._lock:
            self._faults[kind] = self._faults.get(kind, 0) + 1  # late_commit, garbled: listed once they happen

    def record(self, entry: dict, *, route: str, write: bool):
        with self._lock:
            self._seq += 1
            self._requests += 1
            self._writes += int(write)
            self._by_route[route] += 1
            self._log.append({"seq": self._seq, **entry})

    def log(self) -> list[dict]:
        with self._lock:
            return list(self._log)

    def counters(self, sources: int) -> dict:
        with self._lock:
            return {
                "requests": self._requests,
                "by_route": dict(self._by_route),
                "writes": self._writes,
                "sources": sources,
                "faults_injected": dict(self._faults),
            }
