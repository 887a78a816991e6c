# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Removing secrets from text that is about to be shown: the one redaction rule of the collection.

This module util is PRIVATE: its interface may change without notice.

A secret reaches a message in many spellings: as it is, JSON-escaped (a password with ``"``,
``\\`` or non-ASCII characters inside an echoed request body, once or twice escaped),
``repr()``-escaped (exception texts), percent-encoded (URLs, form bodies, proxy URLs),
HTML-escaped (error pages) or base64-encoded (``Basic`` authorisation). ``redact()`` replaces
every one of these spellings of every secret, longest first, whatever the secret's length;
``user:password@`` in URLs is masked too. The client uses it for every error message
(``client.py``) and the ``hwcloud.sms.redact`` filter for text printed by the roles.
"""

from __future__ import annotations

import base64
import html
import json
import re
from urllib.parse import quote, quote_plus

MASK = "********"

_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@'\"<>]+@")


def spellings(secret: str) -> set:
    """Every form of ``secret`` that ``redact()`` removes."""
    secret = str(secret)
    forms = {secret}
    for ensure_ascii in (True, False):
        once = json.dumps(secret, ensure_ascii=ensure_ascii)[1:-1]
        forms.add(once)
        forms.add(json.dumps(once, ensure_ascii=ensure_ascii)[1:-1])
    forms.add(repr(secret)[1:-1])
    forms.add(secret.encode("unicode_escape").decode("ascii"))
    forms.add(html.escape(secret))
    forms.add(html.escape(secret, quote=False))
    for encoded in (quote(secret, safe=""), quote(secret), quote_plus(secret)):
        forms.add(encoded)
        forms.add(re.sub(r"%[0-9A-F]{2}", lambda match: match.group(0).lower(), encoded))
    raw = secret.encode("utf-8")
    forms.add(base64.b64encode(raw).decode("ascii"))
    forms.add(base64.b64encode(raw).decode("ascii").rstrip("="))
    forms.add(base64.urlsafe_b64encode(raw).decode("ascii").rstrip("="))
    forms.discard("")
    return forms


def redact(text, secrets) -> str:
    """``text`` with every spelling of every non-empty secret and every URL password masked."""
    text = "" if text is None else str(text)
    forms = set()
    for secret in secrets or ():
        if secret not in (None, ""):
            forms.update(spellings(secret))
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, MASK)
    return _URL_USERINFO.sub(lambda match: match.group(1) + MASK + "@", text)
