#!/bin/bash
# tsnet cloud gcp (gcloud, bash) for cluster prod:
# allows IPsec (UDP 500, UDP 4500, ESP) between the cluster's members only.
#
# Changes: network prod-net in project acme-prod gets
# ingress and egress firewall rules allowing esp,udp:500,udp:4500,
# for instances tagged tsnet-prod,db, from and to these addresses only:
#   198.18.1.1/32 198.18.1.2/32 198.18.1.3/32
#   fd00:7473::2/128
# Rules:
#   tsnet-prod-in4
#   tsnet-prod-in6
#   tsnet-prod-out4
#   tsnet-prod-out6
# Running it again leaves the same rules: one that exists is updated.
#
# Undo: tsnet -c tests/data/cloud/full.conf cloud gcp --undo > undo-ipsec.sh
#   and run that as you ran this script.

set -euo pipefail

PROJECT='acme-prod'
NETWORK='prod-net'
TAGS='tsnet-prod,db'
IPV4='198.18.1.1/32,198.18.1.2/32,198.18.1.3/32'
IPV6='fd00:7473::2/128'

# Stop before any change when the network is not there.
gcloud compute networks describe "$NETWORK" --project="$PROJECT" --format=none

if gcloud compute firewall-rules describe 'tsnet-prod-in4' --project="$PROJECT" \
	--format=none >/dev/null 2>&1; then
	gcloud compute firewall-rules update 'tsnet-prod-in4' --project="$PROJECT" \
		--allow=esp,udp:500,udp:4500 --source-ranges="$IPV4" \
		--target-tags="$TAGS" --description='tsnet: IPsec between the members of cluster prod'
else
	gcloud compute firewall-rules create 'tsnet-prod-in4' --project="$PROJECT" \
		--network="$NETWORK" --direction=INGRESS \
		--allow=esp,udp:500,udp:4500 --source-ranges="$IPV4" \
		--target-tags="$TAGS" --description='tsnet: IPsec between the members of cluster prod'
fi
if gcloud compute firewall-rules describe 'tsnet-prod-in6' --project="$PROJECT" \
	--format=none >/dev/null 2>&1; then
	gcloud compute firewall-rules update 'tsnet-prod-in6' --project="$PROJECT" \
		--allow=esp,udp:500,udp:4500 --source-ranges="$IPV6" \
		--target-tags="$TAGS" --description='tsnet: IPsec between the members of cluster prod'
else
	gcloud compute firewall-rules create 'tsnet-prod-in6' --project="$PROJECT" \
		--network="$NETWORK" --direction=INGRESS \
		--allow=esp,udp:500,udp:4500 --source-ranges="$IPV6" \
		--target-tags="$TAGS" --description='tsnet: IPsec between the members of cluster prod'
fi
if gcloud compute firewall-rules describe 'tsnet-prod-out4' --project="$PROJECT" \
	--format=none >/dev/null 2>&1; then
	gcloud compute firewall-rules update 'tsnet-prod-out4' --project="$PROJECT" \
		--allow=esp,udp:500,udp:4500 --destination-ranges="$IPV4" \
		--target-tags="$TAGS" --description='tsnet: IPsec between the members of cluster prod'
else
	gcloud compute firewall-rules create 'tsnet-prod-out4' --project="$PROJECT" \
		--network="$NETWORK" --direction=EGRESS \
		--allow=esp,udp:500,udp:4500 --destination-ranges="$IPV4" \
		--target-tags="$TAGS" --description='tsnet: IPsec between the members of cluster prod'
fi
if gcloud compute firewall-rules describe 'tsnet-prod-out6' --project="$PROJECT" \
	--format=none >/dev/null 2>&1; then
	gcloud compute firewall-rules update 'tsnet-prod-out6' --project="$PROJECT" \
		--allow=esp,udp:500,udp:4500 --destination-ranges="$IPV6" \
		--target-tags="$TAGS" --description='tsnet: IPsec between the members of cluster prod'
else
	gcloud compute firewall-rules create 'tsnet-prod-out6' --project="$PROJECT" \
		--network="$NETWORK" --direction=EGRESS \
		--allow=esp,udp:500,udp:4500 --destination-ranges="$IPV6" \
		--target-tags="$TAGS" --description='tsnet: IPsec between the members of cluster prod'
fi
