#!/bin/bash
# tsnet cloud azure (Azure CLI, bash) for cluster web:
# allows IPsec (UDP 500, UDP 4500, ESP) between the cluster's members only.
#
# Changes: network security group web-nsg in resource group web-rg
# gets these Allow rules (name, priority, direction, protocol, ports):
#   tsnet-web-in4-ike        200 Inbound  Udp 500,4500
#   tsnet-web-in4-esp        201 Inbound  Esp
#   tsnet-web-in6-ike        202 Inbound  Udp 500,4500
#   tsnet-web-in6-esp        203 Inbound  Esp
#   tsnet-web-out4-ike       204 Outbound Udp 500,4500
#   tsnet-web-out4-esp       205 Outbound Esp
#   tsnet-web-out6-ike       206 Outbound Udp 500,4500
#   tsnet-web-out6-esp       207 Outbound Esp
# each with source and destination these addresses only:
#   198.18.64.0/24
#   fd00:7473:64::/64
# Running it again leaves the same rules: each is created or updated by name.
#
# Undo: tsnet -c tests/data/cloud/subnets.conf cloud azure --undo > undo-ipsec.sh
#   and run that as you ran this script.

set -euo pipefail

RESOURCE_GROUP='web-rg'
NSG='web-nsg'
IPV4=('198.18.64.0/24')
IPV6=('fd00:7473:64::/64')

# Stop before any change when the group is not there.
az network nsg show --resource-group "$RESOURCE_GROUP" --name "$NSG" --output none

az network nsg rule create --resource-group "$RESOURCE_GROUP" --nsg-name "$NSG" \
	--name 'tsnet-web-in4-ike' --priority 200 \
	--direction Inbound --access Allow --protocol Udp \
	--source-address-prefixes "${IPV4[@]}" --source-port-ranges '*' \
	--destination-address-prefixes "${IPV4[@]}" --destination-port-ranges 500 4500 \
	--description 'tsnet: IPsec between the members of cluster web' --output none
az network nsg rule create --resource-group "$RESOURCE_GROUP" --nsg-name "$NSG" \
	--name 'tsnet-web-in4-esp' --priority 201 \
	--direction Inbound --access Allow --protocol Esp \
	--source-address-prefixes "${IPV4[@]}" --source-port-ranges '*' \
	--destination-address-prefixes "${IPV4[@]}" --destination-port-ranges '*' \
	--description 'tsnet: IPsec between the members of cluster web' --output none
az network nsg rule create --resource-group "$RESOURCE_GROUP" --nsg-name "$NSG" \
	--name 'tsnet-web-in6-ike' --priority 202 \
	--direction Inbound --access Allow --protocol Udp \
	--source-address-prefixes "${IPV6[@]}" --source-port-ranges '*' \
	--destination-address-prefixes "${IPV6[@]}" --destination-port-ranges 500 4500 \
	--description 'tsnet: IPsec between the members of cluster web' --output none
az network nsg rule create --resource-group "$RESOURCE_GROUP" --nsg-name "$NSG" \
	--name 'tsnet-web-in6-esp' --priority 203 \
	--direction Inbound --access Allow --protocol Esp \
	--source-address-prefixes "${IPV6[@]}" --source-port-ranges '*' \
	--destination-address-prefixes "${IPV6[@]}" --destination-port-ranges '*' \
	--description 'tsnet: IPsec between the members of cluster web' --output none
az network nsg rule create --resource-group "$RESOURCE_GROUP" --nsg-name "$NSG" \
	--name 'tsnet-web-out4-ike' --priority 204 \
	--direction Outbound --access Allow --protocol Udp \
	--source-address-prefixes "${IPV4[@]}" --source-port-ranges '*' \
	--destination-address-prefixes "${IPV4[@]}" --destination-port-ranges 500 4500 \
	--description 'tsnet: IPsec between the members of cluster web' --output none
az network nsg rule create --resource-group "$RESOURCE_GROUP" --nsg-name "$NSG" \
	--name 'tsnet-web-out4-esp' --priority 205 \
	--direction Outbound --access Allow --protocol Esp \
	--source-address-prefixes "${IPV4[@]}" --source-port-ranges '*' \
	--destination-address-prefixes "${IPV4[@]}" --destination-port-ranges '*' \
	--description 'tsnet: IPsec between the members of cluster web' --output none
az network nsg rule create --resource-group "$RESOURCE_GROUP" --nsg-name "$NSG" \
	--name 'tsnet-web-out6-ike' --priority 206 \
	--direction Outbound --access Allow --protocol Udp \
	--source-address-prefixes "${IPV6[@]}" --source-port-ranges '*' \
	--destination-address-prefixes "${IPV6[@]}" --destination-port-ranges 500 4500 \
	--description 'tsnet: IPsec between the members of cluster web' --output none
az network nsg rule create --resource-group "$RESOURCE_GROUP" --nsg-name "$NSG" \
	--name 'tsnet-web-out6-esp' --priority 207 \
	--direction Outbound --access Allow --protocol Esp \
	--source-address-prefixes "${IPV6[@]}" --source-port-ranges '*' \
	--destination-address-prefixes "${IPV6[@]}" --destination-port-ranges '*' \
	--description 'tsnet: IPsec between the members of cluster web' --output none
