"""The shared argument spec, the doc fragment and the client's option table say the same thing."""

import yaml

from ansible.module_utils.basic import env_fallback

from ansible_collections.hwcloud.sms.plugins.doc_fragments.sms import ModuleDocFragment
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.client import CONNECTION_OPTIONS
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.module import sms_argument_spec

EXPECTED_ENV = {
    "endpoint": "HUAWEICLOUD_SMS_ENDPOINT", "region": "HUAWEICLOUD_SDK_REGION",
    "iam_endpoint": "HUAWEICLOUD_SDK_IAM_ENDPOINT", "access_key": "HUAWEICLOUD_SDK_AK",
    "secret_key": "HUAWEICLOUD_SDK_SK", "security_token": "HUAWEICLOUD_SDK_SECURITY_TOKEN",
    "project_id": "HUAWEICLOUD_SDK_PROJECT_ID", "auth_token": "HUAWEICLOUD_SDK_AUTH_TOKEN",
    "username": "HUAWEICLOUD_USERNAME", "password": "HUAWEICLOUD_PASSWORD", "domain_name": "HUAWEICLOUD_DOMAIN_NAME",
    "allow_insecure_http": "HUAWEICLOUD_SMS_ALLOW_INSECURE_HTTP",
}
SECRETS = {"secret_key", "security_token", "auth_token", "password"}


def test_argument_spec_names_env_fallbacks_and_no_log():
    spec = sms_argument_spec()
    assert set(spec) == set(CONNECTION_OPTIONS)
    for name, entry in spec.items():
        assert entry["no_log"] is (name in SECRETS), name
        if name in EXPECTED_ENV:
            assert entry["fallback"] == (env_fallback, [EXPECTED_ENV[name]])
        else:
            assert "fallback" not in entry
    assert spec["access_key"]["aliases"] == ["ak"] and spec["secret_key"]["aliases"] == ["sk"]
    assert spec["validate_certs"] == {"type": "bool", "no_log": False, "default": True}
    assert (spec["timeout"]["default"], spec["retries"]["default"], spec["deadline"]["default"]) == (30.0, 5, 120.0)


def test_doc_fragments_match_the_spec():
    spec = sms_argument_spec()
    for fragment, with_env in ((ModuleDocFragment.DOCUMENTATION, False), (ModuleDocFragment.PLUGINS, True)):
        options = yaml.safe_load(fragment)["options"]
        assert set(options) == set(spec)
        for name, doc in options.items():
            assert doc["type"] == spec[name]["type"], name
            assert doc.get("default") == spec[name].get("default"), name
            assert doc.get("aliases", []) == spec[name].get("aliases", []), name
            env = [e["name"] for e in doc.get("env", [])]
            description = " ".join(doc["description"])
            if with_env:
                assert env == ([EXPECTED_ENV[name]] if name in EXPECTED_ENV else []), name
            else:
                assert not env
                if name in EXPECTED_ENV:
                    assert "E(%s)" % EXPECTED_ENV[name] in description, name
