# ReidKD — make targets. Every target depends on `deps`, so a fresh Debian machine needs nothing else.
#   make deps    install the system libraries (only those missing)
#   make build   release build of the CLI
#   make browser headless Chromium for the HTML report test (skipped with NO_BROWSER=1)
#   make python  numpy, onnxruntime, onnx, safetensors from pip for the interop tests (NO_PYTHON=1 skips)
#   make cluster PostgreSQL 15, Slurm and munge from Debian for the store/cluster tests (NO_CLUSTER=1 skips)
#   make test    the test suite (release build with testing enabled; numeric code is slow in debug)
#   make bench   benchmarks (kernels, …) against reference figures measured in the same run
#   make bench-peers  ReidKD against PyTorch eager and onnxruntime on the same nets, interleaved in one run (Scripts/bench_peers.py)
#   make demo    the quick distillation sweep on the synthetic dataset (generated on first use), its report and the export of its best student
SHELL := /bin/bash
SWIFT ?= swift
APT_PACKAGES := libopenblas-dev libpng-dev libsqlite3-dev libjpeg62-turbo-dev zlib1g-dev libpq-dev libssl-dev pkg-config
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
TEST_FLAGS := -c release -Xswiftc -enable-testing
# The HTML report test renders report.html in headless Chromium (Debian chromium-headless-shell:
# ~100 MB download, 306 MB on disk, 39 s to install here). NO_BROWSER=1 skips the install; the
# test then skips itself and says why.
BROWSER_PACKAGE := chromium-headless-shell
# The ONNX parity, onnx checker and safetensors/JSON interop tests compare against these Python
# packages (~100 MB from PyPI, 20–60 s to install here). NO_PYTHON=1 skips the install; those
# tests then skip themselves and say why.
PYTHON_MODULES := numpy onnxruntime onnx safetensors
# The store suite runs a second time against a throw-away PostgreSQL (Scripts/with-postgres.sh),
# and the tiny sweep goes through --launcher slurm on a throw-away single-node Slurm
# (Scripts/with-slurm.sh); both start in temporary folders on loopback and stop after. Without
# the packages (NO_CLUSTER=1, or an install that fails) those tests skip and say why.
CLUSTER_PACKAGES := postgresql slurm-wlm munge

# bench-peers compares against these (PyTorch CPU: a local CPU wheel where pip's find-links has one,
# else PyPI's `torch`; BENCH_PEERS passes options to Scripts/bench_peers.py, e.g. --rounds 3 --only infer).
PEERS_MODULES := torch onnxruntime onnx numpy

.PHONY: deps browser python cluster build test bench bench-peers peers-python demo clean

deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$missing"; \
	  $(SUDO) apt-get install -y --no-install-recommends $$missing \
	    || { $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends $$missing; }; \
	fi

browser:
	@if [ -z "$(NO_BROWSER)" ] && ! command -v chromium-headless-shell >/dev/null && ! command -v chromium >/dev/null; then \
	  echo "make browser: installing $(BROWSER_PACKAGE) for the HTML report test (NO_BROWSER=1 skips this)"; \
	  $(SUDO) apt-get install -y --no-install-recommends $(BROWSER_PACKAGE) \
	    || { $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends $(BROWSER_PACKAGE); } \
	    || echo "make browser: could not install $(BROWSER_PACKAGE); the HTML browser test will be skipped"; \
	fi

python:
	@if [ -z "$(NO_PYTHON)" ]; then \
	  missing=""; \
	  for m in $(PYTHON_MODULES); do python3 -c "import $$m" >/dev/null 2>&1 || missing="$$missing $$m"; done; \
	  if [ -n "$$missing" ]; then \
	    echo "make python: pip installing$$missing for the interop tests (NO_PYTHON=1 skips this)"; \
	    python3 -m pip install --quiet --disable-pip-version-check $$missing \
	      || echo "make python: could not install$$missing; the tests that need them will skip and say why"; \
	  fi; \
	fi

cluster:
	@if [ -z "$(NO_CLUSTER)" ]; then \
	  missing=""; \
	  for p in $(CLUSTER_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	  if [ -n "$$missing" ]; then \
	    echo "make cluster: installing$$missing for the PostgreSQL and Slurm tests (NO_CLUSTER=1 skips this)"; \
	    $(SUDO) apt-get install -y --no-install-recommends $$missing \
	      || { $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends $$missing; } \
	      || echo "make cluster: could not install$$missing; the PostgreSQL and Slurm tests will be skipped"; \
	  fi; \
	fi

build: deps
	$(SWIFT) build -c release --product reidkd

# The tests run on the BLAS kernel the CLI picks for this CPU (`reidkd info --blas-env`), so
# in-process numbers and those of the `reidkd` children the tests start come from one kernel.
test: deps browser python cluster
	$(SWIFT) build $(TEST_FLAGS) --build-tests
	Scripts/with-postgres.sh Scripts/with-slurm.sh env $$(.build/release/reidkd info --blas-env) $(SWIFT) test $(TEST_FLAGS) --skip-build
	Scripts/with-postgres.sh env REIDKD_TEST_STORE=postgres $$(.build/release/reidkd info --blas-env) $(SWIFT) test $(TEST_FLAGS) --skip-build --filter StoreTests

bench: deps
	$(SWIFT) build -c release --product reidkd-bench
	.build/release/reidkd-bench $(BENCH)

peers-python:
	@missing=""; \
	for m in $(PEERS_MODULES); do python3 -c "import $$m" >/dev/null 2>&1 || missing="$$missing $$m"; done; \
	if [ -n "$$missing" ]; then \
	  echo "make bench-peers: pip installing$$missing"; \
	  if echo "$$missing" | grep -q torch; then \
	    python3 -m pip install --quiet --disable-pip-version-check --no-index --no-deps torch 2>/dev/null \
	      && python3 -m pip install --quiet --disable-pip-version-check "torch==$$(python3 -c 'import importlib.metadata as m; print(m.version("torch"))')" \
	      || python3 -m pip install --quiet --disable-pip-version-check torch; \
	  fi; \
	  rest=$$(echo $$missing | tr ' ' '\n' | grep -v '^torch$$' | tr '\n' ' '); \
	  if [ -n "$${rest// }" ]; then python3 -m pip install --quiet --disable-pip-version-check $$rest; fi; \
	fi

bench-peers: deps peers-python
	$(SWIFT) build -c release --product reidkd-bench
	python3 Scripts/bench_peers.py --bench .build/release/reidkd-bench $(BENCH_PEERS)

demo: build
	.build/release/reidkd sweep experiments/quick.yaml
	.build/release/reidkd report --sweep quick
	.build/release/reidkd export --best --sweep quick

clean:
	rm -rf .build
