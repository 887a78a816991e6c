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
  - The configuration file must be named V(sms_sources.yml) or V(sms_sources.yaml), or end in
    V(.sms_sources.yml) or V(.sms_sources.yaml), for example C(prod.sms_sources.yaml).
  - "Everything the API returns is data, never a template, on every supported ansible-core: a
    value that could be a Jinja2 template (it contains V({) or V(})) is marked unsafe, and
    C(ansible-inventory --list) shows it as C({\"__ansible_unsafe\": ...}); every other value is a
    plain value there."
  - Host names are made safe, since they become file names (C(host_vars)) and reach the screen.
    Characters other than letters, digits, V(.), V(-) and V(_), a V(..) and a leading V(.) or V(-)
    become V(_), and names are cut to 64 characters; a warning names the sources whose name
    changed.
  - A record of the wrong shape (for example a string C(add_date)) is skipped with a warning that
    names it.
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
      - It must start with a letter or V(_), hold only letters, digits and V(_), and cannot make
        C(ansible_*) names, so that the API cannot set connection variables such as
        C(ansible_connection). An empty prefix, V(ansible_) or V(ans) are refused.
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

# Two more files (one configuration per file; ansible-test 2.16 reads EXAMPLES as one document):
#
# waiting.sms_sources.yml: only Linux sources still waiting for a migration, cached for an hour
#   plugin: hwcloud.sms.sources
#   filters:
#     state: waiting
#   query: "[?os_type=='LINUX']"
#   cache: true
#   cache_plugin: ansible.builtin.jsonfile
#   cache_connection: ~/.cache/hwcloud-sms-inventory
#   cache_timeout: 3600
#
# by-ip.sms_sources.yml: one host per IP, connect as the migration user
#   plugin: hwcloud.sms.sources
#   hostname_from: ip
#   compose:
#     ansible_user: "'migration'"
#     migration_stage: sms_state ~ '/' ~ (sms_migration_cycle | default('none', true))

# Credentials come from the environment (or the AWX credential type):
#   HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_PROJECT_ID, HUAWEICLOUD_SMS_ENDPOINT
# ansible-inventory -i sms_sources.yml --graph
"""

import hashlib
import json
import os
import re
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

try:  # ansible-core >= 2.19: a string is a template only when tagged as trusted
    from ansible.template import trust_as_template
    wrap_var = None
except ImportError:  # ansible-core < 2.19: every string is a template unless wrapped as unsafe
    trust_as_template = None
    from ansible.utils.unsafe_proxy import wrap_var

FILE_NAMES = ("sms_sources.yml", "sms_sources.yaml")  # or <anything>.sms_sources.yml/.yaml
LIST_FILTERS = frozenset((
    "state", "name", "id", "ip", "ipv6", "migproject", "migration_cycle", "connected",
    "enterprise_project_id", "is_consistency_result_exist", "vm_id",
))
# What identifies the account and the request in a cache entry; secrets never go in.
_IDENTITY_OPTIONS = ("endpoint", "region", "project_id", "access_key", "username", "domain_name")


# Jinja2 needs "{" to start anything ({{ }}, {% %}, {# #}); a string without braces renders as itself.
_TEMPLATE_CHARS = re.compile(r"[{}]")
_UNSAFE_HOST_CHARS = re.compile(r"[^\w.-]|\.{2,}|^[.-]")
HOST_NAME_MAX = 64
_PREFIX = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_SOURCE_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
# The fields the plugin itself reads, and the types they must have.
_FIELD_TYPES = {"id": (str,), "name": (str, type(None)), "ip": (str, type(None)), "add_date": (int, type(None))}


def as_data(value):
    """API data as Ansible must hold it: never rendered as a template on any ansible-core, and a
    plain value in ``ansible-inventory --list`` unless it could be a template.

    A string with a brace stays untrusted (2.19+) or becomes unsafe (older): never templated,
    listed as ``{"__ansible_unsafe": ...}``. A string without braces renders as itself, so it is
    marked trusted on 2.19+, where ``--list`` would otherwise wrap every untrusted string.
    Expects plain JSON data (see :func:`plain_json`).
    """
    if isinstance(value, Mapping):
        return {as_data(key): as_data(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_data(item) for item in value]
    if not isinstance(value, str):
        return value
    if _TEMPLATE_CHARS.search(value):
        return value if trust_as_template else wrap_var(value)
    return trust_as_template(value) if trust_as_template else value


def plain_json(records):
    """``records`` as plain JSON data, rid of any unsafe wrapper or trust tag (cached entries)."""
    return json.loads(json.dumps(records))


def shown(value, limit=80) -> str:
    """``value`` for a message: repr (control characters escaped), cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def validated_prefix(prefix) -> str:
    """``hostvar_prefix``, refused when empty, not a name, or able to make ``ansible_*`` names."""
    if not isinstance(prefix, str) or not _PREFIX.match(prefix):
        raise AnsibleError("hostvar_prefix must start with a letter or '_' and hold only letters, digits and '_' "
                           "(default sms_), got %s" % shown(prefix))
    lowered = prefix.lower()
    if lowered.startswith("ansible_") or "ansible_".startswith(lowered):
        raise AnsibleError("hostvar_prefix %s could make ansible_* variables from API fields (ansible_connection, "
                           "ansible_shell_executable...); choose another one, for example sms_" % shown(prefix))
    return prefix


def record_problem(record):
    """Why a source record cannot be used, or None when it can."""
    if not isinstance(record, Mapping):
        return "not a JSON object but %s" % type(record).__name__
    for key in record:
        if not isinstance(key, str) or not _FIELD_NAME.match(key):
            return "field name %s is not a plain name" % shown(key)
    if not isinstance(record.get("id"), str) or not _SOURCE_ID.match(record["id"]):
        return "id %s is not an SMS source id" % shown(record.get("id"))
    for field, types in _FIELD_TYPES.items():
        value = record.get(field)
        if not isinstance(value, types) or isinstance(value, bool):
            return "%s must be %s, got %s" % (field, " or ".join(t.__name__ for t in types).replace("NoneType", "null"),
                                              type(value).__name__)
    return None


def usable_records(records) -> tuple:
    """``(records that can be used, [warning per skipped record])``."""
    if not isinstance(records, list):
        raise AnsibleError("the SMS list API returned %s instead of a list of sources" % type(records).__name__)
    usable, skipped = [], []
    for index, record in enumerate(records):
        problem = record_problem(record)
        if problem is None:
            usable.append(record)
            continue
        source_id = record.get("id") if isinstance(record, Mapping) else None
        which = "source %s" % source_id if isinstance(source_id, str) and _SOURCE_ID.match(source_id) else "record #%d" % index
        skipped.append("skipped SMS %s of the list: %s" % (which, problem))
    return usable, skipped


def safe_host_name(text: str) -> str:
    """``text`` as a host name that is no path, escape or pattern: only letters, digits, ``.``,
    ``-``, ``_``; no ``..``, no leading ``.`` or ``-``; at most HOST_NAME_MAX characters.

    ``<name>_<id>`` of a duplicate is safe too: source ids are checked by :func:`record_problem`.
    """
    return _UNSAFE_HOST_CHARS.sub("_", text)[:HOST_NAME_MAX]


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
    """``([(host name, record)], {name: [ids]}, {id: raw name})``: one unique, safe host name per
    (usable) record.

    Names are made safe first (:func:`safe_host_name`; the third value lists the sources whose
    name changed). The oldest record (by ``add_date``, then id) keeps a shared name, the others
    become ``<name>_<id>``; the second value lists every shared name with the ids involved.
    """
    by_name, renamed = {}, {}
    for record in sorted(records, key=lambda r: (r.get("add_date") or 0, r["id"])):
        raw = record.get(hostname_from) or record["id"]
        name = safe_host_name(raw) or safe_host_name(record["id"])
        if name != raw:
            renamed[record["id"]] = raw
        by_name.setdefault(name, []).append(record)
    duplicates = {name: [r["id"] for r in found] for name, found in by_name.items() if len(found) > 1}
    if duplicates and not allow_duplicates:
        raise AnsibleError("several sources share a host name (allow_duplicates is false): %s"
                           % "; ".join("%s: %s" % (name, ", ".join(ids)) for name, ids in sorted(duplicates.items())))
    named = []
    for name, found in by_name.items():
        named.append((name, found[0]))
        named.extend(("%s_%s" % (name, record["id"]), record) for record in found[1:])
    return named, duplicates, renamed


def request_fingerprint(connection: Mapping, filters: Mapping) -> str:
    """What a cache entry must match to be reused: account identity, endpoint and filters."""
    identity = {key: connection.get(key) for key in _IDENTITY_OPTIONS}
    text = json.dumps({"identity": identity, "filters": filters}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "hwcloud.sms.sources"

    def verify_file(self, path):
        name = os.path.basename(path)
        return super().verify_file(path) and (name in FILE_NAMES or name.endswith(tuple("." + n for n in FILE_NAMES)))

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        prefix = validated_prefix(self.get_option("hostvar_prefix"))

        connection = self._connection_options()
        filters = validated_filters(self.get_option("filters"))
        records, skipped = usable_records(plain_json(self._sources(path, connection, filters, use_cache=cache)))
        for warning in skipped:
            self.display.warning("hwcloud.sms.sources: %s" % warning)
        if self.get_option("query"):
            records = apply_query(records, self.get_option("query"))

        named, duplicates, renamed = host_names(records, self.get_option("hostname_from"),
                                                self.get_option("allow_duplicates"))
        for source_id, raw in sorted(renamed.items()):
            self.display.warning("hwcloud.sms.sources: source %s: %s is not a safe host name, using %s"
                                 % (source_id, shown(raw), safe_host_name(raw) or source_id))
        for name, ids in sorted(duplicates.items()):
            self.display.warning("%d SMS sources are named %r (ids %s); the newer ones are added as %s_<id>"
                                 % (len(ids), name, ", ".join(ids), name))
        for name, record in named:
            self._add_source(name, prefix, as_data(record))

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
            client = SmsClient.from_options(connection, warn=self.display.warning)
            records = client.list_sources(filters)
        except SmsApiError as exc:
            raise AnsibleError("hwcloud.sms.sources: cannot list SMS sources: %s" % exc) from None
        self.display.vvv("hwcloud.sms.sources: %d sources listed in %d API calls" % (len(records), client.calls))

        if cache_enabled:
            self._cache[key] = {"fingerprint": fingerprint, "sources": records}
        return records

    def _add_source(self, name, prefix, record):
        """One host; ``record`` is already :func:`as_data`."""
        strict = self.get_option("strict")
        self.inventory.add_host(name)
        if record.get("ip"):
            self.inventory.set_variable(name, "ansible_host", record["ip"])
        for field, value in record.items():
            self.inventory.set_variable(name, prefix + field, value)

        hostvars = self.inventory.get_host(name).get_vars()
        compose = self.get_option("compose") or {}
        self._set_composite_vars(compose, hostvars, name, strict=strict)
        composed = self.inventory.get_host(name).get_vars()
        for var in set(compose) & set(composed):  # results from API data are data too
            self.inventory.set_variable(name, var, as_data(plain_json(composed[var])))
        self._add_host_to_composed_groups(self.get_option("groups"), hostvars, name, strict=strict)
        self._add_host_to_keyed_groups(self.get_option("keyed_groups"), hostvars, name, strict=strict)
