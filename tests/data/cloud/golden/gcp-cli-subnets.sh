#!/bin/bash
# tsnet cloud gcp (gcloud, bash) for cluster web:
# allows IPsec (UDP 500, UDP 4500, ESP) between the cluster's members only.
#
# Changes: network default in project acme-web gets
# ingress and egress firewall rules allowing esp,udp:500,udp:4500,
# for instances tagged web, from and to these addresses only:
#   198.18.64.0/24
#   fd00:7473:64::/64
# Rules:
#   tsnet-web-in4
#   tsnet-web-in6
#   tsnet-web-out4
#   tsnet-web-out6
# Running it again leaves the same rules: one that exists is updated.
#
# Undo: tsnet -c tests/data/cloud/subnets.conf cloud gcp --undo > undo-ipsec.sh
#   and run that as you ran this script.

set -euo pipefail

PROJECT='acme-web'
NETWORK='default'
TAGS='web'
IPV4='198.18.64.0/24'
IPV6='fd00:7473:64::/64'

# Stop before any change when the network is not there.
gcloud compute networks describe "$NETWORK" --project="$PROJECT" --format=none

if gcloud compute firewall-rules describe 'tsnet-web-in4' --project="$PROJECT" \
	--format=none >/dev/null 2>&1; then
	gcloud compute firewall-rules update 'tsnet-web-in4' --project="$PROJECT" \
		--allow=esp,udp:500,udp:4500 --source-ranges="$IPV4" \
		--target-tags="$TAGS" --description='tsnet: IPsec between the members of cluster web'
else
	gcloud compute firewall-rules create 'tsnet-web-in4' --project="$PROJECT" \
		--network="$NETWORK" --direction=INGRESS \
		--allow=esp,udp:500,udp:4500 --source-ranges="$IPV4" \
		--target-tags="$TAGS" --description='tsnet: IPsec between the members of cluster web'
fi
if gcloud compute firewall-rules describe 'tsnet-web-in6' --project="$PROJECT" \
	--format=none >/dev/null 2>&1; then
	gcloud compute firewall-rules update 'tsnet-web-in6' --project="$PROJECT" \
		--allow=esp,udp:500,udp:4500 --source-ranges="$IPV6" \
		--target-tags="$TAGS" --description='tsnet: IPsec between the members of cluster web'
else
	gcloud compute firewall-rules create 'tsnet-web-in6' --project="$PROJECT" \
		--network="$NETWORK" --direction=INGRESS \
		--allow=esp,udp:500,udp:4500 --source-ranges="$IPV6" \
		--target-tags="$TAGS" --description='tsnet: IPsec between the members of cluster web'
fi
if gcloud compute firewall-rules describe 'tsnet-web-out4' --project="$PROJECT" \
	--format=none >/dev/null 2>&1; then
	gcloud compute firewall-rules update 'tsnet-web-out4' --project="$PROJECT" \
		--allow=esp,udp:500,udp:4500 --destination-ranges="$IPV4" \
		--target-tags="$TAGS" --description='tsnet: IPsec between the members of cluster web'
else
	gcloud compute firewall-rules create 'tsnet-web-out4' --project="$PROJECT" \
		--network="$NETWORK" --direction=EGRESS \
		--allow=esp,udp:500,udp:4500 --destination-ranges="$IPV4" \
		--target-tags="$TAGS" --description='tsnet: IPsec between the members of cluster web'
fi
if gcloud compute firewall-rules describe 'tsnet-web-out6' --project="$PROJECT" \
	--format=none >/dev/null 2>&1; then
	gcloud compute firewall-rules update 'tsnet-web-out6' --project="$PROJECT" \
		--allow=esp,udp:500,udp:4500 --destination-ranges="$IPV6" \
		--target-tags="$TAGS" --description='tsnet: IPsec between the members of cluster web'
else
	gcloud compute firewall-rules create 'tsnet-web-out6' --project="$PROJECT" \
		--network="$NETWORK" --direction=EGRESS \
		--allow=esp,udp:500,udp:4500 --destination-ranges="$IPV6" \
		--target-tags="$TAGS" --description='tsnet: IPsec between the members of cluster web'
fi
