#!/bin/bash
# test_nft_tsan.sh - the ruleset reader's two threads (nft/
# nft_fetch.c: the fetcher receives the rules, the caller parses them)
# under ThreadSanitizer, on a namespace holding 10,000 rules: reads by
# nft-eval, a whole nft-fix (its snapshot and plan after the read),
# reads taken again while another process keeps changing the ruleset
# (a new fetcher each try), and a read with no thread to be had.  Each
# must end as it should and TSan must report nothing (it would exit 66).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
need_root

command -v nft >/dev/null || skip_all "nft not installed"
command -v setpriv >/dev/null || skip_all "no setpriv"
command -v jq >/dev/null || skip_all "no jq"
BIN=$(mktemp -d /tmp/tk.XXXXXX)
chmod 755 "$BIN"
NS=tk1
cleanup() {
	ip netns del $NS 2>/dev/null
	rm -rf "$BIN"
}
trap cleanup EXIT
echo 'int main(void) { return 0; }' |
	cc -x c -fsanitize=thread -o "$BIN/probe" - 2>/dev/null ||
	fail_all "the compiler here cannot build with ThreadSanitizer"

# Its own build tree, so it never mixes objects with ./build; not the
# caller's make flags (make check runs this from make).
unset MAKEFLAGS MFLAGS MAKELEVEL
if ! make -C "$TOP" -j2 B="$BIN/b" LDFLAGS=-fsanitize=thread \
	CFLAGS="-O1 -g -fsanitize=thread -Wno-error=maybe-uninitialized" \
	tsnet-asan >"$BIN/make.log" 2>&1; then
	fail_all "ThreadSanitizer build: $(tail -3 "$BIN/make.log")"
fi
T=$BIN/b/tsnet
export TSAN_OPTIONS="halt_on_error=1 exitcode=66"

ip netns add $NS
ip -n $NS link set lo up
ip -n $NS link add v0 type veth peer name v1
ip -n $NS link set v0 up
ip -n $NS addr add 198.18.0.1/15 dev v0
"$TOP/tests/data/nft/many-rules.sh" 10000 >"$BIN/rules.nft"
ip netns exec $NS nft -f "$BIN/rules.nft" || fail_all "nft -f refused the generated rules"

echo "# threaded reads (at ${SECONDS}s)"
for i in 1 2 3; do
	out=$(ip netns exec $NS "$T" agent nft-eval 198.18.0.9 2>&1)
	rc=$?
	assert_eq "read $i: exit 0" 0 "$rc"
	assert_match "read $i: all 10,000 rules" '"rules":10000,' "$out"
	assert_nomatch "read $i: no race" ThreadSanitizer "$out"
done

echo "# a whole fix (at ${SECONDS}s)"
out=$(printf '{"no_persist":true,"members":["198.18.0.1","198.18.0.9"]}' |
	ip netns exec $NS unshare -m sh -c \
		'mount -t tmpfs tk /var/lib/tsnet && exec "$0" agent nft-fix' \
		"$T" 2>&1)
rc=$?
assert_eq "nft-fix: exit 0" 0 "$rc"
assert_match "nft-fix: changed" '"changed":true' "$out"
assert_nomatch "nft-fix: no race" ThreadSanitizer "$out"
# the rules there now, as nft counts them: each read below must see all
want=$(ip netns exec $NS nft -j list ruleset |
	jq '[.nftables[] | select(has("rule"))] | length')
if [ "${want:-0}" -gt 10000 ] 2>/dev/null && [ "$want" -lt 10100 ]; then
	ok "nft-fix: the 10,000 rules and its own: $want"
else not_ok "nft-fix: want 10,000 rules and a few of its own, nft counts '$want'"; fi

echo "# reads while the ruleset changes (at ${SECONDS}s)"
ip netns exec $NS bash -c 'while :; do nft add table ip churn
	nft delete table ip churn; sleep 0.05; done' &
churn=$!
bad=0
for _ in 1 2 3 4 5 6; do
	out=$(ip netns exec $NS "$T" agent nft-eval 198.18.0.9 2>&1)
	rc=$?
	case $rc:$out in
	0:*"\"rules\":$want,"*) ;;
	3:*"it kept changing while it was read"*) ;;
	*) bad=$((bad + 1)); printf '%s\n' "$out" | head -5 ;;
	esac
done
kill "$churn"
wait "$churn" 2>/dev/null
assert_eq "under churn: the answer or 'kept changing', no race" 0 "$bad"

echo "# no thread to be had (at ${SECONDS}s)"
out=$(ip netns exec $NS setpriv --reuid=65534 --regid=65534 --clear-groups \
	--inh-caps=+net_admin --ambient-caps=+net_admin \
	bash -c 'ulimit -u 1 && exec "$0" agent nft-eval 198.18.0.9' "$T" 2>&1)
rc=$?
assert_eq "no thread: exit 0" 0 "$rc"
assert_match "no thread: all $want rules read" "\"rules\":$want," "$out"
assert_nomatch "no thread: no race" ThreadSanitizer "$out"

finish
