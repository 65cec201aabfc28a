# SPDX-License-Identifier: GPL-2.0
#
# kvmwatch top-level Makefile.
#   make                 module (against KDIR) and userspace tools
#   make check           the test suite: unit tests, then both Debian kernels
#                        booted under QEMU/TCG with kvm_amd and real guests
#   make demo            a real guest, a real diagnosis
#   make bench           overhead against perf, trace-cmd, bpftrace, kvm_stat
#                        (docs/BENCHMARKS.md; about 7 minutes)
#   make bench-events    events mode against trace-cmd and perf kvm record
#   make bench-ring      the event rings' producer rate, both kernels
#   make fuzz            fuzz the recording reader for FUZZ_TIME seconds (60;
#                        clang, libFuzzer; fuzz/README.md)
#   make install         module + tools into DESTDIR
#   make dkms-install    register, build and install through DKMS

VERSION := 0.1.0
KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
PREFIX ?= /usr/local
DESTDIR ?=
DKMS_SRC := $(DESTDIR)/usr/src/kvmwatch-$(VERSION)
# Files DKMS needs to rebuild the module for any kernel.
MODULE_SRC := Kbuild Makefile dkms.conf module uapi

.PHONY: all module tools selftests unit check demo install install-module \
	install-tools dkms-install dkms-uninstall clean clean-module \
	bench bench-wall bench-events bench-ring bench-callgrind fuzz

all: module tools

module:
	@test -f $(KDIR)/Makefile || { \
		echo "kvmwatch: no kernel build tree at $(KDIR);" \
		     "install linux-headers-$(KVER) or pass KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

tools:
	$(MAKE) -C tools

selftests:
	$(MAKE) -C selftests

unit:
	$(MAKE) -C selftests/unit check

check:
	./selftests/rig/check.sh

demo:
	./selftests/rig/demo.sh

# Overhead of stats mode against its peers (docs/BENCHMARKS.md): callgrind's
# count of the hot path, then one boot of 6.12 under QEMU -icount.
bench: bench-callgrind
	./bench/run.sh -I

# The same boot timed by the guest's wall clock under plain TCG.
bench-wall:
	./bench/run.sh

# Events mode ("kvmwatch record") against trace-cmd record of the same
# tracepoints and perf kvm stat record, one boot under -icount.
bench-events:
	./bench/run.sh -I -E

# The event rings' producer rate: 63-ring-loss's loss runs, 5 rounds per
# kernel; 6.1 again on the TSC, 6.12 again under -icount (records per
# 10^9 instructions).
bench-ring:
	./bench/ring-rate.sh
	./bench/ring-rate.sh -N -k 6.1 -a tsc=reliable
	./bench/ring-rate.sh -N -I -k 6.12

bench-callgrind:
	$(MAKE) -C bench/callgrind

fuzz:
	$(MAKE) -C fuzz run

install: install-module install-tools

# The distribution's module signing key is never available to an out-of-tree
# build: skip the kernel's signing step (DKMS signs with its own MOK key).
install-module: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=updates INSTALL_MOD_STRIP=1 \
		CONFIG_MODULE_SIG_ALL= modules_install

install-tools: tools
	$(MAKE) -C tools install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)

dkms-install:
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	cp -r $(MODULE_SRC) $(DKMS_SRC)/
	sed -i 's/@VERSION@/$(VERSION)/' $(DKMS_SRC)/dkms.conf
	dkms add kvmwatch/$(VERSION)
	dkms build kvmwatch/$(VERSION) -k $(KVER)
	dkms install kvmwatch/$(VERSION) -k $(KVER)

clean-module:
	-test -f $(KDIR)/Makefile && $(MAKE) -C $(KDIR) M=$(CURDIR) clean

dkms-uninstall:
	-dkms remove kvmwatch/$(VERSION) --all
	rm -rf $(DKMS_SRC)

clean: clean-module
	$(MAKE) -C tools clean
	$(MAKE) -C selftests clean
	$(MAKE) -C bench/callgrind clean
