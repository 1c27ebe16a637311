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
	local log=$1 start line id where
	shift
	start=$(date +%s)
	"$TOP/tests/lab/esp-run" "$@" 2>&1 | tee "$log" | sed -u 's/^/  vm| /'
	# shellcheck disable=SC2034 # read by the scripts that source this
	ESP_RC=${PIPESTATUS[0]} ESP_TOOK=$(($(date +%s) - start))
	# a progress line on the VM's console (its tty) ends in ESC[K, not
	# a newline: the result that follows shares its line
	ESP_OUT=$(sed 's/.*\x1b\[K//' "$log")
	# each result named by the scenario it came from ("== scenario S")
	where=inside
	while IFS= read -r line; do
		case $line in
		"== scenario "*) where="inside: ${line#== scenario }" ;;
		"  ok   "*) ok "$where: ${line#  ok   }" ;;
		"  FAIL "*) not_ok "$where: ${line#  FAIL }" ;;
		"  SKIP "*)
			line=${line#  SKIP }
			id=${line%%: *}
			skip_check "$id" "$where: ${line#"$id": }"
			;;
		esac
	done <<<"$ESP_OUT"
}

# vm_state: what the scenarios may change in the machine they run in, one
# item a line: the network namespaces and labs, this namespace's XFRM
# states and policies and nftables ruleset, tsnet's and swanctl's files,
# and (in the VM) the daemons the scenarios start.
vm_state() {
	echo "netns: $(ip netns list | cut -d' ' -f1 | sort | tr '\n' ' ')"
	echo "labs: $(find /run/tsnet-lab -mindepth 1 -maxdepth 1 ! -name '.*' \
		-printf '%f ' 2>/dev/null)"
	echo "xfrm states: $(ip xfrm state | grep -c '^src ')"
	echo "xfrm policies: $(ip xfrm policy | grep -c '^src ')"
	echo "nft ruleset: $(nft list ruleset | md5sum | cut -c1-12)"
	echo "files: $(find /etc/swanctl/conf.d /var/lib/tsnet /run/tsnet \
		-mindepth 1 ! -name cluster.lock -printf '%p ' 2>/dev/null)"
	[ -z "${TSNET_IN_VM:-}" ] ||
		echo "daemons: $(esp_daemons | tr '\n' ' ')"
}
# esp_daemons: the pids of what the scenarios start (pgrep takes no
# pattern longer than 15 characters); a zombie is gone already
esp_daemons() {
	ps -e -o pid=,stat=,comm= |
		awk '$2 !~ /^Z/ && $3 ~ /^(charon|sshd|tcpdump|tsnet|iperf3|socat|python3|ping)$/ { print $1 }'
}

# vm_reset: undo what a scenario left, back to $ESP_BOOTED: labs down,
# new namespaces deleted; in the VM (nothing else runs there) also XFRM
# flushed, the booted ruleset reloaded, new daemons killed, new files
# removed.  On a host with ESP, where others may run, only the first two.
vm_reset() {
	local d f p
	for d in /run/tsnet-lab/*/; do
		[ -d "$d" ] && "$LAB" down --name "$(basename "$d")" >/dev/null 2>&1
	done
	for d in $(ip netns list | cut -d' ' -f1); do
		grep -q "^netns:.* $d " <<<" $ESP_BOOTED" || ip netns del "$d"
	done
	[ -n "${TSNET_IN_VM:-}" ] || return 0
	for p in $(esp_daemons); do
		grep -q "^daemons:.* $p " <<<" $ESP_BOOTED" || kill -9 "$p"
	done
	for _ in $(seq 20); do	# gone, not only signalled
		[ "$(esp_daemons)" = "$(sed -n 's/^daemons: //p' <<<"$ESP_BOOTED" |
			tr ' ' '\n' | sed '/^$/d')" ] && break
		sleep 0.1
	done
	ip xfrm state flush
	ip xfrm policy flush
	nft flush ruleset && nft -f "$ESP_RULESET"
	find /etc/swanctl/conf.d /var/lib/tsnet /run/tsnet -mindepth 1 \
		-maxdepth 1 ! -name cluster.lock 2>/dev/null |
	while IFS= read -r f; do
		grep -qF " $f " <<<"$(grep '^files:' <<<"$ESP_BOOTED") " ||
			rm -rf "$f"
	done
}

# esp_reset_works: the check between scenarios can fail, and vm_reset
# undoes what it sees: a namespace, an XFRM state and policy and an
# nftables table and a process left on purpose (in the VM only).
esp_reset_works() {
	ip netns add espjunk &&
	ip xfrm state add src 198.18.0.1 dst 198.18.0.2 proto esp \
		spi 0x00001000 reqid 1 mode transport \
		aead 'rfc4106(gcm(aes))' 0x0123456789abcdef0123456789abcdef0123456789abcdef01234567 128 &&
	ip xfrm policy add src 198.18.0.1 dst 198.18.0.2 dir out \
		tmpl src 198.18.0.1 dst 198.18.0.2 proto esp reqid 1 mode transport &&
	nft add table inet espjunk
	python3 -c 'import time; time.sleep(120)' &
	sleep 0.5	# exec'd, named python3
	assert_eq "the reset's own check: junk left on purpose is seen" \
		"netns xfrm-states xfrm-policies nft daemons" \
		"$(diff <(echo "$ESP_BOOTED") <(vm_state) |
		   sed -n 's/^> \([a-z]*\)\( [a-z]*\)\{0,1\}: .*/\1\2/p' |
		   tr ' ' '-' | sed 's/-ruleset//' | tr '\n' ' ' | sed 's/ $//')"
	vm_reset
	wait 2>/dev/null
	assert_eq "the reset's own check: vm_reset undoes it" \
		"$(tr '\n' ';' <<<"$ESP_BOOTED")" "$(vm_state | tr '\n' ';')"
}

# esp_inside SCENARIO...: each scenario in turn, from the state the VM
# booted in: whatever one leaves behind is named, undone, and the state
# checked to be as booted again before the next starts.  Exit 1 when one
# failed.
esp_inside() {
	local s start rc=0 now
	ESP_RULESET=$(mktemp /tmp/esp-ruleset.XXXXXX)
	nft list ruleset >"$ESP_RULESET"
	ESP_BOOTED=$(vm_state)
	printf '# the VM as booted:\n%s\n' "$ESP_BOOTED" | sed 's/^\([^#]\)/#   \1/'
	[ -z "${TSNET_IN_VM:-}" ] || esp_reset_works
	for s in "$@"; do
		start=$(date +%s)
		echo "== scenario $s"
		"$TOP/tests/lab/scenarios/$s.sh" || rc=1
		echo "# timing: scenario $s took $(($(date +%s) - start)) s"
		start=$(date +%s)
		now=$(vm_state)
		if [ "$now" != "$ESP_BOOTED" ]; then
			echo "# $s left behind (undone now):"
			diff <(echo "$ESP_BOOTED") <(echo "$now") | sed -n 's/^> /#   /p'
			vm_reset
			now=$(vm_state)
		fi
		assert_eq "afterwards the VM is as booted (no lab, namespace, XFRM state or policy, tsnet file or daemon left; the ruleset as booted)" \
			"$(tr '\n' ';' <<<"$ESP_BOOTED")" "$(tr '\n' ';' <<<"$now")"
		[ "$now" = "$ESP_BOOTED" ] || rc=1
		echo "# timing: the check (and reset) after $s took $(($(date +%s) - start)) s"
	done
	rm -f "$ESP_RULESET"
	return $rc
}

# esp_scenarios SCRIPT DEFAULT [--inside]: the whole of a test that runs
# tests/lab/scenarios/*.sh with kernel ESP, all in one boot of the VM.
# Inside (esp-run calls SCRIPT back with --inside): esp_inside on each
# scenario of $TSNET_SCENARIOS (default DEFAULT); exit 1 when one failed.
# Outside: SCRIPT through esp_run with a private copy of tsnet in the
# repository (which the VM sees; others rebuild ./tsnet at any time),
# each scenario's summary and the exit code checked.  SCENARIOS limits
# the run.
esp_scenarios() {
	local script=$1 default=$2 name s
	name=$(basename "$script" .sh)
	if [ "${3:-}" = --inside ]; then
		# shellcheck disable=SC2086 # a list of names
		esp_inside ${TSNET_SCENARIOS:-$default}
		exit
	fi
	esp_where
	mkdir -p "$TOP/build/$name" &&
		cp "$TSNET" "$TOP/build/$name/tsnet" ||
		fail_all "cannot copy $TSNET"
	# under run-integration's 900 s, so that a hang is the VM's message
	TSNET_BIN=$TOP/build/$name/tsnet TSNET_SCENARIOS=${SCENARIOS:-} \
		TSNET_VM_TIMEOUT=${TSNET_VM_TIMEOUT:-870} \
		esp_run "$TOP/build/$name/last.log" "$script" --inside
	for s in ${SCENARIOS:-$default}; do
		assert_match "scenario $s reported" \
			"^$s: [0-9]+ passed, 0 failed" "$ESP_OUT"
	done
	assert_eq "inside exit code" 0 "$ESP_RC"
	echo "$name: $ESP_TOOK s wall time, including the VM boot"
}
