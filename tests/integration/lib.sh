# shellcheck shell=bash
# lib.sh - sourced by every tests/integration/test_*.sh.
#
# A test script builds what it needs in namespaces it creates itself
# (198.18.0.0/15 and fd00:7473::/32 only), asserts with the helpers below
# and cleans up on every exit.  It ends with finish, which prints
# "NAME: P passed, F failed, S skipped"; it exits 0 when every assertion
# held, 1 otherwise, 77 when it cannot run here (skip_all, which says why).
# The runner (tests/run-integration) adds up the counts it prints and
# names every skip; only those listed in tests/allowed-skips may pass.
# Scripts that need root (namespaces, nftables, the lab) call need_root:
# make check runs as root, so not being root fails them, never skips.

set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TSNET=${TSNET:-$TOP/tsnet}
# shellcheck disable=SC2034 # used by the scripts that source this
LAB=$TOP/tests/lab/lab
T_PASS=0
T_FAIL=0
T_NAME=$(basename "$0" .sh)

ok() { T_PASS=$((T_PASS + 1)); echo "  ok   $*"; }
not_ok() { T_FAIL=$((T_FAIL + 1)); echo "  FAIL $*"; }

# assert_eq WHAT EXPECTED ACTUAL
assert_eq() {
	if [ "$2" = "$3" ]; then ok "$1"
	else not_ok "$1: expected '$2', got '$3'"; fi
}
# assert_match WHAT REGEX TEXT: REGEX (grep -E) matches a line of TEXT.
# A REGEX of several lines matches as a block: line k of REGEX matches
# line i+k of TEXT for some i (grep -E alone takes each line of a pattern
# as an alternative, and would pass when any one of them matched).
assert_match() {
	pattern_ok "$1" "$2" || return
	if text_has "$2" "$3"; then ok "$1"
	else not_ok "$1: /$2/ not in: $(printf '%s' "$3" | head -c 600)"; fi
}
# An empty pattern, or an empty line in one, matches anything: a test bug.
pattern_ok() {
	case $'\n'$2$'\n' in
	*$'\n\n'*) not_ok "$1: test bug: empty line in pattern /$2/"; return 1 ;;
	esac
}
text_has() {	# text_has REGEX TEXT
	local -a pl tl
	local first k
	case $1 in
	*$'\n'*) ;;
	*) printf '%s\n' "$2" | grep -Eq -- "$1"; return ;;
	esac
	mapfile -t pl <<<"$1"
	mapfile -t tl <<<"$2"
	for first in $(printf '%s\n' "$2" | grep -nE -- "${pl[0]}" | cut -d: -f1); do
		for ((k = 1; k < ${#pl[@]}; k++)); do
			[ $((first - 1 + k)) -lt ${#tl[@]} ] || break
			printf '%s\n' "${tl[first - 1 + k]}" |
				grep -Eq -- "${pl[k]}" || break
		done
		[ "$k" -eq ${#pl[@]} ] && return 0
	done
	return 1
}
# assert_nomatch WHAT REGEX TEXT: no line of TEXT matches REGEX (one line).
assert_nomatch() {
	case $2 in
	*$'\n'*) not_ok "$1: test bug: a pattern of several lines: /$2/"; return ;;
	esac
	pattern_ok "$1" "$2" || return
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		not_ok "$1: /$2/ unexpectedly in: $(printf '%s' "$3" | head -c 600)"
	else ok "$1"; fi
}
# assert_exit WHAT EXPECTED_CODE CMD...
assert_exit() {
	local what=$1 want=$2 got
	shift 2
	"$@" >/dev/null 2>&1
	got=$?
	assert_eq "$what (exit)" "$want" "$got"
}

# skip_check ID WHY: one check that cannot run here.  It is counted and
# named; tests/allowed-skips lists the IDs that may be skipped (and why);
# the runner fails on any other.  An ID has no spaces.
T_SKIP=0
skip_check() {
	T_SKIP=$((T_SKIP + 1))
	echo "  SKIP $1: $2"
}
# skip_all WHY: the rest of this script cannot run here (a tool it needs
# is missing): one skip, ID the script's name, and what was counted so far.
skip_all() {
	skip_check "$T_NAME" "$*"
	finish
	exit 77
}
# fail_all WHY: something this script builds or starts (a helper, the lab,
# a ruleset) failed, so it cannot go on.  A failure, never a skip.
fail_all() {
	not_ok "$*"
	finish
	exit 1
}
need_root() {
	[ "$(id -u)" -eq 0 ] || fail_all "needs root (make check runs as root)"
}

finish() {
	echo "$T_NAME: $T_PASS passed, $T_FAIL failed, $T_SKIP skipped"
	[ "$T_FAIL" -eq 0 ]
}
