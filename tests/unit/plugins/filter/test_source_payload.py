"""hwcloud.sms.source_payload: the filter returns the module's body, warns, and fails with the field."""

import pytest
import yaml

from ansible.errors import AnsibleFilterError

from ansible_collections.hwcloud.sms.plugins.filter import source_payload as filter_plugin
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.payload import build_payload
from tests.unit.plugins.module_utils._sms.sms_samples import sample


def test_filter_is_registered_and_matches_the_module_body():
    filters = filter_plugin.FilterModule().filters()
    assert list(filters) == ["source_payload"]
    body = filters["source_payload"](sample(), agent_version="25.6.0", name="web01.example")
    assert body == build_payload(sample(), agent_version="25.6.0", name="web01.example", warnings=[])


def test_filter_shows_payload_warnings(monkeypatch):
    shown = []
    monkeypatch.setattr(filter_plugin.display, "warning", shown.append)
    facts = sample()
    facts["firmware"]["boot_loader"] = {"name": "lilo"}
    filter_plugin.source_payload(facts)
    assert len(shown) == 1 and shown[0].startswith("hwcloud.sms.source_payload: boot loader LILO")


def test_filter_errors_name_the_field():
    with pytest.raises(AnsibleFilterError, match=r"source_payload: ip: one of ip or ipv6 is required"):
        filter_plugin.source_payload(sample(), overrides={"ip": None})


def test_sidecar_documentation_describes_every_argument():
    with open(filter_plugin.__file__.replace(".py", ".yml"), encoding="utf-8") as handle:
        doc = yaml.safe_load(handle)
    options = doc["DOCUMENTATION"]["options"]
    assert set(options) == {"_input", "agent_version", "name", "overrides", "include_virtual_interfaces"}
    assert options["agent_version"]["default"] == "25.5.0"
    assert "hwcloud.sms.source_payload" in doc["EXAMPLES"] and "_value" in doc["RETURN"]
