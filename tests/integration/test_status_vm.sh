#!/bin/bash
# test_status_vm.sh - status and node add/remove with real kernel ESP:
# the tests/lab/scenarios/status_*.sh scenarios, in sequence, in one run
# of tests/lab/esp-run (this host if its kernel has ESP, else one boot
# of the QEMU VM).  Outside: count their results, print timings.
#   SCENARIOS="status_nodes" limits the run.
. "$(dirname "$0")/lib.sh"
need_root
# shellcheck source=tests/integration/esp_lib.sh
. "$(dirname "$0")/esp_lib.sh"

esp_scenarios "$TOP/tests/integration/test_status_vm.sh" status_nodes "$@"
finish
