#!/bin/bash
# tsnet cloud gcp (gcloud, bash) for cluster stage:
# allows IPsec (UDP 500, UDP 4500, ESP) between the cluster's members only.
#
# Changes: network <GCP_NETWORK> in project <GCP_PROJECT> gets
# ingress and egress firewall rules allowing esp,udp:500,udp:4500,
# for instances tagged <GCP_TARGET_TAGS>, from and to these addresses only:
#   198.18.2.1/32 198.18.2.2/32
# Rules:
#   tsnet-stage-in4
#   tsnet-stage-out4
# Running it again leaves the same rules: one that exists is updated.
#
# PLACEHOLDER <GCP_PROJECT>: the inventory has no gcp_project (set it in [cluster] and run tsnet cloud again).
# PLACEHOLDER <GCP_NETWORK>: the inventory has no gcp_network (set it in [cluster] and run tsnet cloud again).
# PLACEHOLDER <GCP_TARGET_TAGS>: the inventory has no gcp_target_tags (set it in [cluster] and run tsnet cloud again).
# This script refuses to run while one is left.
# Undo: tsnet -c tests/data/cloud/missing.conf cloud gcp --undo > undo-ipsec.sh
#   and run that as you ran this script.

set -euo pipefail

PROJECT='<GCP_PROJECT>'
NETWORK='<GCP_NETWORK>'
TAGS='<GCP_TARGET_TAGS>'
IPV4='198.18.2.1/32,198.18.2.2/32'

# Stop while a name the inventory did not give is still a placeholder.
placeholder() {
	case $1 in
	'<'*'>')
		echo "tsnet: $1 is a placeholder: set its key in the inventory and run tsnet cloud again" >&2
		exit 1
		;;
	esac
}
placeholder "$PROJECT"
placeholder "$NETWORK"
placeholder "$TAGS"

# Stop before any change when the network is not there.
gcloud compute networks describe "$NETWORK" --project="$PROJECT" --format=none

if gcloud compute firewall-rules describe 'tsnet-stage-in4' --project="$PROJECT" \
	--format=none >/dev/null 2>&1; then
	gcloud compute firewall-rules update 'tsnet-stage-in4' --project="$PROJECT" \
		--allow=esp,udp:500,udp:4500 --source-ranges="$IPV4" \
		--target-tags="$TAGS" --description='tsnet: IPsec between the members of cluster stage'
else
	gcloud compute firewall-rules create 'tsnet-stage-in4' --project="$PROJECT" \
		--network="$NETWORK" --direction=INGRESS \
		--allow=esp,udp:500,udp:4500 --source-ranges="$IPV4" \
		--target-tags="$TAGS" --description='tsnet: IPsec between the members of cluster stage'
fi
if gcloud compute firewall-rules describe 'tsnet-stage-out4' --project="$PROJECT" \
	--format=none >/dev/null 2>&1; then
	gcloud compute firewall-rules update 'tsnet-stage-out4' --project="$PROJECT" \
		--allow=esp,udp:500,udp:4500 --destination-ranges="$IPV4" \
		--target-tags="$TAGS" --description='tsnet: IPsec between the members of cluster stage'
else
	gcloud compute firewall-rules create 'tsnet-stage-out4' --project="$PROJECT" \
		--network="$NETWORK" --direction=EGRESS \
		--allow=esp,udp:500,udp:4500 --destination-ranges="$IPV4" \
		--target-tags="$TAGS" --description='tsnet: IPsec between the members of cluster stage'
fi
