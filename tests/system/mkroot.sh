#!/usr/bin/env bash
# Build (once) a Debian root for the system test and cache it as a tarball OUTSIDE the repo.
# Usage: mkroot.sh DIST ARCH CACHE_DIR   -> prints the tarball's path.
# The apt mirror is the first one in this machine's own apt sources. Another ARCH than this
# machine's (arm64) needs qemu-user registered with binfmt_misc first (conftest.py does it):
# debootstrap then runs the second stage under emulation, like the chroot below.
set -euo pipefail
dist=${1:?dist} arch=${2:?arch} cache=${3:?cache dir}
tarball="$cache/root-$dist-$arch.tar.zst"
if [ -s "$tarball" ]; then echo "$tarball"; exit 0; fi
mirror=$(grep -h -E '^\s*URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -1 || true)
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
    mirror=$(awk '$1 == "deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list)
fi
[ -n "$mirror" ] || { echo "mkroot: no apt mirror in this machine's apt sources" >&2; exit 1; }
mkdir -p "$cache"
work=$(mktemp -d "$cache/build-$dist-$arch.XXXXXX")
trap 'rm -rf "$work"' EXIT
# What `make install` and the tests need inside, so nothing is fetched while the test runs.
include=systemd,systemd-sysv,dbus,python3,python3-venv,python3-dev,make,gcc,pkg-config,libasound2-dev,libsystemd-dev,alsa-utils,ca-certificates,jq,procps,util-linux
echo "mkroot: debootstrap $dist/$arch from $mirror (a few minutes, once)" >&2
debootstrap --variant=minbase --arch="$arch" --include="$include" "$dist" "$work/root" "$mirror" >"$work/log" 2>&1 \
    || { tail -30 "$work/log" >&2; exit 1; }
chroot "$work/root" systemctl mask console-getty.service getty@.service systemd-networkd-wait-online.service >/dev/null 2>&1 || true
rm -rf "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/lib/apt/lists/"*_Packages
tar -C "$work/root" --zstd -cf "$work/root.tar.zst" .
mv "$work/root.tar.zst" "$tarball"
echo "$tarball"
