"""A hostile HTTP(S) server and a client probe for test_hostile_http.py and test_tls.py.

The server listens on 127.0.0.1, port 0, in daemon threads; it reads the request head and then
misbehaves as the path says (see ``HostileServer.BEHAVIOURS``). Every loop in it is bounded by
an iteration count and stops when the server stops or the client goes away.

``probe(python, options, call)`` runs one ``SmsClient`` call in a fresh interpreter (the Python
of the ansible-core under test), so its time and peak memory are measured alone: it returns
``{"elapsed", "error", "result", "maxrss_mib", "traced_peak_mib", "warnings"}``.
"""

from __future__ import annotations

import functools
import json
import os
import select
import socket
import ssl
import subprocess
import threading
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COLLECTIONS = ROOT / ".tmp" / "collections"
DRIP_INTERVAL = 0.2
MAX_DRIPS = 600  # 2 minutes at most, whatever the client does
MIB = 1024 * 1024


@functools.lru_cache(maxsize=None)
def _gzip_bomb(decoded_mib: int) -> bytes:
    """gzip of ``decoded_mib`` MiB of zeros (about 1 KiB per MiB), built in bounded memory."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(MIB)
    return b"".join([compressor.compress(block) for _block in range(decoded_mib)] + [compressor.flush()])


class _LoopbackServer:
    """Accepts connections on 127.0.0.1 (port 0) in a daemon thread; ``_handle(conn)`` per connection."""

    def __init__(self):
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join(5)
        self._listener.close()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _address = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn):
        raise NotImplementedError


class HostileServer(_LoopbackServer):
    """One listening socket; each connection is answered according to its request path."""

    BEHAVIOURS = ("drip-body", "slow-headers", "huge-body", "huge-announced", "gzip-bomb", "garbled-json",
                  "html", "endless-pages", "repeated-pages", "redirect", "ok")

    def __init__(self, tls_context: ssl.SSLContext | None = None, redirect_to: str = "", bomb_mib: int = 256):
        self.tls_context = tls_context
        self.redirect_to = redirect_to
        self.bomb = _gzip_bomb(bomb_mib)
        self.requests = []  # (method, path, headers) of every request received
        super().__init__()

    @property
    def url(self) -> str:
        return "%s://127.0.0.1:%d" % ("https" if self.tls_context else "http", self.port)

    def _handle(self, conn):
        try:
            conn.settimeout(10)
            if self.tls_context:
                conn = self.tls_context.wrap_socket(conn, server_side=True)
            while not self._stop.is_set():
                head = self._read_head(conn)
                if head is None:
                    return
                if not self._answer(conn, *head):
                    return
        except (OSError, ssl.SSLError):
            return
        finally:
            conn.close()

    @staticmethod
    def _read_head(conn):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(4096)
            if not chunk or len(data) > 65536:
                return None
            data += chunk
        head, _sep, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = lines[0].split(" ", 2)
        headers = {k.strip().lower(): v.strip() for k, _sep, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length") or 0)
        while len(rest) < length:
            chunk = conn.recv(4096)
            if not chunk:
                return None
            rest += chunk
        return method, target, headers

    def _drip(self, conn, data: bytes) -> bool:
        for index in range(min(len(data), MAX_DRIPS)):
            if self._stop.wait(DRIP_INTERVAL):
                return False
            conn.sendall(data[index:index + 1])
        return True

    def _answer(self, conn, method, target, headers) -> bool:
        self.requests.append((method, target, headers))
        path, _sep, query = target.partition("?")
        behaviour = path.strip("/").split("/")[0]
        params = dict(p.partition("=")[::2] for p in query.split("&") if p)

        def send(status, body=b"", extra=(), content_type="application/json"):
            lines = ["HTTP/1.1 %s" % status, "Content-Type: %s" % content_type, "Content-Length: %d" % len(body)]
            conn.sendall(("\r\n".join(lines + list(extra)) + "\r\n\r\n").encode() + body)
            return True

        if behaviour == "drip-body":
            body = json.dumps({"count": 0, "source_servers": [], "padding": "x" * 2000}).encode()
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body))
            self._drip(conn, body)
            return False
        if behaviour == "slow-headers":
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            self._drip(conn, b"X-Slow: " + b"a" * 5000)
            return False
        if behaviour in ("huge-body", "huge-announced"):
            size = 200 * MIB
            announced = "Content-Length: %d\r\n" % size if behaviour == "huge-announced" else ""
            conn.sendall(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n%sConnection: close\r\n\r\n"
                          % announced).encode())
            block = b" " * (256 * 1024)
            for _block in range(size // len(block)):
                if self._stop.is_set():
                    break
                conn.sendall(block)
            return False
        if behaviour == "gzip-bomb":
            return send("200 OK", self.bomb, ["Content-Encoding: gzip"])
        if behaviour == "garbled-json":
            return send("200 OK", b'{"count": 3, "source_servers": [{"id": "a", "name": "web')
        if behaviour == "html":
            return send("200 OK", b"<html><body>Please log in to the proxy</body></html>", content_type="text/html")
        if behaviour == "endless-pages":
            offset = int(params.get("offset") or 0)
            items = [{"id": "src-%d" % (offset + i)} for i in range(2)]
            return send("200 OK", json.dumps({"count": offset + 201, "source_servers": items}).encode())
        if behaviour == "repeated-pages":
            return send("200 OK", json.dumps({"count": 1000, "source_servers": [{"id": "same"}]}).encode())
        if behaviour == "redirect":
            return send("302 Found", b"", ["Location: %s/v3/sources" % self.redirect_to])
        return send("200 OK", json.dumps({"count": 1, "source_servers": [{"id": "src-1", "name": "ok"}]}).encode())


class ConnectProxy(_LoopbackServer):
    """A minimal HTTP CONNECT proxy on 127.0.0.1 that records the tunnels it opened."""

    def __init__(self):
        self.tunnels = []
        super().__init__()
        self.url = "http://127.0.0.1:%d" % self.port

    def _handle(self, conn):
        with conn:
            conn.settimeout(10)
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 65536:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                head += chunk
            method, target = head.split(b" ")[:2]
            if method != b"CONNECT":
                conn.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
                return
            host, _sep, port = target.decode().rpartition(":")
            self.tunnels.append(target.decode())
            with socket.create_connection((host, int(port)), timeout=10) as upstream:
                conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                for _turn in range(10000):  # bounded relay
                    if self._stop.is_set():
                        return
                    readable = select.select([conn, upstream], [], [], 0.5)[0]
                    for source in readable:
                        data = source.recv(65536)
                        if not data:
                            return
                        (upstream if source is conn else conn).sendall(data)


_PROBE = r"""
import json, resource, sys, time, tracemalloc
sys.path.insert(0, sys.argv[1])
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.client import SmsClient, SmsApiError
spec = json.loads(sys.argv[2])
warnings = []
tracemalloc.start()
started = time.monotonic()
result, error = None, None
try:
    client = SmsClient.from_options(spec["options"], warn=warnings.append)
    if spec["call"] == "list":
        result = client.list_sources()
    else:
        result = client.request("GET", spec["call"]).data
except SmsApiError as exc:
    error = {"type": type(exc).__name__, "message": str(exc), "status": exc.status}
elapsed = time.monotonic() - started
peak = tracemalloc.get_traced_memory()[1]
print(json.dumps({"elapsed": elapsed, "error": error, "result": result, "warnings": warnings,
                  "traced_peak_mib": peak / 1048576.0,
                  "maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}))
"""


def probe(python: str, options: dict, call: str = "list", env: dict | None = None, timeout: float = 120) -> dict:
    """Run one client call in a fresh ``python``; its figures and outcome as a dict."""
    spec = json.dumps({"options": options, "call": call})
    child_env = {k: v for k, v in os.environ.items() if not k.startswith(("HUAWEICLOUD_", "ANSIBLE_"))}
    child_env.update({"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"})
    child_env.update(env or {})
    proc = subprocess.run([python, "-c", _PROBE, str(COLLECTIONS), spec], capture_output=True, text=True,
                          timeout=timeout, env=child_env, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def aksk_options(endpoint: str, **extra) -> dict:
    options = {"endpoint": endpoint, "access_key": "HOSTILETESTAK", "secret_key": "hostile-test-secret-0001",
               "project_id": "hostile-project"}
    options.update(extra)
    return options


def wait_for(predicate, timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()
