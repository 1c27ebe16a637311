#!/bin/bash
# test_errors.sh - errors read alike, for every command in main.c's
# table (the internal "agent" aside):
#
#   - a bad option: exactly one stderr line "tsnet: CMD: unknown option
#     '--bogus'; see 'tsnet CMD --help'", nothing on stdout, exit 2;
#   - a missing inventory: one line naming -c FILE, $TSNET_CONFIG and the
#     example in man tsnet-inventory, exit 2;
#   - with --json, every failure (usage, inventory, runtime) leaves
#     exactly one JSON object on stdout whose "exit" is the exit status
#     ({"command","error","exit"} when the command printed no report),
#     and every stderr line starts "tsnet: CMD: ";
#   - in a lab, a node whose remote_tsnet is wrong and one whose
#     namespace is gone are each named once, with the reason, by nodes,
#     probe, preflight, status, disable-ipsec, enable-ipsec and state
#     export, not once per pair; one that fails only the probe is named
#     once by probe and preflight (whose own checks of it stay).
#
# Only the lab part needs root (need_root, after the rest); the runtime
# failures before it use netns nodes whose namespaces do not exist.
. "$(dirname "$0")/lib.sh"

NAME=terr
WORK=$(mktemp -d /tmp/terr.XXXXXX)
cleanup() { "$LAB" down --name $NAME >/dev/null 2>&1; rm -rf "$WORK"; }
trap cleanup EXIT
[ -x "$TSNET" ] || fail_all "no $TSNET (run make)"
command -v jq >/dev/null || fail_all "jq is not installed (make deps)"
cp "$TSNET" "$WORK/tsnet" || fail_all "cannot copy $TSNET"
T=$WORK/tsnet

# run ARGS...: OUT, ERR (without the last newline), NERR, RC.
run() {
	local lines
	"$T" "$@" >"$WORK/out" 2>"$WORK/err"
	RC=$?
	IFS= read -r -d '' OUT <"$WORK/out"
	IFS= read -r -d '' ERR <"$WORK/err"
	OUT=${OUT%$'\n'}
	ERR=${ERR%$'\n'}
	mapfile -t lines <"$WORK/err"
	NERR=${#lines[@]}
}

# json_one WHAT: stdout is exactly one JSON object whose "exit" is $RC.
json_one() {
	local n ex
	n=$(printf '%s' "$OUT" | jq -s 'length' 2>/dev/null)
	ex=$(printf '%s' "$OUT" | jq -s -r '.[0].exit' 2>/dev/null)
	assert_eq "$1: one JSON object on stdout" 1 "${n:-not JSON}"
	assert_eq "$1: its exit is the exit status" "$RC" "$ex"
}

# json_error WHAT CMD: that object is the error object, with stderr's
# first line as its error.
json_error() {
	local want=${ERR%%$'\n'*}
	want=${want#"tsnet: $2: "}
	[ -n "$2" ] || want=${want#tsnet: }
	assert_eq "$1: {command, error, exit}" \
		"$(jq -cn --arg c "$2" --arg e "$want" --argjson x "$RC" \
			'{command: (if $c == "" then null else $c end),
			  error: $e, exit: $x}')" \
		"$(printf '%s' "$OUT" | jq -c . 2>/dev/null)"
}

# prefixed WHAT CMD: every stderr line starts "tsnet: CMD: ".
prefixed() {
	local bad
	bad=$(grep -cv "^tsnet: $2: " "$WORK/err")
	assert_eq "$1: every stderr line starts 'tsnet: $2: '" 0 "$bad"
}

# The commands: main.c's table, which `tsnet help` must list whole.
table=$(grep -o '{ "[a-z-]*", [a-z_]*_main' "$TOP/main.c" |
	sed 's/{ "\([a-z-]*\)".*/\1/' | grep -vx agent)
listed=$("$T" help | awk '/^  [a-z]/ {print $1}')
assert_eq "help lists main.c's table" "$(echo $table)" "$(echo $listed)"
[ "$(echo "$table" | wc -w)" -ge 12 ] || not_ok "main.c's table: $table"

# What gets each command past its own arguments to the inventory.
args_for() {
	case $1 in
	inventory) echo check ;;
	cloud) echo azure ;;
	state) echo "export $WORK/export.json" ;;
	node) echo "add n9 198.18.7.9" ;;
	report) echo "-o $WORK/report.tar.gz" ;;
	verify) echo "--read $WORK/none.pcap" ;;
	esac
}

echo "# a bad option: one line, exit 2"
for c in $table; do
	run "$c" --bogus
	assert_eq "$c --bogus: exit" 2 "$RC"
	assert_eq "$c --bogus: the one line" \
		"tsnet: $c: unknown option '--bogus'; see 'tsnet $c --help'" "$ERR"
	assert_eq "$c --bogus: nothing on stdout" "" "$OUT"
	run --json "$c" --bogus
	assert_eq "--json $c --bogus: exit" 2 "$RC"
	assert_eq "--json $c --bogus: the line on stderr still" 1 "$NERR"
	json_error "--json $c --bogus" "$c"
	# getopt stops at the bad option: a --json after it counts too
	run "$c" --bogus --json
	json_error "$c --bogus --json" "$c"
done
run probe --timeout
assert_eq "a missing argument" \
	"tsnet: probe: option '--timeout' needs an argument; see 'tsnet probe --help'" "$ERR"
run probe -x
assert_eq "a short option" \
	"tsnet: probe: unknown option '-x'; see 'tsnet probe --help'" "$ERR"
run status --json=1
assert_eq "an argument where none goes" \
	"tsnet: status: option '--json' takes no argument; see 'tsnet status --help'" "$ERR"
run preflight extra
assert_eq "an extra argument" \
	"tsnet: preflight: unexpected argument 'extra'; see 'tsnet preflight --help'" "$ERR"
run node
assert_eq "no subcommand" \
	"tsnet: node: missing subcommand (add or remove); see 'tsnet node --help'" "$ERR"
run --bogus probe
assert_eq "a bad global option: one line" \
	"tsnet: unknown option '--bogus'; see 'tsnet --help'" "$ERR"
assert_eq "a bad global option: exit" 2 "$RC"
run --json no-such-command
assert_eq "an unknown command: one line" \
	"tsnet: unknown command 'no-such-command'; see 'tsnet --help'" "$ERR"
json_error "--json, an unknown command" ""
run
assert_eq "no command: one line, not the help" \
	"tsnet: no command; see 'tsnet --help'" "$ERR"

echo "# a missing inventory: how to give one, exit 2"
none=$WORK/none.conf
for c in $table; do
	case $c in help | version) continue ;; esac
	# shellcheck disable=SC2046 # the arguments split on purpose
	TSNET_CONFIG=$none run "$c" $(args_for "$c")
	assert_eq "$c, no inventory: exit" 2 "$RC"
	assert_eq "$c, no inventory: the one line" \
		"tsnet: $c: no inventory: $none does not exist; give one with -c FILE or \$TSNET_CONFIG (an example is in man tsnet-inventory)" "$ERR"
	# shellcheck disable=SC2046
	run -c "$none" "$c" $(args_for "$c") --json
	assert_eq "$c --json, no inventory: exit" 2 "$RC"
	json_error "$c --json, no inventory" "$c"
done
if [ ! -e /etc/tsnet/cluster.conf ]; then
	env -u TSNET_CONFIG "$T" probe >/dev/null 2>"$WORK/err"
	assert_eq "the default inventory, missing" \
		"tsnet: probe: no inventory: /etc/tsnet/cluster.conf does not exist; give one with -c FILE or \$TSNET_CONFIG (an example is in man tsnet-inventory)" \
		"$(cat "$WORK/err")"
fi
printf '[cluster]\nname = c\n[node a]\nadress = 198.18.7.1\n' >"$WORK/typo.conf"
run -c "$WORK/typo.conf" --json status
assert_eq "a bad inventory: file:line" \
	"tsnet: status: $WORK/typo.conf:4: unknown key 'adress' (did you mean 'address'?)" "$ERR"
json_error "--json, a bad inventory" status

echo "# --json and a runtime failure: one JSON object, its exit the status"
gone() {	# an inventory of two netns nodes whose namespaces do not exist
	printf '[cluster]\nname = gone\ntransport = netns\n'
	printf '[node a]\naddress = 198.18.7.1\nnetns = %s-gone-a\n' $NAME
	printf '[node b]\naddress = 198.18.7.2\nnetns = %s-gone-b\n' $NAME
}
for c in nodes probe preflight status disable-ipsec enable-ipsec \
	"state export $WORK/export.json" "node add c 198.18.7.3" \
	"cloud auto --dmi-root $WORK" "verify --read $WORK/none.pcap" \
	"report -o $WORK/report.tar.gz"; do
	gone >"$WORK/gone.conf"
	# shellcheck disable=SC2086
	run -c "$WORK/gone.conf" --json $c
	name=${c%% *}
	[ "$RC" -ne 0 ] && ok "--json $name fails" ||
		not_ok "--json $name fails: exit $RC"
	json_one "--json $name"
	prefixed "--json $name" "$name"
	case $name in state | cloud | verify)	# no report: the error object
		json_error "--json $name" "$name" ;;
	esac
done

echo "# an unreachable node is named once, with the reason"
need_root
LAB_QUIET=1 "$LAB" up 4 --name $NAME >/dev/null || fail_all "lab up 4"
# n1, n2 are fine; n3's remote_tsnet does not exist; n4 answers everything
# but the probe (preflight's own checks pass there); n5's namespace is
# gone.
cat >"$WORK/n4-tsnet" <<EOF
#!/bin/sh
case " \$* " in *" probe-window "*)
	echo "tsnet: agent probe-window: terr-simulated failure" >&2
	exit 3 ;;
esac
exec "$T" "\$@"
EOF
chmod 755 "$WORK/n4-tsnet"
sed "s|^remote_tsnet = .*|remote_tsnet = $T|" \
	"$("$LAB" inventory --name $NAME)" |
	awk -v n4="$WORK/n4-tsnet" '{ print }
		/^\[node n3\]/ { print "remote_tsnet = /nonexistent/terr-tsnet" }
		/^\[node n4\]/ { print "remote_tsnet = " n4 }' \
	>"$WORK/lab.conf"
printf '\n[node n5]\naddress = 198.18.1.5\nnetns = %s-gone\n' $NAME \
	>>"$WORK/lab.conf"
why3="remote_tsnet = /nonexistent/terr-tsnet: No such file or directory"
why5="network namespace '$NAME-gone' does not exist"
for c in nodes probe preflight status disable-ipsec enable-ipsec \
	"state export $WORK/lab-export.json"; do
	name=${c%% *}
	# shellcheck disable=SC2086
	all=$("$T" -c "$WORK/lab.conf" $c 2>&1)
	rc=$?
	printf '%s\n' "$all" >"$WORK/$name.out"
	assert_eq "$name: exit 3" 3 "$rc"
	# occurrences, not lines: a line may repeat it too
	assert_eq "$name: n3's reason once" 1 \
		"$(grep -oF -- "No such file or directory" "$WORK/$name.out" | wc -l)"
	assert_match "$name: it names what could not run" "$why3" "$all"
	assert_eq "$name: n5's reason once" 1 \
		"$(grep -oF -- "$why5" "$WORK/$name.out" | wc -l)"
	assert_nomatch "$name: no pair repeats it" \
		"n[0-9] -> n[345]: |n[345] -> n[0-9]: |did not answer" "$all"
done
for name in probe preflight; do
	assert_eq "$name: n4's probe failure once" 1 \
		"$(grep -oF "terr-simulated failure" "$WORK/$name.out" | wc -l)"
	assert_match "$name: n4 named with it" \
		"n4 could not (run the probe|be checked): .*agent probe-window: terr-simulated failure" \
		"$(cat "$WORK/$name.out")"
	# the pairs of the nodes that failed read error, the others were
	# probed
	assert_match "$name: n1 -> n2 was probed" \
		"^n1 +- +ok +error +error +error" "$(cat "$WORK/$name.out")"
done
assert_match "probe: n3 named with it" "n3 could not be (reached|checked): .*$why3" \
	"$(cat "$WORK/probe.out")"
assert_match "preflight: n4's checks are there too" "kernel.xfrm +ok on 3 nodes" \
	"$(cat "$WORK/preflight.out")"
assert_nomatch "preflight: not 'the probe matrix could not run'" \
	"probe matrix could not run" "$(cat "$WORK/preflight.out")"
assert_match "status: n1-n3 unknown, no detail" "^n1-n3 +unknown *$" \
	"$(cat "$WORK/status.out")"
run -c "$WORK/lab.conf" --json probe
json_one "probe --json, n3 n4 n5 failed"
assert_eq "probe --json: the nodes that failed" "n3 n4 n5" \
	"$(printf '%s' "$OUT" | jq -r '[.nodes[] | select(.error) | .node] | join(" ")')"
assert_eq "probe --json: no problem lists the pairs of n3 or n5" 0 \
	"$(printf '%s' "$OUT" | jq '[.problems[] | select(.what | test("-> n[35]|n[35] ->"))] | length')"
finish
