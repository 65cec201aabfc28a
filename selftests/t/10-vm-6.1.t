#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Debian 6.1 under QEMU/TCG, kvm_amd, every in-VM test.
exec "$(dirname "$0")/../rig/boot.sh" -k 6.1
