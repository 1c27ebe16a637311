# tsnet cloud azure (Terraform, azurerm provider) for cluster prod:
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
# Redo: tsnet -c tests/data/cloud/full.conf cloud azure --format terraform > tsnet-ipsec.tf

removed {
  from = azurerm_network_security_rule.tsnet_prod_in4_ike

  lifecycle {
    destroy = true
  }
}

removed {
  from = azurerm_network_security_rule.tsnet_prod_in4_esp

  lifecycle {
    destroy = true
  }
}

removed {
  from = azurerm_network_security_rule.tsnet_prod_in6_ike

  lifecycle {
    destroy = true
  }
}

removed {
  from = azurerm_network_security_rule.tsnet_prod_in6_esp

  lifecycle {
    destroy = true
  }
}

removed {
  from = azurerm_network_security_rule.tsnet_prod_out4_ike

  lifecycle {
    destroy = true
  }
}

removed {
  from = azurerm_network_security_rule.tsnet_prod_out4_esp

  lifecycle {
    destroy = true
  }
}

removed {
  from = azurerm_network_security_rule.tsnet_prod_out6_ike

  lifecycle {
    destroy = true
  }
}

removed {
  from = azurerm_network_security_rule.tsnet_prod_out6_esp

  lifecycle {
    destroy = true
  }
}
