"""Start the emulator as a subprocess and talk to its admin API: for fixtures, benchmarks, scripts.

    from tests.emulator.harness import run_emulator

    with run_emulator(fault_500_rate=0.1, state_file="/tmp/sms.db") as emu:
        print(emu.base_url, emu.ak, emu.project_id)
        emu.set_faults({"rules": []})

Keyword options map to the command-line flags: ``state_file="x"`` -> ``--state-file x``,
``no_strict=True`` -> ``--no-strict``; ``None`` and ``False`` leave a flag out.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from .accounts import DEFAULT_ACCOUNTS

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30
STOP_TIMEOUT = 10

# Never route the loopback admin calls through a proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def cli_args(options: dict) -> list[str]:
    args = []
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if value is True:
            args.append(flag)
        elif value is not None and value is not False:
            args += [flag, str(value)]
    return args


class EmulatorError(RuntimeError):
    """The emulator process failed to start or an admin call failed."""


class Emulator:
    """A running emulator process, with the demo identity of its first account."""

    def __init__(self, process: subprocess.Popen, base_url: str, accounts: dict, stderr_path: str):
        self.process = process
        self.base_url = base_url
        self._stderr_path = stderr_path
        account = accounts["accounts"][0]
        credentials = account.get("credentials", [])
        permanent = next((c for c in credentials if not c.get("security_token")), {})
        temporary = next((c for c in credentials if c.get("security_token")), {})
        user = (account.get("users") or [{}])[0]
        project = account["projects"][0]
        self.ak, self.sk = permanent.get("ak"), permanent.get("sk")
        self.temp_ak, self.temp_sk = temporary.get("ak"), temporary.get("sk")
        self.security_token = temporary.get("security_token")
        self.domain_name, self.domain_id = account["domain_name"], account["domain_id"]
        self.username, self.password = user.get("name"), user.get("password")
        self.region, self.project_id = project["name"], project["id"]
        self.projects = {p["name"]: p["id"] for p in account["projects"]}

    def __repr__(self):
        return f"<Emulator {self.base_url} pid={self.process.pid}>"

    def _admin(self, method: str, name: str, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.base_url}/_emulator/{name}", data=data, method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with _OPENER.open(request, timeout=30) as response:
                return json.load(response)
        except urllib.error.HTTPError as exc:
            raise EmulatorError(f"{method} /_emulator/{name}: {exc.code} {exc.read().decode(errors='replace')}") from None

    def health(self) -> dict:
        return self._admin("GET", "health")

    def log(self) -> list[dict]:
        return self._admin("GET", "log")["requests"]

    def counters(self) -> dict:
        return self._admin("GET", "counters")

    def sources(self) -> list[dict]:
        return self._admin("GET", "sources")["sources"]

    def faults(self) -> dict:
        return self._admin("GET", "faults")

    def set_faults(self, config: dict) -> dict:
        return self._admin("PUT", "faults", config)

    def reset(self, **parts: bool) -> dict:
        """Reset everything, or only the parts given (``log``, ``state``, ``faults``, ``auth``)."""
        return self._admin("POST", "reset", {key: bool(value) for key, value in parts.items()})

    def env(self) -> dict:
        """The environment variables the SDK and the collection read, pointing at this emulator."""
        return {
            "HUAWEICLOUD_SDK_AK": self.ak,
            "HUAWEICLOUD_SDK_SK": self.sk,
            "HUAWEICLOUD_SDK_PROJECT_ID": self.project_id,
            "HUAWEICLOUD_SDK_DOMAIN_ID": self.domain_id,
            "HUAWEICLOUD_SDK_REGION": self.region,
            "HUAWEICLOUD_SDK_IAM_ENDPOINT": self.base_url,
            "HUAWEICLOUD_SMS_ENDPOINT": self.base_url,
            # SmsRegion.value_of(region) in the official SDK honours this override
            "HUAWEICLOUD_SDK_REGION_SMS_" + self.region.upper().replace("-", "_"): self.base_url,
        }

    def stderr(self) -> str:
        return Path(self._stderr_path).read_text(errors="replace")

    def stop(self) -> int | None:
        """Terminate the process (SIGTERM, then SIGKILL) and return its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(STOP_TIMEOUT)
        if self.process.stdout:
            self.process.stdout.close()
        return self.process.returncode


def _read_base_url(process: subprocess.Popen, stderr_path: str) -> str:
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        ready = selector.select(START_TIMEOUT)
    line = process.stdout.readline().strip() if ready else ""
    if not line.startswith("http://"):
        process.kill()
        process.wait()
        raise EmulatorError(f"the emulator did not start: {Path(stderr_path).read_text(errors='replace')[-2000:]}")
    return line


@contextmanager
def run_emulator(**cli_options):
    """Run ``python -m tests.emulator`` on a free loopback port; always stop it on exit."""
    options = {"host": "127.0.0.1", "port": 0, **cli_options}
    accounts = DEFAULT_ACCOUNTS
    if options.get("accounts"):
        accounts = json.loads(Path(options["accounts"]).read_text(encoding="utf-8"))
    stderr_file = tempfile.NamedTemporaryFile(prefix="sms-emulator-", suffix=".stderr", delete=False)
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.emulator", *cli_args(options)],
        cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr_file, text=True,
    )
    emulator = None
    try:
        emulator = Emulator(process, _read_base_url(process, stderr_file.name), accounts, stderr_file.name)
        yield emulator
    finally:
        if emulator is not None:
            emulator.stop()
        elif process.poll() is None:
            process.kill()
            process.wait()
        stderr_file.close()
        os.unlink(stderr_file.name)
