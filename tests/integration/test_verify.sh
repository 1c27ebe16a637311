#!/bin/bash
# test_verify.sh - `tsnet verify --read` on crafted captures, counts
# asserted exactly: tests/helpers/gen_capture writes a capture and prints
# what it wrote; verify's JSON must say the same, on every link type,
# IPv4 and IPv6, with fragments and AH, as pcap and as pcapng (editcap),
# from a file and from standard input.  tshark, dissecting the same
# captures, must count each class as verify does.  Then the inventory's
# pairs, the report's words, and every error path with its exit code.
# Needs no root and no network.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

GEN=$TOP/build/helpers/gen_capture
TMP=$(mktemp -d /tmp/tsnet-verify.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
for t in "$TSNET" "$GEN"; do
	[ -x "$t" ] || fail_all "no $t (make tsnet helpers)"
done
for t in jq editcap tshark; do
	command -v $t >/dev/null || fail_all "$t is not installed (make deps)"
done
# V: verify without an inventory.  Without -c it reads the default one
# when there is one; on such a host, an inventory of one address no
# capture has, with --all-pairs, reports the same pairs.
unset TSNET_CONFIG
printf '[cluster]\nname = far\ntransport = local\n[node far]\naddress = 198.19.255.1\n' \
	>"$TMP/far.conf"
V() {
	if [ -e /etc/tsnet/cluster.conf ]; then
		"$TSNET" -c "$TMP/far.conf" verify --all-pairs "$@"
	else
		"$TSNET" verify "$@"
	fi
}
I() { "$TSNET" verify "$@"; }	# with the inventory the test gives

# same_counts WHAT WANT GOT: verify's JSON says what the generator wrote.
same_counts() {
	local what=$1 want=$2 got=$3
	assert_eq "$what: totals" "$(jq -cS .totals <<<"$want")" \
		"$(jq -cS .totals <<<"$got")"
	assert_eq "$what: pairs" "$(jq .pairs <<<"$want")" \
		"$(jq '.pairs | length' <<<"$got")"
	assert_eq "$what: leaking pairs" "$(jq .leak_pairs <<<"$want")" \
		"$(jq '[.pairs[] | select(.verdict == "LEAK")] | length' <<<"$got")"
	assert_eq "$what: pair counts add up to the totals" \
		"$(jq '.totals.esp + .totals.ah + .totals.cleartext' <<<"$want")" \
		"$(jq '[.pairs[] | .esp + .ah + .cleartext] | add' <<<"$got")"
}

# Every link type, both families, fragments and AH.
for link in eth vlan qinq sll sll2 raw null loop; do
	for fam in "" -6; do
		f=$TMP/$link$fam.pcap
		# shellcheck disable=SC2086 # the family flag, or none
		want=$("$GEN" -n 3000 -H 8 -L 2 -f -a -l "$link" $fam -o "$f")
		got=$(V --read "$f" --json)
		rc=$?
		same_counts "$link${fam:- -4}" "$want" "$got"
		assert_eq "$link${fam:- -4}: exit 1 (leaks)" 1 "$rc"
	done
done

# Fragments: every later fragment of ESP-in-UDP is counted as esp_in_udp
# (the generator sends every 50th as two; without attribution they would
# be cleartext leaks on pairs that have none).
want=$("$GEN" -n 5000 -H 8 -L 1 -f -e -o "$TMP/frag.pcap")
got=$(V --read "$TMP/frag.pcap" --json)
assert_eq "fragments of ESP-in-UDP: no cleartext" 0 "$(jq .totals.cleartext <<<"$got")"
assert_eq "fragments of ESP-in-UDP: all counted" \
	"$(jq .totals.esp_in_udp <<<"$want")" "$(jq .totals.esp_in_udp <<<"$got")"

# pcapng, as editcap writes it; standard input.
want=$("$GEN" -n 3000 -H 8 -L 2 -a -o "$TMP/a.pcap")
editcap -F pcapng "$TMP/a.pcap" "$TMP/a.pcapng"
got=$(V --read "$TMP/a.pcapng" --json)
same_counts "pcapng" "$want" "$got"
assert_eq "pcapng: the same first leak as the pcap" \
	"$(V --read "$TMP/a.pcap" --json | jq -c '.pairs[0].first_cleartext')" \
	"$(jq -c '.pairs[0].first_cleartext' <<<"$got")"
got=$(V --read - --json <"$TMP/a.pcap")
same_counts "standard input" "$want" "$got"

# tshark dissects the same packets into the same classes (no fragments:
# tshark reassembles them, verify counts each frame).
for fam in "" -6; do
	# shellcheck disable=SC2086
	"$GEN" -n 3000 -H 8 -L 2 -a $fam -o "$TMP/ts.pcap" >/dev/null
	got=$(V --read "$TMP/ts.pcap" --json)
	tcount() { tshark -r "$TMP/ts.pcap" -Y "$1" 2>/dev/null | wc -l; }
	assert_eq "tshark agrees${fam}: esp" "$(jq .totals.esp <<<"$got")" "$(tcount 'esp && !udp')"
	assert_eq "tshark agrees${fam}: esp_in_udp" "$(jq .totals.esp_in_udp <<<"$got")" "$(tcount 'udp && esp')"
	assert_eq "tshark agrees${fam}: ike" "$(jq .totals.ike <<<"$got")" "$(tcount isakmp)"
	assert_eq "tshark agrees${fam}: nat_keepalive" "$(jq .totals.nat_keepalive <<<"$got")" \
		"$(tcount 'udpencap && !esp && !isakmp')"
	assert_eq "tshark agrees${fam}: ah" "$(jq .totals.ah <<<"$got")" "$(tcount ah)"
	assert_eq "tshark agrees${fam}: cleartext" "$(jq .totals.cleartext <<<"$got")" \
		"$(tcount '!esp && !isakmp && !udpencap && !ah')"
	assert_eq "tshark agrees${fam}: pairs" "$(jq '.pairs | length' <<<"$got")" \
		"$(tshark -r "$TMP/ts.pcap" -q -z "conv,${fam:+ipv6}${fam:-ip}" 2>/dev/null | grep -c '<->')"
done

# Encrypted only: exit 0, and the verdict says so first.
"$GEN" -n 2000 -H 8 -L 1 -e -o "$TMP/enc.pcap" >/dev/null
out=$(V --read "$TMP/enc.pcap")
assert_eq "encrypted capture: exit 0" 0 $?
assert_match "encrypted capture: the verdict first" \
	"^encrypted: every pair that sent packets is encrypted \(28 of 28 pairs" \
	"$(head -1 <<<"$out")"

# The report names the leak: protocol, addresses, ports, direction, count.
out=$(V --read "$TMP/a.pcap")
assert_match "LEAK verdict first" "^LEAK: 2 of 28 pairs sent cleartext" "$(head -1 <<<"$out")"
first=$(V --read "$TMP/a.pcap" --json | jq -r '.pairs[] | select(.verdict == "LEAK") |
	"\(.a) - \(.b) .*\(.cleartext) cleartext packets; the first: \(.first_cleartext.protocol) " +
	(if .first_cleartext.direction == "a>b" then .a else .b end)' | head -1)
assert_match "the leak's row: pair, count, protocol, source" "$first" "$out"
assert_match "the encrypted pairs folded into one line" "^encrypted: 26 pairs \(esp " "$out"

# An inventory: its members' pairs only, named, silent ones included.
cat >"$TMP/inv.conf" <<'INV'
[cluster]
name = v
transport = local
[node n1]
address = 198.18.0.1
[node n2]
address = 198.18.0.2
[node n9]
address = 198.18.9.9
INV
got=$(I -c "$TMP/inv.conf" --read "$TMP/a.pcap" --json)
assert_eq "inventory: its three pairs" 3 "$(jq '.pairs | length' <<<"$got")"
assert_eq "inventory: n1-n2 leaks" "n1 n2 LEAK" \
	"$(jq -r '.pairs[0] | "\(.a_node) \(.b_node) \(.verdict)"' <<<"$got")"
assert_eq "inventory: n9 sent nothing" "no-traffic no-traffic" \
	"$(jq -r '[.pairs[1, 2].verdict] | join(" ")' <<<"$got")"
assert_eq "inventory: totals still count the whole file" \
	"$(jq .packets <<<"$want")" "$(jq .packets <<<"$got")"
got=$(I -c "$TMP/inv.conf" --read "$TMP/a.pcap" --all-pairs --json)
assert_eq "inventory --all-pairs: every pair" 28 "$(jq '.pairs | length' <<<"$got")"
sed -i 's/198.18.0.1$/198.18.7.1/; s/198.18.0.2$/198.18.7.2/' "$TMP/inv.conf"
out=$(I -c "$TMP/inv.conf" --read "$TMP/a.pcap")
assert_eq "no member sent a packet: exit 1 (nothing proven)" 1 $?
assert_match "... and says so" "^no-traffic: no whole packet between two members" "$out"

# Errors: one line, the file named, the documented exit code.
err=$(V --read "$TMP/missing.pcap" 2>&1)
assert_eq "a missing file: exit 3" 3 $?
assert_eq "... in one line naming it" \
	"tsnet: verify: $TMP/missing.pcap: No such file or directory" "$err"
echo "not a capture" >"$TMP/text.pcap"
err=$(V --read "$TMP/text.pcap" 2>&1)
assert_eq "not a capture: exit 3" 3 $?
assert_eq "... with libpcap's reason" "tsnet: verify: $TMP/text.pcap: unknown file format" "$err"
head -c $(($(stat -c %s "$TMP/enc.pcap") - 7)) "$TMP/enc.pcap" >"$TMP/cut.pcap"
out=$(V --read "$TMP/cut.pcap" 2>"$TMP/err")
assert_eq "a file cut mid-record, no leak before: exit 3" 3 $?
assert_match "... warns where it stopped" \
	"warning: .*cut.pcap: damaged: reading stopped after packet 1999: truncated dump file" \
	"$(cat "$TMP/err")"
assert_match "... and reports what it read" "^totals: 1999 packets" "$(tail -2 <<<"$out")"
head -c $(($(stat -c %s "$TMP/a.pcap") - 7)) "$TMP/a.pcap" >"$TMP/cut2.pcap"
assert_exit "a file cut mid-record after a leak: exit 1" 1 V --read "$TMP/cut2.pcap"
assert_exit "no --read: exit 2" 2 V
assert_exit "an argument too many: exit 2" 2 V --read "$TMP/a.pcap" extra
assert_exit "an unknown option: exit 2" 2 V --read "$TMP/a.pcap" --nope
printf '[cluster]\nname = v\n[node a]\nadress = 198.18.0.1\n' >"$TMP/bad.conf"
assert_exit "a bad inventory: exit 2" 2 I -c "$TMP/bad.conf" --read "$TMP/a.pcap"
assert_exit "a named inventory that is missing: exit 2" 2 \
	I -c "$TMP/absent.conf" --read "$TMP/a.pcap"

finish
