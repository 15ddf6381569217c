# Nimbus: `make run` and `make test` install what is missing, build, then serve / run every test.
SHELL := /bin/bash
SWIFT ?= swift
VENV := .venv
PY := $(VENV)/bin/python
BIN := .build/debug/nimbus
RELEASE_BIN := .build/release/nimbus
HOST ?= 127.0.0.1
PORT ?= 9000
DATA_DIR ?= ./.nimbus
APT_PACKAGES := libsqlite3-dev zlib1g-dev libseccomp-dev bubblewrap gcc
# The exec shim between nimbus serve and bwrap is plain C compiled by cc, beside the nimbus binary: a SwiftPM
# executable would link the Swift runtime, whose loading costs ~2.4 ms on every sandbox start.
SPAWN_SRC := Sources/nimbus-spawn/main.c
SPAWN_CC = $(CC) -O2 -Wall -Wextra -o $(1)/nimbus-spawn $(SPAWN_SRC)

# The Python runtime (awslambdaric + boto3) for Debian's /usr/bin/python3, which sandboxes see through
# their read-only /usr. It lives outside the checkout so the unprivileged sandbox uid can always reach it.
RUNTIME_DIR ?= /opt/nimbus/runtimes/python
NODE_RUNTIME_DIR ?= /opt/nimbus/runtimes/node

.PHONY: deps system-deps python-deps runtime-deps build release run test unit e2e bench clean

deps: system-deps python-deps runtime-deps

# Debian packages the build needs; installed only when missing.
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/dev/null; fi

# A git-ignored venv for the end-to-end clients (boto3, aws CLI, pytest).
python-deps: $(VENV)/.installed

$(VENV)/.installed: tests/e2e/requirements.txt runtimes/python/requirements.txt
	python3 -m venv --system-site-packages $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r tests/e2e/requirements.txt -r runtimes/python/requirements.txt
	touch $@

runtime-deps: $(RUNTIME_DIR)/.compiled $(NODE_RUNTIME_DIR)/bootstrap.js

$(NODE_RUNTIME_DIR)/bootstrap.js: runtimes/node/bootstrap.js
	mkdir -p $(NODE_RUNTIME_DIR)
	install -m 0644 $< $@
	chmod a+rx $(NODE_RUNTIME_DIR)

$(RUNTIME_DIR)/.installed: runtimes/python/requirements.txt $(VENV)/.installed
	rm -rf $(RUNTIME_DIR) && mkdir -p $(RUNTIME_DIR)
	$(PY) -m pip install -q --disable-pip-version-check --no-compile --only-binary=:all: \
	    --python-version 3.11 --target $(RUNTIME_DIR) -r runtimes/python/requirements.txt
	chmod -R a+rX $(dir $(RUNTIME_DIR)) $(RUNTIME_DIR)
	touch $@

# Bytecode compiled once here: sandboxes mount the runtime read-only, so Python could never cache it.
$(RUNTIME_DIR)/.compiled: $(RUNTIME_DIR)/.installed
	/usr/bin/python3 -m compileall -q -j 0 $(RUNTIME_DIR) >/dev/null
	chmod -R a+rX $(RUNTIME_DIR)
	touch $@

build: system-deps
	$(SWIFT) build --product nimbus
	$(call SPAWN_CC,.build/debug)

release: system-deps
	$(SWIFT) build -c release --product nimbus
	$(call SPAWN_CC,.build/release)

run: deps build
	$(BIN) serve --host $(HOST) --port $(PORT) --data-dir $(DATA_DIR)

unit: deps
	$(SWIFT) build --build-tests
	$(call SPAWN_CC,.build/debug)
	NIMBUS_PYTHON=$(abspath $(PY)) NIMBUS_PYTHON_RUNTIME=$(RUNTIME_DIR) NIMBUS_NODE_RUNTIME=$(NODE_RUNTIME_DIR) $(SWIFT) test --skip-build

e2e: deps build
	NIMBUS_BIN=$(abspath $(BIN)) PATH="$(abspath $(VENV))/bin:$$PATH" $(PY) -m pytest tests/e2e -q -p no:cacheprovider

# NIMBUS_PYTHON: an interpreter with awslambdaric, for the Runtime API tests that drive the real client.
test: deps
	$(SWIFT) build --build-tests
	$(call SPAWN_CC,.build/debug)
	NIMBUS_PYTHON=$(abspath $(PY)) NIMBUS_PYTHON_RUNTIME=$(RUNTIME_DIR) NIMBUS_NODE_RUNTIME=$(NODE_RUNTIME_DIR) $(SWIFT) test --skip-build
	python3 runtimes/node/test_bootstrap.py
	$(SWIFT) build --product nimbus
	NIMBUS_BIN=$(abspath $(BIN)) PATH="$(abspath $(VENV))/bin:$$PATH" $(PY) -m pytest tests/e2e -q -p no:cacheprovider

bench: deps release
	$(PY) Benchmarks/control_plane_bench.py --nimbus $(abspath $(RELEASE_BIN))
	$(PY) Benchmarks/invoke_bench.py --nimbus $(abspath $(RELEASE_BIN))
	$(PY) Benchmarks/queue_bench.py --nimbus $(abspath $(RELEASE_BIN))

clean:
	rm -rf .build $(VENV)
