#!/bin/bash
# test_xfrm_vm.sh - the kernel's side of IPsec with real kernel ESP:
# the tests/lab/scenarios/xfrm_*.sh scenarios, in sequence, in one run
# of tests/lab/esp-run (this host if its kernel has ESP, else one boot
# of the QEMU VM).  Outside: count their results, print timings.
#   SCENARIOS="xfrm_mismatch" limits the run.
. "$(dirname "$0")/lib.sh"
need_root
# shellcheck source=tests/integration/esp_lib.sh
. "$(dirname "$0")/esp_lib.sh"

esp_scenarios "$TOP/tests/integration/test_xfrm_vm.sh" xfrm_mismatch "$@"
finish
