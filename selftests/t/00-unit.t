#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Pure userspace logic, no VM: reason tables, formatting, uapi layout, CLI.
exec make -s -C "$(dirname "$0")/../unit" check
