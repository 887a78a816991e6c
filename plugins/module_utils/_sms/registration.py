# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Converge one source server: identify it, compare, then create, update, delete or do nothing.

This module util is PRIVATE: its interface may change without notice.

Identity (docs/idempotency.md, "Which record is this server"): a record is this server when it
shares a MAC address (``networks[].mac``) with the body; a record without MACs (or a body
without MACs) falls back to "every ``match`` key equal". Candidates are the records with the
same ``name`` or the same ``ip`` (list API, compared exactly), plus a given or recorded id.

* same server, one record -> compare with ``GET /v3/sources/{id}`` on the fields the show
  returns: equal -> no write; different -> ``POST`` with ``id`` (also when name or IP changed);
* same name or IP but no shared MAC -> another server: never written; an error naming it unless
  ``on_conflict: register``;
* several records of this server -> idle ones that share a MAC are provable duplicates: one
  survivor is kept (deterministically, so concurrent runs agree) and the others are deleted;
  anything else is an error listing them;
* a ``source_id`` that is not this server is never written (unless ``force``); a recorded id that
  is not this server is ignored with a warning;
* a source whose migration is under way is not overwritten (or deleted) unless ``force``;
* check mode reads but never writes;
* a ``POST`` without ``id`` whose outcome is unknown is not re-sent until a settle window of
  lookups found nothing; after every create the records of this server are reconciled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ansible_collections.hwcloud.sms.plugins.module_utils._sms.errors import SmsAmbiguousError, SmsApiError
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.payload import differences

IDLE_STATES = ("", "waiting", "unavailable")
MATCH_KEYS = ("name", "ip")
ON_CONFLICT = ("fail", "register")
DEFAULT_SETTLE = 60.0
FIRST_SETTLE_WAIT = 1.0
MAX_SETTLE_WAIT = 10.0
_ZERO_MAC = "00:00:00:00:00:00"
_MAC = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")
_SOURCE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
SAME, OTHER = "same", "other"


@dataclass
class Outcome:
    action: str  # created, updated, unchanged, skipped, deleted, absent
    changed: bool
    source: dict | None = None
    source_id: str | None = None
    diff: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    matched_by: str | None = None  # source_id, mac, name/ip (records without MACs), created
    duplicates_removed: list = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Records from SMS are outside data: every field is read through these helpers.


def _text(record, key) -> str | None:
    value = record.get(key)
    return value if isinstance(value, str) and value else None


def normalise_mac(value) -> str | None:
    """``aa:bb:cc:dd:ee:ff`` in lower case, or None for an empty, all-zero or malformed value."""
    if not isinstance(value, str):
        return None
    mac = value.strip().lower().replace("-", ":")
    return mac if _MAC.match(mac) and mac != _ZERO_MAC else None


def macs_of(record) -> frozenset:
    networks = record.get("networks") if isinstance(record, dict) else None
    if not isinstance(networks, list):
        return frozenset()
    return frozenset(mac for mac in (normalise_mac(n.get("mac")) for n in networks if isinstance(n, dict)) if mac)


def source_id_of(record) -> str:
    """The record's id; an id that is not a plain token is refused (it ends up in files and URLs)."""
    value = record.get("id")
    if not isinstance(value, str) or not _SOURCE_ID.match(value):
        raise SmsApiError("SMS returned a source whose id is not a plain identifier: %r" % (value,))
    return value


def _add_date(record) -> float:
    value = record.get("add_date")
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else float("inf")


def migration_in_progress(record) -> str | None:
    """Why ``record`` must not be overwritten, or None when it is still pre-migration."""
    state = record.get("state") or ""
    if not isinstance(state, str) or state not in IDLE_STATES:
        return "its state is %r" % (state,)
    task = record.get("current_task")
    if task:
        return "it has a migration task (%s)" % ((task.get("id") or task.get("name")) if isinstance(task, dict)
                                                 else task)
    if record.get("migration_cycle"):
        return "its migration_cycle is %r" % (record["migration_cycle"],)
    return None


def describe(record) -> str:
    macs = sorted(macs_of(record))
    return "%s (name=%r, ip=%r, MAC %s)" % (record.get("id"), record.get("name"), record.get("ip"),
                                            ", ".join(macs) if macs else "none recorded")


# ---------------------------------------------------------------------------------------------
# Identity


@dataclass(frozen=True)
class Identity:
    """What says "this server": its MACs, and the name and IP it registers with."""

    name: str | None
    ip: str | None
    macs: frozenset
    match: tuple = MATCH_KEYS

    @classmethod
    def of(cls, body, match=MATCH_KEYS) -> "Identity":
        return cls(_text(body, "name"), _text(body, "ip"), macs_of(body), tuple(match or MATCH_KEYS))

    def verdict(self, record) -> tuple[str, str]:
        """``(same|other, how)``: shared MAC decides; without MACs on either side, every match key."""
        theirs = macs_of(record)
        if self.macs and theirs:
            return (SAME, "mac") if self.macs & theirs else (OTHER, "mac")
        keys = [key for key in self.match if getattr(self, key)]
        if keys and all(_text(record, key) == getattr(self, key) for key in keys):
            return SAME, "/".join(keys)
        return OTHER, "/".join(keys)

    def is_same(self, record) -> bool:
        return self.verdict(record)[0] == SAME

    def describe(self) -> str:
        return "this server (name=%r, ip=%r, MAC %s)" % (self.name, self.ip, ", ".join(sorted(self.macs)) or "none")


def _show(client, source_id) -> dict | None:
    """``GET /v3/sources/{id}`` as a dict, or None when it does not exist."""
    try:
        record = client.show_source(source_id)
    except SmsApiError as exc:
        if exc.status == 404 or exc.code == "SMS.2216":
            return None
        raise
    if not isinstance(record, dict):
        raise SmsApiError("SMS answered GET /v3/sources/%s with a %s instead of a source object"
                          % (source_id, type(record).__name__))
    return record


def _list(client, filters) -> list:
    items = client.list_sources(filters)
    if not isinstance(items, list):
        raise SmsApiError("SMS answered GET /v3/sources with a %s instead of a list" % type(items).__name__)
    for item in items:
        if not isinstance(item, dict):
            raise SmsApiError("SMS answered GET /v3/sources with an entry that is not an object: %r" % (item,))
    return items


def candidates(client, identity) -> list:
    """Show records of every source with the same name or the same IP (exact), oldest first."""
    ids = set()
    for key in ("name", "ip"):
        value = getattr(identity, key)
        if value and key in identity.match:
            ids.update(source_id_of(item) for item in _list(client, {key: value}) if _text(item, key) == value)
    found = [record for record in (_show(client, source_id) for source_id in sorted(ids)) if record is not None]
    return sorted(found, key=_survivor_key)


def _survivor_key(record):
    """Sort key of the record to keep among duplicates: one under migration, else the oldest, then the id."""
    return (migration_in_progress(record) is None, _add_date(record), str(record.get("id")))


def lookup(client, source_id=None, name=None, ip=None) -> dict | None:
    """By id (show), else by exact name and/or ip (both equal when both are given); None if absent.

    Kept for ``source_info`` and for ``state: absent`` without facts. More than one match is an
    error listing the ids.
    """
    if source_id:
        return _show(client, source_id)
    if not name and not ip:
        raise SmsApiError("cannot look the source up: no source_id, and no name or ip to match on")
    items = _list(client, {"name": name} if name else {"ip": ip})
    matches = [i for i in items if (not name or _text(i, "name") == name) and (not ip or _text(i, "ip") == ip)]
    if len(matches) > 1:
        ids = ", ".join(sorted(str(m.get("id")) for m in matches))
        raise SmsApiError("%d sources match %s: %s; remove the duplicates or pass source_id"
                          % (len(matches), _describe_keys(name, ip), ids))
    return _show(client, source_id_of(matches[0])) if matches else None


def _describe_keys(name, ip) -> str:
    return " and ".join("%s=%r" % (k, v) for k, v in (("name", name), ("ip", ip)) if v)


def match_values(body, match) -> dict:
    """The ``name``/``ip`` values of ``body`` selected by ``match``."""
    return {key: body.get(key) for key in MATCH_KEYS if key in (match or MATCH_KEYS) and body.get(key)}


# ---------------------------------------------------------------------------------------------
# Finding this server's record


@dataclass
class Found:
    record: dict | None = None
    matched_by: str | None = None
    duplicates: list = field(default_factory=list)  # idle records of this server to delete
    others: list = field(default_factory=list)  # same name or IP, no shared MAC: other servers
    warnings: list = field(default_factory=list)


def _resolve(identity, records) -> Found:
    """Split candidates into this server's record, its provable duplicates and other servers."""
    same = [r for r in records if identity.is_same(r)]
    others = [r for r in records if not identity.is_same(r)]
    found = Found(others=others)
    if not same:
        return found
    found.warnings = ["source %s shares the name or IP of %s but no MAC address: it is another server and is left "
                      "alone" % (describe(r), identity.describe()) for r in others]
    survivor, rest = same[0], same[1:]
    provable = [r for r in rest if identity.macs & macs_of(r) and migration_in_progress(r) is None]
    unprovable = [r for r in rest if r not in provable]
    if unprovable:
        raise SmsApiError("%d sources are %s and not all of them can be merged safely (under migration, or "
                          "without MAC addresses): %s; delete the wrong ones in SMS or pass source_id"
                          % (len(same), identity.describe(), "; ".join(describe(r) for r in same)))
    found.record, found.duplicates = survivor, provable
    found.matched_by = identity.verdict(survivor)[1]
    return found


def find(client, identity) -> Found:
    return _resolve(identity, candidates(client, identity))


def _remove_duplicates(client, found, check_mode) -> list:
    removed = []
    for record in found.duplicates:
        if not check_mode:
            client.delete_source(source_id_of(record))
        removed.append(source_id_of(record))
    if removed:
        found.warnings.append("%s duplicate record(s) of this server: %s; kept %s" % (
            "would remove" if check_mode else "removed", ", ".join(removed), found.record.get("id")))
    return removed


def _by_id(client, identity, source_id, force, missing_ok=False) -> Found:
    current = _show(client, source_id)
    if current is None:
        if missing_ok:
            return Found()
        raise SmsApiError("source %s does not exist: it cannot be updated (omit source_id to register it)"
                          % source_id)
    if identity.is_same(current) or force:
        return Found(current, "source_id")
    own = [r for r in candidates(client, identity) if identity.is_same(r)]
    hint = ("; this server's record is %s" % ", ".join(str(r.get("id")) for r in own)) if own else ""
    raise SmsApiError("source_id %s is not %s: it is %s; it is not written (force: true overrides)%s"
                      % (source_id, identity.describe(), describe(current), hint))


def _by_recorded_id(client, identity, recorded_id) -> Found:
    current = _show(client, recorded_id)
    if current is not None and identity.is_same(current):
        return Found(current, "source_id")
    why = "no longer exists" if current is None else "is not %s but %s" % (identity.describe(), describe(current))
    found = find(client, identity)
    found.warnings.insert(0, "the recorded source %s %s: ignored, the server was identified afresh" % (
        recorded_id, why))
    return found


# ---------------------------------------------------------------------------------------------
# present / absent


def ensure_present(client, body, source_id=None, recorded_source_id=None, match=MATCH_KEYS, force=False,
                   on_conflict="fail", settle=DEFAULT_SETTLE, check_mode=False) -> Outcome:
    identity = Identity.of(body, match)
    if source_id:
        found = _by_id(client, identity, source_id, force)
    elif recorded_source_id:
        found = _by_recorded_id(client, identity, recorded_source_id)
    else:
        found = find(client, identity)
    removed = _remove_duplicates(client, found, check_mode)
    if found.record is None:
        return _create(client, body, identity, found, on_conflict, settle, check_mode)
    outcome = _converge(client, body, found.record, force, check_mode)
    outcome.warnings[:0] = found.warnings
    outcome.matched_by, outcome.duplicates_removed = found.matched_by, removed
    if removed:
        outcome.changed = True
    return outcome


def _create(client, body, identity, found, on_conflict, settle, check_mode) -> Outcome:
    others = found.others
    if others and on_conflict == "fail":
        raise SmsApiError("%s is not registered, but %s %s the same name or IP and no MAC address with it: "
                          "another server, not written. Rename one of them, or set on_conflict: register to "
                          "register this server as a record of its own"
                          % (identity.describe(), "; ".join(describe(r) for r in others),
                             "has" if len(others) == 1 else "have"))
    warnings = found.warnings + ["registered next to another server's record %s (on_conflict: register)"
                                 % describe(r) for r in others]
    diff = {"before": {"state": "absent"}, "after": dict(body, state="present")}
    if check_mode:
        return Outcome("created", True, diff=diff, warnings=warnings)
    created = register(client, body, lambda: find(client, identity).record, settle)
    after = find(client, identity)  # reconcile: late commits and concurrent runs leave duplicates
    removed = _remove_duplicates(client, after, False)
    record = after.record or _show(client, created)
    if record is None:
        raise SmsApiError("source %s was registered but cannot be found any more" % created)
    outcome = _converge(client, body, record, False, False)  # another run's survivor may hold other values
    return Outcome("created", True, source=outcome.source, source_id=outcome.source_id, diff=diff,
                   warnings=warnings + after.warnings + outcome.warnings, matched_by="created",
                   duplicates_removed=removed)


def _converge(client, body, current, force, check_mode) -> Outcome:
    existing_id = source_id_of(current)
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
    return Outcome("updated", True, source=_show(client, existing_id), source_id=existing_id, diff=diff)


def settle_lookup(client, lookup_once, settle):
    """Look again until ``lookup_once()`` finds the record or ``settle`` seconds have passed.

    Waits grow 1, 2, 4, 8, 10, 10 ... seconds; the last look is at the end of the window.
    """
    started = client.monotonic()
    wait = FIRST_SETTLE_WAIT
    while True:
        found = lookup_once()
        if found is not None:
            return found
        left = settle - (client.monotonic() - started)
        if left <= 0:
            return None
        client.sleep(min(wait, left))
        wait = min(wait * 2, MAX_SETTLE_WAIT)


def register(client, body, lookup_once, settle=DEFAULT_SETTLE) -> str:
    """``POST`` without ``id``; after an unknown outcome, a settle window of lookups decides first.

    Only when nothing appeared within ``settle`` seconds is the body sent again, at most
    ``retries`` times (the client's policy).
    """
    attempts = 0
    while True:
        attempts += 1
        try:
            return client.register_source(body)
        except SmsAmbiguousError as exc:
            found = settle_lookup(client, lookup_once, settle)
            if found is not None:
                return source_id_of(found)
            if attempts > client.policy.retries:
                raise SmsApiError("%s; the source was looked up for %g s afterwards and did not appear [gave up "
                                  "after %d registration attempts]" % (exc.message, settle, attempts),
                                  status=exc.status, code=exc.code, method=exc.method, path=exc.path) from None


def ensure_absent(client, source_id=None, name=None, ip=None, force=False, check_mode=False, body=None,
                  recorded_source_id=None, match=MATCH_KEYS) -> Outcome:
    """Delete this server's record. With ``body`` (from facts or a payload) the identity rules apply."""
    warnings = []
    if body is not None:
        identity = Identity.of(body, match)
        if source_id:
            found = _by_id(client, identity, source_id, force, missing_ok=True)
        elif recorded_source_id:
            found = _by_recorded_id(client, identity, recorded_source_id)
        else:
            found = find(client, identity)
        warnings = found.warnings
        records = ([found.record] if found.record else []) + found.duplicates
    else:
        current = lookup(client, source_id=source_id, name=name, ip=ip)
        records = [current] if current else []
    if not records:
        return Outcome("absent", False, warnings=warnings)
    current = records[0]
    existing_id = source_id_of(current)
    blocked = [(r, migration_in_progress(r)) for r in records if migration_in_progress(r)]
    if blocked and not force:
        warnings += ["source %s (%s) was not deleted because %s (force: true overrides)" % (
            source_id_of(r), r.get("name"), reason) for r, reason in blocked]
        return Outcome("skipped", False, source=current, source_id=existing_id, warnings=warnings)
    diff = {"before": {"state": "present", "id": existing_id, "name": current.get("name"), "ip": current.get("ip")},
            "after": {"state": "absent"}}
    if not check_mode:
        for record in records:
            client.delete_source(source_id_of(record))
    return Outcome("deleted", True, source=current, source_id=existing_id, diff=diff, warnings=warnings,
                   duplicates_removed=[source_id_of(r) for r in records[1:]])
