#!/bin/bash
# test_transport.sh - the node transports for real, through `tsnet nodes`.
#
#   netns   host-like lab nodes (setns into net, mount and UTS namespaces):
#           every node answers with its own hostname; a missing namespace
#           is unreachable and a hanging node times out while the others
#           answer
#   netns   network-only nodes (ip netns exec): plain namespaces
#   local   this host
#   ssh     OpenSSH servers with key authentication in the same lab's
#           nodes, reached from the lab's ctl namespace: IPv4 and IPv6,
#           the ControlMaster socket created and reused, a stopped node
#           times out, a dead sshd is unreachable
# One lab (tt1, with sshd) serves both the netns and the ssh transport:
# bringing labs up is what takes the time here.
#   stdin   1 MiB through tsn_run() to every node over ssh and netns (the
#           lab part of tests/unit/test_transport.c)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
need_root

[ -x "$TSNET" ] || fail_all "build tsnet first ($TSNET)"
[ -x "$LAB" ] || fail_all "no lab tool at $LAB"
command -v jq >/dev/null || skip_all "needs jq"
command -v sshd >/dev/null || [ -x /usr/sbin/sshd ] || skip_all "needs sshd"

TMP=$(mktemp -d /tmp/tt-transport.XXXXXX)
STOPPED=""
cleanup() {
	# shellcheck disable=SC2086
	[ -z "$STOPPED" ] || kill -CONT $STOPPED 2>/dev/null
	"$LAB" down --name tt1 >/dev/null 2>&1
	for ns in tt-plain1 tt-plain2; do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT

# The lab part of the unit tests: 1 MiB of stdin through tsn_run() to
# every node of $TSN_TEST_INVENTORY.  lab_stdin WHAT [RUNNER...]
UNIT=$TOP/build/tests/test_transport
lab_stdin() {
	local what=$1 out
	shift
	if [ ! -x "$UNIT" ]; then
		not_ok "$what: no $UNIT (make unit)"
		return
	fi
	out=$("$@" "$UNIT" --filter 'lab/*' --jobs 1 2>&1)
	assert_match "$what" \
		'Synthesis: Tested: 1 \| Passing: 1 \| Failing: 0' "$out"
}

# "n1=host1 n2=host2 ..." from a `tsnet nodes --json` report ("-" when
# the node gave no hostname)
hostnames() {
	jq -r '[.nodes[] | "\(.node)=\(((.checks // []) |
		map(select(.id == "hostname"))[0].detail) // "-")"] |
		join(" ")' <<<"$1"
}
node_error() { jq -r --arg n "$2" '.nodes[] | select(.node == $n) |
	.error // ""' <<<"$1"; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
within() { awk -v t="$1" -v m="$2" 'BEGIN { exit !(t < m) }'; }

# --- netns, host-like nodes ---------------------------------------------
"$LAB" up 3 --name tt1 --ssh >/dev/null ||
	{ not_ok "lab up tt1"; finish; exit; }
INV=$TMP/netns.conf
{
	printf '[cluster]\nname = tt1\ntransport = netns\nremote_tsnet = %s\n' \
		"$TSNET"
	for i in 1 2 3; do
		printf '[node n%s]\naddress = 198.18.1.%s\nnetns = tt1-n%s\n' \
			"$i" "$i" "$i"
	done
} >"$INV"

out=$("$TSNET" -c "$INV" nodes --json)
assert_eq "netns: exit" 0 $?
assert_eq "netns: every node answers with its own hostname" \
	"n1=n1 n2=n2 n3=n3" "$(hostnames "$out")"
assert_eq "netns: uid root on every node" "root root root" \
	"$(jq -r '[.nodes[].checks[] | select(.id == "uid") | .detail] |
		join(" ")' <<<"$out")"

lab_stdin "netns: 1 MiB of stdin reaches every node" \
	env TSN_TEST_INVENTORY="$INV"

table=$("$TSNET" -c "$INV" nodes n2)
assert_match "netns: table names n2's hostname" '^n2 +hostname +ok +n2$' \
	"$table"
assert_nomatch "netns: NODE arguments pick nodes" '^n1 ' "$table"
assert_exit "netns: unknown node is a usage error" 2 \
	"$TSNET" -c "$INV" nodes n7

# n2 hangs (its tsnet never answers), n4's namespace does not exist
cat >"$TMP/hang" <<EOF
#!/bin/sh
sleep 60 &
echo \$! >$TMP/hang.pid
wait
EOF
chmod 0755 "$TMP/hang"
sed "/^\[node n2\]/a remote_tsnet = $TMP/hang" "$INV" >"$TMP/bad.conf"
printf '\n[node n4]\naddress = 198.18.1.9\nnetns = tt1-n9\n' >>"$TMP/bad.conf"
t0=$(now)
out=$("$TSNET" -c "$TMP/bad.conf" nodes --json --timeout 2)
rc=$?
took=$(secs "$t0")
assert_eq "netns: unreachable or hanging nodes give exit 3" 3 "$rc"
if within "$took" 5; then ok "netns: done in ${took} s (timeout 2 s)"
else not_ok "netns: took ${took} s with a 2 s timeout"; fi
assert_eq "netns: the others still answer" "n1=n1 n2=- n3=n3 n4=-" \
	"$(hostnames "$out")"
assert_eq "netns: hanging node times out" "timed out after 2 s" \
	"$(node_error "$out" n2)"
assert_eq "netns: missing namespace is unreachable" \
	"network namespace 'tt1-n9' does not exist (no /run/netns/tt1-n9)" \
	"$(node_error "$out" n4)"
assert_eq "netns: both flagged unreachable" "n2 n4" \
	"$(jq -r '[.nodes[] | select(.unreachable) | .node] | join(" ")' \
		<<<"$out")"
pid=$(cat "$TMP/hang.pid" 2>/dev/null)
state=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)
if [ -n "$pid" ] && { [ -z "$state" ] || [ "$state" = Z ]; }; then
	ok "netns: the hanging node's children were killed"
else
	not_ok "netns: hang's child ${pid:-?} still runs (state $state)"
	kill "$pid" 2>/dev/null
fi

# --- netns, network-only nodes; local -----------------------------------
if ! { ip netns add tt-plain1 && ip netns add tt-plain2; }; then
	not_ok "ip netns add"
fi
sed 's/^netns = tt1-n\([12]\)$/netns = tt-plain\1/; /^\[node n3\]/,$d' \
	"$INV" >"$TMP/plain.conf"
out=$("$TSNET" -c "$TMP/plain.conf" nodes --json)
assert_eq "netonly: exit" 0 $?
# ip netns exec enters the network namespace only: the host's hostname
assert_eq "netonly: both answer" "n1=$(hostname) n2=$(hostname)" \
	"$(hostnames "$out")"

# Stand-in agents (per-node remote_tsnet) judge the nodes command's
# reading of a reply: a clock 5 s ahead and a non-root uid warn, a clock
# a minute behind fails, garbage is an error.
# They speak this tsnet's version and protocol (what ping reports), so
# only the uid and the clock differ.
VER=$("$TSNET" agent ping | jq -r .version)
PROTO=$("$TSNET" agent ping | jq -r .protocol)
[ -n "$VER" ] && [ -n "$PROTO" ] || fail_all "tsnet agent ping reports no version or protocol"
fake() {	# fake NAME UID OFFSET
	cat >"$TMP/$1" <<-EOF
	#!/bin/sh
	printf '{"hostname":"fake","kernel":"k","uid":$2,"version":"$VER","protocol":$PROTO,"time":%s}' \\
		"\$((\$(date +%s) + $3))"
	EOF
	chmod 0755 "$TMP/$1"
}
fake ahead 1000 5
fake behind 0 -60
printf '#!/bin/sh\necho "not json"\n' >"$TMP/garbage"
chmod 0755 "$TMP/garbage"
{
	printf '[cluster]\nname = tt\ntransport = netns\n'
	for n in ahead behind garbage; do
		printf '[node %s]\naddress = 198.18.9.%s\nnetns = tt-plain1\n' \
			"$n" "${#n}"
		printf 'remote_tsnet = %s/%s\n' "$TMP" "$n"
	done
} >"$TMP/fake.conf"
out=$("$TSNET" -c "$TMP/fake.conf" nodes --json ahead)
assert_eq "replies: warnings only is exit 0" 0 $?
assert_eq "replies: uid and clock warn" "uid=warn clock=warn" \
	"$(jq -r '[.nodes[0].checks[] | select(.status != "ok") |
		"\(.id)=\(.status)"] | join(" ")' <<<"$out")"
out=$("$TSNET" -c "$TMP/fake.conf" nodes --json behind)
assert_eq "replies: a failed check is exit 1" 1 $?
assert_match "replies: a minute behind fails" '^fail offset -6[0-9]{4} ms' \
	"$(jq -r '.nodes[0].checks[] | select(.id == "clock") |
		"\(.status) \(.detail)"' <<<"$out")"
out=$("$TSNET" -c "$TMP/fake.conf" nodes --json garbage)
assert_eq "replies: garbage is exit 3" 3 $?
assert_match "replies: garbage is an error" '^bad reply from the agent: ' \
	"$(node_error "$out" garbage)"

printf '[cluster]\nname = tt\ntransport = local\n[node l1]\naddress = 198.18.9.1\n' \
	>"$TMP/local.conf"
out=$("$TSNET" -c "$TMP/local.conf" nodes --json)
assert_eq "local: exit" 0 $?
assert_eq "local: this host answers" "l1=$(hostname)" "$(hostnames "$out")"

# --- ssh ------------------------------------------------------------------
INV=/run/tsnet-lab/tt1/cluster.conf
# This machine's root ~/.bashrc runs `pyenv init` (seconds of CPU) for
# every ssh session; hide it inside the nodes' own mount namespaces so
# the timings below measure the transport, not pyenv.
for n in n1 n2 n3; do
	[ -f /root/.bashrc ] || break
	"$LAB" exec --name tt1 "$n" mount -n --bind /dev/null /root/.bashrc
done
mkdir -m 0700 "$TMP/xdg"
ctl() { "$LAB" exec --name tt1 ctl env XDG_RUNTIME_DIR="$TMP/xdg" \
	"$TSNET" "$@"; }
accepted() { grep -c 'Accepted publickey' "/run/tsnet-lab/tt1/sshd-$1.log"; }

out=$(ctl -c "$INV" nodes --json --timeout 20)
assert_eq "ssh: exit" 0 $?
assert_eq "ssh: every node answers over OpenSSH" "n1=n1 n2=n2 n3=n3" \
	"$(hostnames "$out")"
assert_eq "ssh: one ControlMaster socket per node" 3 \
	"$(find "$TMP/xdg" -name 'tsnet-ssh-*' -type s | wc -l)"
logins=$(accepted n1)

sed 's/^ssh_host = 198\.18\.1\.\([0-9]*\)$/ssh_host = fd00:7473:1::\1/' \
	"$INV" >"$TMP/v6.conf"
out=$(ctl -c "$TMP/v6.conf" nodes --json --timeout 20)
assert_eq "ssh: IPv6 literal hosts" "n1=n1 n2=n2 n3=n3" "$(hostnames "$out")"
assert_eq "ssh: IPv6 is a connection of its own" $((logins + 1)) \
	"$(accepted n1)"
lab_stdin "ssh: 1 MiB of stdin reaches every node" "$LAB" exec --name tt1 \
	ctl env XDG_RUNTIME_DIR="$TMP/xdg" TSN_TEST_INVENTORY="$INV"
logins6=$(accepted n1)

# n2 stops answering mid-session: its sshd (and the session behind our
# master connection) frozen
STOPPED=$(ip netns pids tt1-n2 | tr '\n' ' ')
# shellcheck disable=SC2086
kill -STOP $STOPPED
t0=$(now)
out=$(ctl -c "$INV" nodes --json --timeout 4)
rc=$?
took=$(secs "$t0")
# shellcheck disable=SC2086
kill -CONT $STOPPED
STOPPED=""
assert_eq "ssh: stopped node gives exit 3" 3 "$rc"
if within "$took" 8; then ok "ssh: done in ${took} s (timeout 4 s)"
else not_ok "ssh: took ${took} s with a 4 s timeout"; fi
assert_eq "ssh: stopped node times out" "timed out after 4 s" \
	"$(node_error "$out" n2)"
assert_eq "ssh: the others answer" "n1=n1 n2=- n3=n3" "$(hostnames "$out")"
assert_eq "ssh: the master connection was reused (no new login)" \
	"$logins6" "$(accepted n1)"

# n2's sshd dies; its master connection goes with it
# shellcheck disable=SC2046
kill $(ip netns pids tt1-n2) 2>/dev/null
sleep 0.5
out=$(ctl -c "$INV" nodes --json --timeout 20)
assert_eq "ssh: dead sshd gives exit 3" 3 $?
assert_match "ssh: dead sshd is unreachable, with ssh's reason" \
	"^ssh: connect to host 198\.18\.1\.2 port 22: Connection refused$" \
	"$(node_error "$out" n2)"
assert_eq "ssh: the others still answer" "n1=n1 n2=- n3=n3" \
	"$(hostnames "$out")"

finish
