#!/bin/bash
# test_throughput_vm.sh - tsnet throughput before and after enable-ipsec
# with real kernel ESP: tests/lab/scenarios/throughput_esp.sh through
# tests/lab/esp-run (this host if its kernel has ESP, else one boot of
# the QEMU VM).  Outside: count its results.
. "$(dirname "$0")/lib.sh"
need_root
# shellcheck source=tests/integration/esp_lib.sh
. "$(dirname "$0")/esp_lib.sh"

esp_where
# Others rebuild ./tsnet at any time: the scenario runs a private copy
# inside the repository (which the VM sees).
mkdir -p "$TOP/build/tt-vm" && cp "$TSNET" "$TOP/build/tt-vm/tsnet" ||
	fail_all "cannot copy $TSNET"
TSNET_BIN=$TOP/build/tt-vm/tsnet \
	TSNET_VM_TIMEOUT=${TSNET_VM_TIMEOUT:-1200} \
	esp_run "$TOP/build/tt-vm/last.log" \
	"$TOP/tests/lab/scenarios/throughput_esp.sh"
assert_match "scenario reported" "^throughput_esp: [0-9]+ passed, 0 failed" "$ESP_OUT"
assert_eq "inside exit code" 0 "$ESP_RC"
echo "test_throughput_vm: $ESP_TOOK s wall time, including the VM boot"
finish
