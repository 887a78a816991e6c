#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: server_template
short_description: Target server templates of Huawei Cloud SMS
version_added: 1.1.0
description:
  - Creates, updates or deletes a target server template of Huawei Cloud Server Migration Service
    (C(/v3/vm/templates)), that is the flavor, availability zone, network and disks of the servers
    SMS creates for migration tasks (M(hwcloud.sms.task) O(hwcloud.sms.task#module:template)).
  - Templates are identified by their exact name; two templates with the same name are an error
    naming both. The template is compared with what SMS returns and only written when it differs.
  - Network objects left out are created by SMS (C(autoCreate)), as in the console and Terraform.
  - Runs on the controller.
author:
  - hwcloud.sms contributors (@hwcloud)
options:
  name:
    description: Template name (letters, digits, C(_), C(-)).
    type: str
    required: true
  state:
    description: V(present) creates or updates the template, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  availability_zone:
    description: Availability zone of the target servers. Required to create a template.
    type: str
  flavor:
    description: ECS flavor id of the target servers, for example V(s6.large.2).
    type: str
  target_server_name:
    description: Name of the target servers (defaults to the template name).
    type: str
  volume_type:
    description: EVS type of the system disk (C(volumetype)), for example V(SAS), V(SSD), V(GPSSD), V(ESSD).
    type: str
    default: SAS
  data_volume_type:
    description: EVS type of the data disks.
    type: str
  image_id:
    description: Image of the target servers.
    type: str
  vpc:
    description: The VPC as C({id, name, cidr}); left out, SMS creates one (C(autoCreate)).
    type: dict
  nics:
    description: Subnets C([{id, name, cidr, ip}]); left out, SMS creates one (C(autoCreate)).
    type: list
    elements: dict
  security_groups:
    description: Security groups C([{id, name}]); left out, SMS creates one that opens the migration ports.
    type: list
    elements: dict
  public_ip:
    description: Elastic IP C({type, bandwidth_size, bandwidth_share_type}) of the target servers.
    type: dict
  disks:
    description: Disks C([{index, name, disktype, size, device_use}]), C(size) in GB.
    type: list
    elements: dict
  target_password:
    description: Password of the target servers. Never logged and never compared (SMS does not return it).
    type: str
extends_documentation_fragment:
  - hwcloud.sms.sms
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
seealso:
  - module: hwcloud.sms.task
"""

EXAMPLES = r"""
- name: A template for the web tier, network created by SMS
  hwcloud.sms.server_template:
    name: web-target
    availability_zone: ap-southeast-3a
    flavor: s6.large.2
    volume_type: GPSSD
  delegate_to: localhost

- name: Remove it
  hwcloud.sms.server_template:
    name: web-target
    state: absent
  delegate_to: localhost
"""

RETURN = r"""
template_id:
  description: Id of the template (none when it does not exist, or in check mode before creation).
  returned: success
  type: str
  sample: 6b1c0f3e-2d4a-4b5c-9e8f-7a6b5c4d3e2f
template:
  description: The template as SMS lists it (before deletion for V(absent)).
  returned: when the template exists
  type: dict
  sample: {id: 6b1c0f3e-2d4a-4b5c-9e8f-7a6b5c4d3e2f, name: web-target, availability_zone: ap-southeast-3a}
action:
  description: What happened.
  returned: success
  type: str
  choices: [created, updated, unchanged, deleted, absent]
  sample: created
diff:
  description: Before and after of the fields that differ, with C(--diff).
  returned: when changed and in diff mode
  type: dict
"""

from ansible_collections.hwcloud.sms.plugins.module_utils._sms.errors import SmsApiError
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.module import SmsModule
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.tasks import (
    create_template,
    delete_template,
    find_template,
    template_differences,
    update_template,
)

AUTO = "autoCreate"
# module option -> TemplateRequest key
FIELDS = {"availability_zone": "availability_zone", "flavor": "flavor", "target_server_name": "target_server_name",
          "volume_type": "volumetype", "data_volume_type": "data_volume_type", "image_id": "image_id",
          "vpc": "vpc", "nics": "nics", "security_groups": "security_groups", "public_ip": "publicip",
          "disks": "disk", "target_password": "target_password"}


def desired_template(params, client) -> dict:
    body = {"name": params["name"], "is_template": True, "region": client.region, "projectid": client.project_id,
            "target_server_name": params["name"],
            "vpc": {"id": AUTO, "name": AUTO}, "nics": [{"id": AUTO, "name": AUTO, "cidr": "192.168.0.0/24"}],
            "security_groups": [{"id": AUTO, "name": AUTO}]}
    body.update({key: params[option] for option, key in FIELDS.items() if params[option] is not None})
    return {k: v for k, v in body.items() if v is not None}


def run(sms) -> dict:
    params = sms.params
    client = sms.client
    current = find_template(client, params["name"])
    if params["state"] == "absent":
        if current is None:
            return {"changed": False, "action": "absent", "template_id": None}
        if not sms.check_mode:
            delete_template(client, current["id"])
        result = {"changed": True, "action": "deleted", "template_id": current["id"], "template": current}
        if sms.diff_mode:
            result["diff"] = {"before": {"name": current.get("name"), "id": current["id"]}, "after": {"state": "absent"}}
        return result
    desired = desired_template(params, client)
    shown = {k: v for k, v in desired.items() if k != "target_password"}
    if current is None:
        if not params["availability_zone"]:
            raise SmsApiError("availability_zone is required to create the template %s" % params["name"])
        template_id = None if sms.check_mode else create_template(client, desired)
        result = {"changed": True, "action": "created", "template_id": template_id}
        if template_id:
            result["template"] = find_template(client, params["name"])
        if sms.diff_mode:
            result["diff"] = {"before": {"state": "absent"}, "after": shown}
        return result
    changes = template_differences(desired, current)
    if not changes:
        return {"changed": False, "action": "unchanged", "template_id": current["id"], "template": current}
    if not sms.check_mode:
        update_template(client, current["id"], desired)
        current = find_template(client, params["name"]) or current
    result = {"changed": True, "action": "updated", "template_id": current["id"], "template": current}
    if sms.diff_mode:
        result["diff"] = {"before": {k: v["before"] for k, v in changes.items()},
                          "after": {k: v["after"] for k, v in changes.items()}}
    return result


def main():
    sms = SmsModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            availability_zone=dict(type="str"),
            flavor=dict(type="str"),
            target_server_name=dict(type="str"),
            volume_type=dict(type="str", default="SAS"),
            data_volume_type=dict(type="str"),
            image_id=dict(type="str"),
            vpc=dict(type="dict"),
            nics=dict(type="list", elements="dict"),
            security_groups=dict(type="list", elements="dict"),
            public_ip=dict(type="dict"),
            disks=dict(type="list", elements="dict"),
            target_password=dict(type="str", no_log=True),
        ),
        supports_check_mode=True,
    )
    sms.run(run)


if __name__ == "__main__":
    main()
