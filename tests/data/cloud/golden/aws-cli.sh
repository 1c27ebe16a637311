#!/bin/bash
# tsnet cloud aws (AWS CLI, bash) for cluster prod:
# allows IPsec (UDP 500, UDP 4500, ESP) between the cluster's members only.
#
# Changes: security group sg-0123456789abcdef0 in vpc-0123456789abcdef0
# gets inbound and outbound rules for UDP 500, UDP 4500 and protocol 50
# whose peer is one of these (12 rules per direction):
#   198.18.1.1/32 198.18.1.2/32 198.18.1.3/32
#   fd00:7473::2/128
# Region: eu-west-1.
# Running it again leaves the same rules: one already there is not an error.
#
# Undo: tsnet -c tests/data/cloud/full.conf cloud aws --undo > undo-ipsec.sh
#   and run that as you ran this script.

set -euo pipefail

GROUP='sg-0123456789abcdef0'
VPC='vpc-0123456789abcdef0'
export AWS_DEFAULT_REGION='eu-west-1'
IPV4=('198.18.1.1/32' '198.18.1.2/32' '198.18.1.3/32')
IPV6=('fd00:7473::2/128')

# Stop before any change when the group is not there.
vpc=$(aws ec2 describe-security-groups --group-ids "$GROUP" \
	--query 'SecurityGroups[0].VpcId' --output text)
if [ "$vpc" != "$VPC" ]; then
	echo "tsnet: security group $GROUP is in $vpc, not in $VPC" >&2
	exit 1
fi

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

DESCRIPTION='tsnet-cluster-prod'
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
for cidr in "${IPV6[@]}"; do
	peer="Ipv6Ranges=[{CidrIpv6=$cidr,Description=$DESCRIPTION}]"
	for perm in "${PERMS[@]}"; do
		tolerate InvalidPermission.Duplicate \
			aws ec2 authorize-security-group-ingress --group-id "$GROUP" \
			--ip-permissions "$perm,$peer"
		tolerate InvalidPermission.Duplicate \
			aws ec2 authorize-security-group-egress --group-id "$GROUP" \
			--ip-permissions "$perm,$peer"
	done
done
