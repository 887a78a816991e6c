# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``hwcloud.sms.capture_facts``: the ``sms_discovery`` facts of a capture file.

Documentation: capture_facts.yml next to this file.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_bytes
from ansible.utils.display import Display

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery import capture, facts
from ansible_collections.hwcloud.sms.plugins.module_utils._discovery.runner import DiscoveryTimeout
from ansible_collections.hwcloud.sms.plugins.module_utils._discovery.storage import (
    DEFAULT_EXCLUDE_DEVICES,
    DEFAULT_EXCLUDE_FSTYPES,
)

display = Display()


def capture_facts(data, sections=None, exclude_devices=None, exclude_fstypes=None, on_timeout="warn"):
    """Run the discovery collectors over a capture (text of ``sh sms-capture.sh``)."""
    if not isinstance(data, (str, bytes)):
        raise AnsibleFilterError("hwcloud.sms.capture_facts: expects the text of a capture file, got %s"
                                 % type(data).__name__)
    if sections is not None and (not isinstance(sections, list) or set(sections) - set(facts.SECTIONS)):
        raise AnsibleFilterError("hwcloud.sms.capture_facts: sections must be a list of %s" % ", ".join(facts.SECTIONS))
    options = {
        "exclude_devices": list(DEFAULT_EXCLUDE_DEVICES if exclude_devices is None else exclude_devices),
        "exclude_fstypes": list(DEFAULT_EXCLUDE_FSTYPES if exclude_fstypes is None else exclude_fstypes),
        "on_timeout": on_timeout,
    }
    try:
        discovery = capture.discover(to_bytes(data, errors="surrogate_or_strict"), sections=sections,
                                     options=options, method="capture")
    except capture.CaptureError as exc:
        raise AnsibleFilterError("hwcloud.sms.capture_facts: %s" % exc) from None
    except DiscoveryTimeout as exc:
        raise AnsibleFilterError("hwcloud.sms.capture_facts: a command timed out on the host (on_timeout=error): %s"
                                 % exc) from None
    for warning in discovery["warnings"]:
        display.warning("hwcloud.sms.capture_facts: %s" % warning)
    return discovery


class FilterModule:
    def filters(self):
        return {"capture_facts": capture_facts}
