#!/bin/bash
# test_packets.sh - the packets tsnet's builders make, as a third party
# reads them: the golden IKE_SA_INIT requests (UDP 500 over IPv4 and
# IPv6, UDP 4500 behind the non-ESP marker) and the ESP probe are sent
# through real sockets between two namespaces, captured with tcpdump in
# the receiver, and dissected with tshark, which must find no malformed
# packet and list exactly the proposals we offer.  The unit tests prove
# the goldens are what the builders produce (tests/unit/test_ike.c, test_esp.c).
. "$(dirname "$0")/lib.sh"
need_root

command -v tshark >/dev/null || skip_all "tshark not installed"
command -v tcpdump >/dev/null || skip_all "tcpdump not installed"
command -v python3 >/dev/null || skip_all "python3 not installed"

D=$TOP/tests/data/packets
A=tq-ia-$$ B=tq-ib-$$
A4=198.18.73.1 B4=198.18.73.2 A6=fd00:7473:73::1 B6=fd00:7473:73::2
TMP=$(mktemp -d)
cleanup() {
	ip netns del "$A" 2>/dev/null
	ip netns del "$B" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

if ! ip netns add "$A" || ! ip netns add "$B"; then
	fail_all "cannot create namespaces"
fi
ip -n "$A" link add va type veth peer name vb netns "$B"
ip -n "$A" addr add $A4/24 dev va
ip -n "$B" addr add $B4/24 dev vb
ip -n "$A" addr add $A6/64 dev va nodad
ip -n "$B" addr add $B6/64 dev vb nodad
ip -n "$A" link set va up
ip -n "$B" link set vb up

# send FAMILY|MODE|DST|SPORT|DPORT|FILE...: one datagram each from real
# sockets, all from one process (python starts slowly)
send() {
	ip netns exec "$A" python3 - "$@" <<'EOF'
import socket, sys, time
for spec in sys.argv[1:]:
    fam, mode, dst, sp, dp, f = spec.split('|')
    fam = socket.AF_INET6 if fam == '6' else socket.AF_INET
    data = open(f, 'rb').read()
    if mode == 'udp':
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(('', int(sp)))
        s.sendto(data, (dst, int(dp)))
    else:
        s = socket.socket(fam, socket.SOCK_RAW, 50)
        s.sendto(data, (dst, 0))
    s.close()
    time.sleep(0.05)
EOF
}

ip netns exec "$B" timeout 10 tcpdump -U -n -i vb -c 5 -w "$TMP/cap.pcap" \
	'udp port 500 or udp port 4500 or ip proto 50 or ip6 proto 50' \
	2>"$TMP/tcpdump.err" &
TCPDUMP=$!
for _ in $(seq 50); do
	grep -q listening "$TMP/tcpdump.err" && break
	sleep 0.1
done
send "4|udp|$B4|500|500|$D/ike_sa_init_v4.bin" \
	"6|udp|$B6|500|500|$D/ike_sa_init_v6.bin" \
	"4|udp|$B4|4500|4500|$D/ike_sa_init_natt_v4.bin" \
	"4|esp|$B4|0|0|$D/esp_probe.bin" \
	"6|esp|$B6|0|0|$D/esp_probe.bin"
wait $TCPDUMP
assert_eq "tcpdump captured all five packets" 0 $?

V=$(tshark -r "$TMP/cap.pcap" -V 2>&1)
S=$(tshark -r "$TMP/cap.pcap" 2>&1)
assert_nomatch "tshark finds no malformed packet" 'Malformed|malformed|Expert Info \(Error' "$V"
assert_eq "three IKE_SA_INIT requests" 3 \
	"$(printf '%s\n' "$V" | grep -c 'Exchange type: IKE_SA_INIT (34)')"
assert_eq "all from the initiator, message id 0" 3 \
	"$(printf '%s\n' "$V" | grep -A4 'Exchange type: IKE_SA_INIT' | grep -c 'Flags: 0x08 (Initiator, No higher version, Request)')"
assert_eq "AES-GCM-16 offered twice per request" 6 \
	"$(printf '%s\n' "$V" | grep -c 'Transform ID (ENCR): AES-GCM with a 16 octet ICV (20)')"
assert_eq "key lengths 256 and 128" "3 3" \
	"$(printf '%s\n' "$V" | grep -c '^ *Key Length: 256$') $(printf '%s\n' "$V" | grep -c '^ *Key Length: 128$')"
assert_eq "PRF_HMAC_SHA2_256 and _384" "3 3" \
	"$(printf '%s\n' "$V" | grep -c 'Transform ID (PRF): PRF_HMAC_SHA2_256 (5)') $(printf '%s\n' "$V" | grep -c 'Transform ID (PRF): PRF_HMAC_SHA2_384 (6)')"
assert_eq "DH groups curve25519 and ecp256" "3 3" \
	"$(printf '%s\n' "$V" | grep -c 'Transform ID (D-H): Curve25519 (31)') $(printf '%s\n' "$V" | grep -c 'Transform ID (D-H): 256-bit random ECP group (19)')"
assert_eq "no integrity transform with an AEAD" 0 \
	"$(printf '%s\n' "$V" | grep -c 'Transform ID (INTEG)')"
assert_eq "KE for curve25519" 3 \
	"$(printf '%s\n' "$V" | grep -c 'DH Group #: Curve25519 (31)')"
assert_eq "NAT detection notifies" "3 3" \
	"$(printf '%s\n' "$V" | grep -c 'Notify Message Type: NAT_DETECTION_SOURCE_IP (16388)') $(printf '%s\n' "$V" | grep -c 'Notify Message Type: NAT_DETECTION_DESTINATION_IP (16389)')"
assert_match "UDP 4500 behind the non-ESP marker" 'UDP Encapsulation of IPsec Packets' "$V"
assert_eq "two ESP probes with the probe SPI" 2 \
	"$(printf '%s\n' "$S" | grep -c 'ESP (SPI=0x74730042)')"
assert_match "ESP over IPv6" 'fd00:7473:73::1 → fd00:7473:73::2 +ESP' "$S"

# NAT-D source hash, recomputed independently: SHA-1(SPIi | 0^8 | IP | port)
natd=$(python3 -c '
import hashlib, socket, sys
spi = open(sys.argv[1], "rb").read()[:8]
print(hashlib.sha1(spi + bytes(8) + socket.inet_aton("198.18.0.1") + (500).to_bytes(2, "big")).hexdigest())' "$D/ike_sa_init_v4.bin")
assert_match "NAT_DETECTION_SOURCE_IP is SHA-1 per RFC 7296 2.23" \
	"Notification DATA: $natd" "$V"
finish
