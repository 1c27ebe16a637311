# shellcheck shell=bash
# enable_lib.sh - sourced by the enable_*.sh scenarios (run where kernel
# ESP works: tests/lab/esp-run, from tests/integration/test_enable_vm.sh).
. "$(dirname "${BASH_SOURCE[0]}")/../../integration/lib.sh"
need_root
T=${TSNET_BIN:-$TOP/tsnet}
x() { "$LAB" exec --name "$NAME" "$@"; }
# The lab's inventory names ./tsnet, which others may be relinking right
# now (the VM sees the host's tree live): point it at our copy.  Its
# address6 lines go: these scenarios count one connection per pair;
# dual-stack pairs (a second, IPv6 connection each) are dualstack_vm.sh's.
inv() {
	local f=/tmp/te-$NAME.conf
	[ -e "$f" ] || sed -e "s|^remote_tsnet = .*|remote_tsnet = $T|" \
		-e '/^address6 /d' "$("$LAB" inventory --name "$NAME")" >"$f"
	echo "$f"
}
rm -f "/tmp/te-$NAME.conf"
stamp() { echo "# timing: $* at +$(($(date +%s) - ${T0:-$(date +%s)})) s"; }

# nothing_left NODE...: no tsnet file, SA, policy or connection remains
nothing_left() {
	local n
	for n in "$@"; do
		assert_eq "$n: no tsnet file" "" \
			"$(x "$n" find /etc/swanctl/conf.d /var/lib/tsnet -mindepth 1)"
		assert_eq "$n: no xfrm state" "" "$(x "$n" ip xfrm state)"
		assert_eq "$n: no xfrm policy but charon's socket bypass" "" \
			"$(x "$n" ip xfrm policy | grep -E '^src [0-9]' | grep -v '0.0.0.0/0')"
		assert_exit "$n: charon not running (tsnet started it)" 1 \
			x "$n" test -e /run/charon.pid
	done
}

# cleartext_ok FROM TO_ADDR: ping works and the wire shows ICMP in clear
cleartext_ok() {
	local out
	out=$(x "$1" ping -c 2 -i 0.3 -W 3 "$2" 2>&1)
	assert_match "$1 -> $2: ping in clear" ' 0% packet loss' "$out"
}

# tcp_recv NODE ADDR FILE: accept one TCP connection on ADDR:5001 inside
# NODE and write what arrives to FILE (run it in the background, then
# tcp_send).  tcp_send NODE ADDR FILE: send FILE to ADDR:5001 from NODE.
tcp_recv() {
	x "$1" /usr/bin/python3 -c 'import socket, sys
s = socket.socket(); s.bind((sys.argv[1], 5001)); s.listen(1)
c, _ = s.accept(); f = open(sys.argv[2], "wb")
for d in iter(lambda: c.recv(65536), b""): f.write(d)
f.close()' "$2" "$3"
}
tcp_send() {
	x "$1" /usr/bin/python3 -c 'import socket, sys
s = socket.create_connection((sys.argv[1], 5001), timeout=30)
s.sendall(open(sys.argv[2], "rb").read()); s.close()' "$2" "$3"
}
