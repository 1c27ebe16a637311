# tsnet cloud azure (Azure PowerShell, Az module) for cluster prod:
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
# Undo: tsnet -c tests/data/cloud/full.conf cloud azure --format powershell --undo > undo-ipsec.ps1
#   and run that as you ran this script.

$ErrorActionPreference = 'Stop'

$ResourceGroup = 'prod-rg'
$NsgName = 'prod-nsg'
$IPv4 = @('198.18.1.1/32', '198.18.1.2/32', '198.18.1.3/32')
$IPv6 = @('fd00:7473::2/128')

$nsg = Get-AzNetworkSecurityGroup -ResourceGroupName $ResourceGroup -Name $NsgName

if ($nsg.SecurityRules | Where-Object { $_.Name -eq 'tsnet-prod-in4-ike' }) {
    $nsg = Remove-AzNetworkSecurityRuleConfig -NetworkSecurityGroup $nsg -Name 'tsnet-prod-in4-ike'
}
$nsg = Add-AzNetworkSecurityRuleConfig -NetworkSecurityGroup $nsg `
    -Name 'tsnet-prod-in4-ike' -Priority 3000 `
    -Direction Inbound -Access Allow -Protocol Udp `
    -SourceAddressPrefix $IPv4 -SourcePortRange '*' `
    -DestinationAddressPrefix $IPv4 -DestinationPortRange '500', '4500' `
    -Description 'tsnet: IPsec between the members of cluster prod'

if ($nsg.SecurityRules | Where-Object { $_.Name -eq 'tsnet-prod-in4-esp' }) {
    $nsg = Remove-AzNetworkSecurityRuleConfig -NetworkSecurityGroup $nsg -Name 'tsnet-prod-in4-esp'
}
$nsg = Add-AzNetworkSecurityRuleConfig -NetworkSecurityGroup $nsg `
    -Name 'tsnet-prod-in4-esp' -Priority 3001 `
    -Direction Inbound -Access Allow -Protocol Esp `
    -SourceAddressPrefix $IPv4 -SourcePortRange '*' `
    -DestinationAddressPrefix $IPv4 -DestinationPortRange '*' `
    -Description 'tsnet: IPsec between the members of cluster prod'

if ($nsg.SecurityRules | Where-Object { $_.Name -eq 'tsnet-prod-in6-ike' }) {
    $nsg = Remove-AzNetworkSecurityRuleConfig -NetworkSecurityGroup $nsg -Name 'tsnet-prod-in6-ike'
}
$nsg = Add-AzNetworkSecurityRuleConfig -NetworkSecurityGroup $nsg `
    -Name 'tsnet-prod-in6-ike' -Priority 3002 `
    -Direction Inbound -Access Allow -Protocol Udp `
    -SourceAddressPrefix $IPv6 -SourcePortRange '*' `
    -DestinationAddressPrefix $IPv6 -DestinationPortRange '500', '4500' `
    -Description 'tsnet: IPsec between the members of cluster prod'

if ($nsg.SecurityRules | Where-Object { $_.Name -eq 'tsnet-prod-in6-esp' }) {
    $nsg = Remove-AzNetworkSecurityRuleConfig -NetworkSecurityGroup $nsg -Name 'tsnet-prod-in6-esp'
}
$nsg = Add-AzNetworkSecurityRuleConfig -NetworkSecurityGroup $nsg `
    -Name 'tsnet-prod-in6-esp' -Priority 3003 `
    -Direction Inbound -Access Allow -Protocol Esp `
    -SourceAddressPrefix $IPv6 -SourcePortRange '*' `
    -DestinationAddressPrefix $IPv6 -DestinationPortRange '*' `
    -Description 'tsnet: IPsec between the members of cluster prod'

if ($nsg.SecurityRules | Where-Object { $_.Name -eq 'tsnet-prod-out4-ike' }) {
    $nsg = Remove-AzNetworkSecurityRuleConfig -NetworkSecurityGroup $nsg -Name 'tsnet-prod-out4-ike'
}
$nsg = Add-AzNetworkSecurityRuleConfig -NetworkSecurityGroup $nsg `
    -Name 'tsnet-prod-out4-ike' -Priority 3004 `
    -Direction Outbound -Access Allow -Protocol Udp `
    -SourceAddressPrefix $IPv4 -SourcePortRange '*' `
    -DestinationAddressPrefix $IPv4 -DestinationPortRange '500', '4500' `
    -Description 'tsnet: IPsec between the members of cluster prod'

if ($nsg.SecurityRules | Where-Object { $_.Name -eq 'tsnet-prod-out4-esp' }) {
    $nsg = Remove-AzNetworkSecurityRuleConfig -NetworkSecurityGroup $nsg -Name 'tsnet-prod-out4-esp'
}
$nsg = Add-AzNetworkSecurityRuleConfig -NetworkSecurityGroup $nsg `
    -Name 'tsnet-prod-out4-esp' -Priority 3005 `
    -Direction Outbound -Access Allow -Protocol Esp `
    -SourceAddressPrefix $IPv4 -SourcePortRange '*' `
    -DestinationAddressPrefix $IPv4 -DestinationPortRange '*' `
    -Description 'tsnet: IPsec between the members of cluster prod'

if ($nsg.SecurityRules | Where-Object { $_.Name -eq 'tsnet-prod-out6-ike' }) {
    $nsg = Remove-AzNetworkSecurityRuleConfig -NetworkSecurityGroup $nsg -Name 'tsnet-prod-out6-ike'
}
$nsg = Add-AzNetworkSecurityRuleConfig -NetworkSecurityGroup $nsg `
    -Name 'tsnet-prod-out6-ike' -Priority 3006 `
    -Direction Outbound -Access Allow -Protocol Udp `
    -SourceAddressPrefix $IPv6 -SourcePortRange '*' `
    -DestinationAddressPrefix $IPv6 -DestinationPortRange '500', '4500' `
    -Description 'tsnet: IPsec between the members of cluster prod'

if ($nsg.SecurityRules | Where-Object { $_.Name -eq 'tsnet-prod-out6-esp' }) {
    $nsg = Remove-AzNetworkSecurityRuleConfig -NetworkSecurityGroup $nsg -Name 'tsnet-prod-out6-esp'
}
$nsg = Add-AzNetworkSecurityRuleConfig -NetworkSecurityGroup $nsg `
    -Name 'tsnet-prod-out6-esp' -Priority 3007 `
    -Direction Outbound -Access Allow -Protocol Esp `
    -SourceAddressPrefix $IPv6 -SourcePortRange '*' `
    -DestinationAddressPrefix $IPv6 -DestinationPortRange '*' `
    -Description 'tsnet: IPsec between the members of cluster prod'

$nsg | Set-AzNetworkSecurityGroup | Out-Null
