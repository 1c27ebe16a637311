#!/bin/bash
# tsnet cloud azure (Azure CLI, bash) for cluster prod:
# removes the IPsec rules tsnet cloud azure adds, and nothing else.
#
# Changes: network security group prod-nsg in resource group prod-rg
# loses these rules when present (a missing one is not an error):
#   tsnet-prod-in4-ike
#   tsnet-prod-in4-esp
#   tsnet-prod-in6-ike
#   tsnet-prod-in6-esp
#   tsnet-prod-out4-ike
#   tsnet-prod-out4-esp
#   tsnet-prod-out6-ike
#   tsnet-prod-out6-esp
#
# Redo: tsnet -c tests/data/cloud/full.conf cloud azure > allow-ipsec.sh

set -euo pipefail

RESOURCE_GROUP='prod-rg'
NSG='prod-nsg'

# Stop before any change when the group is not there.
az network nsg show --resource-group "$RESOURCE_GROUP" --name "$NSG" --output none

az network nsg rule delete --resource-group "$RESOURCE_GROUP" --nsg-name "$NSG" \
	--name 'tsnet-prod-in4-ike' --output none
az network nsg rule delete --resource-group "$RESOURCE_GROUP" --nsg-name "$NSG" \
	--name 'tsnet-prod-in4-esp' --output none
az network nsg rule delete --resource-group "$RESOURCE_GROUP" --nsg-name "$NSG" \
	--name 'tsnet-prod-in6-ike' --output none
az network nsg rule delete --resource-group "$RESOURCE_GROUP" --nsg-name "$NSG" \
	--name 'tsnet-prod-in6-esp' --output none
az network nsg rule delete --resource-group "$RESOURCE_GROUP" --nsg-name "$NSG" \
	--name 'tsnet-prod-out4-ike' --output none
az network nsg rule delete --resource-group "$RESOURCE_GROUP" --nsg-name "$NSG" \
	--name 'tsnet-prod-out4-esp' --output none
az network nsg rule delete --resource-group "$RESOURCE_GROUP" --nsg-name "$NSG" \
	--name 'tsnet-prod-out6-ike' --output none
az network nsg rule delete --resource-group "$RESOURCE_GROUP" --nsg-name "$NSG" \
	--name 'tsnet-prod-out6-esp' --output none
