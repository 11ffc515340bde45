# faultline: thin convenience layer over meson + ninja.
#
#   make run     build only what boots (kernel, servers, shell, initrd,
#                faultline.iso), then boot it in QEMU on this terminal
#                (serial console; quit with Ctrl-A then X)
#   make test    build everything, then run the unit and integration tests
#   make build   configure (once) and build everything into $(BUILD)
#   make deps    install missing Debian packages (apt-get; root or sudo)
#   make clean   remove $(BUILD)
#
# Variables: BUILD (build directory, default "build");
#   CMDLINE (make run: kernel options added to every boot menu entry, e.g.
#   make run CMDLINE='pager.policy=eager loglevel=debug').

BUILD ?= build
CMDLINE ?=
# Reaches the recipes as an environment variable, so quotes or `$` in it
# cannot break the shell command; boot/run_image.py refuses what GRUB
# cannot carry.
export CMDLINE
CROSS_FILE := boot/cross-x86_64-freestanding.ini
DEB_PACKAGES := qemu-system-x86 grub-pc-bin grub-common xorriso mtools \
                meson ninja-build doctest-dev g++ python3 cpio python3-matplotlib \
                clang-format

.PHONY: run test build configure deps clean

# Only the image's inputs: the tests and benchmark images (most of the
# build) wait for make test / make bench. The trace channel (COM2) goes
# to $(BUILD)/trace.jsonl.
run: configure
	@echo "make run: building the kernel, servers, shell, initrd and $(BUILD)/faultline.iso (tests and benchmarks: make test)"
	ninja -C $(BUILD) faultline.iso
	@iso=$$(python3 boot/run_image.py --build-dir $(BUILD) --cmdline "$$CMDLINE") \
	    && FAULTLINE_TRACE_FILE=$(BUILD)/trace.jsonl boot/qemu.sh "$$iso"

test: build
	python3 tests/run_all.py $(BUILD)

build: configure
	ninja -C $(BUILD)

configure: deps
	@if [ ! -f $(BUILD)/build.ninja ]; then \
	    if [ -d $(BUILD)/meson-private ]; then \
	        echo "meson setup --wipe $(BUILD) --cross-file $(CROSS_FILE)"; \
	        meson setup --wipe $(BUILD) --cross-file $(CROSS_FILE); \
	    else \
	        echo "meson setup $(BUILD) --cross-file $(CROSS_FILE)"; \
	        meson setup $(BUILD) --cross-file $(CROSS_FILE); \
	    fi; \
	fi

# Idempotent: does nothing (and needs no privileges or network) when every
# package is already installed. Never reads stdin, so it works in CI.
deps:
	@missing=""; \
	for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' \
	        || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	echo "deps: missing Debian packages:$$missing"; \
	if [ "$$(id -u)" -eq 0 ]; then \
	    SUDO=""; \
	elif command -v sudo >/dev/null 2>&1; then \
	    SUDO="sudo -n"; \
	else \
	    echo "deps: not root and sudo is not available; as root run:" >&2; \
	    echo "  apt-get update && apt-get install -y --no-install-recommends$$missing" >&2; \
	    exit 1; \
	fi; \
	$$SUDO apt-get update </dev/null \
	    && $$SUDO env DEBIAN_FRONTEND=noninteractive \
	        apt-get install -y --no-install-recommends $$missing </dev/null \
	    || { echo "deps: installing$$missing failed (sudo -n needs passwordless sudo; otherwise run as root)" >&2; exit 1; }

clean:
	rm -rf $(BUILD)

# make bench: boot the benchmark image (user/bench) in QEMU with
# -icount shift=0, then Debian's cloud kernel with the same flags
# (tests/bench/linux), and print both with the ratio. Rows also go to
# $(BUILD)/bench/results.jsonl. See docs/performance.md.
.PHONY: bench
bench: build
	python3 tests/bench/run_bench.py --build-dir $(BUILD)

# make trace-view: turn the trace records of a session (`make run` writes
# them to $(BUILD)/trace.jsonl; see docs/tracing.md) into a picture
# (trace.png) and a Perfetto trace (trace.perfetto.json) next to the file.
# Installs python3-matplotlib first if it is missing (as `make deps` does),
# and runs Debian's python3, the one that package serves.
TRACE ?= $(BUILD)/trace.jsonl
TRACE_PYTHON ?= /usr/bin/python3
.PHONY: trace-view
trace-view:
	@$(MAKE) --no-print-directory deps DEB_PACKAGES=python3-matplotlib
	$(TRACE_PYTHON) tools/trace_view.py $(TRACE)
