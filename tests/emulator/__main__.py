"""``python -m tests.emulator``: serve the SMS emulator until SIGTERM/SIGINT.

The first line on stdout is the base URL (SMS and IAM endpoint at once); nothing else is printed.
"""

from __future__ import annotations

import argparse
import signal
import sqlite3
import sys
import threading

from .accounts import AccountsError
from .auth import require_sdk
from .faults import FaultConfigError


def _rate(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.emulator", description=__doc__)
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    add("--port", type=int, default=0, help="port, 0 = any free port (default)")
    add("--state-file", help="SQLite file that keeps the sources across restarts (default: in memory)")
    add("--accounts", help="JSON file replacing the default demo accounts (see README.md)")
    add("--no-strict", dest="strict", action="store_false", help="accept unknown keys and missing Linux fields")
    add("--fault-500-rate", type=_rate, default=0.0, help="probability of an injected HTTP 500")
    add("--fault-503-rate", type=_rate, default=0.0, help="probability of an injected HTTP 503")
    add("--fault-429-rate", type=_rate, default=0.0, help="probability of an injected 429 APIGW.0308")
    add("--fault-drop-rate", type=_rate, default=0.0, help="probability of commit-then-drop on a 2xx")
    add("--fault-retry-after", type=int, default=1, help="Retry-After seconds of injected 429s (default 1)")
    add("--fault-seed", type=int, help="seed of the fault RNG (reproducible faults)")
    add("--latency-ms", type=int, default=0, help="latency added to every SMS/IAM request")
    add("--rate-limit-per-ak", type=int, help="requests per second allowed per AK (429 APIGW.0308 above)")
    add("--token-ttl", type=float, default=86400, help="IAM token lifetime in seconds (default 86400)")
    add("--max-body-bytes", type=int, default=1024 * 1024, help="request body limit (default 1 MiB, 413 above)")
    add("--source-quota", type=int, default=1000, help="source servers per account (default 1000)")
    add("--lockout-threshold", type=int, default=5, help="consecutive AK/SK failures that lock the AK (default 5)")
    add("--lockout-seconds", type=float, default=300, help="how long a locked AK stays locked (default 300)")
    add("--max-skew-seconds", type=float, default=900, help="accepted X-Sdk-Date skew (default 900)")
    add("--log-limit", type=int, default=100_000, help="request-log entries kept (default 100000)")
    return parser.parse_args(argv)


def fault_baseline(args: argparse.Namespace) -> dict:
    rule = {
        "method": "*", "path": "",
        "status_500_rate": args.fault_500_rate, "status_503_rate": args.fault_503_rate,
        "throttle_rate": args.fault_429_rate, "retry_after": args.fault_retry_after,
        "drop_after_commit_rate": args.fault_drop_rate, "latency_ms": args.latency_ms,
    }
    active = any(rule[k] for k in ("status_500_rate", "status_503_rate", "throttle_rate",
                                   "drop_after_commit_rate", "latency_ms"))
    limit = args.rate_limit_per_ak
    return {
        "rules": [rule] if active else [],
        "rate_limit_per_ak": {"requests": limit, "per_seconds": 1} if limit else None,
        "seed": args.fault_seed,
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    require_sdk()
    from .app import App, Config
    from .server import EmulatorServer

    config = Config(
        strict=args.strict, max_body_bytes=args.max_body_bytes, source_quota=args.source_quota,
        token_ttl=args.token_ttl, lockout_threshold=args.lockout_threshold,
        lockout_seconds=args.lockout_seconds, max_skew_seconds=args.max_skew_seconds,
        log_limit=args.log_limit, state_file=args.state_file, accounts_file=args.accounts,
    )
    try:
        app = App(config, fault_baseline(args))
    except (AccountsError, FaultConfigError, OSError, sqlite3.Error) as exc:
        print(f"tests.emulator: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    server = EmulatorServer((args.host, args.port), app)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    print(server.base_url, flush=True)
    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    app.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
