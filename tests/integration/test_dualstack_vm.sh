#!/bin/bash
# test_dualstack_vm.sh - enable-ipsec, live verify, status and
# disable-ipsec on a dual-stack cluster with real kernel ESP: the
# tests/lab/scenarios/dualstack_vm.sh scenario in one run of
# tests/lab/esp-run (this host if its kernel has ESP, else the QEMU VM).
. "$(dirname "$0")/lib.sh"
need_root
# shellcheck source=tests/integration/esp_lib.sh
. "$(dirname "$0")/esp_lib.sh"

esp_scenarios "$TOP/tests/integration/test_dualstack_vm.sh" dualstack_vm "$@"
finish
