#!/bin/bash
# tsnet cloud gcp (gcloud, bash) for cluster prod:
# removes the IPsec rules tsnet cloud gcp adds, and nothing else.
#
# Changes: project acme-prod loses these firewall rules when present:
#   tsnet-prod-in4
#   tsnet-prod-in6
#   tsnet-prod-out4
#   tsnet-prod-out6
#
# Redo: tsnet -c tests/data/cloud/full.conf cloud gcp > allow-ipsec.sh

set -euo pipefail

PROJECT='acme-prod'

if gcloud compute firewall-rules describe 'tsnet-prod-in4' --project="$PROJECT" \
	--format=none >/dev/null 2>&1; then
	gcloud compute firewall-rules delete 'tsnet-prod-in4' --project="$PROJECT" --quiet
fi
if gcloud compute firewall-rules describe 'tsnet-prod-in6' --project="$PROJECT" \
	--format=none >/dev/null 2>&1; then
	gcloud compute firewall-rules delete 'tsnet-prod-in6' --project="$PROJECT" --quiet
fi
if gcloud compute firewall-rules describe 'tsnet-prod-out4' --project="$PROJECT" \
	--format=none >/dev/null 2>&1; then
	gcloud compute firewall-rules delete 'tsnet-prod-out4' --project="$PROJECT" --quiet
fi
if gcloud compute firewall-rules describe 'tsnet-prod-out6' --project="$PROJECT" \
	--format=none >/dev/null 2>&1; then
	gcloud compute firewall-rules delete 'tsnet-prod-out6' --project="$PROJECT" --quiet
fi
