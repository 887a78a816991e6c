"""Start and stop detached helper servers for Molecule scenarios and scripts (FOR TESTS ONLY).

    python -m tests.agent_standin.background start --state-dir D --name emulator -- \
        python -m tests.emulator --host 127.0.0.1 --port 0
    python -m tests.agent_standin.background stop --state-dir D [--name emulator]

``start`` runs the command in its own session with stdout/stderr in ``D/<name>.log``, waits for
the first stdout line to be a URL (the convention of ``tests.emulator`` and
``tests.agent_standin.fileserver``), writes ``D/<name>.json`` (``pid``, ``url``, ``argv``) and
prints the URL. ``stop`` ends exactly the processes recorded there (SIGTERM to the process
group, SIGKILL after a grace period), after checking that the pid still runs the recorded
command, and removes the record. Both are idempotent.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30
STOP_TIMEOUT = 10


class BackgroundError(RuntimeError):
    """A helper server did not start."""


def _record(state_dir: Path, name: str) -> Path:
    return state_dir / ("%s.json" % name)


def _cmdline(pid: int) -> list[str] | None:
    try:
        raw = Path("/proc/%d/cmdline" % pid).read_bytes()
        state = Path("/proc/%d/stat" % pid).read_text().rsplit(")", 1)[-1].split()[0]
    except OSError:
        return None
    return None if state == "Z" else [os.fsdecode(part) for part in raw.split(b"\0") if part]


def _alive(record: dict) -> bool:
    """The recorded pid still runs the recorded command (not a recycled pid)."""
    return _cmdline(record["pid"]) == record["argv"]


def read(state_dir, name: str) -> dict | None:
    path = _record(Path(state_dir), name)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if _alive(record) else None


def start(state_dir, name: str, argv: list[str], cwd=REPO_ROOT, timeout: float = START_TIMEOUT) -> str:
    """Start argv detached unless already running; return its base URL."""
    state_dir = Path(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    running = read(state_dir, name)
    if running:
        return running["url"]
    log_path = state_dir / ("%s.log" % name)
    with open(os.devnull, "rb") as devnull, open(log_path, "wb") as log:
        process = subprocess.Popen(  # pylint: disable=consider-using-with  # detached on purpose
            argv, cwd=str(cwd), stdin=devnull, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        first = log_path.read_text(errors="replace").split("\n", 1)
        if len(first) == 2 and first[0].startswith("http"):
            record = {"pid": process.pid, "url": first[0].strip(), "argv": _cmdline(process.pid) or list(argv)}
            _record(state_dir, name).write_text(json.dumps(record), encoding="utf-8")
            return record["url"]
        if process.poll() is not None:
            break
        time.sleep(0.1)
    _terminate(process.pid)
    raise BackgroundError("%s did not start: %s" % (name, log_path.read_text(errors="replace")[-2000:]))


def _terminate(pid: int):
    for signum, grace in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, STOP_TIMEOUT)):
        try:
            os.killpg(pid, signum)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            try:
                reaped = os.waitpid(pid, os.WNOHANG)[0]
            except ChildProcessError:
                reaped = 0 if _cmdline(pid) is not None else pid
            if reaped == pid:
                return
            time.sleep(0.1)


def stop(state_dir, name: str) -> bool:
    """Stop the recorded process if it still runs; True when something was stopped."""
    path = _record(Path(state_dir), name)
    record = read(state_dir, name)
    if record:
        _terminate(record["pid"])
    if path.exists():
        path.unlink()
    return record is not None


def names(state_dir) -> list[str]:
    return sorted(path.stem for path in Path(state_dir).glob("*.json"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.agent_standin.background", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    starting = sub.add_parser("start", help="start a server and print its URL")
    stopping = sub.add_parser("stop", help="stop one server, or all of a state directory")
    for command in (starting, stopping):
        command.add_argument("--state-dir", required=True, help="where records and logs are kept")
    starting.add_argument("--name", required=True)
    starting.add_argument("argv", nargs=argparse.REMAINDER, help="-- command and arguments")
    stopping.add_argument("--name", help="default: every server recorded in the state directory")
    args = parser.parse_args(argv)
    if args.command == "start":
        command = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
        if not command:
            parser.error("start needs a command after --")
        try:
            print(start(args.state_dir, args.name, command))
        except BackgroundError as exc:
            print(str(exc), file=sys.stderr)
            return 1
        return 0
    for name in [args.name] if args.name else names(args.state_dir):
        print("%s: %s" % (name, "stopped" if stop(args.state_dir, name) else "not running"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
