#!/bin/bash
# test_verify_vm.sh - live verify and report with real kernel ESP:
# the tests/lab/scenarios/verify_vm.sh scenario, in sequence, in one run
# of tests/lab/esp-run (this host if its kernel has ESP, else one boot
# of the QEMU VM).  Outside: count their results, print timings.
#   SCENARIOS="verify_vm" limits the run.
. "$(dirname "$0")/lib.sh"
need_root
# shellcheck source=tests/integration/esp_lib.sh
. "$(dirname "$0")/esp_lib.sh"

esp_scenarios "$TOP/tests/integration/test_verify_vm.sh" verify_vm "$@"
finish
