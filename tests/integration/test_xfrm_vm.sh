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

if [ "${1:-}" = --inside ]; then
	rc=0
	for s in ${TSNET_SCENARIOS:-xfrm_mismatch}; do
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
mkdir -p "$TOP/build/tk-vm" && cp "$TSNET" "$TOP/build/tk-vm/tsnet" ||
	fail_all "cannot copy $TSNET"
TSNET_BIN=$TOP/build/tk-vm/tsnet TSNET_SCENARIOS=${SCENARIOS:-} \
	esp_run "$TOP/build/tk-vm/last.log" \
	"$TOP/tests/integration/test_xfrm_vm.sh" --inside
for s in ${SCENARIOS:-xfrm_mismatch}; do
	assert_match "scenario $s reported" "^$s: [0-9]+ passed, 0 failed" \
		"$ESP_OUT"
done
assert_eq "inside exit code" 0 "$ESP_RC"
echo "test_xfrm_vm: $ESP_TOOK s wall time, including the VM boot"
finish
