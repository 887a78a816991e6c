# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test stand-in for discovery: returns the given document as ``ansible_facts['sms_discovery']``.

The identity tests give each synthetic host its own facts (MACs, name, IP); discovery itself is
tested elsewhere.
"""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec={"facts": {"type": "dict", "required": True}}, supports_check_mode=True)
    module.exit_json(changed=False, ansible_facts={"sms_discovery": module.params["facts"]})


if __name__ == "__main__":
    main()
