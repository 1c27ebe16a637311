# tsnet cloud aws (Terraform, aws provider) for cluster prod:
# allows IPsec (UDP 500, UDP 4500, ESP) between the cluster's members only.
#
# Changes: security group sg-0123456789abcdef0 in vpc-0123456789abcdef0
# gets inbound and outbound rules for UDP 500, UDP 4500 and protocol 50
# whose peer is one of these (12 rules per direction):
#   198.18.1.1/32 198.18.1.2/32 198.18.1.3/32
#   fd00:7473::2/128
# Running it again leaves the same rules: one already there is not an error.
#
# Undo: tsnet -c tests/data/cloud/full.conf cloud aws --format terraform --undo > tsnet-ipsec.tf
#   (in place of this file), terraform apply, then delete that file;
#   removed blocks need Terraform 1.7 or later.

locals {
  tsnet_prod_security_group = "sg-0123456789abcdef0"
  tsnet_prod_ipv4           = ["198.18.1.1/32", "198.18.1.2/32", "198.18.1.3/32"]
  tsnet_prod_ipv6           = ["fd00:7473::2/128"]
}

resource "aws_vpc_security_group_ingress_rule" "tsnet_prod_in4_udp500" {
  for_each = toset(local.tsnet_prod_ipv4)

  security_group_id = local.tsnet_prod_security_group
  cidr_ipv4         = each.value
  ip_protocol       = "udp"
  from_port         = 500
  to_port           = 500
  description       = "tsnet-cluster-prod"
}

resource "aws_vpc_security_group_ingress_rule" "tsnet_prod_in4_udp4500" {
  for_each = toset(local.tsnet_prod_ipv4)

  security_group_id = local.tsnet_prod_security_group
  cidr_ipv4         = each.value
  ip_protocol       = "udp"
  from_port         = 4500
  to_port           = 4500
  description       = "tsnet-cluster-prod"
}

resource "aws_vpc_security_group_ingress_rule" "tsnet_prod_in4_esp" {
  for_each = toset(local.tsnet_prod_ipv4)

  security_group_id = local.tsnet_prod_security_group
  cidr_ipv4         = each.value
  ip_protocol       = "50"
  description       = "tsnet-cluster-prod"
}

resource "aws_vpc_security_group_ingress_rule" "tsnet_prod_in6_udp500" {
  for_each = toset(local.tsnet_prod_ipv6)

  security_group_id = local.tsnet_prod_security_group
  cidr_ipv6         = each.value
  ip_protocol       = "udp"
  from_port         = 500
  to_port           = 500
  description       = "tsnet-cluster-prod"
}

resource "aws_vpc_security_group_ingress_rule" "tsnet_prod_in6_udp4500" {
  for_each = toset(local.tsnet_prod_ipv6)

  security_group_id = local.tsnet_prod_security_group
  cidr_ipv6         = each.value
  ip_protocol       = "udp"
  from_port         = 4500
  to_port           = 4500
  description       = "tsnet-cluster-prod"
}

resource "aws_vpc_security_group_ingress_rule" "tsnet_prod_in6_esp" {
  for_each = toset(local.tsnet_prod_ipv6)

  security_group_id = local.tsnet_prod_security_group
  cidr_ipv6         = each.value
  ip_protocol       = "50"
  description       = "tsnet-cluster-prod"
}

resource "aws_vpc_security_group_egress_rule" "tsnet_prod_out4_udp500" {
  for_each = toset(local.tsnet_prod_ipv4)

  security_group_id = local.tsnet_prod_security_group
  cidr_ipv4         = each.value
  ip_protocol       = "udp"
  from_port         = 500
  to_port           = 500
  description       = "tsnet-cluster-prod"
}

resource "aws_vpc_security_group_egress_rule" "tsnet_prod_out4_udp4500" {
  for_each = toset(local.tsnet_prod_ipv4)

  security_group_id = local.tsnet_prod_security_group
  cidr_ipv4         = each.value
  ip_protocol       = "udp"
  from_port         = 4500
  to_port           = 4500
  description       = "tsnet-cluster-prod"
}

resource "aws_vpc_security_group_egress_rule" "tsnet_prod_out4_esp" {
  for_each = toset(local.tsnet_prod_ipv4)

  security_group_id = local.tsnet_prod_security_group
  cidr_ipv4         = each.value
  ip_protocol       = "50"
  description       = "tsnet-cluster-prod"
}

resource "aws_vpc_security_group_egress_rule" "tsnet_prod_out6_udp500" {
  for_each = toset(local.tsnet_prod_ipv6)

  security_group_id = local.tsnet_prod_security_group
  cidr_ipv6         = each.value
  ip_protocol       = "udp"
  from_port         = 500
  to_port           = 500
  description       = "tsnet-cluster-prod"
}

resource "aws_vpc_security_group_egress_rule" "tsnet_prod_out6_udp4500" {
  for_each = toset(local.tsnet_prod_ipv6)

  security_group_id = local.tsnet_prod_security_group
  cidr_ipv6         = each.value
  ip_protocol       = "udp"
  from_port         = 4500
  to_port           = 4500
  description       = "tsnet-cluster-prod"
}

resource "aws_vpc_security_group_egress_rule" "tsnet_prod_out6_esp" {
  for_each = toset(local.tsnet_prod_ipv6)

  security_group_id = local.tsnet_prod_security_group
  cidr_ipv6         = each.value
  ip_protocol       = "50"
  description       = "tsnet-cluster-prod"
}
