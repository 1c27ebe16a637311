# shellcheck shell=bash
# skips.sh - sourced by tests/run-integration and tests/run-unit: the one
# place that holds skips against tests/allowed-skips.
#
# skips_report LABEL ENTRY...: ENTRY is "ID<tab>where: why".  Prints each
# skip, named, and says which are not allowed; returns 1 when any is not.
skips_report() {
	local label=$1 e id bad=0 allowed
	shift
	allowed=$(sed -e 's/#.*//' \
		"${ALLOWED_SKIPS:-$(dirname "${BASH_SOURCE[0]}")/allowed-skips}" |
		awk 'NF { print $1 }')
	for e in "$@"; do
		id=${e%%$'\t'*}
		if grep -qxF -- "$id" <<<"$allowed"; then
			echo "$label: skipped $id (${e#*$'\t'})"
		else
			echo "$label: SKIP NOT ALLOWED $id (${e#*$'\t'}): not in tests/allowed-skips"
			bad=1
		fi
	done
	return $bad
}
