# ReidKD — make targets. Every target depends on `deps`, so a fresh Debian machine needs nothing else.
#   make deps    install the system libraries (only those missing)
#   make build   release build of the CLI
#   make test    the test suite (release build with testing enabled; numeric code is slow in debug)
#   make bench   benchmarks (kernels, …) against reference figures measured in the same run
#   make demo    the quick distillation sweep on the synthetic dataset (generated on first use), then the export of its best student
SHELL := /bin/bash
SWIFT ?= swift
APT_PACKAGES := libopenblas-dev libpng-dev libsqlite3-dev libjpeg62-turbo-dev pkg-config
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
TEST_FLAGS := -c release -Xswiftc -enable-testing

.PHONY: deps build test bench demo clean

deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$missing"; \
	  $(SUDO) apt-get install -y --no-install-recommends $$missing \
	    || { $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends $$missing; }; \
	fi

build: deps
	$(SWIFT) build -c release --product reidkd

test: deps
	$(SWIFT) build $(TEST_FLAGS) --build-tests
	$(SWIFT) test $(TEST_FLAGS) --skip-build

bench: deps
	$(SWIFT) build -c release --product reidkd-bench
	.build/release/reidkd-bench $(BENCH)

demo: build
	.build/release/reidkd sweep experiments/quick.yaml
	.build/release/reidkd export --best --sweep quick

clean:
	rm -rf .build
