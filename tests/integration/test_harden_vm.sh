#!/bin/bash
# test_harden_vm.sh - two runs at once and an interrupted rollout with
# real kernel ESP (issue 16, 1 and 2): tests/lab/scenarios/harden_*.sh in
# one run of tests/lab/esp-run (this host if its kernel has ESP, else
# one boot of the QEMU VM).  Outside: count their results.
#   SCENARIOS="harden_lock" limits the run.
. "$(dirname "$0")/lib.sh"
need_root
# shellcheck source=tests/integration/esp_lib.sh
. "$(dirname "$0")/esp_lib.sh"
ALL="harden_lock harden_interrupt"

if [ "${1:-}" = --inside ]; then
	rc=0
	for s in ${TSNET_SCENARIOS:-$ALL}; do
		echo "== scenario $s"
		"$TOP/tests/lab/scenarios/$s.sh" || rc=1
	done
	exit $rc
fi

esp_where
mkdir -p "$TOP/build/th-vm" && cp "$TSNET" "$TOP/build/th-vm/tsnet" ||
	fail_all "cannot copy $TSNET"
TSNET_BIN=$TOP/build/th-vm/tsnet TSNET_SCENARIOS=${SCENARIOS:-} \
	TSNET_VM_TIMEOUT=${TSNET_VM_TIMEOUT:-1500} \
	esp_run "$TOP/build/th-vm/last.log" \
	"$TOP/tests/integration/test_harden_vm.sh" --inside
for s in ${SCENARIOS:-$ALL}; do
	assert_match "scenario $s reported" "^$s: [0-9]+ passed, 0 failed" "$ESP_OUT"
done
assert_eq "inside exit code" 0 "$ESP_RC"
echo "test_harden_vm: $ESP_TOOK s wall time, including the VM boot"
finish
