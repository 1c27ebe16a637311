#!/bin/sh
# build.sh - `make deb`: tsnet_VERSION_ARCH.deb from the tsnet built in
# the top directory, with dpkg-deb.  What `make install` installs, under
# /usr, plus /etc/tsnet/cluster.conf.example (a conffile), README.Debian,
# copyright and changelog.  Depends: the shared libraries the binary
# links, as dpkg-shlibdeps computes them, and the programs tsnet runs.
# build.sh [DIR]: writes the package to DIR (default: the top
# directory) and prints its path.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$(cd "${1:-$TOP}" && pwd)
cd "$TOP"
MAINT="tsnet maintainers <maintainers@users.noreply.r-seed-048462a1.example>"
# The programs a node runs: nft, swanctl, charon, ip (report's xfrm
# states and policies).  pki only for certificate mode, ssh only on the
# coordinator of an ssh cluster: recommended, not required.
RUNTIME="nftables, iproute2, strongswan-swanctl, charon-systemd | strongswan-charon"
RECOMMENDED="strongswan-pki, openssh-client"

[ -x tsnet ] || { echo "deb: build tsnet first (make)" >&2; exit 2; }
VERSION=$(./tsnet version | sed -n 's/^tsnet //p')
ARCH=$(dpkg --print-architecture)
[ -n "$VERSION" ] || { echo "deb: tsnet version printed no version" >&2; exit 3; }
DEB=$OUT/tsnet_${VERSION}_${ARCH}.deb
W=$(mktemp -d /tmp/tsnet-deb.XXXXXX)
trap 'rm -rf "$W"' EXIT
R=$W/src/debian/tsnet
umask 022

make -s install DESTDIR="$R" PREFIX=/usr SBINDIR=/usr/sbin >/dev/null
strip --remove-section=.comment --remove-section=.note --strip-unneeded \
	"$R/usr/sbin/tsnet"
gzip -9n "$R"/usr/share/man/man8/*.8
install -D -m 0644 tests/data/inventory/example.conf \
	"$R/etc/tsnet/cluster.conf.example"
D=$R/usr/share/doc/tsnet
install -D -m 0644 contrib/deb/README.Debian "$D/README.Debian"
install -m 0644 contrib/deb/copyright "$D/copyright"
# A native package's changelog: this build, dated by the last commit.
when=$(git log -1 --format=%ct 2>/dev/null || date +%s)
printf 'tsnet (%s) unstable; urgency=medium\n\n  * Built from the tsnet source tree with make deb.\n\n -- %s  %s\n' \
	"$VERSION" "$MAINT" "$(LC_ALL=C date -R -u -d "@$when")" |
	gzip -9n >"$D/changelog.gz"

# dpkg-shlibdeps reads debian/control from where it runs, and finds the
# package's root by its DEBIAN
mkdir -p "$R/DEBIAN"
printf 'Source: tsnet\nMaintainer: %s\n\nPackage: tsnet\nArchitecture: any\n' \
	"$MAINT" >"$W/src/debian/control"
shlibs=$(cd "$W/src" && dpkg-shlibdeps -O debian/tsnet/usr/sbin/tsnet |
	sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || { echo "deb: dpkg-shlibdeps found no library" >&2; exit 3; }

echo /etc/tsnet/cluster.conf.example >"$R/DEBIAN/conffiles"
(cd "$R" && find usr -type f -exec md5sum {} + | sort -k 2) >"$R/DEBIAN/md5sums"
cat >"$R/DEBIAN/control" <<CONTROL
Package: tsnet
Version: $VERSION
Architecture: $ARCH
Maintainer: $MAINT
Installed-Size: $(du -sk --exclude=DEBIAN "$R" | cut -f1)
Depends: $shlibs, $RUNTIME
Recommends: $RECOMMENDED
Section: net
Priority: optional
Description: safe host-to-host IPsec between the nodes of a cluster
 tsnet checks that IKE, NAT-T and ESP pass between every pair of nodes
 (host firewalls, cloud security groups), turns on strongSwan in
 transport mode with AES-GCM on every node with a rollback on failure,
 and proves on the wire that every pair is encrypted.  Install it on
 every node of the cluster.
CONTROL
dpkg-deb --root-owner-group -Zxz --build "$R" "$DEB" >/dev/null
echo "$DEB"
