#!/bin/bash
# test_enable_vm.sh - enable-ipsec / disable-ipsec with real kernel ESP:
# the tests/lab/scenarios/enable_*.sh scenarios, in sequence, in one run
# of tests/lab/esp-run (this host if its kernel has ESP, else one boot
# of the QEMU VM).  Outside: count their results, print timings.
#   SCENARIOS="enable_basic" limits the run (default: basic, failure,
#   x509, node_x509 and encap, all in one boot).
. "$(dirname "$0")/lib.sh"

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

why=$("$TOP/tests/lab/esp-run" --check /bin/true 2>&1)
[ $? -ne 77 ] || skip_all "$why"
echo "$why"
# Others rebuild ./tsnet at any time: the scenarios run a private copy
# inside the repository (which the VM sees).
mkdir -p "$TOP/build/te-vm" && cp "$TSNET" "$TOP/build/te-vm/tsnet" || exit 1
start=$(date +%s)
# (the log streams to build/te-vm/last.log while it runs)
out=$(TSNET_BIN=$TOP/build/te-vm/tsnet TSNET_SCENARIOS=${SCENARIOS:-} \
	TSNET_VM_TIMEOUT=${TSNET_VM_TIMEOUT:-1500} \
	"$TOP/tests/lab/esp-run" "$TOP/tests/integration/test_enable_vm.sh" \
	--inside 2>&1 | tee "$TOP/build/te-vm/last.log"; exit "${PIPESTATUS[0]}")
rc=$?
took=$(($(date +%s) - start))
printf '%s\n' "$out" | sed 's/^/  vm| /'
while IFS= read -r line; do
	# a progress line on the VM's console (its tty) ends in ESC[K, not
	# a newline: the result that follows shares its line
	line=${line##*$'\e[K'}
	case $line in
	"  ok   "*) ok "inside: ${line#  ok   }" ;;
	"  FAIL "*) not_ok "inside: ${line#  FAIL }" ;;
	esac
done <<<"$out"
for s in ${SCENARIOS:-enable_basic enable_failure enable_x509 node_x509 enable_encap}; do
	assert_match "scenario $s reported" "^$s: [0-9]+ passed" "$out"
done
assert_eq "inside exit code" 0 "$rc"
echo "test_enable_vm: $took s wall time, including the VM boot"
finish
