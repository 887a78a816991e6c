# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: sources
short_description: Huawei Cloud SMS source servers as an inventory
version_added: 1.0.0
author:
  - hwcloud.sms contributors (@hwcloud)
description:
  - Lists every source server registered with Huawei Cloud Server Migration Service (SMS)
    (C(GET /v3/sources), all pages) and turns each one into an inventory host.
  - The host name comes from the source's name (see O(hostname_from)), C(ansible_host) from its
    IP address, and every field of the list API becomes a host variable under O(hostvar_prefix),
    for example C(sms_state), C(sms_os_version), C(sms_migration_cycle), C(sms_connected).
  - Groups are built with O(keyed_groups), O(groups) and O(compose), for example one group per
    migration state and one per OS type.
  - The configuration file name must end in V(sources.yml) or V(sources.yaml), for example
    C(sms_sources.yml) or C(prod.sms_sources.yaml).
  - Credentials and endpoints are the same options, with the same C(HUAWEICLOUD_*) environment
    variables, as the collection's modules; in AWX/AAP the C(Huawei Cloud SMS) credential type
    sets those variables.
requirements:
  - jmespath (only for O(query))
extends_documentation_fragment:
  - hwcloud.sms.sms.plugins
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
options:
  plugin:
    description: Marks the file as a configuration of this plugin.
    type: str
    required: true
    choices: [hwcloud.sms.sources]
  hostname_from:
    description:
      - Which field of a source names its inventory host.
      - V(name) is the name the source was registered with, V(ip) its IPv4 address, V(id) the
        SMS source id (always unique).
      - A source whose chosen field is empty is named by its id.
    type: str
    choices: [name, ip, id]
    default: name
  hostvar_prefix:
    description:
      - Prefix of the host variables that hold the source's fields (C(sms_id), C(sms_state), ...).
      - Use it in O(keyed_groups), O(groups) and O(compose) expressions.
    type: str
    default: sms_
  filters:
    description:
      - Server-side filters passed to the list API's query string; only matching sources are fetched.
      - "Allowed keys: V(state), V(name), V(id), V(ip), V(ipv6), V(migproject),
        V(migration_cycle), V(connected), V(enterprise_project_id),
        V(is_consistency_result_exist), V(vm_id)."
      - SMS matches V(name) and V(ip) as it sees fit (exactly in the emulator); use O(query) for
        anything more elaborate.
    type: dict
    default: {}
  query:
    description:
      - A JMESPath expression applied to the list of source records (after O(filters) and the
        cache) that must return a list of records, for example
        V([?os_type=='LINUX' && state!='finished']).
      - Filter, do not project; the records keep the field names of the list API (no prefix).
      - Needs the Python library C(jmespath) on the controller.
    type: str
  allow_duplicates:
    description:
      - What to do when two sources would get the same host name (same name registered twice).
      - V(true) keeps the oldest source under the plain name, adds the others as
        C(<name>_<id>) and warns.
      - V(false) fails and lists the ids, for pipelines that must not guess.
    type: bool
    default: true
notes:
  - The list API returns no disks, networks or host name; use M(hwcloud.sms.source_info) with a
    C(source_id) for one source's details.
  - With O(cache) enabled, a second run within O(cache_timeout) makes no API call; the cached
    entry is only used for the same endpoint, project, credentials identity and O(filters).
    C(ansible-inventory --flush-cache) forces a fresh listing.
  - No credential is ever written to the cache or to host variables.
seealso:
  - module: hwcloud.sms.source_info
  - module: hwcloud.sms.source
"""

EXAMPLES = r"""
# sms_sources.yml: every source, grouped by migration state and OS
plugin: hwcloud.sms.sources
keyed_groups:
  - key: sms_state
    prefix: state
  - key: sms_os_type | lower
    prefix: os
  - key: sms_migration_cycle
    prefix: cycle
    default_value: none
groups:
  disconnected: not sms_connected

---
# waiting.sms_sources.yml: only Linux sources still waiting for a migration, cached for an hour
plugin: hwcloud.sms.sources
filters:
  state: waiting
query: "[?os_type=='LINUX']"
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/hwcloud-sms-inventory
cache_timeout: 3600

---
# by-ip.sms_sources.yml: one host per IP, connect as the migration user
plugin: hwcloud.sms.sources
hostname_from: ip
compose:
  ansible_user: "'migration'"
  migration_stage: sms_state ~ '/' ~ (sms_migration_cycle | default('none', true))

# Credentials come from the environment (or the AWX credential type):
#   HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_PROJECT_ID, HUAWEICLOUD_SMS_ENDPOINT
# ansible-inventory -i sms_sources.yml --graph
"""

import hashlib
import json
from collections.abc import Mapping

from ansible.errors import AnsibleError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.client import (
    CONNECTION_OPTIONS,
    SmsApiError,
    SmsClient,
)

try:
    import jmespath
except ImportError:  # only the ``query`` option needs it
    jmespath = None

FILE_SUFFIXES = ("sources.yml", "sources.yaml")
LIST_FILTERS = frozenset((
    "state", "name", "id", "ip", "ipv6", "migproject", "migration_cycle", "connected",
    "enterprise_project_id", "is_consistency_result_exist", "vm_id",
))
# What identifies the account and the request in a cache entry; secrets never go in.
_IDENTITY_OPTIONS = ("endpoint", "region", "project_id", "access_key", "username", "domain_name")


def validated_filters(filters) -> dict:
    """The ``filters`` option checked against the list API's query parameters."""
    if not filters:
        return {}
    if not isinstance(filters, Mapping):
        raise AnsibleError("filters must be a dictionary of list API query parameters, got %s" % type(filters).__name__)
    unknown = sorted(set(filters) - LIST_FILTERS)
    if unknown:
        raise AnsibleError("unknown filters %s; the list API accepts %s"
                           % (", ".join(map(str, unknown)), ", ".join(sorted(LIST_FILTERS))))
    for key, value in filters.items():
        if not isinstance(value, (str, bool, int)):
            raise AnsibleError("filter %s must be a string, number or boolean, got %s" % (key, type(value).__name__))
    return dict(filters)


def apply_query(records: list, expression: str) -> list:
    """The records selected by a JMESPath ``expression``; it must yield source records."""
    if jmespath is None:
        raise AnsibleError("the 'query' option needs the Python library jmespath on the controller "
                           "(pip install jmespath; the execution environment has it)")
    try:
        selected = jmespath.search(expression, records)
    except jmespath.exceptions.JMESPathError as exc:
        raise AnsibleError("query %r is not a valid JMESPath expression: %s" % (expression, exc)) from None
    if selected is None:
        return []
    if not isinstance(selected, list) or not all(isinstance(item, Mapping) and item.get("id") for item in selected):
        raise AnsibleError("query %r did not return a list of source records; filter the list "
                           "(e.g. [?state=='waiting']) instead of projecting fields" % expression)
    return selected


def host_names(records: list, hostname_from: str, allow_duplicates: bool) -> tuple:
    """``([(host name, record)], {name: [ids]})``: one unique host name per record.

    The oldest record (by ``add_date``, then id) keeps a shared name, the others become
    ``<name>_<id>``; the second value lists every shared name with the ids involved.
    """
    by_name = {}
    for record in sorted(records, key=lambda r: (r.get("add_date") or 0, str(r.get("id")))):
        name = str(record.get(hostname_from) or record.get("id"))
        by_name.setdefault(name, []).append(record)
    duplicates = {name: [str(r.get("id")) for r in found] for name, found in by_name.items() if len(found) > 1}
    if duplicates and not allow_duplicates:
        raise AnsibleError("several sources share a host name (allow_duplicates is false): %s"
                           % "; ".join("%s: %s" % (name, ", ".join(ids)) for name, ids in sorted(duplicates.items())))
    named = []
    for name, found in by_name.items():
        named.append((name, found[0]))
        named.extend(("%s_%s" % (name, record.get("id")), record) for record in found[1:])
    return named, duplicates


def request_fingerprint(connection: Mapping, filters: Mapping) -> str:
    """What a cache entry must match to be reused: account identity, endpoint and filters."""
    identity = {key: connection.get(key) for key in _IDENTITY_OPTIONS}
    text = json.dumps({"identity": identity, "filters": filters}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "hwcloud.sms.sources"

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(FILE_SUFFIXES)

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)

        connection = self._connection_options()
        filters = validated_filters(self.get_option("filters"))
        records = self._sources(path, connection, filters, use_cache=cache)
        if self.get_option("query"):
            records = apply_query(records, self.get_option("query"))

        named, duplicates = host_names(records, self.get_option("hostname_from"), self.get_option("allow_duplicates"))
        for name, ids in sorted(duplicates.items()):
            self.display.warning("%d SMS sources are named %r (ids %s); the newer ones are added as %s_<id>"
                                 % (len(ids), name, ", ".join(ids), name))
        for name, record in named:
            self._add_source(name, record)

    def _connection_options(self) -> dict:
        """The shared auth/connection options; empty values (AWX injects unset fields as '') are unset."""
        options = self.get_options()
        return {key: options.get(key) for key in CONNECTION_OPTIONS if options.get(key) not in (None, "")}

    def _sources(self, path, connection, filters, use_cache) -> list:
        """The source records, from the cache when allowed and valid, else from the API."""
        cache_enabled = self.get_option("cache")
        key = self.get_cache_key(path)
        fingerprint = request_fingerprint(connection, filters)
        if use_cache and cache_enabled:
            try:
                cached = self._cache[key]
            except KeyError:
                cached = None
            if isinstance(cached, Mapping) and cached.get("fingerprint") == fingerprint:
                self.display.vvv("hwcloud.sms.sources: %d sources from the cache" % len(cached["sources"]))
                return cached["sources"]

        try:
            client = SmsClient.from_options(connection)
            records = client.list_sources(filters)
        except SmsApiError as exc:
            raise AnsibleError("hwcloud.sms.sources: cannot list SMS sources: %s" % exc) from None
        self.display.vvv("hwcloud.sms.sources: %d sources listed in %d API calls" % (len(records), client.calls))

        if cache_enabled:
            self._cache[key] = {"fingerprint": fingerprint, "sources": records}
        return records

    def _add_source(self, name, record):
        prefix = self.get_option("hostvar_prefix")
        strict = self.get_option("strict")
        self.inventory.add_host(name)
        if record.get("ip"):
            self.inventory.set_variable(name, "ansible_host", record["ip"])
        for field, value in record.items():
            self.inventory.set_variable(name, prefix + field, value)

        hostvars = self.inventory.get_host(name).get_vars()
        self._set_composite_vars(self.get_option("compose"), hostvars, name, strict=strict)
        self._add_host_to_composed_groups(self.get_option("groups"), hostvars, name, strict=strict)
        self._add_host_to_keyed_groups(self.get_option("keyed_groups"), hostvars, name, strict=strict)
