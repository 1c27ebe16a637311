# shellcheck shell=bash
# esp_lib.sh - sourced (after lib.sh) by the scripts whose checks need
# kernel ESP: tests/lab/esp-run runs them on this host when its kernel has
# ESP, else in the QEMU VM.  Here: where that is, and the run itself, its
# output streaming as it comes and its results counted in this script.

# esp_where: say where the run would go.  esp-run exits 77 only when this
# host cannot run the VM at all (no qemu or no kernel image: packages
# make deps installs), a named skip; anything else it fails with is ours.
esp_where() {
	local why rc
	why=$("$TOP/tests/lab/esp-run" --check /bin/true 2>&1)
	rc=$?
	case $rc in
	0 | 1) echo "$why" ;;
	77) skip_all "$why" ;;
	*) fail_all "esp-run --check failed (exit $rc): $why" ;;
	esac
}

# esp_run LOG CMD [ARG...]: CMD through esp-run, each line shown with
# "  vm| " before it as it comes, and kept in LOG.  Counts the "ok",
# "FAIL" and "SKIP" lines it printed here; sets ESP_RC (its exit code),
# ESP_TOOK (seconds, the VM's boot included) and ESP_OUT (its output,
# each line from its last ESC[K on).
esp_run() {
	local log=$1 start line id
	shift
	start=$(date +%s)
	"$TOP/tests/lab/esp-run" "$@" 2>&1 | tee "$log" | sed -u 's/^/  vm| /'
	# shellcheck disable=SC2034 # read by the scripts that source this
	ESP_RC=${PIPESTATUS[0]} ESP_TOOK=$(($(date +%s) - start))
	# a progress line on the VM's console (its tty) ends in ESC[K, not
	# a newline: the result that follows shares its line
	ESP_OUT=$(sed 's/.*\x1b\[K//' "$log")
	while IFS= read -r line; do
		case $line in
		"  ok   "*) ok "inside: ${line#  ok   }" ;;
		"  FAIL "*) not_ok "inside: ${line#  FAIL }" ;;
		"  SKIP "*)
			line=${line#  SKIP }
			id=${line%%: *}
			skip_check "$id" "inside: ${line#"$id": }"
			;;
		esac
	done <<<"$ESP_OUT"
}

# esp_scenarios SCRIPT DEFAULT [--inside]: the whole of a test that runs
# tests/lab/scenarios/*.sh with kernel ESP.  Inside (esp-run calls SCRIPT
# back with --inside): each scenario of $TSNET_SCENARIOS (default DEFAULT)
# in turn, its time printed; exit 1 when one failed.  Outside: SCRIPT
# through esp_run with a private copy of tsnet in the repository (which
# the VM sees; others rebuild ./tsnet at any time), each scenario's
# summary and the exit code checked.  SCENARIOS limits the run.
esp_scenarios() {
	local script=$1 default=$2 name s start rc=0
	name=$(basename "$script" .sh)
	if [ "${3:-}" = --inside ]; then
		for s in ${TSNET_SCENARIOS:-$default}; do
			start=$(date +%s)
			echo "== scenario $s"
			"$TOP/tests/lab/scenarios/$s.sh" || rc=1
			echo "# timing: scenario $s took $(($(date +%s) - start)) s"
		done
		exit $rc
	fi
	esp_where
	mkdir -p "$TOP/build/$name" &&
		cp "$TSNET" "$TOP/build/$name/tsnet" ||
		fail_all "cannot copy $TSNET"
	TSNET_BIN=$TOP/build/$name/tsnet TSNET_SCENARIOS=${SCENARIOS:-} \
		esp_run "$TOP/build/$name/last.log" "$script" --inside
	for s in ${SCENARIOS:-$default}; do
		assert_match "scenario $s reported" \
			"^$s: [0-9]+ passed, 0 failed" "$ESP_OUT"
	done
	assert_eq "inside exit code" 0 "$ESP_RC"
	echo "$name: $ESP_TOOK s wall time, including the VM boot"
}
