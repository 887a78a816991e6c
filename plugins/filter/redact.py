# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``hwcloud.sms.redact``: text with every spelling of the given secrets masked.

Documentation: redact.yml next to this file. The rule itself is ``_sms/redaction.py``, the
same function the SMS client applies to its error messages.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.hwcloud.sms.plugins.module_utils._sms.redaction import redact as _redact


def redact(text, secrets):
    """``text`` (anything, shown as a string) with each secret of ``secrets`` masked."""
    if isinstance(secrets, str) or not isinstance(secrets, (list, tuple)):
        raise AnsibleFilterError("hwcloud.sms.redact: secrets must be a list of strings")
    return _redact("" if text is None else str(text), [str(s) for s in secrets if s not in (None, "")])


class FilterModule:
    def filters(self):
        return {"redact": redact}
