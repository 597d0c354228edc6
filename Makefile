# voiced — the commands people type. `make run` and `make test` set everything up themselves.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
CONFIG ?=
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Debian / Raspberry Pi OS packages the compiled dependencies need (pyalsaaudio, systemd-python).
APT_BUILD := libasound2-dev libsystemd-dev pkg-config gcc alsa-utils
# Extra packages the test suite uses: a real sound server (PipeWire), real network faults and
# a speech synthesiser (wake-word and notice tests).
APT_TEST := pipewire pipewire-alsa pipewire-bin wireplumber dbus nftables iproute2 util-linux \
	espeak-ng

.PHONY: all run test lint unit bench install deps deps-test venv clean devices check systest systest-deps

all: test

# Debian's python3 needs python3-dev (headers) and python3-venv (ensurepip); others have them.
HAVE_HEADERS = $(shell $(PYTHON) -c 'import sysconfig,os,sys; sys.exit(0 if os.path.exists(sysconfig.get_paths()["include"] + "/Python.h") else 1)' 2>/dev/null && echo ok)
HAVE_ENSUREPIP = $(shell $(PYTHON) -c 'import ensurepip' 2>/dev/null && echo ok)

deps:
	@$(MAKE) --no-print-directory apt PKGS="$(APT_BUILD) $(if $(HAVE_HEADERS),,python3-dev) $(if $(HAVE_ENSUREPIP),,python3-venv)"

deps-test: deps
	@$(MAKE) --no-print-directory apt PKGS="$(APT_TEST)"

# Install only what is missing, through sudo when not root.
apt:
	@missing=""; for p in $(PKGS); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; fi

# VENV_FLAGS (e.g. --system-site-packages for the Pi 5's python3-lgpio) is remembered in
# .venv/.flags: a different value rebuilds .venv, so it also works on an existing venv.
VENV_FLAGS ?=
$(VENV)/.stamp: pyproject.toml constraints.txt
	@$(MAKE) --no-print-directory deps
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV_FLAGS) $(VENV)
	@echo "$(VENV_FLAGS)" > $(VENV)/.flags
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e '.[test,hands-free]'
	@touch $@

venv:
	@if [ -d $(VENV) ] && [ "$$(cat $(VENV)/.flags 2>/dev/null)" != "$(strip $(VENV_FLAGS))" ]; then \
	  echo "VENV_FLAGS is now '$(VENV_FLAGS)': rebuilding $(VENV)"; rm -rf $(VENV); fi
	@$(MAKE) --no-print-directory $(VENV)/.stamp

run: venv
	$(VENV)/bin/voiced run $(if $(CONFIG),--config $(CONFIG))

devices: venv
	$(VENV)/bin/voiced devices

check: venv
	$(VENV)/bin/voiced check

lint: venv
	$(VENV)/bin/ruff check daemon tests bench
	$(VENV)/bin/ruff format --check daemon tests bench
	$(VENV)/bin/mypy

# pytest exits 5 when it collected nothing: that is a failure here too.
unit: venv deps-test
	$(PY) -m pytest $(PYTEST_ARGS)

test: lint unit

bench: venv deps-test
	@$(MAKE) --no-print-directory apt PKGS="valgrind"
	$(PY) bench/run.py

# On the Pi: a system-wide install under /opt/voiced run by systemd as user voiced.
PREFIX ?= /opt/voiced
# PIP_FLAGS: e.g. "--no-index --find-links DIR" to install from prepared wheels (systest).
# EXTRAS=hands-free: also the wake word and echo cancellation (talk.mode = "wake" or "vad";
# wheels for 64-bit systems only).
PIP_FLAGS ?=
EXTRAS ?=
install: deps
	$(SUDO) $(PYTHON) -m venv --system-site-packages $(PREFIX)/.venv
	$(SUDO) $(PREFIX)/.venv/bin/pip install -q $(PIP_FLAGS) --upgrade pip
	$(SUDO) $(PREFIX)/.venv/bin/pip install -q $(PIP_FLAGS) '.$(if $(EXTRAS),[$(EXTRAS)])'
	$(SUDO) install -D -m 0644 systemd/voiced.service /etc/systemd/system/voiced.service
	$(SUDO) install -D -m 0644 systemd/voiced.sysusers.conf /usr/lib/sysusers.d/voiced.conf
	$(SUDO) install -D -m 0644 systemd/voiced.tmpfiles.conf /usr/lib/tmpfiles.d/voiced.conf
	$(SUDO) install -D -m 0644 README.md /usr/share/doc/voiced/README.md
	$(SUDO) systemd-sysusers /usr/lib/sysusers.d/voiced.conf
	$(SUDO) systemd-tmpfiles --create /usr/lib/tmpfiles.d/voiced.conf
	[ -e /etc/voiced/voiced.toml ] || $(SUDO) install -m 0640 -g voiced systemd/voiced.toml.example /etc/voiced/voiced.toml
	$(SUDO) systemctl daemon-reload
	@echo "installed. Key: sudo install -m 0600 /dev/stdin /etc/credstore/voiced.openai_api_key"
	@echo "then: sudo systemctl enable --now voiced && journalctl -u voiced -f"

# The system test: a Debian root booted under a real systemd (systemd-nspawn), `make install`
# inside, the fake realtime server, every README promise about the service checked.
# Needs root (sudo when not root) and a machine where systemd-nspawn can boot a container;
# where it cannot, it says so and fails. DIST=trixie for Debian 13. ARCH=arm64: the board's
# architecture under qemu-user (binfmt_misc mounted and registered by the test; Debian 12 only).
# Root and wheels cached in $(SYSTEST_CACHE) (per dist and arch; `rm` them to rebuild).
DIST ?= bookworm
ARCH ?= amd64
SYSTEST_CACHE ?= /var/cache/voiced-systest
systest-deps:
	@$(MAKE) --no-print-directory apt PKGS="debootstrap systemd-container zstd \
	  $(if $(filter-out amd64,$(ARCH)),qemu-user-static)"

systest: venv systest-deps
	$(SUDO) env VOICED_SYSTEST=1 SYSTEST_DIST=$(DIST) SYSTEST_ARCH=$(ARCH) \
	  SYSTEST_CACHE=$(SYSTEST_CACHE) $(PY) -m pytest -p no:cacheprovider tests/system $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

# At least 1,000 reconnects of mixed kinds (close codes, abort, accept-then-close, 5xx, 429
# with Retry-After, session_expired, half-open): RSS, descriptors, tasks, threads stay flat.
.PHONY: soak
soak: venv
	$(PY) tests/soak.py 1000
