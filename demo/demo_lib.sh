# shellcheck shell=bash
# demo_lib.sh - what demo.sh and demo_ipsec.sh share: a step's header,
# running a command with the exit status it is expected to have (and, for
# a step that should find a problem, the words that name it), the time
# each took, and the summary of failed steps that decides the exit code.
#
# Nothing is filtered: every line a command prints is shown, errors too
# (stderr goes with stdout).  Bold headers and tsnet's own colours and
# progress lines only on a terminal; DEMO_TTY says whether there is one
# (the VM's console always looks like one, so demo_ipsec.sh is told).

DEMO_TTY=${TSNET_DEMO_TTY:-}
if [ -z "$DEMO_TTY" ]; then
	DEMO_TTY=0
	[ -t 1 ] && DEMO_TTY=1
fi
DEMO_FAILED=()
DEMO_STEPS=0
DEMO_OUT=$(mktemp "${TMPDIR:-/tmp}/tsnet-demo.XXXXXX")
DEMO_T0=$EPOCHREALTIME

demo_us() { local t=$EPOCHREALTIME; echo "${t/./}"; }
# demo_secs START_US: the seconds since then, one decimal
demo_secs() {
	local d=$(($(demo_us) - $1))
	printf '%d.%d s' $((d / 1000000)) $((d / 100000 % 10))
}

# demo_step TITLE [LINE...]: a header and what the step shows
demo_step() {
	if [ "$DEMO_TTY" = 1 ]; then
		printf '\n\033[1m== %s\033[0m\n' "$1"
	else
		printf '\n== %s\n' "$1"
	fi
	shift
	[ $# -eq 0 ] || printf '   %s\n' "$@"
	echo
}

# demo_fail WHAT WHY: count a failed step, say so now and in the summary
demo_fail() {
	DEMO_FAILED+=("$1: $2")
	echo "demo: FAILED: $1: $2"
}

# demo_check WANT RC PATTERN WHAT START_US: the status line of a step
demo_check() {
	local want=$1 rc=$2 pat=$3 what=$4 t
	t=$(demo_secs "$5")
	DEMO_STEPS=$((DEMO_STEPS + 1))
	if [ "$rc" != "$want" ]; then
		printf '(exit status %d, expected %d; %s)\n' "$rc" "$want" "$t"
		demo_fail "$what" "exit status $rc, expected $want"
	elif [ -n "$pat" ] && ! grep -Eq -- "$pat" "$DEMO_OUT"; then
		printf '(exit status %d as expected, but no line matches /%s/; %s)\n' \
			"$rc" "$pat" "$t"
		demo_fail "$what" "no line matches /$pat/"
	elif [ "$want" != 0 ]; then
		printf '(exit status %d, as expected: it found the problem; %s)\n' \
			"$rc" "$t"
	else
		printf '(exit status 0; %s)\n' "$t"
	fi
}

# demo_run WANT [--expect REGEX] [--show TEXT] CMD...: show CMD (or TEXT),
# run it, check its exit status is WANT and, with --expect, that a line of
# its output matches.
demo_run() {
	local want=$1 pat='' show='' t0 rc
	shift
	if [ "$1" = --expect ]; then
		pat=$2
		shift 2
	fi
	if [ "$1" = --show ]; then
		show=$2
		shift 2
	fi
	printf '$ %s\n' "${show:-$*}"
	t0=$(demo_us)
	if [ "$DEMO_TTY" = 1 ] && [ -z "$pat" ]; then
		"$@" 2>&1
		rc=$?
	else
		"$@" 2>&1 | tee "$DEMO_OUT"
		rc=${PIPESTATUS[0]}
	fi
	demo_check "$want" "$rc" "$pat" "${show:-$*}" "$t0"
}

# demo_setup WHAT CMD...: a step that is not the demo's subject (bring up
# the lab, load a ruleset): quiet when it works, its output and a failed
# step when it does not.
demo_setup() {
	local what=$1 rc
	shift
	"$@" >"$DEMO_OUT" 2>&1
	rc=$?
	DEMO_STEPS=$((DEMO_STEPS + 1))
	[ "$rc" = 0 ] && return 0
	cat "$DEMO_OUT"
	demo_fail "$what" "exit status $rc"
	return 1
}

# demo_summary NAME: the verdict; returns 1 when a step failed
demo_summary() {
	rm -f "$DEMO_OUT"
	if [ ${#DEMO_FAILED[@]} -eq 0 ]; then
		echo "$1: all $DEMO_STEPS steps did what they should" \
			"($(demo_secs "${DEMO_T0/./}"))"
		return 0
	fi
	echo "$1: ${#DEMO_FAILED[@]} of $DEMO_STEPS steps failed" \
		"($(demo_secs "${DEMO_T0/./}")):"
	printf '  %s\n' "${DEMO_FAILED[@]}"
	return 1
}
