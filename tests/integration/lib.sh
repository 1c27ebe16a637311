# shellcheck shell=bash
# lib.sh - sourced by every tests/integration/test_*.sh.
#
# A test script runs as root, builds what it needs in namespaces it
# creates itself (198.18.0.0/15 and fd00:7473::/32 only), asserts with the
# helpers below and cleans up on every exit.  It exits 0 when every
# assertion held, 1 otherwise, 77 when it cannot run here (and says why).
# The runner (tests/run-integration) adds up the counts it prints.

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
# assert_match WHAT REGEX TEXT
assert_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then ok "$1"
	else not_ok "$1: /$2/ not in: $(printf '%s' "$3" | head -c 600)"; fi
}
assert_nomatch() {
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

skip_all() { echo "SKIP $T_NAME: $*"; exit 77; }
# skip_check ID WHY: one check that cannot run here.  It is counted and
# named; tests/allowed-skips lists the IDs that may be skipped (and why);
# the runner fails on any other.
T_SKIP=0
skip_check() {
	T_SKIP=$((T_SKIP + 1))
	echo "  SKIP $1: $2"
}

finish() {
	echo "$T_NAME: $T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ]
}

# A script that needs no root sets T_ROOT=no before sourcing this.
[ "${T_ROOT:-yes}" = no ] || [ "$(id -u)" -eq 0 ] || skip_all "needs root"
