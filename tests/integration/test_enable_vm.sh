#!/bin/bash
# test_enable_vm.sh - enable-ipsec / disable-ipsec with real kernel ESP:
# the tests/lab/scenarios/enable_*.sh scenarios, in sequence, in one run
# of tests/lab/esp-run (this host if its kernel has ESP, else one boot
# of the QEMU VM).  Outside: count their results, print timings.
#   SCENARIOS="enable_basic" limits the run (default: basic, failure,
#   x509, node_x509 and encap, all in one boot).
. "$(dirname "$0")/lib.sh"
need_root
# shellcheck source=tests/integration/esp_lib.sh
. "$(dirname "$0")/esp_lib.sh"

if [ "${1:-}" = --inside ]; then
	rc=0
	for s in ${TSNET_SCENARIOS:-enable_basic enable_failure enable_x509 node_x509 enable_encap}; do
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
mkdir -p "$TOP/build/te-vm" && cp "$TSNET" "$TOP/build/te-vm/tsnet" ||
	fail_all "cannot copy $TSNET"
# (the log is kept in build/te-vm/last.log)
TSNET_BIN=$TOP/build/te-vm/tsnet TSNET_SCENARIOS=${SCENARIOS:-} \
	TSNET_VM_TIMEOUT=${TSNET_VM_TIMEOUT:-1500} \
	esp_run "$TOP/build/te-vm/last.log" \
	"$TOP/tests/integration/test_enable_vm.sh" --inside
for s in ${SCENARIOS:-enable_basic enable_failure enable_x509 node_x509 enable_encap}; do
	assert_match "scenario $s reported" "^$s: [0-9]+ passed, 0 failed" "$ESP_OUT"
done
assert_eq "inside exit code" 0 "$ESP_RC"
echo "test_enable_vm: $ESP_TOOK s wall time, including the VM boot"
finish
