# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared argument spec and a thin ``AnsibleModule`` wrapper for the SMS modules.

This module util is PRIVATE: its interface may change without notice.

    sms = SmsModule(argument_spec=dict(name=dict(type="str")), supports_check_mode=True)
    sms.run(lambda sms: {"changed": False, "sources": sms.client.list_sources()})

``run()`` turns :class:`SmsApiError` and :class:`PayloadError` into ``fail_json`` with a
message that names the problem and never a credential.
"""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.hwcloud.sms.plugins.module_utils._sms.client import (
    CONNECTION_OPTIONS,
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    SmsApiError,
    SmsClient,
)
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.payload import PayloadError


def sms_argument_spec() -> dict:
    """The connection and authentication options every SMS module accepts (docs: hwcloud.sms.sms)."""
    spec = {}
    for name, option in CONNECTION_OPTIONS.items():
        entry = {"type": option.type, "no_log": option.no_log}
        if option.default is not None:
            entry["default"] = option.default
        if option.env:
            entry["fallback"] = (env_fallback, list(option.env))
        if option.aliases:
            entry["aliases"] = list(option.aliases)
        spec[name] = entry
    return spec


class SmsModule:
    """``AnsibleModule`` with the shared options, a lazily built client, and error handling."""

    def __init__(self, argument_spec=None, **kwargs):
        spec = sms_argument_spec()
        spec.update(argument_spec or {})
        self.module = AnsibleModule(argument_spec=spec, **kwargs)
        if not HAS_REQUESTS:
            self.module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
        self._client = None

    @property
    def params(self) -> dict:
        return self.module.params

    @property
    def check_mode(self) -> bool:
        return self.module.check_mode

    @property
    def diff_mode(self) -> bool:
        return self.module._diff

    @property
    def client(self) -> SmsClient:
        if self._client is None:
            self._client = SmsClient.from_options(self.module.params, warn=self.module.warn)
        return self._client

    def run(self, operation):
        """``operation(self)`` returns the result dict; errors become ``fail_json``."""
        try:
            result = operation(self)
        except SmsApiError as exc:
            self.module.fail_json(msg=exc.message, **exc.to_result())
        except PayloadError as exc:
            self.module.fail_json(msg="invalid registration body: %s" % exc, field=exc.field)
        self.module.exit_json(**result)
