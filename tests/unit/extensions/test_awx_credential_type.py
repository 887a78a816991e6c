"""extensions/awx/credential_type.yml: a valid AWX custom credential type whose injectors feed
exactly the HUAWEICLOUD_* variables hwcloud.sms reads, with every secret marked secret."""

from __future__ import annotations

import os
import re

import pytest
import yaml
from jinja2 import meta
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
CREDENTIAL_TYPE = os.path.join(ROOT, "extensions", "awx", "credential_type.yml")

# input id -> the variable hwcloud.sms reads it from (docs/awx.md, plugins/doc_fragments/sms.py)
EXPECTED_ENV = {
    "access_key": "HUAWEICLOUD_SDK_AK",
    "secret_key": "HUAWEICLOUD_SDK_SK",
    "security_token": "HUAWEICLOUD_SDK_SECURITY_TOKEN",
    "project_id": "HUAWEICLOUD_SDK_PROJECT_ID",
    "region": "HUAWEICLOUD_SDK_REGION",
    "endpoint": "HUAWEICLOUD_SMS_ENDPOINT",
    "iam_endpoint": "HUAWEICLOUD_SDK_IAM_ENDPOINT",
}
SECRETS = {"secret_key", "security_token"}


@pytest.fixture(scope="module")
def credential_type():
    with open(CREDENTIAL_TYPE, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="module")
def fields(credential_type):
    return {field["id"]: field for field in credential_type["inputs"]["fields"]}


def _render_env(credential_type, values):
    """Render the env injectors the way AWX does: a sandboxed Jinja2 environment over the
    credential's inputs, fields left empty missing from the namespace."""
    sandbox = ImmutableSandboxedEnvironment()
    namespace = {key: value for key, value in values.items() if value}
    return {name: sandbox.from_string(template).render(**namespace)
            for name, template in credential_type["injectors"]["env"].items()}


def test_shape_is_what_the_awx_api_accepts(credential_type, fields):
    assert set(credential_type) == {"name", "description", "kind", "inputs", "injectors"}
    assert credential_type["kind"] == "cloud"
    assert set(credential_type["injectors"]) == {"env"}
    assert len(fields) == len(credential_type["inputs"]["fields"]), "duplicate input ids"
    for field_id, field in fields.items():
        assert re.fullmatch(r"[a-z_][a-z0-9_]*", field_id)
        assert field["type"] == "string"
        assert field["label"] and field["help_text"]
    assert set(credential_type["inputs"]["required"]) == {"access_key", "secret_key"}


def test_every_input_is_injected_into_its_variable(credential_type, fields):
    sandbox = ImmutableSandboxedEnvironment()
    injected = {}
    for name, template in credential_type["injectors"]["env"].items():
        referenced = meta.find_undeclared_variables(sandbox.parse(template))
        assert len(referenced) == 1, f"{name} should inject exactly one input, got {referenced}"
        injected[referenced.pop()] = name
    assert injected == EXPECTED_ENV
    assert set(fields) == set(EXPECTED_ENV)


def test_each_input_feeds_the_option_of_the_same_name():
    """The env names come from the shared doc fragment the inventory plugin and modules use."""
    from ansible_collections.hwcloud.sms.plugins.doc_fragments.sms import ModuleDocFragment

    options = yaml.safe_load(ModuleDocFragment.PLUGINS)["options"]
    option_env = {name: [entry["name"] for entry in spec.get("env", [])] for name, spec in options.items()}
    for field_id, variable in EXPECTED_ENV.items():
        assert field_id in options, f"input {field_id} has no hwcloud.sms option of that name"
        assert variable in option_env[field_id], f"option {field_id} does not read {variable}"


def test_secrets_are_secret_and_the_access_key_is_not(fields):
    assert {field_id for field_id, field in fields.items() if field.get("secret")} == SECRETS
    assert not fields["access_key"].get("secret"), "the AK is an identifier; hiding it only hampers support"


def test_no_reserved_variable_names(credential_type):
    for name in credential_type["injectors"]["env"]:
        assert not name.startswith("ANSIBLE_"), f"AWX reserves ANSIBLE_* names: {name}"
        assert name.startswith("HUAWEICLOUD_")


def test_rendering_passes_values_through_and_leaves_unset_fields_empty(credential_type):
    values = {
        "access_key": "HWCEMULATORAK0000001",
        "secret_key": "hwc-emulator-secret-key-0000000000000001",
        "project_id": "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
        "region": "ap-southeast-3",
        "security_token": "",
    }
    env = _render_env(credential_type, values)
    assert env["HUAWEICLOUD_SDK_AK"] == values["access_key"]
    assert env["HUAWEICLOUD_SDK_SK"] == values["secret_key"]
    assert env["HUAWEICLOUD_SDK_PROJECT_ID"] == values["project_id"]
    assert env["HUAWEICLOUD_SDK_REGION"] == values["region"]
    # unset optional inputs arrive as empty strings, which hwcloud.sms must read as "not set"
    assert env["HUAWEICLOUD_SDK_SECURITY_TOKEN"] == ""
    assert env["HUAWEICLOUD_SMS_ENDPOINT"] == ""
    assert env["HUAWEICLOUD_SDK_IAM_ENDPOINT"] == ""
