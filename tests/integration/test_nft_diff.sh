#!/bin/bash
# test_nft_diff.sh - the nftables evaluator against the kernel on random
# rulesets: tests/integration/nft_gen.py makes one per seed (tables of
# every family, netdev too, base chains on every hook at random
# priorities and policies, ingress on the test's interface, jumps and
# gotos, named and anonymous sets, intervals, timeouts, verdict maps,
# sets written from the packet path and read after, negations, ct state,
# interface names, every verdict), the real `nft -f` loads it, and
# for each of the six flows (UDP 500, UDP 4500, ESP; in and out; IPv4 and
# IPv6) every verdict tsnet can decide must be what real packets do.
# Nobody wrote the answers: the kernel is the oracle.  A disagreement
# prints the seed's ruleset (nft_gen.py SEED makes it again).
#
#   NFT_DIFF_SEEDS=N (default 40) seeds 1..N; NFT_DIFF_FIRST=K starts at K.
. "$(dirname "$0")/lib.sh"
need_root

command -v python3 >/dev/null || skip_all "python3 not installed"
NFT_NS=td
. "$(dirname "$0")/nft_lib.sh"

first=${NFT_DIFF_FIRST:-1}
last=$((first + ${NFT_DIFF_SEEDS:-40} - 1))
for seed in $(seq "$first" "$last"); do
	# one pair at a time: the previous one goes
	[ -n "$A" ] && ip netns del "$A" && ip netns del "$P"
	topo || { not_ok "seed $seed: namespaces"; continue; }
	python3 "$TOP/tests/integration/nft_gen.py" "$seed" >"$BIN/r.nft"
	if ! out=$(load "$BIN/r.nft" 2>&1); then
		not_ok "seed $seed: nft -f refused the ruleset: $out"
		continue
	fi
	failed=$T_FAIL
	agrees "seed $seed" 4
	agrees "seed $seed" 6
	if [ "$T_FAIL" -ne "$failed" ]; then
		echo "# seed $seed's ruleset:"
		sed 's/^/#   /' "$BIN/r.nft"
	fi
done

# Not vacuous: most verdicts were decided, and both kinds came up.
total=$((AGREE_DECIDED + AGREE_UNDECIDABLE))
if [ "$total" -gt 0 ] && [ $((AGREE_DECIDED * 100 / total)) -ge 80 ]; then
	ok "decided $AGREE_DECIDED of $total verdicts"
else
	not_ok "decided only $AGREE_DECIDED of $total verdicts (want 80%)"
fi
assert_match "some flows accepted" " accept" "$AGREE_SEEN"
assert_match "some flows dropped" " drop" "$AGREE_SEEN"
finish
