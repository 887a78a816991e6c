"""Declarative schemas of the task and template request bodies (PY PostTask, TemplateRequest, ...).

Same rules as ``validation.py`` (exact types, 0-based integer ranges, unknown keys rejected in
strict mode); a unit test keeps the keys equal to the official SDK models'.
"""

from __future__ import annotations

from .validation import (
    BOOL, BTRFS_FILE_SYSTEM, INT32, INT64, NAME, PATH, TEXT, Field, array, obj, one_of, text,
)

TASK_TYPES = ("MIGRATE_FILE", "MIGRATE_BLOCK")
OS_TYPES = ("WINDOWS", "LINUX")
OPERATIONS = ("start", "stop", "test", "cutover", "clone_test", "restart", "network_check", "skip", "clear",
              "migration_test", "error_for_overspeed")
FLOAT = Field("float", lo=0)

PHYSICAL_VOLUMES = obj({
    "device_use": TEXT, "file_system": TEXT, "index": INT32, "mount_point": PATH, "name": TEXT, "size": INT64,
    "inode_size": INT32, "used_size": INT64, "uuid": TEXT,
})
TARGET_DISKS = obj({
    "device_use": TEXT, "disk_id": TEXT, "name": TEXT, "physical_volumes": array(PHYSICAL_VOLUMES),
    "size": INT64, "used_size": INT64,
})
LOGICAL_VOLUMES = obj({
    "block_count": INT32, "block_size": INT64, "file_system": TEXT, "inode_size": INT32, "inode_nums": INT64,
    "device_use": TEXT, "mount_point": PATH, "name": TEXT, "size": INT64, "used_size": INT64, "free_size": INT64,
})
VOLUME_GROUPS = obj({
    "components": text(65535), "free_size": INT64, "logical_volumes": array(LOGICAL_VOLUMES), "name": TEXT,
    "size": INT64,
})
# name and vm_id are required in the PY model but Terraform's template path sends neither and
# SMS accepts it (reference sms-lifecycle.md 1.3): the emulator requires them only with exist_server.
TARGET_SERVER_BY_TASK = obj({
    "btrfs_list": array(BTRFS_FILE_SYSTEM), "disks": array(TARGET_DISKS), "name": TEXT, "vm_id": TEXT,
    "volume_groups": array(VOLUME_GROUPS),
})
POST_TASK_BODY = obj({
    "name": Field("str", min_len=1, max_len=64, required=True),
    "type": one_of(*TASK_TYPES, required=True),
    "start_target_server": BOOL,
    "auto_start": BOOL,
    "os_type": one_of(*OS_TYPES),
    "source_server": Field("object", fields={"id": text(min_len=1, required=True)}, required=True),
    "target_server": Field("object", fields=TARGET_SERVER_BY_TASK.fields, required=True),
    "migration_ip": text(fmt="ipv4"),
    "region_name": text(required=True),
    "region_id": text(required=True),
    "project_name": text(required=True),
    "project_id": text(required=True),
    "priority": Field("int", lo=0, hi=2),
    "vm_template_id": TEXT,
    "clonevm_template_id": TEXT,
    "use_public_ip": BOOL,
    "use_ipv6": BOOL,
    "syncing": BOOL,
    "exist_server": BOOL,
    "start_network_check": BOOL,
    "speed_limit": Field("int", lo=0, hi=1000),
    "over_speed_threshold": Field("float", lo=10, hi=100),
    "is_need_consistency_check": BOOL,
    "need_migration_test": BOOL,
})
UPDATE_TASK_STATUS_BODY = obj({
    "operation": one_of(*OPERATIONS, required=True),
    "template_id": TEXT,
    "switch_hce": BOOL,
    "is_need_consistency_check": BOOL,
})
SPEED_LIMIT_PERIOD = obj({
    "start": text(5, min_len=5, required=True),
    "end": text(5, min_len=5, required=True),
    "speed": Field("int", lo=0, hi=1000, required=True),
    "over_speed_threshold": Field("float", lo=10, hi=100),
})
SPEED_LIMIT_BODY = obj({"speed_limit": array(SPEED_LIMIT_PERIOD, max_len=5, required=True)})
CONFIG_BODY = obj({
    "config_key": text(min_len=1, required=True), "config_value": text(4096, required=True), "config_status": TEXT,
})
CONFIGURATION_BODY = obj({"configurations": array(CONFIG_BODY, min_len=1, max_len=100, required=True)})

VPC_OBJECT = obj({"id": text(required=True), "name": text(required=True), "cidr": TEXT})
NICS = obj({"id": text(required=True), "name": text(required=True), "cidr": text(required=True), "ip": TEXT})
SG_OBJECT = obj({"id": text(required=True), "name": text(required=True)})
PUBLIC_IP = obj({"type": text(required=True), "bandwidth_size": Field("int", lo=1, hi=2000, required=True),
                 "bandwidth_share_type": TEXT})
TEMPLATE_DISK = obj({
    "id": INT32, "index": Field("int", lo=0, hi=INT32.hi, required=True), "name": text(required=True),
    "disktype": text(required=True), "size": Field("int", lo=1, hi=INT32.hi, required=True), "device_use": TEXT,
})
TEMPLATE_REQUEST = obj({
    "name": Field("str", min_len=1, max_len=64, required=True),
    "is_template": BOOL,
    "region": TEXT,
    "projectid": TEXT,
    "target_server_name": NAME,
    "availability_zone": TEXT,
    "volumetype": TEXT,
    "flavor": TEXT,
    "vpc": VPC_OBJECT,
    "nics": array(NICS),
    "security_groups": array(SG_OBJECT),
    "publicip": PUBLIC_IP,
    "disk": array(TEMPLATE_DISK),
    "data_volume_type": TEXT,
    "target_password": TEXT,
    "image_id": TEXT,
})
TEMPLATE_BODY = obj({"template": Field("object", fields=TEMPLATE_REQUEST.fields, required=True)})
