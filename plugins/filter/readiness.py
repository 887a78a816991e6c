# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``hwcloud.sms.readiness`` filter: SMS migration prerequisites checked against discovery facts."""

from __future__ import annotations

DOCUMENTATION = r"""
name: readiness
short_description: Check a host's discovery facts against the SMS migration prerequisites
version_added: 1.0.0
author: hwcloud.sms contributors
description:
  - Evaluates C(ansible_facts['sms_discovery']) (see C(docs/discovery.md)) against the documented
    prerequisites of Huawei Cloud Server Migration Service for Linux sources and returns one
    result per check.
  - Each result has a O(ignore:status) of V(ok), V(warn) or V(error). V(warn) marks a caveat
    or missing data (an unknown value is never reported as V(ok)); V(error) marks a condition
    that SMS documents as blocking the migration or the agent.
  - "Checks, in order: C(architecture) (x86_64 only, SMS.0206); C(operating_system) (the SMS
    supported OS list of the SMS FAQ, Tables 4-2/4-3, per version: for example CentOS 6.x-8.5 and
    Stream, SLES 11 SP3 to 15 SP6, Debian 6.0-12.11, openEuler 20.03/21.09, Kylin V10);
    C(boot_mode) (BIOS, or UEFI where the OS version supports it); C(boot_loader) (GRUB,
    SMS.6564; an unidentified boot loader is an error that names the fix
    C(overrides: {boot_loader: GRUB}), in the same words M(hwcloud.sms.source) fails with);
    C(rsync) (SMS.6517); C(paravirtualization) (Xen PV guests are not supported); C(container)
    (a container is not a server SMS can migrate); C(filesystems) (ext2/3/4, vfat, xfs; Btrfs
    with caveats; SMS.6509); C(raw_devices) (must be none); C(software_raid); C(lvm_thin_pools);
    C(duplicate_vg_names); C(disk_count) (at most 23 disks); C(system_disk_size) (at most 1 TiB,
    SMS.6537); C(root_free_space) (at least 200 MiB available on C(/)); C(tmp_free_space) (more
    than 100 MiB on C(/tmp)); C(tmp_noexec) (SMS.5102); C(locale) (UTF-8)."
  - "The rules are the collection's single definition of what SMS supports (C(_sms/rules.py)):
    the checks that report V(error) are exactly the warnings P(hwcloud.sms.source_payload#filter)
    and M(hwcloud.sms.source) give for the same host."
  - The thresholds, the check list and the severity of each check can be adjusted with the
    options below.
options:
  _input:
    description: The discovery facts, C(ansible_facts['sms_discovery']).
    type: dict
    required: true
  skip:
    description: Names of checks not to evaluate. An unknown name is an error.
    type: list
    elements: str
    default: []
  severity:
    description:
      - "Per-check status to report instead of V(warn) or V(error), for example
        C({'raw_devices': 'warn'}) to accept a data disk that is not formatted yet."
      - A check that passes stays V(ok).
    type: dict
    default: {}
  limits:
    description:
      - Overrides of the numeric limits. Keys are C(min_root_free_bytes) (default 200 MiB),
        C(min_tmp_free_bytes) (default 100 MiB, C(/tmp) must have more), C(max_disks)
        (default 23) and C(max_system_disk_bytes) (default 1 TiB).
    type: dict
    default: {}
  uefi_supported:
    description:
      - Operating systems for which UEFI boot is known to be supported by SMS, as
        C(<os-release ID>) or C(<ID> <major version>) strings (for example V(centos 7) or
        V(ubuntu)). SMS flags UEFI support per OS version in its supported OS list; a UEFI host
        whose OS is not listed here is reported as V(warn) so that someone checks that list.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Evaluate the readiness of a host
  ansible.builtin.set_fact:
    sms_readiness: "{{ ansible_facts['sms_discovery'] | hwcloud.sms.readiness }}"

- name: Accept raw data disks, require 1 GiB free on /, skip the locale check
  ansible.builtin.set_fact:
    sms_readiness: >-
      {{ ansible_facts['sms_discovery'] | hwcloud.sms.readiness(
           skip=['locale'],
           severity={'raw_devices': 'warn'},
           limits={'min_root_free_bytes': 1073741824}) }}

- name: Show what blocks the migration
  ansible.builtin.debug:
    msg: "{{ sms_readiness | selectattr('status', 'equalto', 'error') | map(attribute='message') }}"
"""

RETURN = r"""
_value:
  description: One result per evaluated check, in a fixed order.
  type: list
  elements: dict
  contains:
    name:
      description: Check name, for example C(rsync) or C(tmp_noexec).
      type: str
    status:
      description: V(ok), V(warn) or V(error).
      type: str
    message:
      description: What was found (why), with the measured value and the requirement.
      type: str
    fix:
      description: What to do about it; empty when the status is V(ok).
      type: str
    reference:
      description: The SMS error code or FAQ section the check rests on, for example C(SMS.6517).
      type: str
      version_added: 1.1.0
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.hwcloud.sms.plugins.module_utils._sms.rules import (
    RULE_NAMES,
    ReadinessOptionsError,
    evaluate_readiness,
)

CHECK_NAMES = RULE_NAMES


def readiness(discovery, skip=None, severity=None, limits=None, uefi_supported=None):
    """Evaluate every SMS rule on the discovery facts (``_sms/rules.py``); see DOCUMENTATION."""
    try:
        return evaluate_readiness(discovery, skip=skip or (), severity=severity, limits=limits,
                                  uefi_supported=uefi_supported or ())
    except ReadinessOptionsError as exc:
        raise AnsibleFilterError("readiness: %s" % exc) from None


class FilterModule:
    """hwcloud.sms readiness filter."""

    def filters(self):
        return {'readiness': readiness}
