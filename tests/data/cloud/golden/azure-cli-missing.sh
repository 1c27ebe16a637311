#!/bin/bash
# tsnet cloud azure (Azure CLI, bash) for cluster stage:
# allows IPsec (UDP 500, UDP 4500, ESP) between the cluster's members only.
#
# Changes: network security group <AZURE_NSG> in resource group <AZURE_RESOURCE_GROUP>
# gets these Allow rules (name, priority, direction, protocol, ports):
#   tsnet-stage-in4-ike      3000 Inbound  Udp 500,4500
#   tsnet-stage-in4-esp      3001 Inbound  Esp
#   tsnet-stage-out4-ike     3004 Outbound Udp 500,4500
#   tsnet-stage-out4-esp     3005 Outbound Esp
# each with source and destination these addresses only:
#   198.18.2.1/32 198.18.2.2/32
# Running it again leaves the same rules: each is created or updated by name.
#
# PLACEHOLDER <AZURE_RESOURCE_GROUP>: the inventory has no azure_resource_group (set it in [cluster] and run tsnet cloud again).
# PLACEHOLDER <AZURE_NSG>: the inventory has no azure_nsg (set it in [cluster] and run tsnet cloud again).
# This script refuses to run while one is left.
# Undo: tsnet -c tests/data/cloud/missing.conf cloud azure --undo > undo-ipsec.sh
#   and run that as you ran this script.

set -euo pipefail

RESOURCE_GROUP='<AZURE_RESOURCE_GROUP>'
NSG='<AZURE_NSG>'
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
placeholder "$RESOURCE_GROUP"
placeholder "$NSG"

# Stop before any change when the group is not there.
az network nsg show --resource-group "$RESOURCE_GROUP" --name "$NSG" --output none

az network nsg rule create --resource-group "$RESOURCE_GROUP" --nsg-name "$NSG" \
	--name 'tsnet-stage-in4-ike' --priority 3000 \
	--direction Inbound --access Allow --protocol Udp \
	--source-address-prefixes "${IPV4[@]}" --source-port-ranges '*' \
	--destination-address-prefixes "${IPV4[@]}" --destination-port-ranges 500 4500 \
	--description 'tsnet: IPsec between the members of cluster stage' --output none
az network nsg rule create --resource-group "$RESOURCE_GROUP" --nsg-name "$NSG" \
	--name 'tsnet-stage-in4-esp' --priority 3001 \
	--direction Inbound --access Allow --protocol Esp \
	--source-address-prefixes "${IPV4[@]}" --source-port-ranges '*' \
	--destination-address-prefixes "${IPV4[@]}" --destination-port-ranges '*' \
	--description 'tsnet: IPsec between the members of cluster stage' --output none
az network nsg rule create --resource-group "$RESOURCE_GROUP" --nsg-name "$NSG" \
	--name 'tsnet-stage-out4-ike' --priority 3004 \
	--direction Outbound --access Allow --protocol Udp \
	--source-address-prefixes "${IPV4[@]}" --source-port-ranges '*' \
	--destination-address-prefixes "${IPV4[@]}" --destination-port-ranges 500 4500 \
	--description 'tsnet: IPsec between the members of cluster stage' --output none
az network nsg rule create --resource-group "$RESOURCE_GROUP" --nsg-name "$NSG" \
	--name 'tsnet-stage-out4-esp' --priority 3005 \
	--direction Outbound --access Allow --protocol Esp \
	--source-address-prefixes "${IPV4[@]}" --source-port-ranges '*' \
	--destination-address-prefixes "${IPV4[@]}" --destination-port-ranges '*' \
	--description 'tsnet: IPsec between the members of cluster stage' --output none
