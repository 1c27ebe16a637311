# tsnet cloud gcp (Terraform, google provider) for cluster prod:
# allows IPsec (UDP 500, UDP 4500, ESP) between the cluster's members only.
#
# Changes: network prod-net in project acme-prod gets
# ingress and egress firewall rules allowing esp,udp:500,udp:4500,
# for instances tagged tsnet-prod,db, from and to these addresses only:
#   198.18.1.1/32 198.18.1.2/32 198.18.1.3/32
#   fd00:7473::2/128
# Rules:
#   tsnet-prod-in4
#   tsnet-prod-in6
#   tsnet-prod-out4
#   tsnet-prod-out6
# Running it again leaves the same rules: one that exists is updated.
#
# Undo: tsnet -c tests/data/cloud/full.conf cloud gcp --format terraform --undo > tsnet-ipsec.tf
#   (in place of this file), terraform apply, then delete that file;
#   removed blocks need Terraform 1.7 or later.

locals {
  tsnet_prod_project = "acme-prod"
  tsnet_prod_network = "prod-net"
  tsnet_prod_tags    = ["tsnet-prod", "db"]
  tsnet_prod_ipv4    = ["198.18.1.1/32", "198.18.1.2/32", "198.18.1.3/32"]
  tsnet_prod_ipv6    = ["fd00:7473::2/128"]
}

resource "google_compute_firewall" "tsnet_prod_in4" {
  name          = "tsnet-prod-in4"
  project       = local.tsnet_prod_project
  network       = local.tsnet_prod_network
  direction     = "INGRESS"
  source_ranges = local.tsnet_prod_ipv4
  target_tags   = local.tsnet_prod_tags
  description   = "tsnet: IPsec between the members of cluster prod"

  allow {
    protocol = "esp"
  }

  allow {
    protocol = "udp"
    ports    = ["500", "4500"]
  }
}

resource "google_compute_firewall" "tsnet_prod_in6" {
  name          = "tsnet-prod-in6"
  project       = local.tsnet_prod_project
  network       = local.tsnet_prod_network
  direction     = "INGRESS"
  source_ranges = local.tsnet_prod_ipv6
  target_tags   = local.tsnet_prod_tags
  description   = "tsnet: IPsec between the members of cluster prod"

  allow {
    protocol = "esp"
  }

  allow {
    protocol = "udp"
    ports    = ["500", "4500"]
  }
}

resource "google_compute_firewall" "tsnet_prod_out4" {
  name               = "tsnet-prod-out4"
  project            = local.tsnet_prod_project
  network            = local.tsnet_prod_network
  direction          = "EGRESS"
  destination_ranges = local.tsnet_prod_ipv4
  target_tags        = local.tsnet_prod_tags
  description        = "tsnet: IPsec between the members of cluster prod"

  allow {
    protocol = "esp"
  }

  allow {
    protocol = "udp"
    ports    = ["500", "4500"]
  }
}

resource "google_compute_firewall" "tsnet_prod_out6" {
  name               = "tsnet-prod-out6"
  project            = local.tsnet_prod_project
  network            = local.tsnet_prod_network
  direction          = "EGRESS"
  destination_ranges = local.tsnet_prod_ipv6
  target_tags        = local.tsnet_prod_tags
  description        = "tsnet: IPsec between the members of cluster prod"

  allow {
    protocol = "esp"
  }

  allow {
    protocol = "udp"
    ports    = ["500", "4500"]
  }
}
