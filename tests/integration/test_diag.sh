#!/bin/bash
# test_diag.sh - preflight says each cause once, where it is, with its fix,
# and a summary first, on real labs (tests/lab/lab, routed with a router
# namespace where a subnet pair is the cause):
#   (a) a healthy 30-node cluster: the summary's length does not grow with
#       the nodes, nothing healthy is a problem, -v is the full table;
#   (b) the router drops ESP: one problem between the two subnets;
#   (c) three host firewalls: each rule once, as nft prints it, with the
#       peers it drops;
#   (d) the switch drops ESP to one node: every path to that node;
#   (e) a host check failing on two nodes of four: one problem;
#   (f) an inventory without interface and subnets: the routes' interface
#       is checked (mtu, rp_filter), a path MTU and a source address that
#       are wrong are named, the subnets come from the nodes' prefixes;
#   (g) a route by another interface than the inventory's;
#   (h) another IKE daemon on UDP 500 (pluto), a charon that does not
#       answer VICI, another setup's IPsec policy over a pair, and an
#       iptables-legacy rule dropping ESP (which nftables cannot see);
#   (i) firewalld on one node (its /run/firewalld.pid naming a live
#       process) with a zone dropping ESP: that node only, a warning
#       read before the fail it explains.
# Each case asserts the exact problem line and the JSON scope, and that
# no check or pair that passes is part of any problem.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
need_root
[ -x "$TSNET" ] || fail_all "build tsnet first ($TSNET)"
command -v jq >/dev/null || skip_all "needs jq"
command -v nft >/dev/null || skip_all "needs nft"
A=tda B=tdb C=tdc
FWPID=
cleanup() {
	[ -z "$FWPID" ] || kill "$FWPID" 2>/dev/null
	for l in $A $B $C; do "$LAB" down --name "$l" >/dev/null 2>&1; done
}
trap cleanup EXIT
x() { local lab=$1; shift; "$LAB" exec --name "$lab" "$@"; }
pf() { local inv=$1; shift; "$TSNET" -c "$inv" preflight "$@" 2>/dev/null; }

# problems JSON -> "id|what" per problem
problem_lines() { jq -r '.problems[] | "\(.id)|\(.what)"' <<<"$1"; }
# the scope of the problem whose what is $2: "nodes: a b; pairs: a>b ..."
scope_of() {
	jq -r --arg w "$2" '.problems[] | select(.what == $w) |
		"nodes: \(.scope.nodes | join(" ")); pairs: \(
		[.scope.pairs[] | "\(.from)>\(.to)"] | sort | join(" "))"' <<<"$1"
}
# Nothing that passed is in a problem: every pair in a scope has a verdict
# that is not ok in the report, and every problem of a host check names
# exactly the nodes where that check failed or warned.
no_healthy_in_problems() {
	local what=$1 json=$2 bad
	bad=$(jq -r '
		(.pairs | map({key: "\(.from)>\(.to)", value: .}) | from_entries) as $p |
		.problems[] | .id as $id | .scope.pairs[] |
		select(($p["\(.from)>\(.to)"] // {}) | [.[]? | objects |
			select(.verdict != "ok")] | length == 0) |
		"\($id): \(.from)>\(.to) passes"' <<<"$json")
	bad+=$(jq -r '
		[.nodes[] | .node as $n | .checks[] |
		 select(.status == "fail" or .status == "warn") |
		 {id, node: $n}] as $f |
		.problems[] | select(.scope.pairs == [] and .id != "node.unreachable"
			and .id != "node.error") |
		.id as $id | ([$f[] | select(.id == $id) | .node] | sort) as $want |
		select((.scope.nodes | sort) != $want) |
		"\($id): scope \(.scope.nodes) but failing on \($want)"' <<<"$json")
	assert_eq "$what: nothing that passes is part of a problem" "" "$bad"
}

echo "# (a) a healthy 30-node cluster: the summary fits one screen"
"$LAB" up 30 --name $A >/dev/null || fail_all "cannot start a 30-node lab"
IA=$("$LAB" inventory --name $A)
txt=$(pf "$IA")
json=$(pf "$IA" --json)
full=$(pf "$IA" -v)
n_checks=$(jq '[.nodes[].checks[].id] | unique | length' <<<"$json")
n_probs=$(jq '.problems | length' <<<"$json")
n_fixes=$(jq '[.problems[] | select(.fix != null)] | length' <<<"$json")
# verdict, (blank, a line per problem and per fix), blank, "checks:",
# one line per check, blank, "probe:", one line per protocol
assert_eq "(a) the summary: 5 + problems + fixes + checks + 3 lines" \
	$((5 + (n_probs > 0) + n_probs + n_fixes + n_checks + 3)) \
	"$(printf '%s\n' "$txt" | wc -l)"
assert_match "(a) ... which is one screen" '^([1-4][0-9]|50)$' "$(printf '%s\n' "$txt" | wc -l)"
assert_nomatch "(a) no node is named: every check agrees across the 30" \
	'\bn[0-9]+\b' "$txt"
assert_match "(a) a check folded across the nodes" \
	'^  sysctl\.rp_filter +ok on 30 nodes$' "$txt"
assert_match "(a) the probe folded across the pairs" '^  esp +ok on 870 pairs$' "$txt"
assert_nomatch "(a) no matrix when every cell is ok" '^esp +n1 ' "$txt"
assert_eq "(a) no problem has a pair: every pair passes" 0 \
	"$(jq '[.problems[].scope.pairs[]] | length' <<<"$json")"
no_healthy_in_problems "(a)" "$json"
assert_eq "(a) -v is the full table: a row per node and check" \
	$((30 * n_checks)) "$(printf '%s\n' "$full" | awk '$1 ~ /^n[0-9]+$/ &&
		$2 !~ /^(ok|-)$/ && $3 ~ /^(ok|warn|fail|skip)$/' | wc -l)"
assert_match "(a) ... and every matrix" '^esp +n1 +n2 ' "$full"
"$LAB" down --name $A >/dev/null

echo "# (b) the router drops ESP between the subnets"
"$LAB" up 4 --name $B --subnets 2 --router drop-esp >/dev/null ||
	fail_all "cannot start a routed lab"
IB=$("$LAB" inventory --name $B)
json=$(pf "$IB" --json)
what="ESP is dropped on the path between 198.18.1.0/24 and 198.18.2.0/24: 4 of 6 pairs; pairs inside each subnet pass"
assert_eq "(b) one problem, the subnet pair" "path.esp|$what" \
	"$(problem_lines "$json" | grep -E '^(path|firewall|nat|probe)')"
assert_eq "(b) its scope: the four nodes, the eight crossing pairs" \
	"nodes: n1 n2 n3 n4; pairs: n1>n3 n1>n4 n2>n3 n2>n4 n3>n1 n3>n2 n4>n1 n4>n2" \
	"$(scope_of "$json" "$what")"
assert_eq "(b) where" "between 198.18.1.0/24 and 198.18.2.0/24" \
	"$(jq -r --arg w "$what" '.problems[] | select(.what == $w) | .where' <<<"$json")"
assert_match "(b) the fix: allow ESP on the way, or encapsulate" \
	'protocol 50 \(ESP\).*; or enable-ipsec --encap' \
	"$(jq -r --arg w "$what" '.problems[] | select(.what == $w) | .fix' <<<"$json")"
no_healthy_in_problems "(b)" "$json"
txt=$(pf "$IB")
assert_match "(b) the text says it once, under the verdict" "^fail  $what\$" "$txt"
assert_eq "(b) ... once" 1 "$(grep -c 'ESP is dropped' <<<"$txt")"
assert_match "(b) the matrix of the protocol that fails is shown" '^esp +n1 ' "$txt"
assert_nomatch "(b) ... not those that pass" '^udp500 +n1 ' "$txt"

echo "# (c) host firewalls: each rule once, as nft prints it"
"$LAB" router --name $B none >/dev/null
x $B n2 nft -f - <<'NFT'
table inet filter {
	chain input {
		type filter hook input priority 0; policy drop;
		ct state established,related accept
		iif lo accept
		udp dport 500 accept
	}
}
NFT
x $B n3 nft -f - <<'NFT'
table inet filter {
	chain input {
		type filter hook input priority 0; policy accept;
		meta l4proto esp drop comment "no esp"
	}
}
NFT
x $B n1 nft -f - <<'NFT'
table inet filter {
	chain output {
		type filter hook output priority 0; policy accept;
		ip daddr 198.18.2.4 udp dport 4500 drop comment "no natt"
	}
}
NFT
h3=$(x $B n3 nft -a list chain inet filter input | sed -n 's/.*"no esp" # handle \([0-9]*\)/\1/p')
h1=$(x $B n1 nft -a list chain inet filter output | sed -n 's/.*"no natt" # handle \([0-9]*\)/\1/p')
json=$(pf "$IB" --json)
w2="n2's firewall drops incoming UDP 4500 and ESP from every peer (n1, n3, n4): table inet filter chain input: policy drop (no rule before it accepts them)"
w3="n3's firewall drops incoming ESP from every peer (n1, n2, n4): table inet filter chain input: meta l4proto esp drop comment \"no esp\" # handle $h3"
w1="n1's firewall drops outgoing UDP 4500 to n4 (1 of 3 peers): table inet filter chain output: ip daddr 198.18.2.4 udp dport 4500 drop comment \"no natt\" # handle $h1"
assert_eq "(c) one problem per rule, nothing else on the path" \
	"firewall.in|$w2
firewall.in|$w3
firewall.out|$w1" "$(problem_lines "$json" | grep -E '^(path|firewall|nat|probe)')"
assert_eq "(c) n2's policy: n2, every peer into it" \
	"nodes: n2; pairs: n1>n2 n3>n2 n4>n2" "$(scope_of "$json" "$w2")"
assert_eq "(c) n3's rule: n3, every peer into it" \
	"nodes: n3; pairs: n1>n3 n2>n3 n4>n3" "$(scope_of "$json" "$w3")"
assert_eq "(c) n1's output rule: n1, to n4 only" \
	"nodes: n1; pairs: n1>n4" "$(scope_of "$json" "$w1")"
assert_eq "(c) where: node, hook, table, chain, the rule" \
	"n3 input: table inet filter chain input: meta l4proto esp drop comment \"no esp\" # handle $h3" \
	"$(jq -r --arg w "$w3" '.problems[] | select(.what == $w) | .where' <<<"$json")"
assert_eq "(c) the fix: preflight --fix" \
	"tsnet preflight --fix (it inserts tagged accepts for the cluster members into that chain)" \
	"$(jq -r --arg w "$w1" '.problems[] | select(.what == $w) | .fix' <<<"$json")"
no_healthy_in_problems "(c)" "$json"
for n in n1 n2 n3; do x $B $n nft delete table inet filter; done

echo "# (f) no interface and no subnet in the inventory: the routes say them"
"$LAB" router --name $B drop-esp >/dev/null
IF=$(mktemp /tmp/tdiag.XXXXXX)
sed -e '/^interface = /d' -e '/^subnet = /d' \
	-e 's/^\[cluster\]$/[cluster]\npayload_mtu = 1400/' "$IB" >"$IF"
x $B n1 ip route add 198.18.2.0/24 via 198.18.1.254 mtu 1300
x $B n2 sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth0.rp_filter=1
x $B n2 ip addr add 198.18.1.102/24 dev eth0
x $B n2 ip route add 198.18.2.4/32 via 198.18.1.254 src 198.18.1.102
json=$(pf "$IF" --json)
wm="mtu: warns on 1 of 4 nodes (n1): eth0 MTU 1500: 1463 bytes left for payload in ESP (AES-GCM-16), 1455 with UDP encapsulation (the routes' interface: the inventory names none); to n3 via eth0 the path MTU is 1300: 1255 bytes left in ESP with UDP encapsulation, below the inventory's payload_mtu 1400; to n4 via eth0 the path MTU is 1300: 1255 bytes left in ESP with UDP encapsulation, below the inventory's payload_mtu 1400"
wr="route: fails on 1 of 4 nodes (n2): to n4 (198.18.2.4) the kernel sends from 198.18.1.102, not 198.18.1.2 (the inventory's address): IKE and the SAs would use another address"
wp="sysctl.rp_filter: warns on 1 of 4 nodes (n2): strict rp_filter (1) on the cluster interface: decrypted packets whose reverse route is not via eth0 are dropped"
assert_eq "(f) the subnets come from the nodes' routes; a wrong source is the route's problem, not a NAT" \
	"route|$wr
path.esp|$what
mtu|$wm
sysctl.rp_filter|$wp" "$(problem_lines "$json" | grep -E '^(path|firewall|nat|probe|route|mtu|sysctl.rp)')"
assert_eq "(f) the route's scope: n2, and the pair it sends from elsewhere" \
	"nodes: n2; pairs: n2>n4" "$(scope_of "$json" "$wr")"
assert_eq "(f) the path MTU names its node and its pairs" "nodes: n1; pairs: n1>n3 n1>n4" "$(scope_of "$json" "$wm")"
assert_match "(f) its fix: the route's MTU, or payload_mtu" \
	'^raise the path MTU to n3 to 1445 \(ip route change \.\.\. mtu 1445\), or lower payload_mtu$' \
	"$(jq -r --arg w "$wm" '.problems[] | select(.what == $w) | .fix' <<<"$json")"
no_healthy_in_problems "(f)" "$json"
rm -f "$IF"
"$LAB" down --name $B >/dev/null

echo "# (g) a route by another interface than the inventory's"
"$LAB" up 4 --name $B --subnets 2 >/dev/null || fail_all "cannot start a routed lab"
x $B n3 ip link add dum0 type veth peer name dum1
x $B n3 ip link set dum0 up
x $B n3 ip link set dum1 up
x $B n3 ip route add 198.18.2.4/32 dev dum0
json=$(pf "$IB" --json)
wg="route: fails on 1 of 4 nodes (n3): n4 (198.18.2.4) is reached by dum0, not eth0 (the inventory's interface)"
assert_eq "(g) the route is the one problem; what the probe lost there is its doing" \
	"route|$wg" "$(problem_lines "$json" | grep -E '^(path|firewall|nat|probe|route)')"
assert_eq "(g) its scope" "nodes: n3; pairs: n3>n4" "$(scope_of "$json" "$wg")"
assert_eq "(g) ... though n3 -> n4 lost every probe" "not-arrived not-arrived not-arrived" \
	"$(jq -r '.pairs[] | select(.from == "n3" and .to == "n4") | "\(.udp500.verdict) \(.udp4500.verdict) \(.esp.verdict)"' <<<"$json")"
no_healthy_in_problems "(g)" "$json"
"$LAB" down --name $B >/dev/null

echo "# (d) the switch drops ESP on its way to n3; (e) UDP 500 held on two nodes"
"$LAB" up 4 --name $C >/dev/null || fail_all "cannot start the lab"
IC=$("$LAB" inventory --name $C)
# the bridge's own filter, on the switch's port towards n3
x $C sw nft -f - <<'NFT' || fail_all "cannot load the switch's ruleset"
table bridge tdiag {
	chain towards {
		type filter hook forward priority 0; policy accept;
		oifname "n3" meta l4proto esp drop
	}
}
NFT
for n in n1 n2; do
	# gone by itself after a while; lab down ends it before that
	(x $C $n python3 -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 500))
time.sleep(60)' >/dev/null 2>&1 &)
done
for _ in $(seq 50); do
	[ "$(x $C n2 ss -Hulpn 'sport = :500' | wc -l)" -ge 1 ] &&
		[ "$(x $C n1 ss -Hulpn 'sport = :500' | wc -l)" -ge 1 ] && break
	sleep 0.1
done
json=$(pf "$IC" --json)
wd="ESP is dropped on every path to n3: from 3 of 3 peers"
assert_eq "(d) one problem: every path to n3" "path.esp|$wd" \
	"$(problem_lines "$json" | grep -E '^(path|firewall|nat)')"
assert_eq "(d) its scope" "nodes: n1 n2 n3 n4; pairs: n1>n3 n2>n3 n4>n3" \
	"$(scope_of "$json" "$wd")"
assert_eq "(d) where" "to n3" \
	"$(jq -r --arg w "$wd" '.problems[] | select(.what == $w) | .where' <<<"$json")"
pe=$(jq -r '.problems[] | select(.id == "ports.ike") | .what' <<<"$json")
assert_match "(e) ports.ike: one problem, two of four nodes, each named with its holder" \
	'^ports\.ike: fails on 2 of 4 nodes: n1: UDP 500: python3 \(pid [0-9]+\): charon cannot bind them; n2: UDP 500: python3 \(pid [0-9]+\): charon cannot bind them$' "$pe"
assert_eq "(e) its scope: n1 and n2" "n1 n2" \
	"$(jq -r '.problems[] | select(.id == "ports.ike") | .scope.nodes | join(" ")' <<<"$json")"
no_healthy_in_problems "(d, e)" "$json"
txt=$(pf "$IC")
assert_match "(e) the folded line names the two" '^  ports\.ike +ok on 2 nodes; fail on n1, n2$' "$txt"

echo "# (h) more causes, one per node: pluto on UDP 500, a charon that hangs,"
echo "#     another setup's IPsec policy, iptables-legacy dropping ESP"
"$LAB" up 4 --name $B >/dev/null || fail_all "cannot start the lab"
WORK=$(mktemp -d /tmp/tdiag.XXXXXX)
chmod 755 "$WORK"
# a process whose comm is pluto, holding UDP 500 until lab down ends it
cat >"$WORK/pluto.c" <<'CEOF'
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
int main(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(500) };
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	if (bind(s, (struct sockaddr *)&a, sizeof(a)))
		return 1;
	pause();
	return 0;
}
CEOF
cc -o "$WORK/pluto" "$WORK/pluto.c" || fail_all "cannot build the fake pluto"
(x $B n1 "$WORK/pluto" >/dev/null 2>&1 &)
x $B n2 sh -c 'setsid /usr/lib/ipsec/charon </dev/null >/dev/null 2>&1 &'
for _ in $(seq 100); do
	x $B n2 ss -Huln 'sport = :4500' | grep -q . &&
		x $B n1 ss -Huln 'sport = :500' | grep -q . && break
	sleep 0.1
done
cpid=$(x $B n2 cat /run/charon.pid)
kill -STOP "$cpid"
x $B n3 ip xfrm policy add src 198.18.1.3/32 dst 198.18.1.4/32 dir out \
	tmpl proto esp mode transport
x $B n4 iptables-legacy -A INPUT -p esp -m comment --comment "legacy" -j DROP ||
	fail_all "cannot add an iptables-legacy rule"
json=$(pf "$IB" --json)
kill -CONT "$cpid"
lines=$(problem_lines "$json" | grep -vE '^(kernel\.|sysctl\.redirects)')
assert_match "(h) ports.ike: pluto named, Libreswan's" \
	'^ports\.ike\|ports\.ike: fails on 1 of 4 nodes \(n1\): UDP 500: pluto \(pid [0-9]+\), Libreswan.s IKE daemon: charon cannot bind them$' \
	"$(grep '^ports' <<<"$lines")"
assert_eq "(h) ... and how to stop it" "systemctl disable --now ipsec" \
	"$(jq -r '.problems[] | select(.id == "ports.ike") | .fix' <<<"$json")"
assert_eq "(h) strongswan.vici: the charon that hangs" \
	"strongswan.vici|strongswan.vici: fails on 1 of 4 nodes (n2): charon (pid $cpid) runs but does not answer VICI at /run/charon.vici: ETIMEDOUT (Connection timed out) (no answer to \"version\": it hangs)" \
	"$(grep '^strongswan' <<<"$lines")"
assert_eq "(h) xfrm.foreign: n3's policy, with the pair it takes, and no path problem of its own" \
	"xfrm.foreign|xfrm.foreign: fails on 1 of 4 nodes (n3): 1 of the kernel's IPsec states and policies is not tsnet's, taking over the traffic between the nodes: policy out 198.18.1.3/32 -> 198.18.1.4/32 action allow priority 0 index N (covers the traffic with n4)
nodes: n3; pairs: n3>n4" \
	"$(grep '^xfrm\.foreign' <<<"$lines" | sed -E 's/ index [0-9]+ / index N /')
$(scope_of "$json" "$(grep '^xfrm\.foreign' <<<"$lines" | cut -d'|' -f2-)")"
wl="iptables-legacy: fails on 1 of 4 nodes (n4): iptables-legacy (which nftables cannot see) drops incoming ESP: -A INPUT -p esp -m comment --comment legacy -j DROP"
assert_eq "(h) iptables-legacy: the rule, and the probe's ESP drops into n4 are its pairs" \
	"iptables-legacy|$wl
nodes: n4; pairs: n1>n4 n2>n4" "$(grep '^iptables' <<<"$lines")
$(scope_of "$json" "$wl")"
assert_eq "(h) nothing else: no firewall, path or probe problem" "" \
	"$(grep -E '^(path|firewall|nat|probe)' <<<"$lines")"
assert_eq "(h) the probe did lose those (n3 -> n4 to the policy, ESP into n4 to the rule)" \
	"n1>n4 dropped-by-peer-firewall|n3>n4 not-arrived not-arrived not-arrived" \
	"$(jq -r '[.pairs[] | select(.from == "n1" and .to == "n4") | "n1>n4 \(.esp.verdict)"] + [.pairs[] | select(.from == "n3" and .to == "n4") | "n3>n4 \(.udp500.verdict) \(.udp4500.verdict) \(.esp.verdict)"] | join("|")' <<<"$json")"
no_healthy_in_problems "(h)" "$json"
"$LAB" down --name $B >/dev/null
rm -rf "$WORK"

echo "# (i) firewalld on n2: its pid file in n2's /run names a live process"
"$LAB" up 3 --name $A >/dev/null || fail_all "cannot start the lab"
IA=$("$LAB" inventory --name $A)
# "python3 /usr/sbin/firewalld" has another comm than firewalld: the pid
# file is how preflight finds it.  Every node sees this process (one pid
# namespace), only n2 has the file (each node its own /run).
sleep 300 >/dev/null 2>&1 &
FWPID=$!
x $A n2 sh -c "echo $FWPID >/run/firewalld.pid" ||
	fail_all "cannot write n2's /run/firewalld.pid"
# and a zone of its that drops ESP: a failing problem firewalld explains
x $A n2 nft -f - <<'NFT' || fail_all "cannot load n2's ruleset"
table inet firewalld {
	chain filter_INPUT {
		type filter hook input priority 10; policy accept;
		meta l4proto esp drop
	}
}
NFT
hf=$(x $A n2 nft -a list chain inet firewalld filter_INPUT | sed -n 's/.*esp drop # handle \([0-9]*\)/\1/p')
json=$(pf "$IA" --json)
txt=$(pf "$IA")
wf="firewalld: warns on 1 of 3 nodes (n2): firewalld running (pid $FWPID, 'sleep'): open IPsec with its ipsec service"
ff="firewall-cmd --permanent --add-service=ipsec && firewall-cmd --reload"
assert_eq "(i) firewalld: one warning, n2 only, no pair (it drops nothing here)" \
	"firewalld|warn|$ff
nodes: n2; pairs: " \
	"$(jq -r '.problems[] | select(.id == "firewalld") | "\(.id)|\(.severity)|\(.fix)"' <<<"$json")
$(scope_of "$json" "$wf")"
assert_eq "(i) ... with its pid and comm" "$wf" \
	"$(jq -r '.problems[] | select(.id == "firewalld") | .what' <<<"$json")"
assert_eq "(i) n1 and n3 see no firewalld" "n1 ok|n3 ok" \
	"$(jq -r '[.nodes[] | .node as $n | .checks[] | select(.id == "firewalld" and .status != "warn") | "\($n) \(.status)"] | join("|")' <<<"$json")"
assert_eq "(i) the text: the problem line and its fix" "warn  $wf
      fix: $ff" "$(grep -A1 -xF "warn  $wf" <<<"$txt")"
assert_match "(i) the folded line names n2" '^  firewalld +ok on 2 nodes; warn on n2$' "$txt"
assert_eq "(i) its zone's rule: the one problem on the path" \
	"firewall.in|n2's firewall drops incoming ESP from every peer (n1, n3): table inet firewalld chain filter_INPUT: meta l4proto esp drop # handle $hf" \
	"$(problem_lines "$json" | grep -E '^(path|firewall\.|nat|probe)')"
# firewalld explains what it shadows: read before the failing rule of
# its zone and every other warning, after no problem but a failing check
# of an earlier rank (the kernel's, the IKE daemon's)
order=$(jq -r '.problems[] | "\(.id) \(.severity)"' <<<"$json")
at() { grep -n "^$1 " <<<"$order" | cut -d: -f1; }
assert_eq "(i) before firewalld: only fails of the kernel or the IKE daemon" "" \
	"$(sed '/^firewalld /,$d' <<<"$order" | grep -vE '^(kernel\.|ports\.|strongswan\.|xfrm\.)[^ ]* fail$')"
assert_eq "(i) ... and after it no check of an earlier rank" "" \
	"$(sed '1,/^firewalld /d' <<<"$order" | grep -E '^(kernel\.|ports\.|strongswan\.|xfrm\.)')"
assert_eq "(i) the warning comes before the fail it explains (firewall.in)" "yes" \
	"$(f=$(at firewalld) r=$(at firewall.in); [ -n "$f" ] && [ -n "$r" ] && [ "$f" -lt "$r" ] && echo yes)"
assert_eq "(i) ... and before the lab's sysctl.redirects warning" "yes" \
	"$(f=$(at firewalld) r=$(at sysctl.redirects); [ -n "$f" ] && [ -n "$r" ] && [ "$f" -lt "$r" ] && echo yes)"
no_healthy_in_problems "(i)" "$json"
kill "$FWPID"
FWPID=
x $A n2 rm -f /run/firewalld.pid
x $A n2 nft delete table inet firewalld
"$LAB" down --name $A >/dev/null
finish
