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
    assert [c[0] for c in sms.calls] == ["list", "show"]


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


def test_lookup_by_exact_name_and_ip_and_duplicates_are_an_error():
    sms = FakeSms()
    sms.add(body(name="web01-old"))
    sms.add(body(ip="10.9.9.9"))  # same name, other IP: not this server
    outcome = ensure_present(sms, body())
    assert outcome.action == "created" and len(sms.records) == 3
    sms.add(body())
    with pytest.raises(SmsApiError) as caught:
        ensure_present(sms, body())
    assert "2 sources match name='web01' and ip='192.168.0.10'" in str(caught.value)
    assert "src-0003" in str(caught.value) and "src-0004" in str(caught.value)


def test_match_on_name_only_follows_an_ip_change():
    sms = FakeSms()
    source_id = ensure_present(sms, body()).source_id
    outcome = ensure_present(sms, body(ip="192.168.0.99"), match=["name"])
    assert (outcome.action, outcome.source_id) == ("updated", source_id)
    assert outcome.diff["after"] == {"ip": "192.168.0.99"}


def test_lookup_by_source_id():
    sms = FakeSms()
    source_id = sms.add(body(name="renamed-in-console"))
    outcome = ensure_present(sms, body(), source_id=source_id)
    assert outcome.action == "updated" and outcome.diff["before"] == {"name": "renamed-in-console"}
    with pytest.raises(SmsApiError, match="does not exist"):
        ensure_present(sms, body(), source_id="missing")


def test_committed_then_lost_registration_is_found_not_duplicated():
    sms = FakeSms()
    sms.fail_next("register", "lost")
    outcome = ensure_present(sms, body())
    assert outcome.action == "created" and len(sms.records) == 1
    assert [c[0] for c in sms.writes()] == ["register"]  # looked up instead of re-posting
    assert sms.slept == []


def test_ambiguous_failure_without_commit_is_resent_after_a_lookup_and_backoff():
    sms = FakeSms()
    sms.fail_next("register", "ambiguous", "ambiguous")
    outcome = ensure_present(sms, body())
    assert outcome.action == "created" and len(sms.records) == 1
    assert [c[0] for c in sms.writes()] == ["register"] * 3
    kinds = [c[0] for c in sms.calls]
    assert kinds[:4] == ["list", "register", "list", "register"]
    assert len(sms.slept) == 2 and sms.slept[0] < sms.slept[1]


def test_ambiguous_failures_give_up_within_the_policy():
    sms = FakeSms(retries=2)
    sms.fail_next("register", "ambiguous", "ambiguous", "ambiguous", "ambiguous")
    with pytest.raises(SmsApiError) as caught:
        ensure_present(sms, body())
    assert "does not exist" in str(caught.value) and "3 registration attempts" in str(caught.value)
    assert not sms.records


def test_definite_rejection_is_not_retried():
    sms = FakeSms()
    sms.fail_next("register", "error")
    with pytest.raises(SmsApiError, match="rejected"):
        ensure_present(sms, body())
    assert len(sms.writes()) == 1


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
