# tsnet cloud aws (Terraform, aws provider) for cluster prod:
# removes the IPsec rules tsnet cloud aws adds, and nothing else.
#
# Changes: security group sg-0123456789abcdef0 in vpc-0123456789abcdef0
# loses its inbound and outbound rules for UDP 500, UDP 4500 and protocol 50
# whose peer is one of these (12 rules per direction):
#   198.18.1.1/32 198.18.1.2/32 198.18.1.3/32
#   fd00:7473::2/128
# A rule that is not there is not an error.
#
# Redo: tsnet -c tests/data/cloud/full.conf cloud aws --format terraform > tsnet-ipsec.tf

removed {
  from = aws_vpc_security_group_ingress_rule.tsnet_prod_in4_udp500

  lifecycle {
    destroy = true
  }
}

removed {
  from = aws_vpc_security_group_ingress_rule.tsnet_prod_in4_udp4500

  lifecycle {
    destroy = true
  }
}

removed {
  from = aws_vpc_security_group_ingress_rule.tsnet_prod_in4_esp

  lifecycle {
    destroy = true
  }
}

removed {
  from = aws_vpc_security_group_ingress_rule.tsnet_prod_in6_udp500

  lifecycle {
    destroy = true
  }
}

removed {
  from = aws_vpc_security_group_ingress_rule.tsnet_prod_in6_udp4500

  lifecycle {
    destroy = true
  }
}

removed {
  from = aws_vpc_security_group_ingress_rule.tsnet_prod_in6_esp

  lifecycle {
    destroy = true
  }
}

removed {
  from = aws_vpc_security_group_egress_rule.tsnet_prod_out4_udp500

  lifecycle {
    destroy = true
  }
}

removed {
  from = aws_vpc_security_group_egress_rule.tsnet_prod_out4_udp4500

  lifecycle {
    destroy = true
  }
}

removed {
  from = aws_vpc_security_group_egress_rule.tsnet_prod_out4_esp

  lifecycle {
    destroy = true
  }
}

removed {
  from = aws_vpc_security_group_egress_rule.tsnet_prod_out6_udp500

  lifecycle {
    destroy = true
  }
}

removed {
  from = aws_vpc_security_group_egress_rule.tsnet_prod_out6_udp4500

  lifecycle {
    destroy = true
  }
}

removed {
  from = aws_vpc_security_group_egress_rule.tsnet_prod_out6_esp

  lifecycle {
    destroy = true
  }
}
