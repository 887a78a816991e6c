"""One redaction rule for every message: each spelling of each secret, whatever its length."""

import base64
import json
from urllib.parse import quote, quote_plus

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._sms.redaction import MASK, redact, spellings

SECRETS = [
    "abcd",                      # 4 characters
    'pa"ss',                     # a quote
    "back\\slash\\",             # backslashes
    "pässwörd-日本",              # non-ASCII
    "it's <tag> & \"both\"",     # HTML-special characters
    "new\nline\ttab",            # control characters
    "p@ss:w/rd?x=1&y=2 +",       # URL-special characters
    "x",                         # one character
]


def _forms(secret):
    yield secret
    yield json.dumps(secret)[1:-1]
    yield json.dumps(secret, ensure_ascii=False)[1:-1]
    yield json.dumps(json.dumps(secret))[1:-1]
    yield repr(secret)[1:-1]
    yield quote(secret, safe="")
    yield quote(secret, safe="").lower()
    yield quote_plus(secret)
    yield base64.b64encode(secret.encode()).decode()


@pytest.mark.parametrize("secret", SECRETS)
def test_every_spelling_is_masked(secret):
    for form in _forms(secret):
        text = redact("before %s after" % form, [secret])
        assert form not in text.replace(MASK, ""), (secret, form)
        assert MASK in text


@pytest.mark.parametrize("secret", SECRETS[:-1])
def test_secrets_inside_echoed_json_bodies_are_masked(secret):
    body = json.dumps({"error_msg": "bad password", "request": {"password": secret}})
    assert secret not in redact(body, [secret])
    nested = json.dumps({"error_msg": body})
    assert json.dumps(secret)[1:-1] not in redact(nested, [secret])


def test_url_passwords_are_masked_without_knowing_them():
    text = redact("ProxyError('http://ops:S3cr3t!@proxy.example:3128') and https://a:b@h/p", [])
    assert "S3cr3t" not in text and "ops:" not in text and "a:b@" not in text
    assert "http://********@proxy.example:3128" in text


def test_nothing_else_changes():
    assert redact("nothing secret here", ["abcd", None, ""]) == "nothing secret here"
    assert redact(None, ["x"]) == ""
    assert "" not in spellings("abcd")


def test_longer_secrets_are_masked_before_their_parts():
    text = redact("key=abcdef", ["abc", "abcdef"])
    assert text == "key=" + MASK
