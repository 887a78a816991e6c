"""The execution environment: ansible-builder turns ee/execution-environment.yml and the built
collection into a complete build context, and introspection of the installed collection finds
its Python requirements. No container runtime is used (``create`` only, never ``build``)."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tarfile
from types import SimpleNamespace

import pytest
import yaml
from packaging.requirements import Requirement

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, ".venv", "bin")
BUILDER = os.path.join(BIN, "ansible-builder")
GALAXY = os.path.join(BIN, "ansible-galaxy")
EE_DEFINITION = os.path.join(ROOT, "ee", "execution-environment.yml")

pytestmark = pytest.mark.skipif(
    not (os.access(BUILDER, os.X_OK) and os.access(GALAXY, os.X_OK)),
    reason="ansible-builder or ansible-galaxy missing from .venv (requirements/controller.txt)",
)


def _run(*argv, cwd):
    """Run a tool in ``cwd`` with Ansible's state there too: no collection installed elsewhere
    (~/.ansible, a project's .ansible/) may satisfy or shadow what the test installs."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    env.update(ANSIBLE_HOME=str(cwd / ".ansible-home"), ANSIBLE_COLLECTIONS_PATH=str(cwd / "collections-path"),
               ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false")
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, f"{argv} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _load_yaml(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _requirement_names(path):
    """Lower-case distribution names of a pip requirements file (comments ignored)."""
    with open(path, encoding="utf-8") as handle:
        lines = (line.split("#", 1)[0].strip() for line in handle)
        return [Requirement(line).name.lower() for line in lines if line]


@pytest.fixture(scope="module")
def galaxy_meta():
    return _load_yaml(os.path.join(ROOT, "galaxy.yml"))


@pytest.fixture(scope="module")
def built(tmp_path_factory, galaxy_meta):
    """The EE definition next to a freshly built collection tarball, as a user would lay it out."""
    work = tmp_path_factory.mktemp("ee")
    definition_dir = work / "definition"
    (definition_dir / "collections").mkdir(parents=True)
    shutil.copy(EE_DEFINITION, definition_dir / "execution-environment.yml")
    _run(GALAXY, "collection", "build", ROOT, "--output-path", str(definition_dir / "collections"), cwd=work)
    tarball = definition_dir / "collections" / f"hwcloud-sms-{galaxy_meta['version']}.tar.gz"
    assert tarball.is_file()
    return SimpleNamespace(work=work, definition_dir=definition_dir, tarball=tarball)


@pytest.fixture(scope="module")
def context(built):
    ctx = built.work / "context"
    _run(BUILDER, "create", "-f", str(built.definition_dir / "execution-environment.yml"),
         "--context", str(ctx), "--output-filename", "Containerfile", cwd=built.work)
    return ctx


def test_definition_installs_the_current_collection_version(galaxy_meta):
    definition = _load_yaml(EE_DEFINITION)
    assert definition["version"] == 3
    collections = definition["dependencies"]["galaxy"]["collections"]
    assert collections == [{
        "name": f"/build/collections/hwcloud-sms-{galaxy_meta['version']}.tar.gz",
        "type": "file",
    }], "ee/execution-environment.yml must install the tarball of galaxy.yml's version"
    assert {"src": "collections/hwcloud-sms-*.tar.gz", "dest": "collections"} in definition["additional_build_files"]


def test_context_has_containerfile_and_tarball(built, context):
    tarball = built.tarball
    containerfile = (context / "Containerfile").read_text()
    copied = context / "_build" / "collections" / tarball.name
    assert copied.read_bytes() == tarball.read_bytes()

    assert "FROM $EE_BASE_IMAGE AS base" in containerfile
    assert 'ARG EE_BASE_IMAGE="quay.io/centos/centos:stream10-minimal"' in containerfile
    assert "ansible-galaxy collection install" in containerfile
    assert "introspect.py introspect" in containerfile
    assert "LABEL ansible-execution-environment=true" in containerfile

    refs = next(line for line in containerfile.splitlines() if line.startswith("ARG ANSIBLE_INSTALL_REFS="))
    assert "ansible-core==" in refs and "ansible-runner" in refs
    # builder expands $ANSIBLE_INSTALL_REFS unquoted in a shell: '<' or '>' would redirect
    assert not set(refs.split("=", 1)[1]) & set("<>|;&`$"), refs

    requirements = _load_yaml(context / "_build" / "requirements.yml")
    assert requirements["collections"] == [{"name": f"/build/collections/{tarball.name}", "type": "file"}]


def test_tarball_ships_the_ee_metadata(built):
    tarball = built.tarball
    with tarfile.open(tarball) as archive:
        names = set(archive.getnames())
        manifest = archive.extractfile("meta/execution-environment.yml").read()
    assert {"meta/execution-environment.yml", "meta/ee-requirements.txt", "meta/ee-bindep.txt"} <= names
    metadata = yaml.safe_load(manifest)
    assert metadata["dependencies"] == {"python": "meta/ee-requirements.txt", "system": "meta/ee-bindep.txt"}
    # nothing from the development tree: tests, virtualenvs, and no nested copy of a collection
    # that ansible-lint or molecule installed into the project's .ansible/
    leaked = sorted(name for name in names if name.split("/")[0] in ("tests", ".venv", ".venv-legacy", ".tmp", ".ansible"))
    assert not leaked, f"the collection tarball ships development files (galaxy.yml build_ignore): {leaked[:5]}"


def test_introspection_finds_the_collection_requirements(built, tmp_path):
    tarball = built.tarball
    installed = tmp_path / "installed"
    _run(GALAXY, "collection", "install", "--force", str(tarball), "-p", str(installed), cwd=tmp_path)
    pip_out, bindep_out = tmp_path / "requirements.txt", tmp_path / "bindep.txt"
    _run(BUILDER, "introspect", str(installed), "--write-pip", str(pip_out), "--write-bindep", str(bindep_out),
         cwd=tmp_path)

    lines = pip_out.read_text().splitlines()
    assert all(line.endswith("# from collection hwcloud.sms") for line in lines), lines
    found = _requirement_names(pip_out)
    assert "requests" in found and "jmespath" in found
    assert sorted(found) == sorted(_requirement_names(os.path.join(ROOT, "meta", "ee-requirements.txt")))
    # meta/ee-bindep.txt is comments only: the EE needs no system packages
    assert not bindep_out.exists() or not bindep_out.read_text().strip()


def _third_party_imports(path):
    tree = ast.parse(open(path, encoding="utf-8").read(), filename=path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            modules = [node.module]
        else:
            continue
        for module in modules:
            top = module.split(".")[0]
            if top not in sys.stdlib_module_names and top not in ("ansible", "ansible_collections", "__future__"):
                yield top


def test_ee_requirements_cover_every_third_party_import():
    """Every non-stdlib library a plugin imports must reach the EE through meta/ee-requirements.txt."""
    declared = set(_requirement_names(os.path.join(ROOT, "meta", "ee-requirements.txt")))
    imported = {}
    for folder, _subfolders, files in os.walk(os.path.join(ROOT, "plugins")):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                for module in _third_party_imports(path):
                    imported.setdefault(module, os.path.relpath(path, ROOT))
    missing = {module: where for module, where in imported.items() if module not in declared}
    assert not missing, f"imported by plugins but missing from meta/ee-requirements.txt: {missing}"
