# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stand-in for the closed-source Huawei Cloud SMS-Agent -- FOR TESTS ONLY.

It behaves like the real Linux agent where the hwcloud.sms.agent role can see it: the same
package layout, the same interactive prompts on stdin (confirmation, AK, SK, SMS domain,
enterprise project), "sms agent starts up successfully" on success, a long-running process
named ``linuxmain`` (``agent/bin/linuxmain``), ``shutdown.sh``/``restart.sh``, configuration in ``agent/config`` and
logs in ``agent/Logs``. The main process registers this host as a source server with the
SMS API it was pointed at, through the official ``huaweicloudsdksms`` client, and keeps the
answered AK/SK only in ``agent/config/credential.cfg`` (mode 0600).

Commands: ``startup`` (prompts, starts linuxmain), ``shutdown``, ``restart`` (no prompts,
reuses the saved answers); ``agent/bin/linuxmain`` calls ``run()``. It refuses to talk to any
endpoint that is not on a loopback address.
"""

from __future__ import annotations

import configparser
import ctypes
import getpass
import ipaddress
import json
import logging
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit

VERSION = "@VERSION@"
PYTHON = "@PYTHON@"
PROCESS_NAME = "linuxmain"

BIN_DIR = os.path.dirname(os.path.abspath(__file__))
HOME = os.path.dirname(os.path.dirname(BIN_DIR))
LINUXMAIN = os.path.join(BIN_DIR, PROCESS_NAME)
CONFIG_DIR = os.path.join(HOME, "agent", "config")
LOG_DIR = os.path.join(HOME, "agent", "Logs")
RUN_DIR = os.path.join(HOME, "agent", "run")
CREDENTIALS = os.path.join(CONFIG_DIR, "credential.cfg")
PID_FILE = os.path.join(RUN_DIR, "linuxmain.pid")
STATUS_FILE = os.path.join(RUN_DIR, "status.json")

STARTUP_TIMEOUT = 60
STOP_TIMEOUT = 15
REGISTER_ATTEMPTS = 5

STATEMENT = (
    "SMS-Agent (stand-in for tests) collects the OS, CPU, memory, disk, partition, file system\n"
    "and network information of this server and reports it to Server Migration Service.\n"
)

log = logging.getLogger("sms_agent")


class AgentError(Exception):
    """A failure reported to the user as one line."""


# ---------------------------------------------------------------- files and processes

def _write_private(path: str, text: str):
    """Write a file readable by its owner only (created 0600, never wider, even for a moment)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(text)


def _setup_logging(*names: str):
    os.makedirs(LOG_DIR, exist_ok=True)
    formatter = logging.Formatter("%(asctime)s %(levelname)s [%(process)d] %(message)s")
    for name in names:
        handler = logging.FileHandler(os.path.join(LOG_DIR, name), encoding="utf-8")
        handler.setFormatter(formatter)
        if name == "SmsAgent_Error.log":
            handler.setLevel(logging.ERROR)
        log.addHandler(handler)
    log.setLevel(logging.INFO)


def _read_pid() -> int | None:
    try:
        with open(PID_FILE, encoding="utf-8") as handle:
            return int(handle.read().strip())
    except (OSError, ValueError):
        return None


def _is_linuxmain(pid: int | None) -> bool:
    """The pid is alive, not a zombie, and is this installation's linuxmain."""
    if not pid:
        return False
    try:
        with open("/proc/%d/stat" % pid, encoding="utf-8") as handle:
            stat = handle.read()
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            cmdline = handle.read().split(b"\0")
    except OSError:
        return False
    state = stat.rsplit(")", 1)[-1].split()[0]
    return state != "Z" and os.fsencode(LINUXMAIN) in cmdline


def _running_pid() -> int | None:
    pid = _read_pid()
    return pid if _is_linuxmain(pid) else None


def _spawn_linuxmain() -> subprocess.Popen:
    """Start ``agent/bin/linuxmain`` detached: own session, no inherited stdio."""
    os.makedirs(RUN_DIR, exist_ok=True)
    if os.path.exists(STATUS_FILE):
        os.unlink(STATUS_FILE)
    with open(os.devnull, "rb") as devnull, open(os.path.join(LOG_DIR, "linuxmain.out"), "ab") as out:
        return subprocess.Popen(  # pylint: disable=consider-using-with  # a daemon: waited for only if it fails
            [PYTHON, LINUXMAIN], cwd=HOME,
            stdin=devnull, stdout=out, stderr=out, start_new_session=True, close_fds=True,
        )


def _wait_for_status() -> dict:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        try:
            with open(STATUS_FILE, encoding="utf-8") as handle:
                return json.load(handle)
        except (OSError, ValueError):
            time.sleep(0.2)
    return {"state": "error", "message": "linuxmain did not report within %d seconds" % STARTUP_TIMEOUT}


def _set_process_name(name: str):
    """Make ``ps``/``pgrep -x`` see the process as ``name`` (Linux prctl PR_SET_NAME)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(15, name.encode(), 0, 0, 0)
    except (OSError, AttributeError):
        pass


# ---------------------------------------------------------------- configuration

def _ini(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(os.path.join(CONFIG_DIR, name), encoding="utf-8")
    return parser


def _truthy(value) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def _settings() -> dict:
    auth = _ini("auth.cfg")
    props = _ini("g-property.cfg")
    servercheck = next((props.get(s, "servercheck") for s in props.sections() if props.has_option(s, "servercheck")),
                       "true")
    proxy = dict(auth.items("proxy-config")) if auth.has_section("proxy-config") else {}
    with open(os.path.join(CONFIG_DIR, "cloud-region.json"), encoding="utf-8") as handle:
        region = json.load(handle).get("region", "ap-southeast-3")
    return {"servercheck": _truthy(servercheck), "proxy": proxy, "region": region}


def _endpoint(domain: str) -> str:
    """The answered SMS domain as a URL; only loopback hosts are accepted (test-only agent)."""
    url = domain if "://" in domain else "https://" + domain
    host = urlsplit(url).hostname or ""
    try:
        loopback = ipaddress.ip_address(socket.gethostbyname(host)).is_loopback
    except (OSError, ValueError):
        loopback = False
    if not loopback:
        raise AgentError("this stand-in agent only talks to an SMS emulator on a loopback address, not %r" % host)
    return url.rstrip("/")


# ---------------------------------------------------------------- what the agent reports

def _run(*argv: str) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""


def _os_release() -> dict:
    values = {}
    try:
        with open("/etc/os-release", encoding="utf-8") as handle:
            for line in handle:
                key, sep, value = line.strip().partition("=")
                if sep:
                    values[key] = value.strip().strip('"')
    except OSError:
        pass
    return values


def _default_route() -> tuple:
    """(interface, gateway) of the lowest-metric IPv4 default route, from /proc/net/route."""
    best = None
    try:
        with open("/proc/net/route", encoding="utf-8") as handle:
            for line in handle.readlines()[1:]:
                fields = line.split()
                if len(fields) > 6 and fields[1] == "00000000":
                    gateway = socket.inet_ntoa(bytes.fromhex(fields[2])[::-1])
                    candidate = (int(fields[6]), fields[0], gateway)
                    best = min(best, candidate) if best else candidate
    except (OSError, ValueError):
        pass
    return (best[1], best[2]) if best else (None, None)


def _networks() -> tuple:
    """(primary IPv4, networks list) in the shape of the /v3/sources ``networks`` field."""
    default_if, gateway = _default_route()
    try:
        links = json.loads(_run("ip", "-j", "addr", "show") or "[]")
    except ValueError:
        links = []
    networks = []
    for link in links:
        mac = link.get("address") or ""
        if link.get("link_type") == "loopback" or not mac or mac == "00:00:00:00:00:00":
            continue
        for addr in link.get("addr_info", []):
            if addr.get("family") != "inet" or addr.get("scope") != "global":
                continue
            network = ipaddress.ip_network("%s/%s" % (addr["local"], addr["prefixlen"]), strict=False)
            networks.append({
                "name": link["ifname"], "ip": addr["local"], "netmask": str(network.netmask),
                "gateway": gateway if link["ifname"] == default_if else "", "mtu": link.get("mtu", 1500), "mac": mac,
            })
    networks.sort(key=lambda net: net["name"] != default_if)
    primary = networks[0]["ip"] if networks else None
    return primary, networks


def _memory_bytes() -> int:
    try:
        with open("/proc/meminfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def report() -> dict:
    """What this agent sends with POST /v3/sources (a reduced but valid Linux body)."""
    release = _os_release()
    hostname = socket.gethostname().split(".")[0]
    primary, networks = _networks()
    if not networks:
        raise AgentError("no network interface with a global IPv4 address and a MAC address")
    os_version = "%s_%s_64BIT" % (release.get("ID", "linux").upper(), release.get("VERSION_ID", "0").replace(".", "_"))
    return {
        "name": hostname, "hostname": hostname, "ip": primary, "os_type": "LINUX", "os_version": os_version,
        "agent_version": VERSION, "firmware": "UEFI" if os.path.isdir("/sys/firmware/efi") else "BIOS",
        "cpu_quantity": os.cpu_count() or 1, "memory": _memory_bytes(), "kernel_version": platform.release(),
        "networks": networks, "disks": [], "btrfs_list": [], "volume_groups": [],
        "has_rsync": shutil.which("rsync") is not None, "has_tc": shutil.which("tc") is not None,
        "paravirtualization": False, "raw_devices": "", "boot_loader": "GRUB", "platform": "other",
        "start_type": "MANUAL",
    }


# ---------------------------------------------------------------- talking to SMS

def _client(credentials: dict, settings: dict):
    try:
        from huaweicloudsdkcore.auth.credentials import BasicCredentials
        from huaweicloudsdkcore.http.http_config import HttpConfig
        from huaweicloudsdkcore.region.region import Region
        from huaweicloudsdksms.v3 import SmsClient
    except ImportError as exc:
        raise AgentError("%s: build the stand-in with a --python that has huaweicloudsdksms" % exc) from None

    endpoint = _endpoint(credentials["domain"])
    match = re.match(r"sms\.([a-z0-9-]+)\.", urlsplit(endpoint).hostname or "")
    region = match.group(1) if match else settings["region"]
    config = HttpConfig.get_default_config()
    config.ignore_ssl_verification = not settings["servercheck"]
    config.timeout = (10, 30)
    proxy = settings["proxy"]
    if _truthy(proxy.get("enable")) and proxy.get("proxy_addr"):
        config.proxy_protocol = "http"
        config.proxy_host = proxy["proxy_addr"]
        config.proxy_port = int(proxy.get("proxy_port") or 3128)
        config.proxy_user = proxy.get("proxy_user") or None
    basic = BasicCredentials(credentials["ak"], credentials["sk"]).with_iam_endpoint(endpoint)
    return (SmsClient.new_builder().with_http_config(config).with_credentials(basic)
            .with_region(Region(region, endpoint)).build())


def register(credentials: dict, settings: dict) -> str:
    """Register this host, or refresh the record with the same name and IP (as agent restarts do)."""
    client = _client(credentials, settings)
    from huaweicloudsdksms.v3 import ListServersRequest, RegisterServerRequest  # pylint: disable=import-outside-toplevel
    body = report()
    existing = client.list_servers(ListServersRequest(name=body["name"])).source_servers or []
    same = [server.id for server in existing if server.name == body["name"] and server.ip == body["ip"]]
    if same:
        body["id"] = same[0]
    return client.register_server(RegisterServerRequest(body=body)).id


def _permanent(exc: Exception) -> bool:
    """A client error other than throttling: retrying cannot help (wrong AK/SK, bad request)."""
    status = getattr(exc, "status_code", None)
    return isinstance(status, int) and 400 <= status < 500 and status != 429


def _error_text(exc: Exception) -> str:
    text = getattr(exc, "error_msg", None) or str(exc)
    code = getattr(exc, "error_code", None)
    return "%s (%s)" % (text, code) if code else text


# ---------------------------------------------------------------- commands

def _ask(prompt: str, secret: bool = False) -> str:
    if secret and sys.stdin.isatty():
        return getpass.getpass(prompt).strip()
    sys.stdout.write(prompt)
    sys.stdout.flush()
    line = sys.stdin.readline()
    if not line:
        raise AgentError("no answer on stdin for: %s" % prompt.strip())
    return line.strip()


def _start_and_report() -> int:
    linuxmain = _spawn_linuxmain()
    status = _wait_for_status()
    if status.get("state") == "registered":
        print("sms agent starts up successfully")
        log.info("linuxmain started, source id %s", status.get("source_id"))
        return 0
    try:
        linuxmain.wait(STOP_TIMEOUT)  # the failed linuxmain is exiting: reap it
    except subprocess.TimeoutExpired:
        linuxmain.kill()
        linuxmain.wait()
    print("sms agent failed to start: %s" % status.get("message"))
    log.error("linuxmain failed: %s", status.get("message"))
    return 1


def startup() -> int:
    _setup_logging("startup.log")
    pid = _running_pid()
    if pid:
        print("sms agent is already running (pid %s)" % pid)
        return 0
    print(STATEMENT)
    if _ask("Do you agree and want to continue? (y/n): ").lower() not in ("y", "yes"):
        print("sms agent startup cancelled")
        return 1
    answers = {
        "ak": _ask("Please input AK: "),
        "sk": _ask("Please input SK: ", secret=True),
        "domain": _ask("Please input the SMS domain name: "),
        "enterprise_project": _ask("Please input the enterprise project ID (Enter for the default project 0): ") or "0",
    }
    missing = [name for name in ("ak", "sk", "domain") if not answers[name]]
    if missing:
        raise AgentError("empty answer for %s" % ", ".join(missing))
    _write_private(CREDENTIALS, json.dumps(answers) + "\n")
    log.info("answers saved (AK/SK kept in %s); enterprise project %s", CREDENTIALS, answers["enterprise_project"])
    return _start_and_report()


def shutdown() -> int:
    _setup_logging("startup.log")
    pid = _running_pid()
    if not pid:
        print("sms agent is not running")
        return 0
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while _is_linuxmain(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if _is_linuxmain(pid):
        os.kill(pid, signal.SIGKILL)
    log.info("linuxmain %d stopped", pid)
    print("sms agent stopped successfully")
    return 0


def restart() -> int:
    if not os.path.exists(CREDENTIALS):
        raise AgentError("the agent was never started: run startup.sh")
    shutdown()
    return _start_and_report()


def _write_status(**status):
    os.makedirs(RUN_DIR, exist_ok=True)
    with open(STATUS_FILE + ".tmp", "w", encoding="utf-8") as handle:
        json.dump(status, handle)
    os.replace(STATUS_FILE + ".tmp", STATUS_FILE)


def run() -> int:
    """The linuxmain process: register, then stay up until SIGTERM."""
    _set_process_name(PROCESS_NAME)
    _setup_logging("SmsAgent_Info.log", "SmsAgent_Error.log")
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    with open(PID_FILE, "w", encoding="utf-8") as handle:
        handle.write("%d\n" % os.getpid())
    try:
        with open(CREDENTIALS, encoding="utf-8") as handle:
            credentials = json.load(handle)
        settings = _settings()
        log.info("SMS-Agent stand-in %s: servercheck=%s proxy=%s", VERSION, settings["servercheck"],
                 "enabled" if _truthy(settings["proxy"].get("enable")) else "disabled")
        source_id, error = None, None
        for attempt in range(1, REGISTER_ATTEMPTS + 1):
            try:
                source_id = register(credentials, settings)
                break
            except AgentError as exc:
                error = str(exc)
                break
            except Exception as exc:  # pylint: disable=broad-exception-caught  # any SDK/network failure
                error = _error_text(exc)
                log.warning("registration attempt %d failed: %s", attempt, error)
                if _permanent(exc):
                    break
                time.sleep(min(2 * attempt, 5))
        if source_id is None:
            log.error("registration failed: %s", error)
            _write_status(state="error", message=error)
            return 1
        log.info("registered with SMS as source %s", source_id)
        _write_status(state="registered", source_id=source_id, version=VERSION)
        while not stopping:
            time.sleep(0.5)
        log.info("linuxmain stopping")
        return 0
    finally:
        if _read_pid() == os.getpid():
            os.unlink(PID_FILE)


COMMANDS = {"startup": startup, "shutdown": shutdown, "restart": restart}


def main(argv: list) -> int:
    if len(argv) != 2 or argv[1] not in COMMANDS:
        print("usage: sms_agent.py {%s}" % ",".join(COMMANDS), file=sys.stderr)
        return 2
    try:
        return COMMANDS[argv[1]]()
    except AgentError as exc:
        print("sms agent error: %s" % exc)
        log.error("%s", exc)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
