#!/bin/bash
# test_deb.sh - `make deb`: the package holds what a node needs, depends
# on every library the binary links (as dpkg-shlibdeps computes it) and
# on the programs tsnet runs, is free of lintian errors, and installs
# into a scratch root with dpkg, runs there, and goes again.  The scratch
# root has no base system, so dpkg installs with --force-depends: the
# Depends line is checked on its own, above.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
need_root

W=$(mktemp -d /tmp/tdeb.XXXXXX)
trap 'rm -rf "$W"' EXIT

echo "# make deb (at ${SECONDS}s)"
deb=$(make -s --no-print-directory -C "$TOP" deb DEBDIR="$W" 2>"$W/make.err" | tail -1)
assert_match "make deb: tsnet_VERSION_ARCH.deb" \
	"^$W/tsnet_[0-9][0-9.]*_$(dpkg --print-architecture)\\.deb\$" "$deb"
assert_eq "make deb: no warning" "" "$(grep -v '^contrib/deb/build.sh$' "$W/make.err")"
[ -f "$deb" ] || fail_all "make deb built no package: $(cat "$W/make.err")"

echo "# what it holds (at ${SECONDS}s)"
list=$(dpkg-deb -c "$deb" | awk '{ print $1, $2, $6 }')
for f in usr/sbin/tsnet usr/share/man/man8/tsnet.8.gz \
	 usr/share/man/man8/tsnet-preflight.8.gz \
	 usr/share/bash-completion/completions/tsnet \
	 etc/tsnet/cluster.conf.example usr/share/doc/tsnet/README.Debian \
	 usr/share/doc/tsnet/copyright usr/share/doc/tsnet/changelog.gz; do
	assert_match "holds $f, owned by root" " root/root \\./$f\$" "$list"
done
assert_eq "every man page" "$(find "$TOP/man" -name '*.8' | wc -l)" \
	"$(printf '%s\n' "$list" | grep -c '/man8/.*\.8\.gz$')"
assert_match "the binary is executable" '^-rwxr-xr-x .*usr/sbin/tsnet$' "$list"
assert_eq "the example inventory is a conffile" /etc/tsnet/cluster.conf.example \
	"$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)"

echo "# Depends (at ${SECONDS}s)"
dep=$(dpkg-deb -f "$deb" Depends)
for want in 'libc6 \(>= [0-9.]+\)' 'libmnl0 \(' 'libnftnl11 \(' \
	    'libpcap0\.8 \(' nftables iproute2 strongswan-swanctl \
	    'charon-systemd \| strongswan-charon'; do
	assert_match "Depends: $want" "(^|, )$want" "$dep"
done
rec=$(dpkg-deb -f "$deb" Recommends)
for want in strongswan-pki openssh-client; do
	assert_match "Recommends: $want" "(^|, )$want(,|\$)" "$rec"
done
# Every library the packaged binary needs, found by the loader here,
# belongs to a package that Depends names.
dpkg-deb -x "$deb" "$W/x"
needed=$(objdump -p "$W/x/usr/sbin/tsnet" | awk '$1 == "NEEDED" { print $2 }')
assert_match "the binary links libpcap" '^libpcap\.so' "$needed"
for lib in $needed; do
	path=$(ldconfig -p | awk -v l="$lib" '$1 == l { print $NF; exit }')
	pkg=$(dpkg -S "$path" 2>/dev/null || dpkg -S "$(realpath "$path")" 2>/dev/null)
	pkg=${pkg%%:*}
	assert_match "$lib ($pkg) in Depends" "(^|, )${pkg//./\\.}( |,|\$)" "$dep"
done

echo "# lintian (at ${SECONDS}s)"
lint=$(lintian --fail-on error "$deb" 2>&1)
rc=$?
assert_eq "lintian: no error (exit)" 0 "$rc"
assert_nomatch "lintian: no E: line" '^E: ' "$lint"

echo "# install into a scratch root (at ${SECONDS}s)"
R=$W/root
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" \
	"$R/var/lib/dpkg/triggers"
touch "$R/var/lib/dpkg/status" "$R/var/lib/dpkg/available"
dp() { dpkg --root="$R" --log="$W/dpkg.log" "$@"; }
dp --force-depends -i "$deb" >"$W/install.out" 2>&1
assert_eq "dpkg -i: exit 0" 0 "$?"
assert_match "dpkg: installed" '^Status: install ok installed$' \
	"$(dp -s tsnet 2>&1)"
out=$("$R/usr/sbin/tsnet" version)
assert_eq "tsnet version: the package's" \
	"tsnet $(dpkg-deb -f "$deb" Version)" "$out"
out=$("$R/usr/sbin/tsnet" help)
assert_eq "tsnet help: exit 0" 0 "$?"
assert_match "tsnet help: the usage line" '^usage: tsnet ' "$out"
assert_match "tsnet help: lists preflight" '^ +preflight ' "$out"
out=$("$R/usr/sbin/tsnet" -c "$R/etc/tsnet/cluster.conf.example" inventory check 2>&1)
assert_eq "the example inventory checks out: exit 0" 0 "$?"
assert_match "man tsnet reads" 'tsnet +- ' \
	"$(MANWIDTH=80 man -l "$R/usr/share/man/man8/tsnet.8.gz" 2>&1 | head -5)"

dp -r tsnet >/dev/null 2>&1
assert_eq "dpkg -r: exit 0" 0 "$?"
assert_eq "removed: the binary gone, the conffile kept" "no yes" \
	"$([ -e "$R/usr/sbin/tsnet" ] && echo yes || echo no) $([ -e "$R/etc/tsnet/cluster.conf.example" ] && echo yes || echo no)"
dp --purge tsnet >/dev/null 2>&1
assert_eq "dpkg --purge: exit 0" 0 "$?"
assert_eq "purged: nothing left under usr or etc" "" \
	"$(find "$R/usr" "$R/etc" -type f 2>/dev/null)"

finish
