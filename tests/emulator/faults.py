"""Injected faults: 500/503, 429 throttling, latency, commit-then-drop, late commits, garbled 2xx
bodies and a per-AK rate limit.

A rule targets a method (``"*"`` = any) and a path. The path matches as a *segment prefix*:
``/v3/sources`` matches ``/v3/sources`` and ``/v3/sources/abc/changestate`` but not
``/v3/sourcesx``; ``""`` or ``"*"`` match every path. The first matching rule applies. Every
decision draws the same four numbers from one seeded RNG (two more when the rule has a late-commit
or garble rate), so a sequential run is reproducible.
"""

from __future__ import annotations

import collections
import math
import random
import threading
import time
from dataclasses import asdict, dataclass, fields

from .validation import is_integer, is_number

RATE_KEYS = ("status_500_rate", "status_503_rate", "throttle_rate", "drop_after_commit_rate", "late_commit_rate",
             "garble_rate")
# What a garbled 2xx carries instead of the JSON the call expects (a proxy's page, a cut answer).
GARBLED_BODIES = {
    "html": b"<!DOCTYPE html><html><head><title>Welcome</title></head><body>Gateway portal</body></html>",
    "empty": b"",
    "truncated": b'{"count": 1, "source_servers": [{"id": "',
    "null": b"null",
}


class FaultConfigError(ValueError):
    """The fault document is malformed."""


@dataclass(frozen=True)
class Rule:
    method: str = "*"
    path: str = ""
    status_500_rate: float = 0.0
    status_503_rate: float = 0.0
    throttle_rate: float = 0.0
    retry_after: int = 1
    drop_after_commit_rate: float = 0.0
    latency_ms: int = 0
    late_commit_rate: float = 0.0  # hold the request late_commit_ms, then commit and drop the connection
    late_commit_ms: int = 0
    garble_rate: float = 0.0  # a 2xx is answered with GARBLED_BODIES[garble] instead of its JSON
    garble: str = "html"

    @classmethod
    def parse(cls, doc) -> "Rule":
        if not isinstance(doc, dict):
            raise FaultConfigError("each rule must be an object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(doc) - known)
        if unknown:
            raise FaultConfigError(f"unknown rule keys: {', '.join(unknown)}")
        rule = cls(**doc)
        if not isinstance(rule.method, str) or not isinstance(rule.path, str):
            raise FaultConfigError("method and path must be strings")
        for key in RATE_KEYS:
            value = getattr(rule, key)
            if not is_number(value) or not 0 <= value <= 1:
                raise FaultConfigError(f"{key} must be a number between 0 and 1")
        if rule.garble not in GARBLED_BODIES:
            raise FaultConfigError(f"garble must be one of {', '.join(GARBLED_BODIES)}")
        for key in ("retry_after", "latency_ms", "late_commit_ms"):
            if not is_integer(getattr(rule, key)) or getattr(rule, key) < 0:
                raise FaultConfigError(f"{key} must be a non-negative integer")
        return cls(**{**asdict(rule), "method": rule.method.upper()})

    def matches(self, method: str, path: str) -> bool:
        if self.method not in ("*", method):
            return False
        prefix = self.path.rstrip("/")
        return self.path in ("", "*") or path == prefix or path.startswith(prefix + "/")


@dataclass(frozen=True)
class Decision:
    latency_ms: int = 0
    status: int | None = None  # 429, 500 or 503 returned instead of handling the request
    retry_after: int = 1
    drop: bool = False  # handle the request, commit, then close the connection without a response
    late_commit_ms: int = 0  # wait this long before handling (the client gives up), then commit and drop
    garble: str | None = None  # send GARBLED_BODIES[garble] instead of a 2xx body


def _parse_rate_limit(doc):
    if doc is None:
        return None
    if not isinstance(doc, dict) or set(doc) != {"requests", "per_seconds"}:
        raise FaultConfigError('rate_limit_per_ak must be null or {"requests": N, "per_seconds": S}')
    if not is_integer(doc["requests"]) or doc["requests"] < 1:
        raise FaultConfigError("rate_limit_per_ak.requests must be a positive integer")
    if not is_number(doc["per_seconds"]) or doc["per_seconds"] <= 0:
        raise FaultConfigError("rate_limit_per_ak.per_seconds must be a positive number")
    return dict(doc)


class Faults:
    def __init__(self, config: dict | None = None):
        self._lock = threading.Lock()
        self._baseline = self._parse(config or {})
        self._apply(self._baseline)

    @staticmethod
    def _parse(doc) -> dict:
        if not isinstance(doc, dict):
            raise FaultConfigError("the fault configuration must be an object")
        unknown = sorted(set(doc) - {"rules", "rate_limit_per_ak", "seed"})
        if unknown:
            raise FaultConfigError(f"unknown keys: {', '.join(unknown)}")
        rules = doc.get("rules") or []
        if not isinstance(rules, list):
            raise FaultConfigError("rules must be a list")
        seed = doc.get("seed")
        if seed is not None and not is_integer(seed):
            raise FaultConfigError("seed must be an integer or null")
        return {
            "rules": [Rule.parse(r) for r in rules],
            "rate_limit_per_ak": _parse_rate_limit(doc.get("rate_limit_per_ak")),
            "seed": seed,
        }

    def _apply(self, parsed: dict):
        with self._lock:
            self._config = parsed
            self._rng = random.Random(parsed["seed"])
            self._windows: dict[str, collections.deque] = {}

    def configure(self, doc: dict) -> dict:
        self._apply(self._parse(doc))
        return self.snapshot()

    def reset(self):
        """Back to the configuration given on the command line."""
        self._apply(self._baseline)

    def snapshot(self) -> dict:
        with self._lock:
            config = self._config
            return {
                "rules": [asdict(r) for r in config["rules"]],
                "rate_limit_per_ak": config["rate_limit_per_ak"],
                "seed": config["seed"],
            }

    def decide(self, method: str, path: str) -> Decision:
        with self._lock:
            rule = next((r for r in self._config["rules"] if r.matches(method, path)), None)
            if rule is None:
                return Decision()
            throttle, s500, s503, drop = (self._rng.random() for _draw in range(4))
            late, garble = ((self._rng.random() for _draw in range(2)) if rule.late_commit_rate or rule.garble_rate
                            else (1.0, 1.0))
        status = None
        if throttle < rule.throttle_rate:
            status = 429
        elif s500 < rule.status_500_rate:
            status = 500
        elif s503 < rule.status_503_rate:
            status = 503
        late_ms = rule.late_commit_ms if late < rule.late_commit_rate else 0
        return Decision(rule.latency_ms, status, rule.retry_after, drop < rule.drop_after_commit_rate or bool(late_ms),
                        late_ms, rule.garble if garble < rule.garble_rate and not late_ms else None)

    def rate_limited(self, key: str) -> tuple[int, float] | None:
        """Sliding-window limit per AK. Returns (limit, seconds to wait) when over it."""
        with self._lock:
            limit = self._config["rate_limit_per_ak"]
            if limit is None or key is None:
                return None
            now = time.monotonic()
            window = self._windows.setdefault(key, collections.deque())
            while window and now - window[0] >= limit["per_seconds"]:
                window.popleft()
            if len(window) >= limit["requests"]:
                return limit, limit["per_seconds"] - (now - window[0])
            window.append(now)
            return None


def retry_after_header(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))
