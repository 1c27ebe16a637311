# tsnet cloud aws (Terraform, aws provider) for cluster web:
# allows IPsec (UDP 500, UDP 4500, ESP) between the cluster's members only.
#
# Changes: security group sg-0fedcba9
# gets inbound and outbound rules for UDP 500, UDP 4500 and protocol 50
# whose peer is one of these (6 rules per direction):
#   198.18.64.0/24
#   fd00:7473:64::/64
# Running it again leaves the same rules: one already there is not an error.
#
# Undo: tsnet -c tests/data/cloud/subnets.conf cloud aws --format terraform --undo > tsnet-ipsec.tf
#   (in place of this file), terraform apply, then delete that file;
#   removed blocks need Terraform 1.7 or later.

locals {
  tsnet_web_security_group = "sg-0fedcba9"
  tsnet_web_ipv4           = ["198.18.64.0/24"]
  tsnet_web_ipv6           = ["fd00:7473:64::/64"]
}

resource "aws_vpc_security_group_ingress_rule" "tsnet_web_in4_udp500" {
  for_each = toset(local.tsnet_web_ipv4)

  security_group_id = local.tsnet_web_security_group
  cidr_ipv4         = each.value
  ip_protocol       = "udp"
  from_port         = 500
  to_port           = 500
  description       = "tsnet-cluster-web"
}

resource "aws_vpc_security_group_ingress_rule" "tsnet_web_in4_udp4500" {
  for_each = toset(local.tsnet_web_ipv4)

  security_group_id = local.tsnet_web_security_group
  cidr_ipv4         = each.value
  ip_protocol       = "udp"
  from_port         = 4500
  to_port           = 4500
  description       = "tsnet-cluster-web"
}

resource "aws_vpc_security_group_ingress_rule" "tsnet_web_in4_esp" {
  for_each = toset(local.tsnet_web_ipv4)

  security_group_id = local.tsnet_web_security_group
  cidr_ipv4         = each.value
  ip_protocol       = "50"
  description       = "tsnet-cluster-web"
}

resource "aws_vpc_security_group_ingress_rule" "tsnet_web_in6_udp500" {
  for_each = toset(local.tsnet_web_ipv6)

  security_group_id = local.tsnet_web_security_group
  cidr_ipv6         = each.value
  ip_protocol       = "udp"
  from_port         = 500
  to_port           = 500
  description       = "tsnet-cluster-web"
}

resource "aws_vpc_security_group_ingress_rule" "tsnet_web_in6_udp4500" {
  for_each = toset(local.tsnet_web_ipv6)

  security_group_id = local.tsnet_web_security_group
  cidr_ipv6         = each.value
  ip_protocol       = "udp"
  from_port         = 4500
  to_port           = 4500
  description       = "tsnet-cluster-web"
}

resource "aws_vpc_security_group_ingress_rule" "tsnet_web_in6_esp" {
  for_each = toset(local.tsnet_web_ipv6)

  security_group_id = local.tsnet_web_security_group
  cidr_ipv6         = each.value
  ip_protocol       = "50"
  description       = "tsnet-cluster-web"
}

resource "aws_vpc_security_group_egress_rule" "tsnet_web_out4_udp500" {
  for_each = toset(local.tsnet_web_ipv4)

  security_group_id = local.tsnet_web_security_group
  cidr_ipv4         = each.value
  ip_protocol       = "udp"
  from_port         = 500
  to_port           = 500
  description       = "tsnet-cluster-web"
}

resource "aws_vpc_security_group_egress_rule" "tsnet_web_out4_udp4500" {
  for_each = toset(local.tsnet_web_ipv4)

  security_group_id = local.tsnet_web_security_group
  cidr_ipv4         = each.value
  ip_protocol       = "udp"
  from_port         = 4500
  to_port           = 4500
  description       = "tsnet-cluster-web"
}

resource "aws_vpc_security_group_egress_rule" "tsnet_web_out4_esp" {
  for_each = toset(local.tsnet_web_ipv4)

  security_group_id = local.tsnet_web_security_group
  cidr_ipv4         = each.value
  ip_protocol       = "50"
  description       = "tsnet-cluster-web"
}

resource "aws_vpc_security_group_egress_rule" "tsnet_web_out6_udp500" {
  for_each = toset(local.tsnet_web_ipv6)

  security_group_id = local.tsnet_web_security_group
  cidr_ipv6         = each.value
  ip_protocol       = "udp"
  from_port         = 500
  to_port           = 500
  description       = "tsnet-cluster-web"
}

resource "aws_vpc_security_group_egress_rule" "tsnet_web_out6_udp4500" {
  for_each = toset(local.tsnet_web_ipv6)

  security_group_id = local.tsnet_web_security_group
  cidr_ipv6         = each.value
  ip_protocol       = "udp"
  from_port         = 4500
  to_port           = 4500
  description       = "tsnet-cluster-web"
}

resource "aws_vpc_security_group_egress_rule" "tsnet_web_out6_esp" {
  for_each = toset(local.tsnet_web_ipv6)

  security_group_id = local.tsnet_web_security_group
  cidr_ipv6         = each.value
  ip_protocol       = "50"
  description       = "tsnet-cluster-web"
}
