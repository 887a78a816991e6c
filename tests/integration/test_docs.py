"""Documentation and changelog lint: the same checks a docsite build and a release would run.

- antsibull-changelog: every fragment and changelogs/changelog.yaml are valid;
- antsibull-docs lint-collection-docs --plugin-docs: plugin/module/role docs are valid
  (schema, semantic markup, references to options, modules and plugins, generated RST);
- ansible-doc renders every module, plugin and role of the collection, with no warning;
- docs/*.md: relative links and anchors resolve, and docs/index.md lists every page.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, ".venv", "bin")
COLLECTIONS = os.environ.get("ANSIBLE_COLLECTIONS_PATH") or os.path.join(ROOT, ".tmp", "collections")
COLLECTION_DIR = os.path.join(COLLECTIONS.split(os.pathsep)[0], "ansible_collections", "hwcloud", "sms")
DOCS = os.path.join(ROOT, "docs")
# plugin types ansible-doc knows and this collection may ship
DOC_TYPES = ("module", "inventory", "filter", "test", "lookup", "callback", "connection", "role")


def _env(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    env.update({
        "PATH": BIN + os.pathsep + env.get("PATH", ""),  # antsibull-docs calls ansible-doc by name
        "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS,
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
        "ANSIBLE_HOME": str(tmp_path / "ansible-home"),
        "ANSIBLE_NOCOLOR": "1",
    })
    return env


def _run(argv, tmp_path, cwd=ROOT, timeout=180):
    tool = os.path.join(BIN, argv[0])
    if not os.access(tool, os.X_OK):
        pytest.skip(f"{argv[0]} is not installed in .venv (requirements/controller.txt)")
    return subprocess.run([tool, *argv[1:]], cwd=cwd, env=_env(tmp_path), capture_output=True, text=True,
                          timeout=timeout, check=False)


def _assert_clean(proc, what):
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{what} failed ({proc.returncode}):\n{output}"
    assert "[WARNING]" not in output and "[DEPRECATION WARNING]" not in output, f"{what} warned:\n{output}"


# ---- changelog -------------------------------------------------------------------------------

def test_changelog_fragments_are_valid(tmp_path):
    proc = _run(["antsibull-changelog", "lint"], tmp_path)
    _assert_clean(proc, "antsibull-changelog lint")
    assert proc.stdout.strip() == "", proc.stdout  # lint prints one line per problem


def test_changelog_yaml_is_valid(tmp_path):
    proc = _run(["antsibull-changelog", "lint-changelog-yaml", "--strict", "changelogs/changelog.yaml"], tmp_path)
    _assert_clean(proc, "antsibull-changelog lint-changelog-yaml")
    assert proc.stdout.strip() == "", proc.stdout


def test_changelog_is_built_and_current(tmp_path):
    """CHANGELOG.md is what antsibull-changelog generates from changelogs/changelog.yaml (on a copy)."""
    copy = tmp_path / "collection"
    shutil.copytree(ROOT, copy, symlinks=True, ignore=shutil.ignore_patterns(
        ".venv", ".venv-legacy", ".tmp", ".git", "tests", "*.tar.gz", "__pycache__"))
    proc = _run(["antsibull-changelog", "generate"], tmp_path, cwd=copy)
    _assert_clean(proc, "antsibull-changelog generate (on a copy)")
    for name in ("CHANGELOG.md", "CHANGELOG.rst"):
        assert (copy / name).read_text() == Path(ROOT, name).read_text(), "%s is stale: run antsibull-changelog" % name
    release = yaml.safe_load(Path(ROOT, "changelogs", "changelog.yaml").read_text())["releases"]["1.0.0"]
    inventory_plugins = [plugin["name"] for plugin in release.get("plugins", {}).get("inventory", [])]
    modules = sorted(module["name"] for module in release.get("modules", []))
    assert "sources" in inventory_plugins, "the inventory plugin must be announced"
    assert modules == ["source", "source_facts", "source_info"]


# ---- plugin docs -----------------------------------------------------------------------------

def test_antsibull_docs_lint_collection_docs(tmp_path):
    assert os.path.isfile(os.path.join(COLLECTION_DIR, "galaxy.yml")), f"collection not linked at {COLLECTION_DIR}"
    proc = _run(["antsibull-docs", "lint-collection-docs", "--plugin-docs", "."], tmp_path, cwd=COLLECTION_DIR)
    assert proc.returncode == 0, f"antsibull-docs lint-collection-docs found problems:\n{proc.stdout}{proc.stderr}"


@pytest.fixture(scope="module")
def documented(tmp_path_factory):
    """{plugin type: {fully qualified name: ansible-doc's entry}} for the whole collection, one call."""
    tmp_path = tmp_path_factory.mktemp("metadata")
    proc = _run(["ansible-doc", "--metadata-dump", "--no-fail-on-errors", "hwcloud.sms"], tmp_path)
    _assert_clean(proc, "ansible-doc --metadata-dump")
    found = json.loads(proc.stdout)["all"]
    return {doc_type: found.get(doc_type) or {} for doc_type in DOC_TYPES}


def _python_files(folder):
    path = os.path.join(ROOT, "plugins", folder)
    if not os.path.isdir(path):
        return []
    return sorted(name[:-3] for name in os.listdir(path) if name.endswith(".py") and not name.startswith("_"))


def test_every_plugin_has_parseable_documentation(documented):
    errors = {name: entry["error"] for entries in documented.values() for name, entry in entries.items()
              if "error" in entry}
    assert not errors, f"ansible-doc cannot read the documentation of: {json.dumps(errors, indent=1)}"
    # one plugin per file for these types: every file must be known to ansible-doc
    for doc_type, folder in (("module", "modules"), ("inventory", "inventory"), ("lookup", "lookup"),
                             ("callback", "callback"), ("connection", "connection")):
        assert sorted(documented[doc_type]) == ["hwcloud.sms." + name for name in _python_files(folder)]
    roles = sorted(d for d in os.listdir(os.path.join(ROOT, "roles")) if not d.startswith("."))
    assert sorted(documented["role"]) == ["hwcloud.sms." + role for role in roles]


def test_the_designed_plugins_are_documented(documented):
    """The stable names of the design (docs/architecture.md) all exist."""
    expected = {
        "module": {"hwcloud.sms.source_facts", "hwcloud.sms.source", "hwcloud.sms.source_info"},
        "inventory": {"hwcloud.sms.sources"},
        "filter": {"hwcloud.sms.source_payload"},
    }
    for doc_type, names in expected.items():
        missing = names - set(documented[doc_type])
        assert not missing, f"ansible-doc does not know {doc_type} {sorted(missing)}"


def test_ansible_doc_renders_every_plugin(documented, tmp_path):
    rendered = 0
    for doc_type, entries in documented.items():
        if entries:  # one ansible-doc call per plugin type, as a user would read them
            proc = _run(["ansible-doc", "-t", doc_type, *sorted(entries)], tmp_path)
            _assert_clean(proc, f"ansible-doc -t {doc_type}")
            assert all(name in proc.stdout for name in entries), proc.stdout
            rendered += len(entries)
    assert rendered >= 5


# ---- docs/*.md -------------------------------------------------------------------------------

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _slug(heading):
    """GitHub's anchor for a Markdown heading."""
    text = re.sub(r"[`*_~]|\[|\]\([^)]*\)", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(path):
    anchors, in_code = set(), False
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("```"):
                in_code = not in_code
            elif not in_code and line.startswith("#"):
                anchors.add(_slug(line.lstrip("#")))
    return anchors


def _pages():
    return sorted(name for name in os.listdir(DOCS) if name.endswith(".md"))


@pytest.mark.parametrize("page", _pages())
def test_relative_links_resolve(page):
    path = os.path.join(DOCS, page)
    text = re.sub(r"```.*?```", "", open(path, encoding="utf-8").read(), flags=re.S)
    broken = []
    for target in LINK.findall(text):
        if re.match(r"^[a-z]+:", target):
            continue  # external URL
        file_part, anchor = (target.split("#", 1) + [""])[:2]
        resolved = os.path.normpath(os.path.join(DOCS, file_part)) if file_part else path
        if not os.path.exists(resolved):
            broken.append(f"{target} (no file {os.path.relpath(resolved, ROOT)})")
        elif anchor and resolved.endswith(".md") and anchor not in _anchors(resolved):
            broken.append(f"{target} (no heading #{anchor})")
    assert not broken, f"docs/{page}: broken links: {broken}"


def test_index_lists_every_page():
    index = open(os.path.join(DOCS, "index.md"), encoding="utf-8").read()
    linked = {target.partition("#")[0] for target in LINK.findall(index)}
    missing = [page for page in _pages() if page != "index.md" and page not in linked]
    assert not missing, f"docs/index.md does not link {missing}"
