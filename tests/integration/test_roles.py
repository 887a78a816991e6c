"""The roles' test tooling and the roles themselves, driven for real.

- the stand-in SMS-Agent (tests/agent_standin, FOR TESTS ONLY): reproducible package with the
  real agent's layout; startup.sh answered on stdin registers this host with the emulator,
  runs ``linuxmain``, keeps AK/SK only in its 0600 file; wrong credentials and non-loopback
  endpoints fail cleanly; shutdown.sh stops it;
- the background helper and the loopback file server that Molecule's create/destroy use;
- every Molecule scenario under extensions/molecule (``molecule test -s <name>``), with no
  secret in Molecule's output.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import stat
import subprocess
import tarfile
import urllib.request
from pathlib import Path

import pytest

from tests.agent_standin import background, build

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
SCENARIOS = sorted(p.parent.name for p in (ROOT / "extensions" / "molecule").glob("*/molecule.yml"))
MOLECULE_TIMEOUT = 600
# linuxmain is a machine-wide process name: tests that start one take this lock (across xdist
# workers), and skip if a linuxmain they did not start is running.
LINUXMAIN_LOCK = ROOT / ".tmp" / "test-roles-linuxmain.lock"
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _pgrep(name: str) -> list[int]:
    """Live (not zombie) processes called ``name``."""
    proc = subprocess.run(["ps", "-C", name, "-o", "pid=,stat="], capture_output=True, text=True, check=False)
    return [int(pid) for pid, state in (line.split() for line in proc.stdout.splitlines()) if "Z" not in state]


@pytest.fixture
def linuxmain_lock():
    LINUXMAIN_LOCK.parent.mkdir(parents=True, exist_ok=True)
    with open(LINUXMAIN_LOCK, "w", encoding="ascii") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _pgrep("linuxmain"):
            pytest.skip("a linuxmain process not started by these tests runs on this machine")
        yield


@pytest.fixture
def agent_home(tmp_path, linuxmain_lock):  # pylint: disable=unused-argument
    """An unpacked stand-in agent; its linuxmain is always stopped afterwards."""
    package = build.build(tmp_path / "pkg")[0]
    with tarfile.open(package) as tar:
        tar.extractall(tmp_path / "opt", filter="tar")
    home = tmp_path / "opt" / "SMS-Agent"
    yield home
    subprocess.run([str(home / "shutdown.sh")], capture_output=True, timeout=60, check=False)


def _startup(home: Path, *answers: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(home / "startup.sh")], input="\n".join(answers) + "\n", capture_output=True,
                          text=True, timeout=120, check=False)


def test_standin_package_is_reproducible_and_laid_out_like_the_agent(tmp_path):
    first, digest = build.build(tmp_path / "a")
    second, again = build.build(tmp_path / "b")
    other = build.build(tmp_path / "c", version="99.0.0")[1]
    assert first.read_bytes() == second.read_bytes() and digest == again != other
    assert digest == hashlib.sha256(first.read_bytes()).hexdigest()
    assert (tmp_path / "a" / "SMS-Agent.tar.gz.sha256").read_text() == f"{digest}  SMS-Agent.tar.gz\n"
    with tarfile.open(first) as tar:
        members = {m.name: m for m in tar.getmembers()}
    for script in ("startup.sh", "shutdown.sh", "restart.sh", "agent/bin/linuxmain"):
        assert members[f"SMS-Agent/{script}"].mode == 0o755
    for config in ("auth.cfg", "g-property.cfg", "cloud-region.json"):
        assert f"SMS-Agent/agent/config/{config}" in members
    assert members["SMS-Agent/agent/Logs"].isdir()


def test_standin_agent_registers_with_the_answers_it_is_given(agent_home, sms_emulator):
    proc = _startup(agent_home, "y", sms_emulator.ak, sms_emulator.sk, sms_emulator.base_url, "")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Please input AK" in proc.stdout and "Please input SK" in proc.stdout
    assert proc.stdout.rstrip().endswith("sms agent starts up successfully")
    assert sms_emulator.sk not in proc.stdout + proc.stderr
    assert len(_pgrep("linuxmain")) == 1

    [source] = sms_emulator.sources()
    assert source["agent_version"] == build.DEFAULT_VERSION and source["os_type"] == "LINUX"
    credentials = agent_home / "agent" / "config" / "credential.cfg"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    holding_sk = [p for p in agent_home.rglob("*") if p.is_file() and sms_emulator.sk.encode() in p.read_bytes()]
    assert holding_sk == [credentials]

    restarted = subprocess.run([str(agent_home / "restart.sh")], capture_output=True, text=True, timeout=120,
                               check=False)
    assert "sms agent starts up successfully" in restarted.stdout
    assert [s["id"] for s in sms_emulator.sources()] == [source["id"]], "a restart must refresh the same record"

    stopped = subprocess.run([str(agent_home / "shutdown.sh")], capture_output=True, text=True, timeout=60,
                             check=False)
    assert "stopped successfully" in stopped.stdout
    assert not _pgrep("linuxmain")


def test_standin_agent_reports_bad_credentials_and_stops(agent_home, sms_emulator):
    proc = _startup(agent_home, "y", sms_emulator.ak, "not-the-secret", sms_emulator.base_url, "0")
    assert proc.returncode == 1
    assert "sms agent failed to start" in proc.stdout
    assert "not-the-secret" not in proc.stdout
    assert not _pgrep("linuxmain")
    assert sms_emulator.sources() == []


def test_standin_agent_refuses_endpoints_off_loopback(agent_home):
    proc = _startup(agent_home, "y", "AK", "SK", "sms.ap-southeast-3.myhuaweicloud.com", "0")
    assert proc.returncode == 1
    assert "only talks to an SMS emulator on a loopback address" in proc.stdout
    assert not _pgrep("linuxmain")


def test_standin_agent_needs_the_confirmation(agent_home):
    proc = _startup(agent_home, "n")
    assert proc.returncode == 1 and "cancelled" in proc.stdout
    assert not (agent_home / "agent" / "config" / "credential.cfg").exists()


def test_background_servers_start_serve_and_stop(tmp_path):
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "hello.txt").write_text("hello\n")
    argv = [str(BIN / "python"), "-m", "tests.agent_standin.fileserver", "--dir", str(tmp_path / "files")]
    state = tmp_path / "state"
    try:
        url = background.start(state, "files", argv)
        assert background.start(state, "files", argv) == url, "start is idempotent"
        with NO_PROXY.open(url + "/hello.txt", timeout=10) as response:
            assert response.read() == b"hello\n"
        pid = background.read(state, "files")["pid"]
    finally:
        stopped = background.stop(state, "files")
    assert stopped and background.read(state, "files") is None
    assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split(")")[-1][:3]
    assert background.stop(state, "files") is False


@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_molecule_scenario(scenario, tmp_path, request):
    molecule = BIN / "molecule"
    if not os.access(molecule, os.X_OK):
        pytest.skip("molecule is not installed in .venv (requirements/controller.txt)")
    if scenario == "agent":
        request.getfixturevalue("linuxmain_lock")
    if shutil.which("ps") is None:
        pytest.skip("ps (procps) is missing")
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("ANSIBLE_", "MOLECULE_", "HUAWEICLOUD_"))}
    env.update({
        "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        "ANSIBLE_COLLECTIONS_PATH": str(ROOT / ".tmp" / "collections"),
        "ANSIBLE_HOME": str(tmp_path / "ansible-home"),
        "NO_COLOR": "1",
    })
    proc = subprocess.run([str(molecule), "test", "-s", scenario], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=MOLECULE_TIMEOUT, check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-8000:]
    assert "hwc-emulator-secret-key" not in output
