#!/bin/bash
# test_probe.sh - `tsnet probe` in the netns lab, each case asserting the
# exact matrix (--json through jq): (i) open cluster, (ii) one node's input
# drops ESP, a sender's output drops NAT-T, (iii) the router drops ESP,
# (iv) the router masquerades, (v) a real charon on one node, (vi) 20%
# random loss, (vii) IPv6; cross-checked against ike-scan and nmap on the
# same lab; usage errors, a node that cannot run, the trace table's
# cleanup (leftover, signal).
. "$(dirname "$0")/lib.sh"
need_root
A=tp3 B=tp4 C=tp5

cleanup() { for l in $A $B $C; do "$LAB" down --name "$l" >/dev/null 2>&1; done; }
trap cleanup EXIT
command -v jq >/dev/null || skip_all "needs jq"
command -v conntrack >/dev/null || fail_all "needs conntrack (conntrack-tools, in make deps)"
"$LAB" up 3 --name $A >/dev/null || fail_all "cannot start the lab"
IA=$("$LAB" inventory --name $A)

# One line per directed pair: "from>to udp500 udp4500 esp".
matrix() {
	"$TSNET" -c "$1" probe --json --timeout 2 "${@:2}" |
		jq -r '.pairs[] | "\(.from)>\(.to) \(.udp500.verdict) \(.udp4500.verdict) \(.esp.verdict)"'
}
json() { "$TSNET" -c "$1" probe --json --timeout 2 "${@:2}"; }
in_node() { local lab=$1; shift; "$LAB" exec --name "$lab" "$@"; }
nmap_esp() { in_node "$1" "$2" nmap -n -sO -p50 "$3" 2>/dev/null | awk '$1 == "50" { print $2 }'; }
ike_scan() { in_node "$1" "$2" ike-scan "${@:4}" --sport=0 -r 2 -t 300 "$3" 2>/dev/null | grep -c "^$3"; }

OPEN3="n1>n2 ok ok ok
n1>n3 ok ok ok
n2>n1 ok ok ok
n2>n3 ok ok ok
n3>n1 ok ok ok
n3>n2 ok ok ok"

echo "# (i) open cluster (n3 has a trace table left by a run that died)"
in_node $A n3 nft add table inet tsnet-probe
start=$(date +%s.%N)
out=$(json "$IA")
took=$(echo "$(date +%s.%N) - $start" | bc)
assert_eq "(i) every pair, every protocol ok" "$OPEN3" \
	"$(jq -r '.pairs[] | "\(.from)>\(.to) \(.udp500.verdict) \(.udp4500.verdict) \(.esp.verdict)"' <<<"$out")"
assert_match "(i) every window closes once its probes are all seen, before the 2 s it may take ($took s)" \
	'^[01]?\.' "$took"
assert_eq "(i) exit 0" 0 "$(jq .exit <<<"$out")"
assert_eq "(i) the trace tables are gone (n3's leftover too)" "" \
	"$(for n in n1 n2 n3; do in_node $A $n nft list tables; done | grep tsnet-probe)"
assert_eq "(i) cross-check: nmap -sO sees ESP reach n2 and n3 (closed: the kernel answered)" \
	"closed closed" "$({ nmap_esp $A n1 198.18.1.2; nmap_esp $A n1 198.18.1.3; } | paste -sd' ')"
assert_eq "(i) cross-check: ike-scan --ikev2 gets nothing back (no responder: it cannot tell)" \
	0 "$(ike_scan $A n1 198.18.1.2 --ikev2)"
assert_eq "(i) --ipv6 over address6: every pair ok" "$OPEN3" "$(matrix "$IA" --ipv6)"
assert_eq "(i) --from n3 --to n1 probes that pair only" "n3>n1 ok ok ok" \
	"$(matrix "$IA" --from n3 --to n1)"

echo "# (ii) n3's input chain drops ESP; n1's output drops NAT-T to n2"
in_node $A n3 nft -f - <<'NFT'
table inet filter {
	chain input {
		type filter hook input priority 0; policy accept;
		meta l4proto esp drop comment "no esp"
	}
}
NFT
h3=$(in_node $A n3 nft -a list chain inet filter input | sed -n 's/.*"no esp" # handle \([0-9]*\)/\1/p')
out=$(json "$IA")
assert_eq "(ii) exactly n3's incoming ESP is dropped-by-peer-firewall" \
	"n1>n2 ok ok ok
n1>n3 ok ok dropped-by-peer-firewall
n2>n1 ok ok ok
n2>n3 ok ok dropped-by-peer-firewall
n3>n1 ok ok ok
n3>n2 ok ok ok" "$(jq -r '.pairs[] | "\(.from)>\(.to) \(.udp500.verdict) \(.udp4500.verdict) \(.esp.verdict)"' <<<"$out")"
assert_eq "(ii) the detail names n3's rule by handle" \
	"inet filter input handle $h3" \
	"$(jq -r '.pairs[] | select(.to == "n3" and .from == "n1") | .esp.detail' <<<"$out")"
assert_match "(ii) one problem names n3's rule for both peers, as nft prints it, and says preflight --fix" \
	"^n3's firewall drops incoming ESP from every peer \(n1, n2\): table inet filter chain input: meta l4proto esp drop comment \"no esp\" # handle $h3 tsnet preflight --fix" \
	"$(jq -r '.problems[] | "\(.what) \(.fix)"' <<<"$out")"
w3="n3's firewall drops incoming ESP from every peer (n1, n2): table inet filter chain input: meta l4proto esp drop comment \"no esp\" # handle $h3"
assert_eq "(ii) ... and the text output says it so, once" 1 \
	"$("$TSNET" -c "$IA" probe --timeout 2 2>/dev/null | grep -cF "$w3")"
assert_eq "(ii) exit 1" 1 "$(jq .exit <<<"$out")"
nm_fw=$(nmap_esp $A n1 198.18.1.3)
assert_match "(ii) cross-check: nmap only says filtered for n3's ESP" "filtered" "$nm_fw"
in_node $A n3 nft delete table inet filter
in_node $A n1 nft -f - <<'NFT'
table inet filter {
	chain output {
		type filter hook output priority 0; policy accept;
		ip daddr 198.18.1.2 udp dport 4500 drop comment "no natt"
	}
}
NFT
h1=$(in_node $A n1 nft -a list chain inet filter output | sed -n 's/.*"no natt" # handle \([0-9]*\)/\1/p')
start=$(date +%s.%N)
out=$(json "$IA")
took=$(echo "$(date +%s.%N) - $start" | bc)
assert_match "(ii) a packet that never arrives keeps the window open to its end (2 s; took $took s)" \
	'^[2-9]\.' "$took"
assert_eq "(ii) n1's output drop: n1>n2 udp4500 dropped-by-sender-firewall, by handle" \
	"dropped-by-sender-firewall inet filter output handle $h1" \
	"$(jq -r '.pairs[] | select(.from == "n1" and .to == "n2") | "\(.udp4500.verdict) \(.udp4500.detail)"' <<<"$out")"
assert_eq "(ii) ... and nothing else" 5 \
	"$(jq '[.pairs[] | select(.udp500.verdict == "ok" and .udp4500.verdict == "ok" and .esp.verdict == "ok")] | length' <<<"$out")"
in_node $A n1 nft delete table inet filter

echo "# (viii) a stateful firewall on n3 (established accepted, only UDP 500 new)"
# n1 and n2 accept everything but track connections, so conntrack runs on
# every node and each can be checked for what the probes left.
for n in n1 n2; do
	in_node $A $n nft 'add table inet ctw; add chain inet ctw input { type filter hook input priority 0; policy accept; }; add rule inet ctw input ct state established accept'
done
in_node $A n3 nft -f - <<'NFT'
table inet filter {
	chain input {
		type filter hook input priority 0; policy drop;
		ct state established,related accept
		udp dport 500 accept
	}
}
NFT
STATEFUL="n1>n2 ok ok ok
n1>n3 ok dropped-by-peer-firewall dropped-by-peer-firewall
n2>n1 ok ok ok
n2>n3 ok dropped-by-peer-firewall dropped-by-peer-firewall
n3>n1 ok ok ok
n3>n2 ok ok ok"
# Entries of the probes' own kind: ESP (generic protocol 50 here) or UDP
# from or to port 500 or 4500, on any node.
probe_tuples() {
	for n in n1 n2 n3; do in_node $A $n cat /proc/net/nf_conntrack | sed "s/^/$n /"; done |
		grep -E ' 50 [0-9]+ src=| (sport|dport)=(500|4500) '
}
for run in 1 2 3; do
	out=$(json "$IA")
	assert_eq "(viii) run $run: the same matrix, every peer's new UDP 4500 and ESP to n3 dropped" \
		"$STATEFUL" "$(jq -r '.pairs[] | "\(.from)>\(.to) \(.udp500.verdict) \(.udp4500.verdict) \(.esp.verdict)"' <<<"$out")"
	assert_eq "(viii) run $run: by n3's policy" "inet filter input policy" \
		"$(jq -r '[.pairs[] | select(.to == "n3") | .udp4500.detail, .esp.detail] | unique | join(",")' <<<"$out")"
	assert_eq "(viii) run $run: no probe tuple is left in conntrack on any node" "" "$(probe_tuples)"
done
echo "# (viii) an ESP flow the probe did not make (n3 -> n1, as nmap's protocol scan leaves it)"
in_node $A n3 nmap -n -sO -p50 198.18.1.1 >/dev/null 2>&1
before=$(in_node $A n3 cat /proc/net/nf_conntrack | grep -c ' 50 [0-9]* src=198.18.1.3 dst=198.18.1.1 ')
assert_eq "(viii) n3 tracks that flow" 1 "$before"
out=$(json "$IA")
assert_eq "(viii) n1 -> n3 ESP passes it, and the verdict says what a new flow would meet" \
	"established-only: passes as an established flow (a conntrack entry on n3 that the probe did not create); a new one would be dropped by inet filter input policy drop (input hook)" \
	"$(jq -r '.pairs[] | select(.from == "n1" and .to == "n3") | "\(.esp.verdict): \(.esp.detail)"' <<<"$out")"
assert_eq "(viii) n2 -> n3 ESP (no such flow) still dropped" "dropped-by-peer-firewall" \
	"$(jq -r '.pairs[] | select(.from == "n2" and .to == "n3") | .esp.verdict' <<<"$out")"
assert_match "(viii) the problem says both" \
	"^ESP passes as an established flow .*a new one would be dropped by inet filter input policy drop.*: n1 -> n3$" \
	"$(jq -r '.problems[].what' <<<"$out")"
assert_eq "(viii) the flow's entry is still there (not the probe's to remove)" 1 \
	"$(in_node $A n3 cat /proc/net/nf_conntrack | grep -c ' 50 [0-9]* src=198.18.1.3 dst=198.18.1.1 ')"
# That flow is tracked on n1 too (it saw the packet and answered): end
# it on both, or the later cases read established.
for n in n1 n3; do
	in_node $A $n conntrack -D -p 50 -s 198.18.1.3 -d 198.18.1.1 >/dev/null 2>&1
done
assert_eq "(viii) and then no probe-kind entry is left anywhere" "" "$(probe_tuples)"
in_node $A n3 nft delete table inet filter
for n in n1 n2; do in_node $A $n nft delete table inet ctw; done

echo "# (vi) 20% random loss into n1"
in_node $A n1 nft -f - <<'NFT'
table inet tploss {
	chain pre {
		type filter hook prerouting priority -400;
		meta l4proto { udp, esp } numgen random mod 10 < 2 counter drop
	}
}
NFT
# A copy lost after the interface is seen there but never reaches the
# socket: the receiver must not say "seen" to the sender until it knows
# the probe's fate, so the next copy comes.
for run in 1 2 3; do
	assert_eq "(vi) run $run: the matrix is still all ok" "$OPEN3" "$(matrix "$IA")"
done
lost=$(in_node $A n1 nft list table inet tploss | sed -n 's/.*packets \([0-9]*\).*/\1/p')
assert_match "(vi) the link really lost packets ($lost)" '^[1-9]' "$lost"
in_node $A n1 nft delete table inet tploss

echo "# (v) charon on n2"
in_node $A n2 sh -c 'cat > /etc/swanctl/conf.d/tp.conf' <<'EOF'
connections { tp { proposals = aes256gcm16-prfsha384-x25519
  local { auth = psk } remote { auth = psk }
  children { tp { mode = transport } } } }
secrets { ike-tp { secret = 0sdGVzdHRlc3R0ZXN0dGVzdA== } }
EOF
in_node $A n2 /usr/lib/ipsec/charon >/dev/null 2>&1 &
for _ in $(seq 50); do in_node $A n2 swanctl --load-all >/dev/null 2>&1 && break; sleep 0.1; done
out=$(json "$IA")
assert_eq "(v) ike-responder for 500 and 4500 to n2, ok elsewhere" \
	"n1>n2 ike-responder ike-responder ok
n1>n3 ok ok ok
n2>n1 ok ok ok
n2>n3 ok ok ok
n3>n1 ok ok ok
n3>n2 ike-responder ike-responder ok" \
	"$(jq -r '.pairs[] | "\(.from)>\(.to) \(.udp500.verdict) \(.udp4500.verdict) \(.esp.verdict)"' <<<"$out")"
assert_match "(v) the answer is parsed: the proposal charon chose, and who answered" \
	'^IKE_SA_INIT response: AES_GCM_16-256/PRF_HMAC_SHA2_384/CURVE_25519 \(from charon \(pid [0-9]+\)\)$' \
	"$(jq -r '.pairs[] | select(.from == "n1" and .to == "n2") | .udp4500.detail' <<<"$out")"
assert_eq "(v) exit 0 (a responder is reachability)" 0 "$(jq .exit <<<"$out")"
assert_eq "(v) cross-check: ike-scan --ikev2 also gets an answer from n2" 1 \
	"$(ike_scan $A n1 198.18.1.2 --ikev2)"
assert_eq "(v) cross-check: ike-scan --nat-t too" 1 \
	"$(ike_scan $A n1 198.18.1.2 --ikev2 --nat-t)"

echo "# trace table cleanup, usage, a node that cannot run"
# shellcheck disable=SC2016  # expands inside the node
in_node $A n2 sh -c 'kill $(cat /run/charon.pid)'
req='{"run":"0011223344556677","key":"'$(printf '%064d' 0)'","tag":1,"start":'$(($(date +%s) + 30))',"window":20,"self":"n1","index":0,"address":"198.18.1.1","peers":[{"name":"n2","index":1,"address":"198.18.1.2"}]}'
"$LAB" exec --name $A n1 "$TSNET" agent probe-window <<<"$req" >/dev/null 2>&1 &
waiter=$!
for _ in $(seq 50); do in_node $A n1 nft list tables | grep -q tsnet-probe && break; sleep 0.1; done
agent=$(pgrep -P $waiter)	# lab exec's child: nsenter exec'd tsnet
[ -n "$agent" ] && kill -TERM "$agent"
wait $waiter
assert_eq "a signal mid-window: runtime error" 3 $?
assert_eq "... and the trace table is removed" "" "$(in_node $A n1 nft list tables | grep tsnet-probe)"
assert_exit "--from without --to: usage" 2 "$TSNET" -c "$IA" probe --from n1
assert_exit "--from an unknown node: usage" 2 "$TSNET" -c "$IA" probe --from n1 --to n9
assert_exit "--timeout 1: usage" 2 "$TSNET" -c "$IA" probe --timeout 1
assert_match "the usage error says why" "no node 'n9'" \
	"$("$TSNET" -c "$IA" probe --from n1 --to n9 2>&1)"
cloudy=$(mktemp)
state=$(mktemp -d)
sed 's/^\[cluster\]$/[cluster]\ncloud = aws/' "$IA" >"$cloudy"
out=$(TSNET_STATE_DIR=$state json "$cloudy")
wc="AWS security groups are stateful: each pair's second direction may have passed as a reply to the first's probes (they track ESP and UDP for 600 s), 3 pairs"
assert_eq "in a cloud, one warning: the second of each pair may have passed as a reply" \
	"probe.cloud-state warn $wc" \
	"$(jq -r '.problems[] | select(.id == "probe.cloud-state") | "\(.id) \(.severity) \(.what)"' <<<"$out")"
assert_eq "... its scope: each pair's second direction" \
	"n1 n2 n3; n2>n1 n3>n1 n3>n2" \
	"$(jq -r '.problems[] | select(.id == "probe.cloud-state") | "\(.scope.nodes | sort | join(" ")); \([.scope.pairs[] | "\(.from)>\(.to)"] | sort | join(" "))"' <<<"$out")"
assert_match "... the time of the run is kept for the cluster" '^[0-9]+$' \
	"$(cat "$state"/probe-last.* 2>/dev/null)"
txt=$(TSNET_STATE_DIR=$state "$TSNET" -c "$cloudy" probe --timeout 2 2>/dev/null)
assert_match "run again within 600 s: the text says the first direction may ride on the last run's state, every pair" \
	"^warn +AWS security groups are stateful: each pair's second direction may have passed as a reply to the first's probes \(they track ESP and UDP for 600 s\), 6 pairs; the first direction too may ride on the state of this cluster's last probe, [0-9]+ s ago \(within the 600 s\)$" \
	"$txt"
rm -rf "$cloudy" "$state"
bad=$(mktemp)
{ cat "$IA"; printf '\n[node n9]\naddress = 198.18.1.9\nnetns = %s-n9\n' $A; } >"$bad"
out=$(json "$bad")
assert_eq "a node that cannot run: exit 3" 3 "$(jq .exit <<<"$out")"
assert_eq "... its pairs are error, the others still ok" "6 6" \
	"$(jq -r '[([.pairs[] | select(.from == "n9" or .to == "n9") | select(.esp.verdict == "error")] | length), ([.pairs[] | select(.esp.verdict == "ok")] | length)] | join(" ")' <<<"$out")"
rm -f "$bad"
"$LAB" down --name $A >/dev/null 2>&1

echo "# (iii) the router drops ESP; (iv) it masquerades"
"$LAB" up 4 --name $B --subnets 2 --router drop-esp >/dev/null || fail_all "cannot start a 2-subnet lab"
IB=$("$LAB" inventory --name $B)
out=$(json "$IB")
assert_eq "(iii) not-arrived for the crossing pairs' ESP only" \
	"n1>n2 ok ok ok
n1>n3 ok ok not-arrived
n1>n4 ok ok not-arrived
n2>n1 ok ok ok
n2>n3 ok ok not-arrived
n2>n4 ok ok not-arrived
n3>n1 ok ok not-arrived
n3>n2 ok ok not-arrived
n3>n4 ok ok ok
n4>n1 ok ok not-arrived
n4>n2 ok ok not-arrived
n4>n3 ok ok ok" "$(jq -r '.pairs[] | "\(.from)>\(.to) \(.udp500.verdict) \(.udp4500.verdict) \(.esp.verdict)"' <<<"$out")"
assert_match "(iii) the router's drop is one problem between the subnets; the advice: the cloud command, or UDP encapsulation" \
	"^ESP is dropped on the path between 198\.18\.1\.0/24 and 198\.18\.2\.0/24: 4 of 6 pairs; pairs inside each subnet pass .*or enable-ipsec --encap \(UDP encapsulation over 4500\)$" \
	"$(jq -r '.problems[] | "\(.what) \(.fix)"' <<<"$out")"
assert_eq "(iii) cross-check: nmap says filtered here as in (ii): it cannot tell a router from a host firewall" \
	"$nm_fw" "$(nmap_esp $B n1 198.18.2.3)"
"$LAB" router --name $B masquerade >/dev/null
out=$(json "$IB")
assert_eq "(iv) UDP: nat for the crossing pairs, ok within a subnet" \
	"n1>n2 ok ok
n1>n3 nat nat
n1>n4 nat nat
n2>n1 ok ok
n2>n3 nat nat
n2>n4 nat nat
n3>n1 nat nat
n3>n2 nat nat
n3>n4 ok ok
n4>n1 nat nat
n4>n2 nat nat
n4>n3 ok ok" "$(jq -r '.pairs[] | "\(.from)>\(.to) \(.udp500.verdict) \(.udp4500.verdict)"' <<<"$out")"
assert_eq "(iv) ESP (no ports) passes the NAT for one sender per destination" \
	"n1:nat n2:nat n3:nat n4:nat" \
	"$(jq -r '[.pairs[] | select(.esp.verdict == "nat") | .to] | sort | map(. + ":nat") | join(" ")' <<<"$out")"
assert_match "(iv) the nat detail says what was seen" \
	'^seen from 198\.18\.2\.254, sent from 198\.18\.1\.1$' \
	"$(jq -r '.pairs[] | select(.from == "n1" and .to == "n3") | .udp500.detail' <<<"$out")"
"$LAB" down --name $B >/dev/null 2>&1

echo "# (vii) IPv6 cluster"
"$LAB" up 3 --name $C --ipv6 >/dev/null || fail_all "cannot start an IPv6 lab"
IC=$("$LAB" inventory --name $C)
assert_eq "(vii) every pair ok over IPv6" "$OPEN3" "$(matrix "$IC")"
in_node $C n2 nft add table inet filter
in_node $C n2 nft 'add chain inet filter input { type filter hook input priority 0; policy accept; }'
in_node $C n2 nft add rule inet filter input udp dport 500 drop
out=$(json "$IC")
assert_eq "(vii) an IPv6 drop is named too" \
	"dropped-by-peer-firewall dropped-by-peer-firewall" \
	"$(jq -r '[.pairs[] | select(.to == "n2") | .udp500.verdict] | join(" ")' <<<"$out")"
finish
