"""hwcloud.sms.agent keeps its secrets off command lines and out of printed output, on every
supported ansible-core.

- The package download through a proxy that needs a password: a sampler reads the command line
  and the environment of every process (/proc/*/cmdline, /proc/*/environ) every few
  milliseconds during the run; none may contain the proxy password in any spelling. Before
  issue 10 the role put ``https_proxy=http://user:password@...`` into the task environment,
  which Ansible writes into the module's ``/bin/sh -c`` command line.
- A ``startup.sh`` that fails and echoes everything it was given (raw, JSON-escaped,
  percent-encoded, base64) and a security token: the role prints its output with every secret
  masked.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import os
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import quote


from tests.agent_standin import build

PROXY_USER = "proxy-user"
PROXY_PASSWORD = 'Pr0xy"pw\\ä/@:x'  # quote, backslash, non-ASCII and URL-special characters


def _spellings(secret: str) -> list[str]:
    return [secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1], quote(secret, safe=""),
            base64.b64encode(secret.encode()).decode()]


class _AuthProxy(http.server.ThreadingHTTPServer):
    """A forward proxy on loopback that needs Basic credentials; it serves one directory itself."""

    daemon_threads = True

    def __init__(self, directory: Path, expected: str):
        self.directory, self.expected, self.seen = directory, expected, []
        super().__init__(("127.0.0.1", 0), _ProxyHandler)


class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):  # noqa: N802 - http.server's naming
        authorised = self.headers.get("Proxy-Authorization") == self.server.expected
        self.server.seen.append((self.path, authorised))
        if not self.path.startswith("http://"):
            self.send_error(400, "proxy requests only")
        elif not authorised:
            self.send_response(407)
            self.send_header("Proxy-Authenticate", 'Basic realm="test"')
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            path = self.server.directory / self.path.rsplit("/", 1)[-1]
            body = path.read_bytes() if path.is_file() else None
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")


class _Sampler(threading.Thread):
    """Command lines and environments of every readable process, sampled until stopped."""

    def __init__(self, needles: list[str]):
        super().__init__(daemon=True)
        self.needles = [n.encode() for n in needles]
        self.stop = threading.Event()
        self.rounds, self.hits, self.commands = 0, [], set()

    def run(self):
        while not self.stop.is_set() and self.rounds < 100000:
            self.rounds += 1
            for entry in os.scandir("/proc"):
                if not entry.name.isdigit():
                    continue
                for part in ("cmdline", "environ"):
                    try:
                        data = Path(entry.path, part).read_bytes()
                    except OSError:
                        continue
                    if part == "cmdline":
                        self.commands.add(data.replace(b"\0", b" ")[:300])
                    for needle in self.needles:
                        if needle in data:
                            self.hits.append((entry.name, part, data.replace(b"\0", b" ")[:300]))
            time.sleep(0.005)


def _run(ansible_core, tmp_path, playbook: str, variables: dict) -> subprocess.CompletedProcess:
    (tmp_path / "play.yml").write_text(playbook)
    (tmp_path / "hosts.ini").write_text("target ansible_connection=local ansible_python_interpreter=%s\n"
                                        % ansible_core.python)
    secrets_file = tmp_path / "vars.json"
    secrets_file.write_text(json.dumps(variables))
    secrets_file.chmod(0o600)
    env = ansible_core.env({"ANSIBLE_REMOTE_TMP": str(tmp_path / "remote-tmp"), "NO_PROXY": "", "no_proxy": ""})
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        env.pop(name, None)
    return subprocess.run([ansible_core.command("ansible-playbook"), "-i", str(tmp_path / "hosts.ini"),
                           "-e", "@" + str(secrets_file), str(tmp_path / "play.yml"), "-vvv"],
                          capture_output=True, text=True, timeout=300, env=env, check=False)


def test_the_download_proxy_password_never_reaches_a_command_line(ansible_core, tmp_path):
    package, digest = build.build(tmp_path / "files")
    expected = "Basic " + base64.b64encode(("%s:%s" % (PROXY_USER, PROXY_PASSWORD)).encode()).decode()
    proxy = _AuthProxy(tmp_path / "files", expected)
    threading.Thread(target=proxy.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    needles = _spellings(PROXY_PASSWORD) + [base64.b64encode(("%s:%s" % (PROXY_USER, PROXY_PASSWORD)).encode()).decode()]
    sampler = _Sampler(needles)
    variables = {
        "sms_agent_package_url": "http://agent-files.invalid/SMS-Agent.tar.gz",
        "sms_agent_download_proxy": "http://%s:%s@127.0.0.1:%d" % (PROXY_USER, quote(PROXY_PASSWORD, safe=""),
                                                                   proxy.server_address[1]),
        "sms_agent_download_dir": str(tmp_path / "download"),
    }
    playbook = ("- hosts: target\n  gather_facts: false\n  tasks:\n"
                "    - ansible.builtin.include_role:\n        name: hwcloud.sms.agent\n        tasks_from: package.yml\n")
    sampler.start()
    try:
        run = _run(ansible_core, tmp_path, playbook, variables)
    finally:
        sampler.stop.set()
        sampler.join(10)
        proxy.shutdown()
        proxy.server_close()
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-2000:]
    downloaded = tmp_path / "download" / "SMS-Agent.tar.gz"
    assert hashlib.sha256(downloaded.read_bytes()).hexdigest() == digest == hashlib.sha256(package.read_bytes()).hexdigest()
    assert [path.rsplit("/", 1)[-1] for path, ok in proxy.seen if ok] == ["SMS-Agent.tar.gz.sha256", "SMS-Agent.tar.gz"]
    assert all(ok for _request, ok in proxy.seen), proxy.seen
    assert sampler.rounds > 20
    assert any(b"AnsiballZ_get_url" in command for command in sampler.commands), \
        "the sampler must have seen the download module run"
    assert sampler.hits == []
    for needle in needles:
        assert needle not in run.stdout + run.stderr


_ECHO_STARTUP = r"""#!%s
import base64, json, sys
from urllib.parse import quote
answers = sys.stdin.read().splitlines()
with open("leak.txt") as handle:
    answers.append(handle.read().strip())
for answer in answers:
    print("got", answer, json.dumps(answer), quote(answer, safe=""), base64.b64encode(answer.encode()).decode())
    print("err", json.dumps(answer, ensure_ascii=False), file=sys.stderr)
print("sms agent failed to start")
sys.exit(1)
"""


def test_a_failing_startup_prints_its_output_with_every_secret_masked(ansible_core, tmp_path):
    home = tmp_path / "opt" / "SMS-Agent"
    home.mkdir(parents=True)
    startup = home / "startup.sh"
    startup.write_text(_ECHO_STARTUP % ansible_core.python)
    startup.chmod(0o755)
    security_token = "tmp-security-token-0001"
    (home / "leak.txt").write_text(security_token)
    secrets = {"ak": "AKSECRETTEST0001", "sk": 'sk"with\\back-ü-0001', "proxy": "pw'1", "token": security_token}
    variables = {
        "sms_agent_install_dir": str(tmp_path / "opt"),
        "sms_agent_process_name": "h10b-no-such-process",
        "sms_agent_access_key": secrets["ak"],
        "sms_agent_secret_key": secrets["sk"],
        "sms_agent_proxy_password": secrets["proxy"],
        "sms_agent_auth": {"endpoint": "https://sms.example", "security_token": secrets["token"]},
        "sms_agent_startup_answers": ["confirm", "access_key", "secret_key", "sms_domain", "enterprise_project",
                                      "proxy_password"],
    }
    playbook = ("- hosts: target\n  gather_facts: false\n  tasks:\n"
                "    - ansible.builtin.include_role:\n        name: hwcloud.sms.agent\n        tasks_from: start.yml\n")
    run = _run(ansible_core, tmp_path, playbook, variables)
    output = run.stdout + run.stderr
    assert run.returncode != 0
    assert "startup.sh did not report" in output and "sms agent failed to start" in output
    assert "got y" in output and "got sms.example" in output, "the harmless answers are shown"
    assert output.count("********") >= 4 * 4
    for secret in secrets.values():
        for spelling in _spellings(secret):
            assert spelling not in output, (secret, spelling)
