#!/bin/bash
# enable_failure.sh - enable-ipsec failing mid-rollout on 3 lab nodes:
#   1. n3's nft input drops ESP: the SAs install but nothing decrypts;
#      enable-ipsec must say which pair and why, roll every node back,
#      and traffic must still flow (in clear);
#   2. n3's charon killed while the rollout runs (once it holds tsnet's
#      connections): the error names the pair and says n3's charon
#      stopped, not a firewall; every node rolled back, traffic flows;
#   3. n2's charon cannot start (its strongswan.conf loads no plugin it
#      has): the error names n2 and charon, n1 and n3 are rolled back.
NAME=te3
. "$(dirname "$0")/enable_lib.sh"
trap '"$LAB" down --name $NAME >/dev/null 2>&1' EXIT
T0=$(date +%s)
LAB_QUIET=1 "$LAB" up 3 --name $NAME >/dev/null || { not_ok "lab up"; finish; exit 1; }
ERR=$(mktemp)
stamp "lab up"

x n3 nft -f - <<'NFT'
table inet te_drop {
	chain input {
		type filter hook input priority 0;
		meta l4proto esp drop
	}
}
NFT
# --no-probe: the probe would see ESP blocked and encapsulate n3's pairs
# in UDP; this case is about the check that catches what slips past it.
"$T" -c "$(inv)" enable-ipsec --no-probe --timeout 300 >/dev/null 2>"$ERR"
rc=$?
stamp "enable-ipsec (ESP dropped on n3) done"
cat "$ERR"
assert_eq "ESP dropped: exit 1" 1 "$rc"
assert_eq "ESP dropped: one line" 1 "$(wc -l <"$ERR")"
assert_match "ESP dropped: names a pair with n3, why, and the rollback" \
	'^tsnet: enable-ipsec: n[12] <-> n3: ESP does not flow: n3 decrypted no ESP from n[12] .*\(rolled back on all nodes\)$' \
	"$(cat "$ERR")"
nothing_left n1 n2 n3
cleartext_ok n1 198.18.1.3
cleartext_ok n3 198.18.1.2
x n3 nft delete table inet te_drop
assert_eq "n3 accepts ESP again" "" "$(x n3 nft list ruleset)"

"$T" -c "$(inv)" enable-ipsec --timeout 300 >/dev/null 2>"$ERR" &
epid=$!
# Killed once ipsec-apply loaded n3's connections: the rollout is then
# between loading and trapping, where a dead peer used to look like a
# firewall dropping ESP.
for _ in $(seq 600); do
	x n3 swanctl --list-conns 2>/dev/null | grep -q '^tsnet-n1:' && break
	sleep 0.1
done
x n3 sh -c 'kill -9 "$(cat /run/charon.pid)"'
assert_eq "killed n3's charon during the rollout" 0 $?
wait $epid
rc=$?
stamp "enable-ipsec (n3's charon killed) done"
cat "$ERR"
assert_eq "charon killed: exit 1" 1 "$rc"
assert_eq "charon killed: one line" 1 "$(wc -l <"$ERR")"
assert_match "charon killed: names the pair, says n3's charon stopped" \
	'^tsnet: enable-ipsec: n[12] <-> n3: n3: charon is not running \(it stopped during the rollout\) \(rolled back on all nodes\)$' \
	"$(cat "$ERR")"
assert_nomatch "charon killed: no firewall blamed" 'firewall|ESP does not flow' \
	"$(cat "$ERR")"
nothing_left n1 n2
assert_eq "n3: no tsnet file" "" \
	"$(x n3 find /etc/swanctl/conf.d /var/lib/tsnet -mindepth 1)"
assert_eq "n3: no xfrm state left by the killed charon" "" "$(x n3 ip xfrm state)"
cleartext_ok n1 198.18.1.3
cleartext_ok n2 198.18.1.1

SSCONF=$(x n2 cat /etc/strongswan.conf)
x n2 sh -c 'printf "charon {\n load = nonexistent\n}\n" >/etc/strongswan.conf'
"$T" -c "$(inv)" enable-ipsec --no-probe --timeout 60 >/dev/null 2>"$ERR"
rc=$?
printf '%s\n' "$SSCONF" | x n2 sh -c 'cat >/etc/strongswan.conf'
stamp "enable-ipsec (n2's charon cannot start) done"
cat "$ERR"
assert_eq "charon cannot start: exit 1" 1 "$rc"
assert_eq "charon cannot start: one line" 1 "$(wc -l <"$ERR")"
assert_match "charon cannot start: names n2 and charon, rolled back" \
	'^tsnet: enable-ipsec: n2: .*charon.*\(rolled back on all nodes\)$' "$(cat "$ERR")"
nothing_left n1 n3
assert_eq "n2: no tsnet file" "" \
	"$(x n2 find /etc/swanctl/conf.d /var/lib/tsnet -mindepth 1)"
rm -f "$ERR"
stamp "scenario done"
finish
