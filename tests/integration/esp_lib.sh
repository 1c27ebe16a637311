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
