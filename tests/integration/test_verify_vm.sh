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

if [ "${1:-}" = --inside ]; then
	rc=0
	for s in ${TSNET_SCENARIOS:-verify_vm}; do
		start=$(date +%s)
		echo "== scenario $s"
		"$TOP/tests/lab/scenarios/$s.sh" || rc=1
		echo "# timing: scenario $s took $(($(date +%s) - start)) s"
	done
	exit $rc
fi

esp_where
# Others rebuild ./tsnet at any time: the scenarios run a private copy
# inside the repository (which the VM sees).
mkdir -p "$TOP/build/tv-vm" && cp "$TSNET" "$TOP/build/tv-vm/tsnet" ||
	fail_all "cannot copy $TSNET"
TSNET_BIN=$TOP/build/tv-vm/tsnet TSNET_SCENARIOS=${SCENARIOS:-} \
	esp_run "$TOP/build/tv-vm/last.log" \
	"$TOP/tests/integration/test_verify_vm.sh" --inside
for s in ${SCENARIOS:-verify_vm}; do
	assert_match "scenario $s reported" "^$s: [0-9]+ passed, 0 failed" \
		"$ESP_OUT"
done
assert_eq "inside exit code" 0 "$ESP_RC"
echo "test_verify_vm: $ESP_TOOK s wall time, including the VM boot"
finish
