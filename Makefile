# hwcloud.sms — one entry point for users, developers and CI.
SHELL := /bin/bash
.DEFAULT_GOAL := help

ROOT        := $(abspath .)
VENV        := $(ROOT)/.venv
LEGACY_VENV := $(ROOT)/.venv-legacy
PY          := $(VENV)/bin/python
BIN         := $(VENV)/bin
TMP         := $(ROOT)/.tmp
COLLECTIONS := $(TMP)/collections
COLL_LINK   := $(COLLECTIONS)/ansible_collections/hwcloud/sms
SANITY_ROOT ?= $(TMP)/sanity
SANITY_DIR  := $(SANITY_ROOT)/ansible_collections/hwcloud/sms
SANITY_ARGS ?=
# ansible-core lines of the test matrix and their virtualenvs (tests/conftest.py has the same
# table for the `ansible_core` fixture). `make sanity SANITY_CORES=2.16` runs one of them.
CORES        := 2.19 2.16
# Cores that get the unit tests only (venvs under .tmp, from requirements/legacy-<core>.txt).
UNIT_CORES   := 2.17 2.18
CORE_VENV_2.19 := $(VENV)
CORE_VENV_2.16 := $(LEGACY_VENV)
SANITY_CORES ?= $(CORES)
PYTHON3     ?= python3
APT_PACKAGES := lvm2 btrfs-progs xfsprogs gdisk parted dosfstools rsync debootstrap iproute2 e2fsprogs fdisk util-linux \
                shellcheck busybox-static dash ksh openssh-server chromium

export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH := false
export ANSIBLE_NOCOLOR := 1
export ANSIBLE_HOME := $(TMP)/ansible-home
export PATH := $(BIN):$(PATH)

.PHONY: help
help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(VENV)/.stamp: requirements/controller.txt
	$(PYTHON3) -m venv $(VENV)
	$(BIN)/pip install -q -U pip
	$(BIN)/pip install -q -r requirements/controller.txt
	touch $@

$(LEGACY_VENV)/.stamp: requirements/legacy.txt requirements/legacy-tools.txt
	$(PYTHON3) -m venv $(LEGACY_VENV)
	$(LEGACY_VENV)/bin/pip install -q -r requirements/legacy.txt
	touch $@

$(TMP)/venv-%/.stamp: requirements/legacy-%.txt requirements/legacy-tools.txt
	$(PYTHON3) -m venv $(TMP)/venv-$*
	$(TMP)/venv-$*/bin/pip install -q -r requirements/legacy-$*.txt
	touch $@

.PHONY: venv
venv: $(VENV)/.stamp $(LEGACY_VENV)/.stamp $(foreach core,$(UNIT_CORES),$(TMP)/venv-$(core)/.stamp) $(COLL_LINK)  ## create the virtualenvs from pinned requirements

$(COLL_LINK):
	mkdir -p $(dir $@)
	ln -sfn $(ROOT) $@

.PHONY: system-deps
system-deps:  ## install the Debian packages the tests need (root only, when missing)
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing: $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "not root or no apt-get: missing $$missing (tests that need them will skip)"; fi; \
	fi

.PHONY: unit
unit: venv  ## unit tests (pytest) on every ansible-core of the matrix
	$(PY) -m pytest tests/unit -q -n 2
	$(MAKE) --no-print-directory unit-legacy

# The collection's unit tests on the older cores (tests/unit/emulator does not depend on ansible-core).
.PHONY: unit-legacy
unit-legacy: venv
	@for python in $(LEGACY_VENV)/bin/python $(foreach core,$(UNIT_CORES),$(TMP)/venv-$(core)/bin/python); do \
	  echo "== unit tests, $$($$python -c 'import ansible; print("ansible-core", ansible.__version__)')"; \
	  $$python -m pytest tests/unit/plugins -q -n 2 -p no:cacheprovider || exit 1; \
	done

.PHONY: integration
integration: venv system-deps  ## integration tests: real devices, emulator, ansible-playbook
	$(PY) -m pytest tests/integration -q

# One copy of the tree for every core; each ansible-test gets the offline pip bootstrap for the
# pip release it pins (the first pip='x.y' of its python_requirements.py is the current Python's).
.PHONY: sanity
sanity: venv  ## ansible-test sanity on every ansible-core of the matrix (local venvs, no Docker)
	rm -rf $(SANITY_ROOT) && mkdir -p $(SANITY_DIR)
	git ls-files -co --exclude-standard -z | tar --null --ignore-failed-read -T - -cf - | tar -xf - -C $(SANITY_DIR)
	cd $(SANITY_DIR) && git init -q && git add -A
	mkdir -p $(HOME)/.ansible/test/cache
	failed=; for core in $(SANITY_CORES); do \
	  case $$core in 2.19) venv=$(CORE_VENV_2.19);; 2.16) venv=$(CORE_VENV_2.16);; *) venv=$(TMP)/venv-$$core;; esac; \
	  test -x $$venv/bin/ansible-test || { echo "no ansible-core $$core in $$venv"; exit 2; }; \
	  v=$$(grep -o "pip='[0-9.]*'" $$venv/lib/python3.11/site-packages/ansible_test/_internal/python_requirements.py | head -1 | grep -o '[0-9.]*[0-9]'); \
	  cp tests/sanity/get_pip.py $(HOME)/.ansible/test/cache/get_pip_$${v//./_}.py; \
	  echo "== ansible-test sanity, ansible-core $$core"; start=$$(date +%s); \
	  (cd $(SANITY_DIR) && rm -rf tests/output && $$venv/bin/ansible-test sanity --venv --python 3.11 --color no -v $(SANITY_ARGS)) \
	    && result=passed || { result=FAILED; failed="$$failed $$core"; }; \
	  echo "== ansible-test sanity, ansible-core $$core: $$result in $$(( $$(date +%s) - start )) s"; \
	done; test -z "$$failed" || { echo "ansible-test sanity failed on ansible-core$$failed"; exit 1; }

.PHONY: lint
lint: venv  ## ansible-lint --profile production
	$(BIN)/ansible-lint --profile production

.PHONY: test
test: venv system-deps  ## every suite: sanity and unit tests on every core, lint, integration, molecule
	$(MAKE) --no-print-directory sanity
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory unit-legacy
	$(PY) -m pytest tests -q -n 2 -p no:cacheprovider

.PHONY: demo
demo: venv  ## discover this machine, check readiness and register it with the offline SMS emulator
	$(PY) tools/demo.py

.PHONY: bench
bench: venv system-deps  ## benchmarks: discovery cost vs setup, fleet registration throughput
	for b in tests/bench/*.py; do $(PY) $$b || exit 1; done

.PHONY: build
build: venv  ## build the collection artifact
	$(BIN)/ansible-galaxy collection build --force --output-path $(TMP)/dist

.PHONY: clean
clean:  ## remove virtualenvs and temporary files
	rm -rf $(VENV) $(LEGACY_VENV) $(TMP)
