#!/bin/bash
# make-pcaps.sh - capture the pcaps in this directory for real: two
# network namespaces on a veth pair, tcpdump inside the receiving one,
# and real senders (ping, UDP and raw sockets carrying the golden .bin
# packets tsnet's builders made, ike-scan).  One pcap per case; TESTLIST
# says what each holds.  Run as root from the top of the tree, then
# review `tcpdump -nn -r` of every file before committing:
#
#	tests/data/packets/make-pcaps.sh [SECTION...]
#
# SECTIONs (default: all): basic, tun, charon.  Re-capturing changes
# random ports and SPIs that the .out files and test_classify.c name.
#
# Addresses: 198.18.71.0/24 and fd00:7473:71::/64 (test ranges), inside
# namespaces named tq-pa and tq-pb, removed on exit.
set -eu
cd "$(dirname "$0")"
A=tq-pa B=tq-pb
A4=198.18.71.1 B4=198.18.71.2 A6=fd00:7473:71::1 B6=fd00:7473:71::2
TUNPID='' CHARONPID=''
SW=$(mktemp -d /tmp/tq-sw.XXXXXX)

cleanup() {
	[ -n "$TUNPID" ] && kill "$TUNPID" 2>/dev/null
	[ -n "$CHARONPID" ] && kill "$CHARONPID" 2>/dev/null
	rm -rf "$SW"
	ip netns del $A 2>/dev/null || true
	ip netns del $B 2>/dev/null || true
}
trap cleanup EXIT

ip netns add $A
ip netns add $B
ip -n $A link add va type veth peer name vb netns $B
ip -n $A addr add $A4/24 dev va
ip -n $B addr add $B4/24 dev vb
ip -n $A addr add $A6/64 dev va nodad
ip -n $B addr add $B6/64 dev vb nodad
ip -n $A link set va up
ip -n $B link set vb up
ip -n $A link set lo up
ip -n $B link set lo up
sleep 1

# pysend NS MODE DST ... : one packet from a real socket (see the modes).
pysend() {
	local ns=$1
	shift
	ip netns exec "$ns" python3 - "$@" <<'EOF'
import socket, sys
mode, dst = sys.argv[1], sys.argv[2]
def udp(fam, sport, dport, data):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind(('', sport))
    s.sendto(data, (dst, dport))
if mode == 'udp4':	# udp4 DST SPORT DPORT FILE|hex:..
    sp, dp, what = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    data = bytes.fromhex(what[4:]) if what.startswith('hex:') else open(what, 'rb').read()
    udp(socket.AF_INET, sp, dp, data)
elif mode == 'udp6':
    sp, dp, what = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    data = open(what, 'rb').read()
    udp(socket.AF_INET6, sp, dp, data)
elif mode == 'esp4':	# raw IP protocol 50, payload from FILE
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 50)
    s.sendto(open(sys.argv[3], 'rb').read(), (dst, 0))
elif mode == 'esp6opts':	# raw IPv6 protocol 50 behind hop-by-hop and
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 50)	# dest options
    pad = bytes([0, 0, 1, 4, 0, 0, 0, 0])	# PadN: 8 bytes
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_HOPOPTS, pad)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_DSTOPTS, pad)
    s.sendto(open(sys.argv[3], 'rb').read(), (dst, 0))
elif mode == 'tcp4':	# a SYN to a closed port
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(1)
    try:
        s.connect((dst, int(sys.argv[3])))
    except OSError:
        pass
EOF
}

# capture FILE COUNT FILTER [tcpdump options] -- SENDER...
capture() {
	local file=$1 count=$2 filter=$3 opts=() pid
	shift 3
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	rm -f "$file"
	ip netns exec $B timeout 8 tcpdump -U -n -c "$count" "${opts[@]}" \
		-w "$file" "$filter" 2>/tmp/tq-tcpdump.$$ &
	pid=$!
	for _ in $(seq 50); do
		grep -q listening /tmp/tq-tcpdump.$$ && break
		sleep 0.1
	done
	"$@" || true
	wait $pid || { echo "capture $file: timed out" >&2; exit 1; }
	rm -f /tmp/tq-tcpdump.$$
	echo "$file: $(tcpdump -nn -r "$file" 2>/dev/null | wc -l) packets"
}

I=-ivb
basic() {
capture icmp_echo_v4.pcap 4 icmp $I -- ip netns exec $A ping -c 2 -i 0.2 -q $B4
capture icmp_echo_v6.pcap 2 'icmp6 and (ip6[40] == 128 or ip6[40] == 129)' \
	$I -- ip netns exec $A ping -6 -c 1 -q $B6
capture tcp_syn_rst_v4.pcap 2 tcp $I -- pysend $A tcp4 $B4 22
capture udp_dns_v4.pcap 1 udp $I -- pysend $A udp4 $B4 5353 53 hex:1234010000010000
capture ike_sa_init_v4.pcap 1 'udp port 500' $I -- \
	pysend $A udp4 $B4 500 500 ike_sa_init_v4.bin
capture ike_sa_init_v6.pcap 1 'udp port 500' $I -- \
	pysend $A udp6 $B6 500 500 ike_sa_init_v6.bin
capture ike_natt_v4.pcap 1 'udp port 4500' $I -- \
	pysend $A udp4 $B4 4500 4500 ike_sa_init_natt_v4.bin
capture esp_probe_v4.pcap 1 'ip proto 50' $I -- pysend $A esp4 $B4 esp_probe.bin
capture esp_probe_v6_opts.pcap 1 'ip6' $I -- \
	pysend $A esp6opts $B6 esp_probe.bin
capture esp_in_udp_v4.pcap 1 'udp port 4500' $I -- \
	pysend $A udp4 $B4 4500 4500 esp_probe.bin
capture nat_keepalive_v4.pcap 1 'udp port 4500' $I -- \
	pysend $A udp4 $B4 4500 4500 hex:ff
ip -n $A neigh flush dev va
ip -n $B neigh flush dev vb
capture arp.pcap 2 arp $I -- ip netns exec $A ping -c 1 -q $B4
capture esp_truncated_v4.pcap 1 'ip proto 50' -s 36 $I -- \
	pysend $A esp4 $B4 esp_probe.bin
capture any_sll2_esp_v4.pcap 1 'ip proto 50' -iany -- \
	pysend $A esp4 $B4 esp_probe.bin
capture any_sll_esp_v4.pcap 1 'ip proto 50' -iany -yLINUX_SLL -- \
	pysend $A esp4 $B4 esp_probe.bin
capture ikescan_v2.pcap 1 'udp port 500' $I -- \
	ip netns exec $A ike-scan -q --ikev2 $B4
capture ikescan_v2_natt.pcap 1 'udp port 4500' $I -- \
	ip netns exec $A ike-scan -q --ikev2 --nat-t $B4

}

# DLT_RAW: a tun device in B, held open by a process that never reads,
# and pings routed into it (the kernel hands them to the tun).
tun() {
ip -n $B tuntap add tqtun0 mode tun
ip -n $B addr add 198.18.72.1/24 dev tqtun0
ip -n $B link set tqtun0 up
ip netns exec $B python3 -c '
import fcntl, os, struct, time
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, 0x400454ca, struct.pack("16sH", b"tqtun0", 0x0001 | 0x1000))
time.sleep(30)' &
TUNPID=$!
for _ in $(seq 100); do	# carrier comes up once the fd is attached
	ip -n $B link show tqtun0 | grep -q NO-CARRIER || break
	sleep 0.1
done
capture tun_raw_icmp_v4.pcap 2 icmp -itqtun0 -- \
	ip netns exec $B ping -c 2 -i 0.2 -q -W 1 198.18.72.2
}

# A real IKE responder: strongSwan's charon in B (private /run, its own
# strongswan.conf and VICI socket), answering the golden IKE_SA_INIT
# request with each of the answers tsnet must name.  198.18.71.2 has a
# connection that accepts our offer, .3 one that wants ecp256 (so
# INVALID_KE_PAYLOAD), .4 none (NO_PROPOSAL_CHOSEN); cookie_threshold 1
# makes the next request after one half-open SA get a COOKIE.
charon() {
cat >"$SW/strongswan.conf" <<EOF
charon {
	load = random nonce openssl pem pkcs1 x509 pubkey kernel-netlink socket-default vici kdf hmac sha2 aes gcm
	cookie_threshold = 1
	plugins {
		vici {
			socket = unix://$SW/charon.vici
		}
	}
}
EOF
cat >"$SW/swanctl.conf" <<EOF
connections {
	x25519 {
		local_addrs = 198.18.71.2
		proposals = aes256gcm16-prfsha384-x25519
		local {
			auth = psk
		}
		remote {
			auth = psk
		}
	}
	ecp {
		local_addrs = 198.18.71.3
		proposals = aes128gcm16-prfsha256-ecp256
		local {
			auth = psk
		}
		remote {
			auth = psk
		}
	}
}
EOF
ip -n $B addr add 198.18.71.3/24 dev vb
ip -n $B addr add 198.18.71.4/24 dev vb
ip netns exec $B env STRONGSWAN_CONF="$SW/strongswan.conf" sh -c \
	'mount -t tmpfs tmpfs /run && exec /usr/lib/ipsec/charon' \
	>"$SW/charon.out" 2>&1 &
CHARONPID=$!
for _ in $(seq 100); do
	[ -S "$SW/charon.vici" ] && break
	sleep 0.1
done
ip netns exec $B env STRONGSWAN_CONF="$SW/strongswan.conf" swanctl \
	--load-conns --file "$SW/swanctl.conf" --uri "unix://$SW/charon.vici"
capture ike_charon_invalid_ke.pcap 2 'udp port 500' $I -- \
	pysend $A udp4 198.18.71.3 500 500 ike_sa_init_v4.bin
capture ike_charon_no_proposal.pcap 2 'udp port 500' $I -- \
	pysend $A udp4 198.18.71.4 500 500 ike_sa_init_v4.bin
capture ike_charon_response.pcap 2 'udp port 500' $I -- \
	pysend $A udp4 $B4 500 500 ike_sa_init_v4.bin
capture ike_charon_cookie.pcap 2 'udp port 500' $I -- \
	pysend $A udp4 $B4 500 500 ike_sa_init_v4.bin
}

for section in "${@:-basic tun charon}"; do
	case $section in
	basic|tun|charon) $section ;;
	*) echo "make-pcaps.sh: unknown section '$section'" >&2; exit 2 ;;
	esac
done
