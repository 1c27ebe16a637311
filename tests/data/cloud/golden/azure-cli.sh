#!/bin/bash
# tsnet cloud azure (Azure CLI, bash) for cluster prod:
# allows IPsec (UDP 500, UDP 4500, ESP) between the cluster's members only.
#
# Changes: network security group prod-nsg in resource group prod-rg
# gets these Allow rules (name, priority, direction, protocol, ports):
#   tsnet-prod-in4-ike       3000 Inbound  Udp 500,4500
#   tsnet-prod-in4-esp       3001 Inbound  Esp
#   tsnet-prod-in6-ike       3002 Inbound  Udp 500,4500
#   tsnet-prod-in6-esp       3003 Inbound  Esp
#   tsnet-prod-out4-ike      3004 Outbound Udp 500,4500
#   tsnet-prod-out4-esp      3005 Outbound Esp
#   tsnet-prod-out6-ike      3006 Outbound Udp 500,4500
#   tsnet-prod-out6-esp      3007 Outbound Esp
# each with source and destination these addresses only:
#   198.18.1.1/32 198.18.1.2/32 198.18.1.3/32
#   fd00:7473::2/128
# Running it again leaves the same rules: each is created or updated by name.
#
# Undo: tsnet -c tests/data/cloud/full.conf cloud azure --undo > undo-ipsec.sh
#   and run that as you ran this script.

set -euo pipefail

RESOURCE_GROUP='prod-rg'
NSG='prod-nsg'
IPV4=('198.18.1.1/32' '198.18.1.2/32' '198.18.1.3/32')
IPV6=('fd00:7473::2/128')

# Stop before any change when the group is not there.
az network nsg show --resource-group "$RESOURCE_GROUP" --name "$NSG" --output none

az network nsg rule create --resource-group "$RESOURCE_GROUP" --nsg-name "$NSG" \
	--name 'tsnet-prod-in4-ike' --priority 3000 \
	--direction Inbound --access Allow --protocol Udp \
	--source-address-prefixes "${IPV4[@]}" --source-port-ranges '*' \
	--destination-address-prefixes "${IPV4[@]}" --destination-port-ranges 500 4500 \
	--description 'tsnet: IPsec between the members of cluster prod' --output none
az network nsg rule create --resource-group "$RESOURCE_GROUP" --nsg-name "$NSG" \
	--name 'tsnet-prod-in4-esp' --priority 3001 \
	--direction Inbound --access Allow --protocol Esp \
	--source-address-prefixes "${IPV4[@]}" --source-port-ranges '*' \
	--destination-address-prefixes "${IPV4[@]}" --destination-port-ranges '*' \
	--description 'tsnet: IPsec between the members of cluster prod' --output none
az network nsg rule create --resource-group "$RESOURCE_GROUP" --nsg-name "$NSG" \
	--name 'tsnet-prod-in6-ike' --priority 3002 \
	--direction Inbound --access Allow --protocol Udp \
	--source-address-prefixes "${IPV6[@]}" --source-port-ranges '*' \
	--destination-address-prefixes "${IPV6[@]}" --destination-port-ranges 500 4500 \
	--description 'tsnet: IPsec between the members of cluster prod' --output none
az network nsg rule create --resource-group "$RESOURCE_GROUP" --nsg-name "$NSG" \
	--name 'tsnet-prod-in6-esp' --priority 3003 \
	--direction Inbound --access Allow --protocol Esp \
	--source-address-prefixes "${IPV6[@]}" --source-port-ranges '*' \
	--destination-address-prefixes "${IPV6[@]}" --destination-port-ranges '*' \
	--description 'tsnet: IPsec between the members of cluster prod' --output none
az network nsg rule create --resource-group "$RESOURCE_GROUP" --nsg-name "$NSG" \
	--name 'tsnet-prod-out4-ike' --priority 3004 \
	--direction Outbound --access Allow --protocol Udp \
	--source-address-prefixes "${IPV4[@]}" --source-port-ranges '*' \
	--destination-address-prefixes "${IPV4[@]}" --destination-port-ranges 500 4500 \
	--description 'tsnet: IPsec between the members of cluster prod' --output none
az network nsg rule create --resource-group "$RESOURCE_GROUP" --nsg-name "$NSG" \
	--name 'tsnet-prod-out4-esp' --priority 3005 \
	--direction Outbound --access Allow --protocol Esp \
	--source-address-prefixes "${IPV4[@]}" --source-port-ranges '*' \
	--destination-address-prefixes "${IPV4[@]}" --destination-port-ranges '*' \
	--description 'tsnet: IPsec between the members of cluster prod' --output none
az network nsg rule create --resource-group "$RESOURCE_GROUP" --nsg-name "$NSG" \
	--name 'tsnet-prod-out6-ike' --priority 3006 \
	--direction Outbound --access Allow --protocol Udp \
	--source-address-prefixes "${IPV6[@]}" --source-port-ranges '*' \
	--destination-address-prefixes "${IPV6[@]}" --destination-port-ranges 500 4500 \
	--description 'tsnet: IPsec between the members of cluster prod' --output none
az network nsg rule create --resource-group "$RESOURCE_GROUP" --nsg-name "$NSG" \
	--name 'tsnet-prod-out6-esp' --priority 3007 \
	--direction Outbound --access Allow --protocol Esp \
	--source-address-prefixes "${IPV6[@]}" --source-port-ranges '*' \
	--destination-address-prefixes "${IPV6[@]}" --destination-port-ranges '*' \
	--description 'tsnet: IPsec between the members of cluster prod' --output none
