#!/bin/bash
# test_cloud.sh - `tsnet cloud` through the real binary: golden scripts for
# every provider, format and --undo; bash -n and shellcheck on every bash
# script; tests/cloud-lint on every script; placeholders, hostile
# inventories, usage errors, DMI detection (auto and the agent action).
# Needs no network and no namespace.  REGEN=1 rewrites the golden files,
# says which, and exits 1: an update is not a test (run again without it).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

D=$TOP/tests/data/cloud
G=$D/golden
LINT=$TOP/tests/cloud-lint
TMP=$(mktemp -d /tmp/tc-cloud.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
cd "$TOP" || exit 1
[ -x "$TSNET" ] || skip_all "no ./tsnet (run make)"
# A copy: others may relink ./tsnet while this runs.
cp "$TSNET" "$TMP/tsnet" && TSNET=$TMP/tsnet
command -v shellcheck >/dev/null || skip_all "no shellcheck"
command -v python3 >/dev/null || skip_all "no python3 for tests/cloud-lint"

# name inventory expected-exit language args...
CASES=(
	"azure-cli full 0 bash azure"
	"azure-cli-undo full 0 bash azure --undo"
	"azure-powershell full 0 powershell azure --format powershell"
	"azure-powershell-undo full 0 powershell azure --format powershell --undo"
	"azure-terraform full 0 terraform azure --format terraform"
	"azure-terraform-undo full 0 terraform azure --format terraform --undo"
	"aws-cli full 0 bash aws"
	"aws-cli-undo full 0 bash aws --undo"
	"aws-terraform full 0 terraform aws --format terraform"
	"aws-terraform-undo full 0 terraform aws --format terraform --undo"
	"aws-cli-source-group full 0 bash aws --source-group"
	"aws-terraform-source-group full 0 terraform aws --format terraform --source-group"
	"gcp-cli full 0 bash gcp"
	"gcp-cli-undo full 0 bash gcp --undo"
	"gcp-terraform full 0 terraform gcp --format terraform"
	"gcp-terraform-undo full 0 terraform gcp --format terraform --undo"
	"azure-cli-missing missing 1 bash azure"
	"azure-powershell-missing missing 1 powershell azure --format powershell"
	"aws-cli-missing missing 1 bash aws"
	"gcp-cli-missing missing 1 bash gcp"
	"gcp-terraform-missing missing 1 terraform gcp --format terraform"
	"azure-cli-subnets subnets 0 bash azure"
	"aws-terraform-subnets subnets 0 terraform aws --format terraform"
	"gcp-cli-subnets subnets 0 bash gcp"
)

ext() { case $1 in bash) echo sh ;; powershell) echo ps1 ;; *) echo tf ;; esac; }

mkdir -p "$G"
regen=()
for c in "${CASES[@]}"; do
	read -r name inv want lang args <<<"$c"
	out=$TMP/$name.$(ext "$lang")
	# shellcheck disable=SC2086 # args is a list of words
	"$TSNET" -c "tests/data/cloud/$inv.conf" cloud $args >"$out" 2>"$TMP/err"
	rc=$?
	assert_eq "$name: exit" "$want" "$rc"
	if [ "${REGEN:-0}" = 1 ]; then
		cp "$out" "$G/$name.$(ext "$lang")" && regen+=("$name.$(ext "$lang")")
		continue
	fi
	if cmp -s "$out" "$G/$name.$(ext "$lang")"; then
		ok "$name: matches golden"
	else
		not_ok "$name: differs from golden: $(diff "$G/$name.$(ext "$lang")" "$out" | head -5)"
	fi
	if [ "$want" = 1 ]; then
		# One warning per missing key, naming it; nothing else.
		n=$(grep -c 'warning: the inventory has no [a-z_]*: the script holds <[A-Z_]*>' "$TMP/err")
		assert_eq "$name: one warning per missing key" \
			"$(grep -o '<[A-Z_]*>' "$out" | sort -u | wc -l)" "$n"
	else
		assert_eq "$name: nothing on stderr" "" "$(cat "$TMP/err")"
	fi
	[ "$lang" = bash ] && assert_exit "$name: bash -n" 0 bash -n "$out"
	assert_nomatch "$name: no carriage returns" $'\r' "$(cat "$out")"
	mkdir -p "$TMP/$lang"
	cp "$out" "$TMP/$lang/"
done
if [ "${REGEN:-0}" = 1 ]; then
	echo "REGEN=1: wrote ${#regen[@]} golden files into ${G#"$TOP"/}:"
	printf '  %s\n' "${regen[@]}"
	echo "$T_NAME: REGEN=1 is not a test: review the diff, run again without it"
	exit 1
fi
# One process per tool over all files: the machine is shared.
assert_eq "shellcheck on every bash script" "" \
	"$(shellcheck -s bash "$TMP"/bash/* 2>&1)"
for lang in bash powershell terraform; do
	assert_eq "cloud-lint on every $lang script" "" \
		"$("$LINT" --lang "$lang" "$TMP/$lang"/* 2>&1)"
done
if command -v terraform >/dev/null; then
	assert_eq "terraform fmt -check on every terraform file" "" \
		"$(terraform fmt -check -no-color "$TMP/terraform" 2>/dev/null)"
else
	skip_check cloud-terraform-fmt "no terraform here (not in Debian's archive)"
fi

# The linter itself must fail on broken scripts, or it proves nothing.
# Each mutation is written first; one cloud-lint run per language then
# must name every mutated file.
MUTS=()
mutate() {	# name lang golden sed-expression
	local f
	f=$TMP/mut/$2/${#MUTS[@]}
	mkdir -p "$TMP/mut/$2"
	sed -e "$4" "$G/$3" >"$f"
	if cmp -s "$f" "$G/$3"; then
		not_ok "lint catches $1: the mutation changed nothing"
		rm -f "$f"
		return
	fi
	MUTS+=("$f:$1")
}
mutate "lower-case az --protocol esp" bash azure-cli.sh 's/--protocol Esp/--protocol esp/'
mutate "an unknown az option" bash azure-cli.sh 's/--nsg-name/--nsg/'
mutate "an unknown aws command" bash aws-cli.sh 's/authorize-security-group-egress/authorise-security-group-egress/'
mutate "a gcloud extra argument" bash gcp-cli.sh "s/describe 'tsnet-prod-in4'/describe 'tsnet-prod-in4' extra/"
mutate "an unknown cmdlet" powershell azure-powershell.ps1 's/Set-AzNetworkSecurityGroup/Set-AzNetworkSecurityGroups/'
mutate "an unknown cmdlet parameter" powershell azure-powershell.ps1 's/-SourcePortRange/-SourcePort/'
mutate "an unbalanced PowerShell brace" powershell azure-powershell.ps1 '0,/^}/s/^}//'
mutate "an unterminated PowerShell string" powershell azure-powershell.ps1 "0,/-Name 'tsnet-prod-in4-ike'/s/-Name 'tsnet-prod-in4-ike'/-Name 'tsnet-prod-in4-ike/"
mutate "a Terraform protocol in the wrong case" terraform azure-terraform.tf 's/"Esp"/"esp"/'
mutate "an unknown Terraform attribute" terraform gcp-terraform.tf 's/target_tags  /target_tag   /'
mutate "an unknown resource type" terraform aws-terraform.tf 's/aws_vpc_security_group_egress_rule/aws_security_group_egress_rule/'
mutate "an unbalanced Terraform brace" terraform aws-terraform.tf '0,/^}/s/^}//'
mutate "an undefined local" terraform gcp-terraform.tf 's/local.tsnet_prod_network/local.tsnet_prod_net/'
# shellcheck disable=SC2016 # a literal ${...} is the point
mutate "interpolation in a string" terraform gcp-terraform.tf 's/"INGRESS"/"${var.x}"/'
for lang in bash powershell terraform; do
	"$LINT" --lang "$lang" "$TMP/mut/$lang"/* >"$TMP/mut/$lang.out" 2>&1
	assert_eq "cloud-lint fails on broken $lang" 1 "$?"
done
for m in "${MUTS[@]}"; do
	f=${m%%:*}
	lang=${f%/*}
	lang=${lang##*/}
	assert_match "lint catches ${m#*:}" "^$f:[0-9]+: " "$(cat "$TMP/mut/$lang.out")"
done

# Run every complete bash script for real, with az, aws and gcloud
# recording their command lines instead of calling a cloud: the scripts
# must run to the end under set -euo pipefail, and each recorded line then
# goes to the real aws and gcloud parsers (when installed), offline.
mkdir -p "$TMP/bin"
for t in aws gcloud az; do
	cat >"$TMP/bin/$t" <<'EOF'
#!/bin/bash
# Records its command line for test_cloud.sh instead of running it.
{ printf '%s\0' "${0##*/}" "$@"; printf '\0'; } >>"$TC_REC"
case "$*" in
*describe-security-groups*--query*) printf '%s\n' "$TC_VPC" ;;
*"firewall-rules describe"*) exit "$TC_DESCRIBE_RC" ;;
esac
exit 0
EOF
	chmod +x "$TMP/bin/$t"
done
runrec() {	# name golden describe-rc: run it, recording; print the count
	TC_REC=$TMP/rec-$1 TC_VPC=vpc-0123456789abcdef0 TC_DESCRIBE_RC=$3 \
		PATH="$TMP/bin:$PATH" bash "$G/$2" >"$TMP/run-$1.out" 2>&1
	echo "$?" >"$TMP/run-$1.rc"
	tr '\0' '\n' <"$TMP/rec-$1" | grep -cxE 'az|aws|gcloud'
}
rec() {		# what name golden describe-rc expected-count
	local n
	n=$(runrec "$2" "$3" "$4")
	assert_eq "$1: runs to the end" 0 "$(cat "$TMP/run-$2.rc")"
	assert_eq "$1: cloud commands" "$5" "$n"
}
rec "azure-cli: show + 8 creates" azure azure-cli.sh 0 9
rec "azure-cli-undo: show + 8 deletes" azure-undo azure-cli-undo.sh 0 9
rec "aws-cli: describe + 4 CIDRs x 3 x 2" aws aws-cli.sh 0 25
rec "aws-cli-undo: describe + 24 revokes" aws-undo aws-cli-undo.sh 0 25
rec "aws-cli-source-group: describe + 3 x 2" aws-sg aws-cli-source-group.sh 0 7
rec "gcp-cli, rules there: network + 4 x (describe, update)" gcp-update gcp-cli.sh 0 9
rec "gcp-cli, no rules yet: network + 4 x (describe, create)" gcp-create gcp-cli.sh 1 9
rec "gcp-cli-undo: 4 x (describe, delete)" gcp-undo gcp-cli-undo.sh 0 8
rec "gcp-cli-subnets: network + 4 x (describe, create)" gcp-subnets gcp-cli-subnets.sh 1 9
assert_eq "aws-cli-source-group: the group is its own peer" 6 \
	"$(tr '\0' '\n' <"$TMP/rec-aws-sg" | grep -c 'UserIdGroupPairs=\[{GroupId=sg-0123456789abcdef0,')"
assert_eq "gcp-cli: updates when the rule is there" 4 \
	"$(tr '\0' '\n' <"$TMP/rec-gcp-update" | grep -cx update)"
assert_eq "gcp-cli: creates when it is not" 4 \
	"$(tr '\0' '\n' <"$TMP/rec-gcp-create" | grep -cx create)"
cat "$TMP"/rec-* >"$TMP/rec-all"
# cli_check TOOL PYTHON ENV...: the real CLI's parser over every recorded
# line and one planted bad line, which it must be the one to reject.
cli_check() {
	local tool=$1 py=$2 out
	shift 2
	cp "$TMP/rec-all" "$TMP/rec-$tool-check"
	case $tool in
	aws) printf '%s\0' aws ec2 authorize-security-group-ingress --group-id \
		sg-0123456789abcdef0 --ip-permissions \
		'IpProtocol=udp,FromPort=500,ToPort=500,TsnetPlanted=1' ;;
	gcloud) printf '%s\0' gcloud compute firewall-rules create \
		tsnet-planted --network default --allow esp --tsnet-planted ;;
	esac >>"$TMP/rec-$tool-check"
	printf '\0' >>"$TMP/rec-$tool-check"
	out=$(env "$@" HOME="$TMP" unshare -n "$py" \
		"$TOP/tests/cloud-cli-check" "$tool" "$TMP/rec-$tool-check" 2>&1)
	assert_match "the real $tool CLI checked every recorded command" \
		"^$tool: [0-9]+ command lines, 1 rejected\$" "$out"
	assert_eq "the real $tool CLI rejects the planted line, only it" \
		"1 1" "$(printf '%s\n' "$out" | grep -c "^$tool rejects: ") $(
		printf '%s\n' "$out" | grep -c "^$tool rejects: .*[Pp]lanted")"
}
# Debian's aws-cli (make deps installs awscli), with its own python: a
# pyenv or pip aws earlier in PATH is another CLI.
AWS=/usr/bin/aws
if [ -x "$AWS" ]; then
	cli_check aws "$(sed -n '1s/^#! *//p' "$AWS")"
else
	not_ok "no $AWS: make deps installs awscli"
fi
GPY=/usr/lib/google-cloud-sdk/platform/bundledpythonunix/bin/python3
if [ -x "$GPY" ] && [ -d /usr/lib/google-cloud-sdk/lib/googlecloudsdk ]; then
	cli_check gcloud "$GPY" CLOUDSDK_CONFIG="$TMP/gcloud" \
		CLOUDSDK_CORE_DISABLE_PROMPTS=1 \
		CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK=true \
		CLOUDSDK_CORE_DISABLE_USAGE_REPORTING=true
else
	skip_check cloud-gcloud-parser "no Google Cloud SDK here (not in Debian's archive)"
fi

# A placeholder stops the bash script before its first cloud command.
for p in azure aws gcp; do
	rm -f "$TMP/rec-missing"
	err=$(TC_REC=$TMP/rec-missing TC_VPC='' TC_DESCRIBE_RC=1 \
		PATH="$TMP/bin:$PATH" bash "$G/$p-cli-missing.sh" 2>&1 >/dev/null)
	assert_eq "$p: a script with a placeholder refuses to run" 1 "$?"
	assert_match "$p: and says which" 'is a placeholder: set its key' "$err"
	assert_exit "$p: before any cloud command" 1 test -e "$TMP/rec-missing"
done
out=$("$TSNET" -q -c tests/data/cloud/missing.conf cloud azure 2>&1 >/dev/null)
assert_eq "-q: no warnings" "" "$out"

# Hostile inventory values never reach a script: exit 2, one line naming
# file:line, nothing on stdout, no file created.
rm -f /tmp/tsnet-pwned
for f in "$D"/hostile/*.conf; do
	n=$(basename "$f" .conf)
	for p in azure aws gcp; do
		"$TSNET" -c "$f" cloud "$p" >"$TMP/out" 2>"$TMP/err"
		rc=$?
		if [ "$n" = priority-overflow ] && [ "$p" != azure ]; then
			continue	# only Azure has priorities
		fi
		assert_eq "hostile $n ($p): exit" 2 "$rc"
		assert_eq "hostile $n ($p): no script" 0 "$(wc -c <"$TMP/out")"
		assert_eq "hostile $n ($p): one error line" 1 "$(wc -l <"$TMP/err")"
		assert_match "hostile $n ($p): says where" "$n.conf(:[0-9]+)?: " \
			"$(cat "$TMP/err")"
	done
done
assert_exit "nothing ran from a hostile value" 1 test -e /tmp/tsnet-pwned

# Usage.
assert_exit "no provider" 2 "$TSNET" -c "$D/full.conf" cloud
assert_exit "unknown provider" 2 "$TSNET" -c "$D/full.conf" cloud azur
assert_exit "two providers" 2 "$TSNET" -c "$D/full.conf" cloud aws gcp
assert_exit "aws has no powershell" 2 "$TSNET" -c "$D/full.conf" cloud aws --format powershell
assert_exit "unknown format" 2 "$TSNET" -c "$D/full.conf" cloud azure --format yaml
assert_exit "--source-group is aws only" 2 "$TSNET" -c "$D/full.conf" cloud gcp --source-group
assert_exit "--help" 0 "$TSNET" cloud --help
assert_exit "missing inventory" 2 "$TSNET" -c "$TMP/nope.conf" cloud azure
err=$("$TSNET" -c "$D/full.conf" cloud 2>&1)
assert_eq "no provider: one line" \
	"tsnet: cloud: missing cloud (azure, aws, gcp or auto); see 'tsnet cloud --help'" "$err"

# auto: DMI decides; on-premises is exit 1 with the evidence.
out=$("$TSNET" -c tests/data/cloud/full.conf cloud auto --dmi-root "$D/dmi/azure" 2>"$TMP/err")
assert_eq "auto on azure DMI prints the azure script" "$(cat "$G/azure-cli.sh")" "$out"
assert_match "auto says why" 'auto: azure \(chassis_asset_tag' "$(cat "$TMP/err")"
out=$("$TSNET" -c tests/data/cloud/full.conf cloud auto --format terraform --dmi-root "$D/dmi/gcp" 2>/dev/null)
assert_eq "auto on GCP DMI, terraform" "$(cat "$G/gcp-terraform.tf")" "$out"
out=$("$TSNET" -c tests/data/cloud/full.conf cloud auto --dmi-root "$D/dmi/aws-xen" 2>/dev/null)
assert_eq "auto on EC2 Xen DMI" "$(cat "$G/aws-cli.sh")" "$out"
for d in qemu hyperv empty; do
	"$TSNET" -c "$D/full.conf" cloud auto --dmi-root "$D/dmi/$d" >"$TMP/out" 2>"$TMP/err"
	assert_eq "auto on $d: exit 1" 1 "$?"
	assert_eq "auto on $d: no script" 0 "$(wc -c <"$TMP/out")"
	assert_match "auto on $d: clear error" 'not in a cloud tsnet knows' "$(cat "$TMP/err")"
done

# The agent action preflight runs on every node.
for d in azure:azure aws-nitro:aws aws-xen:aws gcp:gcp qemu:none hyperv:none empty:none hostile:none; do
	out=$("$TSNET" agent cloud-detect --dmi-root "$D/dmi/${d%%:*}")
	assert_eq "agent cloud-detect ${d%%:*}: exit" 0 "$?"
	assert_match "agent cloud-detect ${d%%:*}" \
		"^\\{\"cloud\":\"${d##*:}\",\"evidence\":\"[^\"]" "$out"
done
assert_exit "agent cloud-detect: stray argument" 2 "$TSNET" agent cloud-detect x

# --json carries the same script and the missing keys.
got=$("$TSNET" --json -c tests/data/cloud/missing.conf cloud gcp 2>/dev/null |
	python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["provider"], j["format"], ",".join(j["missing"])); sys.stdout.write(j["script"])')
assert_eq "--json: provider, format, missing" "gcp cli gcp_project,gcp_network,gcp_target_tags" "$(printf '%s\n' "$got" | head -1)"
assert_eq "--json: the script" "$(cat "$G/gcp-cli-missing.sh")" "$(printf '%s\n' "$got" | tail -n +2)"

finish
