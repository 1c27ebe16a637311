#!/bin/bash
# test_host.sh - `tsnet agent preflight-host` on real namespaces of this
# machine: the real kernel's XFRM answers (compared with what `ip xfrm`
# gets from the same kernel), sysctls set with sysctl -w, UDP 500/4500
# held by a real process named pluto, and a real charon in a lab node.
. "$(dirname "$0")/lib.sh"
need_root

A=th-host-a B=th-host-b LABNAME=th1
TMPD=$(mktemp -d /tmp/th-host.XXXXXX)
PIDS=()

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	ip netns del $A 2>/dev/null
	ip netns del $B 2>/dev/null
	"$LAB" down --name $LABNAME >/dev/null 2>&1
	rm -rf "$TMPD"
	true
}
trap cleanup EXIT

[ -x "$TSNET" ] || fail_all "no $TSNET (run make)"
cp "$TSNET" "$TMPD/tsnet"	# others may rebuild ./tsnet while we run
TSNET=$TMPD/tsnet
command -v jq >/dev/null || skip_all "jq is needed to read the JSON (package jq)"
command -v cc >/dev/null || skip_all "cc is needed to build the fake pluto"

# field JSON ID KEY: a check's status, detail or fix
field() {
	jq -r --arg id "$2" --arg k "$3" \
		'[.checks[] | select(.id == $id)] | if length == 1
		 then .[0][$k] // "" else "NO-SUCH-CHECK" end' <<<"$1"
}
agent() {	# agent NS ARGS...: the action in a namespace, JSON on stdout
	local ns=$1
	shift
	ip netns exec "$ns" "$TSNET" agent preflight-host "$@"
}
# wait_udp NS PORT: until something is bound there (2 s at most)
wait_udp() {
	for _ in $(seq 40); do
		ip netns exec "$1" ss -Huln "sport = :$2" | grep -q . && return 0
		sleep 0.05
	done
	return 1
}

# A tiny UDP holder: its comm is whatever the binary is called.
cat >"$TMPD/holder.c" <<'EOF'
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
int main(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(500) };
	struct sockaddr_in6 b = { .sin6_family = AF_INET6,
				  .sin6_port = htons(4500) };
	int s = socket(AF_INET, SOCK_DGRAM, 0), t = socket(AF_INET6, SOCK_DGRAM, 0);

	if (bind(s, (struct sockaddr *)&a, sizeof(a)) ||
	    bind(t, (struct sockaddr *)&b, sizeof(b)))
		return 1;
	pause();
	return 0;
}
EOF
cc -o "$TMPD/pluto" "$TMPD/holder.c" || fail_all "cannot build the fake pluto"
# What iptables-legacy does first: ask x_tables for a table, which makes
# the kernel instantiate it in this namespace (/proc/net/ip_tables_names).
cat >"$TMPD/xt.c" <<'EOF'
#include <linux/netfilter_ipv4/ip_tables.h>
#include <string.h>
#include <sys/socket.h>
int main(void)
{
	struct ipt_getinfo info;
	socklen_t len = sizeof(info);
	int s = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);

	memset(&info, 0, sizeof(info));
	strcpy(info.name, "filter");
	return getsockopt(s, IPPROTO_IP, IPT_SO_GET_INFO, &info, &len) != 0;
}
EOF
cc -o "$TMPD/xt" "$TMPD/xt.c" || fail_all "cannot build the x_tables probe"
cp "$TMPD/pluto" "$TMPD/udpkeeper"
cp "$TMPD/pluto" "$TMPD/firewalld"

ip netns add $A && ip netns add $B &&
ip -n $A link add eth0 type veth peer name eth0 netns $B &&
ip -n $A addr add 198.18.7.1/24 dev eth0 &&
ip -n $B addr add 198.18.7.2/24 dev eth0 &&
ip -n $A link set eth0 mtu 1400 up && ip -n $B link set eth0 up &&
ip -n $A link set lo up
assert_eq "two namespaces with eth0" 0 $?

echo "-- the kernel, asked for real"
before=$(date +%s.%N)
out=$(agent $A --interface eth0 --payload-mtu 1400)
rc=$?
after=$(date +%s.%N)
# The checks are the ones man tsnet-preflight documents under "Host
# checks" (each .TP's .B line), but clock and cloud, which the
# coordinator adds: each once, whatever their number.
documented=$(awk '/^\.SS Host checks/ { on = 1; next } /^\.SS / { on = 0 }
	on && tp && /^\.B / { sub(/^\.B /, ""); print } { tp = ($0 == ".TP") }' \
	"$TOP/man/tsnet-preflight.8" | sed 's/\\-/-/g' | tr ' ' '\n' |
	grep -vxE 'clock|cloud' | sort)
[ "$(wc -l <<<"$documented")" -ge 10 ] ||
	fail_all "no host checks read from man/tsnet-preflight.8"
assert_eq "output is JSON with every documented check, each once" \
	"$documented" "$(jq -r '.checks[].id' <<<"$out" | sort)"
assert_eq "no peer given: route is a skip that says so" "skip|no peer to route to" \
	"$(field "$out" route status)|$(field "$out" route detail)"
assert_eq "kernel.xfrm" ok "$(field "$out" kernel.xfrm status)"
assert_match "kernel.xfrm did a real dump" 'answers an SA dump \([0-9]+ SAs\)' \
	"$(field "$out" kernel.xfrm detail)"
# The oracle: what `ip xfrm` gets from the same kernel for the same state.
ipout=$(unshare --net -- ip xfrm state add src 198.18.0.1 dst 198.18.0.2 \
	proto esp spi 0x100 mode transport enc 'cbc(aes)' \
	0x0102030405060708090a0b0c0d0e0f10 2>&1)
iprc=$?
esp=$(field "$out" kernel.esp detail)
if [ $iprc -eq 0 ]; then
	assert_eq "kernel.esp (this kernel has ESP)" ok "$(field "$out" kernel.esp status)"
else
	assert_eq "kernel.esp (no ESP here: $ipout)" fail "$(field "$out" kernel.esp status)"
	assert_match "kernel.esp names the errno" \
		'XFRM_MSG_NEWSA: E[A-Z]+ \([A-Za-z ]+\)' "$esp"
	why=$(printf '%s' "$ipout" | sed -n 's/^Error: \(.*\)\.$/\1/p')
	assert_match "kernel.esp gives the kernel's own words, as ip does" \
		"kernel says \"$why\"" "$esp"
	assert_eq "exit 1: a check failed" 1 "$rc"
fi
if ipout=$(unshare --net -- ip xfrm state add src 198.18.0.1 dst 198.18.0.2 \
	proto esp spi 0x100 mode transport aead 'rfc4106(gcm(aes))' \
	0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021222324 128 2>&1) ||
   printf '%s' "$ipout" | grep -q 'type not found'; then
	assert_eq "kernel.gcm (XFRM knows the AEAD)" ok "$(field "$out" kernel.gcm status)"
else
	assert_eq "kernel.gcm ($ipout)" fail "$(field "$out" kernel.gcm status)"
	assert_match "kernel.gcm names ENOSYS" 'ENOSYS' "$(field "$out" kernel.gcm detail)"
fi
if grep -qw aes /proc/cpuinfo; then w=ok; else w=warn; fi
assert_eq "cpu.aesni matches /proc/cpuinfo" $w "$(field "$out" cpu.aesni status)"
assert_eq "hostname" "$(uname -n)" "$(jq -r .hostname <<<"$out")"
inwin=$(jq -r --argjson b "$before" --argjson a "$after" \
	'.time >= $b and .time <= $a' <<<"$out")
assert_eq "time is the node's wall clock ($before .. $after)" true "$inwin"

echo "-- MTU of the real interface"
assert_eq "mtu 1400 < 1400 + 37: warn" warn "$(field "$out" mtu status)"
assert_match "mtu arithmetic" 'eth0 MTU 1400 leaves 1363 bytes' "$(field "$out" mtu detail)"
ip -n $A link set eth0 mtu 1500
out=$(agent $A --interface eth0 --payload-mtu 1400)
assert_eq "mtu 1500 is enough for 1400" ok "$(field "$out" mtu status)"
assert_match "mtu with UDP encapsulation" '1463 bytes .* 1455 with UDP' "$(field "$out" mtu detail)"
out=$(agent $A --interface th-nope0)
assert_eq "a missing interface fails mtu" fail "$(field "$out" mtu status)"
assert_match "and says why" 'ENODEV' "$(field "$out" mtu detail)"

echo "-- the routes to the peers (RTM_GETROUTE), as ip route get sees them"
out=$(agent $A --payload-mtu 1400 --address 198.18.7.1 b=198.18.7.2)
assert_eq "no --interface: the route's is checked" \
	"ok|1 peer address via eth0 from 198.18.7.1 (no interface in the inventory: the routes')" \
	"$(field "$out" route status)|$(field "$out" route detail)"
assert_match "... mtu on it, not skipped" \
	'^eth0 MTU 1500: 1463 bytes .*\(the routes.* interface: the inventory names none\)$' \
	"$(field "$out" mtu detail)"
assert_eq "... its prefix is the node's subnet" "198.18.7.0/24" "$(jq -r .prefix <<<"$out")"
assert_eq "... as ip route get says" \
	"$(ip -n $A route get 198.18.7.2 | sed -n 's/.* dev \([^ ]*\) src \([^ ]*\).*/\1 \2/p')" \
	"$(jq -r '.routes[0] | "\(.iface) \(.src)"' <<<"$out")"
ip -n $A route add 198.18.8.0/24 dev eth0 mtu 1300
out=$(agent $A --payload-mtu 1400 --address 198.18.7.1 b=198.18.7.2 c=198.18.8.3)
assert_eq "a route's MTU below what ESP needs: the pair, interface, number" \
	"warn|eth0 MTU 1500: 1463 bytes left for payload in ESP (AES-GCM-16), 1455 with UDP encapsulation (the routes' interface: the inventory names none); to c via eth0 the path MTU is 1300: 1255 bytes left in ESP with UDP encapsulation, below the inventory's payload_mtu 1400" \
	"$(field "$out" mtu status)|$(field "$out" mtu detail)"
ip -n $A addr add 198.18.7.9/24 dev eth0
ip -n $A route change 198.18.8.0/24 dev eth0 src 198.18.7.9
out=$(agent $A --interface eth0 --address 198.18.7.1 b=198.18.7.2 c=198.18.8.3 d=198.19.200.9)
assert_eq "a source that is not the inventory's, and no route" \
	"fail|to c (198.18.8.3) the kernel sends from 198.18.7.9, not 198.18.7.1 (the inventory's address): IKE and the SAs would use another address; no route to d (198.19.200.9): ENETUNREACH (Network is unreachable)" \
	"$(field "$out" route status)|$(field "$out" route detail)"
assert_eq "... each route's fault for the coordinator" "null src none" \
	"$(jq -r '[.routes[].fault] | map(. // "null") | join(" ")' <<<"$out")"
ip -n $A link add eth9 type veth peer name eth8
ip -n $A link set eth9 up
ip -n $A route change 198.18.8.0/24 dev eth9
out=$(agent $A --interface eth0 --address 198.18.7.1 b=198.18.7.2 c=198.18.8.3)
assert_eq "a peer reached by another interface than the inventory's" \
	"fail|c (198.18.8.3) is reached by eth9, not eth0 (the inventory's interface)" \
	"$(field "$out" route status)|$(field "$out" route detail)"
ip -n $A link del eth9
ip -n $A addr del 198.18.7.9/24 dev eth0
assert_exit "a peer that is not NAME=ADDRESS" 2 agent $A b:198.18.7.2

echo "-- IPsec policies that are not tsnet's (ip xfrm)"
out=$(agent $A --interface eth0 --address 198.18.7.1 b=198.18.7.2)
assert_eq "none yet" "ok|no IPsec state or policy but tsnet's (0 SAs, 0 policies)" \
	"$(field "$out" xfrm.foreign status)|$(field "$out" xfrm.foreign detail)"
ip -n $A xfrm policy add src 198.18.7.0/24 dst 198.18.7.0/24 dir out \
	tmpl proto esp mode transport
ip -n $A xfrm policy add src 198.18.50.0/24 dst 198.18.51.0/24 dir in \
	tmpl proto esp mode transport
out=$(agent $A --interface eth0 --address 198.18.7.1 b=198.18.7.2)
assert_eq "another setup's policy over the traffic with a peer" \
	"fail|2 of the kernel's IPsec states and policies are not tsnet's, taking over the traffic between the nodes: policy out 198.18.7.0/24 -> 198.18.7.0/24 action allow priority 0 index N (covers the traffic with b); policy in 198.18.50.0/24 -> 198.18.51.0/24 action allow priority 0 index N" \
	"$(field "$out" xfrm.foreign status)|$(field "$out" xfrm.foreign detail |
		sed -E 's/ index [0-9]+/ index N/g')"
assert_match "... the fix says whose and how to remove them" 'ip xfrm policy flush' \
	"$(field "$out" xfrm.foreign fix)"
ip -n $A xfrm policy flush

echo "-- sysctls, set with sysctl -w in the namespace"
ip netns exec $A sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth0.rp_filter=1
out=$(agent $A --interface eth0)
assert_eq "strict rp_filter on eth0" warn "$(field "$out" sysctl.rp_filter status)"
fix=$(field "$out" sysctl.rp_filter fix)
assert_eq "rp_filter fix" "sysctl -w net.ipv4.conf.eth0.rp_filter=2" "$fix"
# shellcheck disable=SC2086 # the fix is a command line: split it
ip netns exec $A $fix >/dev/null
out=$(agent $A --interface eth0)
assert_eq "after the fix: ok" ok "$(field "$out" sysctl.rp_filter status)"
ip -n $A link add eth9 type veth peer name eth8
ip -n $A link set eth9 up
ip -n $A route add 198.18.8.0/24 dev eth9
ip netns exec $A sysctl -qw net.ipv4.conf.eth9.rp_filter=1
out=$(agent $A --interface eth0 --address 198.18.7.1 b=198.18.7.2 c=198.18.8.3)
assert_eq "strict rp_filter on another interface a route to a peer leaves by" \
	"warn|strict rp_filter (1) on eth9, by which the route to c leaves: decrypted packets whose reverse route is not via eth9 are dropped|sysctl -w net.ipv4.conf.eth9.rp_filter=2" \
	"$(field "$out" sysctl.rp_filter status)|$(field "$out" sysctl.rp_filter detail)|$(field "$out" sysctl.rp_filter fix)"
ip netns exec $A sysctl -qw net.ipv4.conf.eth9.rp_filter=2
out=$(agent $A --interface eth0 --address 198.18.7.1 b=198.18.7.2 c=198.18.8.3)
assert_eq "... loose there: ok" ok "$(field "$out" sysctl.rp_filter status)"
ip -n $A link del eth9
ip netns exec $A sysctl -qw net.ipv4.conf.all.rp_filter=1
out=$(agent $A --interface eth0)
assert_eq "all=1, eth0=2: the maximum (2) applies" ok "$(field "$out" sysctl.rp_filter status)"
ip netns exec $A sysctl -qw net.ipv4.conf.eth0.rp_filter=0
out=$(agent $A --interface eth0)
assert_eq "all=1, eth0=0: strict" warn "$(field "$out" sysctl.rp_filter status)"

for k in net.ipv4.conf.all.send_redirects net.ipv4.conf.eth0.send_redirects \
	net.ipv4.conf.all.accept_redirects net.ipv4.conf.eth0.accept_redirects \
	net.ipv6.conf.eth0.accept_redirects; do
	ip netns exec $A sysctl -qw $k=0
done
out=$(agent $A --interface eth0)
assert_eq "redirects all off" ok "$(field "$out" sysctl.redirects status)"
ip netns exec $A sysctl -qw net.ipv4.conf.eth0.send_redirects=1
out=$(agent $A --interface eth0)
assert_eq "eth0 send_redirects=1" warn "$(field "$out" sysctl.redirects status)"
fix=$(field "$out" sysctl.redirects fix)
assert_eq "redirects fix" "sysctl -w net.ipv4.conf.eth0.send_redirects=0" "$fix"
# shellcheck disable=SC2086 # the fix is a command line: split it
ip netns exec $A $fix >/dev/null
out=$(agent $A --interface eth0)
assert_eq "after the fix: ok" ok "$(field "$out" sysctl.redirects status)"
ip netns exec $A sysctl -qw net.core.xfrm_larval_drop=0
out=$(agent $A --interface eth0)
assert_eq "xfrm_larval_drop=0" warn "$(field "$out" sysctl.larval_drop status)"
ip netns exec $A sysctl -qw net.core.xfrm_larval_drop=1

echo "-- UDP 500/4500 held by a process named pluto"
out=$(agent $A --interface eth0)
assert_eq "ports free" ok "$(field "$out" ports.ike status)"
ip netns exec $A "$TMPD/pluto" &
PIDS+=($!)
pluto=$!
wait_udp $A 500 && wait_udp $A 4500
assert_eq "pluto bound 500 and 4500" 0 $?
out=$(agent $A --interface eth0)
assert_eq "pluto holding IKE ports fails" fail "$(field "$out" ports.ike status)"
d=$(field "$out" ports.ike detail)
assert_match "names pluto on 500" "UDP 500: pluto \\(pid $pluto\\), Libreswan's IKE daemon" "$d"
assert_match "names pluto on 4500 (udp6)" "UDP 4500: pluto \\(pid $pluto\\)" "$d"
assert_eq "pluto fix" "systemctl disable --now ipsec" "$(field "$out" ports.ike fix)"
out=$(agent $B --interface eth0)
assert_eq "the other namespace's ports are free" ok "$(field "$out" ports.ike status)"
ip netns exec $B "$TMPD/udpkeeper" &
PIDS+=($!)
keeper=$!
wait_udp $B 500
out=$(agent $B --interface eth0)
assert_eq "any other holder fails too" fail "$(field "$out" ports.ike status)"
assert_match "and is named" "UDP 500: udpkeeper \\(pid $keeper\\)" "$(field "$out" ports.ike detail)"
kill "$pluto" "$keeper"

echo "-- firewalld"
ip netns exec $B "$TMPD/firewalld" &
PIDS+=($!)
fw=$!
wait_udp $B 500
out=$(agent $B --interface eth0)
assert_eq "firewalld running: warn" warn "$(field "$out" firewalld status)"
assert_match "its ipsec service" 'firewall-cmd --permanent --add-service=ipsec' \
	"$(field "$out" firewalld fix)"
kill "$fw"
wait 2>/dev/null

echo "-- iptables-legacy tables, made by the kernel on request"
out=$(agent $B --interface eth0)
assert_eq "no legacy tables yet" ok "$(field "$out" iptables-legacy status)"
if ip netns exec $B "$TMPD/xt"; then
	out=$(agent $B --interface eth0)
	assert_eq "an empty legacy filter table: its rules read, nothing dropped" \
		"ok|iptables-legacy tables filter (IPv4): UDP 500, UDP 4500 and ESP pass them" \
		"$(field "$out" iptables-legacy status)|$(field "$out" iptables-legacy detail)"
	ip netns exec $B iptables-legacy -A INPUT -p esp -m comment --comment "no esp" -j DROP
	ip netns exec $B iptables-legacy -P OUTPUT DROP
	ip netns exec $B iptables-legacy -A OUTPUT -p udp --dport 500 -j ACCEPT
	out=$(agent $B --interface eth0)
	assert_eq "rules that drop IPsec where nftables cannot see them: named as iptables-legacy-save prints them" \
		"fail|iptables-legacy (which nftables cannot see) drops incoming ESP: -A INPUT -p esp -m comment --comment \"no esp\" -j DROP; outgoing UDP 4500: chain OUTPUT policy DROP; outgoing ESP: chain OUTPUT policy DROP" \
		"$(field "$out" iptables-legacy status)|$(field "$out" iptables-legacy detail)"
	assert_match "... with the fix" '^allow it there \(iptables-legacy -I INPUT -p esp -j ACCEPT' \
		"$(field "$out" iptables-legacy fix)"
	ip netns exec $B iptables-legacy -F
	ip netns exec $B iptables-legacy -P OUTPUT ACCEPT
else
	skip_check legacy-xtables "this kernel has no legacy x_tables (ip_tables)"
fi

echo "-- bad input"
assert_exit "--interface with a slash" 2 "$TSNET" agent preflight-host --interface ../x
assert_exit "--payload-mtu not a number" 2 "$TSNET" agent preflight-host --payload-mtu 1e3
assert_exit "stray argument" 2 "$TSNET" agent preflight-host eth0
err=$("$TSNET" agent preflight-host --payload-mtu 70000 2>&1 >/dev/null)
assert_match "one-line error" '^tsnet: agent preflight-host: --payload-mtu .70000.: not 0 or a number from 68 to 65535$' "$err"
assert_exit "--payload-mtu 67" 2 "$TSNET" agent preflight-host --payload-mtu 67
out=$(agent $A --interface eth0 --payload-mtu 0)
assert_match "--payload-mtu 0: no requirement" 'no payload_mtu to compare' "$(field "$out" mtu detail)"

echo "-- a real charon in a lab node"
if ! out=$("$LAB" up 2 --name $LABNAME 2>&1); then
	not_ok "lab up 2 --name $LABNAME: $out"
	finish
	exit
fi
"$LAB" exec --name $LABNAME n1 sh -c \
	'setsid /usr/lib/ipsec/charon </dev/null >/dev/null 2>&1 &'
for _ in $(seq 100); do
	"$LAB" exec --name $LABNAME n1 ss -Huln 'sport = :4500' | grep -q . && break
	sleep 0.1
done
cpid=$("$LAB" exec --name $LABNAME n1 cat /run/charon.pid 2>/dev/null)
assert_match "charon wrote /run/charon.pid in n1" '^[0-9]+$' "$cpid"
out=$("$LAB" exec --name $LABNAME n1 "$TSNET" agent preflight-host --interface eth0)
assert_eq "strongswan.installed" ok "$(field "$out" strongswan.installed status)"
assert_match "version from charon --version" "strongSwan [0-9]+\\.[0-9]+" \
	"$(field "$out" strongswan.installed detail)"
assert_eq "strongswan.plugins (the lab's load list)" ok "$(field "$out" strongswan.plugins status)"
assert_match "from the explicit load list" 'explicit load list' \
	"$(field "$out" strongswan.plugins detail)"
assert_eq "strongswan.running" ok "$(field "$out" strongswan.running status)"
assert_eq "charon running with its pid" "charon running (pid $cpid)" \
	"$(field "$out" strongswan.running detail)"
assert_eq "ports held by charon are ours" ok "$(field "$out" ports.ike status)"
d=$(field "$out" ports.ike detail)
assert_match "charon holds 500" "UDP 500: charon \\(pid $cpid\\)" "$d"
assert_match "charon holds 4500" "UDP 4500: charon \\(pid $cpid\\)" "$d"
assert_eq "charon's own socket policies are not foreign IPsec" ok \
	"$(field "$out" xfrm.foreign status)"
assert_eq "charon answers VICI (the version swanctl sees)" \
	"ok|charon (pid $cpid) answers VICI at /run/charon.vici: strongSwan $("$LAB" exec --name $LABNAME n1 swanctl --version 2>/dev/null | sed -n 's/.*strongSwan swanctl \([0-9.]*\).*/\1/p')" \
	"$(field "$out" strongswan.vici status)|$(field "$out" strongswan.vici detail)"
assert_eq "connmark: charon's VICI stats list the lab's plugins, without connmark" \
	"not loaded" "$(jq -r .connmark <<<"$out")"
# a charon that hangs still accepts on its socket: stopped, it answers nothing
kill -STOP "$cpid"
out=$("$LAB" exec --name $LABNAME n1 "$TSNET" agent preflight-host --interface eth0)
kill -CONT "$cpid"
assert_eq "a stopped charon: running, but not answering VICI" \
	"ok|fail|charon (pid $cpid) runs but does not answer VICI at /run/charon.vici: ETIMEDOUT (Connection timed out) (no answer to \"version\": it hangs)" \
	"$(field "$out" strongswan.running status)|$(field "$out" strongswan.vici status)|$(field "$out" strongswan.vici detail)"
assert_match "... and says what to do" '^restart charon' "$(field "$out" strongswan.vici fix)"
out=$("$LAB" exec --name $LABNAME n2 "$TSNET" agent preflight-host --interface eth0)
assert_eq "n1's charon is not n2's" "charon not running (tsnet enable-ipsec starts it)" \
	"$(field "$out" strongswan.running detail)"
assert_eq "no charon: no VICI to ask" "ok|charon not running: no VICI to ask" \
	"$(field "$out" strongswan.vici status)|$(field "$out" strongswan.vici detail)"
assert_eq "n2's ports are free" ok "$(field "$out" ports.ike status)"
"$LAB" exec --name $LABNAME n1 sh -c 'echo 1 > /run/charon.pid'
out=$("$LAB" exec --name $LABNAME n1 "$TSNET" agent preflight-host --interface eth0)
assert_eq "a pid file naming another process" warn "$(field "$out" strongswan.running status)"
kill "$cpid" 2>/dev/null
finish
