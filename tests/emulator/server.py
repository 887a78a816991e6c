"""HTTP plumbing: a threading server that turns wire requests into ``Request`` values for ``App``."""

from __future__ import annotations

import json
import socket
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from .app import ADMIN_PREFIX, App
from .faults import GARBLED_BODIES
from .protocol import APIGW_BAD_REQUEST, Headers, Request, Response, gateway_error


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hwcloud-sms-emulator/1.0"
    sys_version = ""
    disable_nagle_algorithm = True  # headers and body go out in two writes; avoid the delayed-ACK stall
    server: "EmulatorServer"

    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass  # the request log is kept by Telemetry; stderr stays quiet

    def do_GET(self):
        self._handle()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def _read_body(self) -> tuple[bytes, object]:
        """Return the body, or an error when the gateway would refuse to read it."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return b"", gateway_error(411, APIGW_BAD_REQUEST, "Length required: chunked request bodies are not supported")
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return b"", gateway_error(400, APIGW_BAD_REQUEST, "Bad request: invalid Content-Length")
        if length > self.server.app.config.max_body_bytes:
            return b"", gateway_error(
                413, APIGW_BAD_REQUEST,
                f"Request entity too large: the limit is {self.server.app.config.max_body_bytes} bytes",
            )
        return self.rfile.read(length), None

    def _handle(self):
        url = urlsplit(self.path)
        body, body_error = self._read_body()
        request = Request(self.command, url.path, url.query, Headers(self.headers.items()), body, uuid.uuid4().hex)
        app = self.server.app
        if url.path.startswith(ADMIN_PREFIX):
            response, drop = app.handle_admin(request), False
        else:
            response, drop = app.handle_api(request, body_error)
        if drop is True:
            self._drop()
            return
        if body_error is not None:
            self.close_connection = True  # the unread body is still in the socket
        self._send(response, request.request_id, GARBLED_BODIES.get(drop))

    def _send(self, response: Response, request_id: str, garbled: bytes | None = None):
        payload = b"" if response.body is None else json.dumps(response.body).encode()
        if garbled is not None:
            payload = garbled
        self.send_response(response.status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("X-Request-Id", request_id)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)

    def _drop(self):
        """Close the socket after the change was committed, without writing a single byte."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.connection.close()


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512

    def __init__(self, address, app: App):
        self.app = app
        super().__init__(address, Handler)

    def handle_error(self, request, client_address):
        pass  # clients that hang up (and dropped connections) are normal here

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
