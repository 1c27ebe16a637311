#!/bin/bash
# test_status_vm.sh - status and node add/remove with real kernel ESP:
# the tests/lab/scenarios/status_*.sh scenarios, in sequence, in one run
# of tests/lab/esp-run (this host if its kernel has ESP, else one boot
# of the QEMU VM).  Outside: count their results, print timings.
#   SCENARIOS="status_nodes" limits the run.
. "$(dirname "$0")/lib.sh"

if [ "${1:-}" = --inside ]; then
	rc=0
	for s in ${TSNET_SCENARIOS:-status_nodes}; do
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
mkdir -p "$TOP/build/tb-vm" && cp "$TSNET" "$TOP/build/tb-vm/tsnet" || exit 1
start=$(date +%s)
out=$(TSNET_BIN=$TOP/build/tb-vm/tsnet TSNET_SCENARIOS=${SCENARIOS:-} \
	"$TOP/tests/lab/esp-run" "$TOP/tests/integration/test_status_vm.sh" \
	--inside 2>&1)
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
assert_match "every scenario reported" '^status_nodes: [0-9]+ passed' "$out"
assert_eq "inside exit code" 0 "$rc"
echo "test_status_vm: $took s wall time, including the VM boot"
finish
