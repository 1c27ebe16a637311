# tsnet cloud gcp (Terraform, google provider) for cluster prod:
# removes the IPsec rules tsnet cloud gcp adds, and nothing else.
#
# Changes: project acme-prod loses these firewall rules when present:
#   tsnet-prod-in4
#   tsnet-prod-in6
#   tsnet-prod-out4
#   tsnet-prod-out6
#
# Redo: tsnet -c tests/data/cloud/full.conf cloud gcp --format terraform > tsnet-ipsec.tf

removed {
  from = google_compute_firewall.tsnet_prod_in4

  lifecycle {
    destroy = true
  }
}

removed {
  from = google_compute_firewall.tsnet_prod_in6

  lifecycle {
    destroy = true
  }
}

removed {
  from = google_compute_firewall.tsnet_prod_out4

  lifecycle {
    destroy = true
  }
}

removed {
  from = google_compute_firewall.tsnet_prod_out6

  lifecycle {
    destroy = true
  }
}
