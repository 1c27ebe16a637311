#!/bin/bash
# test_docs.sh - the examples in README.md and man/*.8 work as written.
#
# Taken from the documents themselves, so an example that stops working
# fails here:
# - the README's inventory, and every inventory block in a man page, pass
#   `tsnet inventory check`; the documented "unknown key 'adress'" error
#   is what a file with that typo gets;
# - every command in the README's tour answers --help;
# - every command in a man page's EXAMPLES is run where that is safe here
#   (inventory, cloud and cloud-detect, on a documented inventory, with
#   their jq pipelines and the scripts they write checked by bash -n);
#   the others (they need a cluster) are put to the command's own parser
#   against an inventory that does not exist: they must get as far as
#   reading it, so every option and argument was accepted; their jq
#   filters must compile;
# - as root, those that only read a cluster or change its firewall (nodes,
#   preflight, probe, status) run for real on a 3-node lab whose nodes
#   are named as in the examples (db1..db3): they must exit 0 or 1 (a
#   check found a problem: this kernel may have no ESP) and their jq
#   pipelines must work on the real JSON.  enable-ipsec, disable-ipsec,
#   node and state are parsed only (kernel ESP, /root, a fourth host).
# The extractors are checked too: a README whose example is broken must
# fail the check, and finding no example at all is a failure.  Without
# root the lab part is a counted skip (docs-lab); the rest needs no root
# and no network.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

TMP=$(mktemp -d /tmp/tsnet-docs.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
if [ ! -x "$TSNET" ]; then
	not_ok "no $TSNET (run make)"
	finish
	exit
fi
command -v jq >/dev/null || { not_ok "jq is not installed (make deps)"; finish; exit; }
# Examples call `tsnet`: the one under test.
mkdir -p "$TMP/bin" "$TMP/work"
ln -s "$TSNET" "$TMP/bin/tsnet"
export PATH="$TMP/bin:$PATH"
unset TSNET_CONFIG

# --- extractors ---------------------------------------------------------

# readme_inventory README: the indented block under "## The inventory"
# that starts with [cluster], without its indent.
readme_inventory() {
	awk '/^## / { sec = ($0 == "## The inventory"); next }
	     !sec { next }
	     /^    \[cluster\]/ { on = 1 }
	     on && /^[^ ]/ { exit }
	     on { sub(/^    /, ""); print }' "$1"
}

# man_blocks PAGE: each .nf/.fi or .EX/.EE block as text, blocks ended
# by a line "--".  Roff escapes resolved, requests (.RS, .B ...) dropped
# or unwrapped.
man_blocks() {
	awk '/^\.(nf|EX)$/ { on = 1; next }
	     /^\.(fi|EE)$/ { if (on) print "--"; on = 0; next }
	     !on { next }
	     /^\.(B|I|BR|RB) / { sub(/^\.[A-Z]+ /, "") }
	     /^\./ { next }
	     { print }' "$1" |
	sed -e 's/\\-/-/g' -e 's/\\(dq/"/g' -e "s/\\\\(aq/'/g" \
		-e 's/\\&//g' -e 's/\\e/\\/g'
}

# man_examples PAGE: the command lines of its EXAMPLES section, prompt
# ("$ " or "# ") removed.
man_examples() {
	sed -n '/^\.SH EXAMPLES/,/^\.SH /p' "$1" >"$TMP/ex.8"
	man_blocks "$TMP/ex.8" | sed -nE 's/^([$#] )?(tsnet [^:].*)$/\2/p'
}

# --- checks ---------------------------------------------------------------

# check_inventory WHAT FILE: `inventory check` accepts it.
check_inventory() {
	local out rc
	out=$(tsnet -c "$2" inventory check 2>&1 >/dev/null)
	rc=$?
	assert_eq "$1: inventory check accepts it${out:+ ($out)}" 0 "$rc"
}

# The README's inventory.
readme_inventory "$TOP/README.md" >"$TMP/readme.conf"
assert_match "README: the inventory example is found" '^\[node ' \
	"$(cat "$TMP/readme.conf")"
check_inventory "README's inventory" "$TMP/readme.conf"
norm=$(tsnet -c "$TMP/readme.conf" inventory check 2>/dev/null)
assert_match "README's inventory: its transport is read" \
	'^transport = ssh$' "$norm"
assert_match "README's inventory: its nodes are read" \
	'^\[node db2\]$' "$norm"
# The extractor and check can fail: the same README with a value the
# reader refuses must be refused.
sed 's/^\(    transport = ssh\)/\1#x/' "$TOP/README.md" >"$TMP/README-bad.md"
readme_inventory "$TMP/README-bad.md" >"$TMP/readme-bad.conf"
assert_exit "a README whose inventory is broken fails the check" 2 \
	tsnet -c "$TMP/readme-bad.conf" inventory check

# The README's error example: `FILE:LINE: message` with its key typo.
doc=$(tr '\n' ' ' <"$TOP/README.md" |
	grep -oE '`cluster\.conf:[0-9]+: unknown key [^`]*`' | tr -d '`')
doc=${doc//  / }
assert_match "README: the error example is found" "^cluster\.conf:" "$doc"
typo_inventory() {	# typo_inventory LINE KEY > FILE
	local i
	echo "[cluster]"
	echo "name = prod-db"
	for ((i = 3; i < $1 - 2; i++)); do echo "# line $i"; done
	echo "[node db1]"
	echo "address = 198.18.0.11"
	echo "$2 = 198.18.0.12"
}
if [[ $doc =~ ^cluster\.conf:([0-9]+):\ unknown\ key\ \'([a-z_]+)\' ]]; then
	(cd "$TMP/work" && typo_inventory "${BASH_REMATCH[1]}" \
		"${BASH_REMATCH[2]}" >cluster.conf)
	got=$(cd "$TMP/work" && tsnet -c cluster.conf inventory check 2>&1)
	assert_eq "README's error example is what tsnet says" \
		"tsnet: inventory: $doc" "$got"
	rm -f "$TMP/work/cluster.conf"
fi

# The README's tour: every command there answers --help.
tour=$(awk '/^## / { sec = ($0 == "## A short tour"); next }
	    sec && /^    tsnet / { sub(/^    tsnet /, ""); sub(/  .*/, ""); print }' \
	"$TOP/README.md")
n=0
while read -r cmd rest; do
	for sub in ${rest//|/ }; do
		n=$((n + 1))
		# shellcheck disable=SC2086 # the words of the tour's line
		out=$(tsnet "$cmd" $sub --help 2>&1)
		assert_match "README tour: tsnet $cmd $sub --help" \
			"^usage: tsnet $cmd" "$out"
	done
	if [ -z "$rest" ]; then
		n=$((n + 1))
		out=$(tsnet "$cmd" --help 2>&1)
		assert_match "README tour: tsnet $cmd --help" \
			"^usage: tsnet $cmd" "$out"
	fi
done <<<"$tour"
[ "$n" -ge 10 ] && ok "README tour: $n commands" ||
	not_ok "README tour: only $n commands found"

# Every inventory in a man page (a block that starts with '[').
n=0
for page in "$TOP"/man/*.8; do
	man_blocks "$page" | awk -v out="$TMP/man-inv" '
		BEGIN { first = 1 }
		/^--$/ { if (f) close(f); f = ""; first = 1; next }
		first { first = 0; if (/^\[/) f = out "." ++n ".conf" }
		f { print > f }'
	for f in "$TMP"/man-inv.*.conf; do
		[ -e "$f" ] || continue
		n=$((n + 1))
		check_inventory "$(basename "$page"): inventory $(basename "$f")" "$f"
		rm -f "$f"
	done
done
[ "$n" -ge 2 ] && ok "man pages: $n inventories" ||
	not_ok "man pages: only $n inventories found"

# The man page's error example, with its own path.
doc=$(man_blocks "$TOP/man/tsnet-inventory.8" |
	grep -E "^tsnet: inventory: .*unknown key" | head -1)
if [[ $doc =~ ^tsnet:\ inventory:\ ([^:]+):([0-9]+):\ unknown\ key\ \'([a-z_]+)\' ]]; then
	typo_inventory "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}" >"$TMP/typo.conf"
	got=$(tsnet -c "$TMP/typo.conf" inventory check 2>&1)
	assert_eq "tsnet-inventory(8): the error example is what tsnet says" \
		"${doc/${BASH_REMATCH[1]}/$TMP/typo.conf}" "$got"
else
	not_ok "tsnet-inventory(8): no error example found"
fi

# The inventory the safe examples run on: the source tree's commented
# example (man tsnet-inventory, FILES) with every cloud's names set, so
# `cloud aws` and `cloud gcp` need no placeholder.
sed '/^\[cluster\]$/a aws_region = eu-west-1\naws_security_group = sg-0123456789abcdef0\naws_vpc = vpc-01234567\ngcp_project = prod-db-1\ngcp_network = default\ngcp_target_tags = ipsec' \
	"$TOP/tests/data/inventory/example.conf" >"$TMP/docs.conf"
check_inventory "the examples' inventory" "$TMP/docs.conf"
cp "$TMP/docs.conf" "$TMP/work/cluster.conf"	# for "-c cluster.conf"

# split_example LINE: sets WORDS (the tsnet command's words), CMD (the
# command after the global options), AFTER (what follows: "| jq ...",
# "> FILE && ...", or nothing).
split_example() {
	local line=$1 i
	AFTER=
	if [[ $line =~ ^([^|>\&]*[^|>\& ])\ *([|>].*)$ ]]; then
		line=${BASH_REMATCH[1]}
		AFTER=${BASH_REMATCH[2]}
	fi
	read -ra WORDS <<<"$line"
	CMD=
	for ((i = 1; i < ${#WORDS[@]}; i++)); do
		case ${WORDS[i]} in
		-c|--config) i=$((i + 1)) ;;
		-*) ;;
		*) CMD=${WORDS[i]}; [ "$CMD" = agent ] && CMD="agent ${WORDS[i + 1]}"
		   break ;;
		esac
	done
}

# jq_compiles WHAT "jq ARGS... FILTER": the filter is valid jq.
jq_compiles() {
	local -a a
	eval "a=(${2#jq })"
	local filter=${a[${#a[@]} - 1]}
	unset 'a[${#a[@]}-1]'
	assert_exit "$1: its jq filter compiles" 0 \
		jq -n "${a[@]}" "empty | ($filter)"
}

# run_safe WHAT LINE: run the example in $TMP/work on the examples'
# inventory; the pipeline's jq must succeed, a script it writes must
# parse.
run_safe() {
	local what=$1 rc out err file
	(cd "$TMP/work" && TSNET_CONFIG=$TMP/docs.conf "${WORDS[@]}" \
		>"$TMP/out" 2>"$TMP/err")
	rc=$?
	err=$(head -c 300 "$TMP/err")
	case " ${WORDS[*]} " in
	*" cloud auto "*)	# the answer depends on the host: 1 off-cloud
		if [ "$rc" = 1 ]; then
			assert_match "$what: exit 1 names the cause" \
				"not in a cloud tsnet knows" "$err"
		else
			assert_eq "$what: exit${err:+ ($err)}" 0 "$rc"
		fi ;;
	*)	assert_eq "$what: exit${err:+ ($err)}" 0 "$rc" ;;
	esac
	[ "$rc" = 0 ] || return
	case $AFTER in
	"| jq "*)
		out=$(cd "$TMP/work" && bash -o pipefail -c "${AFTER#| }" <"$TMP/out")
		assert_eq "$what: its jq pipeline (exit)" 0 "$?"
		assert_match "$what: its jq pipeline prints something" . "$out" ;;
	">"*)
		file=$(sed -E 's/^> *([^ ]+).*/\1/' <<<"$AFTER")
		assert_match "$what: writes $file" . "$(head -c 100 "$TMP/out")"
		case $file in
		*.sh) assert_exit "$what: $file is valid bash" 0 \
			bash -n "$TMP/out" ;;
		esac ;;
	esac
}

# check_parses WHAT: against a missing inventory the command must get as
# far as reading it: every option and argument was accepted.
check_parses() {
	local what=$1 err rc
	(cd "$TMP/work" && TSNET_CONFIG=$TMP/absent.conf "${WORDS[@]}" \
		>/dev/null 2>"$TMP/err")
	rc=$?
	err=$(head -c 300 "$TMP/err")
	assert_eq "$what: reaches the inventory (exit)" 2 "$rc"
	assert_match "$what: its options are accepted" \
		"(absent|cluster)\.conf" "$err"
	case $AFTER in
	"| jq "*) jq_compiles "$what" "${AFTER#| }" ;;
	esac
}

# run_lab WHAT: run the example on the lab; exit 0 or 1, and its jq
# pipeline must succeed on the real output (and print something when its
# filter selects nothing away).
run_lab() {
	local what=$1 rc err out
	(cd "$TMP/work" && TSNET_CONFIG=$TMP/lab.conf "${WORDS[@]}" \
		>"$TMP/out" 2>"$TMP/err")
	rc=$?
	err=$(head -c 300 "$TMP/err")
	case $rc in
	0|1) ok "$what: on the lab: exit $rc" ;;
	*) not_ok "$what: on the lab: exit $rc${err:+ ($err)}" ;;
	esac
	case $AFTER in
	"| jq "*)
		out=$(cd "$TMP/work" && bash -o pipefail -c "${AFTER#| }" <"$TMP/out")
		assert_eq "$what: on the lab: its jq pipeline (exit)" 0 "$?"
		case $AFTER in
		*select*) ;;
		*) assert_match "$what: on the lab: its jq pipeline prints" . \
			"$out" ;;
		esac ;;
	esac
}

LAB_EXAMPLES=()
n=0
for page in "$TOP"/man/*.8; do
	while IFS= read -r line; do
		n=$((n + 1))
		split_example "$line"
		what="$(basename "$page" .8): $line"
		if [ "${WORDS[0]}" != tsnet ] || [ -z "$CMD" ]; then
			not_ok "$what: not a tsnet command line"
			continue
		fi
		case $CMD in
		inventory|cloud|"agent cloud-detect") run_safe "$what" ;;
		nodes|preflight|probe|status)
			check_parses "$what"
			LAB_EXAMPLES+=("$what"$'\t'"$line") ;;
		*) check_parses "$what" ;;
		esac
	done < <(man_examples "$page")
done
[ "$n" -ge 30 ] && ok "man pages: $n command examples" ||
	not_ok "man pages: only $n command examples found"

lab_examples() {
	local e
	if ! "$LAB" up 3 --name docs >"$TMP/lab.log" 2>&1; then
		not_ok "lab up: $(tail -3 "$TMP/lab.log")"
		return
	fi
	trap 'rm -rf "$TMP"; "$LAB" down --name docs >/dev/null 2>&1' EXIT
	sed -E 's/^\[node n([0-9]+)\]$/[node db\1]/' \
		"$("$LAB" inventory --name docs)" >"$TMP/lab.conf"
	for e in "${LAB_EXAMPLES[@]}"; do
		split_example "${e#*$'\t'}"
		run_lab "${e%%$'\t'*}"
	done
	"$LAB" down --name docs >/dev/null 2>&1
}
if [ "$(id -u)" != 0 ]; then
	skip_check docs-lab "not root: ${#LAB_EXAMPLES[@]} examples that need a cluster were only parsed"
elif [ ${#LAB_EXAMPLES[@]} -lt 10 ]; then
	not_ok "only ${#LAB_EXAMPLES[@]} examples for the lab"
else
	lab_examples
fi

finish
