#!/bin/bash
# test_trace.sh - probe/trace.c against the kernel's own nftables trace:
# a probe dropped by a rule or a policy is named exactly, other packets
# are not traced, the tracing table is gone afterwards.
. "$(dirname "$0")/lib.sh"
need_root
H=$TOP/build/helpers
A=ttr-a B=ttr-b

cleanup() { ip netns del $A 2>/dev/null; ip netns del $B 2>/dev/null; }
trap cleanup EXIT
cleanup
{ ip netns add $A && ip netns add $B; } || fail_all "cannot create namespaces"
ip -n $A link add eth0 type veth peer name eth0 netns $B
ip -n $A addr add 198.18.9.1/24 dev eth0
ip -n $B addr add 198.18.9.2/24 dev eth0
for ns in $A $B; do ip -n "$ns" link set eth0 up; ip -n "$ns" link set lo up; done

ip netns exec $A nft -f - <<'NFT'
table inet filter {
	chain input {
		type filter hook input priority 0; policy drop;
		udp dport 500 accept comment "ike"
		meta l4proto esp drop comment "no esp"
	}
	chain output {
		type filter hook output priority 0; policy accept;
		udp dport 4500 drop comment "no nat-t out"
	}
}
NFT
esp_handle=$(ip netns exec $A nft -a list chain inet filter input | sed -n 's/.*"no esp" # handle \([0-9]*\)/\1/p')
out_handle=$(ip netns exec $A nft -a list chain inet filter output | sed -n 's/.*"no nat-t out" # handle \([0-9]*\)/\1/p')

out=$(mktemp)
ip netns exec $A "$H/trace_watch" 2 >"$out" 2>&1 &
watcher=$!
for _ in $(seq 50); do grep -q ready "$out" && break; sleep 0.1; done
ip netns exec $B "$H/sendpkt" esp 198.18.9.1 0x74730005
ip netns exec $B "$H/sendpkt" esp 198.18.9.1 0x11110005
ip netns exec $B "$H/sendpkt" udp 198.18.9.1 500 74736e740000000000000000
ip netns exec $B "$H/sendpkt" udp 198.18.9.1 4500 0000000074736e74aaaa
ip netns exec $B "$H/sendpkt" udp 198.18.9.1 500 aabbccdd00
# the output chain drops it: sendto() fails with EPERM, as it should
ip netns exec $A "$H/sendpkt" udp 198.18.9.2 4500 0000000074736e74bbbb 2>/dev/null
wait $watcher
assert_eq "trace_watch exits cleanly" 0 $?
res=$(cat "$out")
rm -f "$out"
assert_match "ESP probe dropped by the exact rule" \
	"^drop in inet filter input rule $esp_handle esp spi 0x74730005 198.18.9.2 > 198.18.9.1$" "$res"
assert_nomatch "ESP outside the probe range is not traced" "0x11110005" "$res"
assert_match "IKE probe on 500 accepted by its rule" \
	"^accept in inet filter input rule [0-9]+ udp dport 500 198.18.9.2 > 198.18.9.1$" "$res"
assert_match "IKE probe on 4500 dropped by the input policy" \
	"^drop in inet filter input policy udp dport 4500 198.18.9.2 > 198.18.9.1$" "$res"
assert_eq "a non-probe IKE packet is not traced" 1 \
	"$(printf '%s\n' "$res" | grep -c 'udp dport 500')"
assert_match "the sender's own output drop is traced on the output hook" \
	"^drop out inet filter output rule $out_handle udp dport 4500 198.18.9.1 > 198.18.9.2$" "$res"
assert_nomatch "the tracing table is removed" "tsnet-probe" \
	"$(ip netns exec $A nft list tables)"

# A table left behind by a dead run makes start fail with EEXIST.
ip netns exec $A nft add table inet tsnet-probe
ip netns exec $A "$H/trace_watch" 0 >/dev/null 2>&1
assert_eq "a leftover table is refused (runtime error)" 3 $?
finish
