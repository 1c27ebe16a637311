# tsnet cloud gcp (Terraform, google provider) for cluster stage:
# allows IPsec (UDP 500, UDP 4500, ESP) between the cluster's members only.
#
# Changes: network <GCP_NETWORK> in project <GCP_PROJECT> gets
# ingress and egress firewall rules allowing esp,udp:500,udp:4500,
# for instances tagged <GCP_TARGET_TAGS>, from and to these addresses only:
#   198.18.2.1/32 198.18.2.2/32
# Rules:
#   tsnet-stage-in4
#   tsnet-stage-out4
# Running it again leaves the same rules: one that exists is updated.
#
# PLACEHOLDER <GCP_PROJECT>: the inventory has no gcp_project (set it in [cluster] and run tsnet cloud again).
# PLACEHOLDER <GCP_NETWORK>: the inventory has no gcp_network (set it in [cluster] and run tsnet cloud again).
# PLACEHOLDER <GCP_TARGET_TAGS>: the inventory has no gcp_target_tags (set it in [cluster] and run tsnet cloud again).
# The cloud rejects these names: nothing is changed while one is left.
# Undo: tsnet -c tests/data/cloud/missing.conf cloud gcp --format terraform --undo > tsnet-ipsec.tf
#   (in place of this file), terraform apply, then delete that file;
#   removed blocks need Terraform 1.7 or later.

locals {
  tsnet_stage_project = "<GCP_PROJECT>"
  tsnet_stage_network = "<GCP_NETWORK>"
  tsnet_stage_tags    = ["<GCP_TARGET_TAGS>"]
  tsnet_stage_ipv4    = ["198.18.2.1/32", "198.18.2.2/32"]
}

resource "google_compute_firewall" "tsnet_stage_in4" {
  name          = "tsnet-stage-in4"
  project       = local.tsnet_stage_project
  network       = local.tsnet_stage_network
  direction     = "INGRESS"
  source_ranges = local.tsnet_stage_ipv4
  target_tags   = local.tsnet_stage_tags
  description   = "tsnet: IPsec between the members of cluster stage"

  allow {
    protocol = "esp"
  }

  allow {
    protocol = "udp"
    ports    = ["500", "4500"]
  }
}

resource "google_compute_firewall" "tsnet_stage_out4" {
  name               = "tsnet-stage-out4"
  project            = local.tsnet_stage_project
  network            = local.tsnet_stage_network
  direction          = "EGRESS"
  destination_ranges = local.tsnet_stage_ipv4
  target_tags        = local.tsnet_stage_tags
  description        = "tsnet: IPsec between the members of cluster stage"

  allow {
    protocol = "esp"
  }

  allow {
    protocol = "udp"
    ports    = ["500", "4500"]
  }
}
