#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: report
short_description: Write the SMS fleet readiness and migration report (HTML, CSV, JSON)
version_added: 1.1.0
description:
  - Builds one report over many hosts from their C(ansible_facts['sms_discovery']) (see
    C(docs/discovery.md)) and writes, on the controller, C(<dest>/<basename>.html) (one
    self-contained page with the summary, charts, a sortable and searchable host table and a
    detail view per host), C(<basename>.csv) (the host table) and C(<basename>.json) (everything).
  - Each host gets a verdict from the readiness checks of the P(hwcloud.sms.readiness#filter)
    filter. V(Not ready) when a check reports C(error), V(Ready with conditions) when one reports
    C(warn), V(Ready) when all are C(ok), and V(Unknown), with the reason, when the host has no
    discovery facts (unreachable, discovery failed, not discovered).
  - Also reads, when a host has them, the host variables C(sms_report_failure) (why the discovery
    of the host failed, set by C(playbooks/report.yml)), C(sms_source) (the SMS source record, set
    by the C(hwcloud.sms.register) role) and C(sms_migration) (the migration with its C(phase),
    C(percent) and C(error), set by the C(hwcloud.sms.migrate) role).
  - Runs on the controller (an action plugin reading C(hostvars)); use it once per play
    (C(run_once)). Host data is treated as hostile, the page makes no network request; see
    C(docs/report.md).
author:
  - hwcloud.sms contributors (@hwcloud)
options:
  dest:
    description: Directory on the controller for the three files; created when missing.
    type: path
    required: true
  basename:
    description: File name of the report without extension.
    type: str
    default: sms-report
  hosts:
    description:
      - Inventory names of the hosts to report.
      - Defaults to C(ansible_play_hosts_all), every host of the play, including those that failed
        or were unreachable earlier (they are reported as V(Unknown)).
    type: list
    elements: str
  title:
    description: Title of the HTML page.
    type: str
    default: SMS fleet readiness
  readiness:
    description:
      - Options of the readiness checks, as for the P(hwcloud.sms.readiness#filter) filter.
    type: dict
    default: {}
    suboptions:
      skip:
        description: Names of checks not to evaluate.
        type: list
        elements: str
        default: []
      severity:
        description: Per-check status to report instead of V(warn) or V(error).
        type: dict
        default: {}
      limits:
        description: Overrides of the numeric limits.
        type: dict
        default: {}
      uefi_supported:
        description: Operating systems whose UEFI boot is confirmed in the SMS supported OS list.
        type: list
        elements: str
        default: []
  mode:
    description: Permissions of the files written.
    type: raw
    default: "0640"
attributes:
  check_mode:
    support: full
    description: Builds the report and tells whether the files would change, without writing them.
  diff_mode:
    support: full
    description: Shows the change of the CSV host table, one line per host.
  platform:
    support: full
    platforms: posix
    description: Runs on the controller.
notes:
  - The files are rewritten only when their content changes (the time of generation does not count).
seealso:
  - module: hwcloud.sms.source_facts
  - plugin: hwcloud.sms.readiness
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Write the fleet report after the discovery
  hwcloud.sms.report:
    dest: reports/
  run_once: true

- name: Report a chosen set of hosts, accepting raw data disks
  hwcloud.sms.report:
    dest: /srv/reports/wave1
    basename: wave1
    title: Wave 1 readiness
    hosts: "{{ groups['wave1'] }}"
    readiness:
      severity:
        raw_devices: warn
  run_once: true
"""

RETURN = r"""
files:
  description: Paths of the files written (or that would be written in check mode).
  returned: always
  type: dict
  contains:
    html:
      description: The HTML page.
      type: str
    csv:
      description: The host table.
      type: str
    json:
      description: The whole report.
      type: str
  sample:
    html: /srv/reports/sms-report.html
    csv: /srv/reports/sms-report.csv
    json: /srv/reports/sms-report.json
hosts:
  description: Number of hosts in the report.
  returned: always
  type: int
  sample: 120
verdicts:
  description: Hosts per verdict.
  returned: always
  type: dict
  sample:
    ready: 80
    conditional: 30
    not_ready: 8
    unknown: 2
unknown:
  description: Names of the hosts whose verdict is V(Unknown).
  returned: always
  type: list
  elements: str
  sample: [db07]
"""
