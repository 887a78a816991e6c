"""hwcloud.sms.source_payload: the filter returns the module's body, warns, and fails with the field."""

import pytest
import yaml

from ansible.errors import AnsibleFilterError

from ansible_collections.hwcloud.sms.plugins.filter import source_payload as filter_plugin
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.payload import build_payload
from tests.unit.plugins.module_utils._sms.sms_samples import sample


def test_filter_is_registered_and_matches_the_module_body():
    filters = filter_plugin.FilterModule().filters()
    assert list(filters) == ["source_payload", "source_name"]
    body = filters["source_payload"](sample(), agent_version="25.6.0", name="web01.example")
    assert body == build_payload(sample(), agent_version="25.6.0", name="web01.example", warnings=[])


def test_filter_shows_payload_warnings(monkeypatch):
    shown = []
    monkeypatch.setattr(filter_plugin.display, "warning", shown.append)
    facts = sample()
    facts["storage"]["raw_devices"] = ["/dev/vdz"]
    filter_plugin.source_payload(facts)
    assert len(shown) == 1 and shown[0].startswith("hwcloud.sms.source_payload: raw_devices: raw devices")


def test_unidentified_boot_loader_fails_naming_the_field_and_the_override():
    facts = sample()
    facts["firmware"]["boot_loader"] = {"name": None}
    with pytest.raises(AnsibleFilterError, match=r"source_payload: boot_loader: discovery could not identify the boot "
                                                 r"loader .*overrides: \{boot_loader: GRUB\}"):
        filter_plugin.source_payload(facts)
    assert filter_plugin.source_payload(facts, overrides={"boot_loader": "GRUB"})["boot_loader"] == "GRUB"


def test_source_name_is_the_name_the_module_registers(monkeypatch):
    shown = []
    monkeypatch.setattr(filter_plugin.display, "warning", shown.append)
    facts = sample()
    assert filter_plugin.source_name(facts) == build_payload(sample(), warnings=[])["name"] == "web01"
    assert filter_plugin.source_name(facts, "") == "web01"
    assert filter_plugin.source_name({}, "db1") == "db1"
    long_name = "n" * 65
    assert filter_plugin.source_name({}, long_name) == build_payload(sample(), name=long_name, warnings=[])["name"]
    assert len(shown) == 1 and "longer than 64 characters" in shown[0]
    with pytest.raises(AnsibleFilterError, match="no name given"):
        filter_plugin.source_name({})


def test_filter_errors_name_the_field():
    with pytest.raises(AnsibleFilterError, match=r"source_payload: ip: one of ip or ipv6 is required"):
        filter_plugin.source_payload(sample(), overrides={"ip": None})


def test_source_name_documentation_describes_every_argument():
    with open(filter_plugin.__file__.replace("source_payload.py", "source_name.yml"), encoding="utf-8") as handle:
        doc = yaml.safe_load(handle)
    assert set(doc["DOCUMENTATION"]["options"]) == {"_input", "name"}
    assert "hwcloud.sms.source_name" in doc["EXAMPLES"] and "_value" in doc["RETURN"]


def test_sidecar_documentation_describes_every_argument():
    with open(filter_plugin.__file__.replace(".py", ".yml"), encoding="utf-8") as handle:
        doc = yaml.safe_load(handle)
    options = doc["DOCUMENTATION"]["options"]
    assert set(options) == {"_input", "agent_version", "name", "overrides", "include_virtual_interfaces"}
    assert options["agent_version"]["default"] == "25.5.0"
    assert "hwcloud.sms.source_payload" in doc["EXAMPLES"] and "_value" in doc["RETURN"]
