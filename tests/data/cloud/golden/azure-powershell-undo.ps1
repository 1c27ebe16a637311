# tsnet cloud azure (Azure PowerShell, Az module) for cluster prod:
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
# Redo: tsnet -c tests/data/cloud/full.conf cloud azure --format powershell > allow-ipsec.ps1

$ErrorActionPreference = 'Stop'

$ResourceGroup = 'prod-rg'
$NsgName = 'prod-nsg'

$nsg = Get-AzNetworkSecurityGroup -ResourceGroupName $ResourceGroup -Name $NsgName

if ($nsg.SecurityRules | Where-Object { $_.Name -eq 'tsnet-prod-in4-ike' }) {
    $nsg = Remove-AzNetworkSecurityRuleConfig -NetworkSecurityGroup $nsg -Name 'tsnet-prod-in4-ike'
}

if ($nsg.SecurityRules | Where-Object { $_.Name -eq 'tsnet-prod-in4-esp' }) {
    $nsg = Remove-AzNetworkSecurityRuleConfig -NetworkSecurityGroup $nsg -Name 'tsnet-prod-in4-esp'
}

if ($nsg.SecurityRules | Where-Object { $_.Name -eq 'tsnet-prod-in6-ike' }) {
    $nsg = Remove-AzNetworkSecurityRuleConfig -NetworkSecurityGroup $nsg -Name 'tsnet-prod-in6-ike'
}

if ($nsg.SecurityRules | Where-Object { $_.Name -eq 'tsnet-prod-in6-esp' }) {
    $nsg = Remove-AzNetworkSecurityRuleConfig -NetworkSecurityGroup $nsg -Name 'tsnet-prod-in6-esp'
}

if ($nsg.SecurityRules | Where-Object { $_.Name -eq 'tsnet-prod-out4-ike' }) {
    $nsg = Remove-AzNetworkSecurityRuleConfig -NetworkSecurityGroup $nsg -Name 'tsnet-prod-out4-ike'
}

if ($nsg.SecurityRules | Where-Object { $_.Name -eq 'tsnet-prod-out4-esp' }) {
    $nsg = Remove-AzNetworkSecurityRuleConfig -NetworkSecurityGroup $nsg -Name 'tsnet-prod-out4-esp'
}

if ($nsg.SecurityRules | Where-Object { $_.Name -eq 'tsnet-prod-out6-ike' }) {
    $nsg = Remove-AzNetworkSecurityRuleConfig -NetworkSecurityGroup $nsg -Name 'tsnet-prod-out6-ike'
}

if ($nsg.SecurityRules | Where-Object { $_.Name -eq 'tsnet-prod-out6-esp' }) {
    $nsg = Remove-AzNetworkSecurityRuleConfig -NetworkSecurityGroup $nsg -Name 'tsnet-prod-out6-esp'
}

$nsg | Set-AzNetworkSecurityGroup | Out-Null
