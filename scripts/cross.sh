#!/bin/sh
# Cross-builds linelockd (and linelockctl) for another architecture with
# Debian's cross toolchain and the target's multiarch -dev packages.
#   scripts/cross.sh ARCH [make arguments...]
# ARCH is the GNU name OpenWrt uses (aarch64); the binaries land in
# build/ARCH/. `make cross ARCH=aarch64` calls this. Missing packages are
# installed by `scripts/install-deps.sh cross ARCH` (root).
#
# Multiarch: the target's libraries and .pc files live in
# /usr/lib/TRIPLET/, its headers share /usr/include with the host's (the
# -dev packages are Multi-Arch: same), so the cross compiler needs no
# sysroot. pkg-config is pointed at the target's .pc files only.
set -eu

cd "$(dirname "$0")/.."
arch=${1:-}
[ -n "$arch" ] || { echo "usage: $0 ARCH [make args]" >&2; exit 2; }
shift

triplet=$(scripts/install-deps.sh triplet "$arch")
scripts/install-deps.sh cross "$arch"

build=build/$arch
PKG_CONFIG_LIBDIR=/usr/lib/$triplet/pkgconfig:/usr/share/pkgconfig
PKG_CONFIG_SYSROOT_DIR=/
export PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR

# The host's .config decides the features; only the toolchain changes.
exec make --no-print-directory BUILD="$build" \
	CC="$triplet-gcc" AR="$triplet-ar" PKG_CONFIG=pkg-config \
	"$@" all
