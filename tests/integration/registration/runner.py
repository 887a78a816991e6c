"""Run ``ansible-playbook`` from the repository's venv against the SMS emulator; collect what it printed.

Used by tests/integration/test_registration.py, test_fleet.py and tests/bench/fleet.py.
"""

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent
COLLECTIONS = REPO / ".tmp" / "collections"
ANSIBLE_PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"
RECAP = re.compile(r"^(?P<host>\S+)\s*: ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)"
                   r"\s+failed=(?P<failed>\d+)", re.M)


@dataclass
class PlaybookRun:
    rc: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def failures(self) -> str:
        """The ``fatal:`` lines, to explain a failed run in an assertion message."""
        return "\n".join(line[:2000] for line in self.stdout.splitlines() if line.startswith(("fatal:", "failed:")))

    def recap(self) -> dict:
        """``{host: {"ok": n, "changed": n, "unreachable": n, "failed": n}}`` from PLAY RECAP."""
        return {m["host"]: {k: int(m[k]) for k in ("ok", "changed", "unreachable", "failed")}
                for m in RECAP.finditer(self.stdout)}


def playbook_env(emulator, ansible_home, extra=None, credentials=True) -> dict:
    """A clean environment: no HUAWEICLOUD_* from the caller, the emulator's endpoints, no proxy for it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUAWEICLOUD_", "ANSIBLE_"))}
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS),
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
        "ANSIBLE_HOME": str(ansible_home),
        "ANSIBLE_LOCAL_TEMP": str(Path(ansible_home) / "tmp"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_PIPELINING": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_DEPRECATION_WARNINGS": "0",
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    })
    emulator_env = emulator.env()
    if not credentials:
        for key in ("HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_PROJECT_ID"):
            emulator_env.pop(key)
    env.update(emulator_env)
    env.update(extra or {})
    return env


def run_playbook(playbook, inventory, env, extra_vars=None, args=(), timeout=600) -> PlaybookRun:
    command = [str(ANSIBLE_PLAYBOOK), "-i", str(inventory), str(HERE / playbook), *args]
    if extra_vars:
        command += ["-e", json.dumps(extra_vars)]
    started = time.monotonic()
    done = subprocess.run(command, env=env, cwd=str(HERE), capture_output=True, text=True, timeout=timeout,
                          check=False)
    return PlaybookRun(done.returncode, done.stdout, done.stderr, time.monotonic() - started)


def secrets_of(emulator, *extra) -> list:
    """Every value a credential holds, for 'never printed' assertions."""
    return [s for s in (emulator.sk, emulator.password, emulator.temp_sk, emulator.security_token, *extra) if s]
