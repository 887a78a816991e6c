"""Helpers for the emulator's own tests: a raw HTTP client signing with the official SDK signer,
and a complete Linux registration body."""

from __future__ import annotations

import copy
import json as jsonlib
from urllib.parse import urlsplit

import requests
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest


DEFAULT = object()


class Api:
    """Sends requests to an emulator; AK/SK-signed by ``huaweicloudsdkcore`` unless told otherwise."""

    def __init__(self, emu):
        self.emu = emu
        self.session = requests.Session()
        self.session.trust_env = False  # never through a proxy

    def request(self, method, path, *, json=DEFAULT, data=None, params=None, headers=None, ak=DEFAULT, sk=DEFAULT,
                project_id=DEFAULT, security_token=None, token=None, sdk_date=None, sign=True, timeout=30):
        body = data if data is not None else (b"" if json is DEFAULT else jsonlib.dumps(json).encode())
        header_params = {"Content-Type": "application/json", **(headers or {})}
        query = list((params or {}).items())
        url = self.emu.base_url + path
        if token is not None:
            header_params["X-Auth-Token"] = token
        elif sign:
            credentials = BasicCredentials(
                self.emu.ak if ak is DEFAULT else ak,
                self.emu.sk if sk is DEFAULT else sk,
                self.emu.project_id if project_id is DEFAULT else project_id,
            )
            if security_token is not None:
                credentials.with_security_token(security_token)
            if sdk_date is not None:
                header_params["X-Sdk-Date"] = sdk_date
            signed = credentials.sign_request(SdkRequest(
                method=method, schema="http", host=urlsplit(self.emu.base_url).netloc, resource_path=path,
                query_params=query, header_params=header_params, body=body,
            ))
            header_params, url = signed.header_params, self.emu.base_url + signed.uri
            query = None
        return self.session.request(method, url, params=query, headers=header_params, data=body, timeout=timeout)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, json=DEFAULT, **kw):
        return self.request("POST", path, json=json, **kw)

    def put(self, path, json=DEFAULT, **kw):
        return self.request("PUT", path, json=json, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def register(self, body, **kw) -> str:
        response = self.post("/v3/sources", body, **kw)
        assert response.status_code == 200, response.text
        return response.json()["id"]

    def token(self, scope=None, **user) -> str:
        response = self.post("/v3/auth/tokens", token_request(self.emu, scope, **user), sign=False)
        assert response.status_code == 201, response.text
        return response.headers["X-Subject-Token"]


def token_request(emu, scope=None, name=None, password=None, domain=None) -> dict:
    return {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": name or emu.username, "password": password or emu.password,
            "domain": domain or {"name": emu.domain_name},
        }}},
        **({"scope": scope} if scope is not None else {}),
    }}


LINUX_BODY = {
    "name": "web-01",
    "hostname": "web-01",
    "ip": "10.0.0.5",
    "os_type": "LINUX",
    "os_version": "UBUNTU_22_4_64BIT",
    "firmware": "BIOS",
    "cpu_quantity": 2,
    "memory": 4018196480,
    "disks": [{
        "name": "/dev/vda", "partition_style": "MBR", "device_use": "OS", "size": 42949672960,
        "used_size": 5368709120, "os_disk": True, "relation_name": "", "inode_size": 256,
        "physical_volumes": [{
            "device_use": "OS", "file_system": "ext4", "index": 0, "mount_point": "/", "name": "/dev/vda1",
            "size": 42948624384, "used_size": 5368709120, "inode_size": 256, "inode_nums": 2621440,
            "uuid": "8f2d0c56-4f0a-4a55-9d0b-1c2f3e4d5a6b", "size_per_cluster": 4096,
        }],
    }],
    "btrfs_list": [{
        "name": "data", "label": "", "uuid": "0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d", "device": "/dev/vdb",
        "size": 3543348019, "nodesize": 16384, "sectorsize": 4096, "data_profile": "single",
        "system_profile": "DUP", "metadata_profile": "DUP", "global_reserve1": "3.25MiB",
        "g_vol_used_size": 3543348019, "default_subvolid": "5", "default_subvol_name": "<FS_TREE>",
        "default_subvol_mountpath": "/data",
        "subvolumn": [{
            "uuid": "0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d", "is_snapshot": "false", "subvol_id": "256",
            "parent_id": "5", "subvol_name": "@home", "subvol_mount_path": "/home",
        }],
    }],
    "volume_groups": [{
        "components": "/dev/vdc", "free_size": 0, "name": "vg0", "size": 10733223936,
        "logical_volumes": [{
            "block_count": 2620416, "block_size": 4096, "file_system": "xfs", "inode_size": 512,
            "inode_nums": 5242368, "device_use": "NORMAL", "mount_point": "/srv", "name": "lv_srv",
            "size": 10733223936, "used_size": 109051904, "free_size": 10624172032,
        }],
    }],
    "networks": [{
        "name": "eth0", "ip": "10.0.0.5", "netmask": "255.255.255.0", "gateway": "10.0.0.1",
        "mtu": 1500, "mac": "52:54:00:12:34:56",
    }],
    "domain_id": "d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0",
    "has_rsync": True,
    "paravirtualization": False,
    "raw_devices": "",
    "boot_loader": "GRUB",
    "agent_version": "25.5.0",
    "kernel_version": "5.15.0-91-generic",
    "linux_block_check": '{"arch": "x86_64"}',
    "oem_system": False,
    "start_type": "MANUAL",
    "io_read_wait": 0.25,
    "has_tc": True,
    "platform": "other",
}


class _Remove:
    def __repr__(self):
        return "REMOVE"


REMOVE = _Remove()


def body_with(changes: dict | None = None, base: dict | None = None) -> dict:
    """A deep copy of ``base`` (default LINUX_BODY) with dotted paths (``btrfs_list.0.size``) set, renamed or removed.

    A value of ``REMOVE`` deletes the key; ``("rename", new_key)`` renames it.
    """
    body = copy.deepcopy(LINUX_BODY if base is None else base)
    for path, value in (changes or {}).items():
        *parents, last = path.split(".")
        node = body
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        key = int(last) if isinstance(node, list) else last
        if value is REMOVE:
            del node[key]
        elif isinstance(value, tuple) and value[0] == "rename":
            node[value[1]] = node.pop(key)
        else:
            node[key] = value
    return body
