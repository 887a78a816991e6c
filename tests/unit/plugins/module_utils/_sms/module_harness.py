"""Run an SMS module the way Ansible runs it, with the SMS client replaced at its unit boundary.

The module runs in its own Python process: arguments in a JSON file named by ``argv[1]`` (the
module protocol every ansible-core reads when it runs a module directly), result as JSON on
stdout, exit code from ``exit_json``/``fail_json``. Nothing of ansible-core is patched or
imported from its internals, so the same tests run on ansible-core 2.16 and 2.19; warnings come
back in the result as Ansible would report them (in-process, 2.19 would send them to the
controller's display once any test imported controller code).

``SmsClient.from_options`` is the boundary: the module's call to it is answered by the test
process, which calls its own ``SmsClient.from_options`` (patched to return ``client`` when one is
given) and then serves every attribute and method the module uses on that client over a private
socket. The test keeps its ``FakeSms`` and sees its calls and records as before.
"""

import atexit
import json
import os
import secrets
import select
import subprocess
import sys
import tempfile
import threading
import traceback
from multiprocessing.connection import Client, Listener

CREDENTIALS = {"access_key": "AKHARNESS0000001", "secret_key": "harness-secret-key-000000000000000001",
               "project_id": "p-harness"}
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), *[os.pardir] * 5))
COLLECTIONS = os.path.join(ROOT, ".tmp", "collections")
_CALLABLE = object()


def run_module(main, args, monkeypatch, capsys=None, client=None, check_mode=False, diff=False, hide_imports=(),
               timeout=60):
    """``(rc, result)`` of one run of the module whose ``main`` is given.

    ``hide_imports``: Python packages the module's process cannot import (``("requests",)``).
    ``capsys`` is accepted for the callers' convenience; the module's output is its own process's.
    """
    from ansible_collections.hwcloud.sms.plugins.module_utils._sms import module as sms_module

    if client is not None:
        monkeypatch.setattr(sms_module.SmsClient, "from_options", classmethod(lambda cls, options: client))
    payload = dict(CREDENTIALS, **args)
    payload.update(_ansible_check_mode=check_mode, _ansible_diff=diff)
    with tempfile.TemporaryDirectory(prefix="sms-module-") as work:
        args_file = os.path.join(work, "args.json")
        with open(args_file, "w", encoding="utf-8") as handle:
            json.dump({"ANSIBLE_MODULE_ARGS": payload}, handle)
        authkey = secrets.token_bytes(32)
        with Listener(os.path.join(work, "client.sock"), family="AF_UNIX", authkey=authkey) as listener:
            server = threading.Thread(target=_serve, args=(listener, sms_module.SmsClient.from_options), daemon=True)
            server.start()
            job = {"module": main.__module__, "args": args_file, "address": listener.address, "authkey": authkey.hex(),
                   "out": os.path.join(work, "stdout"), "err": os.path.join(work, "stderr")}
            if hide_imports:  # a fresh interpreter: the warm one has every package imported already
                rc = _spawn(job, hide_imports, timeout)
            else:
                rc = _Zygote.get().run(job, timeout)
            server.join(timeout=5)
            if server.is_alive():  # the process died before it connected: release the accept()
                Client(listener.address, family="AF_UNIX", authkey=authkey).close()
        with open(job["out"], encoding="utf-8") as out, open(job["err"], encoding="utf-8") as err:
            out, err = out.read(), err.read()
    if "{" not in out:
        raise AssertionError("the module printed no result (rc %s):\n%s%s" % (rc, out, err))
    return rc, json.loads(out[out.index("{"):])


def _module_env(job):
    return dict(os.environ, PYTHONPATH=os.pathsep.join((ROOT, COLLECTIONS)), SMS_HARNESS_AUTHKEY=job["authkey"])


def _spawn(job, hide_imports, timeout) -> int:
    with open(job["out"], "w") as out, open(job["err"], "w") as err:
        return subprocess.run(
            [sys.executable, "-m", __name__, job["module"], job["args"], job["address"], ",".join(hide_imports)],
            cwd=ROOT, env=_module_env(job), stdout=out, stderr=err, timeout=timeout, check=False,
        ).returncode


class _Zygote:
    """A Python with ansible-core, requests and the collection's module_utils imported, that forks
    one fresh process per module run: a module process in milliseconds instead of half a second.
    It never runs a module itself, so every fork starts from the same untouched state."""

    _instance = None

    def __init__(self):
        self.process = subprocess.Popen([sys.executable, "-m", __name__, "--zygote"], cwd=ROOT,
                                        env=_module_env({"authkey": ""}), stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        atexit.register(self.stop)

    @classmethod
    def get(cls):
        if cls._instance is None or cls._instance.process.poll() is not None:
            cls._instance = cls()
        return cls._instance

    def run(self, job, timeout) -> int:
        try:
            self.process.stdin.write(json.dumps(job) + "\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            raise AssertionError("the module process server died (its traceback is on stderr)") from None
        if not select.select([self.process.stdout], [], [], timeout)[0]:
            self.stop()
            raise AssertionError("the module did not finish within %s s" % timeout)
        line = self.process.stdout.readline()
        if not line:
            raise AssertionError("the module process server died (its traceback is on stderr)")
        return int(line)

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def _zygote():
    import ansible.module_utils.basic  # noqa: F401  (warm-up imports, shared by every fork)
    import ansible_collections.hwcloud.sms.plugins.module_utils._sms.module  # noqa: F401

    for line in sys.stdin:
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _forked_module(job)
        _pid, status = os.waitpid(pid, 0)
        sys.stdout.write("%d\n" % os.waitstatus_to_exitcode(status))
        sys.stdout.flush()


def _forked_module(job):
    """In the forked process: stdout/stderr to the job's files, run the module, never return."""
    for fd, path in ((1, job["out"]), (2, job["err"])):
        os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), fd)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.environ["SMS_HARNESS_AUTHKEY"] = job["authkey"]
    code = 1
    try:
        _module_process(job["module"], job["args"], job["address"], "")
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def warning_texts(result):
    """Warning messages of a result: plain strings (ansible-core < 2.19) or WarningSummary dicts."""
    texts = []
    for warning in result.get("warnings", []):
        texts.append(warning["event"]["msg"] if isinstance(warning, dict) else warning)
    return texts


def _serve(listener, from_options):
    """Answer one module process: ``from_options`` first, then the client's attributes and calls."""
    try:
        connection = listener.accept()
    except OSError:
        return
    served = None
    with connection:
        while True:
            try:
                request = connection.recv()
            except (EOFError, OSError):
                return
            kind, name = request[0], request[1]
            try:
                if kind == "from_options":
                    served, answer = from_options(name), None
                elif kind == "getattr":
                    value = getattr(served, name)
                    answer = _CALLABLE if callable(value) else value
                else:
                    answer = getattr(served, name)(*request[2], **request[3])
                reply = ("callable",) if answer is _CALLABLE else ("ok", answer)
            except Exception as exc:  # the module sees the client's exception as it is
                reply = ("raise", exc)
            connection.send(reply)


class _RemoteClient:
    """The module's side of the served client: attribute reads and method calls go to the test."""

    def __init__(self, connection):
        self._connection = connection

    def _ask(self, *request):
        self._connection.send(request)
        reply = self._connection.recv()
        if reply[0] == "raise":
            raise reply[1]
        return reply

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        reply = self._ask("getattr", name)
        if reply[0] == "callable":
            return lambda *args, **kwargs: self._ask("call", name, args, kwargs)[1]
        return reply[1]


def _module_process(module_name, args_file, address, hidden):
    """Inside the module's process: hide packages, route the client, run the module as __main__."""
    import runpy

    connection = Client(address, family="AF_UNIX", authkey=bytes.fromhex(os.environ.pop("SMS_HARNESS_AUTHKEY")))
    remote = _RemoteClient(connection)
    for package in filter(None, hidden.split(",")):
        sys.modules[package] = None  # makes `import package` raise ImportError
    from ansible_collections.hwcloud.sms.plugins.module_utils._sms import client as client_module

    def from_options(cls, options, **kwargs):
        remote._ask("from_options", dict(options))
        return remote

    client_module.SmsClient.from_options = classmethod(from_options)
    sys.argv = [module_name, args_file]
    runpy.run_module(module_name, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["--zygote"]:
        _zygote()
    else:
        _module_process(*sys.argv[1:5])
