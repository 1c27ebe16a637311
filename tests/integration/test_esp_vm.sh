#!/bin/bash
# test_esp_vm.sh - everything with real kernel ESP but enable-ipsec's own
# scenarios (test_enable_vm.sh), in ONE boot of the QEMU VM (or on this
# host when its kernel has ESP, through tests/lab/esp-run): the
# tests/lab/scenarios below, one after another, each from the state the
# VM booted in (esp_lib.sh's esp_inside resets what one leaves and checks
# it did).  Each result is named by its scenario.
#   esp_pair          hand-made ESP SAs between two namespaces; the lab
#                     (--ssh) in the VM
#   xfrm_mismatch     the kernel's side: SA sanity, a mismatched key
#   nft_decrypted     a ruleset that drops decrypted traffic: preflight
#                     names it, and real ESP is dropped after decryption
#   status_nodes      status and node add/remove
#   verify_vm         live verify and report
#   harden_lock       two enable-ipsec at once
#   harden_interrupt  signals during enable-ipsec and disable-ipsec
#   throughput_esp    throughput before and after enable-ipsec
#   SCENARIOS="xfrm_mismatch verify_vm" limits the run.
. "$(dirname "$0")/lib.sh"
need_root
# shellcheck source=tests/integration/esp_lib.sh
. "$(dirname "$0")/esp_lib.sh"

esp_scenarios "$TOP/tests/integration/test_esp_vm.sh" \
	"esp_pair xfrm_mismatch nft_decrypted status_nodes verify_vm harden_lock harden_interrupt throughput_esp" \
	"$@"
finish
