#!/bin/bash
# test_cli.sh - the surface every command shares: --help and usage
# errors with their exit codes, global options before and after the
# command, the inventory error paths, and a man page for every command
# whose SYNOPSIS says exactly what the usage text says.
. "$(dirname "$0")/lib.sh"
[ -x "$TSNET" ] || fail_all "no ./tsnet (run make)"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

cmds=$("$TSNET" help | awk '/^  [a-z]/ {print $1}')
assert_match "help lists the commands" "^inventory$" "$cmds"

# roff SYNOPSIS -> text: macros dropped, .BR/.RB/.IR/.RI arguments joined
# without spaces, \- made -, one line per .br-separated synopsis.
man_synopsis() {
	sed -n '/^\.SH SYNOPSIS/,/^\.SH/p' "$1" | sed '1d;$d' |
	awk '/^\.(PP|SH)/ { exit }
	     /^\.br/ { print line; line = ""; next }
	     /^\.(B|I|BR|RB|IR|RI|BI|IB) / {
		m = $1; $1 = ""; sub(/^ /, "")
		if (m == ".B" || m == ".I") { w = $0; gsub(/"/, "", w) }
		else {	# arguments joined; "quoted ones" kept whole
			w = ""; n = split($0, part, "\"")
			for (k = 1; k <= n; k++) {
				if (k % 2 == 0) { w = w part[k]; continue }
				c = split(part[k], a, " ")
				for (i = 1; i <= c; i++) w = w a[i]
			}
		}
		line = (line == "" ? w : line " " w); next }
	     END { if (line != "") print line }' | sed 's/\\-/-/g'
}

# usage text -> one line per synopsis (continuation lines joined)
usage_lines() {
	"$TSNET" "$1" --help | awk '/^global options/ { exit }
		/^usage: / { if (l != "") print l; sub(/^usage: /, ""); l = $0; next }
		/^       tsnet / { print l; sub(/^ +/, ""); l = $0; next }
		/^ +/ { sub(/^ +/, ""); l = l " " $0; next }
		END { if (l != "") print l }'
}

for c in $cmds; do
	out=$("$TSNET" "$c" --help 2>&1)
	assert_eq "$c --help exits 0" 0 $?
	assert_match "$c --help starts with its usage" "^usage: tsnet $c" "$out"
	err=$("$TSNET" "$c" --no-such-option 2>&1 >/dev/null)
	assert_eq "$c with an unknown option exits 2" 2 $?
	assert_match "$c says why on stderr" "tsnet|usage" "$err"
	case $c in help | version) continue ;; esac
	page=$TOP/man/tsnet-$c.8
	if [ ! -f "$page" ]; then
		not_ok "man page for $c exists"
		continue
	fi
	ok "man page for $c exists"
	syn=$(man_synopsis "$page")
	while IFS= read -r u; do
		if printf '%s\n' "$syn" | grep -Fxq -- "$u"; then
			ok "man tsnet-$c SYNOPSIS has: $u"
		else
			not_ok "man tsnet-$c SYNOPSIS lacks '$u' (has: $syn)"
		fi
	done < <(usage_lines "$c")
	for s in NAME SYNOPSIS DESCRIPTION "EXIT STATUS" EXAMPLES "SEE ALSO"; do
		grep -q "^\.SH \"\{0,1\}$s" "$page" ||
			not_ok "man tsnet-$c has section $s"
	done
done

assert_exit "no command" 2 "$TSNET"
assert_exit "unknown command" 2 "$TSNET" no-such-command
assert_exit "no prefix matching ('inv' is not 'inventory')" 2 "$TSNET" inv check
assert_exit "unknown global option" 2 "$TSNET" --no-such-option help
# The option a usage error names is the refused one: inside a cluster of
# short options glibc has not moved past the cluster, so the argument
# before it (here a long option getopt took) is not the one to name.
out=$("$TSNET" status --json -xq 2>&1)
assert_match "--json -xq: the unknown -x is named" "unknown option '-x'" "$out"
out=$("$TSNET" status --wait=5 -xq 2>&1)
assert_match "--wait=5 -xq: the unknown -x is named" "unknown option '-x'" "$out"
out=$("$TSNET" status -q -xv 2>&1)
assert_match "-q -xv: the unknown -x is named" "unknown option '-x'" "$out"
out=$("$TSNET" status --quiet=1 -qx 2>&1)
assert_match "--quiet=1 -qx: --quiet refused its value" \
	"option '--quiet' takes no argument" "$out"
out=$("$TSNET" status --json --no-such -q 2>&1)
assert_match "--json --no-such: the unknown long option is named" \
	"unknown option '--no-such'" "$out"
assert_exit "-h" 0 "$TSNET" -h
assert_exit "--version" 0 "$TSNET" --version

cat >"$TMP/ok.conf" <<'INV'
[cluster]
name = c1
transport = local
[node a]
address = 198.18.1.1
INV
assert_exit "-c before the command" 0 "$TSNET" -c "$TMP/ok.conf" inventory check
assert_exit "-c after the command" 0 "$TSNET" inventory check -c "$TMP/ok.conf"
assert_exit "TSNET_CONFIG" 0 env TSNET_CONFIG="$TMP/ok.conf" "$TSNET" inventory check
out=$("$TSNET" inventory check --json -c "$TMP/ok.conf")
assert_eq "--json after the command gives JSON" "c1" "$(printf '%s' "$out" | jq -r .cluster.name)"

err=$("$TSNET" -c "$TMP/missing.conf" inventory check 2>&1)
assert_eq "a missing inventory exits 2" 2 $?
assert_eq "... with exactly one line" 1 "$(printf '%s\n' "$err" | wc -l)"
assert_match "... naming the file" "missing.conf" "$err"
printf '[cluster]\nname = c1\n[node a]\nadress = 198.18.1.1\n' >"$TMP/typo.conf"
err=$("$TSNET" -c "$TMP/typo.conf" inventory check 2>&1)
assert_match "a typo names file:line and suggests the key" \
	"typo.conf:4: .*'adress'.*address" "$err"
# every command that reads the inventory stops on a bad one, with exit 2
for c in nodes preflight probe status enable-ipsec disable-ipsec; do
	"$TSNET" -c "$TMP/typo.conf" "$c" >/dev/null 2>&1
	assert_eq "$c on a bad inventory exits 2" 2 $?
done
# make install honours DESTDIR and PREFIX: binary, every man page, completion
DEST=$TMP/dest
make -s -C "$TOP" install DESTDIR="$DEST" PREFIX=/opt/tsn >/dev/null 2>&1
assert_eq "make install exits 0" 0 $?
assert_exit "installed binary runs" 0 "$DEST/opt/tsn/sbin/tsnet" version
for c in $cmds; do
	case $c in help | version) continue ;; esac
	[ -f "$DEST/opt/tsn/share/man/man8/tsnet-$c.8" ] ||
		not_ok "man page tsnet-$c.8 installed"
done
assert_exit "tsnet.8 installed" 0 test -f "$DEST/opt/tsn/share/man/man8/tsnet.8"
out=$(PATH=$DEST/opt/tsn/sbin:$PATH bash -c '
	. /usr/share/bash-completion/bash_completion 2>/dev/null || exit 77
	. "$1"
	COMP_WORDS=(tsnet pre); COMP_CWORD=1; COMP_LINE="tsnet pre"; COMP_POINT=9
	_tsnet; printf "%s\n" "${COMPREPLY[@]}"
	COMPREPLY=(); COMP_WORDS=(tsnet preflight --f); COMP_CWORD=2
	COMP_LINE="tsnet preflight --f"; COMP_POINT=19
	_tsnet; printf "%s\n" "${COMPREPLY[@]}"' _ \
	"$DEST/opt/tsn/share/bash-completion/completions/tsnet")
rc=$?
if [ $rc -eq 77 ]; then
	skip_check bash-completion "not installed (package bash-completion): completion not exercised"
else
	assert_match "completion completes a command" "^preflight$" "$out"
	assert_match "completion completes a command's option" "^--fix$" "$out"
fi
finish
