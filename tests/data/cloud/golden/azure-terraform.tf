# tsnet cloud azure (Terraform, azurerm provider) for cluster prod:
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
# Undo: tsnet -c tests/data/cloud/full.conf cloud azure --format terraform --undo > tsnet-ipsec.tf
#   (in place of this file), terraform apply, then delete that file;
#   removed blocks need Terraform 1.7 or later.

locals {
  tsnet_prod_resource_group = "prod-rg"
  tsnet_prod_nsg            = "prod-nsg"
  tsnet_prod_ipv4           = ["198.18.1.1/32", "198.18.1.2/32", "198.18.1.3/32"]
  tsnet_prod_ipv6           = ["fd00:7473::2/128"]
}

resource "azurerm_network_security_rule" "tsnet_prod_in4_ike" {
  name                         = "tsnet-prod-in4-ike"
  resource_group_name          = local.tsnet_prod_resource_group
  network_security_group_name  = local.tsnet_prod_nsg
  priority                     = 3000
  direction                    = "Inbound"
  access                       = "Allow"
  protocol                     = "Udp"
  source_port_range            = "*"
  destination_port_ranges      = ["500", "4500"]
  source_address_prefixes      = local.tsnet_prod_ipv4
  destination_address_prefixes = local.tsnet_prod_ipv4
  description                  = "tsnet: IPsec between the members of cluster prod"
}

resource "azurerm_network_security_rule" "tsnet_prod_in4_esp" {
  name                         = "tsnet-prod-in4-esp"
  resource_group_name          = local.tsnet_prod_resource_group
  network_security_group_name  = local.tsnet_prod_nsg
  priority                     = 3001
  direction                    = "Inbound"
  access                       = "Allow"
  protocol                     = "Esp"
  source_port_range            = "*"
  destination_port_range       = "*"
  source_address_prefixes      = local.tsnet_prod_ipv4
  destination_address_prefixes = local.tsnet_prod_ipv4
  description                  = "tsnet: IPsec between the members of cluster prod"
}

resource "azurerm_network_security_rule" "tsnet_prod_in6_ike" {
  name                         = "tsnet-prod-in6-ike"
  resource_group_name          = local.tsnet_prod_resource_group
  network_security_group_name  = local.tsnet_prod_nsg
  priority                     = 3002
  direction                    = "Inbound"
  access                       = "Allow"
  protocol                     = "Udp"
  source_port_range            = "*"
  destination_port_ranges      = ["500", "4500"]
  source_address_prefixes      = local.tsnet_prod_ipv6
  destination_address_prefixes = local.tsnet_prod_ipv6
  description                  = "tsnet: IPsec between the members of cluster prod"
}

resource "azurerm_network_security_rule" "tsnet_prod_in6_esp" {
  name                         = "tsnet-prod-in6-esp"
  resource_group_name          = local.tsnet_prod_resource_group
  network_security_group_name  = local.tsnet_prod_nsg
  priority                     = 3003
  direction                    = "Inbound"
  access                       = "Allow"
  protocol                     = "Esp"
  source_port_range            = "*"
  destination_port_range       = "*"
  source_address_prefixes      = local.tsnet_prod_ipv6
  destination_address_prefixes = local.tsnet_prod_ipv6
  description                  = "tsnet: IPsec between the members of cluster prod"
}

resource "azurerm_network_security_rule" "tsnet_prod_out4_ike" {
  name                         = "tsnet-prod-out4-ike"
  resource_group_name          = local.tsnet_prod_resource_group
  network_security_group_name  = local.tsnet_prod_nsg
  priority                     = 3004
  direction                    = "Outbound"
  access                       = "Allow"
  protocol                     = "Udp"
  source_port_range            = "*"
  destination_port_ranges      = ["500", "4500"]
  source_address_prefixes      = local.tsnet_prod_ipv4
  destination_address_prefixes = local.tsnet_prod_ipv4
  description                  = "tsnet: IPsec between the members of cluster prod"
}

resource "azurerm_network_security_rule" "tsnet_prod_out4_esp" {
  name                         = "tsnet-prod-out4-esp"
  resource_group_name          = local.tsnet_prod_resource_group
  network_security_group_name  = local.tsnet_prod_nsg
  priority                     = 3005
  direction                    = "Outbound"
  access                       = "Allow"
  protocol                     = "Esp"
  source_port_range            = "*"
  destination_port_range       = "*"
  source_address_prefixes      = local.tsnet_prod_ipv4
  destination_address_prefixes = local.tsnet_prod_ipv4
  description                  = "tsnet: IPsec between the members of cluster prod"
}

resource "azurerm_network_security_rule" "tsnet_prod_out6_ike" {
  name                         = "tsnet-prod-out6-ike"
  resource_group_name          = local.tsnet_prod_resource_group
  network_security_group_name  = local.tsnet_prod_nsg
  priority                     = 3006
  direction                    = "Outbound"
  access                       = "Allow"
  protocol                     = "Udp"
  source_port_range            = "*"
  destination_port_ranges      = ["500", "4500"]
  source_address_prefixes      = local.tsnet_prod_ipv6
  destination_address_prefixes = local.tsnet_prod_ipv6
  description                  = "tsnet: IPsec between the members of cluster prod"
}

resource "azurerm_network_security_rule" "tsnet_prod_out6_esp" {
  name                         = "tsnet-prod-out6-esp"
  resource_group_name          = local.tsnet_prod_resource_group
  network_security_group_name  = local.tsnet_prod_nsg
  priority                     = 3007
  direction                    = "Outbound"
  access                       = "Allow"
  protocol                     = "Esp"
  source_port_range            = "*"
  destination_port_range       = "*"
  source_address_prefixes      = local.tsnet_prod_ipv6
  destination_address_prefixes = local.tsnet_prod_ipv6
  description                  = "tsnet: IPsec between the members of cluster prod"
}
