# tsnet cloud aws (Terraform, aws provider) for cluster prod:
# allows IPsec (UDP 500, UDP 4500, ESP) between the cluster's members only.
#
# Changes: security group sg-0123456789abcdef0 in vpc-0123456789abcdef0
# gets inbound and outbound rules for UDP 500, UDP 4500 and protocol 50
# whose peer is the group itself (every instance in it).
# Running it again leaves the same rules: one already there is not an error.
#
# Undo: tsnet -c tests/data/cloud/full.conf cloud aws --format terraform --source-group --undo > tsnet-ipsec.tf
#   (in place of this file), terraform apply, then delete that file;
#   removed blocks need Terraform 1.7 or later.

locals {
  tsnet_prod_security_group = "sg-0123456789abcdef0"
}

resource "aws_vpc_security_group_ingress_rule" "tsnet_prod_in_group_udp500" {
  security_group_id            = local.tsnet_prod_security_group
  referenced_security_group_id = local.tsnet_prod_security_group
  ip_protocol                  = "udp"
  from_port                    = 500
  to_port                      = 500
  description                  = "tsnet-cluster-prod"
}

resource "aws_vpc_security_group_ingress_rule" "tsnet_prod_in_group_udp4500" {
  security_group_id            = local.tsnet_prod_security_group
  referenced_security_group_id = local.tsnet_prod_security_group
  ip_protocol                  = "udp"
  from_port                    = 4500
  to_port                      = 4500
  description                  = "tsnet-cluster-prod"
}

resource "aws_vpc_security_group_ingress_rule" "tsnet_prod_in_group_esp" {
  security_group_id            = local.tsnet_prod_security_group
  referenced_security_group_id = local.tsnet_prod_security_group
  ip_protocol                  = "50"
  description                  = "tsnet-cluster-prod"
}

resource "aws_vpc_security_group_egress_rule" "tsnet_prod_out_group_udp500" {
  security_group_id            = local.tsnet_prod_security_group
  referenced_security_group_id = local.tsnet_prod_security_group
  ip_protocol                  = "udp"
  from_port                    = 500
  to_port                      = 500
  description                  = "tsnet-cluster-prod"
}

resource "aws_vpc_security_group_egress_rule" "tsnet_prod_out_group_udp4500" {
  security_group_id            = local.tsnet_prod_security_group
  referenced_security_group_id = local.tsnet_prod_security_group
  ip_protocol                  = "udp"
  from_port                    = 4500
  to_port                      = 4500
  description                  = "tsnet-cluster-prod"
}

resource "aws_vpc_security_group_egress_rule" "tsnet_prod_out_group_esp" {
  security_group_id            = local.tsnet_prod_security_group
  referenced_security_group_id = local.tsnet_prod_security_group
  ip_protocol                  = "50"
  description                  = "tsnet-cluster-prod"
}
