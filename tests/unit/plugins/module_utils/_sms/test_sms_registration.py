"""Converging one source: lookup, compare, create/update/delete, migration guard, ambiguous failures."""

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._sms.errors import SmsApiError
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.payload import build_payload
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.registration import (
    ensure_absent,
    ensure_present,
    migration_in_progress,
)
from tests.unit.plugins.module_utils._sms.fake_sms import FakeSms
from tests.unit.plugins.module_utils._sms.sms_samples import sample


def body(**overrides):
    return build_payload(sample(), overrides=overrides or None, warnings=[])


def test_absent_source_is_registered_once():
    sms = FakeSms()
    outcome = ensure_present(sms, body())
    assert (outcome.action, outcome.changed) == ("created", True)
    assert list(sms.records) == [outcome.source_id]
    assert outcome.source["name"] == "web01" and "has_rsync" not in outcome.source  # the show record
    assert outcome.diff["before"] == {"state": "absent"} and outcome.diff["after"]["state"] == "present"
    assert [c[0] for c in sms.writes()] == ["register"]


def test_second_run_is_unchanged_with_no_write():
    sms = FakeSms()
    first = ensure_present(sms, body())
    sms.calls.clear()
    second = ensure_present(sms, body())
    assert (second.action, second.changed, second.source_id) == ("unchanged", False, first.source_id)
    assert sms.writes() == []
    assert [c[0] for c in sms.calls] == ["list", "list", "show"]  # by name, by IP, then the candidate


def test_a_difference_is_posted_with_the_id_and_the_diff_names_only_it():
    sms = FakeSms()
    source_id = ensure_present(sms, body()).source_id
    outcome = ensure_present(sms, body(cpu_quantity=8))
    assert (outcome.action, outcome.changed, outcome.source_id) == ("updated", True, source_id)
    assert sms.writes()[-1] == ("update", source_id)
    assert outcome.diff == {"before": {"cpu_quantity": 4}, "after": {"cpu_quantity": 8}}
    assert outcome.source["cpu_quantity"] == 8 and len(sms.records) == 1


def test_check_mode_reads_but_never_writes():
    sms = FakeSms()
    outcome = ensure_present(sms, body(), check_mode=True)
    assert outcome.changed and outcome.action == "created" and sms.writes() == [] and not sms.records
    source_id = ensure_present(sms, body()).source_id
    outcome = ensure_present(sms, body(cpu_quantity=2), check_mode=True)
    assert outcome.changed and outcome.diff["after"] == {"cpu_quantity": 2}
    assert sms.records[source_id]["cpu_quantity"] == 4 and len(sms.writes()) == 1
    outcome = ensure_absent(sms, name="web01", check_mode=True)
    assert outcome.changed and source_id in sms.records


@pytest.mark.parametrize("state", [{"state": "replicate"}, {"migration_cycle": "replicating"},
                                   {"current_task": {"id": "t-1", "name": "mig"}}, {"state": "finished"}])
def test_source_under_migration_is_not_overwritten_or_deleted_without_force(state):
    sms = FakeSms()
    source_id = sms.add(body(), **state)
    assert migration_in_progress(sms.records[source_id])
    outcome = ensure_present(sms, body(cpu_quantity=16))
    assert (outcome.action, outcome.changed) == ("skipped", False)
    assert "not overwritten" in outcome.warnings[0] and "cpu_quantity" in outcome.warnings[0]
    outcome = ensure_absent(sms, source_id=source_id)
    assert (outcome.action, outcome.changed) == ("skipped", False) and "not deleted" in outcome.warnings[0]
    assert sms.writes() == []
    assert ensure_present(sms, body(cpu_quantity=16), force=True).action == "updated"
    assert ensure_absent(sms, source_id=source_id, force=True).action == "deleted"


@pytest.mark.parametrize("record", [{"state": "waiting"}, {"state": "unavailable"}, {"state": ""}])
def test_pre_migration_states_are_not_in_progress(record):
    assert migration_in_progress(dict(record, migration_cycle=None, current_task=None)) is None


def other_server(**overrides):
    """A body of another machine: its own MACs."""
    other = body(**overrides)
    other["networks"] = [dict(n, mac="52:54:00:aa:bb:%02x" % i) for i, n in enumerate(other["networks"])]
    return other


def test_same_mac_is_the_same_server_even_after_an_ip_change_and_a_rename():
    sms = FakeSms()
    source_id = ensure_present(sms, body()).source_id
    moved = ensure_present(sms, body(ip="192.168.0.99"))
    assert (moved.action, moved.source_id, moved.matched_by) == ("updated", source_id, "mac")
    assert moved.diff["after"] == {"ip": "192.168.0.99"} and len(sms.records) == 1
    renamed = ensure_present(sms, body(ip="192.168.0.99", name="web01-new"))
    assert (renamed.action, renamed.source_id) == ("updated", source_id)
    assert sms.records[source_id]["name"] == "web01-new" and len(sms.records) == 1


def test_same_name_other_mac_is_another_server_and_never_written():
    sms = FakeSms()
    theirs = sms.add(other_server())
    before = dict(sms.records[theirs])
    with pytest.raises(SmsApiError) as caught:
        ensure_present(sms, body(ip="192.168.0.77"))
    message = str(caught.value)
    assert theirs in message and "another server, not written" in message and "on_conflict: register" in message
    assert sms.writes() == [] and sms.records[theirs] == before
    outcome = ensure_present(sms, body(ip="192.168.0.77"), on_conflict="register")
    assert outcome.action == "created" and outcome.source_id != theirs and sms.records[theirs] == before
    assert any("another server's record" in w for w in outcome.warnings)
    again = ensure_present(sms, body(ip="192.168.0.77"))  # now its own record exists: found by MAC
    assert (again.action, again.source_id) == ("unchanged", outcome.source_id)
    assert any("is left alone" in w for w in again.warnings)


def test_same_ip_other_mac_is_a_conflict_too():
    sms = FakeSms()
    theirs = sms.add(other_server(name="db07"))
    with pytest.raises(SmsApiError, match="another server"):
        ensure_present(sms, body())
    assert list(sms.records) == [theirs] and sms.writes() == []


def test_records_without_macs_fall_back_to_name_and_ip():
    sms = FakeSms()
    legacy = sms.add(dict(body(), networks=[{"name": "eth0", "mac": ""}]))
    outcome = ensure_present(sms, body())
    assert (outcome.action, outcome.source_id, outcome.matched_by) == ("updated", legacy, "name/ip")
    sms2 = FakeSms()
    sms2.add(dict(body(ip="10.0.0.1"), networks=[{"name": "eth0", "mac": "00:00:00:00:00:00"}]))
    with pytest.raises(SmsApiError, match="another server"):  # same name only: not provably this server
        ensure_present(sms2, body())


def test_provable_duplicates_are_merged_into_the_oldest():
    sms = FakeSms()
    first = sms.add(body())
    second = sms.add(body(name="web01-alias"))
    third = sms.add(body())
    outcome = ensure_present(sms, body())
    assert outcome.source_id == first and sorted(outcome.duplicates_removed) == sorted([second, third])
    assert list(sms.records) == [first] and outcome.changed
    assert any("removed duplicate record(s)" in w for w in outcome.warnings)


def test_duplicates_are_only_reported_in_check_mode():
    sms = FakeSms()
    first, second = sms.add(body()), sms.add(body())
    outcome = ensure_present(sms, body(), check_mode=True)
    assert outcome.changed and outcome.duplicates_removed == [second] and sorted(sms.records) == [first, second]
    assert sms.writes() == []


def test_a_duplicate_under_migration_survives_and_two_migrating_are_an_error():
    sms = FakeSms()
    idle = sms.add(body())
    migrating = sms.add(body(), state="replicate")
    outcome = ensure_present(sms, body())
    assert outcome.source_id == migrating and list(sms.records) == [migrating] and idle in outcome.duplicates_removed
    sms.add(body(), state="syncing")
    with pytest.raises(SmsApiError, match="2 sources are this server"):
        ensure_present(sms, body())


def test_lookup_by_source_id():
    sms = FakeSms()
    source_id = sms.add(body(name="renamed-in-console"))
    outcome = ensure_present(sms, body(), source_id=source_id)
    assert outcome.action == "updated" and outcome.diff["before"] == {"name": "renamed-in-console"}
    with pytest.raises(SmsApiError, match="does not exist"):
        ensure_present(sms, body(), source_id="missing")


def test_a_given_source_id_of_another_server_is_never_written_without_force():
    sms = FakeSms()
    theirs = sms.add(other_server(name="db07", ip="10.0.0.7"))
    ours = sms.add(body())
    with pytest.raises(SmsApiError) as caught:
        ensure_present(sms, body(), source_id=theirs)
    assert "source_id %s is not this server" % theirs in str(caught.value)
    assert "this server's record is %s" % ours in str(caught.value) and sms.writes() == []
    forced = ensure_present(sms, body(), source_id=theirs, force=True)
    assert forced.action == "updated" and sms.records[theirs]["name"] == "web01"


def test_a_recorded_source_id_of_another_server_is_ignored_with_a_warning():
    sms = FakeSms()
    original = sms.add(other_server(name="golden", ip="10.0.0.3"))  # the image this VM was cloned from
    before = dict(sms.records[original])
    outcome = ensure_present(sms, body(), recorded_source_id=original)
    assert outcome.action == "created" and outcome.source_id != original
    assert sms.records[original] == before
    assert "the recorded source %s is not this server" % original in outcome.warnings[0]
    gone = ensure_present(sms, body(), recorded_source_id="src-9999")
    assert gone.source_id == outcome.source_id and "no longer exists" in gone.warnings[0]
    same = ensure_present(sms, body(), recorded_source_id=outcome.source_id)
    assert (same.action, same.matched_by, same.warnings) == ("unchanged", "source_id", [])


def test_records_of_the_wrong_shape_give_clear_errors():
    sms = FakeSms()
    sms.list_sources = lambda filters=None: ["not-a-record"]
    with pytest.raises(SmsApiError, match="entry that is not an object"):
        ensure_present(sms, body())
    sms = FakeSms()
    sms.show_source = lambda source_id: ["a", "list"]
    with pytest.raises(SmsApiError, match="list instead of a source object"):
        ensure_present(sms, body(), source_id="src-0001")
    sms = FakeSms()
    sms.add(body(), id="../../etc")
    with pytest.raises(SmsApiError, match="not a plain identifier"):
        ensure_present(sms, body())
    sms = FakeSms()
    odd = sms.add(body(), networks="fa:16:3e:00:00:01", add_date="yesterday", state=7, current_task="t")
    with pytest.raises(SmsApiError, match="another server"):  # no readable MAC, and its state is not idle
        ensure_present(sms, body(ip="10.1.1.1"))
    assert migration_in_progress(sms.records[odd]) == "its state is 7"


def test_committed_then_lost_registration_is_found_not_duplicated():
    sms = FakeSms()
    sms.fail_next("register", "lost")
    outcome = ensure_present(sms, body())
    assert outcome.action == "created" and len(sms.records) == 1
    assert [c[0] for c in sms.writes()] == ["register"]  # looked up instead of re-posting
    assert sms.slept == []


def test_a_late_commit_is_awaited_within_the_settle_window_not_reposted():
    sms = FakeSms()
    sms.fail_next("register", "late:31")
    outcome = ensure_present(sms, body(), settle=60)
    assert outcome.action == "created" and len(sms.records) == 1
    assert [c[0] for c in sms.writes()] == ["register"]
    assert sms.slept == [1, 2, 4, 8, 10, 10] and sum(sms.slept) >= 31


def test_a_commit_later_than_the_settle_window_is_merged_by_the_next_run():
    sms = FakeSms()
    sms.fail_next("register", "late:30")
    first = ensure_present(sms, body(), settle=5)  # re-posted after 5 s: the late one is still to come
    assert [c[0] for c in sms.writes()] == ["register", "register"] and len(sms.records) == 1
    sms.now += 60
    second = ensure_present(sms, body())
    assert second.source_id == first.source_id and second.duplicates_removed and len(sms.records) == 1


def test_ambiguous_failure_without_commit_is_resent_after_the_settle_window():
    sms = FakeSms()
    sms.fail_next("register", "ambiguous", "ambiguous")
    outcome = ensure_present(sms, body(), settle=3)
    assert outcome.action == "created" and len(sms.records) == 1
    assert [c[0] for c in sms.writes()] == ["register"] * 3
    assert sms.slept == [1, 2] * 2  # two windows of 3 s, looked at 0, 1 and 3 s


def test_settle_zero_looks_once():
    sms = FakeSms()
    sms.fail_next("register", "ambiguous")
    ensure_present(sms, body(), settle=0)
    assert sms.slept == [] and len(sms.writes()) == 2


def test_ambiguous_failures_give_up_within_the_policy():
    sms = FakeSms(retries=2)
    sms.fail_next("register", "ambiguous", "ambiguous", "ambiguous", "ambiguous")
    with pytest.raises(SmsApiError) as caught:
        ensure_present(sms, body(), settle=2)
    assert "did not appear" in str(caught.value) and "3 registration attempts" in str(caught.value)
    assert not sms.records


def test_concurrent_creates_keep_the_same_survivor():
    """Two runs both saw nothing and both posted: each reconciles to the oldest record."""
    sms = FakeSms()
    racing = sms.add(body())  # the other run's POST committed first
    sms_list = sms.list_sources
    seen = []

    def list_without_the_racer_at_first(filters=None):  # the racer was not visible at our first look
        items = sms_list(filters)
        return items if seen.append(1) or len(seen) > 2 else [i for i in items if i["id"] != racing]
    sms.list_sources = list_without_the_racer_at_first
    outcome = ensure_present(sms, body())
    assert outcome.action == "created" and outcome.source_id == racing
    assert list(sms.records) == [racing] and outcome.duplicates_removed


def test_definite_rejection_is_not_retried():
    sms = FakeSms()
    sms.fail_next("register", "error")
    with pytest.raises(SmsApiError, match="rejected"):
        ensure_present(sms, body())
    assert len(sms.writes()) == 1


def test_absent_with_facts_deletes_only_this_server():
    sms = FakeSms()
    theirs = sms.add(other_server(name="golden", ip="10.0.0.3"))
    ours = sms.add(body())
    outcome = ensure_absent(sms, body=body(), recorded_source_id=theirs)
    assert (outcome.action, outcome.source_id) == ("deleted", ours) and list(sms.records) == [theirs]
    assert "is not this server" in outcome.warnings[0]
    with pytest.raises(SmsApiError, match="is not this server"):
        ensure_absent(sms, body=body(), source_id=theirs)
    assert ensure_absent(sms, body=body(), source_id="src-0404").action == "absent"


def test_absent_while_migrating_keeps_the_record():
    sms = FakeSms()
    source_id = sms.add(body(), migration_cycle="replicating")
    outcome = ensure_absent(sms, body=body())
    assert (outcome.action, outcome.changed) == ("skipped", False) and source_id in sms.records


def test_absent_deletes_by_name_and_ip_and_is_idempotent():
    sms = FakeSms()
    source_id = ensure_present(sms, body()).source_id
    outcome = ensure_absent(sms, name="web01", ip="192.168.0.10")
    assert (outcome.action, outcome.changed, outcome.source_id) == ("deleted", True, source_id)
    assert outcome.diff == {"before": {"state": "present", "id": source_id, "name": "web01", "ip": "192.168.0.10"},
                            "after": {"state": "absent"}}
    assert not sms.records
    again = ensure_absent(sms, name="web01", ip="192.168.0.10")
    assert (again.action, again.changed) == ("absent", False)
    assert ensure_absent(sms, source_id="never-existed").action == "absent"


def test_lookup_needs_an_identity():
    with pytest.raises(SmsApiError, match="no name or ip"):
        ensure_absent(FakeSms())
