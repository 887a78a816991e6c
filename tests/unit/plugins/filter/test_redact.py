"""hwcloud.sms.redact: the client's redaction rule as a filter for what roles print."""

import json

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.hwcloud.sms.plugins.filter.redact import FilterModule, redact


def test_the_filter_masks_every_spelling_and_keeps_the_rest():
    secret = 'sk"\\ü'
    text = "raw %s json %s done" % (secret, json.dumps(secret)[1:-1])
    assert redact(text, [secret, "", None]) == "raw ******** json ******** done"
    assert FilterModule().filters()["redact"] is redact


def test_empty_input_and_bad_secret_lists():
    assert redact(None, ["x"]) == ""
    for bad in ("a-single-string", None, {"k": "v"}):
        with pytest.raises(AnsibleFilterError, match="secrets must be a list"):
            redact("text", bad)
