"""Serve one directory over HTTP on a loopback address (FOR TESTS ONLY).

    python -m tests.agent_standin.fileserver --dir DIR [--host 127.0.0.1] [--port 0]

The first stdout line is the base URL (``http://127.0.0.1:PORT``); each request is logged to
stderr. It stands in for the OBS bucket the real ``SMS-Agent.tar.gz`` is downloaded from.
"""

from __future__ import annotations

import argparse
import functools
import signal
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer


class QuietHandler(SimpleHTTPRequestHandler):
    """Plain file serving; one short log line per request on stderr."""

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin  # the base-class signature
        sys.stderr.write("%s %s\n" % (self.address_string(), format % args))
        sys.stderr.flush()


def serve(directory: str, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """Start serving in a daemon thread; the caller calls shutdown() and server_close()."""
    server = ThreadingHTTPServer((host, port), functools.partial(QuietHandler, directory=directory))
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    return server


def base_url(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return "http://%s:%d" % (host, port)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.agent_standin.fileserver", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", required=True, help="directory to serve")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default %(default)s)")
    parser.add_argument("--port", type=int, default=0, help="port, 0 = any free port (default)")
    args = parser.parse_args(argv)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    server = serve(args.dir, args.host, args.port)
    print(base_url(server), flush=True)
    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
