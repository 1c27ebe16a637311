#!/bin/sh
# many-rules.sh N - a default-drop input chain of N rules that never
# allow IPsec (ssh from N /32s), as a large host firewall has: what
# bench/fix.sh and test_nft_tsan.sh load.
n=${1:?usage: many-rules.sh N}
echo "table inet filter {"
echo " chain input {"
echo "  type filter hook input priority 0; policy drop;"
i=0
while [ "$i" -lt "$n" ]; do
	echo "  ip saddr 10.$((i / 250)).$((i % 250)).1 tcp dport 22 accept"
	i=$((i + 1))
done
echo " }"
echo "}"
