"""An in-memory stand-in for ``SmsClient`` at the unit boundary of the registration logic.

It keeps records like SMS does (show returns only the show fields: no ``has_rsync``,
``boot_loader``, ``platform``, ...), counts every call, and can be told to fail the next
calls of an operation, including the dangerous "committed, then the answer was lost" case.
Integration tests use the real emulator instead.
"""

import copy
import itertools

from ansible_collections.hwcloud.sms.plugins.module_utils._sms.client import RetryPolicy, SmsNotFoundError
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.errors import SmsAmbiguousError, SmsApiError

# sms-api.md 2.4: fields GET /v3/sources/{id} does not return.
NOT_SHOWN = ("linux_block_check", "domain_id", "has_rsync", "paravirtualization", "raw_devices", "driver_files",
             "system_services", "account_rights", "boot_loader", "system_dir", "kernel_version", "io_read_wait",
             "platform")
LIST_FIELDS = ("id", "ip", "name", "os_type", "os_version", "state", "connected", "cpu_quantity", "memory",
               "current_task", "migration_cycle", "add_date", "has_tc", "start_type")


class FakeSms:
    def __init__(self, retries=3, deadline=60.0):
        self.records = {}
        self.calls = []
        self.policy = RetryPolicy(retries=retries, deadline=deadline)
        self.slept = []
        self.now = 0.0
        self._ids = ("src-%04d" % n for n in itertools.count(1))
        self.failures = {}  # operation -> list of failure kinds for its next calls
        self.late = []  # (due time, body): registrations that commit after their answer was lost
        self._dates = itertools.count(1)

    # -- what the registration logic uses besides the API
    def monotonic(self):
        return self.now

    def rand(self):
        return 0.5

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds

    # -- test controls
    def fail_next(self, operation, *kinds):
        """``kinds``: ``lost`` (commit, then an ambiguous error), ``ambiguous`` (no commit), ``error`` (400),
        ``late:N`` (an ambiguous error now, the record commits N fake seconds later)."""
        self.failures.setdefault(operation, []).extend(kinds)

    def add(self, body, **state):
        source_id = next(self._ids)
        record = dict(copy.deepcopy(body), id=source_id, state="waiting", migration_cycle=None, current_task=None,
                      add_date=next(self._dates))
        record.update(state)
        self.records[source_id] = record
        return source_id

    def writes(self):
        return [c for c in self.calls if c[0] in ("register", "update", "delete")]

    def _failure(self, operation):
        pending = self.failures.get(operation) or []
        return pending.pop(0) if pending else None

    def _commit_late(self):
        for due, body in list(self.late):
            if self.now >= due:
                self.late.remove((due, body))
                self.add(body)

    # -- the SmsClient interface
    def list_sources(self, filters=None):
        self._commit_late()
        self.calls.append(("list", dict(filters or {})))
        return [{k: r.get(k) for k in LIST_FIELDS} for r in self.records.values()
                if all(r.get(k) == v for k, v in (filters or {}).items() if v)]

    def find_sources(self, name=None, ip=None):
        return [s for s in self.list_sources({"name": name} if name else {"ip": ip})
                if (not name or s["name"] == name) and (not ip or s["ip"] == ip)]

    def show_source(self, source_id):
        self._commit_late()
        self.calls.append(("show", source_id))
        if source_id not in self.records:
            raise SmsNotFoundError("GET /v3/sources/%s: not found" % source_id, status=404, code="SMS.2216")
        return {k: copy.deepcopy(v) for k, v in self.records[source_id].items() if k not in NOT_SHOWN}

    def register_source(self, body):
        self.calls.append(("register", body.get("name")))
        failure = self._failure("register")
        if failure == "error":
            raise SmsApiError("POST /v3/sources: rejected", status=400, code="SMS.8003")
        if failure == "ambiguous":
            raise SmsAmbiguousError("POST /v3/sources: HTTP 503", status=503)
        if failure and failure.startswith("late:"):
            self.late.append((self.now + float(failure[5:]), copy.deepcopy(body)))
            raise SmsAmbiguousError("POST /v3/sources: read timed out")
        source_id = self.add(body)
        if failure == "lost":
            raise SmsAmbiguousError("POST /v3/sources: connection dropped after the request was sent")
        return source_id

    def update_source(self, source_id, body):
        self.calls.append(("update", source_id))
        if source_id not in self.records:
            raise SmsNotFoundError("not found", status=404)
        keep = {k: self.records[source_id][k] for k in ("id", "state", "migration_cycle", "current_task", "add_date")}
        self.records[source_id] = dict(copy.deepcopy(body), **keep)
        return source_id

    def delete_source(self, source_id, missing_ok=True):
        self.calls.append(("delete", source_id))
        return self.records.pop(source_id, None) is not None
