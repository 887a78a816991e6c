# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Converge one source server: look it up, compare, then create, update, delete or do nothing.

This module util is PRIVATE: its interface may change without notice.

Rules (docs/idempotency.md):

* lookup by ``source_id`` (show), else by exact ``name`` and/or ``ip`` over the list API; more
  than one match is an error naming the ids;
* compare the desired body with ``GET /v3/sources/{id}`` on the fields the show returns
  (``payload.differences``): equal -> no write at all; different -> ``POST`` with ``id``;
  not found -> ``POST`` without ``id``;
* a source whose migration is under way is not overwritten (or deleted) unless ``force``;
* check mode reads but never writes;
* after an ambiguous failure of a ``POST`` without ``id`` (timeout, dropped connection, 5xx)
  the source is looked up again before anything is re-sent, so retries never duplicate it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ansible_collections.hwcloud.sms.plugins.module_utils._sms.errors import SmsAmbiguousError, SmsApiError
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.payload import differences

IDLE_STATES = ("", "waiting", "unavailable")
MATCH_KEYS = ("name", "ip")


@dataclass
class Outcome:
    action: str  # created, updated, unchanged, skipped, deleted, absent
    changed: bool
    source: dict | None = None
    source_id: str | None = None
    diff: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)


def migration_in_progress(record) -> str | None:
    """Why ``record`` must not be overwritten, or None when it is still pre-migration."""
    state = record.get("state") or ""
    if state not in IDLE_STATES:
        return "its state is %r" % state
    if record.get("current_task"):
        task = record["current_task"]
        return "it has a migration task (%s)" % (task.get("id") or task.get("name") if isinstance(task, dict) else task)
    if record.get("migration_cycle"):
        return "its migration_cycle is %r" % record["migration_cycle"]
    return None


def lookup(client, source_id=None, name=None, ip=None) -> dict | None:
    """The source's show record, or None. Ambiguous matches raise SmsApiError listing the ids."""
    if source_id:
        try:
            return client.show_source(source_id)
        except SmsApiError as exc:
            if exc.status == 404 or exc.code == "SMS.2216":
                return None
            raise
    if not name and not ip:
        raise SmsApiError("cannot look the source up: no source_id, and no name or ip to match on")
    matches = client.find_sources(name=name, ip=ip)
    if len(matches) > 1:
        ids = ", ".join(sorted(str(m.get("id")) for m in matches))
        raise SmsApiError("%d sources match %s: %s; remove the duplicates or pass source_id"
                          % (len(matches), _describe(name, ip), ids))
    return client.show_source(matches[0]["id"]) if matches else None


def _describe(name, ip) -> str:
    return " and ".join("%s=%r" % (k, v) for k, v in (("name", name), ("ip", ip)) if v)


def match_values(body, match) -> dict:
    """The ``name``/``ip`` values of ``body`` selected by ``match``."""
    return {key: body.get(key) for key in MATCH_KEYS if key in (match or MATCH_KEYS) and body.get(key)}


def ensure_present(client, body, source_id=None, match=MATCH_KEYS, force=False, check_mode=False) -> Outcome:
    keys = match_values(body, match)
    current = lookup(client, source_id=source_id, **keys)
    if current is None:
        if source_id:
            raise SmsApiError("source %s does not exist: it cannot be updated (omit source_id to register it)"
                              % source_id)
        diff = {"before": {"state": "absent"}, "after": dict(body, state="present")}
        if check_mode:
            return Outcome("created", True, diff=diff)
        new_id = register(client, body, lambda: lookup(client, **keys))
        return Outcome("created", True, source=client.show_source(new_id), source_id=new_id, diff=diff)

    existing_id = current.get("id") or source_id
    changes = differences(body, current)
    if not changes:
        return Outcome("unchanged", False, source=current, source_id=existing_id)
    reason = migration_in_progress(current)
    if reason and not force:
        warning = ("source %s (%s) differs from the facts in %s, but %s: not overwritten (force: true overrides)"
                   % (existing_id, current.get("name"), ", ".join(sorted(changes)), reason))
        return Outcome("skipped", False, source=current, source_id=existing_id, warnings=[warning])
    diff = {"before": {k: v["before"] for k, v in changes.items()}, "after": {k: v["after"] for k, v in changes.items()}}
    if check_mode:
        return Outcome("updated", True, source=current, source_id=existing_id, diff=diff)
    client.update_source(existing_id, body)
    return Outcome("updated", True, source=client.show_source(existing_id), source_id=existing_id, diff=diff)


def register(client, body, find) -> str:
    """``POST`` without ``id``; after an ambiguous failure, ``find()`` decides before any re-send.

    Retries share the client's policy (``retries``, ``deadline``, full-jitter backoff).
    """
    started = client.monotonic()
    retry = 0
    while True:
        try:
            return client.register_source(body)
        except SmsAmbiguousError as exc:
            found = find()
            if found is not None:
                return found["id"]
            delay = client.policy.next_delay(retry, client.monotonic() - started, client.rand())
            if delay is None:
                raise SmsApiError("%s; the source was looked up afterwards and does not exist [gave up after %d "
                                  "registration attempts]" % (exc.message, retry + 1),
                                  status=exc.status, code=exc.code, method=exc.method, path=exc.path) from None
            client.sleep(delay)
            retry += 1


def ensure_absent(client, source_id=None, name=None, ip=None, force=False, check_mode=False) -> Outcome:
    current = lookup(client, source_id=source_id, name=name, ip=ip)
    if current is None:
        return Outcome("absent", False)
    existing_id = current.get("id") or source_id
    reason = migration_in_progress(current)
    if reason and not force:
        warning = "source %s (%s) was not deleted because %s (force: true overrides)" % (
            existing_id, current.get("name"), reason)
        return Outcome("skipped", False, source=current, source_id=existing_id, warnings=[warning])
    diff = {"before": {"state": "present", "id": existing_id, "name": current.get("name"), "ip": current.get("ip")},
            "after": {"state": "absent"}}
    if not check_mode:
        client.delete_source(existing_id)
    return Outcome("deleted", True, source=current, source_id=existing_id, diff=diff)
