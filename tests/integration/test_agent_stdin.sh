#!/bin/bash
# test_agent_stdin.sh - every agent action that takes a request reads it
# from file descriptor 0, on a host whose /dev has no stdin or fd links
# (a minimal VM, an initramfs), with stdin a pipe and with stdin a socket
# (opening /dev/stdin fails there with ENOENT, and with ENXIO for a
# socket).  Each action runs in a mount namespace whose /dev is a tmpfs
# holding only null, zero, random and urandom.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

need_root
command -v python3 >/dev/null || fail_all "python3 not installed (make deps)"
command -v unshare >/dev/null || fail_all "no unshare (make deps)"
BIN=$(mktemp -d /tmp/tsi.XXXXXX)
chmod 755 "$BIN"
NS=tsi1
cleanup() {
	ip netns del $NS 2>/dev/null
	rm -rf "$BIN"
}
trap cleanup EXIT
ip netns add $NS || fail_all "cannot make namespace $NS"
ip -n $NS link set lo up
ip -n $NS link add v0 type veth peer name v1
ip -n $NS link set v0 up
ip -n $NS addr add 198.18.0.1/15 dev v0

# feed KIND REQUEST CMD...: run CMD with REQUEST on its stdin, a pipe or
# one end of a socketpair; its stdout and stderr, then "rc=N".
cat >"$BIN/feed.py" <<'EOF'
import socket, subprocess, sys
kind, req, cmd = sys.argv[1], sys.argv[2].encode(), sys.argv[3:]
if kind == "pipe":
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    out = p.communicate(req)[0]
else:
    a, b = socket.socketpair()
    p = subprocess.Popen(cmd, stdin=b, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    b.close()
    try:
        a.sendall(req)
        a.shutdown(socket.SHUT_WR)
    except BrokenPipeError:
        pass    # it stopped reading: its output says why
    out = p.communicate()[0]
    a.close()
sys.stdout.write(out.decode(errors="replace"))
print("rc=%d" % p.returncode)
EOF

# bare KIND REQUEST ACTION: `tsnet agent ACTION` in NS, in a mount
# namespace with a bare /dev and a private /var/lib/tsnet
bare() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	ip netns exec $NS unshare -m sh -c '
		mount -t tmpfs -o mode=755 tsi-dev /dev || exit 9
		mknod -m 666 /dev/null c 1 3 && mknod -m 666 /dev/zero c 1 5 &&
		mknod -m 666 /dev/random c 1 8 &&
		mknod -m 666 /dev/urandom c 1 9 || exit 9
		mount -t tmpfs tsi-lib /var/lib/tsnet || exit 9
		if [ -e /dev/stdin ] || [ -e /dev/fd ]; then
			echo "/dev still has stdin links"; exit 9
		fi
		exec python3 "$0" "$1" "$2" "$3" agent "$4"' \
		"$BIN/feed.py" "$1" "$2" "$TSNET" "$3"
}

# A request that takes several reads, cut short: a reader that got all
# of it says its string ends at offset 20006, one that could not read it
# says why.
long='{"x":"'$(head -c 20000 /dev/zero | tr '\0' a)
for kind in pipe socket; do
	echo "# stdin a $kind (at ${SECONDS}s)"
	for a in nft-fix probe-window ipsec-apply ipsec-initiate ipsec-prove \
		 ipsec-import; do
		out=$(bare $kind "$long" $a)
		assert_match "$kind, $a: the whole request read" \
			'offset 20006: unterminated string' "$out"
		assert_nomatch "$kind, $a: nothing opened" \
			'No such (file|device)' "$out"
	done
	out=$(bare $kind '{"initiate":[]}' ipsec-initiate)
	assert_eq "$kind, ipsec-initiate: nothing to initiate, ok" \
		'{"initiated":{},"ok":true,"error":null} rc=0' \
		"$(printf '%s' "$out" | tr '\n' ' ')"
	ip netns exec $NS nft flush ruleset
	out=$(bare $kind '{"members":["198.18.0.1","198.18.0.2"],"no_persist":true}' nft-fix)
	assert_match "$kind, nft-fix: the request applied" \
		'"changed":true.*rc=0' "$(printf '%s' "$out" | tr -d '\n')"
	assert_match "$kind, nft-fix: its table is there" 'table inet tsnet' \
		"$(ip netns exec $NS nft list tables)"
done

finish
