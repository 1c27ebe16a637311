# tsnet cloud azure (Azure PowerShell, Az module) for cluster stage:
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
# Undo: tsnet -c tests/data/cloud/missing.conf cloud azure --format powershell --undo > undo-ipsec.ps1
#   and run that as you ran this script.

$ErrorActionPreference = 'Stop'

$ResourceGroup = '<AZURE_RESOURCE_GROUP>'
$NsgName = '<AZURE_NSG>'
$IPv4 = @('198.18.2.1/32', '198.18.2.2/32')

# Stop while a name the inventory did not give is still a placeholder.
foreach ($value in @($ResourceGroup, $NsgName)) {
    if ($value -like '<*>') {
        throw "tsnet: $value is a placeholder: set its key in the inventory and run tsnet cloud again"
    }
}

$nsg = Get-AzNetworkSecurityGroup -ResourceGroupName $ResourceGroup -Name $NsgName

if ($nsg.SecurityRules | Where-Object { $_.Name -eq 'tsnet-stage-in4-ike' }) {
    $nsg = Remove-AzNetworkSecurityRuleConfig -NetworkSecurityGroup $nsg -Name 'tsnet-stage-in4-ike'
}
$nsg = Add-AzNetworkSecurityRuleConfig -NetworkSecurityGroup $nsg `
    -Name 'tsnet-stage-in4-ike' -Priority 3000 `
    -Direction Inbound -Access Allow -Protocol Udp `
    -SourceAddressPrefix $IPv4 -SourcePortRange '*' `
    -DestinationAddressPrefix $IPv4 -DestinationPortRange '500', '4500' `
    -Description 'tsnet: IPsec between the members of cluster stage'

if ($nsg.SecurityRules | Where-Object { $_.Name -eq 'tsnet-stage-in4-esp' }) {
    $nsg = Remove-AzNetworkSecurityRuleConfig -NetworkSecurityGroup $nsg -Name 'tsnet-stage-in4-esp'
}
$nsg = Add-AzNetworkSecurityRuleConfig -NetworkSecurityGroup $nsg `
    -Name 'tsnet-stage-in4-esp' -Priority 3001 `
    -Direction Inbound -Access Allow -Protocol Esp `
    -SourceAddressPrefix $IPv4 -SourcePortRange '*' `
    -DestinationAddressPrefix $IPv4 -DestinationPortRange '*' `
    -Description 'tsnet: IPsec between the members of cluster stage'

if ($nsg.SecurityRules | Where-Object { $_.Name -eq 'tsnet-stage-out4-ike' }) {
    $nsg = Remove-AzNetworkSecurityRuleConfig -NetworkSecurityGroup $nsg -Name 'tsnet-stage-out4-ike'
}
$nsg = Add-AzNetworkSecurityRuleConfig -NetworkSecurityGroup $nsg `
    -Name 'tsnet-stage-out4-ike' -Priority 3004 `
    -Direction Outbound -Access Allow -Protocol Udp `
    -SourceAddressPrefix $IPv4 -SourcePortRange '*' `
    -DestinationAddressPrefix $IPv4 -DestinationPortRange '500', '4500' `
    -Description 'tsnet: IPsec between the members of cluster stage'

if ($nsg.SecurityRules | Where-Object { $_.Name -eq 'tsnet-stage-out4-esp' }) {
    $nsg = Remove-AzNetworkSecurityRuleConfig -NetworkSecurityGroup $nsg -Name 'tsnet-stage-out4-esp'
}
$nsg = Add-AzNetworkSecurityRuleConfig -NetworkSecurityGroup $nsg `
    -Name 'tsnet-stage-out4-esp' -Priority 3005 `
    -Direction Outbound -Access Allow -Protocol Esp `
    -SourceAddressPrefix $IPv4 -SourcePortRange '*' `
    -DestinationAddressPrefix $IPv4 -DestinationPortRange '*' `
    -Description 'tsnet: IPsec between the members of cluster stage'

$nsg | Set-AzNetworkSecurityGroup | Out-Null
