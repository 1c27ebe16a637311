#!/bin/bash
# tsnet cloud aws (AWS CLI, bash) for cluster stage:
# allows IPsec (UDP 500, UDP 4500, ESP) between the cluster's members only.
#
# Changes: security group <AWS_SECURITY_GROUP>
# gets inbound and outbound rules for UDP 500, UDP 4500 and protocol 50
# whose peer is one of these (6 rules per direction):
#   198.18.2.1/32 198.18.2.2/32
# Region: the AWS CLI's default (the inventory has no aws_region).
# Running it again leaves the same rules: one already there is not an error.
#
# PLACEHOLDER <AWS_SECURITY_GROUP>: the inventory has no aws_security_group (set it in [cluster] and run tsnet cloud again).
# This script refuses to run while one is left.
# Undo: tsnet -c tests/data/cloud/missing.conf cloud aws --undo > undo-ipsec.sh
#   and run that as you ran this script.

set -euo pipefail

GROUP='<AWS_SECURITY_GROUP>'
IPV4=('198.18.2.1/32' '198.18.2.2/32')

# Stop while a name the inventory did not give is still a placeholder.
placeholder() {
	case $1 in
	'<'*'>')
		echo "tsnet: $1 is a placeholder: set its key in the inventory and run tsnet cloud again" >&2
		exit 1
		;;
	esac
}
placeholder "$GROUP"

# Stop before any change when the group is not there.
aws ec2 describe-security-groups --group-ids "$GROUP" --output text >/dev/null

# tolerate CODE COMMAND...: run COMMAND; failing with error CODE counts as done.
tolerate() {
	local code=$1 out
	shift
	if out=$("$@" 2>&1); then
		return 0
	fi
	if grep -qF -- "$code" <<<"$out"; then
		return 0
	fi
	printf '%s\n' "$out" >&2
	return 1
}

DESCRIPTION='tsnet-cluster-stage'
PERMS=(
	'IpProtocol=udp,FromPort=500,ToPort=500'
	'IpProtocol=udp,FromPort=4500,ToPort=4500'
	'IpProtocol=50'
)
for cidr in "${IPV4[@]}"; do
	peer="IpRanges=[{CidrIp=$cidr,Description=$DESCRIPTION}]"
	for perm in "${PERMS[@]}"; do
		tolerate InvalidPermission.Duplicate \
			aws ec2 authorize-security-group-ingress --group-id "$GROUP" \
			--ip-permissions "$perm,$peer"
		tolerate InvalidPermission.Duplicate \
			aws ec2 authorize-security-group-egress --group-id "$GROUP" \
			--ip-permissions "$perm,$peer"
	done
done
