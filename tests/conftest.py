"""Shared pytest configuration: the collection on sys.path, the SMS emulator fixtures and the
``ansible_core`` fixture that runs a test once per supported ansible-core."""

import os
import sys
from dataclasses import dataclass

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, ".tmp", "collections")
_LINK = os.path.join(COLLECTIONS, "ansible_collections", "hwcloud", "sms")

if not os.path.islink(_LINK):
    os.makedirs(os.path.dirname(_LINK), exist_ok=True)
    os.symlink(ROOT, _LINK)
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)

pytest_plugins = ["tests.emulator.pytest_plugin"]

# Supported ansible-core lines and the virtualenv (from `make venv`) that holds each one.
ANSIBLE_CORES = {
    "2.16": os.path.join(ROOT, ".venv-legacy"),
    "2.19": os.path.join(ROOT, ".venv"),
}


@dataclass(frozen=True)
class AnsibleCore:
    """One installed ansible-core: its command lines and a clean environment to run them in."""

    version: str  # "2.16", "2.19": the release line, also the test id
    bin_dir: str
    home: str  # ANSIBLE_HOME of this test, a fresh directory

    @property
    def python(self) -> str:
        """The interpreter of this ansible-core's virtualenv (it has requests and jmespath)."""
        return os.path.join(self.bin_dir, "python")

    @property
    def version_info(self) -> tuple:
        return tuple(int(part) for part in self.version.split("."))

    def command(self, name: str) -> str:
        """Absolute path of ``ansible``, ``ansible-playbook``, ``ansible-inventory``, ..."""
        return os.path.join(self.bin_dir, name)

    def env(self, extra=None) -> dict:
        """The caller's environment without any ANSIBLE_* or HUAWEICLOUD_* variable, plus this core
        first on PATH, only this collection, a private ANSIBLE_HOME, loopback outside any proxy
        and this core's Python for localhost modules; ``extra`` is applied last."""
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("ANSIBLE_", "HUAWEICLOUD_"))}
        env.update({
            "PATH": self.bin_dir + os.pathsep + os.environ.get("PATH", ""),
            "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS,
            "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
            "ANSIBLE_HOME": self.home,
            "ANSIBLE_LOCAL_TEMP": os.path.join(self.home, "tmp"),
            "ANSIBLE_PYTHON_INTERPRETER": self.python,
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_RETRY_FILES_ENABLED": "false",
            "ANSIBLE_DEPRECATION_WARNINGS": "false",
            "ANSIBLE_LOCALHOST_WARNING": "false",
            "NO_PROXY": "127.0.0.1,localhost,::1",
            "no_proxy": "127.0.0.1,localhost,::1",
        })
        env.update(extra or {})
        return env


@pytest.fixture(params=sorted(ANSIBLE_CORES), ids=sorted(ANSIBLE_CORES))
def ansible_core(request, tmp_path_factory):
    """Each supported ansible-core in turn. A missing virtualenv skips the test on a developer's
    machine (`make venv` creates both) and fails it under CI (CI=true), where skipping would hide
    that a supported version went untested."""
    version = request.param
    bin_dir = os.path.join(ANSIBLE_CORES[version], "bin")
    if not os.access(os.path.join(bin_dir, "ansible-playbook"), os.X_OK):
        message = "ansible-core %s is not installed in %s (run `make venv`)" % (version, ANSIBLE_CORES[version])
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    home = tmp_path_factory.mktemp("ansible-home-%s-" % version)
    return AnsibleCore(version=version, bin_dir=bin_dir, home=str(home))
